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
