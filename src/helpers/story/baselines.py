"""Notebook 02's readings of the classical models: the study's forest against the study's number (both samples'
error), one pair on the same reviews (a paired interval and an unadjusted p; "better" is notebook 06's call),
how far validation separates the two linear models, and what masking the written scores costs."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.evaluation import mcnemar_test
from helpers.paired import paired_difference, study_gap
from helpers.shortcut import feature_kinds
from helpers.story.phrases import pair_text, paired_interval, points  # noqa: F401  (pair_text: notebook 02 calls it here)
from helpers.tables import p_text


def study_forest_text(
    correct: dict[str, int], n: int, study: float, study_n: int, raw_vs_clean_p: float
) -> str:
    """The forest on raw and on cleaned text (``correct``: text → reviews right of ``n``) against the study's
    number on its own ``study_n`` reviews, and whether the two texts can be told apart (McNemar, unadjusted)."""
    parts, consistent = [], []
    for text, right in correct.items():
        gap = study_gap(right, n, study, study_n)
        where = "within" if gap.within_sampling_error else "outside"
        parts.append(
            f"on {text} text {gap.first:.3f}, {points(gap.first - gap.second)} from the study's {study:.2f}"
            f" (95% interval {100 * gap.low:+.1f} to {100 * gap.high:+.1f}, {where} both samples' error)"
        )
        if gap.within_sampling_error:
            consistent.append(text)
    head = "The study's forest against ours: " + "; ".join(parts) + "."
    if not consistent:
        return head + " Neither is consistent with the study's number: this run does not reproduce it."
    texts = " and ".join(consistent)
    if len(consistent) < len(correct):
        return head + f" Only the forest on {texts} text is consistent with the study's number."
    tell = (
        "cannot tell the two texts apart, so this run cannot say which text the study used"
        if raw_vs_clean_p >= 0.05
        else "tells the two texts apart"
    )
    return (
        head + f" Both are consistent with the study's number; McNemar's test between them (p ="
        f" {p_text(raw_vs_clean_p)}, unadjusted) {tell}."
    )


def validation_choice_text(tunings: dict[str, pd.DataFrame], n_validation: int) -> str:
    """Which linear model validation prefers and by how many of its reviews (``tunings``: label → the tuning
    table of :func:`helpers.classical.tune`, ``validation_accuracy`` per value tried)."""
    best = {label: float(table["validation_accuracy"].max()) for label, table in tunings.items()}
    ranked = sorted(best, key=best.get, reverse=True)
    first, second = ranked[0], ranked[1]
    margin = round((best[first] - best[second]) * n_validation)
    head = (
        f"On the {n_validation:,} validation reviews {first} reaches {best[first]:.3f} and {second}"
        f" {best[second]:.3f}: a margin of {margin} review{'' if margin == 1 else 's'}"
    )
    if margin <= 0.01 * n_validation:
        return (
            head
            + ", so the choice between them is close to a coin flip; it is made there all the same, never on the test."
        )
    return head + "; the choice is made there, never on the test."


def masking_text(label: str, y_true, masked, trained) -> str:
    """A model retrained and scored with the written scores masked against as trained: the paired difference,
    and what it shows. Retraining tells whether a model *needs* the scores, not whether it *uses* them."""
    diff = paired_difference(y_true, masked, trained)
    test = mcnemar_test(y_true, masked, trained)
    numbers = (
        f"{label} retrained with the scores masked {diff.a:.3f} against {diff.b:.3f} as trained:"
        f" {paired_interval(diff)} (McNemar p = {p_text(test['p_value'])}, unadjusted: one planned test)"
    )
    if diff.high < 0:
        return numbers + ": it needs the scores, and loses accuracy without them"
    return numbers + (
        ": without the scores it does about as well, so it does not need them, whatever weight it gives them"
        " when they are there"
    )


def features_text(tops: dict[str, pd.DataFrame], share_dominated: float = 1 / 3) -> str:
    """What each model's largest features are (``tops``: label → :func:`helpers.classical.top_features` table):
    a list where at least ``share_dominated`` are numbers is called a written-score list, never sentiment words."""
    parts = []
    for label, table in tops.items():
        kinds = feature_kinds(list(table["feature"]))
        numbers = [f for f, kind in kinds.items() if kind == "number"]
        markup = [f for f, kind in kinds.items() if kind == "markup"]
        share = len(numbers) / max(len(kinds), 1)
        examples = ", ".join(f'"{f}"' for f in numbers[:5])
        if share >= share_dominated:
            text = f"{label}: {len(numbers)} of its {len(kinds)} largest are numbers ({examples}): the written scores"
        elif numbers:
            text = f"{label}: mostly words and phrases, but {len(numbers)} of {len(kinds)} are numbers ({examples})"
        else:
            text = f"{label}: words and phrases, no numbers among its {len(kinds)} largest"
        if markup:
            text += f", and markup ({', '.join(markup)})"
        parts.append(text)
    return "; ".join(parts) + "."


def grid_edge_text(param: str, value: float, grid: Sequence[float]) -> str:
    """Whether a tuned value sits at the edge of the grid it was chosen from (then the grid chose it, not the data)."""
    grid = sorted(grid)
    tried = ", ".join(f"{v:g}" for v in grid)
    if len(grid) > 1 and value == grid[-1]:
        return f"`{param}` = {value:g} is the largest value tried ({tried}): a larger one might do better on validation."
    if len(grid) > 1 and value == grid[0]:
        return f"`{param}` = {value:g} is the smallest value tried ({tried}): a smaller one might do better on validation."
    return f"`{param}` = {value:g} lies inside the values tried ({tried})."
