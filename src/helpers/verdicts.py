"""Generated verdicts: each sentence rests on the statistic that can decide it, and says the opposite when the
numbers do (every function here has a test that builds the opposite case).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.evaluation import mcnemar_test
from helpers.present import p_text
from helpers.shortcut import feature_kinds
from helpers.story.zero_shot import calibration_text as calibration_verdict  # noqa: F401  (notebook 03 as committed)
from helpers.story.zero_shot import threshold_text  # noqa: F401  (notebook 03 as committed calls it here)

ALPHA = 0.05
ECE_CALIBRATED = 0.05  # a binned calibration error at most this is "roughly calibrated"
Results = dict[str, tuple[dict[str, Any], pd.DataFrame]]


def features_verdict(tops: dict[str, pd.DataFrame], share_dominated: float = 1 / 3) -> str:
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


def grid_edge_note(param: str, value: float, grid: Sequence[float]) -> str:
    """Whether a tuned value sits at the edge of the grid it was chosen from (then the grid chose it, not the data)."""
    grid = sorted(grid)
    tried = ", ".join(f"{v:g}" for v in grid)
    if len(grid) > 1 and value == grid[-1]:
        return f"`{param}` = {value:g} is the largest value tried ({tried}): a larger one might do better on validation."
    if len(grid) > 1 and value == grid[0]:
        return f"`{param}` = {value:g} is the smallest value tried ({tried}): a smaller one might do better on validation."
    return f"`{param}` = {value:g} lies inside the values tried ({tried})."


def study_verdict(accuracy: float, ci: Sequence[float], study: float) -> tuple[bool, str]:
    """Does our accuracy reproduce the study's number? Yes when the study's value lies in our 95% interval."""
    low, high = ci
    inside = low <= study <= high
    where = "inside" if inside else ("above" if study > high else "below")
    return inside, (
        f"{accuracy:.3f} (95% CI {low:.3f}–{high:.3f}); the study's {study:.2f} lies {where}"
        + (" it" if inside else " it: a difference these reviews do resolve")
    )


def comparison_verdict(
    label_a: str, label_b: str, y_true, pred_a, pred_b, alpha: float = ALPHA
) -> tuple[bool, str]:
    """Two accuracies on the same reviews, decided by McNemar's test on them: ``(A is better, sentence)``."""
    test = mcnemar_test(y_true, pred_a, pred_b)
    y_true = np.asarray(y_true)
    acc_a, acc_b = float((np.asarray(pred_a) == y_true).mean()), float((np.asarray(pred_b) == y_true).mean())
    numbers = (
        f"{acc_a:.3f} vs {acc_b:.3f}; McNemar's test on the same {y_true.size:,} reviews: {test['only_a_right']}"
        f" only {label_a} gets right, {test['only_b_right']} only {label_b}, p = {p_text(test['p_value'])}"
    )
    if test["p_value"] >= alpha:
        return False, f"{label_a} and {label_b} cannot be told apart ({numbers})"
    if test["only_a_right"] > test["only_b_right"]:
        return True, f"{label_a} is more accurate than {label_b} ({numbers})"
    return False, f"{label_b} is more accurate than {label_a} ({numbers})"


def negative_precision_verdict(paired: pd.DataFrame, before: str, after: str, names: dict[str, str]) -> str:
    """The study's observation: fine-tuning raised precision on the negative class (the SST-2 model calls too many
    reviews negative). Decided by McNemar's test on the *positive* reviews, the ones whose calls as negative
    lower that precision: did fine-tuning call fewer of them negative?"""
    positive = paired[paired["label"] == 1]
    test = mcnemar_test(positive["label"], positive[f"{before}:pred"], positive[f"{after}:pred"])

    def precision(key: str) -> float:
        called = paired[f"{key}:pred"] == 0
        return float((paired.loc[called, "label"] == 0).mean()) if called.any() else float("nan")

    p_before, p_after = precision(before), precision(after)
    negative = paired[paired["label"] == 0]
    recall = {k: float((negative[f"{k}:pred"] == 0).mean()) for k in (before, after)}
    numbers = (
        f"precision on negative reviews {p_before:.3f} for {names[before]}, {p_after:.3f} for {names[after]};"
        f" of the {len(positive):,} positive reviews, {test['only_b_right']} are called negative only by"
        f" {names[before]} and {test['only_a_right']} only by {names[after]} (McNemar p = {p_text(test['p_value'])},"
        f" unadjusted: one planned test). The price is recall on negative reviews, {recall[before]:.3f} for"
        f" {names[before]} and {recall[after]:.3f} for {names[after]}"
    )
    if test["p_value"] < ALPHA and test["only_b_right"] > test["only_a_right"]:
        return f"**The study's observation holds here:** {numbers}."
    if test["p_value"] < ALPHA:
        return f"**The study's observation is reversed here:** {numbers}."
    return f"**These reviews cannot confirm the study's observation:** {numbers}."


def difference_words(p_value: float, alpha: float = ALPHA) -> str:
    """McNemar's p in words: ``a real difference`` below ``alpha``, else ``a difference these reviews cannot
    confirm``."""
    return "a real difference" if p_value < alpha else "a difference these reviews cannot confirm"


def text_used_verdict(raw_ok: bool, clean_ok: bool, p_raw_vs_clean: float, alpha: float = ALPHA) -> str:
    """Which text the study's forest most likely read, from whether its number lies in the raw-text and the
    cleaned-text forests' intervals, and McNemar's test between those two forests."""
    if raw_ok and clean_ok:
        p = p_text(p_raw_vs_clean)
        if p_raw_vs_clean >= alpha:
            return (
                f"Both are consistent with it, and McNemar's test between them cannot tell them apart (p = {p}): "
                "this run cannot say which text the study used"
            )
        return f"Both are consistent with it, and McNemar's test between them separates them (p = {p})"
    if raw_ok or clean_ok:
        return f"Only {'raw' if raw_ok else 'cleaned'} text is consistent with it"
    return "Neither is consistent with it"


def reproduction_headline(raw_ok: bool, clean_ok: bool) -> str:
    """``The study's baseline reproduces here.`` when either forest's interval holds the study's number."""
    return f"The study's baseline {'reproduces' if raw_ok or clean_ok else 'does not reproduce'} here."


def state_of_the_art_text(beats_forest: bool, vs_forest: str) -> str:
    """Whether the forest is the classical state of the art, from the McNemar verdict of the better linear
    model against it (:func:`comparison_verdict`)."""
    if beats_forest:
        return f"**It is not the classical state of the art:** {vs_forest}."
    return f"**This sample cannot show that the linear models beat it:** {vs_forest}."
