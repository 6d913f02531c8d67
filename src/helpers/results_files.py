"""The results contract (``results/<profile>/``), written atomically, read back checked, and joined by review.

Per model: ``<model_key>.json`` (``model``, ``model_key``, ``profile``, ``data_source``, ``model_source``,
``split``, ``n``, ``accuracy``, ``accuracy_ci95``, ``macro_f1``, ``classification_report``, ``confusion_matrix``,
``train_seconds``, ``predict_seconds``, ``created`` and any ``extra`` fields) and
``<model_key>_predictions.parquet`` (``review_id``, ``label``, ``pred``, ``p_pos`` per test review). A field
renamed since a file was written is read under its current name (:data:`RENAMED_FIELDS`)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.evaluation import summarise_predictions
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
RENAMED_FIELDS = {  # old name in a results file → the series' one name for it (old files stay readable)
    "max_length": "test_max_length",
    "val_max_length": "validation_max_length",
    "lr_comparison_train_size": "n_train_lr_comparison",
}


class ResultsError(RuntimeError):
    """A results file that is missing or does not follow the contract."""


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
    """Compute the metrics and write ``<model_key>.json`` and ``<model_key>_predictions.parquet`` atomically; returns
    the record. ``data_source`` / ``model_source``: an object with ``as_dict()``, a dict or a string."""
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


def current_names(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with fields written under an old name (:data:`RENAMED_FIELDS`) under the current one."""
    renamed = {new: record[old] for old, new in RENAMED_FIELDS.items() if old in record and new not in record}
    return {k: v for k, v in record.items() if k not in RENAMED_FIELDS} | renamed


def load_results(
    profile: str, folder: Path | None = None, required: bool = True
) -> dict[str, tuple[dict[str, Any], pd.DataFrame]]:
    """Every model's ``(record, predictions)`` in ``results/<profile>/``, checked against the contract. Without
    ``folder``: a model's pair from the first of :func:`helpers.paths.read_results_dirs` that has it. ``required``:
    raise :class:`ResultsError` when there are none."""
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
        record = current_names(record)
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


def paired_predictions(results: dict[str, tuple[dict[str, Any], pd.DataFrame]]) -> pd.DataFrame:
    """One row per review present in every model's predictions, matched by ``review_id``: ``label`` and a ``pred`` /
    ``p_pos`` column per model; :class:`ResultsError` when two files give the same review different labels."""
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
