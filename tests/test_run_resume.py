"""An interrupted ``make run``, run again, resumes: the notebooks that finished are read back, not run again.

The runner is started on the smoke profile (notebooks 01 and 03, on fewer reviews) as ``make run`` starts it,
interrupted with Ctrl-C's SIGINT once notebook 01 has finished, and started again with the same command.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from support.builders import project_kernel

from helpers.paths import REPO_ROOT
from helpers.runner import command, notebooks, resume

SMALLER = ["-p", "n_explore", "400", "-p", "n_test", "60", "-p", "n_validation", "60"]


def _ctrl_c_heard() -> None:
    """Ctrl-C as a terminal delivers it: a shell running the suite in the background (a CI job under ``nohup`` or
    ``&``) starts it with SIGINT ignored, the runner would inherit that, and Python raises KeyboardInterrupt only
    for a SIGINT that was not ignored when it started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cells_completed(notebook: Path) -> int:
    """How many cells of the executed copy papermill has saved as completed (0 while it is not written yet)."""
    try:
        cells = nbformat.read(notebook, as_version=4).cells
    except (OSError, ValueError):  # not written yet, or read mid-write
        return 0
    return sum(cell.metadata.get("papermill", {}).get("status") == "completed" for cell in cells)


def _wait_until_cells_ran(notebook: Path, runner: subprocess.Popen, cells: int = 2) -> None:
    """Wait until papermill has saved ``cells`` cells of ``notebook`` as completed: its kernel is running cells
    (papermill saves the copy as each cell starts and ends). Fails if the runner exits first."""
    while _cells_completed(notebook) < cells:
        if runner.poll() is not None:
            pytest.fail(f"the runner exited ({runner.returncode}) before {notebook.name} ran {cells} cells")
        time.sleep(0.2)


@pytest.mark.slow
def test_an_interrupted_run_run_again_resumes_and_says_so(tmp_path):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "helpers.run", "--profile", "smoke", "--notebooks", "01", "03"]
    command += ["--no-estimate", "--output-dir", str(out), *SMALLER]
    env = project_kernel(tmp_path)
    first = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=_ctrl_c_heard,
    )
    watchdog = threading.Timer(600, first.kill)  # never hang the suite on a runner that never finishes
    watchdog.start()
    seen = []
    try:
        for line in first.stdout:
            seen.append(line)
            if line.startswith("▶ 01_data_exploration") and " ok " in line:
                break
        # Ctrl-C once 03's kernel is running its cells (a signal while the kernel starts can be lost: CI saw the
        # run finish normally), and again if the first one went unheard
        _wait_until_cells_ran(out / "03_pretrained_evaluation.ipynb", first)
        os.killpg(first.pid, signal.SIGINT)
        try:
            first.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(first.pid, signal.SIGINT)
        seen.append(first.communicate(timeout=120)[0])
    finally:
        watchdog.cancel()
        if first.poll() is None:
            first.kill()
    printed = "".join(seen)
    assert first.returncode == 130, printed
    assert "03_pretrained_evaluation interrupted" in printed, printed
    assert "run the same command again to resume: 01_data_exploration is read back" in printed, printed
    executed = out / "01_data_exploration.ipynb"
    first_copy = executed.read_bytes()

    second = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=400, start_new_session=True
    )
    printed = second.stdout + second.stderr
    assert second.returncode == 0, printed
    assert (
        "resuming the run started" in printed
        and "01_data_exploration finished then and is read back" in printed
    )
    lines = second.stdout.splitlines()
    kept = next(line for line in lines if line.startswith("▶ 01_data_exploration"))
    assert "read back: finished" in kept and "not run again" in kept, printed
    ran = next(line for line in lines if line.startswith("▶ 03_pretrained_evaluation"))
    assert " ok " in ran, printed
    assert executed.read_bytes() == first_copy  # 01 was not executed again
    assert "results (smoke, " in printed and "zero-shot" in printed  # the run finished: its results table
    state = json.loads((out / resume.RESUME_FILE).read_text())
    assert state["finished"] and list(state["done"]) == ["01_data_exploration", "03_pretrained_evaluation"]

    # finished: the same command runs every notebook again (a resume is only for a run that stopped)
    assert resume.interrupted_run(out / resume.RESUME_FILE, "smoke", list(state["done"])) is None


def _notebooks(folder):
    folder.mkdir()
    for stem in ("01_a", "02_b", "03_c"):
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": notebooks.KERNEL_SPEC})
        params = nbformat.v4.new_code_cell("seed = 0")
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(f"print({stem!r})")]
        nbformat.write(nb, folder / f"{stem}.ipynb")
    return folder


def test_resume_logic_with_papermill_replaced(tmp_path, monkeypatch, capsys, restored_environment):
    """Ctrl-C in 02: the run stops with 130 and says how to resume; run again, 01 is read back and 02, 03 run;
    run once more (finished), all three run; a changed 01 or ``--restart`` runs everything."""
    folder, out = _notebooks(tmp_path / "notebooks"), tmp_path / "run"
    executed, interrupt = [], {"02_b"}

    def fake_execute(notebook, output, parameters):
        executed.append(notebook.stem)
        if notebook.stem in interrupt:
            interrupt.discard(notebook.stem)
            raise KeyboardInterrupt
        output.write_text(notebook.read_text())

    monkeypatch.delenv("IMDB_SERIES_OUTPUT", raising=False)
    monkeypatch.setattr(command, "execute", fake_execute)
    monkeypatch.setattr(command, "check_kernel", lambda: None)
    monkeypatch.setattr(command, "standin_reason", lambda *args: None)
    argv = ["--profile", "smoke", "--no-estimate", "--notebooks-dir", str(folder), "--output-dir", str(out)]

    assert command.main(argv) == 130
    printed = capsys.readouterr()
    assert executed == ["01_a", "02_b"] and "02_b interrupted" in printed.out + printed.err
    assert "run the same command again to resume: 01_a is read back" in printed.err

    executed.clear()
    assert command.main(argv) == 0
    printed = capsys.readouterr().out
    assert executed == ["02_b", "03_c"]
    assert "resuming the run started" in printed and "01_a finished then and is read back" in printed
    assert "▶ 01_a read back: finished" in printed

    executed.clear()
    assert command.main(argv) == 0  # the last run finished: nothing to resume
    assert executed == ["01_a", "02_b", "03_c"] and "resuming" not in capsys.readouterr().out

    interrupt.add("03_c")  # stopped again, after 01 and 02 ...
    assert command.main(argv) == 130
    capsys.readouterr()
    executed.clear()
    assert command.main([*argv, "-p", "seed", "1"]) == 0  # ... but the parameters changed: everything runs
    assert executed == ["01_a", "02_b", "03_c"]
    assert "changed since (its cells or its parameters)" in capsys.readouterr().out

    interrupt.add("03_c")
    assert command.main(argv) == 130
    executed.clear()
    assert command.main([*argv, "--restart"]) == 0
    assert executed == ["01_a", "02_b", "03_c"]


def test_only_a_leading_run_of_unchanged_finished_notebooks_is_kept(tmp_path):
    folder, out = _notebooks(tmp_path / "notebooks"), tmp_path / "run"
    out.mkdir()
    found = notebooks.discover_notebooks(None, folder)
    prints = {nb.stem: resume.fingerprint(nb, {"seed": 1}) for nb in found}
    for nb in found:
        (out / nb.name).write_text(nb.read_text())
    state = {"done": {stem: {"fingerprint": prints[stem]} for stem in ("01_a", "03_c")}}
    assert resume.finished_prefix(state, found, prints, out) == [
        "01_a"
    ]  # 03 after an unfinished 02: run again
    assert resume.fingerprint(found[0], {"seed": 2}) != prints["01_a"]
    executed = nbformat.read(found[0], as_version=4)  # an executed copy: parameters and outputs differ
    executed.cells[0].source = "seed = 1"
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", text="01_a")]
    nbformat.write(executed, out / found[0].name)
    assert resume.fingerprint(out / found[0].name, {"seed": 1}) == prints["01_a"]
    (out / "01_a.ipynb").unlink()
    assert resume.finished_prefix(state, found, prints, out) == []
