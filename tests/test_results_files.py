"""helpers.results_files: the results contract, written atomically and read back checked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.builders import write_toy_results as _write

from helpers import comparisons, evaluation, results_files


# ----------------------------------------------------------------------------------------------- Wilson interval
def test_write_results_schema(tmp_path):
    record = _write(tmp_path, extra={"note": "x"})
    on_disk = json.loads((tmp_path / "toy_model.json").read_text())
    assert set(results_files.REQUIRED_FIELDS) <= set(on_disk)
    assert on_disk["accuracy"] == 0.75 and on_disk["n"] == 4 and on_disk["note"] == "x"
    assert on_disk["accuracy_ci95"] == pytest.approx(list(evaluation.wilson_interval(3, 4)))
    assert on_disk["data_source"]["kind"] == "bundled" and "offline" in on_disk["data_source"]["description"]
    assert on_disk["confusion_matrix"] == [[2, 0], [1, 1]]
    assert on_disk["classification_report"]["pos"]["recall"] == 0.5
    assert on_disk == json.loads(json.dumps(record, default=str))
    predictions = pd.read_parquet(tmp_path / "toy_model_predictions.parquet")
    assert tuple(predictions.columns) == results_files.PREDICTION_COLUMNS
    assert predictions["review_id"].tolist() == ["a", "b", "c", "d"]
    assert predictions["pred"].tolist() == [1, 0, 0, 0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy_model.json", "toy_model_predictions.parquet"]


def test_load_results_round_trip(tmp_path):
    _write(tmp_path, model_key="model_a")
    _write(tmp_path, model_key="model_b", y_pred=[1, 0, 1, 0])
    (tmp_path / "summary.json").write_text(json.dumps({"note": "not a model"}))  # skipped
    loaded = results_files.load_results("smoke", folder=tmp_path)
    assert sorted(loaded) == ["model_a", "model_b"]
    record, predictions = loaded["model_b"]
    assert record["accuracy"] == 1.0 and len(predictions) == 4


OLD_NAMES = {"max_length": 512, "val_max_length": 256, "lr_comparison_train_size": 1000}
NEW_NAMES = {"test_max_length": 512, "validation_max_length": 256, "n_train_lr_comparison": 1000}


def test_current_names_renames_the_fields_of_an_old_record():
    old = {"model_key": "fine_tuned", "accuracy": 0.9, **OLD_NAMES}
    assert results_files.current_names(old) == {"model_key": "fine_tuned", "accuracy": 0.9, **NEW_NAMES}
    assert old == {"model_key": "fine_tuned", "accuracy": 0.9, **OLD_NAMES}  # the record given is not changed
    assert {
        results_files.RENAMED_FIELDS[old_name]: value for old_name, value in OLD_NAMES.items()
    } == NEW_NAMES
    new = {"model_key": "tuned", **NEW_NAMES}
    assert results_files.current_names(new) == new  # a record under today's names is read as it is
    # both names in one record: the current one wins, and the old one is dropped
    both = {"model_key": "tuned", **OLD_NAMES, "test_max_length": 384, "n_train_lr_comparison": 2000}
    assert results_files.current_names(both) == {
        "model_key": "tuned",
        "test_max_length": 384,
        "validation_max_length": 256,
        "n_train_lr_comparison": 2000,
    }


def test_load_results_reads_an_old_results_file_under_the_current_names(tmp_path):
    _write(tmp_path, model_key="old", extra=dict(OLD_NAMES))
    _write(tmp_path, model_key="new", extra=dict(NEW_NAMES))
    _write(tmp_path, model_key="both", extra={**OLD_NAMES, "test_max_length": 384})
    assert "max_length" in json.loads((tmp_path / "old.json").read_text())  # written under the old names
    loaded = results_files.load_results("smoke", folder=tmp_path)
    for key in ("old", "new"):
        record, predictions = loaded[key]
        assert {k: record.get(k) for k in NEW_NAMES} == NEW_NAMES, key
        assert not set(OLD_NAMES) & set(record), key
        assert record["accuracy"] == 0.75 and len(predictions) == 4
    both, _ = loaded["both"]
    assert both["test_max_length"] == 384  # the new name wins over the old one
    assert both["validation_max_length"] == 256 and both["n_train_lr_comparison"] == 1000
    assert not set(OLD_NAMES) & set(both)


def test_load_results_errors(tmp_path):
    _write(tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(results_files.ResultsError, match="broken.json is not valid JSON"):
        results_files.load_results("smoke", folder=tmp_path)
    (tmp_path / "broken.json").unlink()

    record = json.loads((tmp_path / "toy_model.json").read_text())
    del record["accuracy_ci95"]
    (tmp_path / "toy_model.json").write_text(json.dumps(record))
    with pytest.raises(results_files.ResultsError, match="accuracy_ci95"):
        results_files.load_results("smoke", folder=tmp_path)

    _write(tmp_path)
    (tmp_path / "toy_model_predictions.parquet").unlink()
    with pytest.raises(results_files.ResultsError, match="toy_model_predictions.parquet is missing"):
        results_files.load_results("smoke", folder=tmp_path)

    pd.DataFrame({"review_id": ["a"], "label": [1]}).to_parquet(tmp_path / "toy_model_predictions.parquet")
    with pytest.raises(results_files.ResultsError, match="lacks columns"):
        results_files.load_results("smoke", folder=tmp_path)


def test_write_results_keys_types_and_record(tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    record = results_files.write_results(
        profile="smoke",
        model_key="toy-model_2",  # '-' and '_' are allowed
        model="Toy",
        data_source="a string source",
        model_source={"kind": "local", "path": "models/x"},
        review_ids=[3, 1, 2],  # stored as strings
        y_true=[1.0, 0.0, 1.0],
        y_pred=[True, False, False],
        p_pos=[1, 0, 0],
        train_seconds=None,
        predict_seconds=2,
        extra={"where": Path("models/x")},  # not JSON: written with str()
    )
    folder = tmp_path / "results" / "smoke"  # no folder: the profile's results folder of this run
    assert record["split"] == "test" and record["train_seconds"] is None and record["predict_seconds"] == 2.0
    assert record["data_source"] == {"description": "a string source"}
    assert record["model_source"] == {"kind": "local", "path": "models/x"}
    assert record["created"].endswith("+00:00")
    text = (folder / "toy-model_2.json").read_text()
    assert text.startswith('{\n  "model": "Toy",') and json.loads(text)["where"] == "models/x"
    predictions = pd.read_parquet(folder / "toy-model_2_predictions.parquet")
    assert list(predictions.columns) == ["review_id", "label", "pred", "p_pos"]
    assert predictions["review_id"].tolist() == ["3", "1", "2"]
    assert predictions["p_pos"].tolist() == [1.0, 0.0, 0.0] and predictions["pred"].tolist() == [1, 0, 0]
    assert [str(t) for t in predictions.dtypes] == ["string", "int64", "int64", "float64"]
    timed = _write(tmp_path, model_key="timed", train_seconds=3)
    assert timed["train_seconds"] == 3.0 and isinstance(timed["train_seconds"], float)
    with pytest.raises(ValueError, match="model_key must be letters"):
        _write(tmp_path, model_key="a b")
    with pytest.raises(ValueError, match=r"one length each \(got \[3, 4\]\)"):
        _write(tmp_path, y_true=[1, 0, 1])
    with pytest.raises(ValueError, match="review_ids must be unique"):
        _write(tmp_path, review_ids=["a", "a", "b", "c"])


def test_load_results_prefers_the_runs_folder_and_falls_back_to_the_committed_one(tmp_path, monkeypatch):
    run, committed = tmp_path / "run", tmp_path / "committed"
    monkeypatch.setattr(results_files, "read_results_dirs", lambda profile: [run, committed])
    with pytest.raises(
        results_files.ResultsError, match="No model results in run:"
    ):  # names the run's folder
        results_files.load_results("smoke")
    assert results_files.load_results("smoke", required=False) == {}
    _write(committed, model_key="both", model="committed copy")
    _write(committed, model_key="only_committed")
    _write(run, model_key="both", model="this run's copy")
    (run / "a_summary.json").write_text(json.dumps({"note": "no model_key"}))  # skipped, not the end
    _write(run, model_key="only_run")
    loaded = results_files.load_results("smoke")
    assert list(loaded) == ["both", "only_committed", "only_run"]
    assert loaded["both"][0]["model"] == "this run's copy"

    monkeypatch.setattr(results_files, "read_results_dirs", lambda profile: [tmp_path / "results" / profile])
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    _write(tmp_path / "results" / "smoke", model_key="single")
    assert list(results_files.load_results("smoke")) == ["single"]  # one folder: the profile's


def test_paired_predictions_and_pairwise_mcnemar_on_three_models(tmp_path):
    _write(tmp_path, model_key="a", y_pred=[1, 0, 1, 0])  # labels 1 0 1 0: all right
    _write(tmp_path, model_key="b", y_pred=[1, 0, 0, 0])  # wrong on c
    _write(tmp_path, model_key="c", y_pred=[0, 1, 0, 1])  # all wrong
    results = results_files.load_results("smoke", folder=tmp_path)
    paired = results_files.paired_predictions(results)
    assert list(paired.columns) == ["label", "a:pred", "a:p_pos", "b:pred", "b:p_pos", "c:pred", "c:p_pos"]
    tests = comparisons.pairwise_mcnemar(results)
    assert list(zip(tests["model A"], tests["model B"], strict=True)) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert list(tests.columns) == [
        "model A",
        "model B",
        "n",
        "accuracy A",
        "accuracy B",
        "only A right",
        "only B right",
        "p value",
        "Holm p value",
        "test",
    ]
    assert tests["accuracy A"].tolist() == [1.0, 1.0, 0.75] and tests["accuracy B"].tolist() == [
        0.75,
        0.0,
        0.0,
    ]
    assert tests["n"].tolist() == [4, 4, 4] and set(tests["test"]) == {"exact binomial"}
    np.testing.assert_allclose(tests["Holm p value"], evaluation.holm(tests["p value"]))
    assert tests["Holm p value"].tolist() != tests["p value"].tolist()
    with pytest.raises(results_files.ResultsError, match="no results to compare"):
        results_files.paired_predictions({})
    _write(tmp_path, model_key="other", y_true=[1, 0, 1, 1])  # review d labelled differently
    with pytest.raises(
        results_files.ResultsError, match=r"1 of the same reviews different labels \(e.g. review d\)"
    ):
        results_files.paired_predictions(results_files.load_results("smoke", folder=tmp_path))


@pytest.mark.parametrize(
    "bad",
    [
        {"model_key": "bad key!"},
        {"p_pos": [0.5, 0.5]},
        {"review_ids": ["a", "a", "c", "d"]},
    ],
)
def test_write_results_rejects_bad_input(tmp_path, bad):
    with pytest.raises(ValueError):
        _write(tmp_path, **bad)
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic_when_it_fails_midway(tmp_path, monkeypatch):
    _write(tmp_path)
    json_before = (tmp_path / "toy_model.json").read_text()
    parquet_before = (tmp_path / "toy_model_predictions.parquet").read_bytes()

    def half_write_then_fail(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        _write(tmp_path, y_pred=[0, 0, 0, 0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy_model.json", "toy_model_predictions.parquet"]
    assert (tmp_path / "toy_model.json").read_text() == json_before
    assert (tmp_path / "toy_model_predictions.parquet").read_bytes() == parquet_before


def test_json_write_failure_leaves_no_tmp_file(tmp_path, monkeypatch):
    _write(tmp_path)
    json_before = (tmp_path / "toy_model.json").read_text()

    real_write_text = Path.write_text

    def half_write_then_fail(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2])
        raise RuntimeError("interrupted")

    monkeypatch.setattr(Path, "write_text", half_write_then_fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        _write(tmp_path, y_pred=[0, 0, 0, 0])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert (tmp_path / "toy_model.json").read_text() == json_before


# ----------------------------------------------------------------------------------------------- load_results
def test_atomic_write_renames_a_hidden_temporary_file_from_the_same_folder(tmp_path, monkeypatch):
    moves = []
    real_replace = results_files.os.replace
    monkeypatch.setattr(
        results_files.os, "replace", lambda src, dst: (moves.append((src, dst)), real_replace(src, dst))
    )
    results_files._atomic_write(tmp_path / "deep" / "x.json", lambda p: p.write_text("{}"))
    ((src, dst),) = moves
    assert Path(src).parent == Path(dst).parent == tmp_path / "deep"  # same file system: the rename is atomic
    assert Path(src).name.startswith(".x.json.") and Path(src).name.endswith(".tmp")
