"""The wording every reading shares: a difference in points with its paired interval, the series' verdict on a
pair, a share with its interval, and the study's number against ours with both samples' error."""

from __future__ import annotations

from helpers.evaluation import mcnemar_test
from helpers.paired import Difference, Gap, Share, Verdict, paired_difference
from helpers.tables import p_text


def points(value: float) -> str:
    """An accuracy difference in percentage points, signed: ``+1.9 points``."""
    return f"{100 * value:+.1f} points"


def paired_interval(diff: Difference) -> str:
    """``+1.9 points, 95% paired interval +0.8 to +3.0``: the difference on the same reviews and its interval
    (per pair: a verdict over many pairs is Holm's, see :func:`verdict_text`)."""
    return f"{points(diff.value)}, 95% paired interval {100 * diff.low:+.1f} to {100 * diff.high:+.1f}"


def short_interval(diff: Difference) -> str:
    """``+2.5 points (+1.2 to +3.9)``, where the sentence has said what the interval is."""
    return f"{points(diff.value)} ({100 * diff.low:+.1f} to {100 * diff.high:+.1f})"


def verdict_text(verdict: Verdict, names: dict[str, str], alpha: float = 0.05) -> str:
    """One pair read by the series' rule: which is more accurate and by how much, or that they cannot be told
    apart, saying so when the pair alone would look different but the series' many comparisons do not allow it."""
    diff, more, less = verdict.difference, names[verdict.more], names[verdict.less]
    n = verdict.n_pairs
    holm = f"Holm-adjusted over the series' {n} {'pair' if n == 1 else 'pairs'}: p = {p_text(verdict.holm_p_value)}"
    numbers = (
        f"{diff.a:.3f} against {diff.b:.3f}, {paired_interval(diff)}; McNemar p = {p_text(verdict.p_value)}"
    )
    if verdict.told_apart:
        return f"{more} is more accurate than {less} ({numbers}; {holm})"
    if verdict.p_value < alpha or diff.excludes_zero:
        return (
            f"{more} and {less} cannot be told apart once the series' {n} comparisons are counted: alone the pair"
            f" looks different ({numbers}), but {holm}"
        )
    return f"{more} and {less} cannot be told apart ({numbers}; {holm})"


def sentence_start(text: str) -> str:
    """``text`` with its first letter capitalised, for a sentence that opens with a model's label."""
    return text[:1].upper() + text[1:]


def pair_text(label_a: str, label_b: str, y_true, pred_a, pred_b, series_pair: bool = True) -> str:
    """Two models on the same reviews, read before notebook 06 can weigh them against the series' other pairs
    (``series_pair``; else one planned test of its own): the difference with its paired interval and McNemar's
    unadjusted p, and no verdict."""
    diff = paired_difference(y_true, pred_a, pred_b)
    test = mcnemar_test(y_true, pred_a, pred_b)
    reading = "larger than" if diff.excludes_zero else "within"
    return (
        f"{sentence_start(label_a)} {diff.a:.3f} against {label_b} {diff.b:.3f} on the same {diff.n:,} reviews:"
        f" {paired_interval(diff)}, {reading} these reviews' noise ({test['only_a_right']} reviews only"
        f" {label_a} gets right, {test['only_b_right']} only {label_b}; McNemar p = {p_text(test['p_value'])},"
        + (
            " unadjusted; notebook 06 weighs it among the series' pairs)"
            if series_pair
            else " unadjusted: one planned test)"
        )
    )


def share_text(share: Share, part: str, whole: str) -> str:
    """How much of a gain (``whole``) a cheaper change (``part``) recovers, with its interval, or why it has none."""
    if share.value is None:
        return f"there is nothing for {part} to recover: {whole} is {points(share.gain.value)}"
    gain = paired_interval(share.gain)
    if share.low is None:
        return (
            f"{whole} ({gain}) cannot be told from zero, so the share {part} recovers ({share.value:.0%} as"
            " measured) has no bound"
        )
    return (
        f"{part} recovers {share.value:.0%} (95% interval {share.low:.0%} to {share.high:.0%}) of {whole}"
        f" ({gain}): {_share_bounds(share)}"
    )


def _share_bounds(share: Share) -> str:
    """A share's interval in words: whether it rules out none, or all, of the gain."""
    if share.low > 0 and share.high >= 1:
        return f"at least {share.low:.0%} of it, and possibly all"
    if share.low <= 0 and share.high < 1:
        return f"possibly none of it, and at most {share.high:.0%}"
    if share.low <= 0:
        return "anywhere from none of it to all"
    return "some of it, but not all"


def study_gap_text(gap: Gap, study_model: str, label: str, same_model: bool) -> str:
    """The study's number against ours, each on its own 1,000 reviews. Only the same model can agree or differ
    with the study; a different model's gap measures that model, never the study."""
    numbers = (
        f"the study's {study_model} {gap.second:.2f}, {label} {gap.first:.3f} here: {points(gap.first - gap.second)}"
        f" (95% interval {100 * gap.low:+.1f} to {100 * gap.high:+.1f}, both samples' error)"
    )
    if not same_model:
        return f"{numbers}; {label} is a different model, so the gap measures it, not the study"
    if gap.within_sampling_error:
        return f"{numbers}: within the two samples' error, consistent with the study"
    return f"{numbers}: outside the two samples' error, so this run does not reproduce the study's number"


def answer(readings: dict[str, str]) -> str:
    """A notebook's answer: each section's reading again, as bullets under its name."""
    return "\n".join(
        f"- **{name.rstrip('.')}{'' if name.endswith('?') else '.'}** {reading}"
        for name, reading in readings.items()
    )
