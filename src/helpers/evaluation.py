"""Statistics: accuracy with Wilson CIs, McNemar's test, Holm's adjustment, calibration, a validation-chosen
threshold, the Pareto frontier; and rates per class and per length bucket on paired predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import classification_report, confusion_matrix
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from helpers.labels import LABEL_NAMES


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (better than the normal interval near 0 or 1 and for small n):
    SciPy's ``binomtest(successes, n).proportion_ci(method="wilson")``."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def accuracy_with_ci(y_true: Sequence[int], y_pred: Sequence[int], confidence: float = 0.95):
    """``(accuracy, (low, high))`` with a Wilson interval."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"need two equal, non-empty label arrays (got {y_true.shape} and {y_pred.shape})")
    correct = int((y_true == y_pred).sum())
    return correct / y_true.size, wilson_interval(correct, y_true.size, confidence)


def mcnemar_test(y_true, pred_a, pred_b, exact: bool | None = None) -> dict[str, Any]:
    """McNemar's test on paired predictions (statsmodels' ``mcnemar``): ``b`` counts reviews only A gets right, ``c``
    those only B gets right; exact when ``b + c < 25`` (or ``exact=True``), else chi-squared with continuity
    correction; no discordant pair is p = 1."""
    y_true, pred_a, pred_b = (np.asarray(x) for x in (y_true, pred_a, pred_b))
    if not (y_true.shape == pred_a.shape == pred_b.shape):
        raise ValueError("y_true, pred_a and pred_b must be paired (same length)")
    a_right, b_right = pred_a == y_true, pred_b == y_true
    b = int((a_right & ~b_right).sum())
    c = int((~a_right & b_right).sum())
    exact = (b + c) < 25 if exact is None else exact
    if b + c == 0:
        p_value, statistic = 1.0, 0.0
    else:
        result = mcnemar([[0, b], [c, 0]], exact=exact, correction=True)
        p_value, statistic = result.pvalue, result.statistic
    return {
        "only_a_right": b,
        "only_b_right": c,
        "statistic": float(statistic),
        "p_value": float(p_value),
        "method": "exact binomial" if exact else "chi-squared, continuity-corrected",
    }


def error_balance(y_true, y_pred) -> dict[str, Any]:
    """Are a model's errors one-sided? Positive reviews called negative (``pos_as_neg``) against negative reviews
    called positive (``neg_as_pos``), with the exact two-sided binomial p-value of an even split: a model that
    leans towards one class makes far more errors of one kind than of the other."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    pos_as_neg = int(((y_true == 1) & (y_pred == 0)).sum())
    neg_as_pos = int(((y_true == 0) & (y_pred == 1)).sum())
    errors = pos_as_neg + neg_as_pos
    p_value = 1.0 if errors == 0 else float(stats.binomtest(pos_as_neg, errors, 0.5).pvalue)
    return {"pos_as_neg": pos_as_neg, "neg_as_pos": neg_as_pos, "p_value": p_value}


def calibration_bins(y_true, p_pos, n_bins: int = 10) -> pd.DataFrame:
    """Reviews binned by predicted P(positive) in ``n_bins`` equal-width bins (1.0 falls in the last): per bin its
    edges, ``n``, the mean predicted P(positive) and the observed share of positive reviews (NaN when empty).
    The one binning of the series: the reliability diagram draws it and :func:`calibration_summary` sums it."""
    y_true, p_pos = np.asarray(y_true, dtype=float), np.asarray(p_pos, dtype=float)
    if y_true.shape != p_pos.shape or y_true.size == 0:
        raise ValueError("y_true and p_pos must be two equal, non-empty arrays")
    if np.any((p_pos < 0) | (p_pos > 1)):
        raise ValueError("p_pos must lie in [0, 1]")
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(p_pos, edges[1:-1]), 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(which, weights=p_pos, minlength=n_bins) / counts
        observed = np.bincount(which, weights=y_true, minlength=n_bins) / counts
    return pd.DataFrame(
        {"low": edges[:-1], "high": edges[1:], "n": counts, "mean p": mean_p, "observed": observed}
    )


def calibration_summary(y_true, p_pos, y_pred=None, n_bins: int = 10) -> dict[str, Any]:
    """How far P(positive) can be trusted: the expected calibration error over :func:`calibration_bins` (the
    review-weighted mean of |observed − predicted|), the Brier score, the mean predicted P(positive) against the
    share of positive reviews (their difference, ``lean``, > 0 when reviews are positive more often than the model
    says: a lean towards negative), the bin furthest off the diagonal, and :func:`error_balance` of ``y_pred``
    (default: P(positive) ≥ 0.5)."""
    y_true, p_pos = np.asarray(y_true, dtype=float), np.asarray(p_pos, dtype=float)
    bins = calibration_bins(y_true, p_pos, n_bins)
    filled = bins[bins["n"] > 0]
    gaps = filled["observed"] - filled["mean p"]
    worst = filled.loc[gaps.abs().idxmax()]
    y_pred = (p_pos >= 0.5).astype(int) if y_pred is None else np.asarray(y_pred)
    return {
        "n": int(y_true.size),
        "n_bins": n_bins,
        "ece": float((filled["n"] * gaps.abs()).sum() / filled["n"].sum()),
        "brier": float(np.mean((p_pos - y_true) ** 2)),
        "mean_p_pos": float(p_pos.mean()),
        "mean_confidence": float(np.maximum(p_pos, 1 - p_pos).mean()),
        "positive_share": float(y_true.mean()),
        "lean": float(y_true.mean() - p_pos.mean()),
        "worst_bin": {k: float(worst[k]) for k in ("low", "high", "n", "mean p", "observed")},
        "errors": error_balance(y_true.astype(int), y_pred),
    }


def choose_threshold(y_true, p_pos) -> dict[str, Any]:
    """The decision threshold on P(positive) with the best accuracy on these (validation) reviews: candidates are
    the midpoints between consecutive distinct scores and 0.5; ties go to the threshold nearest 0.5. Returns the
    threshold and the accuracy at it and at 0.5."""
    y_true, p_pos = np.asarray(y_true), np.asarray(p_pos, dtype=float)
    scores = np.unique(p_pos)
    candidates = np.unique(np.concatenate([[0.5], (scores[1:] + scores[:-1]) / 2]))
    accuracy = np.array([((p_pos >= t).astype(int) == y_true).mean() for t in candidates])
    best = np.flatnonzero(accuracy == accuracy.max())
    index = best[np.argmin(np.abs(candidates[best] - 0.5))]
    return {
        "threshold": float(candidates[index]),
        "accuracy": float(accuracy[index]),
        "accuracy_at_0.5": float(((p_pos >= 0.5).astype(int) == y_true).mean()),
        "n": int(y_true.size),
    }


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values (``statsmodels.stats.multitest.multipletests(method="holm")``): compare them with
    α to keep the chance of any false "the models differ" among all the tests at α."""
    p_values = np.asarray(p_values, dtype=float)
    if p_values.size == 0:
        return p_values
    return multipletests(p_values, method="holm")[1]


def pareto_frontier(cost: Sequence[float], accuracy: Sequence[float]) -> np.ndarray:
    """Which points no other point beats: none is at least as cheap and at least as accurate while being
    strictly better in one of the two (a boolean mask, in the input order)."""
    cost, accuracy = np.asarray(cost, dtype=float), np.asarray(accuracy, dtype=float)
    keep = np.ones(cost.size, dtype=bool)
    for i in range(cost.size):
        better = (cost <= cost[i]) & (accuracy >= accuracy[i]) & ((cost < cost[i]) | (accuracy > accuracy[i]))
        keep[i] = not better.any()
    return keep


def summarise_predictions(y_true, y_pred) -> dict[str, Any]:
    """Accuracy + CI, macro F1, scikit-learn's classification report (dict form) and the confusion matrix."""
    accuracy, ci = accuracy_with_ci(y_true, y_pred)
    report = classification_report(
        y_true, y_pred, labels=[0, 1], target_names=list(LABEL_NAMES), output_dict=True, zero_division=0
    )
    return {
        "n": int(len(y_true)),
        "accuracy": float(accuracy),
        "accuracy_ci95": [float(ci[0]), float(ci[1])],
        "macro_f1": float(report["macro avg"]["f1-score"]),
        "classification_report": report,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist(),
    }


def print_report(y_true, y_pred, title: str = "") -> None:
    """The study's layout: scikit-learn's text classification report, headed by accuracy and its CI."""
    accuracy, (low, high) = accuracy_with_ci(y_true, y_pred)
    if title:
        print(title)
    print(f"accuracy {accuracy:.4f}  (95% CI {low:.4f}–{high:.4f}, n={len(y_true):,})\n")
    print(
        classification_report(
            y_true, y_pred, labels=[0, 1], target_names=list(LABEL_NAMES), digits=2, zero_division=0
        )
    )


def accuracy_by_bucket(paired: pd.DataFrame, buckets: pd.Series, keys: list[str]) -> pd.DataFrame:
    """Accuracy of each model within each bucket (e.g. review length), with the bucket's size."""
    rows = []
    for bucket, index in paired.groupby(buckets.reindex(paired.index), observed=True).groups.items():
        part = paired.loc[index]
        for key in keys:
            correct = int((part[f"{key}:pred"] == part["label"]).sum())
            low, high = wilson_interval(correct, len(part))
            rows.append(
                {
                    "bucket": bucket,
                    "model": key,
                    "n": len(part),
                    "accuracy": correct / len(part),
                    "ci95 low": low,
                    "ci95 high": high,
                }
            )
    return pd.DataFrame(rows)


def class_rates(paired: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per model (columns ``<name>:pred`` beside ``label``): accuracy, recall on each class and the share of reviews
    predicted positive; one column per model."""
    y = paired["label"]
    return pd.DataFrame(
        {
            name: {
                "accuracy": (paired[f"{name}:pred"] == y).mean(),
                "recall neg": ((paired[f"{name}:pred"] == 0) & (y == 0)).sum() / (y == 0).sum(),
                "recall pos": ((paired[f"{name}:pred"] == 1) & (y == 1)).sum() / (y == 1).sum(),
                "predicted pos share": (paired[f"{name}:pred"] == 1).mean(),
            }
            for name in names
        }
    )
