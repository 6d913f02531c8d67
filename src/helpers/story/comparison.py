"""Notebook 06's readings of every model on the same reviews: accuracy across groups of reviews (by length, with or
without a written score), the reviews every model gets wrong, and cost against accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact, mannwhitneyu
from statsmodels.stats.proportion import test_proportions_2indep

from helpers import catalog
from helpers.evaluation import calibration_summary, error_balance, holm, mcnemar_test
from helpers.paired import ALPHA, independent_gap, widest_paired_difference
from helpers.present import short_label
from helpers.story.phrases import points, sentence_start, short_interval
from helpers.tables import p_text
from helpers.tokens import TRUNCATION_NAMES

ECE_CALIBRATED = 0.05  # as notebook 03 reads it (helpers.story.zero_shot.calibration_text)
Results = dict[str, tuple[dict[str, Any], pd.DataFrame]]


def group_gaps_text(by_group: pd.DataFrame, first: str, second: str, words: tuple[str, str]) -> str:
    """Each model's accuracy on the ``first`` group of reviews against the ``second`` (``by_group`` from
    :func:`helpers.evaluation.accuracy_by_bucket`, ``model`` holding labels; ``words``: how to name each group,
    with ``{n}`` for its size). The groups hold different reviews, so each gap gets an interval for two
    independent samples; the sentence names the models whose gap it resolves."""
    rows = []
    for model, part in by_group.groupby("model", sort=False):
        groups = part.set_index("bucket")
        if {first, second} <= set(groups.index):
            a, b = groups.loc[first], groups.loc[second]
            counts = (round(a["accuracy"] * a["n"]), int(a["n"]), round(b["accuracy"] * b["n"]), int(b["n"]))
            rows.append(
                (model, independent_gap(*counts), test_proportions_2indep(*counts, method="score").pvalue)
            )
    if not rows:
        return "No model was scored on both groups of reviews."
    adjusted = holm([p for *_, p in rows])
    parts = [
        f"{m} {points(g.first - g.second)} ({100 * g.low:+.1f} to {100 * g.high:+.1f})" for m, g, _ in rows
    ]
    resolved = [
        f"{m} ({'higher' if g.first > g.second else 'lower'}, Holm p = {p_text(q)})"
        for (m, g, _), q in zip(rows, adjusted, strict=True)
        if q < ALPHA
    ]
    n_first, n_second = (int(by_group[by_group["bucket"] == g]["n"].iloc[0]) for g in (first, second))
    head = (
        f"Accuracy on {words[0].format(n=f'{n_first:,}')} minus accuracy on {words[1].format(n=f'{n_second:,}')},"
        " in points with a 95% interval for two samples of different reviews: " + "; ".join(parts) + "."
    )
    if len(rows) == 1:  # one model: its own interval decides, no multiplicity rule
        ((model, gap, p_value),) = rows
        if not gap.within_sampling_error:
            more = "more" if gap.first > gap.second else "less"
            return (
                head
                + f" The gap is resolved (p = {p_text(p_value)}): {model} is {more} accurate on {words[0].replace('{n} ', '')}."
            )
        return head + f" The gap is within the noise (p = {p_text(p_value)})."
    rule = f"Holm over the {len(rows)} models, α = {ALPHA}"
    alone = [
        m for (m, g, _), q in zip(rows, adjusted, strict=True) if q >= ALPHA and not g.within_sampling_error
    ]
    if alone:
        rule += (
            f"; {' and '.join(alone)} would look resolved on {'its' if len(alone) == 1 else 'their'} own, not"
        )
        rule += f" once all {len(rows)} are counted"
    if not resolved:
        nearest = min(range(len(rows)), key=lambda i: rows[i][2])
        rule += (
            f"; nearest: {rows[nearest][0]}, p = {p_text(rows[nearest][2])} alone,"
            f" {p_text(adjusted[nearest])} Holm-adjusted"
        )
        return head + f" No model's gap is resolved ({rule})."
    return (
        head
        + f" The gap is resolved for {', '.join(resolved)} ({rule}); for the others it is within the noise."
    )


def length_text(by_length: pd.DataFrame) -> str:
    """The longest length bucket (the reviews truncation cuts) against the shortest, per model."""
    order = list(dict.fromkeys(by_length["bucket"]))  # shortest first, as accuracy_by_bucket groups them
    longest, shortest = order[-1], order[0]
    words = (f"the {{n}} longest reviews ({longest} word pieces)", f"the {{n}} shortest ({shortest})")
    return group_gaps_text(by_length, longest, shortest, words)


def score_groups_text(by_score: pd.DataFrame) -> str:
    """Reviews that state a score against those that do not, per model; a gap says those reviews are easier or
    harder, not that a model reads the score (notebook 02's masking asks that)."""
    words = ("the {n} reviews that state a score", "the {n} that do not")
    return group_gaps_text(by_score, "states a score", "no score", words) + (
        " A gap says the reviews that state a score are easier or harder for a model, not that it reads the score:"
        " a model that cannot read it may gain as much, and retraining with the scores masked (notebook 02) is"
        " the test of that."
    )


def shared_errors_text(traits: pd.DataFrame, everyone_wrong: pd.Series, alpha: float = ALPHA) -> str:
    """What the reviews every model gets wrong have in common: each trait of :func:`helpers.exploration.text_traits`
    (plus ``negative``) in them against the other reviews, Fisher's exact test for a yes/no trait and Mann–Whitney
    for a number, Holm over the traits; the answer names the traits that tell them apart, or says none does."""
    wrong = everyone_wrong.reindex(traits.index).fillna(False).astype(bool)
    rows = []
    for trait in traits.columns:
        inside, outside = traits.loc[wrong, trait], traits.loc[~wrong, trait]
        if traits[trait].dtype == bool:
            table = [[int(inside.sum()), int((~inside).sum())], [int(outside.sum()), int((~outside).sum())]]
            p = fisher_exact(table).pvalue
            rows.append((trait, f"{inside.mean():.0%} against {outside.mean():.0%}", p))
        else:
            p = mannwhitneyu(inside, outside).pvalue if len(inside) and len(outside) else 1.0
            rows.append((trait, f"median {inside.median():.1f} against {outside.median():.1f}", p))
    adjusted = holm([p for *_, p in rows])
    found = [
        f"{trait} ({numbers})" for (trait, numbers, _), q in zip(rows, adjusted, strict=True) if q < alpha
    ]
    n = int(wrong.sum())
    head = f"The {n:,} reviews every model gets wrong against the other {int((~wrong).sum()):,}"
    if not found:
        return (
            f"{head}: none of the {len(rows)} traits tells them apart (Holm over the traits, α = {alpha});"
            f" with {n:,} reviews only a large difference could show, so whatever they share, these traits do not"
            " show it. Reading them is the next step: the first three by review id are below."
        )
    return f"{head}: they differ in {'; '.join(found)} (Holm over {len(rows)} traits, α = {alpha})."


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
        text += (
            f" Off it, each costing more than a frontier model that scored at least as high here: {' · '.join(off)};"
            " whether those accuracy gaps are real is read by the McNemar tests above, not from the dots."
        )
    text += (
        " Seconds count every transformer training run a result needed (notebook 04's learning-rate runs, 05's"
        " search, an ensemble's members); a classical model's seconds are its final fit's, not 02's search over C."
    )
    return text + _machines_text(table)


def _machines_text(table: pd.DataFrame) -> str:
    """Where the records name more than one CPU class for their seconds, which models ran on which: a ratio across
    them mixes the set-up with the machine."""
    if "cpu" not in table or table["cpu"].dropna().nunique() < 2:
        return ""
    named = table.dropna(subset=["cpu"])
    groups = "; ".join(f"{cpu}: {', '.join(part['model'])}" for cpu, part in named.groupby("cpu", sort=True))
    return (
        f" The transformers' seconds come from more than one kind of CPU ({groups}), so a ratio between those"
        " groups mixes the set-up with the machine."
    )


def error_balance_text(paired: pd.DataFrame, names: dict[str, str], alpha: float = ALPHA) -> str:
    """Every model read the same way: does it call positive reviews negative more often than the reverse? Each
    model's two kinds of error, an exact binomial test of an even split, Holm over the models."""
    rows = [(key, error_balance(paired["label"], paired[f"{key}:pred"])) for key in names]
    adjusted = holm([balance["p_value"] for _, balance in rows])
    parts, leaning = [], []
    for (key, balance), q in zip(rows, adjusted, strict=True):
        parts.append(f"{names[key]} {balance['pos_as_neg']} / {balance['neg_as_pos']}")
        if q < alpha and balance["pos_as_neg"] != balance["neg_as_pos"]:
            side = "negative" if balance["pos_as_neg"] > balance["neg_as_pos"] else "positive"
            leaning.append(f"{names[key]} leans {side} (Holm p = {p_text(q)})")
    head = "Positive reviews called negative / negative reviews called positive: " + "; ".join(parts) + "."
    rule = f"exact binomial, Holm over {len(rows)} model{'s' if len(rows) != 1 else ''}"
    if not leaning:
        return f"{head} No model's errors lean to one side beyond chance ({rule})."
    return f"{head} {sentence_start('; '.join(leaning))}; the others' errors are balanced within chance ({rule})."


def accuracy_text(table: pd.DataFrame) -> str:
    """What the accuracy figure shows: the range of the models' accuracies and which intervals are widest, and
    that which gaps are real is the paired tests' to say (``table`` from
    :func:`helpers.comparisons.comparison_table`, ``model`` holding labels)."""
    ranked = table.sort_values("accuracy", ascending=False)
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    half = ((ranked["ci95 high"] - ranked["ci95 low"]) / 2).median()
    return (
        f"The accuracies run from {bottom['accuracy']:.3f} ({bottom['model']}) to {top['accuracy']:.3f}"
        f" ({top['model']}), a spread of {100 * (top['accuracy'] - bottom['accuracy']):.1f} points; each model's"
        f" own 95% interval is about ±{100 * half:.1f} points. Overlapping bars do not mean two models are alike:"
        " they are scored on the same reviews, so the paired tests below decide which gaps are real."
    )


def learning_curve_text(curves: pd.DataFrame) -> str:
    """Per model (``curves`` from :func:`helpers.comparisons.learning_curves`): validation accuracy at the fewest
    and the most training reviews, and whether its last step up in reviews still gained. The points are read on
    the same validation reviews but the records keep accuracies only, so each step gets the widest paired
    interval the two accuracies allow (:func:`helpers.paired.widest_paired_difference`): a step it resolves is
    resolved; one it does not may still be real."""
    parts, stepped = [], False
    for label, table in curves.groupby("model", sort=False):
        table = table.sort_values("n_train")
        first, last = table.iloc[0], table.iloc[-1]
        rise = (
            f"{label} goes from {first['val_accuracy']:.3f} on {int(first['n_train']):,} reviews to"
            f" {last['val_accuracy']:.3f} on {int(last['n_train']):,}"
        )
        if len(table) < 2 or pd.isna(last.get("n_validation")):
            parts.append(rise)
            continue
        stepped = True
        before = table.iloc[-2]
        step = widest_paired_difference(
            last["val_accuracy"], before["val_accuracy"], int(last["n_validation"])
        )
        span = f"its last step, from {int(before['n_train']):,} to {int(last['n_train']):,} reviews,"
        if step.low > 0:
            parts.append(f"{rise}, and was still gaining: {span} adds {short_interval(step)}")
        elif step.high < 0:
            parts.append(f"{rise}, and lost accuracy: {span} changes it by {short_interval(step)}")
        else:
            parts.append(
                f"{rise}; {span} changes it by {short_interval(step)}, which these records cannot tell from noise"
            )
    return (
        "; ".join(parts)
        + "."
        + (
            " (Each step: points with a worst-case 95% interval. The records keep accuracies, not per-review"
            " predictions, so it assumes the two runs disagree on as many reviews as their accuracies allow; it"
            ' errs towards "cannot tell".)'
            if stepped
            else ""
        )
    )


def calibration_table(paired: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Every model's P(positive) read the way notebook 03 reads the zero-shot model's: expected calibration error,
    Brier score, mean P(positive) against the positive share (models without probabilities are left out)."""
    rows = {}
    for key, label in names.items():
        p_pos = paired[f"{key}:p_pos"]
        if p_pos.isna().any():
            continue
        summary = calibration_summary(paired["label"], p_pos, paired[f"{key}:pred"])
        rows[label] = {
            "ECE": summary["ece"],
            "Brier": summary["brier"],
            "mean P(positive)": summary["mean_p_pos"],
            "positive share": summary["positive_share"],
        }
    return pd.DataFrame(rows).T


def calibration_text(table: pd.DataFrame, paired: pd.DataFrame, names: dict[str, str]) -> str:
    """Which models' probabilities can be taken at face value (ECE at most ECE_CALIBRATED), which cannot, and
    which models share one set of probabilities (a moved threshold changes decisions, not confidence)."""
    calibrated = [m for m, row in table.iterrows() if row["ECE"] <= ECE_CALIBRATED]
    off = [f"{m} (ECE {row['ECE']:.3f})" for m, row in table.iterrows() if row["ECE"] > ECE_CALIBRATED]
    text = (
        f"Roughly calibrated (expected calibration error at most {ECE_CALIBRATED}): "
        + (" · ".join(calibrated) if calibrated else "none")
        + ". Not to be taken at face value: "
        + (" · ".join(off) if off else "none")
        + "."
    )
    keys = [k for k in names if names[k] in table.index]
    shared = [
        (names[a], names[b])
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
        if np.allclose(paired[f"{a}:p_pos"], paired[f"{b}:p_pos"])
    ]
    for a, b in shared:
        text += (
            f" {sentence_start(a)} and {b} share their probabilities: a moved threshold changes decisions, not"
            " confidence."
        )
    return text


def negative_precision_text(paired: pd.DataFrame, before: str, after: str, names: dict[str, str]) -> str:
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


def flips_text(change: str, fixed, broken, true_labels: pd.Series) -> str:
    """How many reviews a ``change`` fixed and broke, each split by true class, in one sentence."""

    def by_class(ids) -> str:
        labels = true_labels.loc[list(ids)]
        neg, pos = int((labels == 0).sum()), int((labels == 1).sum())
        if not len(ids):
            return ""
        if len(ids) == 1:
            return f" (a {'negative' if neg else 'positive'} review)"
        if not pos or not neg:
            return f" (all {len(ids)} {'negative' if neg else 'positive'})"
        return f" ({pos} positive, {neg} negative)"

    reviews = "review" if len(fixed) == 1 else "reviews"
    text = (
        f"{change} fixed {len(fixed)} {reviews}{by_class(fixed)} and broke {len(broken)}{by_class(broken)}."
    )
    fixed_classes, broken_classes = set(true_labels.loc[list(fixed)]), set(true_labels.loc[list(broken)])
    if len(fixed_classes) == len(broken_classes) == 1 and fixed_classes != broken_classes:
        toward = "positive" if fixed_classes == {1} else "negative"
        text += (
            f" Every change goes one way, as a shift of the decision boundary toward {toward} would make it."
        )
    return text


def cautions_text(
    table: pd.DataFrame, results: dict[str, tuple[dict[str, Any], pd.DataFrame]], seed: int
) -> str:
    """The paragraph that says how far a comparison table can be read: its sample size, which models are
    stand-ins, and that one seed was run."""
    half_width = ((table["ci95 high"] - table["ci95 low"]) / 2).median()
    kinds = {r.get("model_source", {}).get("kind") for r, _ in results.values()}
    kinds |= {r.get("base_model_source", {}).get("kind") for r, _ in results.values()}
    parts = [
        f"Read them with these cautions. **n:** with {int(table['n'].median()):,} reviews a 95% interval is about "
        f"±{100 * half_width:.1f} points; smaller differences need the paired test, not a glance at two accuracies."
    ]
    if kinds & {"standin", "tiny"}:
        parts.append(
            "**Stand-in, not DistilBERT:** the transformer rows come from the "
            + ("offline MiniLM stand-in" if "standin" in kinds else "smoke profile's tiny model")
            + "; they test the study's *design* (an SST-2 model, zero-shot, then fine-tuned on IMDB), not its"
            " checkpoint's numbers."
        )
    classical = results.get(catalog.TFIDF, ({}, None))[0]
    trained = [
        f"{short_label(record)} from {record['n_train']:,} reviews cut to {record.get('train_max_length', '?')}"
        f" tokens ({TRUNCATION_NAMES.get(record.get('train_truncation') or record.get('truncation'), '?')})"
        for key in (catalog.FINE_TUNED, catalog.TUNED)
        if key in results and (record := results[key][0]).get("n_train")
    ]
    if trained and classical.get("n_train"):
        parts.append(
            f"**Not the same training data:** the classical models learned from {classical['n_train']:,} whole"
            f" reviews, {' and '.join(trained)}."
        )
    parts.append(
        f"**One seed:** every model here was trained with seed {seed} on one sample; notebook 04's comparison varies"
        " the learning rate, not the seed, so how much the fine-tuned numbers move with the seed is not measured in"
        " this run."
    )
    return "\n".join(parts)


def ensemble_text(results: Results, record: dict[str, Any] | None, profile: str) -> str:
    """06's ensemble: its members, how they were chosen and its accuracy."""
    from helpers.ensemble import CLASSICAL_CANDIDATES, TRANSFORMER

    if record is None:
        return f"No `{TRANSFORMER}` results in `results/{profile}/`: run notebook 04 first for the ensemble."
    transformer, classical = (short_label(results[key][0]) for key in record["members"])
    candidates = " and ".join(catalog.BY_KEY[key].role for key in CLASSICAL_CANDIDATES)
    return (
        f"Members: {transformer}, named in advance (notebook 04's model, whose settings are the series' default),"
        f" and {classical}, the better of {candidates} on validation accuracy. "
        f"**{record['label']}**: accuracy {record['accuracy']:.3f} on {record['n']:,} reviews."
    )
