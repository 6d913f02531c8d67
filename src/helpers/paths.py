"""Where things live: the repository root and the folders the notebooks read and write.

Outputs (figures, results) go under ``IMDB_SERIES_OUTPUT`` when set (the runner's ``runs/<profile>/``, or the
repository with ``--refresh``), else under ``runs/<profile>/`` too; reads of other notebooks' results fall back to
the committed ``results/<profile>/`` for what that folder lacks (:func:`read_results_dirs`).
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers import environment
from helpers.run_lock import check_free

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_repo_root() -> Path:
    """The folder holding ``pyproject.toml`` and ``params/``, searched upward from the package, then the cwd."""
    if env := environment.series_root():
        return Path(env).resolve()
    for start in (PACKAGE_DIR, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
                return folder
    # Installed without the repository (e.g. a wheel): fall back to the working directory.
    return Path.cwd().resolve()


REPO_ROOT = _find_repo_root()
DATA_DIR = REPO_ROOT / "data"
PARAMS_DIR = REPO_ROOT / "params"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
MODELS_DIR = environment.models_dir(REPO_ROOT / "models")
# $IMDB_RUNS_DIR moves runs/ (the tests point it at a temporary folder)
RUNS_DIR = environment.runs_dir(REPO_ROOT / "runs")


def output_root(profile: str | None = None) -> Path:
    """Root under which ``figures/`` and ``results/`` are written: ``IMDB_SERIES_OUTPUT`` when set; else, for a
    profile's outputs, ``runs/<profile>/`` (where ``make run`` writes: never the committed reference), and without
    a profile the repository (what the README table and the benchmark records are made from and written to)."""
    if env := environment.series_output():
        return Path(env)
    return RUNS_DIR / profile if profile else REPO_ROOT


def writable_root(profile: str) -> Path:
    """:func:`output_root` for writing a profile's outputs. Unset ``IMDB_SERIES_OUTPUT`` (a notebook run outside
    the runner) writes into ``runs/<profile>/``: refused, naming the run, while a run holds that folder
    (:mod:`helpers.run_lock`). The runner's own kernels have the variable set: they are never refused."""
    if not environment.series_output():
        check_free(RUNS_DIR / profile, show=display_path)
    return output_root(profile)


def figures_dir(profile: str) -> Path:
    """``figures/<profile>/``: the PNGs a profile's notebooks save (under :func:`output_root`)."""
    path = writable_root(profile) / "figures" / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_dir(profile: str) -> Path:
    """``results/<profile>/``: the metrics and predictions a profile's notebooks save (under :func:`output_root`)."""
    path = writable_root(profile) / "results" / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def committed_results_dir(profile: str) -> Path:
    """``results/<profile>/`` of the committed reference, in the repository (read only, never created here)."""
    return REPO_ROOT / "results" / profile


def read_results_dirs(profile: str) -> list[Path]:
    """Where other notebooks' results are read from, first match wins per model: with ``IMDB_SERIES_OUTPUT`` set only
    that run's ``results/<profile>/``; unset, the run's folder first, then the committed ``results/<profile>/``.
    """
    run = output_root(profile) / "results" / profile
    if environment.series_output():
        return [run]
    return [run, committed_results_dir(profile)]


def display_path(path: str | os.PathLike) -> str:
    """A path as shown to people: relative to the repo (or output root) when inside it, never machine-specific."""
    path = Path(path).resolve()
    for base in (output_root().resolve(), REPO_ROOT):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    home = Path.home()
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return path.name if path.is_absolute() else str(path)
