"""Where the notebooks write and read: a run's own folder (the runner's, or runs/<profile>/ in JupyterLab), never
the committed reference unless the runner is re-making it; reads fall back to the reference only in JupyterLab."""

from __future__ import annotations

import pytest
from support.builders import write_toy_results

from helpers import paths
from helpers.results_files import ResultsError, load_results
from helpers.runner import readme


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A throw-away repository root (its ``runs/`` and committed ``results/``), ``IMDB_SERIES_OUTPUT`` unset."""
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path / "repo")
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path / "repo" / "runs")
    monkeypatch.delenv("IMDB_SERIES_OUTPUT", raising=False)
    return tmp_path / "repo"


def test_unset_writes_go_to_the_runs_folder_of_the_profile_where_make_run_writes(repo):
    assert paths.results_dir("smoke") == repo / "runs" / "smoke" / "results" / "smoke"
    assert paths.figures_dir("smoke") == repo / "runs" / "smoke" / "figures" / "smoke"
    assert paths.results_dir("smoke").is_dir() and paths.figures_dir("smoke").is_dir()
    assert not (repo / "results").exists() and not (repo / "figures").exists()
    written = write_toy_results(None, model_key="toy")  # folder=None: where a notebook writes
    assert (repo / "runs" / "smoke" / "results" / "smoke" / "toy.json").is_file()
    assert written["model_key"] == "toy" and not (repo / "results").exists()
    assert paths.output_root() == repo  # no profile: the repository (README table, benchmark records)


def test_unset_output_root_of_a_profile_is_the_runners_default_run_folder(monkeypatch):
    from helpers.runner import command

    monkeypatch.delenv("IMDB_SERIES_OUTPUT", raising=False)
    assert paths.output_root("seed") == command.RUNS_DIR / "seed" == paths.REPO_ROOT / "runs" / "seed"


def test_runs_folder_moves_with_its_variable(tmp_path):
    """``$IMDB_RUNS_DIR`` (the browser test's temporary folder) replaces ``runs/``, read when helpers start."""
    import os
    import subprocess
    import sys

    show = "from helpers import paths; from helpers.runner import command; print(paths.RUNS_DIR, command.RUNS_DIR)"
    env = os.environ | {"IMDB_RUNS_DIR": str(tmp_path / "runs")}
    printed = subprocess.run(
        [sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True
    )
    assert printed.stdout.split() == [str(tmp_path / "runs")] * 2


def test_set_writes_go_to_the_given_folder(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path / "out"))
    assert paths.results_dir("seed") == tmp_path / "out" / "results" / "seed"
    assert paths.figures_dir("seed") == tmp_path / "out" / "figures" / "seed"
    assert paths.output_root() == paths.output_root("seed") == tmp_path / "out"
    assert paths.read_results_dirs("seed") == [tmp_path / "out" / "results" / "seed"]
    assert not (repo / "runs").exists()


def test_unset_reads_fall_back_to_the_committed_results_for_what_the_run_lacks(repo):
    committed = repo / "results" / "smoke"
    write_toy_results(committed, model_key="alpha", model="committed alpha")
    write_toy_results(committed, model_key="beta", model="committed beta")
    write_toy_results(None, model_key="beta", model="this run's beta")  # the run re-made beta
    write_toy_results(None, model_key="gamma", model="this run's gamma")
    run = repo / "runs" / "smoke" / "results" / "smoke"
    assert paths.read_results_dirs("smoke") == [run, committed]
    results = load_results("smoke")
    assert list(results) == ["alpha", "beta", "gamma"]
    assert {key: record["model"] for key, (record, _) in results.items()} == {
        "alpha": "committed alpha",
        "beta": "this run's beta",
        "gamma": "this run's gamma",
    }
    assert sorted(p.name for p in committed.iterdir()) == [
        "alpha.json",
        "alpha_predictions.parquet",
        "beta.json",
        "beta_predictions.parquet",
    ], "reading never writes into the committed reference"


def test_unset_reads_the_committed_results_when_nothing_was_run(repo):
    write_toy_results(repo / "results" / "smoke", model_key="alpha")
    assert list(load_results("smoke")) == ["alpha"]
    assert not (repo / "runs").exists(), "reading creates no run folder"


def test_set_reads_only_the_runs_own_results(repo, tmp_path, monkeypatch):
    write_toy_results(repo / "results" / "smoke", model_key="alpha")
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path / "out"))
    assert load_results("smoke", required=False) == {}
    with pytest.raises(ResultsError, match="No model results"):
        load_results("smoke")


def test_no_results_anywhere_is_the_clear_error(repo):
    with pytest.raises(ResultsError, match="No model results in runs/smoke/results/smoke"):
        load_results("smoke")
    assert load_results("smoke", required=False) == {}


def test_the_readme_table_comes_from_the_committed_results_not_a_run(repo):
    write_toy_results(repo / "results" / "smoke", model_key="alpha")
    write_toy_results(None, model_key="beta")
    table = readme.results_markdown("smoke")
    rows = [
        line
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith(("| model", "| ---"))
    ]
    assert len(rows) == 1 and "McNemar" not in table, "one model (the committed one), no pairwise tests"


@pytest.mark.slow
@pytest.mark.parametrize("refresh", [False, True], ids=["run", "refresh"])
def test_the_runner_writes_a_run_beside_its_notebooks_and_a_refresh_into_the_repository(tmp_path, refresh):
    import os
    import subprocess
    import sys

    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    params = nbformat.v4.new_code_cell("profile = 'seed'")
    params.metadata["tags"] = ["parameters"]
    code = "from helpers import paths\nprint(paths.results_dir(profile).parent.parent)"
    nb.cells = [params, nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, folder / "01_where.ipynb")
    out, root = tmp_path / "run", tmp_path / "repo"  # a throw-away repository root: a refresh writes there
    root.mkdir()
    (root / "params").symlink_to(paths.PARAMS_DIR)
    command = [sys.executable, "-m", "helpers.run", "--profile", "smoke", "--notebooks-dir", str(folder)]
    command += ["--output-dir", str(out), *(["--refresh"] if refresh else [])]  # run.log there either way
    env = {k: v for k, v in os.environ.items() if k != "IMDB_SERIES_OUTPUT"} | {"IMDB_SERIES_ROOT": str(root)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    executed = nbformat.read((folder if refresh else out) / "01_where.ipynb", as_version=4)
    printed = executed.cells[-1].outputs[0]["text"].strip()
    assert printed == str(root.resolve() if refresh else out.resolve())
    assert (
        root / "results" / "smoke"
    ).is_dir() == refresh  # the run's ledger went to the root only on refresh
