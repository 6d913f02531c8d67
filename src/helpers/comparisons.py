"""Every model on the same reviews: the comparison table, learning curves, cost, McNemar's test for every pair
(Holm-adjusted) and for a new model against a saved one, and the comparisons the series asks about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import catalog
from helpers.evaluation import holm, mcnemar_test, pareto_frontier, wilson_interval
from helpers.results_files import load_results, paired_predictions

# What the study reported on its 1,000 test reviews, and which of our models stands where its model stood (the
# catalog's; notebook 02 reads STUDY_ACCURACY).
STUDY_COUNTERPART = {key: study for key, (study, _) in catalog.study_models().items()}
STUDY_ACCURACY = {study: accuracy for study, accuracy in catalog.study_models().values()}


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
    """One row per model: source, n, accuracy with 95% CI, macro F1, per-class precision/recall (negative precision
    with its 95% Wilson interval over the reviews called negative), times, the study's number."""
    rows = []
    for key, (record, _) in results.items():
        report = record["classification_report"]
        (true_neg, _), (false_neg, _) = record["confusion_matrix"]  # rows: true label; columns: predicted
        neg_precision_ci = wilson_interval(true_neg, true_neg + false_neg)
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
                "neg precision low": neg_precision_ci[0],  # 95% Wilson, over the reviews it calls negative
                "neg precision high": neg_precision_ci[1],
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
                    "n_validation": n_val,
                }
            )
    columns = ["model", "n_train", "val_accuracy", "ci95 low", "ci95 high", "n_validation"]
    return pd.DataFrame(rows, columns=columns)


def training_seconds(key: str, results: dict[str, tuple[dict[str, Any], pd.DataFrame]]) -> float:
    """Every second of training a result needed: its learning-rate runs (``all_runs_train_seconds``) or its one
    run, plus the search that chose its settings; an ensemble's, its members'."""
    record = results[key][0]
    members = [m for m in record.get("members", []) if m in results and m != key]
    if members:
        return sum(training_seconds(m, results) for m in members)
    seconds = record.get("all_runs_train_seconds") or record.get("train_seconds") or 0.0
    return seconds + ((record.get("search") or {}).get("trial_seconds_total") or 0.0)


def cost_table(
    results: dict[str, tuple[dict[str, Any], pd.DataFrame]], labels: dict[str, str]
) -> pd.DataFrame:
    """Per model: every second of training it needed (:func:`training_seconds`) plus seconds to predict the test
    reviews, test accuracy with its CI, whether it is on the Pareto frontier (:func:`pareto_frontier`), and the CPU
    class its seconds were measured on where the record names it (``cpu``: a transformer's precision choice)."""
    table = pd.DataFrame(
        [
            {
                "model": labels.get(key, key),
                "seconds": training_seconds(key, results) + record["predict_seconds"],
                "accuracy": record["accuracy"],
                "ci95 low": record["accuracy_ci95"][0],
                "ci95 high": record["accuracy_ci95"][1],
                "cpu": _cpu_class(record),
            }
            for key, (record, _) in results.items()
        ]
    )
    table["frontier"] = pareto_frontier(table["seconds"], table["accuracy"])
    return table


def _cpu_class(record: dict[str, Any]) -> str | None:
    """The class of the CPU (``AVX2``, ``AMX``, …) a record's model trained or predicted on, as its precision choice
    names it; None where the record does not say (classical models, ensembles) or the model ran on a GPU."""
    for choice in ("train_precision_choice", "eval_precision_choice"):
        capability = (record.get(choice) or {}).get("capability") or {}
        if capability.get("device_type") == "cpu" and capability.get("cpu_class"):
            return capability["cpu_class"]
    return None


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


def relabel(paired: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``paired``'s ``<key>:<column>`` columns renamed ``<label>:<column>`` (``names``: key → label)."""

    def rename(column: str) -> str:
        key, _, rest = column.partition(":")
        return f"{names.get(key, key)}:{rest}" if rest else column

    return paired.rename(columns=rename)


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


def key_comparisons(
    tests: pd.DataFrame, *, classical_best: str | None = None, ensemble_members: Sequence[str] = ()
) -> pd.DataFrame:
    """The rows of :func:`pairwise_mcnemar`'s ``tests`` that the series asks about, in their order: the study's
    forest against the best classical model, zero-shot against fine-tuned, fine-tuned against tuned, the best
    classical model against fine-tuned, and the ensemble against each of its members."""
    asked = [
        (catalog.FOREST, classical_best),
        (catalog.ZERO_SHOT, catalog.FINE_TUNED),
        (catalog.FINE_TUNED, catalog.TUNED),
        (classical_best, catalog.FINE_TUNED),
        *((catalog.ENSEMBLE, member) for member in ensemble_members),
    ]
    asked = {frozenset(pair) for pair in asked if None not in pair}
    return tests[[frozenset(pair) in asked for pair in zip(tests["model A"], tests["model B"], strict=True)]]
