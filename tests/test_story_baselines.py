"""Notebook 02's readings, each built both ways."""

import numpy as np
import pandas as pd

from helpers.story import baselines


def test_the_study_forest_is_consistent_only_within_both_samples_error():
    both = baselines.study_forest_text({"raw": 858, "cleaned": 850}, 1000, 0.84, 1000, raw_vs_clean_p=0.4)
    assert (
        "on raw text 0.858, +1.8 points from the study's 0.84" in both
        and "within both samples' error" in both
    )
    assert "cannot say which text the study used" in both
    one = baselines.study_forest_text({"raw": 858, "cleaned": 900}, 1000, 0.84, 1000, raw_vs_clean_p=0.001)
    assert "Only the forest on raw text is consistent" in one
    neither = baselines.study_forest_text({"raw": 900, "cleaned": 905}, 1000, 0.84, 1000, raw_vs_clean_p=0.5)
    assert "does not reproduce it" in neither


def test_a_pair_before_06_gets_a_paired_interval_an_unadjusted_p_and_no_verdict():
    y = np.array([0, 1] * 500)
    a, b = y.copy(), y.copy()
    b[:60] = 1 - b[:60]
    far = baselines.pair_text("A", "B", y, a, b)
    assert far.startswith(
        "A 1.000 against B 0.940 on the same 1,000 reviews: +6.0 points, 95% paired interval"
    )
    assert "larger than these reviews' noise" in far and "unadjusted" in far and "more accurate" not in far
    a[60:64] = 1 - a[60:64]
    b2 = y.copy()
    b2[:6] = 1 - b2[:6]
    assert "within these reviews' noise" in baselines.pair_text("A", "B", y, a, b2)
    assert baselines.pair_text("A", "B", y, a, b2, series_pair=False).endswith(
        "unadjusted: one planned test)"
    )


def test_a_validation_margin_of_a_few_reviews_is_called_a_coin_flip():
    tuning = lambda accuracies: pd.DataFrame({"C": [1, 10], "validation_accuracy": accuracies})  # noqa: E731
    close = baselines.validation_choice_text({"NB": tuning([0.90, 0.911]), "LR": tuning([0.91, 0.910])}, 1000)
    assert (
        "NB reaches 0.911 and LR 0.910: a margin of 1 review, so the choice" in close and "coin flip" in close
    )
    clear = baselines.validation_choice_text({"NB": tuning([0.90, 0.93]), "LR": tuning([0.91, 0.90])}, 1000)
    assert "a margin of 20 reviews; the choice is made there" in clear


def test_masking_says_whether_a_model_needs_the_scores():
    y = np.array([0, 1] * 500)
    trained = y.copy()
    masked = y.copy()
    masked[:60] = 1 - masked[:60]
    assert "it needs the scores" in baselines.masking_text("LR", y, masked, trained)
    masked = y.copy()
    masked[:3] = 1 - masked[:3]
    trained[3:6] = 1 - trained[3:6]
    assert "does not need them" in baselines.masking_text("LR", y, masked, trained)
