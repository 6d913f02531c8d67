"""Each generated verdict, and the opposite case that flips it."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from helpers import evaluation
from helpers.story import baselines, comparison, zero_shot


def _leaning_negative(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    true_p = np.clip(np.where(y == 1, rng.beta(6, 2, n), rng.beta(2, 6, n)), 0, 1)
    return y, true_p


def test_calibration_bins_are_the_ones_the_ece_sums():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.05, 0.15, 0.15, 0.95, 1.0])
    bins = evaluation.calibration_bins(y, p, n_bins=10)
    assert bins["n"].tolist() == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins.loc[1, "observed"] == 0.5 and bins.loc[9, "mean p"] == pytest.approx(0.975)
    summary = evaluation.calibration_summary(y, p, n_bins=10)
    expected = (1 * 0.05 + 2 * abs(0.5 - 0.15) + 2 * abs(1 - 0.975)) / 5
    assert summary["ece"] == pytest.approx(expected)
    assert summary["brier"] == pytest.approx(np.mean((p - y) ** 2))


def test_calibration_text_names_a_negative_lean_and_flips_for_a_calibrated_model():
    rng = np.random.default_rng(1)
    n = 4000
    p = rng.uniform(0, 1, n)
    y = (rng.uniform(0, 1, n) < p).astype(int)  # calibrated by construction
    calibrated = evaluation.calibration_summary(y, p)
    text = zero_shot.calibration_text(calibrated, float(((p >= 0.5) == y).mean()))
    assert text.startswith("**Roughly, yes")
    shifted = p**2.5  # the same reviews, P(positive) pushed down: positive reviews called negative
    leaning = evaluation.calibration_summary(y, shifted)
    text = zero_shot.calibration_text(leaning, float(((shifted >= 0.5) == y).mean()))
    assert "leans negative" in text and "Brier" in text and leaning["lean"] > 0
    worst = leaning["worst_bin"]  # the bin furthest off is given with its own interval, which holds its share
    low, high = evaluation.wilson_interval(round(worst["observed"] * worst["n"]), int(worst["n"]))
    assert f"(95% CI {low:.0%}–{high:.0%})" in text and low <= worst["observed"] <= high
    mirrored = evaluation.calibration_summary(1 - y, 1 - shifted)
    assert "leans positive" in zero_shot.calibration_text(mirrored, 0.8)


def test_error_balance_tests_one_sided_errors():
    y = np.array([1] * 50 + [0] * 50)
    lean = np.array([0] * 20 + [1] * 30 + [0] * 48 + [1] * 2)
    result = evaluation.error_balance(y, lean)
    assert (result["pos_as_neg"], result["neg_as_pos"]) == (20, 2) and result["p_value"] < 0.001
    even = np.array([0] * 5 + [1] * 45 + [1] * 5 + [0] * 45)
    assert evaluation.error_balance(y, even)["p_value"] == 1.0


def test_features_dominated_by_numbers_are_not_called_sentiment_words():
    scores = pd.DataFrame({"feature": ["4 10", "3 10", "7 10", "waste", "8 out", "10 10"]})
    words = pd.DataFrame({"feature": ["great", "worst", "not good", "waste", "excellent", "7"]})
    text = baselines.features_text({"NB-SVM": scores, "TF-IDF + LR": words})
    assert "NB-SVM: 5 of its 6 largest are numbers" in text and "written scores" in text
    assert "TF-IDF + LR: mostly words and phrases, but 1 of 6 are numbers" in text
    clean = baselines.features_text({"A": pd.DataFrame({"feature": ["great", "bad"]})})
    assert "no numbers" in clean


def test_grid_edge_text_says_when_the_grid_chose():
    assert "largest value tried" in baselines.grid_edge_text("C", 100.0, [10.0, 30.0, 100.0])
    assert "smallest value tried" in baselines.grid_edge_text("C", 0.1, [0.1, 0.3, 1.0])
    assert "inside" in baselines.grid_edge_text("C", 0.3, [0.1, 0.3, 1.0])


def test_holm_matches_statsmodels_and_a_hand_computation():
    p = [0.01, 0.04, 0.03, 0.5]
    assert np.allclose(evaluation.holm(p), multipletests(p, method="holm")[1])
    assert np.allclose(evaluation.holm(p), [0.04, 0.09, 0.09, 0.5])


def test_choose_threshold_moves_only_when_validation_says_so():
    y = np.array([0, 0, 1, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.9])
    choice = evaluation.choose_threshold(y, p)
    assert 0.2 < choice["threshold"] <= 0.3 and choice["accuracy"] == 1.0
    assert evaluation.choose_threshold(y, np.array([0.1, 0.2, 0.6, 0.7, 0.8, 0.9]))["threshold"] == 0.5


def test_pareto_frontier():
    mask = evaluation.pareto_frontier([1, 2, 3, 10], [0.8, 0.79, 0.9, 0.9])
    assert mask.tolist() == [True, False, True, False]


def test_negative_precision_text_holds_or_not():
    paired = pd.DataFrame(
        {
            "label": [1] * 40 + [0] * 40,
            "z:pred": [0] * 20 + [1] * 20 + [0] * 40,
            "f:pred": [1] * 40 + [0] * 40,
        }
    )
    names = {"z": "zero", "f": "fine"}
    assert "holds here" in comparison.negative_precision_text(paired, "z", "f", names)
    assert "reversed" in comparison.negative_precision_text(paired, "f", "z", names)
    same = paired.assign(**{"f:pred": paired["z:pred"]})
    assert "cannot confirm" in comparison.negative_precision_text(same, "z", "f", names)


# ----------------------------------------------------------------------------------------------- texts that flip
def _threshold_case(moved: bool, gain: int):
    """200 test reviews; predictions at 0.5 and at the chosen threshold, the latter right on ``gain`` more."""
    y = np.array([0, 1] * 100)
    before = y.copy()
    before[:40] = 1 - before[:40]  # 40 wrong at 0.5
    after = before.copy()
    after[:gain] = y[:gain]  # the new threshold fixes the first ``gain`` of them
    choice = {"threshold": 0.62 if moved else 0.5, "n": 500, "accuracy_at_0.5": 0.81, "accuracy": 0.84}
    return choice, y, before, after


def test_threshold_text_flips_with_the_threshold_and_with_mcnemar():
    choice, y, before, after = _threshold_case(moved=False, gain=0)
    stays = zero_shot.threshold_text(choice, y, before, after, "stand-in")
    assert "0.5 is already the best, so the test predictions do not change" in stays
    assert "500 validation reviews is 0.500 (0.810 at 0.5, 0.840 at it)" in stays
    real = zero_shot.threshold_text(*_threshold_case(moved=True, gain=30), "stand-in")
    assert "stand-in goes from 0.800 to 0.950: +15.0 points, 95% paired interval" in real
    assert "30 reviews right that it got wrong at 0.5 and 0 wrong" in real and "unadjusted" in real
    assert "larger than their noise" in real and "read in notebook 06" in real
    assert "more accurate" not in real and "do not change" not in real  # "better" is 06's call, by Holm
    unsure = zero_shot.threshold_text(*_threshold_case(moved=True, gain=2), "stand-in")
    assert "from 0.800 to 0.810" in unsure and "cannot tell the change from noise" in unsure
