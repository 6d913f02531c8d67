"""A newcomer's first minutes: the stand-in's build is estimated from a measurement here before it starts, listed
with the plan, and shows its progress in the terminal while the libraries' chatter goes to the log. No real build:
the progress source is injected, the timing is done on the tiny model."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.builders import toy_reviews

from helpers import standin
from helpers.runner import plan, prepare, standin_plan
from helpers.runner.plan import Speed
from helpers.runner.progress import StepProgress
from helpers.standin import StandinConfig


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_without_a_terminal_a_line_a_minute_with_steps_elapsed_and_left():
    clock, stream = Clock(), io.StringIO()
    progress = StepProgress("build", stream, tty=False, clock=clock)
    for step in range(1, 21):
        clock.now = 10.0 * step  # 10 s a step: 200 s in all
        progress.update(step, 20)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines == [
        "build: step 6/20 (30%), 1.0 min elapsed, ~2.3 min left",
        "build: step 12/20 (60%), 2.0 min elapsed, ~1.3 min left",
        "build: step 18/20 (90%), 3.0 min elapsed, ~0.3 min left",
        "build: step 20/20 (100%), 3.3 min elapsed, ~0.0 min left",
    ]


def test_on_a_terminal_one_line_updates_in_place():
    clock, stream = Clock(), io.StringIO()
    progress = StepProgress("build", stream, tty=True, clock=clock)
    for step in range(1, 4):
        clock.now = 2.0 * step
        progress.update(step, 3)
    progress.close()
    text = stream.getvalue()
    assert "\n" not in text[:-1] and text.endswith("\n") and text.count("\r") == 3
    assert text.rstrip("\n").split("\r")[-1].startswith("build: step 3/3 (100%)")


def test_the_build_loop_reports_every_step(tiny):
    model, tokenizer, _ = tiny
    reviews = toy_reviews(10)
    ids = tokenizer(list(reviews["text"]), truncation=True, max_length=16)["input_ids"]
    config = StandinConfig(batch_size=4, max_length=16, learning_rate=1e-4)
    heard = []
    choice = standin.choose_precision("fp32")
    steps, _ = standin._train(
        model.train(),
        tokenizer.pad_token_id,
        ids,
        np.asarray(reviews["label"]),
        config,
        choice,
        (False, lambda done, total: heard.append((done, total))),
    )
    model.eval()
    assert steps == 3 and heard == [(1, 3), (2, 3), (3, 3)]


BUILD_IN_A_RUNNER = """
import sys
from pathlib import Path
from helpers.runner import prepare

def build(on_step):
    print("MISSING keys: classifier.weight (the libraries' chatter)")
    for step in (1, 2, 3):
        on_step(step, 3)

prepare.build_standin(Path(sys.argv[1]), build=build)
"""


def test_the_runner_shows_the_builds_progress_in_the_terminal_and_its_chatter_in_the_log(tmp_path):
    log = tmp_path / "run.log"
    env = {**os.environ, "PYTHONPATH": str(Path(prepare.__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", BUILD_IN_A_RUNNER, str(log)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "stand-in build: step 3/3 (100%)" in done.stdout and "min left" in done.stdout
    assert "built" in done.stdout and "chatter" not in done.stdout
    assert "chatter" in log.read_text() and "step 3/3" not in log.read_text()


def test_mean_padded_length_follows_the_builds_batches():
    lengths = [5] * 32 + [20] * 32  # one mega-batch: sorted by length, two batches of 32
    assert standin_plan.mean_padded_length(lengths, 32, seed=0) == 12.5


def test_the_build_estimate_is_steps_times_a_step_measured_here(tiny, monkeypatch):
    calls = []

    def measured(model, tokenizer, **kwargs):
        calls.append(kwargs)
        return Speed(train_tokens_per_s=1000.0, read_tokens_per_s=5000.0, precision="fp32", reason="test")

    monkeypatch.setattr(plan, "measure_speed", measured)
    sentences = list(toy_reviews(300)["text"])
    config = StandinConfig(batch_size=8, max_length=16, epochs=2.0, precision="fp32")
    estimate = standin_plan.estimate_build(config, sentences=sentences, model=tiny[:2])
    (timed,) = calls
    assert timed["train_batch_size"] == 8 and timed["precision"] == "fp32" and timed["steps"] == 5
    assert timed["train_max_length"] == round(estimate.mean_tokens) and 5 < estimate.mean_tokens <= 16
    assert estimate.steps == 2 * math.ceil(300 / 8)
    assert estimate.seconds_per_step == pytest.approx(8 * timed["train_max_length"] / 1000.0)
    assert estimate.seconds == pytest.approx(
        estimate.steps * estimate.seconds_per_step + estimate.read_seconds
    )
    assert "stand-in build (once)" in estimate.line() and "76 steps of 8" in estimate.line()


def test_the_build_estimate_measures_the_model_for_real(tiny):
    config = StandinConfig(batch_size=4, max_length=16, precision="fp32")
    estimate = standin_plan.estimate_build(config, sentences=list(toy_reviews(40)["text"]), model=tiny[:2])
    assert estimate.steps == 10 and 0 < estimate.seconds_per_step < 60 and estimate.precision == "fp32"


def test_the_plan_lists_the_build_first_and_times_the_notebooks_on_its_architecture(
    tmp_path, monkeypatch, capsys
):
    seen = {}

    def notebooks_plan(parameters, stems):
        seen.update(parameters)
        return ["  03_zero_shot   ~5 min"]

    fake = standin_plan.BuildEstimate(2105, 32, 14.0, 0.3, 2.0, "fp32")
    monkeypatch.setattr(standin_plan, "estimate_build", lambda: fake)
    monkeypatch.setattr(standin_plan, "untrained_checkpoint", lambda folder: folder)
    monkeypatch.setattr(plan, "estimate", notebooks_plan)
    prepare.print_plan(
        {"model": "auto", "profile": "seed"}, [tmp_path / "03_zero_shot.ipynb"], tmp_path / "log", True
    )
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[1].startswith("  stand-in build (once)")
        and "~11 min" in lines[1]
        and "0.30 s a step" in lines[1]
    )
    assert lines[2] == "  03_zero_shot   ~5 min"
    assert seen["model"] == "path" and seen["model_dir"]  # the stand-in is not loaded (it is not built yet)
