"""helpers.evaluation: Wilson intervals and McNemar against hand-computed values, the results contract."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.builders import write_toy_results as _write

from helpers import evaluation


# ----------------------------------------------------------------------------------------------- Wilson interval
def test_wilson_interval_hand_computed():
    # 84 of 100, z = 1.959964: p = 0.84, z² = 3.841459, z²/n = 0.0384146
    # centre = (0.84 + 3.841459/200) / 1.0384146 = 0.8592073 / 1.0384146 = 0.827424
    # half   = 1.959964 · sqrt(0.84·0.16/100 + 3.841459/40000) / 1.0384146
    #        = 1.959964 · sqrt(0.001344 + 0.0000960365) / 1.0384146 = 1.959964 · 0.0379478 / 1.0384146 = 0.071625
    # → (0.755799, 0.899049)
    low, high = evaluation.wilson_interval(84, 100)
    assert low == pytest.approx(0.7558, abs=5e-5) and high == pytest.approx(0.8990, abs=5e-5)
    z = 1.959963984540054
    centre = (0.84 + z * z / 200) / (1 + z * z / 100)
    half = z * math.sqrt(0.84 * 0.16 / 100 + z * z / 40000) / (1 + z * z / 100)
    assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-12)


def test_wilson_interval_edges_and_errors():
    low, high = evaluation.wilson_interval(0, 10)
    assert low == 0.0 and 0 < high < 0.35  # never below zero, unlike the normal interval
    assert evaluation.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    for successes, n in [(1, 0), (-1, 10), (11, 10)]:
        with pytest.raises(ValueError):
            evaluation.wilson_interval(successes, n)


def test_accuracy_with_ci():
    y_true = np.array([1] * 100)
    y_pred = np.array([1] * 84 + [0] * 16)
    accuracy, ci = evaluation.accuracy_with_ci(y_true, y_pred)
    assert accuracy == 0.84 and ci == evaluation.wilson_interval(84, 100)
    with pytest.raises(ValueError):
        evaluation.accuracy_with_ci([1, 0], [1])


# ----------------------------------------------------------------------------------------------- McNemar
def _paired(b: int, c: int, both: int = 10, neither: int = 3):
    """Labels and two models' predictions with ``b`` reviews only A gets right and ``c`` only B gets right."""
    y = np.ones(b + c + both + neither, dtype=int)
    a = np.concatenate([np.ones(b), np.zeros(c), np.ones(both), np.zeros(neither)]).astype(int)
    m = np.concatenate([np.zeros(b), np.ones(c), np.ones(both), np.zeros(neither)]).astype(int)
    return y, a, m


def test_mcnemar_exact_hand_computed():
    # b = 5, c = 2, n = 7: p = 2·P(X ≤ 2; 7, ½) = 2·(C(7,0) + C(7,1) + C(7,2)) / 2⁷ = 2·(1 + 7 + 21)/128 = 0.453125
    result = evaluation.mcnemar_test(*_paired(5, 2))
    assert result["only_a_right"] == 5 and result["only_b_right"] == 2
    assert result["p_value"] == pytest.approx(0.453125, abs=1e-12)
    assert result["method"] == "exact binomial"
    # symmetric in the two models
    y, a, m = _paired(5, 2)
    assert evaluation.mcnemar_test(y, m, a)["p_value"] == pytest.approx(0.453125, abs=1e-12)


def test_mcnemar_chi_squared_branch():
    # b = 30, c = 10 (b + c ≥ 25): χ² = (|30 − 10| − 1)² / 40 = 361/40 = 9.025, p = P(χ²₁ > 9.025) ≈ 0.002663
    result = evaluation.mcnemar_test(*_paired(30, 10))
    assert result["method"].startswith("chi-squared")
    assert result["statistic"] == pytest.approx(9.025)
    assert result["p_value"] == pytest.approx(math.erfc(math.sqrt(9.025 / 2)), rel=1e-9)  # χ²₁ tail via erfc
    assert result["p_value"] == pytest.approx(0.002663, abs=1e-6)


def test_mcnemar_no_disagreement_and_errors():
    result = evaluation.mcnemar_test(*_paired(0, 0))
    assert result["p_value"] == 1.0 and result["statistic"] == 0.0
    with pytest.raises(ValueError, match="paired"):
        evaluation.mcnemar_test([1, 0], [1, 0], [1])


# ----------------------------------------------------------------------------------------------- results files
def test_write_results_schema(tmp_path):
    record = _write(tmp_path, extra={"note": "x"})
    on_disk = json.loads((tmp_path / "toy_model.json").read_text())
    assert set(evaluation.REQUIRED_FIELDS) <= set(on_disk)
    assert on_disk["accuracy"] == 0.75 and on_disk["n"] == 4 and on_disk["note"] == "x"
    assert on_disk["accuracy_ci95"] == pytest.approx(list(evaluation.wilson_interval(3, 4)))
    assert on_disk["data_source"]["kind"] == "bundled" and "offline" in on_disk["data_source"]["description"]
    assert on_disk["confusion_matrix"] == [[2, 0], [1, 1]]
    assert on_disk["classification_report"]["pos"]["recall"] == 0.5
    assert on_disk == json.loads(json.dumps(record, default=str))
    predictions = pd.read_parquet(tmp_path / "toy_model_predictions.parquet")
    assert tuple(predictions.columns) == evaluation.PREDICTION_COLUMNS
    assert predictions["review_id"].tolist() == ["a", "b", "c", "d"]
    assert predictions["pred"].tolist() == [1, 0, 0, 0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy_model.json", "toy_model_predictions.parquet"]


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
def test_load_results_round_trip(tmp_path):
    _write(tmp_path, model_key="model_a")
    _write(tmp_path, model_key="model_b", y_pred=[1, 0, 1, 0])
    (tmp_path / "summary.json").write_text(json.dumps({"note": "not a model"}))  # skipped
    loaded = evaluation.load_results("smoke", folder=tmp_path)
    assert sorted(loaded) == ["model_a", "model_b"]
    record, predictions = loaded["model_b"]
    assert record["accuracy"] == 1.0 and len(predictions) == 4


def test_compare_with_saved_pairs_by_review_and_tests(tmp_path):
    _write(tmp_path, model_key="saved")  # right on a, b, d; wrong on c
    test = {"review_id": ["d", "c", "b", "e"], "label": [0, 1, 0, 1]}  # "e" was never saved
    new = evaluation.compare_with_saved("smoke", "saved", "new", test, [0, 1, 1, 1], folder=tmp_path)
    assert new.n_missing == 1 and len(new.paired) == 3
    assert new.paired.loc["c", "new:pred"] == 1 and new.paired.loc["c", "saved:pred"] == 0
    assert new.mcnemar["model A"] == "saved" and new.mcnemar["model B"] == "new"
    assert (new.mcnemar["only A right"], new.mcnemar["only B right"]) == (1, 1)
    assert new.saved_record["model_key"] == "saved"
    assert (
        evaluation.compare_with_saved("smoke", "absent", "new", test, [0, 1, 1, 1], folder=tmp_path) is None
    )


def test_load_results_errors(tmp_path):
    _write(tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(evaluation.ResultsError, match="broken.json is not valid JSON"):
        evaluation.load_results("smoke", folder=tmp_path)
    (tmp_path / "broken.json").unlink()

    record = json.loads((tmp_path / "toy_model.json").read_text())
    del record["accuracy_ci95"]
    (tmp_path / "toy_model.json").write_text(json.dumps(record))
    with pytest.raises(evaluation.ResultsError, match="accuracy_ci95"):
        evaluation.load_results("smoke", folder=tmp_path)

    _write(tmp_path)
    (tmp_path / "toy_model_predictions.parquet").unlink()
    with pytest.raises(evaluation.ResultsError, match="toy_model_predictions.parquet is missing"):
        evaluation.load_results("smoke", folder=tmp_path)

    pd.DataFrame({"review_id": ["a"], "label": [1]}).to_parquet(tmp_path / "toy_model_predictions.parquet")
    with pytest.raises(evaluation.ResultsError, match="lacks columns"):
        evaluation.load_results("smoke", folder=tmp_path)


def test_class_rates_hand_computed():
    paired = pd.DataFrame({"label": [0, 0, 1, 1], "a:pred": [0, 1, 1, 1], "b:pred": [0, 0, 0, 0]})
    rates = evaluation.class_rates(paired, ["a", "b"])
    assert rates["a"].to_dict() == {
        "accuracy": 0.75,
        "recall neg": 0.5,
        "recall pos": 1.0,
        "predicted pos share": 0.75,
    }
    assert rates["b"].to_dict() == {
        "accuracy": 0.5,
        "recall neg": 1.0,
        "recall pos": 0.0,
        "predicted pos share": 0.0,
    }


def test_key_comparisons_keep_only_the_pairs_the_series_asks_about():
    keys = ["bow_random_forest", "tfidf_logreg", "nbsvm", "zero_shot", "fine_tuned", "tuned", "ensemble"]
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
    tests = pd.DataFrame({"model A": [a for a, _ in pairs], "model B": [b for _, b in pairs]})
    kept = evaluation.key_comparisons(tests, classical_best="nbsvm", ensemble_members=["fine_tuned", "nbsvm"])
    assert {frozenset(p) for p in zip(kept["model A"], kept["model B"], strict=True)} == {
        frozenset(p)
        for p in [
            ("bow_random_forest", "nbsvm"),
            ("zero_shot", "fine_tuned"),
            ("fine_tuned", "tuned"),
            ("nbsvm", "fine_tuned"),
            ("ensemble", "fine_tuned"),
            ("ensemble", "nbsvm"),
        ]
    }
    without = evaluation.key_comparisons(
        tests
    )  # no classical choice, no ensemble: the transformer pairs only
    assert len(without) == 2


# ----------------------------------------------------------------------------------------------- mutation pass (issue 24)
def test_wilson_and_accuracy_edges_that_a_changed_bound_would_break():
    assert evaluation.wilson_interval(1, 1) == pytest.approx((0.2065493, 1.0), abs=1e-6)  # n = 1 is a sample
    assert evaluation.wilson_interval(16, 16)[1] == 1.0  # centre + half is 1 + 2e-16 here: clamped to 1
    with pytest.raises(ValueError, match="n must be positive"):
        evaluation.wilson_interval(0, 0)
    with pytest.raises(ValueError, match="between 0 and n=5, got 6"):
        evaluation.wilson_interval(6, 5)
    assert evaluation.accuracy_with_ci([1], [1]) == (1.0, evaluation.wilson_interval(1, 1))
    _, wide = evaluation.accuracy_with_ci([1, 0, 1, 0], [1, 0, 0, 0], confidence=0.99)
    assert wide == evaluation.wilson_interval(3, 4, 0.99) and wide[0] < evaluation.wilson_interval(3, 4)[0]
    with pytest.raises(ValueError, match="non-empty"):
        evaluation.accuracy_with_ci([], [])


def _mcnemar(b: int, c: int, **kwargs):
    """McNemar on ``b`` reviews only A gets right and ``c`` only B gets right (all labels 1)."""
    y = np.ones(b + c, dtype=int)
    pred_a = np.r_[np.ones(b), np.zeros(c)].astype(int)
    return evaluation.mcnemar_test(y, pred_a, 1 - pred_a, **kwargs)


def test_mcnemar_switches_to_chi_squared_at_25_discordant_pairs_and_caps_p_at_one():
    assert _mcnemar(12, 12)["method"] == "exact binomial"  # 24 < 25
    at_25 = _mcnemar(13, 12)
    assert at_25["method"] == "chi-squared, continuity-corrected" and at_25["statistic"] == 0.0
    forced = _mcnemar(3, 1, exact=False)  # exact=False is obeyed even for few pairs: (|3 - 1| - 1)² / 4
    assert forced["method"] == "chi-squared, continuity-corrected" and forced["statistic"] == 0.25
    tie = _mcnemar(3, 3)  # 2 × P(X ≤ 3 | 6, ½) = 1.3125, capped at 1; the statistic is min(b, c)
    assert tie["p_value"] == 1.0 and tie["statistic"] == 3.0 and tie["method"] == "exact binomial"
    with pytest.raises(ValueError, match="paired"):
        evaluation.mcnemar_test([1, 0], [1, 0], [1])


def test_write_results_keys_types_and_record(tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    record = evaluation.write_results(
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
    monkeypatch.setattr(evaluation, "read_results_dirs", lambda profile: [run, committed])
    with pytest.raises(evaluation.ResultsError, match="No model results in run:"):  # names the run's folder
        evaluation.load_results("smoke")
    assert evaluation.load_results("smoke", required=False) == {}
    _write(committed, model_key="both", model="committed copy")
    _write(committed, model_key="only_committed")
    _write(run, model_key="both", model="this run's copy")
    (run / "a_summary.json").write_text(json.dumps({"note": "no model_key"}))  # skipped, not the end
    _write(run, model_key="only_run")
    loaded = evaluation.load_results("smoke")
    assert list(loaded) == ["both", "only_committed", "only_run"]
    assert loaded["both"][0]["model"] == "this run's copy"

    monkeypatch.setattr(evaluation, "read_results_dirs", lambda profile: [tmp_path / "results" / profile])
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    _write(tmp_path / "results" / "smoke", model_key="single")
    assert list(evaluation.load_results("smoke")) == ["single"]  # one folder: the profile's


def test_paired_predictions_and_pairwise_mcnemar_on_three_models(tmp_path):
    _write(tmp_path, model_key="a", y_pred=[1, 0, 1, 0])  # labels 1 0 1 0: all right
    _write(tmp_path, model_key="b", y_pred=[1, 0, 0, 0])  # wrong on c
    _write(tmp_path, model_key="c", y_pred=[0, 1, 0, 1])  # all wrong
    results = evaluation.load_results("smoke", folder=tmp_path)
    paired = evaluation.paired_predictions(results)
    assert list(paired.columns) == ["label", "a:pred", "a:p_pos", "b:pred", "b:p_pos", "c:pred", "c:p_pos"]
    tests = evaluation.pairwise_mcnemar(results)
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
    with pytest.raises(evaluation.ResultsError, match="no results to compare"):
        evaluation.paired_predictions({})
    _write(tmp_path, model_key="other", y_true=[1, 0, 1, 1])  # review d labelled differently
    with pytest.raises(
        evaluation.ResultsError, match=r"1 of the same reviews different labels \(e.g. review d\)"
    ):
        evaluation.paired_predictions(evaluation.load_results("smoke", folder=tmp_path))


def test_compare_with_saved_keeps_scores_and_finds_nothing_in_an_empty_folder(tmp_path, monkeypatch):
    assert evaluation.compare_with_saved("smoke", "saved", "new", {}, [], folder=tmp_path) is None
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    _write(tmp_path / "results" / "smoke", model_key="saved")
    test = {"review_id": ["a", "b"], "label": [1.0, 0.0]}
    with_scores = evaluation.compare_with_saved("smoke", "saved", "new", test, [1.0, 1.0], [0.75, 0.5])
    assert with_scores.paired["new:p_pos"].tolist() == [0.75, 0.5]
    assert with_scores.paired["new:pred"].dtype == np.int64 and with_scores.paired["label"].dtype == np.int64
    without = evaluation.compare_with_saved("smoke", "saved", "new", test, [1, 1])
    assert without.paired["new:p_pos"].isna().all()


def test_class_rates_divide_by_each_class_size():
    paired = pd.DataFrame({"label": [0, 1, 1, 1], "a:pred": [0, 1, 0, 0]})
    rates = evaluation.class_rates(paired, ["a"])["a"]
    assert rates["recall neg"] == 1.0 and rates["recall pos"] == pytest.approx(1 / 3)


def test_summary_of_a_model_that_never_predicts_one_class():
    """The smoke transformer calls every review positive: 'neg' must still be reported, with precision 0 (not 1)."""
    summary = evaluation.summarise_predictions([1, 0, 1, 0], [1, 1, 1, 1])
    assert summary["classification_report"]["neg"]["precision"] == 0.0
    assert summary["macro_f1"] == pytest.approx((0 + 2 * 0.5 / 1.5) / 2)
    only_pos = evaluation.summarise_predictions([1, 1], [1, 1])  # one class in the data: both still reported
    assert only_pos["confusion_matrix"] == [[0, 0], [0, 2]] and "neg" in only_pos["classification_report"]


def test_atomic_write_renames_a_hidden_temporary_file_from_the_same_folder(tmp_path, monkeypatch):
    moves = []
    real_replace = evaluation.os.replace
    monkeypatch.setattr(
        evaluation.os, "replace", lambda src, dst: (moves.append((src, dst)), real_replace(src, dst))
    )
    evaluation._atomic_write(tmp_path / "deep" / "x.json", lambda p: p.write_text("{}"))
    ((src, dst),) = moves
    assert Path(src).parent == Path(dst).parent == tmp_path / "deep"  # same file system: the rename is atomic
    assert Path(src).name.startswith(".x.json.") and Path(src).name.endswith(".tmp")
