"""The runner's last lines: every model's accuracy with its 95% CI and n, then where the outputs went."""

import os

import nbformat
from support.builders import write_toy_results

from helpers.runner import command, notebooks, record


def test_results_lines_list_every_model_most_accurate_first(tmp_path):
    write_toy_results(tmp_path, model_key="nbsvm", y_pred=[1, 0, 1, 0])  # 4/4 right
    write_toy_results(tmp_path, model_key="bow_random_forest")  # 3/4 right
    lines = record.results_lines("smoke", tmp_path)
    assert lines[0].startswith("results (smoke, ")
    assert lines[1].split() == ["model", "accuracy", "95%", "CI", "n"]
    nbsvm, forest = lines[2].split(), lines[3].split()
    assert nbsvm[0] == "NB-SVM" and nbsvm[1] == "1.000" and nbsvm[-1] == "4"
    assert forest[:2] == ["BoW", "forest"] and forest[2] == "0.750" and forest[-1] == "4"
    low, high = forest[3].split("–")  # the Wilson interval the results file records
    assert 0 < float(low) < 0.75 < float(high) <= 1
    assert len(lines) == 4


def test_results_lines_say_when_there_are_none_or_a_file_is_broken(tmp_path):
    assert "no model results in" in record.results_lines("smoke", tmp_path)[0]
    (tmp_path / "zero_shot.json").write_text("{not json")
    assert "zero_shot.json is not valid JSON" in record.results_lines("smoke", tmp_path)[0]


def test_output_lines_name_notebooks_results_figures_and_log(tmp_path):
    lines = record.output_lines(tmp_path / "nb", tmp_path / "out", "smoke", tmp_path / "out" / "run.log")
    text = "\n".join(lines)
    assert lines[0] == "outputs:"
    out = (tmp_path / "out").resolve()  # outside the repository: absolute
    assert f"executed notebooks  {(tmp_path / 'nb').resolve()}/" in text
    assert (
        f"results             {out}/results/smoke/" in text
        and f"figures             {out}/figures/smoke/" in text
    )
    assert f"kernel log          {out}/run.log" in text
    inside = record.output_lines(
        command.REPO_ROOT / "runs" / "smoke",
        command.REPO_ROOT / "runs" / "smoke",
        "smoke",
        command.REPO_ROOT / "x.log",
    )
    assert "results             runs/smoke/results/smoke/" in "\n".join(inside[:3])


def test_a_run_ends_with_the_results_table_and_the_paths(tmp_path, monkeypatch, capsys, restored_environment):
    """The whole of ``main`` with papermill replaced: the fake notebook writes one model's results."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(
        nbformat.v4.new_notebook(metadata={"kernelspec": notebooks.KERNEL_SPEC}),
        folder / "01_fake.ipynb",
    )
    out = tmp_path / "run"

    def fake_execute(notebook, output, parameters):
        results = tmp_path / "run" / "results" / "smoke"
        assert os.environ["IMDB_SERIES_OUTPUT"] == str(out.resolve())  # this run's folder, not the reference
        write_toy_results(results, model_key="tfidf_logreg")
        output.write_text(notebook.read_text())

    monkeypatch.delenv("IMDB_SERIES_OUTPUT", raising=False)
    monkeypatch.setattr(command, "execute", fake_execute)
    monkeypatch.setattr(command, "check_kernel", lambda: None)
    monkeypatch.setattr(command, "standin_reason", lambda *args: None)
    code = command.main(
        ["--profile", "smoke", "--no-estimate", "--notebooks-dir", str(folder), "--output-dir", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    work = printed.index("work: trained")
    table = printed.index("results (smoke, ")
    paths = printed.index("outputs:")
    assert work < table < paths  # after the existing work line, the table, then the paths
    row = printed[table:paths].splitlines()[2].split()
    assert row[:4] == ["TF-IDF", "+", "LR", "0.750"] and row[-1] == "4"
    assert "executed notebooks" in printed[paths:] and "run.log" in printed[paths:]
