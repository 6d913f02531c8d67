"""Notebook 04's learning-rate reading: the chosen rate against each other on the same validation reviews."""

import numpy as np
import pandas as pd

from helpers.story.fine_tuning import (
    beyond_threshold_text,
    curve_text,
    gain_by_group_text,
    learning_rate_text,
    more_data_text,
)

Y = np.array([0, 1] * 500)


def _wrong_on(n_wrong, start=0):
    pred = Y.copy()
    pred[start : start + n_wrong] = 1 - pred[start : start + n_wrong]
    return pred


def test_a_choice_the_reviews_cannot_resolve_says_so_and_a_clear_one_says_it_rests_on_the_data():
    # the other rates err on other reviews too: 20 vs 25 and 30 vs 40 discordant reviews
    close = learning_rate_text(
        Y, {1e-5: _wrong_on(120), 2e-5: _wrong_on(125, 20), 1e-4: _wrong_on(130, 30)}, 1e-5
    )
    assert close.startswith(
        "On the same 1,000 validation reviews, 1e-05 scores 0.880; its margin over 2e-05 +0.5 points ("
    )
    assert "None of these gaps is resolved" in close
    clear = learning_rate_text(Y, {1e-5: _wrong_on(120), 1e-4: _wrong_on(300)}, 1e-5)
    assert "over 1e-04 +18.0 points (" in clear and "resolve each gap" in clear
    mixed = learning_rate_text(
        Y, {1e-5: _wrong_on(120), 2e-5: _wrong_on(125, 20), 1e-4: _wrong_on(300)}, 1e-5
    )
    assert "The gap to 2e-05 is within the noise; the others are resolved." in mixed
    assert learning_rate_text(Y, {1e-5: Y}, 1e-5).endswith("1e-05 is the only rate tried.")


def _readings(*predictions):
    return {step: (Y, pred) for step, pred in zip((10, 20), predictions, strict=True)}


def test_the_curve_reading_is_paired_and_flips_between_rising_level_and_falling():
    curve = pd.DataFrame({"reviews seen": [500, 1000], "val accuracy": [0.7, 0.8]})
    # 100 reviews fixed and none broken at the last step: a paired interval well above zero
    assert "still rising" in curve_text(curve, _readings(_wrong_on(300), _wrong_on(200)))
    assert "falling" in curve_text(curve, _readings(_wrong_on(200), _wrong_on(300)))
    # 10 fixed, 10 broken: the same accuracy, within the noise
    assert "level within" in curve_text(curve, _readings(_wrong_on(200), _wrong_on(200, 10)))
    assert curve_text(curve.head(1), {10: (Y, Y)}).endswith("One reading: no curve to judge.")


def test_the_gain_by_group_names_only_the_groups_whose_paired_interval_excludes_zero():
    frame = pd.DataFrame({"label": Y, "new:pred": Y, "old:pred": _wrong_on(200)})  # old errs on the first 200
    groups = pd.Series(["first"] * 500 + ["second"] * 500)
    text = gain_by_group_text(frame, groups, "new", "old", "half")
    assert "Resolved on its own (unadjusted): first (gain)" in text and "second (gain)" not in text
    assert text.startswith("New minus old") and "the others are within the noise" in text
    assert "trade" not in text
    # the new model gains on the first half and loses on the second: both resolved, no "others", a trade
    frame["new:pred"] = np.where(np.arange(1000) >= 800, 1 - Y, Y)
    both = gain_by_group_text(frame, groups, "new", "old", "half")
    assert "first (gain), second (loss)." in both and "others" not in both
    assert "a trade between groups" in both
    frame["new:pred"], frame["old:pred"] = Y, Y
    assert "No group's change is resolved" in gain_by_group_text(frame, groups, "new", "old", "half")


def test_the_gain_is_set_against_a_moved_threshold_and_the_verdict_flips_with_the_paired_interval():
    frame = pd.DataFrame({"label": Y, "tuned:pred": _wrong_on(100), "moved:pred": _wrong_on(100, 50)})
    level = beyond_threshold_text(frame, "tuned", "moved")  # 50 reviews each way: the same accuracy
    assert "These reviews cannot tell fine-tuning's gain from what a threshold" in level
    assert level.count("without training it. Tuned 0.900 against moved 0.900") == 1
    frame["moved:pred"] = _wrong_on(200)  # the moved threshold errs on 100 more reviews
    assert beyond_threshold_text(frame, "tuned", "moved").endswith(
        "Fine-tuning buys more than a moved threshold does."
    )
    frame["moved:pred"] = Y
    assert "A moved threshold does better" in beyond_threshold_text(frame, "tuned", "moved")


def test_more_reviews_are_read_on_the_same_validation_reviews_and_the_selection_caveat_only_where_it_applies():
    level = more_data_text(Y, _wrong_on(120), _wrong_on(110, 60), 1_000, 10_000, evals=(1, 4))
    assert "the run on 10,000 reviews scores 0.890 against 0.880 for the run on 1,000" in level
    assert "best of its 4 evaluations" in level and "10,000 reviews instead of 1,000 bought no gain" in level
    gained = more_data_text(Y, _wrong_on(200), _wrong_on(100), 1_000, 10_000)
    assert gained.endswith("10,000 reviews instead of 1,000 bought a gain these validation reviews resolve.")
    assert "best of its" not in gained  # one evaluation each: no selection to warn of
    lost = more_data_text(Y, _wrong_on(100), _wrong_on(200), 1_000, 3_000)
    assert "With 3,000 reviews instead of 1,000 it scored lower" in lost
