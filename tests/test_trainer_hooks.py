"""helpers.trainer_hooks and the time split it records: where a fine-tuning run's time went, recorded and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.builders import toy_reviews
from transformers import Trainer

from helpers.specs import TrainingRun
from helpers.trainer_hooks import time_split, timed_trainer
from helpers.training import FitResult, eval_share, finetune, learning_curve


def test_the_split_adds_up_and_the_share_is_evaluation_over_the_total():
    split = time_split(100.0, preparing=5.0, evaluating=20.0, saving=10.0)
    assert split["training_s"] == 65.0 and split["eval_share"] == 0.2
    parts = ("preparing_s", "training_s", "evaluating_s", "saving_s")
    assert sum(split[k] for k in parts) == pytest.approx(split["total_s"])
    assert time_split(0.0, 0.0, 0.0, 0.0)["eval_share"] == 0.0


def test_the_timed_trainer_adds_up_the_seconds_of_each_evaluation():
    now = [0.0]  # a clock the test controls: evaluate and save advance it by known seconds

    class Slow:  # stands in for Trainer
        def evaluate(self, *args, **kwargs):
            now[0] += 0.05
            return {"eval_accuracy": 1.0}

        def _save_checkpoint(self, *args, **kwargs):
            now[0] += 0.02

    trainer = timed_trainer(Slow, clock=lambda: now[0])()
    assert trainer.evaluate() == {"eval_accuracy": 1.0}
    trainer.evaluate()
    trainer._save_checkpoint()
    now[0] += 1.0  # time outside evaluate and save is not counted
    assert trainer.split_seconds["evaluating"] == pytest.approx(0.1, abs=1e-9)
    assert trainer.split_seconds["saving"] == pytest.approx(0.02, abs=1e-9)


def test_a_run_records_its_split_in_the_budget_and_reads_it_back(tiny, tmp_path, capsys):
    model, tokenizer, _ = tiny
    train, val = toy_reviews(8), toy_reviews(8, offset=100)
    run = TrainingRun(learning_rate=1e-3, batch_size=4, max_length=32, eval_steps=1, seed=0, precision="fp32")
    fit = finetune(model, tokenizer, train, val, run, output_dir=tmp_path)
    split = fit.time_split
    assert split["evaluating_s"] > 0 and split["training_s"] > 0 and 0 < split["eval_share"] < 1
    assert split["total_s"] == pytest.approx(fit.seconds, abs=0.01)
    assert fit.budget()["train_eval_share"] == split["eval_share"]
    assert "evaluating" in capsys.readouterr().out.splitlines()[-1]  # the run's last progress line says it
    again = finetune(model, tokenizer, train, val, run, output_dir=tmp_path)
    assert again.cached and again.time_split == split  # a finished run reports the split it had


def test_the_real_trainer_still_has_the_methods_the_split_times():
    assert callable(Trainer.evaluate) and callable(Trainer._save_checkpoint)


def test_learning_curve_counts_reviews_seen_at_each_evaluation():
    history = pd.DataFrame(
        {"step": [1, 2, 3, 4], "val_accuracy": [np.nan, 0.7, np.nan, 0.8], "train_loss": [0.7, 0.6, 0.5, 0.4]}
    )
    fit = FitResult(history, 0.8, 4, 1.0, Path("."), 1e-3, params={"batch_size": 32, "epochs": 1})
    curve = learning_curve(fit, n_train=100)
    assert curve["reviews seen"].tolist() == [64, 100] and curve["val accuracy"].tolist() == [0.7, 0.8]


def test_eval_share_over_runs_weights_by_time():
    runs = [
        FitResult(pd.DataFrame(), 0, 0, 0, Path("."), 0, time_split=time_split(10, 0, 1, 0)),
        FitResult(pd.DataFrame(), 0, 0, 0, Path("."), 0, time_split=time_split(30, 0, 7, 0)),
    ]
    assert eval_share(runs) == pytest.approx(8 / 40)
    assert np.isnan(eval_share([*runs, FitResult(pd.DataFrame(), 0, 0, 0, Path("."), 0)]))


def test_history_frame_has_one_row_per_step_and_nan_where_nothing_was_logged():
    from helpers.trainer_hooks import history_frame

    frame = history_frame(
        [
            {"step": 2, "epoch": 0.5, "loss": 0.7},
            {"step": 4, "epoch": 1.0, "loss": 0.6},
            {"step": 4, "epoch": 1.0, "eval_accuracy": 0.75, "eval_loss": 0.5},
        ]
    )
    assert list(frame.columns) == ["step", "epoch", "train_loss", "val_loss", "val_accuracy"]
    assert frame["step"].tolist() == [2, 4]
    assert np.isnan(frame.loc[0, "val_accuracy"]) and frame.loc[1, "val_accuracy"] == 0.75
    assert frame.loc[1, "train_loss"] == 0.6 and frame.loc[1, "val_loss"] == 0.5


def test_text_progress_prints_one_line_per_evaluation_and_nothing_when_off(capsys):
    from types import SimpleNamespace

    from helpers.trainer_hooks import text_progress

    args, state = SimpleNamespace(eval_steps=2), SimpleNamespace(global_step=0, max_steps=4)
    for enabled in (True, False):
        progress = text_progress("fine-tuning lr=1e-04", enabled)
        progress.on_train_begin(args, state, None)
        progress.on_log(args, state, None, logs={"loss": 0.693})
        state.global_step = 2
        progress.on_evaluate(args, state, None, metrics={"eval_accuracy": 0.8125})
        progress.on_evaluate(args, state, None, metrics={"eval_loss": 0.4})  # not an accuracy: no line
        state.global_step = 0
        lines = capsys.readouterr().out.splitlines()
        if enabled:
            assert lines[0] == "fine-tuning lr=1e-04: starting, 4 steps, evaluating every 2"
            assert (
                len(lines) == 2 and "step 2/4" in lines[1] and "loss 0.693, val accuracy 0.8125" in lines[1]
            )
        else:
            assert lines == []
