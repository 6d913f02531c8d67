"""Fine-tuning a sentiment classifier on IMDB reviews with the transformers ``Trainer``.

* tokenisation once, with the same truncation strategy as inference (:func:`helpers.inference.encode`);
* dynamic padding (``DataCollatorWithPadding``) and length-grouped batches; seeded;
* a checkpoint at every evaluation (``save_steps = eval_steps``), the last few kept; re-running with the same
  ``output_dir`` resumes from the last checkpoint, so an interruption costs at most one evaluation interval;
* the best checkpoint (validation accuracy) is saved as ``<output_dir>/model`` with a model card (README.md);
  a finished run is not repeated: the same call returns the saved result.

Text progress only (no notebook widgets), no experiment trackers. Mixed precision is chosen by the hardware
(:func:`helpers.precision.choose_precision`): bf16 autocast where the device computes bf16 natively (CUDA with
bf16, CPUs with AMX or AVX-512 BF16), fp16 on GPUs without bf16, fp32 otherwise; ``precision`` overrides it.

Speed (measured with ``python -m helpers.bench``): dropout is 0 by default. With dropout on the attention
probabilities, PyTorch's scaled-dot-product attention leaves its fused kernel for the unfused math path (the
full attention matrix materialised, a dropout mask drawn, kept for the backward pass); the other dropouts draw
and keep a mask per activation. On the 2-core CPUs measured, dropout took about a quarter of a training step at
256 tokens; the benchmark's recipe check found the same validation accuracy without it (one epoch of
fine-tuning, the series' recipe). ``attention_dropout=None`` / ``hidden_dropout=None`` keep the checkpoint's
own settings. The device is :func:`helpers.devices.choose_device`.
"""

from __future__ import annotations

import contextlib
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
from helpers.inference import encode
from helpers.inference import eval_batch_size as inference_batch_size
from helpers.labels import imdb_label_map
from helpers.modeling import ModelSource, write_source_file
from helpers.paths import MODELS_DIR, display_path
from helpers.precision import choose_precision

FIT_FILE = "fit_result.json"
RUN_CONFIG_FILE = "run_config.json"


DEFAULT_DROPOUT = {"attention_dropout": 0.0, "hidden_dropout": 0.0}  # the recipe: see the module docstring


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
        if self.params.get("bf16"):
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


def finetuned_dir(profile: str, name: str) -> Path:
    """``models/finetuned/<profile>/<name>`` (git-ignored)."""
    return MODELS_DIR / "finetuned" / profile / name


def tokenize_dataset(
    tokenizer, dataset, *, truncation: str = "head_tail", max_length: int = 256, label_map=None
):
    """A ``datasets.Dataset`` of ``input_ids``, ``attention_mask``, ``labels`` (model index space), ``length``.

    ``label_map`` (from :func:`helpers.modeling.imdb_label_map`) turns IMDB labels into the model's output
    indices, so a model whose output 0 is POSITIVE is trained correctly.
    """
    from datasets import Dataset

    ids, _ = encode(tokenizer, list(dataset["text"]), truncation=truncation, max_length=max_length)
    imdb_to_model = {imdb: index for index, imdb in (label_map or {0: 0, 1: 1}).items()}
    labels = [imdb_to_model[int(y)] for y in dataset["label"]]
    return Dataset.from_dict(
        {
            "input_ids": ids,
            "attention_mask": [[1] * len(x) for x in ids],
            "labels": labels,
            "length": [len(x) for x in ids],
        }
    )


def _text_progress(label: str, enabled: bool):
    """A callback printing one plain-text line per evaluation: step, elapsed, ETA, train loss, val scores.

    A few lines per run instead of a bar: readable in a log file and in a committed notebook alike.
    """
    from transformers import TrainerCallback

    class TextProgress(TrainerCallback):
        def __init__(self):
            self.started, self.first_step, self.loss = 0.0, 0, float("nan")

        def on_train_begin(self, args, state, control, **kwargs):
            self.started, self.first_step = time.perf_counter(), state.global_step
            if enabled:
                start = f"resuming at step {state.global_step}" if state.global_step else "starting"
                print(
                    f"{label}: {start}, {state.max_steps} steps, evaluating every {args.eval_steps}",
                    flush=True,
                )

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                self.loss = logs["loss"]

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if not enabled or not metrics or "eval_accuracy" not in metrics:
                return
            elapsed = time.perf_counter() - self.started
            done = max(1, state.global_step - self.first_step)
            left = elapsed / done * (state.max_steps - state.global_step)
            print(
                f"  {label}: step {state.global_step}/{state.max_steps}, {elapsed / 60:.1f} min"
                f" (~{left / 60:.1f} left), loss {self.loss:.3f}, val accuracy {metrics['eval_accuracy']:.4f}",
                flush=True,
            )

    return TextProgress()


def timed_trainer(trainer_class):
    """A subclass of ``trainer_class`` that adds up the seconds spent in evaluation and in saving checkpoints
    (``self.split_seconds``), so a run can say where its time went."""

    class TimedTrainer(trainer_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.split_seconds = {"evaluating": 0.0, "saving": 0.0}

        @contextlib.contextmanager
        def _timed(self, part: str):
            started = time.perf_counter()
            try:
                yield
            finally:
                self.split_seconds[part] += time.perf_counter() - started

        def evaluate(self, *args, **kwargs):
            with self._timed("evaluating"):
                return super().evaluate(*args, **kwargs)

        def _save_checkpoint(self, *args, **kwargs):
            with self._timed("saving"):
                return super()._save_checkpoint(*args, **kwargs)

    return TimedTrainer


def time_split(total: float, preparing: float, evaluating: float, saving: float) -> dict[str, float]:
    """Where a run's ``total`` seconds went: preparing (tokenising, set-up), evaluating, saving, and the rest
    training; ``eval_share`` is evaluating / total (0 for an empty run)."""
    training = max(0.0, total - preparing - evaluating - saving)
    return {
        "total_s": round(total, 2),
        "preparing_s": round(preparing, 2),
        "training_s": round(training, 2),
        "evaluating_s": round(evaluating, 2),
        "saving_s": round(saving, 2),
        "eval_share": round(evaluating / total, 4) if total > 0 else 0.0,
    }


def lr_text(learning_rate: float) -> str:
    """A learning rate in the series' one notation: ``1e-04``, ``2e-05``; three digits where one is not exact
    (``5.61e-05``, a searched rate)."""
    short = f"{learning_rate:.0e}"
    return short if float(short) == learning_rate else f"{learning_rate:.2e}"


def _record_work(trainer, train_tok, val_tok, resumed_from, epochs: float, what: str) -> None:
    """Record in the work ledger the tokens this call trained on and read in validation: the optimizer steps and
    evaluations since ``resumed_from`` (a checkpoint path or ``None``), also when the run stopped early (pruned,
    interrupted), so the ledger counts every trial a search started."""
    total_steps = max(1, trainer.state.max_steps)
    start = int(Path(resumed_from).name.split("-")[-1]) if resumed_from else 0
    steps_done = max(0, trainer.state.global_step - start)
    evals = [e for e in trainer.state.log_history if "eval_accuracy" in e and e.get("step", 0) > start]
    ledger.record(
        trained=sum(train_tok["length"]) * epochs * steps_done / total_steps,
        read=sum(val_tok["length"]) * len(evals),
        what=what,
    )


def finetune(
    model,
    tokenizer,
    train_ds,
    val_ds,
    *,
    learning_rate: float,
    output_dir: str | Path,
    epochs: float = 1,
    batch_size: int = 16,
    max_length: int = 256,
    truncation: str = "head_tail",
    eval_max_length: int | None = None,
    eval_truncation: str | None = None,
    eval_steps: int | None = None,
    n_evals: int = 3,
    logging_steps: int | None = None,
    eval_batch_size: int | str = "auto",
    warmup_ratio: float = 0.1,
    weight_decay: float = 0.01,
    save_total_limit: int = 2,
    seed: int = 42,
    base_source: ModelSource | None = None,
    data_source: Any = None,
    callbacks: list | None = None,
    progress: bool = True,
    precision: str = "auto",
    attention_dropout: float | None = DEFAULT_DROPOUT["attention_dropout"],
    hidden_dropout: float | None = DEFAULT_DROPOUT["hidden_dropout"],
    device=None,
) -> FitResult:
    """Fine-tune a copy of ``model`` on ``train_ds`` (``text``, ``label``), selecting on ``val_ds`` by accuracy.

    ``model`` itself is not changed (a deep copy is trained), so one loaded model can seed several runs.
    ``eval_steps`` defaults to ``n_evals`` evaluations per run; a checkpoint is saved at each. Re-running with the
    same ``output_dir`` resumes from its last checkpoint; a finished run is returned from disk without training.
    A different configuration in an ``output_dir`` that has checkpoints is refused (delete the folder or use
    another). The best checkpoint is saved to ``<output_dir>/model`` with a model card. The validation reviews are
    read at ``eval_max_length`` with ``eval_truncation`` (default: as the training reviews), so runs trained at
    different lengths can be compared on one reading.
    ``attention_dropout`` (default 0: the fused attention kernel, see the module docstring), ``hidden_dropout``
    (every other dropout; default 0), ``None`` for the checkpoint's own, ``precision`` (``auto``: chosen by the
    hardware, :func:`helpers.precision.choose_precision`) and ``device`` (default:
    :func:`helpers.devices.choose_device`) are the speed settings.
    """
    from transformers import DataCollatorWithPadding, PrinterCallback, Trainer, TrainingArguments
    from transformers.trainer_utils import get_last_checkpoint

    output_dir = Path(output_dir)
    checkpoints, final = output_dir / "checkpoints", output_dir / "model"
    label_map = imdb_label_map(model)
    n_steps_per_epoch = math.ceil(len(train_ds) / batch_size)
    total_steps = max(1, math.ceil(n_steps_per_epoch * epochs))
    eval_steps = eval_steps or max(1, math.ceil(total_steps / n_evals))
    logging_steps = logging_steps or max(1, min(eval_steps, math.ceil(total_steps / 25)))
    device = choose_device(device)
    cuda = device.type == "cuda"
    choice = choose_precision(precision, device)
    bf16 = choice.precision == "bf16"
    eval_batch_size = inference_batch_size(choice) if eval_batch_size == "auto" else eval_batch_size
    params = {
        "learning_rate": learning_rate,
        "bf16": bf16,
        "attention_dropout": attention_dropout,
        "hidden_dropout": hidden_dropout,
        "epochs": epochs,
        "batch_size": batch_size,
        "max_length": max_length,
        "truncation": truncation,
        "eval_max_length": eval_max_length,
        "eval_truncation": eval_truncation,
        "eval_steps": eval_steps,
        "logging_steps": logging_steps,
        "warmup_ratio": warmup_ratio,
        "weight_decay": weight_decay,
        "seed": seed,
        "n_train": len(train_ds),
        "n_validation": len(val_ds),
        "total_steps": total_steps,
        "train_fingerprint": fingerprint(train_ds),
        "validation_fingerprint": fingerprint(val_ds),
        "base_model": base_source.name if base_source else getattr(model.config, "_name_or_path", ""),
    }
    _check_run_config(output_dir, params)
    if (final / FIT_FILE).is_file():
        ledger.record(reused=1, what=f"fine-tuning lr={lr_text(learning_rate)}: read back")
        return _load_fit(final, params)
    model = copy.deepcopy(model)
    if hidden_dropout is not None:
        set_hidden_dropout(model, hidden_dropout)
    if attention_dropout is not None:
        set_attention_dropout(model, attention_dropout)

    started = time.perf_counter()
    train_tok = tokenize_dataset(
        tokenizer, train_ds, truncation=truncation, max_length=max_length, label_map=label_map
    )
    val_tok = tokenize_dataset(
        tokenizer,
        val_ds,
        truncation=eval_truncation or truncation,
        max_length=eval_max_length or max_length,
        label_map=label_map,
    )
    val_tok = val_tok.select(np.argsort(val_tok["length"])[::-1])  # similar lengths per batch: little padding
    args = TrainingArguments(
        output_dir=str(checkpoints),
        learning_rate=learning_rate,
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=eval_batch_size,
        warmup_steps=math.ceil(warmup_ratio * total_steps),
        weight_decay=weight_decay,
        eval_strategy="steps",
        eval_steps=eval_steps,
        save_strategy="steps",
        save_steps=eval_steps,
        save_total_limit=save_total_limit,
        load_best_model_at_end=True,
        metric_for_best_model="accuracy",
        greater_is_better=True,
        logging_strategy="steps",
        logging_steps=logging_steps,
        train_sampling_strategy="group_by_length",
        length_column_name="length",
        seed=seed,
        data_seed=seed,
        bf16=bf16,
        use_cpu=not cuda,  # bf16 autocast on a CPU needs this said explicitly; the device's own choice
        fp16=choice.precision == "fp16",
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=cuda,
    )

    def accuracy(eval_pred) -> dict[str, float]:
        logits, labels = eval_pred
        return {"accuracy": float((np.asarray(logits).argmax(-1) == np.asarray(labels)).mean())}

    label = f"fine-tuning lr={lr_text(learning_rate)}"
    trainer = timed_trainer(Trainer)(
        model=model.train(),
        args=args,
        train_dataset=train_tok,
        eval_dataset=val_tok,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=accuracy,
        callbacks=[_text_progress(label, progress), *(callbacks or [])],
    )
    trainer.remove_callback(PrinterCallback)
    preparing = time.perf_counter() - started
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
            f"Fine-tuning (lr={lr_text(learning_rate)}) stopped at step {trainer.state.global_step}/{total_steps} "
            f"by {type(error).__name__}: {error}. Nothing is lost beyond one evaluation interval: {where}."
        )
        _record_work(
            trainer, train_tok, val_tok, last, epochs, f"{label} (stopped)"
        )  # a pruned trial worked too
        if isinstance(error, KeyboardInterrupt):
            print(message, file=sys.stderr)
            raise
        raise FinetuneError(message) from error
    history = _history(trainer.state.log_history)
    evals = history.dropna(subset=["val_accuracy"])
    _record_work(trainer, train_tok, val_tok, last, epochs, label)
    best = evals.loc[evals["val_accuracy"].idxmax()]
    tmp = output_dir / "model.saving"
    shutil.rmtree(tmp, ignore_errors=True)
    saving = time.perf_counter()
    trainer.save_model(str(tmp))  # the best checkpoint (load_best_model_at_end)
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
        model_path=final,
        learning_rate=learning_rate,
        resumed_from=Path(last).name if last else None,
        params=params,
        device=device_name(device),
        precision_choice=choice.as_dict(),
        time_split=split,
    )
    name = (
        f"{params['base_model']} fine-tuned on IMDB ({len(train_ds):,} reviews, lr={lr_text(learning_rate)})"
    )
    write_source_file(
        tmp,
        kind="finetuned",
        name=name,
        note=f"best validation accuracy {result.best_val_accuracy:.4f} at step {result.best_step}",
    )
    (tmp / "README.md").write_text(_model_card(name, result, base_source, data_source))
    history.to_csv(tmp / "history.csv", index=False)
    (tmp / FIT_FILE).write_text(
        json.dumps(
            {
                "best_val_accuracy": result.best_val_accuracy,
                "best_step": result.best_step,
                "seconds": seconds,
                "learning_rate": learning_rate,
                "resumed_from": result.resumed_from,
                "params": params,
                "device": result.device,
                "precision_choice": result.precision_choice,
                "time_split": split,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
            indent=2,
        )
    )
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return result


_KEYS_ADDED_LATER = {
    "bf16": False,
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


def _history(log_history: list[dict[str, Any]]) -> pd.DataFrame:
    rows: dict[int, dict[str, float]] = {}
    for entry in log_history:
        row = rows.setdefault(int(entry["step"]), {"step": int(entry["step"]), "epoch": entry.get("epoch")})
        if "loss" in entry:
            row["train_loss"] = entry["loss"]
        if "eval_accuracy" in entry:
            row["val_accuracy"] = entry["eval_accuracy"]
            row["val_loss"] = entry.get("eval_loss")
    frame = pd.DataFrame(sorted(rows.values(), key=lambda r: r["step"]))
    for column in ("train_loss", "val_loss", "val_accuracy"):
        if column not in frame:
            frame[column] = np.nan
    return frame[["step", "epoch", "train_loss", "val_loss", "val_accuracy"]]


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
