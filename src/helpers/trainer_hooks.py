"""What the series adds to the transformers ``Trainer``: one plain-text progress line per evaluation, the seconds
spent evaluating and saving, the work done recorded in the ledger (also for a stopped run), and the log history as
a frame."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import ledger


def text_progress(label: str, enabled: bool):
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


def timed_trainer(trainer_class, clock=time.perf_counter):
    """A subclass of ``trainer_class`` that adds up the seconds spent in evaluation and in saving checkpoints
    (``self.split_seconds``), so a run can say where its time went; ``clock`` reads the seconds (a test passes
    one it controls)."""

    class TimedTrainer(trainer_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.split_seconds = {"evaluating": 0.0, "saving": 0.0}

        @contextlib.contextmanager
        def _timed(self, part: str):
            started = clock()
            try:
                yield
            finally:
                self.split_seconds[part] += clock() - started

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


def record_work(trainer, resumed_from, epochs: float, what: str) -> None:
    """Record in the work ledger the tokens this call trained on and read in validation: the optimizer steps and
    evaluations since ``resumed_from`` (a checkpoint path or ``None``), also when the run stopped early (pruned,
    interrupted), so the ledger counts every trial a search started."""
    total_steps = max(1, trainer.state.max_steps)
    start = int(Path(resumed_from).name.split("-")[-1]) if resumed_from else 0
    steps_done = max(0, trainer.state.global_step - start)
    evals = [e for e in trainer.state.log_history if "eval_accuracy" in e and e.get("step", 0) > start]
    ledger.record(
        trained=sum(trainer.train_dataset["length"]) * epochs * steps_done / total_steps,
        read=sum(trainer.eval_dataset["length"]) * len(evals),
        what=what,
    )


def history_frame(log_history: list[dict[str, Any]]) -> pd.DataFrame:
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
