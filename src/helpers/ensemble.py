"""Notebook 06's ensemble: the fine-tuned transformer and the best classical model (chosen on validation, never on
test) averaged with equal weights, written under the results contract like any model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import catalog
from helpers.present import short_label
from helpers.results_files import ResultsError, load_results, paired_predictions, write_results

Results = dict[str, tuple[dict[str, Any], pd.DataFrame]]
CLASSICAL_CANDIDATES = catalog.ENSEMBLE_CANDIDATES
TRANSFORMER = catalog.FINE_TUNED


def remake(
    results: Results, *, profile: str, folder: Path | None = None
) -> tuple[Results, dict[str, Any] | None]:
    """Re-make the ensemble from this run's members: ``fine_tuned`` + the best of :data:`CLASSICAL_CANDIDATES` on
    validation accuracy. Returns the results with it (never a previous run's ensemble) and its record, or the
    results without an ensemble and ``None`` when there are no ``fine_tuned`` results."""
    results = {key: value for key, value in results.items() if key != catalog.ENSEMBLE}
    if TRANSFORMER not in results:
        return results, None
    classical = best_on_validation(results, CLASSICAL_CANDIDATES)
    transformer_label, classical_label = (
        short_label(results[TRANSFORMER][0]),
        short_label(results[classical][0]),
    )
    record = average_ensemble(
        results,
        [TRANSFORMER, classical],
        profile=profile,
        label=f"{transformer_label.removesuffix(' fine-tuned')} + {classical_label} ensemble",
        choice=f"{classical}: the best classical model on validation accuracy (notebook 02's tuning)",
        folder=folder,
    )
    return load_results(profile, folder=folder), record


def best_on_validation(results: Results, keys: Sequence[str]) -> str:
    """Of ``keys``, the model whose tuning reached the best validation accuracy (recorded as ``tuning`` rows by
    notebook 02; the first key wins ties). Never looks at the test reviews."""
    scores = {
        key: max(row["validation_accuracy"] for row in results[key][0]["tuning"])
        for key in keys
        if key in results and results[key][0].get("tuning")
    }
    if not scores:
        raise ResultsError(f"none of {list(keys)} has validation results (run notebook 02 with this profile)")
    return max(scores, key=lambda key: (scores[key], -list(keys).index(key)))


def average_ensemble(
    results: Results,
    members: Sequence[str],
    *,
    profile: str,
    label: str,
    model_key: str = catalog.ENSEMBLE,
    choice: str = "",
    folder: Path | None = None,
) -> dict[str, Any]:
    """Equal-weight average of the members' P(positive) on the reviews every member scored (positive at ≥ 0.5),
    written under the results contract as ``<model_key>`` with the members and how they were chosen."""
    missing = [key for key in members if key not in results]
    if len(members) < 2 or missing:
        raise ResultsError(f"an ensemble needs two or more saved models; missing: {missing or list(members)}")
    paired = paired_predictions({key: results[key] for key in members})
    p_pos = paired[[f"{key}:p_pos" for key in members]].mean(axis=1)
    records = {key: results[key][0] for key in members}
    return write_results(
        profile=profile,
        model_key=model_key,
        model="equal-weight average of P(positive): " + " + ".join(r["model"] for r in records.values()),
        data_source=records[members[0]]["data_source"],
        model_source={"kind": "ensemble", "members": {k: r["model_source"] for k, r in records.items()}},
        review_ids=list(paired.index),
        y_true=paired["label"],
        y_pred=(p_pos >= 0.5).astype(int),
        p_pos=p_pos,
        train_seconds=sum(r["train_seconds"] or 0.0 for r in records.values()),
        predict_seconds=sum(r["predict_seconds"] for r in records.values()),
        extra={"label": label, "members": list(members), "member_choice": choice},
        folder=folder,
    )
