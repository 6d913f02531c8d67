"""One run per folder: a folder held by a live run is refused (the runner, a notebook run by hand), one left by a
killed run is taken over, and the runner's own kernels are never refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import paths
from helpers import run_lock as lock
from helpers.runner import command

SRC = Path(command.__file__).resolve().parents[2]
HOLD = (
    "import sys; from pathlib import Path; from helpers import run_lock as lock; "
    "lock.acquire(Path(sys.argv[1]), 'python -m helpers.run --profile smoke'); "
    "print('held', flush=True); sys.stdin.read()"
)


@pytest.fixture
def holder_process():
    """Start a process that holds a folder's lock (like a run of the series) until its stdin closes."""
    started = []

    def start(folder: Path) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        started.append(process)
        assert process.stdout.readline().strip() == "held"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.stdin.close()
            process.wait(timeout=30)


def test_a_folder_held_by_a_live_run_is_refused_with_who_holds_it(tmp_path, holder_process):
    folder = tmp_path / "smoke"
    process = holder_process(folder)
    with pytest.raises(lock.RunFolderBusy) as error:
        lock.acquire(folder, "python -m helpers.run --profile smoke --notebooks 01 03")
    message = str(error.value)
    assert f"process {process.pid}" in message and "--profile smoke" in message and "started 20" in message
    assert "--output-dir" in message and "smoke-2" in message


def test_the_runner_refuses_before_touching_the_folder(
    tmp_path, holder_process, capsys, restored_environment, monkeypatch
):
    folder = tmp_path / "smoke"
    holder_process(folder)
    monkeypatch.setattr(command, "_run", lambda *args: pytest.fail("the run went ahead in a held folder"))
    (folder / "run.log").write_text("the other run's log\n")
    status = command.main(["--profile", "smoke", "--notebooks", "01", "--output-dir", str(folder)])
    assert status == 2 and "is in use by a run of the series" in capsys.readouterr().err
    assert (folder / "run.log").read_text() == "the other run's log\n"  # not truncated, nothing run


def test_a_lock_left_by_a_killed_run_is_taken_over_saying_so(tmp_path, holder_process):
    folder = tmp_path / "smoke"
    process = holder_process(folder)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    held = lock.acquire(folder, "python -m helpers.run --profile smoke")
    try:
        line = held.took_over()
        assert f"process {process.pid}" in line and "no longer running" in line
        assert lock.read_holder(folder)["pid"] == os.getpid()
    finally:
        lock.release(held)
    assert lock.holder(folder) is None and lock.read_holder(folder) is None


def test_a_released_folder_is_taken_without_a_word(tmp_path):
    folder = tmp_path / "smoke"
    lock.release(lock.acquire(folder, "first"))
    held = lock.acquire(folder, "second")
    lock.release(held)
    assert held.took_over() is None


def test_a_notebook_run_by_hand_is_told_while_a_run_holds_its_folder(tmp_path, holder_process, monkeypatch):
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path)
    monkeypatch.delenv("IMDB_SERIES_OUTPUT", raising=False)  # JupyterLab: outputs go to runs/<profile>/
    assert paths.results_dir("smoke") == tmp_path / "smoke" / "results" / "smoke"  # free: written there
    process = holder_process(tmp_path / "smoke")
    with pytest.raises(lock.RunFolderBusy, match=f"process {process.pid}.*IMDB_SERIES_OUTPUT") as error:
        paths.results_dir("smoke")
    assert not str(error.value).startswith(str(tmp_path))  # shown as paths shows it
    with pytest.raises(lock.RunFolderBusy):
        paths.figures_dir("smoke")
    assert paths.results_dir("quick").is_dir()  # another profile's folder is free


def test_the_runners_own_kernels_are_not_refused(tmp_path, holder_process, monkeypatch):
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path)
    holder_process(tmp_path / "smoke")
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path / "smoke"))  # what the runner gives its kernels
    assert paths.results_dir("smoke") == tmp_path / "smoke" / "results" / "smoke"
