"""Notebook 03's readings of the zero-shot model: the reviews and the model, how long the reviews are in its word
pieces, which tokens of a long review to keep, whether its confidence can be trusted, its surest mistakes, and the
threshold chosen on validation. A difference on the same reviews gets a paired interval and an unadjusted p that
says so; whether one model is "better" than another is notebook 06's call, among the series' other comparisons."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.evaluation import mcnemar_test, wilson_interval
from helpers.paired import ALPHA, independent_gap, paired_difference
from helpers.story.data import share_text
from helpers.story.phrases import pair_text, paired_interval, points, sentence_start
from helpers.tables import p_text
from helpers.tokens import TRUNCATION_NAMES

STRATEGY_NAMES = TRUNCATION_NAMES  # notebook 03 names its strategies' rows through this module
ECE_CALIBRATED = 0.05  # a binned calibration error at most this is "roughly calibrated"
SST2_DISTILBERT = 0.913  # DistilBERT SST-2's reported accuracy on the SST-2 validation split (its model card)


def sample_text(frame: pd.DataFrame, source, what: str = "test reviews") -> str:
    """``1,000 test reviews (500 negative, 500 positive). Data: …``: a sample and where it came from."""
    counts = np.bincount(np.asarray(frame["label"]), minlength=2)
    return f"{len(frame):,} {what} ({counts[0]:,} negative, {counts[1]:,} positive). **Data:** {source}."


def model_text(label: str, source, id2label: dict, label_map: dict, standin: dict | None) -> str:
    """Which model this is, where it came from (for the stand-in, with its SST-2 validation accuracy), how its
    labels map to IMDB's, and for the stand-in what the model it stands in for reports on the same sentences."""
    text = f"**Model ({label}):** {source}. Its labels, mapped by name: {id2label} → IMDB {label_map}."
    if standin:
        text += (
            f" The model it stands in for, DistilBERT SST-2, reports {SST2_DISTILBERT} on the same SST-2"
            " validation sentences."
        )
    return text


def cut_text(by_length: pd.DataFrame) -> str:
    """Is it the cut or the length? The longest bucket (the reviews the window cuts) against the one below it
    (long reviews read whole): two groups of different reviews, so an interval for two independent samples."""
    order = list(dict.fromkeys(by_length["bucket"]))
    if len(order) < 3:
        return "Too few length buckets to set the cut reviews against long ones read whole."
    cut, whole = order[-1], order[-2]
    rows = by_length.set_index("bucket")
    gap = _bucket_gap(by_length, cut, whole)
    numbers = (
        f"The {int(rows.loc[cut, 'n']):,} reviews the window cuts ({cut}) score {gap.first:.3f} and the"
        f" {int(rows.loc[whole, 'n']):,} long reviews it reads whole ({whole}) {gap.second:.3f}:"
        f" {points(gap.first - gap.second)} (95% interval {100 * gap.low:+.1f} to {100 * gap.high:+.1f}, two"
        " samples of different reviews)"
    )
    if gap.within_sampling_error:
        return numbers + ". Within the noise: what these reviews show is a cost of length, not of the cut."
    worse = "lower" if gap.first < gap.second else "higher"
    return numbers + f". The cut reviews score {worse} beyond the noise: the cut itself matters."


def _bucket_gap(by_length: pd.DataFrame, first: str, second: str):
    rows = by_length.set_index("bucket")
    a, b = rows.loc[first], rows.loc[second]
    return independent_gap(
        round(a["accuracy"] * a["n"]), int(a["n"]), round(b["accuracy"] * b["n"]), int(b["n"])
    )


def obstacles_text(by_length: pd.DataFrame, y_true, before, after) -> str:
    """Which of the question's candidates stands in the model's way, each decided by its own reading: the
    longest bucket against the shortest (length), against the one below it (the cut), and the test predictions at
    the validation's threshold (``after``) against those at 0.5 (``before``), a paired difference."""
    order = list(dict.fromkeys(by_length["bucket"]))
    threshold_diff = paired_difference(y_true, after, before)
    found = []
    if threshold_diff.low > 0:
        found.append(
            f"where it draws the line (a threshold chosen on validation moves it {points(threshold_diff.value)})"
        )
    cut = _bucket_gap(by_length, order[-1], order[-2]) if len(order) >= 3 else None
    if cut is not None and not cut.within_sampling_error:
        side = "lower" if cut.first < cut.second else "higher"
        found.append(f"the 512-token window (the reviews it cuts score {side} than long ones read whole)")
    elif (
        len(order) >= 2 and not (length := _bucket_gap(by_length, order[-1], order[0])).within_sampling_error
    ):
        side = "lower" if length.first < length.second else "higher"
        found.append(
            f"length, not the window (the longest reviews score {side} than the shortest, but no differently"
            " from long ones read whole)"
        )
    if not found:
        return "None of these is resolved on these reviews: what stands in its way is not shown here."
    count = "One thing does" if len(found) == 1 else "Two things do"  # the line, and the window or length
    return f"{count} on these reviews: " + "; and ".join(found) + "."


def lengths_text(lengths: np.ndarray, budget: int) -> str:
    """The reviews' lengths in word pieces and the share the window cuts, with its interval."""
    n_long = int((np.asarray(lengths) > budget).sum())
    return (
        f"Median {np.median(lengths):.0f} word pieces, 90th percentile {np.percentile(lengths, 90):.0f}, longest"
        f" {int(np.max(lengths)):,}. {n_long:,} of {len(lengths):,} reviews, {share_text(n_long, len(lengths))},"
        f" are longer than the {budget} word pieces the model reads, so the truncation strategy decides what it"
        " sees of them."
    )


def prediction_text(pred, truncation: str, max_length: int) -> str:
    """How the reviews were read: how many were cut, the window, the precision and why."""
    return (
        f"{len(pred):,} reviews read in {pred.seconds:.0f} s: {pred.n_truncated:,} cut to {max_length} tokens"
        f" ({TRUNCATION_NAMES.get(truncation, truncation)}), in {pred.precision} at batch {pred.batch_size} ({pred.precision_choice['reason']})."
    )


def truncation_text(comparison, budget: int) -> str:
    """Which tokens of a long review to keep: the two strategies on the long reviews, where alone they differ
    (a paired interval and McNemar's unadjusted p: one planned test)."""
    if not comparison.mcnemar:
        return f"No review here is longer than {budget} word pieces: both strategies read the same tokens."
    kept, other = comparison.strategies
    long_only = comparison.paired.iloc[comparison.long_idx]
    text = pair_text(
        TRUNCATION_NAMES[kept],
        TRUNCATION_NAMES[other],
        long_only["label"],
        long_only[f"{kept}:pred"],
        long_only[f"{other}:pred"],
        series_pair=False,
    )
    diff = paired_difference(long_only["label"], long_only[f"{kept}:pred"], long_only[f"{other}:pred"])
    if not diff.excludes_zero:
        ending = f"on these {diff.n:,} long reviews the choice of tokens cannot be told from noise"
    elif diff.value > 0:
        ending = f"keeping the {TRUNCATION_NAMES[kept]} reads the long reviews better"
    else:
        ending = f"keeping the {TRUNCATION_NAMES[other]} would read the long reviews better"
    return f"On the {diff.n:,} reviews longer than {budget} word pieces: {text}. So {ending}."


def calibration_text(summary: dict[str, Any], accuracy: float, alpha: float = ALPHA) -> str:
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
    n_worst = int(worst["n"])
    low, high = wilson_interval(round(worst["observed"] * n_worst), n_worst)
    worst_text = (
        f" The bin furthest off: reviews it gives P(positive) {worst['low']:.1f}–{worst['high']:.1f}"
        f" (n = {n_worst:,}) are positive {worst['observed']:.0%} of the time (95% CI {low:.0%}–{high:.0%})"
        f" against a predicted {worst['mean p']:.2f}; its mean"
        f" P(positive) is {summary['mean_p_pos']:.2f} for a positive share of {summary['positive_share']:.2f}."
    )
    if ece <= ECE_CALIBRATED and not one_sided:
        return f"**Roughly, yes:** {numbers}: small and two-sided."
    if ece <= ECE_CALIBRATED:
        return f"**Calibrated on average, but it leans {lean}:** {numbers}.{worst_text}"
    if one_sided:
        return f"**No: it leans {lean}.** {numbers}.{worst_text}"
    confidence = "over" if summary.get("mean_confidence", accuracy) > accuracy else "under"
    return f"**No: it is {confidence}-confident on both sides.** {numbers}.{worst_text}"


def confident_mistakes(review_ids, texts, y_true, pred, n: int = 5, chars: int = 220) -> pd.DataFrame:
    """The ``n`` wrong predictions the model was surest of (``pred``: :class:`helpers.inference.Predictions`)."""
    frame = pd.DataFrame(
        {
            "review_id": list(review_ids),
            "text": list(texts),
            "label": y_true,
            "pred": pred.labels,
            "p_pos": pred.p_pos,
        }
    )
    wrong = frame[frame["pred"] != frame["label"]].copy()
    wrong["confidence"] = np.where(wrong["pred"] == 1, wrong["p_pos"], 1 - wrong["p_pos"])
    wrong["excerpt"] = [t[:chars] + ("…" if len(t) > chars else "") for t in wrong["text"]]
    top = wrong.sort_values("confidence", ascending=False).head(n)
    return top[["review_id", "label", "pred", "p_pos", "excerpt"]].round({"p_pos": 3})


def mistakes_text(mistakes: pd.DataFrame, n_wrong: int) -> str:
    """What the surest mistakes have in common: which way they go and how sure the model was."""
    if mistakes.empty:
        return "It makes no mistakes on these reviews."
    called_neg = int((mistakes["pred"] == 0).sum())
    surest = np.where(mistakes["pred"] == 1, mistakes["p_pos"], 1 - mistakes["p_pos"])
    way = (
        "positive reviews called negative"
        if called_neg > len(mistakes) / 2
        else "negative reviews called positive"
        if called_neg < len(mistakes) / 2
        else "split evenly between the two directions"
    )
    count = max(called_neg, len(mistakes) - called_neg)
    head = (
        f"{count} of these {len(mistakes)} are {way}"
        if "split" not in way
        else f"These {len(mistakes)} are {way}"
    )
    return (
        f"{head}, each given at least {surest.min():.1%} confidence, out of {n_wrong:,} mistakes in all. The"
        " table shows only each review's opening: read the whole review to see what a model of single sentences"
        " missed."
    )


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


def errors_text(y_true, y_pred, label: str) -> str:
    """Where the confusion matrix puts the errors: each class's recall and each direction's count."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    pos_as_neg = int(((y_true == 1) & (y_pred == 0)).sum())
    neg_as_pos = int(((y_true == 0) & (y_pred == 1)).sum())
    recall = {c: float((y_pred[y_true == c] == c).mean()) for c in (0, 1)}
    return (
        f"{sentence_start(label)} calls {pos_as_neg} positive reviews negative and {neg_as_pos} negative reviews positive"
        f" (recall {recall[0]:.3f} on negative, {recall[1]:.3f} on positive reviews). Whether that imbalance is"
        " more than chance is tested below, with the model's confidence."
    )


def accuracy_text(record: dict[str, Any], label: str) -> str:
    """A model's test accuracy with its interval and each class's recall, from its results record."""
    low, high = record["accuracy_ci95"]
    report = record["classification_report"]
    return (
        f"{sentence_start(label)} scores **{record['accuracy']:.3f}** (95% CI {low:.3f}–{high:.3f}) on {record['n']:,} test"
        f" reviews, recall {report['neg']['recall']:.3f} on negative and {report['pos']['recall']:.3f} on positive"
        " ones."
    )
