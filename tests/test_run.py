import json
import subprocess
import sys

import nbformat
import pytest
from support.builders import project_kernel

from helpers.runner import notebooks


def _notebook(path, source, tag_parameters=True):
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    params = nbformat.v4.new_code_cell("profile = 'seed'\nseed = 0")
    if tag_parameters:
        params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)


def test_discovers_numbered_notebooks_in_order_and_selects(tmp_path):
    for name in ("02_b", "01_a", "10_c", "notes"):
        _notebook(tmp_path / f"{name}.ipynb", "pass")
    assert [p.stem for p in notebooks.discover_notebooks(None, tmp_path)] == ["01_a", "02_b", "10_c"]
    assert [p.stem for p in notebooks.discover_notebooks(["10", "01"], tmp_path)] == ["01_a", "10_c"]
    with pytest.raises(SystemExit, match="No notebook matches 07"):
        notebooks.discover_notebooks(["07"], tmp_path)


def test_only_declared_parameters_are_injected(tmp_path):
    _notebook(tmp_path / "01_a.ipynb", "pass")
    assert notebooks.declared_parameters(
        tmp_path / "01_a.ipynb", {"seed": 1, "n_test": 5, "profile": "x"}
    ) == {
        "seed": 1,
        "profile": "x",
    }


@pytest.mark.slow  # starts notebooks
def test_runner_stops_at_the_first_failure_and_names_it(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "01_ok.ipynb", "import os\nprint(profile, seed, os.environ['IMDB_SERIES_OUTPUT'])")
    _notebook(folder / "02_broken.ipynb", "raise RuntimeError('deliberately broken')")
    _notebook(folder / "03_never.ipynb", "print('should not run')")
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.run",
            "--profile",
            "smoke",
            "--notebooks-dir",
            str(folder),
            "--output-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=project_kernel(tmp_path),
    )
    assert result.returncode == 1
    assert "02_broken failed: RuntimeError: deliberately broken" in result.stderr
    assert "02_broken.ipynb" in result.stderr
    assert (out / "01_ok.ipynb").exists() and not (out / "03_never.ipynb").exists()
    executed = nbformat.read(out / "01_ok.ipynb", as_version=4)
    # the profile's parameters were injected, and the run's figures and results go beside its notebooks
    assert f"smoke 42 {out.resolve()}" in executed.cells[-1].outputs[0]["text"]
    assert executed.metadata.kernelspec["name"] == notebooks.KERNEL and len(executed.cells) == 2
    assert "01_ok" in result.stdout and "FAILED" in result.stdout  # the summary table


def test_a_kernel_whose_python_is_gone_is_named_not_started(tmp_path, monkeypatch):
    """A kernelspec left by another clone's environment: the runner says so instead of papermill's bare error."""
    kernels = tmp_path / "jupyter" / "kernels" / notebooks.KERNEL
    kernels.mkdir(parents=True)
    gone = str(tmp_path / "elsewhere" / ".venv" / "bin" / "python")
    spec = {
        "argv": [gone, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "x",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    with pytest.raises(SystemExit, match="does not exist: run `make setup`"):
        notebooks.check_kernel()


def test_a_kernel_of_another_clones_environment_is_refused(tmp_path, monkeypatch):
    """A kernelspec whose Python imports another checkout's helpers would run that code: the runner says so."""
    import sys

    kernels = tmp_path / "jupyter" / "kernels" / notebooks.KERNEL
    kernels.mkdir(parents=True)
    other = tmp_path / "other-clone" / "python"
    other.parent.mkdir()
    other.write_text(f"#!/bin/sh\necho {tmp_path}/other-clone/src/helpers/__init__.py\n")
    other.chmod(0o755)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    for python, expected in ((str(other), "imports the helpers of"), (sys.executable, None)):
        spec = {"argv": [python, "-m", "ipykernel_launcher"], "display_name": "x", "language": "python"}
        (kernels / "kernel.json").write_text(json.dumps(spec))
        if expected:
            with pytest.raises(SystemExit, match=f"{expected} .*other-clone.*not this checkout's"):
                notebooks.check_kernel()
        else:
            notebooks.check_kernel()  # this environment's Python finds this checkout's helpers
