"""The whole series run once with the smoke profile (tiny data, tiny model, private output folders), then what each
notebook wrote: its results files with the fields of the reference run's, the same test reviews for every model,
the figures the reference run has, and outputs free of warnings and tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from support.builders import (
    figure_problems,
    interval_problems,
    output_rows,
    unprinted_accuracies,
    write_toy_results,
)
from test_notebooks import reader_problems

from helpers import paths
from helpers.paths import REPO_ROOT
from helpers.results_files import load_results
from helpers.runner.notebooks import discover_notebooks

PROFILE = "smoke"
NOTEBOOKS = discover_notebooks()
REFERENCE = REPO_ROOT / "results" / "seed", REPO_ROOT / "figures" / "seed"  # the committed reference run


def _folders(output_root: Path) -> tuple[Path, Path]:
    """``(results, figures)`` folders the notebooks write to under ``output_root`` (helpers.paths' own rule)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("IMDB_SERIES_OUTPUT", str(output_root))
        return paths.results_dir(PROFILE), paths.figures_dir(PROFILE)


def keep_run(root: Path, keep: Path) -> None:
    """Copy the smoke run into ``keep`` laid out as ``make smoke`` lays out ``runs/smoke/``: the executed notebooks
    and run.log, ``results/smoke/`` and ``figures/smoke/``."""
    for part in ("runs", "output"):
        if (root / part).is_dir():  # a run that failed early may have written nothing
            shutil.copytree(root / part, keep, dirs_exist_ok=True)


def test_a_kept_run_is_laid_out_as_make_smoke_lays_it_out(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "01_a.ipynb").write_text("{}")
    (tmp_path / "output" / "results" / PROFILE).mkdir(parents=True)
    (tmp_path / "output" / "results" / PROFILE / "m.json").write_text("{}")
    keep_run(tmp_path, tmp_path / "kept")
    assert (tmp_path / "kept" / "01_a.ipynb").is_file()
    assert (tmp_path / "kept" / "results" / PROFILE / "m.json").is_file()


def test_the_interval_check_is_scipys_wilson_interval(tmp_path):
    from helpers.results_files import load_results as load

    write_toy_results(tmp_path)  # 3 of 4 right
    ((record, predictions),) = load(PROFILE, folder=tmp_path).values()
    assert not interval_problems("toy_model", record, predictions)
    # the normal (Wald) interval of 3/4 is no Wilson interval
    wald = [0.75 - 1.96 * np.sqrt(0.75 * 0.25 / 4), 1.0]
    assert interval_problems("toy_model", {**record, "accuracy_ci95": wald}, predictions)
    # Wilson's interval for 3 of 4 at 95%, worked by hand: centre (0.75 + z²/8) / (1 + z²/4), z = 1.959964
    z = 1.959963984540054
    centre = (0.75 + z * z / 8) / (1 + z * z / 4)
    half = z * np.sqrt(0.75 * 0.25 / 4 + z * z / 64) / (1 + z * z / 4)
    assert record["accuracy_ci95"] == pytest.approx([centre - half, centre + half], abs=1e-12)


def _notebook(path, *texts: str, markdown: str = ""):
    """An executed notebook whose one code cell printed ``texts`` (one line each) and showed ``markdown``."""
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="\n".join(texts) + "\n")]
    if markdown:
        cell.outputs.append(nbformat.v4.new_output("display_data", data={"text/markdown": markdown}))
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return path


def test_an_accuracy_counts_only_beside_the_models_name(tmp_path):
    results = {
        "a": ({"model_key": "a", "label": "model A", "accuracy": 0.5}, None),
        "b": ({"model_key": "b", "label": "model B", "accuracy": 0.75}, None),
    }
    made = _notebook(
        tmp_path / "01.ipynb", "model A", "accuracy 0.500", markdown="**model A**: 0.5000 on\n4 reviews."
    )
    other = _notebook(
        tmp_path / "01b.ipynb", "model A", "accuracy 0.500", markdown="model A was made. B: 0.500."
    )
    table = _notebook(tmp_path / "02.ipynb", "model A  0.500", "model B  0.750")
    swapped = _notebook(tmp_path / "03.ipynb", "model A  0.750", "model B  0.500")
    assert not unprinted_accuracies([made, table], results)  # the sentence wraps over a line: still one
    assert len(unprinted_accuracies([other, table], results)) == 1  # 0.500 is printed, never beside model A
    assert len(unprinted_accuracies([made, swapped], results)) == 2  # each row shows the other model's number
    assert (
        len(unprinted_accuracies([_notebook(tmp_path / "04.ipynb", "model A  0.5004"), table], results)) == 1
    )
    report = _notebook(
        tmp_path / "05.ipynb", "model A, 4 test reviews", "accuracy 0.5000  (95% CI 0.1–0.9, n=4)"
    )
    assert not unprinted_accuracies(
        [report, table], results
    )  # print_report's title and accuracy: one statement


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The runner on the smoke profile with ``root``'s private output and models folders."""
    env = os.environ | {
        "IMDB_SERIES_OUTPUT": str(root / "output"),
        "IMDB_MODELS_DIR": str(root / "models"),  # a fresh study: nothing resumed from another run
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    env.pop("IMDB_SEARCH_STORAGE", None)
    return subprocess.run(
        [sys.executable, "-m", "helpers.run", "--profile", PROFILE, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One smoke run of every notebook with the runner, into private folders; ``(executed, results, figures)``."""
    root = tmp_path_factory.mktemp("smoke")
    result = _run(root, "--output-dir", str(root / "runs"))
    if keep := os.environ.get("IMDB_KEEP_SMOKE_RUN"):  # e.g. runs/smoke: CI keeps the run, failed or not
        keep_run(root, REPO_ROOT / keep)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (root / "terminal.txt").write_text(result.stdout)  # what `make run` shows a person
    results, figures = _folders(root / "output")
    return root / "runs", results, figures


@pytest.mark.slow
def test_every_notebook_ran(smoke):
    executed, _, _ = smoke
    assert sorted(p.name for p in executed.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    for path in executed.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert "widgets" not in nb.metadata
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert any(c.outputs for c in code), f"{path.name} shows nothing"
        assert not [o for c in code for o in c.outputs if o.output_type == "error"]


@pytest.mark.slow
def test_a_reader_sees_no_noise_and_the_terminal_one_line_per_notebook(smoke):
    executed, results, _ = smoke
    for path in executed.glob("*.ipynb"):
        assert reader_problems(nbformat.read(path, as_version=4)) == [], path.name
    terminal = (executed.parent / "terminal.txt").read_text().strip().splitlines()
    # the plan (a line per notebook with its estimate), then one progress line per notebook, the total and the work,
    # then the results table (a title, a header, a row per model) and where the outputs went (a title, four paths)
    closing = 1 + (2 + len(load_results(PROFILE, folder=results))) + 1 + 5
    assert len(terminal) <= 2 * len(NOTEBOOKS) + 8 + closing, "no kernel chatter in the terminal"
    assert terminal[-5:][0] == "outputs:" and any(line.startswith("results (smoke") for line in terminal)
    assert len([line for line in terminal if line.startswith("▶ ")]) == len(NOTEBOOKS), (
        "one line per notebook"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS], ids=lambda n: n[:2])
def test_outputs_have_no_warnings_or_tracebacks(smoke, name):
    executed, _, _ = smoke
    noisy = [row for row in output_rows(executed / name) if "warning" in row.lower() or "Traceback" in row]
    assert not noisy, f"{name} shows {len(noisy)} warning/traceback line(s), e.g. {noisy[:3]}"


@pytest.mark.slow
def test_every_results_file_of_the_reference_run_is_written_with_its_fields(smoke):
    _, folder, _ = smoke
    reference = load_results("seed", folder=REFERENCE[0])
    results = load_results(PROFILE, folder=folder)
    assert set(results) == set(reference), "the smoke run writes the models the reference run has"
    for key, (record, predictions) in results.items():
        missing = set(reference[key][0]) - set(record)
        assert not missing, f"{key}.json lacks {sorted(missing)}"
        assert record["profile"] == PROFILE and record["model_key"] == key
        assert record["data_source"]["kind"] == "bundled" and record["split"] == "test"
        assert record["n"] == len(predictions) == predictions["review_id"].nunique()
        assert not interval_problems(key, record, predictions)  # SciPy's Wilson interval, not ours
        assert np.array(record["confusion_matrix"]).sum() == record["n"]
        assert predictions["p_pos"].between(0, 1).all()
        p_pos, pred = predictions["p_pos"], predictions["pred"]
        cut = record.get("threshold", 0.5)  # a recalibrated model calls positive above its chosen threshold
        assert not ((p_pos > cut) & (pred == 0)).any() and not ((p_pos < cut) & (pred == 1)).any(), (
            key
        )  # ties: either
        if key in {
            "zero_shot",
            "fine_tuned",
        }:  # the smoke model has opinions: a constant model would pass the rest
            assert predictions["pred"].nunique() > 1, f"{key} predicts one class for every review"
            assert predictions["p_pos"].std() > 0.05, f"{key}'s P(positive) hardly varies"
        if key in {"zero_shot", "fine_tuned", "tuned"}:  # every transformer says how its test was scored
            assert record["eval_precision"] in {"fp32", "bf16", "int8"} and record["device"], key
            choice = record["eval_precision_choice"]  # the smoke profile asks for auto: the hardware decided
            assert choice["requested"] == "auto" and choice["precision"] == record["eval_precision"], key
            assert choice["capability"]["cpu_class"] and "native_bf16" in choice["capability"], key
            if record["device"] == "cpu":  # auto on a CPU records what it was measured at
                assert choice["measured"]["fp32_train"] > 0 and choice["measured"]["when"], key
        if key in {"fine_tuned", "tuned"}:
            assert record["train_precision_choice"]["requested"] == "auto", key
        json.dumps(record)  # plain JSON


@pytest.mark.slow
def test_every_model_is_scored_on_the_same_reviews(smoke):
    _, folder, _ = smoke
    ids = {
        key: frozenset(pred["review_id"]) for key, (_, pred) in load_results(PROFILE, folder=folder).items()
    }
    assert len(ids) > 1 and len(set(ids.values())) == 1, {k: len(v) for k, v in ids.items()}


# Figures that need more than the smoke profile gives, and what their notebook says instead.
@pytest.mark.slow
def test_every_figure_of_the_reference_run_is_drawn(smoke):
    """The smoke run draws every figure the committed reference has, each a readable PNG with data in it."""
    _, _, folder = smoke
    promised = sorted(p.name for p in REFERENCE[1].glob("*.png"))
    assert promised, "the reference run has figures"
    assert [name for name in promised if not (folder / name).is_file()] == [], "missing figures"
    assert [problem for name in promised for problem in figure_problems(folder / name)] == []


@pytest.mark.slow
def test_the_notebooks_print_the_accuracies_they_recorded(smoke):
    executed, folder, _ = smoke
    results = load_results(PROFILE, folder=folder)
    assert not unprinted_accuracies([executed / p.name for p in NOTEBOOKS], results)


@pytest.mark.slow
def test_run_again_the_fine_tuning_and_the_search_are_read_back_not_retrained(smoke):
    """What a user gets who runs 04 and 05 again after ``make run`` (the runner executes the same cells JupyterLab
    would): every finished fine-tuning run and the finished search read back, no token trained, the same
    predictions. Runs last in this file: it rewrites 04's and 05's results with the same numbers."""
    executed, results, _ = smoke
    keys = ("fine_tuned", "tuned")
    before = {k: pd.read_parquet(results / f"{k}_predictions.parquet") for k in keys}
    again = _run(
        executed.parent,
        "--notebooks",
        "04",
        "05",
        "--restart",
        "--no-estimate",
        "--output-dir",
        str(executed.parent / "again"),
    )
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    lines = [line for line in again.stdout.splitlines() if line.startswith("▶")]
    assert len(lines) == 2, again.stdout
    for line in lines:
        assert "trained 0 tokens" in line and "saved run(s) read back, not retrained" in line, line
    for key in keys:
        after = pd.read_parquet(results / f"{key}_predictions.parquet")
        pd.testing.assert_frame_equal(after, before[key])
