"""Fine-tuning a sentiment classifier on IMDB reviews with the transformers ``Trainer``.

Tokenised once with inference's truncation (:func:`helpers.tokens.encode`), dynamic padding, length-grouped
batches, seeded. A checkpoint at every evaluation, so re-running with the same ``output_dir`` resumes; the best
checkpoint (validation accuracy) is saved as ``<output_dir>/model`` with a model card, and a finished run is read
back, not repeated. Precision: :func:`helpers.precision.choose_precision`; device:
:func:`helpers.devices.choose_device`. Dropout is 0 by default: on the CPUs measured (``python -m helpers.bench``)
it cost about a quarter of a step at 256 tokens for the same validation accuracy; ``None`` keeps the checkpoint's.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import ledger
from helpers.devices import choose_device, device_name
from helpers.dropout import set_attention_dropout, set_hidden_dropout
from helpers.labels import imdb_label_map
from helpers.modeling import ModelSource, publish_build, write_source_file
from helpers.paths import display_path
from helpers.specs import TrainingRun
from helpers.tokens import tokenize_dataset
from helpers.trainer_hooks import history_frame, record_work, text_progress, time_split, timed_trainer
from helpers.training_folder import (
    FIT_FILE,
    FinetuneError,
    check_run_config,
    lr_text,
    run_folder,
    run_params,
)


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


def kept_validation_predictions(fit: FitResult, validation, reading) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, predictions)`` of the validation reviews by the checkpoint ``fit`` kept: its evaluation's saved
    reading, or for a run trained before readings were kept, the saved model's predictions made again with
    ``reading``."""
    readings = validation_readings(fit)
    if fit.best_step in readings:
        return readings[fit.best_step]
    from helpers.inference import predict
    from helpers.modeling import load_classifier

    model, tokenizer, _ = load_classifier("path", fit.model_path)
    pred = predict(model, tokenizer, list(validation["text"]), reading, progress=False)
    return np.asarray(validation["label"]), pred.labels


def learning_curve(fit: FitResult, n_train: int) -> pd.DataFrame:
    """Validation accuracy at each evaluation of ``fit`` against the training reviews seen by then
    (``reviews seen``, ``val accuracy``): the data a reader needs to see whether a run has stopped improving."""
    evals = fit.evaluations
    batch = fit.params.get("batch_size", 1)
    seen = np.minimum(evals["step"].to_numpy() * batch, n_train * fit.params.get("epochs", 1))
    return pd.DataFrame({"reviews seen": seen.astype(int), "val accuracy": evals["val_accuracy"].to_numpy()})


def eval_share(fits: list[FitResult]) -> float:
    """The share of these runs' time spent evaluating (runs without a recorded split count as unknown: NaN)."""
    splits = [f.time_split for f in fits]
    if not splits or any(s is None for s in splits):
        return float("nan")
    return sum(s["evaluating_s"] for s in splits) / max(1e-9, sum(s["total_s"] for s in splits))


@dataclass(frozen=True)
class FitContext:
    """What one fit knows: the model it copies, the tokenizer, the reviews, its :class:`TrainingRun`, its folder and
    ``params`` (its ``run_config.json``), the device and precision it trains in, where the model and the reviews
    came from, and whether it prints its progress."""

    model: Any
    tokenizer: Any
    train_ds: Any
    val_ds: Any
    run: TrainingRun
    output_dir: Path
    params: dict[str, Any]
    device: Any  # torch.device
    choice: Any  # helpers.precision.PrecisionChoice
    base_source: ModelSource | None = None
    data_source: Any = None
    progress: bool = True

    @property
    def label(self) -> str:
        return f"fine-tuning lr={lr_text(self.run.learning_rate)}"

    @property
    def checkpoints(self) -> Path:
        return self.output_dir / "checkpoints"


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

    ``output_dir`` defaults to :func:`run_folder` of ``profile`` (named by :func:`run_name`, precision included).
    Re-running resumes from the last checkpoint; a finished run is read back without training; a different
    configuration in a folder with checkpoints is refused. The best checkpoint is saved to ``<output_dir>/model``.
    """
    if output_dir is None and profile is None:
        raise ValueError("finetune needs an output_dir or a profile to put the run under models/finetuned/")
    device = choose_device(run.device)
    choice = run.precision_choice(device)
    if output_dir is None:
        output_dir = run_folder(profile, base_source, len(train_ds), run, choice.precision)
    context = FitContext(
        model,
        tokenizer,
        train_ds,
        val_ds,
        run,
        Path(output_dir),
        run_params(run, model, train_ds, val_ds, base_source, choice),
        device,
        choice,
        base_source,
        data_source,
        progress,
    )
    check_run_config(context.output_dir, context.params)
    if (context.output_dir / "model" / FIT_FILE).is_file():
        ledger.record(reused=1, what=f"{context.label}: read back")
        return _load_fit(context.output_dir / "model", context.params)
    started = time.perf_counter()
    trainer = _trainer(context, [text_progress(context.label, progress), *(callbacks or [])])
    preparing = time.perf_counter() - started
    last = _train(trainer, context)
    return _save_best(trainer, context, last, started, preparing)


def _in_order_evaluation():
    """A ``Trainer`` that reads the validation reviews in the order it is given them. With
    ``group_by_length`` transformers 5 also shuffles evaluation batches by length; here they are already sorted
    by length (little padding), and the order must be known to keep each review's prediction."""
    from torch.utils.data import SequentialSampler
    from transformers import Trainer

    class InOrderEvaluation(Trainer):
        def _get_eval_sampler(self, eval_dataset):
            return SequentialSampler(eval_dataset)

    return InOrderEvaluation


def _trainer(context: FitContext, callbacks: list):
    """A timed ``Trainer`` over the context's tokenised reviews, a checkpoint at every evaluation, on its device
    in its precision."""
    from transformers import DataCollatorWithPadding, PrinterCallback

    run, tokenizer = context.run, context.tokenizer
    label_map = imdb_label_map(context.model)
    model = copy.deepcopy(context.model)
    if run.hidden_dropout is not None:
        set_hidden_dropout(model, run.hidden_dropout)
    if run.attention_dropout is not None:
        set_attention_dropout(model, run.attention_dropout)
    reading = run.validation_reading()
    train_tok = tokenize_dataset(
        tokenizer, context.train_ds, truncation=run.truncation, max_length=run.max_length, label_map=label_map
    )
    val_tok = tokenize_dataset(
        tokenizer,
        context.val_ds,
        truncation=reading.truncation,
        max_length=reading.max_length,
        label_map=label_map,
    )
    order = np.argsort(val_tok["length"])[::-1]  # similar lengths per batch: little padding
    val_tok = val_tok.select(order)
    scorer = ValidationScorer(context.output_dir / EVALUATIONS, order, label_map)
    trainer = timed_trainer(_in_order_evaluation())(
        model=model.train(),
        args=_training_args(context),
        train_dataset=train_tok,
        eval_dataset=val_tok,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=scorer,
        callbacks=callbacks,
    )
    trainer.remove_callback(PrinterCallback)
    scorer.trainer = trainer
    return trainer


def _training_args(context: FitContext):
    """The ``TrainingArguments`` of the context's run: its schedule, an evaluation and a checkpoint every
    ``eval_steps``, the best kept by accuracy, length-grouped batches, seeded, in its precision on its device."""
    from transformers import TrainingArguments

    run, params, choice = context.run, context.params, context.choice
    cuda = context.device.type == "cuda"
    return TrainingArguments(
        output_dir=str(context.checkpoints),
        learning_rate=run.learning_rate,
        num_train_epochs=run.epochs,
        per_device_train_batch_size=run.batch_size,
        per_device_eval_batch_size=run.validation_reading().batch_size_for(choice),
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


EVALUATIONS = "evaluations"  # in a run's folder: each evaluation's per-review predictions, step-<N>.npz


class ValidationScorer:
    """The Trainer's ``compute_metrics``: accuracy, and each evaluation's predictions saved per review (in the
    validation reviews' own order, ``order`` being the order the Trainer reads them in) as
    ``<folder>/step-<N>.npz``, so that two readings of the same reviews can be compared review by review."""

    def __init__(self, folder: Path, order: np.ndarray, label_map: dict[int, int]):
        self.folder, self.order, self.trainer = folder, np.asarray(order), None
        self.to_imdb = np.array([label_map[i] for i in range(len(label_map))])  # model index → IMDB label

    def __call__(self, eval_pred) -> dict[str, float]:
        logits, labels = eval_pred
        pred, labels = np.asarray(logits).argmax(-1), np.asarray(labels)
        if self.trainer is not None and len(pred) == len(self.order):
            in_order = np.empty_like(pred), np.empty_like(labels)
            in_order[0][self.order], in_order[1][self.order] = self.to_imdb[pred], self.to_imdb[labels]
            self.folder.mkdir(parents=True, exist_ok=True)
            np.savez(
                self.folder / f"step-{self.trainer.state.global_step}.npz",
                pred=in_order[0],
                label=in_order[1],
            )
        return {"accuracy": float((pred == labels).mean())}


def validation_readings(fit: FitResult) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Each evaluation of ``fit`` by step: ``(labels, predictions)`` of the validation reviews as IMDB labels, in
    the reviews' order (empty for a run trained before the readings were kept)."""
    folder = Path(fit.model_path).parent / EVALUATIONS
    readings = {}
    for path in sorted(folder.glob("step-*.npz"), key=lambda p: int(p.stem.split("-")[1])):
        with np.load(path) as saved:
            readings[int(path.stem.split("-")[1])] = (saved["label"], saved["pred"])
    return readings


def _train(trainer, context: FitContext) -> str | None:
    """Train, resuming from the last checkpoint in the context's folder; the checkpoint resumed from (None: fresh).

    An interruption records the work done and says where to resume: ``KeyboardInterrupt`` is re-raised, anything
    else becomes a :class:`FinetuneError`."""
    from transformers.trainer_utils import get_last_checkpoint

    checkpoints, run, label = context.checkpoints, context.run, context.label
    last = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    if last and context.progress:
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


def _save_best(trainer, context: FitContext, last: str | None, started: float, preparing: float) -> FitResult:
    """Save the best checkpoint (``load_best_model_at_end``) with its history, model card and fit record as
    ``<output_dir>/model``, atomically; the :class:`FitResult`. ``started``: when the fit began (its clock),
    ``preparing``: the seconds it took before training."""
    history = history_frame(trainer.state.log_history)
    evals = history.dropna(subset=["val_accuracy"])
    best = evals.loc[evals["val_accuracy"].idxmax()]
    tmp = context.output_dir / "model.saving"
    shutil.rmtree(tmp, ignore_errors=True)
    saving = time.perf_counter()
    trainer.save_model(str(tmp))
    context.tokenizer.save_pretrained(str(tmp))
    seconds = time.perf_counter() - started
    split = time_split(
        seconds,
        preparing,
        trainer.split_seconds["evaluating"],
        trainer.split_seconds["saving"] + time.perf_counter() - saving,
    )
    if context.progress:
        print(
            f"{context.label}: {seconds / 60:.1f} min: training {split['training_s'] / 60:.1f}, evaluating "
            f"{split['evaluating_s'] / 60:.1f} ({100 * split['eval_share']:.0f}%), saving "
            f"{split['saving_s'] / 60:.1f}",
            flush=True,
        )
    result = FitResult(
        history=history,
        best_val_accuracy=float(best["val_accuracy"]),
        best_step=int(best["step"]),
        seconds=seconds,
        model_path=context.output_dir / "model",
        learning_rate=context.run.learning_rate,
        resumed_from=Path(last).name if last else None,
        params=context.params,
        device=device_name(context.device),
        precision_choice=context.choice.as_dict(),
        time_split=split,
    )
    _write_model_files(tmp, result, context)
    publish_build(tmp, context.output_dir / "model")
    return result


def _write_model_files(folder: Path, result: FitResult, context: FitContext) -> None:
    """Next to the saved checkpoint in ``folder``: its source file, model card, history and fit record."""
    params = result.params
    name = f"{params['base_model']} fine-tuned on IMDB ({params['n_train']:,} reviews, lr={lr_text(result.learning_rate)})"
    write_source_file(
        folder,
        kind="finetuned",
        name=name,
        note=f"best validation accuracy {result.best_val_accuracy:.4f} at step {result.best_step}",
    )
    (folder / "README.md").write_text(_model_card(name, result, context.base_source, context.data_source))
    result.history.to_csv(folder / "history.csv", index=False)
    (folder / FIT_FILE).write_text(json.dumps(_fit_record(result), indent=2))


def _fit_record(result: FitResult) -> dict[str, Any]:
    """``fit_result.json``: the result's fields in their order, bar its history (``history.csv``), folder and
    cache flag, and when it was written."""
    skipped = {"history", "model_path", "cached"}
    record = {f.name: getattr(result, f.name) for f in fields(result) if f.name not in skipped}
    return record | {"created": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _load_fit(final: Path, params: dict[str, Any]) -> FitResult:
    saved = json.loads((final / FIT_FILE).read_text())
    later = {"device": "cpu", "precision_choice": None, "time_split": None}  # absent from older records
    return FitResult(
        history=pd.read_csv(final / "history.csv"),
        model_path=final,
        cached=True,
        params=params,
        **{key: saved[key] for key in ("best_val_accuracy", "best_step", "seconds", "learning_rate")},
        **{key: saved.get(key, default) for key, default in later.items()},
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


def rates_table(fits: dict[float, FitResult]) -> pd.DataFrame:
    """One row per learning rate compared: its optimizer steps, validation accuracy, minutes (wall clock, so they
    vary with what else the machine runs) and whether a saved run was reused."""
    return pd.DataFrame(
        [
            {
                "learning rate": lr_text(lr),
                "optimizer steps": int(fit.history["step"].max()) if len(fit.history) else 0,
                "val accuracy": fit.best_val_accuracy,
                "minutes": fit.seconds / 60,
                "saved run reused": fit.cached,
            }
            for lr, fit in fits.items()
        ]
    ).set_index("learning rate")


def results_extra(
    fits: dict[float, FitResult], final: FitResult, n_lr_train: int, base_source
) -> dict[str, Any]:
    """What notebook 04's results record says of its runs beside the test predictions: the final run's budget,
    its base model, the rates compared and every run's seconds (notebook 06 counts them in the cost)."""
    best = fits.get(final.learning_rate, final)
    runs = [*fits.values(), *([] if any(final is fit for fit in fits.values()) else [final])]
    return {
        **final.budget(),  # n_train, train_max_length, train_precision, train_device
        "text": "cleaned (data.clean_text)",
        "base_model_source": base_source.as_dict(),
        "learning_rate": final.learning_rate,
        "epochs": final.params.get("epochs"),
        "train_batch_size": final.params.get("batch_size"),
        "n_validation": final.params.get("n_validation"),
        "learning_rate_search": rates_table(fits).reset_index().to_dict(orient="records"),
        "n_train_lr_comparison": n_lr_train,
        "all_runs_train_seconds": float(sum(fit.seconds for fit in runs)),
        "all_runs_eval_share": eval_share(runs),
        "learning_curve": [  # validation accuracy by training reviews, same validation reviews
            {"n_train": n_lr_train, "val_accuracy": best.best_val_accuracy},
            {"n_train": final.params.get("n_train"), "val_accuracy": final.best_val_accuracy},
        ],
    }
