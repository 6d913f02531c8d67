"""One trial: fine-tune one configuration with :func:`helpers.training.finetune` and report every validation
evaluation to the search (which may stop it there). Every trial's validation reviews are read one way (the
template run's ``validation`` reading), whatever length it trains at: that one reading selects the checkpoint, is
reported, and gives the trial's value (the peak of its reports).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from helpers.precision import choose_precision
from helpers.specs import TrainingRun
from helpers.training import finetune


@dataclass(frozen=True)
class TrialSettings:
    """Everything a trial needs besides its hyperparameters; ``run`` is the template every trial's
    :class:`helpers.specs.TrainingRun` starts from (seed, precision, device, dropout, the validation reading)."""

    model: Any
    tokenizer: Any
    train: Any  # datasets.Dataset with text, label, review_id
    validation: Any
    trials_root: Path  # each trial's run goes to a folder under it, keyed by its parameters
    run: TrainingRun = field(default_factory=TrainingRun)
    evals_per_epoch: int = 2
    base_source: Any = None  # helpers.modeling.ModelSource
    data_source: Any = None  # helpers.data.DataSource
    callbacks: tuple = field(default_factory=tuple)  # extra Trainer callbacks for every trial
    keep_checkpoints: bool = False
    progress: bool = True  # one line per trial (the trials' own progress bars stay off)

    def trial_run(self, params: dict[str, Any]) -> TrainingRun:
        """The template run with one trial's hyperparameters, evaluating ``evals_per_epoch`` times per epoch."""
        return self.run.with_(
            learning_rate=params["learning_rate"],
            epochs=params["epochs"],
            batch_size=params["batch_size"],
            max_length=params["train_max_length"],
            truncation=params["truncation"],
            warmup_ratio=params["warmup_ratio"],
            weight_decay=params["weight_decay"],
            eval_steps=eval_steps(len(self.train), params["batch_size"], self.evals_per_epoch),
            save_total_limit=1,
        )


def scoring(run: TrainingRun) -> dict[str, Any]:
    """How the trials of template ``run`` are scored (part of the study's name: a differently scored search is
    another study); {} for the Trainer's own scoring at each trial's training length."""
    reading = run.validation
    if reading is None:
        return {}
    return {
        "reading": "one evaluation per point, the run's own",  # values are the peaks of the reports
        "eval_max_length": reading.max_length,
        "eval_truncation": reading.truncation,
        "eval_precision": choose_precision(run.precision).precision,
    }


def digest(obj: Any, n: int = 10) -> str:
    """``n`` hex digits of SHA-1 over ``obj`` as sorted JSON."""
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:n]


def trial_dir(root: Path, params: dict[str, Any]) -> Path:
    """A trial's ``finetune`` folder, keyed by its parameters: a retried trial lands in the same folder."""
    lr = params["learning_rate"]
    return Path(root) / f"lr{lr:.2e}-bs{params['batch_size']}-ep{params['epochs']}-{digest(params)}"


def eval_steps(n_train: int, batch_size: int, evals_per_epoch: int) -> int:
    """Optimizer steps between two validation evaluations."""
    return max(1, math.ceil(math.ceil(n_train / batch_size) / evals_per_epoch))


class ReportValidation(TrainerCallback):
    """Calls ``report(step, accuracy, best, fraction)`` after every evaluation with the accuracy the run selects its
    checkpoint by; ``step`` is the evaluation's position on the per-epoch grid, comparable across batch sizes.
    """

    def __init__(self, report, evals_per_epoch: int):
        self.report, self.evals_per_epoch, self.best = report, evals_per_epoch, float("-inf")

    def on_train_begin(self, args, state, control, **kwargs):  # a resumed run knows its earlier evaluations
        previous = [e["eval_accuracy"] for e in state.log_history if "eval_accuracy" in e]
        self.best = max(previous, default=float("-inf"))

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if not metrics or "eval_accuracy" not in metrics:
            return
        accuracy = float(metrics["eval_accuracy"])
        self.best = max(self.best, accuracy)
        step = max(1, round((state.epoch or 0) * self.evals_per_epoch))
        self.report(step, accuracy, self.best, state.global_step / max(1, state.max_steps))


def fit(
    settings: TrialSettings, params: dict[str, Any], output_dir: Path, report=None, progress: bool = False
):
    """Fine-tune ``params`` into ``output_dir`` (a finished run there is reused); ``report`` hears every evaluation.

    Returns :class:`helpers.training.FitResult`.
    """
    callbacks = [ReportValidation(report, settings.evals_per_epoch)] if report else []
    return finetune(
        settings.model,
        settings.tokenizer,
        settings.train,
        settings.validation,
        settings.trial_run(params),
        output_dir=output_dir,
        base_source=settings.base_source,
        data_source=settings.data_source,
        callbacks=[*callbacks, *settings.callbacks],
        progress=progress,
    )
