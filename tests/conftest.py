"""Shared fixtures: tiny Hub-style IMDB parquet folders, tiny models built in seconds, a PostgreSQL server.

Only fixtures live here (pytest finds them; nothing imports this file): the plain builders they use, and that
tests import, are in ``tests/support/builders.py``.
"""

from __future__ import annotations

import os

# Under pytest-xdist (make check / make test) each worker gets its share of the cores for torch's threads, and so
# do the notebook kernels and processes it starts (they inherit the variable): two workers with torch's default of
# every core each would run twice as many threads as cores, which slows both far more than it helps either.
if workers := os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // int(workers))))
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from support.builders import free_port, opinion_reviews, unavailable, write_imdb_folder

# ----------------------------------------------------------------------------------------------- the checkout
CHECKOUT = Path(__file__).resolve().parent.parent
# the environment (a folder, or a link to one) and caches
NOT_LEFTOVERS = (".venv", ".venv/**", "**/.pytest_cache/**", "**/.ruff_cache/**", "**/__pycache__/**")


def checkout_files() -> set[str] | None:
    """``git status --porcelain`` of the checkout, each untracked and ignored file listed, bar the environment
    and caches (``None`` outside a git checkout): what a test run may not add to."""
    excluded = [f":(exclude,glob){pattern}" for pattern in NOT_LEFTOVERS]
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "--", ".", *excluded],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
    )
    return set(status.stdout.splitlines()) if status.returncode == 0 else None


# The files that take minutes, longest first. `make test` runs two pytest workers that take whole files in the order
# collected (pytest-xdist's loadfile, not reordered): the longest start at once instead of last.
SLOWEST_FIRST = (
    "test_smoke_outputs.py",
    "test_browser.py",
    "test_run_resume.py",
    "test_bench.py",
    "test_standin_build.py",
    "test_ray_cluster.py",
    "test_shared_study.py",
)


def pytest_collection_modifyitems(items):
    """The slowest files first, each file's tests in their own order (a stable sort)."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session", autouse=True)
def no_file_left_in_the_checkout():
    """Fails the session when its tests left a file in the checkout: tests write to temporary folders only."""
    before = checkout_files()
    yield
    after = checkout_files()
    if before is not None and after is not None and (left := sorted(after - before)):
        pytest.fail("the tests left files in the checkout (git status):\n" + "\n".join(left[:20]))


@pytest.fixture(scope="session", autouse=True)
def user_cache_in_tmp(tmp_path_factory):
    """No test reads or writes the user's cache folder (precision ``auto``'s measurement): one tmp folder for the
    session, so ``auto`` is measured once per test session; notebooks and processes the tests start inherit it."""
    from helpers.environment import CACHE_DIR as CACHE_ENV

    saved = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if saved is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = saved


@pytest.fixture
def imdb_dir(tmp_path):
    return write_imdb_folder(tmp_path / "imdb")


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """The smoke profile's tiny DistilBERT (trained for seconds on bundled IMDB training reviews), built once."""
    from helpers.modeling import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny(tiny_dir):
    """``(model, tokenizer, source)`` of the smoke profile's tiny DistilBERT, built once per test session."""
    from helpers.modeling import load_classifier

    return load_classifier("path", tiny_dir)


# ----------------------------------------------------------------------------------------------- services
def _postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs: ``initdb`` on the PATH, else Debian's newest version."""
    if found := shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server for this test session, on a free loopback port, in a throw-away folder.

    Debian's ``postgresql`` package (``.ci/run`` installs it when missing): ``initdb`` + ``pg_ctl`` run as the
    ``postgres`` user when the tests run as root (the server refuses root). Yields a SQLAlchemy URL
    (psycopg2 driver); the server is stopped and its folder removed at the end.
    """
    bindir = _postgres_bin()
    if bindir is None:
        unavailable("no PostgreSQL server programs (initdb): apt-get install postgresql")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="imdb-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the package's postgres user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            unavailable("running as root and there is no 'postgres' user to run the server as")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()

    def run(*args):
        return subprocess.run([*as_user, *map(str, args)], capture_output=True, text=True, timeout=120)

    init = run(bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    start = (
        run(
            bindir / "pg_ctl",
            "-D",
            data,
            "-o",
            options,
            "-l",
            folder / "server.log",
            "-w",
            "-t",
            "60",
            "start",
        )
        if init.returncode == 0
        else init
    )
    if start.returncode != 0:
        log = (folder / "server.log").read_text() if (folder / "server.log").is_file() else ""
        shutil.rmtree(folder, ignore_errors=True)
        unavailable(f"PostgreSQL did not start: {(start.stderr or start.stdout)[-800:]} {log[-800:]}")
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


# ----------------------------------------------------------------------------------------------- an opinionated model
@pytest.fixture(scope="session")
def opinionated(tmp_path_factory):
    """``(model, tokenizer, source)``: the untrained tiny architecture trained (a few seconds, with the smoke
    model's own loop, :func:`helpers.modeling.train_tiny`) on :func:`opinion_reviews`, so its predictions are
    confident (far from 0.5) and follow one sentiment word per review."""
    from helpers import modeling

    folder = tmp_path_factory.mktemp("models") / "opinionated"
    model, tokenizer = modeling.tiny_architecture(seed=1)
    train = opinion_reviews(256, seed=1)
    modeling.train_tiny(
        model, tokenizer, train["text"], train["label"], epochs=12, learning_rate=3e-3, seed=1
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    modeling.write_source_file(folder, kind="tiny", name="tiny DistilBERT trained on opinion_reviews")
    return modeling.load_classifier("path", folder)


@pytest.fixture
def restored_environment():
    """``os.environ`` as it was before the test (the runner's ``main`` sets variables in-process)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
