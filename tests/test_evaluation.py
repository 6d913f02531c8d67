"""helpers.evaluation: the statistics, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

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


@pytest.mark.parametrize(
    "b, c", [(0, 0), (0, 1), (1, 0), (3, 3), (5, 2), (12, 12), (13, 12), (0, 40), (30, 10)]
)
@pytest.mark.parametrize("exact", [None, True, False])
def test_mcnemar_matches_the_hand_formulas_to_the_last_digit(b, c, exact):
    """Statsmodels behind the function keeps the hand-written results: 2·P(X ≤ min(b, c)) capped at 1, or the
    continuity-corrected χ² (|b − c| − 1)² / (b + c); no discordant pair is p = 1 in either branch."""
    from scipy import stats

    use_exact = (b + c) < 25 if exact is None else exact
    if b + c == 0:
        expected = (1.0, 0.0)
    elif use_exact:
        expected = (min(1.0, 2 * stats.binom.cdf(min(b, c), b + c, 0.5)), float(min(b, c)))
    else:
        statistic = (abs(b - c) - 1) ** 2 / (b + c)
        expected = (float(stats.chi2.sf(statistic, df=1)), statistic)
    result = _mcnemar(b, c, exact=exact)
    assert (result["p_value"], result["statistic"]) == expected
    assert (result["only_a_right"], result["only_b_right"]) == (b, c)
