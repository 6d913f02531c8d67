"""What the offline stand-in's build will cost here, measured before it starts (the runner prints it with its plan).

One mega-batch of SST-2 sentences drawn as the build draws them gives the mean padded batch length;
:func:`helpers.runner.plan.measure_speed` times the build's model at that batch size and length; the build trains
``ceil(n / batch_size) × epochs`` steps. :func:`untrained_checkpoint` saves the stand-in's architecture so that
the notebooks' plan can be timed before the build.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.runner import plan
from helpers.standin import StandinConfig, base_classifier
from helpers.tokens import length_grouped_batches

SAMPLE_BATCHES = 50  # the build sorts by length within mega-batches of 50 batches: one of them is sampled
VALIDATION_SENTENCES = 872  # SST-2's validation split, read once at the end of the build
# Steps timed (after one warm-up), their median taken: a step of 32 short sentences is a fraction of a second on
# an idle machine, and on 2 shared cores single steps varied 3-13 s under load, so two steps were too few.
TIMED_STEPS = 5


@dataclass(frozen=True)
class BuildEstimate:
    """The build's steps, its measured seconds per step (at the mean padded batch) and the total."""

    steps: int
    batch_size: int
    mean_tokens: float  # a batch's padded length, mean over the sampled mega-batch
    seconds_per_step: float
    read_seconds: float  # the SST-2 validation reading at the end
    precision: str

    @property
    def seconds(self) -> float:
        return self.steps * self.seconds_per_step + self.read_seconds

    def line(self) -> str:
        """The plan's line for the build."""
        shown = plan.minutes_text(self.seconds / 60)
        return (
            f"  {'stand-in build (once)':<26} {'~' + shown:>9}  ({self.steps:,} steps of {self.batch_size} SST-2 "
            f"sentences, ~{self.mean_tokens:.0f} tokens each, {self.seconds_per_step:.2f} s a step measured here, "
            f"{self.precision})"
        )


def mean_padded_length(lengths, batch_size: int, seed: int) -> float:
    """Mean padded length of the build's batches over ``lengths`` (tokens per sentence), grouped as it groups."""
    batches = length_grouped_batches(list(lengths), batch_size, np.random.default_rng(seed))
    return float(np.mean([max(lengths[i] for i in batch) for batch in batches]))


def estimate_build(config: StandinConfig | None = None, *, sentences=None, model=None) -> BuildEstimate:
    """Measure the build of ``config`` on this machine. ``sentences``: SST-2's training texts (default: loaded
    as the build loads them); ``model``: ``(model, tokenizer)`` to time (default: the build's own,
    :func:`helpers.standin.base_classifier`)."""

    config = config or StandinConfig()
    if sentences is None:
        from helpers.data import load_sst2

        sentences = load_sst2()[0]["train"]["text"]
    n = len(sentences) if config.n_train is None else min(config.n_train, len(sentences))
    model, tokenizer = model or base_classifier(config)
    rng = np.random.default_rng(config.seed)
    size = min(n, config.batch_size * SAMPLE_BATCHES)
    sample = [sentences[int(i)] for i in rng.choice(len(sentences), size=size, replace=False)]
    lengths = [
        len(ids) for ids in tokenizer(sample, truncation=True, max_length=config.max_length)["input_ids"]
    ]
    mean_tokens = mean_padded_length(lengths, config.batch_size, config.seed)
    length = max(1, round(mean_tokens))
    speed = plan.measure_speed(
        model,
        tokenizer,
        train_batch_size=config.batch_size,
        train_max_length=length,
        test_max_length=length,  # the validation sentences are as short
        precision=config.precision,
        eval_batch_size=128,  # the build's validation batch
        steps=TIMED_STEPS,
    )
    step_tokens = config.batch_size * length
    return BuildEstimate(
        steps=max(1, round(math.ceil(n / config.batch_size) * config.epochs)),
        batch_size=config.batch_size,
        mean_tokens=mean_tokens,
        seconds_per_step=step_tokens / speed.train_tokens_per_s,
        read_seconds=VALIDATION_SENTENCES * float(np.mean(lengths)) / speed.read_tokens_per_s,
        precision=speed.precision,
    )


def untrained_checkpoint(folder: Path, config: StandinConfig | None = None) -> Path:
    """Save the stand-in's architecture, untrained head and all, into ``folder``: what
    :func:`helpers.runner.plan.estimate` times the notebooks' steps on before the stand-in is built (speed depends on
    the shapes, not the weights)."""
    model, tokenizer = base_classifier(config or StandinConfig())
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
