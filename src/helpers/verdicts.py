"""Generated verdicts: each sentence rests on the statistic that can decide it, and says the opposite when the
numbers do (every function here has a test that builds the opposite case).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers import catalog
from helpers.catalog import FINE_TUNED, NBSVM, RECALIBRATED, TFIDF, ZERO_SHOT
from helpers.comparisons import pairwise_mcnemar
from helpers.evaluation import mcnemar_test
from helpers.present import p_text, short_label
from helpers.results_files import paired_predictions
from helpers.shortcut import feature_kinds

ALPHA = 0.05
ECE_CALIBRATED = 0.05  # a binned calibration error at most this is "roughly calibrated"
Results = dict[str, tuple[dict[str, Any], pd.DataFrame]]


def calibration_verdict(summary: dict[str, Any], accuracy: float, alpha: float = ALPHA) -> str:
    """Can P(positive) be trusted? ``summary`` from :func:`helpers.evaluation.calibration_summary`. The size of the
    miscalibration is the ECE (Brier score beside it); its direction is the balance of the errors (exact binomial
    test), so a model that calls positive reviews negative is said to lean negative, whatever its mean confidence."""
    ece, errors, worst = summary["ece"], summary["errors"], summary["worst_bin"]
    one_sided = errors["p_value"] < alpha and errors["pos_as_neg"] != errors["neg_as_pos"]
    lean = "negative" if errors["pos_as_neg"] > errors["neg_as_pos"] else "positive"
    numbers = (
        f"Expected calibration error {ece:.3f} over {summary['n_bins']} bins, Brier score {summary['brier']:.3f};"
        f" it calls {errors['pos_as_neg']} positive reviews negative and {errors['neg_as_pos']} negative reviews"
        f" positive (exact binomial p = {p_text(errors['p_value'])})"
    )
    worst_text = (
        f" Reviews it gives P(positive) {worst['low']:.1f}–{worst['high']:.1f} (n = {int(worst['n']):,}) are"
        f" positive {worst['observed']:.0%} of the time against a predicted {worst['mean p']:.2f}; its mean"
        f" P(positive) is {summary['mean_p_pos']:.2f} for a positive share of {summary['positive_share']:.2f}."
    )
    if ece <= ECE_CALIBRATED and not one_sided:
        return f"**Roughly, yes:** {numbers}: small and two-sided."
    if ece <= ECE_CALIBRATED:
        return f"**Calibrated on average, but it leans {lean}:** {numbers}.{worst_text}"
    if one_sided:
        return f"**No: it leans {lean}.** {numbers}.{worst_text} Mean confidence cannot show this: it averages a one-sided bias away."
    confidence = "over" if summary.get("mean_confidence", accuracy) > accuracy else "under"
    return f"**No: it is {confidence}-confident on both sides.** {numbers}.{worst_text}"


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


def masking_verdict(
    label: str, with_scores: dict[str, Any], masked: dict[str, Any], alpha: float = ALPHA
) -> str:
    """How much a model rests on the written scores: its accuracy retrained and scored with them masked, against
    as trained (McNemar's test on the same reviews, ``masked["p_value"]``)."""
    diff = masked["accuracy"] - with_scores["accuracy"]
    low, high = masked["accuracy_ci95"]
    real = masked["p_value"] < alpha
    return (
        f"{label}: {with_scores['accuracy']:.3f} as trained, {masked['accuracy']:.3f} (95% CI {low:.3f}–{high:.3f})"
        f" with the scores masked in training and test, {100 * diff:+.1f} points"
        + (
            f", a real difference (McNemar p = {p_text(masked['p_value'])})"
            if real
            else f", a difference these reviews cannot confirm (McNemar p = {p_text(masked['p_value'])})"
        )
    )


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
    numbers = (
        f"precision on negative reviews {p_before:.3f} for {names[before]}, {p_after:.3f} for {names[after]};"
        f" of the {len(positive):,} positive reviews, {test['only_b_right']} are called negative only by"
        f" {names[before]} and {test['only_a_right']} only by {names[after]} (McNemar p = {p_text(test['p_value'])})"
    )
    if test["p_value"] < ALPHA and test["only_b_right"] > test["only_a_right"]:
        return f"**The study's observation holds here:** {numbers}."
    if test["p_value"] < ALPHA:
        return f"**The study's observation is reversed here:** {numbers}."
    return f"**These reviews cannot confirm the study's observation:** {numbers}."


def recovered_share(zero: float, recalibrated: float, fine: float) -> float | None:
    """The share of fine-tuning's accuracy gain over zero-shot that a threshold alone recovers (None without a gain)."""
    gain = fine - zero
    return None if gain <= 0 else (recalibrated - zero) / gain


def prior_shift_verdict(results: Results, alpha: float = ALPHA) -> str | None:
    """How much of fine-tuning's gain a new threshold on the zero-shot model recovers, with McNemar's test of the
    recalibrated model against the fine-tuned one; None without the three results."""
    keys = (ZERO_SHOT, RECALIBRATED, FINE_TUNED)
    if not all(k in results for k in keys):
        return None
    paired = paired_predictions({k: results[k] for k in keys})
    acc = {k: float((paired[f"{k}:pred"] == paired["label"]).mean()) for k in keys}
    names = {k: short_label(results[k][0]) for k in keys}
    record = results[RECALIBRATED][0]
    share = recovered_share(acc[ZERO_SHOT], acc[RECALIBRATED], acc[FINE_TUNED])
    _, versus = comparison_verdict(
        names[RECALIBRATED],
        names[FINE_TUNED],
        paired["label"],
        paired[f"{RECALIBRATED}:pred"],
        paired[f"{FINE_TUNED}:pred"],
        alpha,
    )
    recovered = (
        "fine-tuning gained nothing over zero-shot here, so there is no gain to recover"
        if share is None
        else f"it recovers {share:.0%} of fine-tuning's {100 * (acc[FINE_TUNED] - acc[ZERO_SHOT]):+.1f} points"
    )
    return (
        f"A threshold of {record['threshold']:.3f} on P(positive), chosen on {record['n_validation']:,} validation"
        f" reviews, moves {names[ZERO_SHOT]} from {acc[ZERO_SHOT]:.3f} to {acc[RECALIBRATED]:.3f}:"
        f" {recovered}. Against the fine-tuned model: {versus}."
    )


def study_lines(results: Results) -> list[str]:
    """The study's three numbers against our counterparts' 95% intervals, one phrase each."""
    lines = []
    for key, (name, study) in catalog.study_models().items():
        if key in results:
            record = results[key][0]
            _, text = study_verdict(record["accuracy"], record["accuracy_ci95"], study)
            lines.append(f"{name} {study:.2f} → {short_label(record)} {text}")
    return lines


def series_findings(results: Results, alpha: float = ALPHA) -> list[str]:
    """What the series finds, as Markdown bullets generated from the results alone (notebook 06 and the README):
    which differences survive Holm's correction, the study's three numbers against ours, where the fine-tuned
    transformer stands against TF-IDF + LR, and what the shortcut and prior-shift analyses change."""
    if not results:
        return []
    names = {key: short_label(record) for key, (record, _) in results.items()}
    order = sorted(results, key=lambda k: -results[k][0]["accuracy"])
    tests = pairwise_mcnemar({k: results[k] for k in order})
    lines = [_differences_line(tests, names, alpha)]
    if study := study_lines(results):
        kinds = {results[k][0].get("model_source", {}).get("kind") for k in (ZERO_SHOT,) if k in results}
        caveat = (
            " The transformer rows are not DistilBERT's, so the study's 0.91 and 0.95 are a target for the design,"
            " not a number these models could reproduce."
            if kinds & {"standin", "tiny"}
            else ""
        )
        lines.append("- **The study's numbers against ours.** " + "; ".join(study) + "." + caveat)
    if {FINE_TUNED, TFIDF} <= set(results):
        row = tests[
            tests["model A"].isin([FINE_TUNED, TFIDF]) & tests["model B"].isin([FINE_TUNED, TFIDF])
        ].iloc[0]
        a, b = names[row["model A"]], names[row["model B"]]
        better = a if row["only A right"] > row["only B right"] else b
        verdict = (
            f"{better} is more accurate" if row["Holm p value"] < alpha else "the two cannot be told apart"
        )
        lines.append(
            f"- **The transformer against TF-IDF + LR.** {a} {row['accuracy A']:.3f}, {b} {row['accuracy B']:.3f}:"
            f" {verdict} (McNemar p = {p_text(row['p value'])}, Holm-adjusted {p_text(row['Holm p value'])})."
        )
    masked = [
        masking_verdict(names[k], results[k][0], results[k][0]["score_masking"])
        for k in (TFIDF, NBSVM)
        if k in results and results[k][0].get("score_masking")
    ]
    if masked:
        share = results[[k for k in (TFIDF, NBSVM) if k in results][0]][0]["score_masking"]
        lines.append(
            f"- **The written-score shortcut.** {share['n_stating']:,} of {share['n']:,} test reviews state their own"
            f" score. " + "; ".join(masked) + "."
        )
    if prior := prior_shift_verdict(results, alpha):
        lines.append(f"- **Prior shift.** {prior}")
    return lines


def _differences_line(tests, names: dict[str, str], alpha: float) -> str:
    """The bullet on which pairwise differences survive Holm's correction, each winner with the models it beats."""
    real = tests[tests["Holm p value"] < alpha]
    beats: dict[str, list[str]] = {}
    for _, r in real.iterrows():
        a_wins = r["only A right"] > r["only B right"]
        winner, loser = (r["model A"], r["model B"]) if a_wins else (r["model B"], r["model A"])
        beats.setdefault(names[winner], []).append(names[loser])
    pairs = [f"{winner} beats {', '.join(losers)}" for winner, losers in beats.items()]
    return (
        f"- **Real differences.** Of {len(tests)} paired McNemar tests, {len(real)} {'stays' if len(real) == 1 else 'stay'} below α = {alpha} after"
        f" Holm's correction"
        + (
            f": {'; '.join(pairs)}. Every other pair cannot be told apart on these reviews."
            if pairs
            else ": no two models can be told apart on these reviews."
        )
    )


def threshold_text(choice: dict[str, Any], y_true, before, after, label: str) -> str:
    """The threshold chosen on validation (:func:`helpers.evaluation.choose_threshold`) and what it does on the
    test, decided by McNemar's test of the predictions at 0.5 (``before``) against those at the new threshold."""
    moved = abs(choice["threshold"] - 0.5) > 1e-9
    _, versus = comparison_verdict(
        f"{label} at {choice['threshold']:.3f}", f"{label} at 0.5", y_true, after, before
    )
    how = (
        f"The threshold with the best accuracy on {choice['n']:,} validation reviews is {choice['threshold']:.3f}"
        f" ({choice['accuracy_at_0.5']:.3f} at 0.5, {choice['accuracy']:.3f} at it)"
    )
    if not moved:
        return f"{how}: 0.5 is already the best, so the test predictions do not change."
    return f"{how}. On the test, scored once with it: {versus}."


def learning_curve_text(curves: pd.DataFrame) -> str:
    """One phrase per model (``curves``: ``model``, ``n_train``, ``val_accuracy``, ``ci95 low``/``high``, as from
    :func:`helpers.comparisons.learning_curves`): validation accuracy at the fewest and at the most training
    reviews, and the fewest reviews whose 95% interval reaches the model's best accuracy."""
    parts = []
    for label, table in curves.groupby("model", sort=False):
        table = table.sort_values("n_train")
        first, last = table.iloc[0], table.iloc[-1]
        best = table["val_accuracy"].max()
        enough = table[table["ci95 high"] >= best].iloc[0]
        parts.append(
            f"{label} {first['val_accuracy']:.3f} on {int(first['n_train']):,} reviews, {last['val_accuracy']:.3f}"
            f" on {int(last['n_train']):,}; from {int(enough['n_train']):,} reviews on its 95% interval reaches"
            f" its best ({best:.3f})"
        )
    return "; ".join(parts) + "."


def cost_frontier_text(table: pd.DataFrame) -> str:
    """Which models sit on the cost–accuracy Pareto frontier (``table`` as for
    :func:`helpers.plots.cost_accuracy_plot`), cheapest first, and what the dearest step up costs."""
    front = table[table["frontier"]].sort_values("seconds")
    steps = [
        f"{row['model']} ({row['accuracy']:.3f}, {row['seconds']:,.1f} s)" for _, row in front.iterrows()
    ]
    off = [m for m in table["model"] if m not in set(front["model"])]
    text = "On the frontier, cheapest first: " + " → ".join(steps) + "."
    if off:
        text += f" Beaten on both counts by a model on it: {', '.join(off)}."
    return text + " Accuracy differences along it are read with the McNemar tests above, not from the dots."


def score_groups_text(by_score: pd.DataFrame) -> str:
    """Each model's accuracy on reviews that state a score against those that do not (``by_score`` from
    :func:`helpers.evaluation.accuracy_by_bucket` with buckets "states a score" / "no score"), with whether
    the two intervals overlap: disjoint ones are a difference these reviews resolve."""
    parts = []
    for model, part in by_score.groupby("model", sort=False):
        rows = part.set_index("bucket")
        if not {"states a score", "no score"} <= set(rows.index):
            continue
        a, b = rows.loc["states a score"], rows.loc["no score"]
        apart = a["ci95 low"] > b["ci95 high"] or b["ci95 low"] > a["ci95 high"]
        parts.append(
            f"{model} {a['accuracy']:.3f} with a score, {b['accuracy']:.3f} without"
            + (" (intervals apart)" if apart else " (intervals overlap)")
        )
    return "; ".join(parts) + "."


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
