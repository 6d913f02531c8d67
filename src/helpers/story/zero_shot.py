"""Notebook 03's readings of the zero-shot model: the threshold chosen on validation and what it does on the test
reviews (a difference on the same reviews, so a paired interval and an unadjusted p that says so; whether it is
"better" is notebook 06's call, among the series' other comparisons)."""

from __future__ import annotations

from typing import Any

from helpers.evaluation import mcnemar_test
from helpers.paired import paired_difference
from helpers.story.phrases import paired_interval
from helpers.tables import p_text


def threshold_text(choice: dict[str, Any], y_true, before, after, label: str) -> str:
    """The threshold with the best accuracy on validation (:func:`helpers.evaluation.choose_threshold`) and the
    change it makes on the test: predictions at it (``after``) against those at 0.5 (``before``)."""
    how = (
        f"The threshold with the best accuracy on {choice['n']:,} validation reviews is {choice['threshold']:.3f}"
        f" ({choice['accuracy_at_0.5']:.3f} at 0.5, {choice['accuracy']:.3f} at it)"
    )
    if abs(choice["threshold"] - 0.5) <= 1e-9:
        return f"{how}: 0.5 is already the best, so the test predictions do not change."
    diff = paired_difference(y_true, after, before)
    test = mcnemar_test(y_true, after, before)
    changed = (
        f"On the test reviews, scored once with it, {label} goes from {diff.b:.3f} to {diff.a:.3f}:"
        f" {paired_interval(diff)}. It gets {test['only_a_right']} reviews right that it got wrong at 0.5 and"
        f" {test['only_b_right']} wrong that it got right (McNemar p = {p_text(test['p_value'])}, unadjusted)"
    )
    if diff.excludes_zero:
        reading = "on these reviews alone the change is larger than their noise"
    else:
        reading = "these reviews cannot tell the change from noise"
    return (
        f"{how}. {changed}: {reading}. Whether it makes a better model is read in notebook 06, among the series'"
        " other comparisons."
    )
