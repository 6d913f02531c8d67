"""The two settings objects of the transformer path, frozen so that one value can be shared and varied safely:
:class:`Reading` (how reviews are read into a model) and :class:`TrainingRun` (one fine-tuning run besides its
data, the :class:`Reading` of its validation reviews included). Vary one with ``.with_(…)``."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from typing import Any

from helpers.precision import PRECISIONS, PrecisionChoice, choose_precision
from helpers.tokens import TRUNCATIONS

DEFAULT_DROPOUT = {"attention_dropout": 0.0, "hidden_dropout": 0.0}  # the recipe: see helpers.training
EVAL_BATCH_SIZES = {"cuda": 64, "cpu:bf16": 32, "cpu:fp32": 8}


def eval_batch_size(choice: PrecisionChoice) -> int:
    """Reviews per forward pass when ``batch_size="auto"``: 64 on a GPU; on a CPU 32 in bf16 and 8 in fp32, where
    batches of 32 ran slower (seed test reviews at 512 tokens: 10.5 reviews/s at 32 against 13.5 at 8)."""
    if choice.capability.device_type == "cuda":
        return EVAL_BATCH_SIZES["cuda"]
    return EVAL_BATCH_SIZES[f"cpu:{'bf16' if choice.precision == 'bf16' else 'fp32'}"]


def _is_count(value: Any) -> bool:
    """A positive whole number (NumPy integers too, not bools)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def _check(truncation: str, max_length: int, precision: str) -> None:
    if truncation not in TRUNCATIONS:
        raise ValueError(f"truncation must be one of {TRUNCATIONS}, not {truncation!r}")
    least = 4 if truncation == "head_tail" else 3  # [CLS], a head token (and a tail token), [SEP]
    if not _is_count(max_length) or max_length < least:
        raise ValueError(
            f"max_length must be an integer of at least {least} for {truncation}, got {max_length!r}"
        )
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")


@dataclass(frozen=True)
class Reading:
    """How reviews are read: ``max_length`` tokens with [CLS] and [SEP], cut by ``truncation`` (``head`` or
    ``head_tail``), ``batch_size`` reviews per forward pass (``auto``: :func:`eval_batch_size`), in ``precision``
    (``auto``: measured on the machine, :func:`helpers.precision.choose_precision`) on ``device`` (None: CUDA when there)."""

    truncation: str = "head_tail"
    max_length: int = 512
    batch_size: int | str = "auto"
    precision: str = "auto"
    device: Any = None

    def __post_init__(self):
        _check(self.truncation, self.max_length, self.precision)
        if self.batch_size != "auto" and not _is_count(self.batch_size):
            raise ValueError(f"batch_size must be a positive integer or 'auto', got {self.batch_size!r}")

    def with_(self, **changes) -> Reading:
        """A copy with ``changes``."""
        return replace(self, **changes)

    def batch_size_for(self, choice: PrecisionChoice) -> int:
        """Reviews per forward pass under ``choice`` (``auto`` resolved)."""
        return eval_batch_size(choice) if self.batch_size == "auto" else self.batch_size

    def __str__(self) -> str:
        return f"{self.max_length} tokens ({self.truncation})"


@dataclass(frozen=True)
class TrainingRun:
    """One fine-tuning run besides its data.

    ``max_length`` and ``truncation`` cut the training reviews; ``validation`` reads the validation reviews (None: as
    the training reviews), in the run's ``precision`` on its ``device``. ``eval_steps`` defaults to ``n_evals``
    evaluations per run, each a checkpoint (``save_total_limit`` kept). Dropout 0 by default; None keeps the
    checkpoint's.
    """

    learning_rate: float = 2e-5
    epochs: float = 1
    batch_size: int = 16
    max_length: int = 256
    truncation: str = "head_tail"
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    seed: int = 42
    precision: str = "auto"
    device: Any = None
    attention_dropout: float | None = DEFAULT_DROPOUT["attention_dropout"]
    hidden_dropout: float | None = DEFAULT_DROPOUT["hidden_dropout"]
    n_evals: int = 3
    eval_steps: int | None = None
    logging_steps: int | None = None
    save_total_limit: int = 2
    validation: Reading | None = None

    def __post_init__(self):
        _check(self.truncation, self.max_length, self.precision)
        if (
            not self.learning_rate > 0
            or not self.epochs > 0
            or not _is_count(self.batch_size)
            or not _is_count(self.n_evals)
        ):
            raise ValueError(
                f"learning_rate and epochs must be positive and batch_size and n_evals at least 1, got "
                f"{self.learning_rate}, {self.epochs}, {self.batch_size}, {self.n_evals}"
            )
        reading = self.validation
        if reading is not None and (
            reading.precision not in ("auto", self.precision) or reading.device not in (None, self.device)
        ):
            raise ValueError(
                f"the validation reading's precision and device are the run's ({self.precision}, {self.device}), "
                f"not {reading.precision}, {reading.device}: the Trainer evaluates as it trains"
            )

    def with_(self, **changes) -> TrainingRun:
        """A copy with ``changes``."""
        return replace(self, **changes)

    def validation_reading(self) -> Reading:
        """How this run reads its validation reviews (precision and device: the run's)."""
        reading = self.validation or Reading(truncation=self.truncation, max_length=self.max_length)
        return reading.with_(precision=self.precision, device=self.device)

    def precision_choice(self, device) -> PrecisionChoice:
        """The precision this run trains and evaluates in on ``device``."""
        return choose_precision(self.precision, device)
