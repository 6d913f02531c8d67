"""Differences read the way a reviewer signs them: a difference between two models on the same reviews gets a paired
interval (bootstrap over reviews), a share of a gain carries its interval from the same resamples, the series'
one rule for "better" (Holm over the series' pairs), and the study's numbers set against their own sampling
error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from helpers.comparisons import pairwise_mcnemar
from helpers.results_files import paired_predictions

ALPHA = 0.05
N_RESAMPLES = 10_000
SEED = 0


def _correct(y_true, *preds) -> list[np.ndarray]:
    y_true = np.asarray(y_true)
    arrays = [np.asarray(p) for p in preds]
    if y_true.size == 0 or any(a.shape != y_true.shape for a in arrays):
        raise ValueError("paired predictions need the same, non-empty set of reviews")
    return [(a == y_true).astype(np.float64) for a in arrays]


def resampled_accuracies(correct: Sequence[np.ndarray], n_resamples: int = N_RESAMPLES, seed: int = SEED):
    """Each model's accuracy on ``n_resamples`` bootstrap resamples of the reviews, the same resamples for every
    model (so differences and shares keep their pairing): an array of shape (models, resamples)."""
    n = len(correct[0])
    rng = np.random.default_rng(seed)
    stacked = np.stack(correct)
    out = np.empty((len(correct), n_resamples))
    for start in range(0, n_resamples, 1_000):
        stop = min(start + 1_000, n_resamples)
        counts = rng.multinomial(n, np.full(n, 1 / n), size=stop - start)  # how often each review is drawn
        out[:, start:stop] = stacked @ counts.T / n
    return out


@dataclass(frozen=True)
class Difference:
    """Accuracy of A minus accuracy of B on the same reviews, with its paired 95% interval (in accuracy units)."""

    a: float
    b: float
    low: float
    high: float
    n: int

    @property
    def value(self) -> float:
        return self.a - self.b

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def paired_difference(y_true, pred_a, pred_b, confidence: float = 0.95, seed: int = SEED) -> Difference:
    """A's accuracy minus B's on the same reviews, with a percentile bootstrap interval over reviews."""
    correct = _correct(y_true, pred_a, pred_b)
    boot = resampled_accuracies(correct, seed=seed)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(boot[0] - boot[1], [tail, 100 - tail])
    return Difference(
        float(correct[0].mean()), float(correct[1].mean()), float(low), float(high), len(correct[0])
    )


def widest_paired_difference(acc_a: float, acc_b: float, n: int, confidence: float = 0.95) -> Difference:
    """A's accuracy minus B's on the same ``n`` reviews when only the two accuracies are known (a record without
    per-review predictions): the paired normal interval at the most disagreement the two accuracies allow, so at
    least as wide as the interval the predictions themselves would give. If even it excludes zero, so would they."""
    from scipy.stats import norm

    only_a = min(acc_a, 1 - acc_b)  # reviews A gets right and B wrong, as many as possible
    only_b = only_a - (acc_a - acc_b)
    half = norm.ppf(0.5 + confidence / 2) * np.sqrt(max(0.0, only_a + only_b - (acc_a - acc_b) ** 2) / n)
    return Difference(acc_a, acc_b, acc_a - acc_b - half, acc_a - acc_b + half, n)


@dataclass(frozen=True)
class Share:
    """How much of a gain (``base`` → ``full``) a cheaper change (``base`` → ``part``) recovers, with a 95% interval
    from the same resamples; ``low``/``high`` are None when the gain itself cannot be told from zero (the share
    then has no bound), ``value`` is None when there is no gain."""

    value: float | None
    low: float | None
    high: float | None
    gain: Difference


def recovered_share(
    y_true, pred_base, pred_part, pred_full, confidence: float = 0.95, seed: int = SEED
) -> Share:
    """(part − base) / (full − base) in accuracy, on the same reviews, with its bootstrap interval."""
    base, part, full = _correct(y_true, pred_base, pred_part, pred_full)
    boot = resampled_accuracies([base, part, full], seed=seed)
    tail = 100 * (1 - confidence) / 2
    gain_boot = boot[2] - boot[0]
    low_gain, high_gain = np.percentile(gain_boot, [tail, 100 - tail])
    gain = Difference(float(full.mean()), float(base.mean()), float(low_gain), float(high_gain), len(base))
    value = None if gain.value <= 0 else float((part.mean() - base.mean()) / gain.value)
    if value is None or low_gain <= 0:
        return Share(value, None, None, gain)
    low, high = np.percentile((boot[1] - boot[0]) / gain_boot, [tail, 100 - tail])
    return Share(value, float(low), float(high), gain)


@dataclass(frozen=True)
class Verdict:
    """The series' answer for one pair: ``more`` is the model right on more of the reviews, ``told_apart`` whether
    the series' rule says it is the more accurate; ``difference`` is ``more`` minus ``less``."""

    more: str
    less: str
    told_apart: bool
    p_value: float
    holm_p_value: float
    n_pairs: int  # the pairs Holm's adjustment runs over
    difference: Difference

    @property
    def winner(self) -> str | None:
        return self.more if self.told_apart else None


@dataclass(frozen=True)
class SeriesComparisons:
    """Every pair of the series' models on the same reviews: McNemar with Holm over all pairs
    (:func:`helpers.comparisons.pairwise_mcnemar`) and one set of bootstrap resamples for their paired intervals."""

    tests: pd.DataFrame
    paired: pd.DataFrame
    resampled: dict[str, np.ndarray]  # model key → its accuracy on each resample of the reviews

    def verdict(self, a: str, b: str, alpha: float = ALPHA) -> Verdict:
        """The one rule for "better" across the series: a pair is told apart when its McNemar p, Holm-adjusted
        over every pair, is below ``alpha``; the paired interval says by how much."""
        tests = self.tests
        row = tests[
            ((tests["model A"] == a) & (tests["model B"] == b))
            | ((tests["model A"] == b) & (tests["model B"] == a))
        ]
        if row.empty:
            raise KeyError(f"no McNemar test for the pair {a} / {b}")
        row = row.iloc[0]
        first, second = row["model A"], row["model B"]
        if row["only A right"] < row["only B right"]:
            first, second = second, first
        told_apart = row["Holm p value"] < alpha and row["only A right"] != row["only B right"]
        low, high = np.percentile(self.resampled[first] - self.resampled[second], [2.5, 97.5])
        label = self.paired["label"]
        accuracy = {k: float((self.paired[f"{k}:pred"] == label).mean()) for k in (first, second)}
        diff = Difference(accuracy[first], accuracy[second], float(low), float(high), len(label))
        return Verdict(
            first,
            second,
            bool(told_apart),
            float(row["p value"]),
            float(row["Holm p value"]),
            len(tests),
            diff,
        )

    def table(self, names: dict[str, str], alpha: float = ALPHA) -> pd.DataFrame:
        """One row per pair, the more accurate model first: the difference in points with its paired 95%
        interval, the discordant reviews, McNemar's p and Holm's, and the series' verdict."""
        rows = []
        for a, b, only_a, only_b in self.tests[
            ["model A", "model B", "only A right", "only B right"]
        ].itertuples(index=False):
            v = self.verdict(a, b, alpha)
            if v.more != a:
                only_a, only_b = only_b, only_a
            rows.append(
                {
                    "model A": names[v.more],
                    "model B": names[v.less],
                    "points": f"{100 * v.difference.value:+.1f}",
                    "95% paired interval (this pair alone)": f"{100 * v.difference.low:+.1f} to {100 * v.difference.high:+.1f}",
                    "only A right": only_a,
                    "only B right": only_b,
                    "p value": v.p_value,
                    "Holm p value": v.holm_p_value,
                    "told apart": "yes" if v.told_apart else "no",
                }
            )
        return pd.DataFrame(rows)


def series_comparisons(results, seed: int = SEED) -> SeriesComparisons:
    """McNemar for every pair of ``results`` (Holm over all of them) and their paired bootstrap resamples."""
    paired = paired_predictions(results)
    keys = list(results)
    correct = _correct(paired["label"], *(paired[f"{k}:pred"] for k in keys))
    resampled = dict(zip(keys, resampled_accuracies(correct, seed=seed), strict=True))
    return SeriesComparisons(pairwise_mcnemar(results), paired, resampled)


@dataclass(frozen=True)
class Gap:
    """One accuracy minus another measured on different reviews, with a 95% interval that carries both samples'
    error (Newcombe's hybrid score interval for two independent proportions)."""

    first: float
    second: float
    low: float
    high: float

    @property
    def within_sampling_error(self) -> bool:
        return self.low <= 0 <= self.high


def independent_gap(correct_1: int, n_1: int, correct_2: int, n_2: int) -> Gap:
    """``correct_1 / n_1`` minus ``correct_2 / n_2``, two samples of different reviews."""
    if min(n_1, n_2) <= 0:
        raise ValueError("both samples need at least one review")
    low, high = confint_proportions_2indep(correct_1, n_1, correct_2, n_2, method="newcomb", compare="diff")
    return Gap(correct_1 / n_1, correct_2 / n_2, float(low), float(high))


def study_gap(correct: int, n: int, study_accuracy: float, study_n: int) -> Gap:
    """Our ``correct`` of ``n`` against the study's ``study_accuracy`` on its own ``study_n`` reviews."""
    return independent_gap(correct, n, round(study_accuracy * study_n), study_n)
