"""Precision ``auto`` on a CPU, measured on this machine: bf16 autocast against fp32, once per machine, cached.

:func:`measure_reference` times a training step (4 × 128 tokens) and a prediction batch (8 × 128) in both
precisions (:func:`helpers.speed.time_steps`) on a random one-layer encoder with the stand-in's layer shapes (BERT,
hidden 384, feed-forward 1536, 12 heads): bf16 against fp32 is a matter of the matrix products' kernels, the same
in 1 layer as in 6, and precision is decided where no model is at hand. :func:`cached_measurement` keeps the result
in :func:`helpers.environment.cache_dir`, one JSON file per :func:`machine_key`, written atomically; a missing,
corrupt or stale file is measured again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from helpers import environment
from helpers.devices import cpu_flags, cpu_model
from helpers.speed import time_steps

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # raise when the measurement changes meaning: older files are then stale
BF16_MARGIN = 1.10
"""bf16 must be at least 10% faster than fp32 at both training and prediction to be chosen. A few timed steps on a
shared machine vary by several percent between measurements, so a smaller lead could reverse at the next one; a
tie goes to fp32 (no autocast, simpler numerics), and one precision serves training and prediction alike."""
SPEEDS = ("fp32_train", "bf16_train", "fp32_read", "bf16_read")
REFERENCE = {  # the shapes measured (part of the cache key)
    "architecture": "BERT",
    "hidden_size": 384,
    "intermediate_size": 1536,
    "num_attention_heads": 12,
    "num_hidden_layers": 1,
    "vocab_size": 2048,
    "train_shape": [4, 128],
    "read_shape": [8, 128],
    "steps": 2,
}


@dataclass(frozen=True)
class Measured:
    """bf16 autocast against fp32 on this CPU: tokens/s of each, when, and how long measuring took."""

    fp32_train: float
    bf16_train: float  # 0.0 where bf16 could not run (``bf16_error`` says why)
    fp32_read: float
    bf16_read: float
    when: str  # UTC, ISO 8601
    seconds: float
    shapes: dict[str, Any]
    bf16_error: str | None = None

    @property
    def train_ratio(self) -> float:
        """bf16's training speed over fp32's (above 1: bf16 faster)."""
        return self.bf16_train / self.fp32_train

    @property
    def read_ratio(self) -> float:
        """bf16's prediction speed over fp32's."""
        return self.bf16_read / self.fp32_read

    def bf16_wins(self, margin: float = BF16_MARGIN) -> bool:
        """bf16 at least ``margin`` times fp32's speed at both training and prediction."""
        return self.bf16_error is None and min(self.train_ratio, self.read_ratio) >= margin

    def as_dict(self) -> dict[str, Any]:
        """What a results file records: the four speeds, both ratios, when, and the shapes measured."""
        return asdict(self) | {
            "train_ratio": round(self.train_ratio, 3),
            "read_ratio": round(self.read_ratio, 3),
            "margin": BF16_MARGIN,
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Measured:
        """The measurement ``as_dict`` wrote; a ``ValueError``, ``KeyError`` or ``TypeError`` where it is not one."""
        speeds = {name: float(record[name]) for name in SPEEDS}
        if min(speeds["fp32_train"], speeds["fp32_read"]) <= 0:
            raise ValueError(f"fp32 speeds must be positive, not {speeds}")
        return cls(
            **speeds,
            when=str(record["when"]),
            seconds=float(record["seconds"]),
            shapes=dict(record["shapes"]),
            bf16_error=record.get("bf16_error"),
        )

    def text(self) -> str:
        """``bf16 0.57× fp32 in training (1,980 against 3,468 tokens/s), 0.59× in prediction (…)``."""
        if self.bf16_error:
            return (
                f"bf16 did not run here ({self.bf16_error}); fp32 {self.fp32_train:,.0f} tokens/s in training"
            )
        return (
            f"bf16 {self.train_ratio:.2f}× fp32 in training ({self.bf16_train:,.0f} against "
            f"{self.fp32_train:,.0f} tokens/s), {self.read_ratio:.2f}× in prediction ({self.bf16_read:,.0f} "
            f"against {self.fp32_read:,.0f})"
        )


def machine_key(shapes: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a measurement depends on: the CPU's model and flags, torch's threads and version, the shapes."""
    import torch

    return {
        "version": CACHE_VERSION,
        "cpu": cpu_model(),
        "cpu_flags": " ".join(sorted(cpu_flags())),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "shapes": shapes if shapes is not None else REFERENCE,
    }


def cache_file(key: dict[str, Any]) -> Path:
    """The cache file of ``key``: ``precision-<hash of the key>.json`` in :func:`helpers.environment.cache_dir`."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return environment.cache_dir() / f"precision-{digest}.json"


def cached_measurement(measure: Callable[[], Measured] | None = None) -> Measured:
    """This machine's :class:`Measured`, from the cache when it holds this machine's key, else ``measure()``d
    (default :func:`measure_reference`) and written there."""
    key = machine_key()
    path = cache_file(key)
    found = _read(path, key)
    if found is not None:
        return found
    measured = (measure or measure_reference)()
    _write(path, {"key": key, "measured": measured.as_dict()})
    return measured


def _read(path: Path, key: dict[str, Any]) -> Measured | None:
    """The measurement in ``path`` if it is whole and was made under ``key``; None otherwise (measure again)."""
    try:
        record = json.loads(path.read_text())
        if record["key"] != key:
            log.info("precision cache %s was measured on another key: measuring again", path)
            return None
        return Measured.from_dict(record["measured"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("precision cache %s unreadable (%s): measuring again", path, error)
        return None


def _write(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` to ``path`` atomically (a temporary file beside it, then renamed); a cache that cannot be
    written is logged, not an error: the next call measures again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
            json.dump(record, handle, indent=2)
        os.replace(handle.name, path)
    except OSError as error:
        log.warning("precision cache %s not written (%s): auto will measure again next time", path, error)


def reference_model():
    """A randomly initialised BERT classifier of :data:`REFERENCE`'s shapes (no download, no dropout)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=REFERENCE["vocab_size"],
        hidden_size=REFERENCE["hidden_size"],
        intermediate_size=REFERENCE["intermediate_size"],
        num_attention_heads=REFERENCE["num_attention_heads"],
        num_hidden_layers=REFERENCE["num_hidden_layers"],
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        num_labels=2,
    )
    return BertForSequenceClassification(config)


def measure_reference() -> Measured:
    """Time :func:`reference_model` in fp32 and bf16 autocast on the CPU (bf16 left out, with the error, where
    torch cannot run it here)."""
    import torch

    started = time.perf_counter()
    model = reference_model()
    shapes = {
        "train_shape": tuple(REFERENCE["train_shape"]),
        "read_shape": tuple(REFERENCE["read_shape"]),
        "device": torch.device("cpu"),
        "steps": REFERENCE["steps"],
    }
    error = None
    try:
        speeds = time_steps(model, precisions=("fp32", "bf16"), **shapes)
    except RuntimeError as failure:  # bf16 autocast unsupported by this build or CPU
        error = str(failure).splitlines()[0][:200]
        speeds = time_steps(model, precisions=("fp32",), **shapes)
    fp32, bf16 = speeds["fp32"], speeds.get("bf16")
    return Measured(
        fp32_train=fp32.train_tokens_per_s,
        bf16_train=bf16.train_tokens_per_s if bf16 else 0.0,
        fp32_read=fp32.read_tokens_per_s,
        bf16_read=bf16.read_tokens_per_s if bf16 else 0.0,
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        seconds=round(time.perf_counter() - started, 2),
        shapes=REFERENCE,
        bf16_error=error,
    )
