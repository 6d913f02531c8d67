"""Fine-tuning a sentiment classifier on IMDB reviews with the transformers ``Trainer``.

* tokenisation once, with the same truncation strategy as inference (:func:`helpers.tokens.encode`);
* dynamic padding (``DataCollatorWithPadding``) and length-grouped batches; seeded;
* a checkpoint at every evaluation (``save_steps = eval_steps``), the last few kept; re-running with the same
  ``output_dir`` resumes from the last checkpoint, so an interruption costs at most one evaluation interval;
* the best checkpoint (validation accuracy) is saved as ``<output_dir>/model`` with a model card (README.md);
  a finished run is not repeated: the same call returns the saved result.

Text progress only (no notebook widgets), no experiment trackers. Mixed precision is chosen on the machine
(:func:`helpers.precision.choose_precision`): on a CPU bf16 autocast where a measurement here finds it faster than
fp32, else fp32; on a GPU bf16 where supported, else fp16; ``precision`` overrides it.

Speed (measured with ``python -m helpers.bench``): dropout is 0 by default. With dropout on the attention
probabilities, PyTorch's scaled-dot-product attention leaves its fused kernel for the unfused math path (the
full attention matrix materialised, a dropout mask drawn, kept for the backward pass); the other dropouts draw
and keep a mask per activation. On the 2-core CPUs measured, dropout took about a quarter of a training step at
256 tokens; the benchmark's recipe check found the same validation accuracy without it (one epoch of
fine-tuning, the series' recipe). ``attention_dropout=None`` / ``hidden_dropout=None`` keep the checkpoint's
own settings. The device is :func:`helpers.devices.choose_device`.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import ledger
from helpers.data import fingerprint
from helpers.devices import choose_device, device_name
from helpers.dropout import set_attention_dropout, set_hidden_dropout
from helpers.labels import imdb_label_map
from helpers.modeling import ModelSource, write_source_file
from helpers.paths import MODELS_DIR, display_path
from helpers.specs import TrainingRun
from helpers.tokens import tokenize_dataset
from helpers.trainer_hooks import history_frame, record_work, text_progress, time_split, timed_trainer

FIT_FILE = "fit_result.json"
RUN_CONFIG_FILE = "run_config.json"


class FinetuneError(RuntimeError):
    """A fine-tuning run that cannot start, resume or finish; the message says where its checkpoints are.
    ``changed``: for a folder holding another run, each differing setting as ``(saved, requested)``."""

    def __init__(self, message: str, changed: dict[str, tuple[Any, Any]] | None = None):
        super().__init__(message)
        self.changed = dict(changed or {})


@dataclass
class FitResult:
    """One fine-tuning run: the per-step history, the best validation accuracy and where the model is."""

    history: (
        pd.DataFrame
    )  # step, epoch, train_loss, val_loss, val_accuracy (NaN where not logged at that step)
    best_val_accuracy: float
    best_step: int
    seconds: float
    model_path: Path
    learning_rate: float
    resumed_from: str | None = None  # checkpoint name this call resumed from (None: fresh or cached)
    cached: bool = False  # True when a finished run was found and nothing was trained
    params: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"  # where it was trained (helpers.devices.device_name)

    precision_choice: dict[str, Any] | None = None  # helpers.precision.PrecisionChoice.as_dict()
    time_split: dict[str, float] | None = None  # seconds preparing, training, evaluating, saving; eval_share

    @property
    def train_precision(self) -> str:
        """``bf16`` (autocast), ``fp16`` (autocast, GPUs without bf16) or ``fp32``."""
        if self.precision_choice:
            return self.precision_choice["precision"]
        if "precision" in self.params:
            return self.params["precision"]
        if self.params.get("bf16"):  # a run saved before its precision was recorded
            return "bf16"
        return "fp16" if self.device.startswith("cuda") else "fp32"

    def budget(self) -> dict[str, Any]:
        """What a results file records about this training: ``n_train``, ``train_max_length``, precision (and the
        capability it was chosen from, where the run recorded it), device."""
        budget = {
            "n_train": self.params["n_train"],
            "train_max_length": self.params["max_length"],
            "train_precision": self.train_precision,
            "train_device": self.device,
        }
        if self.precision_choice:
            budget["train_precision_choice"] = self.precision_choice
        if self.time_split:
            budget["train_time_split"] = self.time_split
            budget["train_eval_share"] = self.time_split["eval_share"]
        return budget

    @property
    def evaluations(self) -> pd.DataFrame:
        """The rows with a validation score."""
        return self.history.dropna(subset=["val_accuracy"]).reset_index(drop=True)


def learning_curve(fit: FitResult, n_train: int) -> pd.DataFrame:
    """Validation accuracy at each evaluation of ``fit`` against the training reviews seen by then
    (``reviews seen``, ``val accuracy``): the data a reader needs to see whether a run has stopped improving."""
    evals = fit.evaluations
    batch = fit.params.get("batch_size", 1)
    seen = np.minimum(evals["step"].to_numpy() * batch, n_train * fit.params.get("epochs", 1))
    return pd.DataFrame({"reviews seen": seen.astype(int), "val accuracy": evals["val_accuracy"].to_numpy()})


def curve_verdict(accuracies: list[float], interval_width: float) -> str:
    """Whether a learning curve still rises at its end: the last step against half the width of the validation
    accuracy's 95% interval (a conservative yardstick: both readings are of the same reviews)."""
    if len(accuracies) < 2:
        return "one reading: no curve to judge"
    rise, half = accuracies[-1] - accuracies[-2], interval_width / 2
    if rise > half:
        return f"still rising over the last quarter (+{100 * rise:.1f} points, more than ±{100 * half:.1f}): more reviews would likely help"
    if rise < -half:
        return f"falling over the last quarter ({100 * rise:+.1f} points, beyond ±{100 * half:.1f}): the best checkpoint came earlier"
    return f"level over the last quarter ({100 * rise:+.1f} points, within ±{100 * half:.1f} of validation noise)"


def eval_share(fits: list[FitResult]) -> float:
    """The share of these runs' time spent evaluating (runs without a recorded split count as unknown: NaN)."""
    splits = [f.time_split for f in fits]
    if not splits or any(s is None for s in splits):
        return float("nan")
    return sum(s["evaluating_s"] for s in splits) / max(1e-9, sum(s["total_s"] for s in splits))


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


def finetune(
    model,
    tokenizer,
    train_ds,
    val_ds,
    run: TrainingRun,
    *,
    profile: str | None = None,
    output_dir: str | Path | None = None,
    base_source: ModelSource | None = None,
    data_source: Any = None,
    callbacks: list | None = None,
    progress: bool = True,
) -> FitResult:
    """Fine-tune a copy of ``model`` on ``train_ds`` (``text``, ``label``) as ``run`` says
    (:class:`helpers.specs.TrainingRun`), selecting the best checkpoint on ``val_ds`` by accuracy.

    ``model`` itself is not changed (a deep copy is trained), so one loaded model can seed several runs. The run
    goes to ``output_dir`` (default: :func:`run_folder` of ``profile``, named by :func:`run_name`, the precision
    included: a run in another precision has its own folder, neither reused nor refused). Re-running with the
    same folder resumes from its last checkpoint; a finished run is returned from disk without training; a
    different configuration in a folder that has checkpoints is refused (delete the folder or use another). The
    best checkpoint is saved to ``<output_dir>/model`` with a model card.
    """
    if output_dir is None and profile is None:
        raise ValueError("finetune needs an output_dir or a profile to put the run under models/finetuned/")
    device = choose_device(run.device)
    choice = run.precision_choice(device)
    if output_dir is None:
        output_dir = run_folder(profile, base_source, len(train_ds), run, choice.precision)
    output_dir = Path(output_dir)
    params = run_params(run, model, train_ds, val_ds, base_source, choice)
    label = f"fine-tuning lr={lr_text(run.learning_rate)}"
    _check_run_config(output_dir, params)
    if (output_dir / "model" / FIT_FILE).is_file():
        ledger.record(reused=1, what=f"{label}: read back")
        return _load_fit(output_dir / "model", params)
    started = time.perf_counter()
    callbacks = [text_progress(label, progress), *(callbacks or [])]
    trainer = _trainer(
        model,
        tokenizer,
        (train_ds, val_ds),
        run,
        params,
        output_dir / "checkpoints",
        callbacks,
        device,
        choice,
    )
    preparing = time.perf_counter() - started
    last = _train(trainer, output_dir / "checkpoints", run, label, progress)
    return _save_best(
        trainer,
        tokenizer,
        output_dir,
        run,
        params,
        started,
        preparing,
        last,
        label,
        progress,
        base_source=base_source,
        data_source=data_source,
        device=device,
        choice=choice,
    )


def _trainer(
    model,
    tokenizer,
    reviews,
    run: TrainingRun,
    params: dict,
    checkpoints: Path,
    callbacks: list,
    device,
    choice,
):
    """A timed ``Trainer`` over the tokenised ``(train, validation)`` reviews, a checkpoint at every evaluation, on
    ``device`` in ``choice``'s precision."""
    from transformers import DataCollatorWithPadding, PrinterCallback, Trainer, TrainingArguments

    train_ds, val_ds = reviews
    label_map = imdb_label_map(model)
    model = copy.deepcopy(model)
    if run.hidden_dropout is not None:
        set_hidden_dropout(model, run.hidden_dropout)
    if run.attention_dropout is not None:
        set_attention_dropout(model, run.attention_dropout)
    reading = run.validation_reading()
    train_tok = tokenize_dataset(
        tokenizer, train_ds, truncation=run.truncation, max_length=run.max_length, label_map=label_map
    )
    val_tok = tokenize_dataset(
        tokenizer, val_ds, truncation=reading.truncation, max_length=reading.max_length, label_map=label_map
    )
    val_tok = val_tok.select(np.argsort(val_tok["length"])[::-1])  # similar lengths per batch: little padding
    cuda = device.type == "cuda"
    args = TrainingArguments(
        output_dir=str(checkpoints),
        learning_rate=run.learning_rate,
        num_train_epochs=run.epochs,
        per_device_train_batch_size=run.batch_size,
        per_device_eval_batch_size=reading.batch_size_for(choice),
        warmup_steps=math.ceil(run.warmup_ratio * params["total_steps"]),
        weight_decay=run.weight_decay,
        eval_strategy="steps",
        eval_steps=params["eval_steps"],
        save_strategy="steps",
        save_steps=params["eval_steps"],
        save_total_limit=run.save_total_limit,
        load_best_model_at_end=True,
        metric_for_best_model="accuracy",
        greater_is_better=True,
        logging_strategy="steps",
        logging_steps=params["logging_steps"],
        train_sampling_strategy="group_by_length",
        length_column_name="length",
        seed=run.seed,
        data_seed=run.seed,
        bf16=choice.precision == "bf16",
        use_cpu=not cuda,  # bf16 autocast on a CPU needs this said explicitly; the device's own choice
        fp16=choice.precision == "fp16",
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=cuda,
    )
    trainer = timed_trainer(Trainer)(
        model=model.train(),
        args=args,
        train_dataset=train_tok,
        eval_dataset=val_tok,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=_accuracy,
        callbacks=callbacks,
    )
    trainer.remove_callback(PrinterCallback)
    return trainer


def _accuracy(eval_pred) -> dict[str, float]:
    logits, labels = eval_pred
    return {"accuracy": float((np.asarray(logits).argmax(-1) == np.asarray(labels)).mean())}


def _train(trainer, checkpoints: Path, run: TrainingRun, label: str, progress: bool) -> str | None:
    """Train, resuming from the last checkpoint in ``checkpoints``; the checkpoint resumed from (None: fresh).

    An interruption records the work done and says where to resume: ``KeyboardInterrupt`` is re-raised, anything
    else becomes a :class:`FinetuneError`."""
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    if last and progress:
        print(f"{label}: found {display_path(last)}")
    try:
        trainer.train(resume_from_checkpoint=last)
    except (Exception, KeyboardInterrupt) as error:
        now = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
        where = (
            f"the last checkpoint is {display_path(now)}; run the same call again (same output_dir) to resume "
            f"from it"
            if now
            else "no checkpoint was saved yet; a re-run starts from scratch"
        )
        message = (
            f"Fine-tuning (lr={lr_text(run.learning_rate)}) stopped at step {trainer.state.global_step}/"
            f"{trainer.state.max_steps} by {type(error).__name__}: {error}. Nothing is lost beyond one "
            f"evaluation interval: {where}."
        )
        record_work(trainer, last, run.epochs, f"{label} (stopped)")  # a pruned trial worked too
        if isinstance(error, KeyboardInterrupt):
            print(message, file=sys.stderr)
            raise
        raise FinetuneError(message) from error
    record_work(trainer, last, run.epochs, label)
    return last


def _save_best(
    trainer,
    tokenizer,
    output_dir: Path,
    run: TrainingRun,
    params: dict,
    started: float,
    preparing: float,
    last: str | None,
    label: str,
    progress: bool,
    *,
    base_source,
    data_source,
    device,
    choice,
) -> FitResult:
    """Save the best checkpoint (``load_best_model_at_end``) with its history, model card and fit record as
    ``<output_dir>/model``, atomically; the :class:`FitResult`."""
    history = history_frame(trainer.state.log_history)
    evals = history.dropna(subset=["val_accuracy"])
    best = evals.loc[evals["val_accuracy"].idxmax()]
    tmp = output_dir / "model.saving"
    shutil.rmtree(tmp, ignore_errors=True)
    saving = time.perf_counter()
    trainer.save_model(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    seconds = time.perf_counter() - started
    split = time_split(
        seconds,
        preparing,
        trainer.split_seconds["evaluating"],
        trainer.split_seconds["saving"] + time.perf_counter() - saving,
    )
    if progress:
        print(
            f"{label}: {seconds / 60:.1f} min: training {split['training_s'] / 60:.1f}, evaluating "
            f"{split['evaluating_s'] / 60:.1f} ({100 * split['eval_share']:.0f}%), saving "
            f"{split['saving_s'] / 60:.1f}",
            flush=True,
        )
    result = FitResult(
        history=history,
        best_val_accuracy=float(best["val_accuracy"]),
        best_step=int(best["step"]),
        seconds=seconds,
        model_path=output_dir / "model",
        learning_rate=run.learning_rate,
        resumed_from=Path(last).name if last else None,
        params=params,
        device=device_name(device),
        precision_choice=choice.as_dict(),
        time_split=split,
    )
    name = f"{params['base_model']} fine-tuned on IMDB ({params['n_train']:,} reviews, lr={lr_text(run.learning_rate)})"
    write_source_file(
        tmp,
        kind="finetuned",
        name=name,
        note=f"best validation accuracy {result.best_val_accuracy:.4f} at step {result.best_step}",
    )
    (tmp / "README.md").write_text(_model_card(name, result, base_source, data_source))
    history.to_csv(tmp / "history.csv", index=False)
    (tmp / FIT_FILE).write_text(json.dumps(_fit_record(result), indent=2))
    shutil.rmtree(output_dir / "model", ignore_errors=True)
    tmp.rename(output_dir / "model")
    return result


def _fit_record(result: FitResult) -> dict[str, Any]:
    return {
        "best_val_accuracy": result.best_val_accuracy,
        "best_step": result.best_step,
        "seconds": result.seconds,
        "learning_rate": result.learning_rate,
        "resumed_from": result.resumed_from,
        "params": result.params,
        "device": result.device,
        "precision_choice": result.precision_choice,
        "time_split": result.time_split,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


_KEYS_ADDED_LATER = {
    "attention_dropout": None,
    "hidden_dropout": None,
    "eval_max_length": None,
    "eval_truncation": None,
}


def _check_run_config(output_dir: Path, params: dict[str, Any]) -> None:
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


def _load_fit(final: Path, params: dict[str, Any]) -> FitResult:
    saved = json.loads((final / FIT_FILE).read_text())
    return FitResult(
        history=pd.read_csv(final / "history.csv"),
        best_val_accuracy=saved["best_val_accuracy"],
        best_step=saved["best_step"],
        seconds=saved["seconds"],
        model_path=final,
        learning_rate=saved["learning_rate"],
        resumed_from=None,
        cached=True,
        params=params,
        device=saved.get("device", "cpu"),
        precision_choice=saved.get("precision_choice"),
        time_split=saved.get("time_split"),
    )


def _model_card(name: str, result: FitResult, base_source: ModelSource | None, data_source: Any) -> str:
    p = result.params
    base = str(base_source) if base_source else p["base_model"]
    data = str(data_source) if data_source is not None else "IMDB (source not recorded)"
    evals = result.evaluations
    table = "\n".join(
        f"| {int(r.step)} | {r.val_accuracy:.4f} | {r.val_loss:.4f} |" for r in evals.itertuples()
    )
    return f"""# {name}

Fine-tuned by `helpers.training.finetune` for the IMDB sentiment notebook series (notebook 04).

- **Base model**: {base}
- **Training data**: {p["n_train"]:,} IMDB training reviews (fingerprint `{p["train_fingerprint"]}`); {data}
- **Validation data**: {p["n_validation"]:,} reviews carved from the IMDB training split (never the test split);
  the checkpoint with the best validation accuracy is the one saved here
- **Parameters**: learning rate {lr_text(p["learning_rate"])}, {p["epochs"]:g} epoch(s), batch size {p["batch_size"]},
  {p["total_steps"]} steps, warm-up {p["warmup_ratio"]:.0%}, weight decay {p["weight_decay"]:g},
  truncation `{p["truncation"]}` to {p["max_length"]} tokens, seed {p["seed"]}
- **Best validation accuracy**: {result.best_val_accuracy:.4f} at step {result.best_step}
  ({result.seconds:.0f} s of training{f", resumed from {result.resumed_from}" if result.resumed_from else ""})

| step | validation accuracy | validation loss |
|---:|---:|---:|
{table}
"""
