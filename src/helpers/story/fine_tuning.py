"""Notebook 04's readings of fine-tuning: which learning rate the validation reviews chose, and whether they can
tell the rates apart (the runs are scored on the same reviews, so each gap gets a paired interval)."""

from __future__ import annotations

from collections.abc import Mapping

from helpers.paired import paired_difference
from helpers.story.phrases import short_interval
from helpers.training_folder import lr_text as rate_text


def learning_rate_text(y_validation, predictions: Mapping[float, object], chosen: float) -> str:
    """The chosen rate (best validation accuracy) against each other rate on the same validation reviews:
    the gap in points with its paired 95% interval, and whether the reviews resolve it."""
    others = [rate for rate in predictions if rate != chosen]
    gaps = {rate: paired_difference(y_validation, predictions[chosen], predictions[rate]) for rate in others}
    first = next(iter(gaps.values()), None)
    accuracy = first.a if first else None
    parts = [f"{rate_text(rate)} by {short_interval(gap)}" for rate, gap in gaps.items()]
    head = (
        f"On the same {len(y_validation):,} validation reviews, {rate_text(chosen)}"
        + (f" ({accuracy:.3f}) leads " + " · ".join(parts) if parts else " is the only rate tried")
        + " (points, 95% paired interval)."
    )
    if not gaps:
        return head
    unresolved = [rate_text(rate) for rate, gap in gaps.items() if not gap.excludes_zero]
    if not unresolved:
        return head + " The validation reviews resolve each gap: the choice rests on the data, not on noise."
    if len(unresolved) == len(gaps):
        return (
            head
            + " None of these gaps is resolved: the rates are indistinguishable on these reviews, and the"
            " rule's choice among them is as good as any."
        )
    return head + f" The gap to {' and '.join(unresolved)} is within the noise; the others are resolved."
