"""A fine-tuning run's folder: its name (what sets the run apart in the series), what identifies the run in it
(``run_config.json``), the precision a saved run trained in, and the check that refuses a folder holding another
run. :mod:`helpers.training` trains into it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from helpers.data import fingerprint
from helpers.modeling import ModelSource
from helpers.paths import MODELS_DIR, display_path
from helpers.specs import TrainingRun

FIT_FILE = "fit_result.json"
RUN_CONFIG_FILE = "run_config.json"


class FinetuneError(RuntimeError):
    """A fine-tuning run that cannot start, resume or finish; the message says where its checkpoints are.
    ``changed``: for a folder holding another run, each differing setting as ``(saved, requested)``."""

    def __init__(self, message: str, changed: dict[str, tuple[Any, Any]] | None = None):
        super().__init__(message)
        self.changed = dict(changed or {})


def lr_text(learning_rate: float) -> str:
    """A learning rate in the series' one notation: ``1e-04``, ``2e-05``; three digits where one is not exact
    (``5.61e-05``, a searched rate)."""
    short = f"{learning_rate:.0e}"
    return short if float(short) == learning_rate else f"{learning_rate:.2e}"


def finetuned_dir(profile: str, name: str) -> Path:
    """``models/finetuned/<profile>/<name>`` (git-ignored)."""
    return MODELS_DIR / "finetuned" / profile / name


def run_name(base_source: ModelSource | None, n_train: int, run: TrainingRun, precision: str) -> str:
    """A run's folder name from what sets it apart in the series: base model kind, reviews, tokens, rate, the
    number of validation evaluations, and the precision it trains in (``fp32``, ``bf16``, ``fp16``), so a run in
    another precision has its own folder."""
    return f"{_name_stem(base_source, n_train, run)}-evals{run.n_evals}-{precision}"


def _name_stem(base_source: ModelSource | None, n_train: int, run: TrainingRun) -> str:
    kind = base_source.kind if base_source else "model"
    return f"{kind}-n{n_train}-len{run.max_length}-lr{lr_text(run.learning_rate)}"


def legacy_run_name(base_source: ModelSource | None, n_train: int, run: TrainingRun) -> str:
    """The folder name before the precision was part of it (``…-e4``: four evaluations, not epochs)."""
    return f"{_name_stem(base_source, n_train, run)}-e{run.n_evals}"


def saved_precision(output_dir: Path) -> str | None:
    """The precision the run in ``output_dir`` trained in: ``run_config.json``'s ``precision``; for a run saved
    before that key, ``bf16: true`` → bf16, else its fit record's choice or device; None when unknown."""
    config = output_dir / RUN_CONFIG_FILE
    saved = json.loads(config.read_text()) if config.is_file() else {}
    if "precision" in saved:
        return saved["precision"]
    if saved.get("bf16"):
        return "bf16"
    fit = output_dir / "model" / FIT_FILE
    if not fit.is_file():  # unfinished: fp16 ran on CUDA only, so a machine without it made an fp32 run
        import torch

        return None if torch.cuda.is_available() else "fp32"
    record = json.loads(fit.read_text())
    if record.get("precision_choice"):
        return record["precision_choice"]["precision"]
    return "fp16" if str(record.get("device", "cpu")).startswith("cuda") else "fp32"


def run_folder(profile: str, base_source: ModelSource | None, n_train: int, run: TrainingRun, precision: str):
    """The run's folder under its profile (:func:`run_name`). A run saved under the name used before the
    precision was part of it, in this precision, is moved to the new name (said in one line) and read there."""
    folder = finetuned_dir(profile, run_name(base_source, n_train, run, precision))
    legacy = finetuned_dir(profile, legacy_run_name(base_source, n_train, run))
    if not folder.exists() and legacy.is_dir() and saved_precision(legacy) == precision:
        legacy.rename(folder)
        print(f"{display_path(legacy)} (a {precision} run) is now {display_path(folder)}", flush=True)
    return folder


def run_params(run: TrainingRun, model, train_ds, val_ds, base_source: ModelSource | None, choice) -> dict:
    """What identifies a run in its folder (``run_config.json``): settings, step counts, reviews' fingerprints;
    ``choice``: the run's :class:`helpers.precision.PrecisionChoice` on its device."""
    steps = max(1, math.ceil(math.ceil(len(train_ds) / run.batch_size) * run.epochs))
    eval_steps = run.eval_steps or max(1, math.ceil(steps / run.n_evals))
    validation = run.validation
    return {
        "learning_rate": run.learning_rate,
        "precision": choice.precision,
        "attention_dropout": run.attention_dropout,
        "hidden_dropout": run.hidden_dropout,
        "epochs": run.epochs,
        "batch_size": run.batch_size,
        "max_length": run.max_length,
        "truncation": run.truncation,
        "eval_max_length": validation.max_length if validation else None,
        "eval_truncation": validation.truncation if validation else None,
        "eval_steps": eval_steps,
        "logging_steps": run.logging_steps or max(1, min(eval_steps, math.ceil(steps / 25))),
        "warmup_ratio": run.warmup_ratio,
        "weight_decay": run.weight_decay,
        "seed": run.seed,
        "n_train": len(train_ds),
        "n_validation": len(val_ds),
        "total_steps": steps,
        "train_fingerprint": fingerprint(train_ds),
        "validation_fingerprint": fingerprint(val_ds),
        "base_model": base_source.name if base_source else getattr(model.config, "_name_or_path", ""),
    }


_KEYS_ADDED_LATER = {
    "attention_dropout": None,
    "hidden_dropout": None,
    "eval_max_length": None,
    "eval_truncation": None,
}


def check_run_config(output_dir: Path, params: dict[str, Any]) -> None:
    """Write ``params`` as the folder's ``run_config.json``; a folder that already holds a started run with other
    settings is refused (:class:`FinetuneError`, each change named)."""
    path = output_dir / RUN_CONFIG_FILE
    started = (output_dir / "model").is_dir() or any((output_dir / "checkpoints").glob("checkpoint-*"))
    if path.is_file() and started:
        saved = json.loads(path.read_text())
        saved = {**_KEYS_ADDED_LATER, **saved}  # a run saved before a key existed used its default
        saved.setdefault("precision", saved_precision(output_dir))  # before it, only bf16: true/false
        changed = {k: (saved.get(k), v) for k, v in params.items() if saved.get(k) != v}
        if changed:
            details = ", ".join(f"{k}: {old!r} → {new!r}" for k, (old, new) in changed.items())
            raise FinetuneError(
                f"{display_path(output_dir)} holds a run with different settings ({details}); "
                f"resuming it would mix two runs. Delete the folder or choose another output_dir.",
                changed=changed,
            )
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(params, indent=2))
