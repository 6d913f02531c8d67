"""Metrics and the results contract: accuracy with Wilson CIs, McNemar's test, atomic results files.

Results contract (``results/<profile>/``), one pair of files per model:

* ``<model_key>.json``: ``model``, ``model_key``, ``profile``, ``data_source``, ``model_source``, ``split``, ``n``,
  ``accuracy``, ``accuracy_ci95``, ``macro_f1``, ``classification_report`` (scikit-learn ``output_dict``),
  ``confusion_matrix``, ``train_seconds``, ``predict_seconds``, ``created``, and any ``extra`` fields;
* ``<model_key>_predictions.parquet``: ``review_id``, ``label``, ``pred``, ``p_pos`` per test review.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import classification_report, confusion_matrix

from helpers.labels import LABEL_NAMES
from helpers.paths import display_path, read_results_dirs, results_dir

REQUIRED_FIELDS = (
    "model",
    "model_key",
    "profile",
    "data_source",
    "model_source",
    "split",
    "n",
    "accuracy",
    "accuracy_ci95",
    "classification_report",
    "train_seconds",
    "predict_seconds",
)
PREDICTION_COLUMNS = ("review_id", "label", "pred", "p_pos")


class ResultsError(RuntimeError):
    """A results file that is missing or does not follow the contract."""


# ----------------------------------------------------------------------------------------------- statistics
def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (better than the normal interval near 0 or 1 and for small n)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def accuracy_with_ci(y_true: Sequence[int], y_pred: Sequence[int], confidence: float = 0.95):
    """``(accuracy, (low, high))`` with a Wilson interval."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"need two equal, non-empty label arrays (got {y_true.shape} and {y_pred.shape})")
    correct = int((y_true == y_pred).sum())
    return correct / y_true.size, wilson_interval(correct, y_true.size, confidence)


def mcnemar_test(y_true, pred_a, pred_b, exact: bool | None = None) -> dict[str, Any]:
    """McNemar's test on paired predictions: do models A and B have the same error rate on these reviews?

    ``b`` counts reviews only A gets right, ``c`` those only B gets right. Exact binomial test when
    ``b + c < 25`` (or ``exact=True``), otherwise the chi-squared test with continuity correction.
    """
    y_true, pred_a, pred_b = (np.asarray(x) for x in (y_true, pred_a, pred_b))
    if not (y_true.shape == pred_a.shape == pred_b.shape):
        raise ValueError("y_true, pred_a and pred_b must be paired (same length)")
    a_right, b_right = pred_a == y_true, pred_b == y_true
    b = int((a_right & ~b_right).sum())
    c = int((~a_right & b_right).sum())
    exact = (b + c) < 25 if exact is None else exact
    if b + c == 0:
        p_value, statistic = 1.0, 0.0
    elif exact:
        p_value = min(1.0, 2 * stats.binom.cdf(min(b, c), b + c, 0.5))
        statistic = float(min(b, c))
    else:
        statistic = (abs(b - c) - 1) ** 2 / (b + c)
        p_value = float(stats.chi2.sf(statistic, df=1))
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
    from statsmodels.stats.multitest import multipletests

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


# ----------------------------------------------------------------------------------------------- results files
def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder and rename it into place (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_results(
    *,
    profile: str,
    model_key: str,
    model: str,
    data_source: Any,
    model_source: Any,
    review_ids: Sequence[str],
    y_true: Sequence[int],
    y_pred: Sequence[int],
    p_pos: Sequence[float],
    train_seconds: float | None,
    predict_seconds: float,
    split: str = "test",
    extra: dict[str, Any] | None = None,
    folder: Path | None = None,
) -> dict[str, Any]:
    """Compute the metrics and write ``<model_key>.json`` and ``<model_key>_predictions.parquet`` atomically.

    ``data_source`` / ``model_source``: a :class:`helpers.data.DataSource`-like object (``as_dict()``), a dict or a
    string. Returns the JSON record.
    """
    if not model_key.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"model_key must be letters, digits, '-' and '_' (got {model_key!r})")
    lengths = {len(review_ids), len(y_true), len(y_pred), len(p_pos)}
    if len(lengths) != 1:
        raise ValueError(
            f"review_ids, y_true, y_pred and p_pos must have one length each (got {sorted(lengths)})"
        )
    if len(set(review_ids)) != len(review_ids):
        raise ValueError("review_ids must be unique")
    predictions = pd.DataFrame(
        {
            "review_id": pd.Series(list(review_ids), dtype="string"),
            "label": np.asarray(y_true, dtype=np.int64),
            "pred": np.asarray(y_pred, dtype=np.int64),
            "p_pos": np.asarray(p_pos, dtype=np.float64),
        }
    )
    record = {
        "model": model,
        "model_key": model_key,
        "profile": profile,
        "data_source": _as_dict(data_source),
        "model_source": _as_dict(model_source),
        "split": split,
        **summarise_predictions(predictions["label"], predictions["pred"]),
        "train_seconds": None if train_seconds is None else float(train_seconds),
        "predict_seconds": float(predict_seconds),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    folder = folder or results_dir(profile)
    _atomic_write(
        folder / f"{model_key}_predictions.parquet", lambda p: predictions.to_parquet(p, index=False)
    )
    _atomic_write(
        folder / f"{model_key}.json", lambda p: p.write_text(json.dumps(record, indent=2, default=str))
    )
    return record


def update_record(profile: str, model_key: str, folder: Path | None = None, **fields: Any) -> dict[str, Any]:
    """Add ``fields`` to a written ``<model_key>.json`` (atomically; its predictions untouched) and return it: for
    analyses of a model that come after its results were written (e.g. notebook 02's masked-score retraining)."""
    path = (folder or results_dir(profile)) / f"{model_key}.json"
    record = json.loads(path.read_text()) | fields
    _atomic_write(path, lambda p: p.write_text(json.dumps(record, indent=2, default=str)))
    return record


def _as_dict(source: Any) -> dict[str, Any]:
    if hasattr(source, "as_dict"):
        return source.as_dict()
    if isinstance(source, dict):
        return dict(source)
    return {"description": str(source)}


def load_results(
    profile: str, folder: Path | None = None, required: bool = True
) -> dict[str, tuple[dict[str, Any], pd.DataFrame]]:
    """Every model's ``(record, predictions)`` in ``results/<profile>/``, checked against the contract.

    Without ``folder``: from :func:`helpers.paths.read_results_dirs`, a model's pair from the first folder that
    has it (this run's; in JupyterLab, then the committed reference's).
    ``required``: raise :class:`ResultsError` when there are none (the comparison needs at least one).
    """
    if folder is None and len(folders := read_results_dirs(profile)) > 1:
        out = {}
        for found in reversed(folders):  # the first folder's pair wins
            out |= load_results(profile, folder=found, required=False)
        if out or not required:
            return dict(sorted(out.items()))
        folder = folders[0]  # none anywhere: the error names the run's folder
    folder = folder or results_dir(profile)
    out = {}
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ResultsError(
                f"{path.name} is not valid JSON ({error}); re-run the notebook that writes it"
            ) from error
        if not isinstance(record, dict) or "model_key" not in record:
            continue  # not a model's results file (e.g. a benchmark summary)
        missing = [f for f in REQUIRED_FIELDS if f not in record]
        if missing:
            raise ResultsError(f"{path.name} lacks {missing}; re-run the notebook that writes it")
        pred_path = folder / f"{record['model_key']}_predictions.parquet"
        if not pred_path.is_file():
            raise ResultsError(
                f"{pred_path.name} is missing for {path.name}; re-run the notebook that writes it"
            )
        predictions = pd.read_parquet(pred_path)
        if set(PREDICTION_COLUMNS) - set(predictions.columns):
            raise ResultsError(
                f"{pred_path.name} lacks columns {sorted(set(PREDICTION_COLUMNS) - set(predictions.columns))}"
            )
        out[record["model_key"]] = (record, predictions)
    if not out and required:
        raise ResultsError(
            f"No model results in {display_path(folder)}: run notebooks 02–05 with profile {profile!r} first "
            f"(python -m helpers.run --profile {profile})"
        )
    return out


# ----------------------------------------------------------------------------------------------- comparison
# What the study reported on its 1,000 test reviews (for reference beside our numbers; not re-measured).
STUDY_ACCURACY = {
    "bag-of-words RandomForest": 0.84,
    "DistilBERT SST-2, zero-shot": 0.91,
    "DistilBERT fine-tuned on IMDB": 0.95,
}
# Which of our models stands where the study's model stood.
STUDY_COUNTERPART = {
    "bow_random_forest": "bag-of-words RandomForest",
    "zero_shot": "DistilBERT SST-2, zero-shot",
    "fine_tuned": "DistilBERT fine-tuned on IMDB",
}


def source_label(record: dict[str, Any]) -> str:
    """Where a result's model came from: Hub, local, stand-in, smoke or scikit-learn (", fine-tuned" when trained here)."""
    names = {"hub": "Hub", "path": "local", "standin": "stand-in", "tiny": "smoke"}
    source = record.get("model_source", {})
    base = record.get("base_model_source", {}).get("kind")
    if base:  # a model fine-tuned here: name what it was fine-tuned from
        return f"{names.get(base, base)}, fine-tuned"
    kind = source.get("kind", "")
    return names.get(kind, kind) or source.get("description", "?")


def comparison_table(results: dict[str, tuple[dict[str, Any], pd.DataFrame]]) -> pd.DataFrame:
    """One row per model: source, n, accuracy with 95% CI, macro F1, per-class precision/recall, times, the study's number."""
    rows = []
    for key, (record, _) in results.items():
        report = record["classification_report"]
        rows.append(
            {
                "model": record["model"],
                "key": key,
                "model source": source_label(record),
                "data": record["data_source"].get("kind", "?"),
                "n": record["n"],
                "accuracy": record["accuracy"],
                "ci95 low": record["accuracy_ci95"][0],
                "ci95 high": record["accuracy_ci95"][1],
                "macro F1": record.get("macro_f1", report["macro avg"]["f1-score"]),
                "neg precision": report["neg"]["precision"],
                "neg recall": report["neg"]["recall"],
                "pos precision": report["pos"]["precision"],
                "pos recall": report["pos"]["recall"],
                "train s": record["train_seconds"],
                "predict s": record["predict_seconds"],
                "study (n=1,000)": STUDY_ACCURACY.get(STUDY_COUNTERPART.get(key, ""), np.nan),
            }
        )
    return pd.DataFrame(rows).set_index("key")


def learning_curves(
    results: dict[str, tuple[dict[str, Any], pd.DataFrame]], labels: dict[str, str]
) -> pd.DataFrame:
    """Every ``learning_curve`` recorded in the results (a list of ``{"n_train", "val_accuracy"}`` on the model's
    ``n_validation`` validation reviews), one row per point: ``model`` (its label), ``n_train``,
    ``val_accuracy`` and a 95% Wilson interval where the validation size is recorded."""
    rows = []
    for key, (record, _) in results.items():
        n_val = record.get("n_validation")
        for point in record.get("learning_curve") or []:
            low, high = (
                wilson_interval(round(point["val_accuracy"] * n_val), n_val) if n_val else (np.nan, np.nan)
            )
            rows.append(
                {
                    "model": labels.get(key, key),
                    "n_train": int(point["n_train"]),
                    "val_accuracy": float(point["val_accuracy"]),
                    "ci95 low": low,
                    "ci95 high": high,
                }
            )
    return pd.DataFrame(rows, columns=["model", "n_train", "val_accuracy", "ci95 low", "ci95 high"])


def cost_table(
    results: dict[str, tuple[dict[str, Any], pd.DataFrame]], labels: dict[str, str]
) -> pd.DataFrame:
    """Per model: seconds to train (0 where nothing was trained) plus seconds to predict the test reviews, test
    accuracy with its CI, and whether it is on the Pareto frontier (:func:`pareto_frontier`)."""
    table = pd.DataFrame(
        [
            {
                "model": labels.get(key, key),
                "seconds": (record["train_seconds"] or 0.0) + record["predict_seconds"],
                "accuracy": record["accuracy"],
                "ci95 low": record["accuracy_ci95"][0],
                "ci95 high": record["accuracy_ci95"][1],
            }
            for key, (record, _) in results.items()
        ]
    )
    table["frontier"] = pareto_frontier(table["seconds"], table["accuracy"])
    return table


def paired_predictions(results: dict[str, tuple[dict[str, Any], pd.DataFrame]]) -> pd.DataFrame:
    """One row per review present in every model's predictions: ``label`` and a ``pred`` / ``p_pos`` column per model.

    Rows are matched by ``review_id``, never by position; :class:`ResultsError` when two models' files give the
    same review different labels (results of different data, which no comparison can pair).
    """
    frames, labels = [], {}
    for key, (_, predictions) in results.items():
        frame = predictions.set_index("review_id")
        frames.append(frame[["pred", "p_pos"]].add_prefix(f"{key}:"))
        labels[key] = frame["label"]
    if not frames:
        raise ResultsError("no results to compare")
    joined = pd.concat(frames, axis=1, join="inner")
    first, *others = labels
    label = labels[first].reindex(joined.index)
    for key in others:
        differ = joined.index[labels[key].reindex(joined.index).to_numpy() != label.to_numpy()]
        if len(differ):
            raise ResultsError(
                f"{first} and {key} give {len(differ)} of the same reviews different labels (e.g. review "
                f"{differ[0]}): their predictions were not made on the same data"
            )
    joined.insert(0, "label", label)
    return joined


def pairwise_mcnemar(results: dict[str, tuple[dict[str, Any], pd.DataFrame]]) -> pd.DataFrame:
    """McNemar's test for every pair of models, on the reviews both were evaluated on, with Holm-adjusted p-values
    over all the pairs (``Holm p value``: the one to compare with α when reading many tests at once)."""
    paired = paired_predictions(results)
    keys = list(results)
    rows = []
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            test = mcnemar_test(paired["label"], paired[f"{a}:pred"], paired[f"{b}:pred"])
            acc_a = float((paired[f"{a}:pred"] == paired["label"]).mean())
            acc_b = float((paired[f"{b}:pred"] == paired["label"]).mean())
            rows.append(
                {
                    "model A": a,
                    "model B": b,
                    "n": len(paired),
                    "accuracy A": acc_a,
                    "accuracy B": acc_b,
                    "only A right": test["only_a_right"],
                    "only B right": test["only_b_right"],
                    "p value": test["p_value"],
                    "test": test["method"],
                }
            )
    frame = pd.DataFrame(rows)
    if len(frame):
        frame.insert(frame.columns.get_loc("p value") + 1, "Holm p value", holm(frame["p value"]))
    return frame


@dataclass
class SavedComparison:
    """A new model's test predictions next to a saved model's, on the reviews both scored."""

    saved_record: dict[str, Any]  # the saved model's results file
    paired: pd.DataFrame  # by review_id: label, <saved>:pred/p_pos, <new>:pred/p_pos
    mcnemar: dict[str, Any]  # a row of pairwise_mcnemar: model A = saved, model B = new
    n_missing: int  # new predictions without a saved prediction for the same review


def compare_with_saved(
    profile: str,
    saved_key: str,
    new_key: str,
    test: Any,
    pred: Sequence[int],
    p_pos: Sequence[float] | None = None,
    *,
    folder: Path | None = None,
) -> SavedComparison | None:
    """The new predictions ``pred`` on ``test`` (with ``review_id`` and ``label``) paired with the saved results of
    ``saved_key`` (:func:`paired_predictions`) and McNemar's test between them (:func:`pairwise_mcnemar`); None
    when ``results/<profile>/`` has no ``saved_key``."""
    saved = load_results(profile, folder, required=False).get(saved_key)
    if saved is None:
        return None
    new = pd.DataFrame(
        {
            "review_id": list(test["review_id"]),
            "label": np.asarray(test["label"], dtype=np.int64),
            "pred": np.asarray(pred, dtype=np.int64),
            "p_pos": np.full(len(pred), np.nan) if p_pos is None else np.asarray(p_pos, dtype=np.float64),
        }
    )
    both = {saved_key: saved, new_key: ({}, new)}
    paired = paired_predictions(both)
    return SavedComparison(
        saved_record=saved[0],
        paired=paired,
        mcnemar=pairwise_mcnemar(both).iloc[0].to_dict(),
        n_missing=len(new) - len(paired),
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


def key_comparisons(
    tests: pd.DataFrame, *, classical_best: str | None = None, ensemble_members: Sequence[str] = ()
) -> pd.DataFrame:
    """The rows of :func:`pairwise_mcnemar`'s ``tests`` that the series asks about, in their order: the study's
    forest against the best classical model, zero-shot against fine-tuned, fine-tuned against tuned, the best
    classical model against fine-tuned, and the ensemble against each of its members."""
    asked = [
        ("bow_random_forest", classical_best),
        ("zero_shot", "fine_tuned"),
        ("fine_tuned", "tuned"),
        (classical_best, "fine_tuned"),
        *(("ensemble", member) for member in ensemble_members),
    ]
    asked = {frozenset(pair) for pair in asked if None not in pair}
    return tests[[frozenset(pair) in asked for pair in zip(tests["model A"], tests["model B"], strict=True)]]
