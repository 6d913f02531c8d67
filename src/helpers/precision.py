"""Numeric precision chosen on this machine: one decision for prediction, training, the stand-in build, the search
and the benchmark.

``precision="auto"`` picks, on a CPU, what a measurement here says (:mod:`helpers.precision_measure`): ``bf16``
only where it is at least :data:`~helpers.precision_measure.BF16_MARGIN` faster at both training and prediction,
else ``fp32``; on a CUDA GPU ``bf16`` where supported, else ``fp16``. Measured, not read from the CPU's flags:
emulated bf16 is several times slower, and native bf16 units are not always faster. An explicit precision always
wins (an explicit ``bf16`` without native bf16 warns once); results files record the :class:`PrecisionChoice`.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helpers.devices import Capability, detect_capability
from helpers.precision_measure import BF16_MARGIN, Measured, cached_measurement

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
EMULATED_BF16_COST = (
    "bf16 autocast on a CPU without native bf16 measured 19x slower training steps and 6x slower prediction than "
    "fp32 (2-core AMD EPYC, AVX2 only)"
)
_warned: set[str] = set()


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision a run uses (``fp32``, ``bf16`` or ``fp16``), what was asked, and why."""

    precision: str
    requested: str
    capability: Capability
    reason: str
    measured: dict[str, Any] | None = field(default=None, hash=False)  # auto on a CPU: Measured.as_dict()

    @property
    def autocast_dtype(self):
        """``torch.bfloat16`` / ``torch.float16`` for autocast, ``None`` for fp32."""
        import torch

        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "requested": self.requested,
            "reason": self.reason,
            "capability": self.capability.as_dict(),
            "measured": self.measured,
        }


def choose_precision(
    requested: str = "auto",
    device=None,
    capability: Capability | None = None,
    measure: Callable[[], Measured] | None = None,
) -> PrecisionChoice:
    """The precision to run ``device`` in: ``requested`` if explicit; for ``auto``, on a GPU by ``capability``
    (default: :func:`detect_capability` of ``device``), on a CPU by this machine's cached measurement
    (``measure``: what measures on a cache miss, default
    :func:`~helpers.precision_measure.measure_reference`). A ``ValueError`` names an unknown precision or fp16 on
    a CPU; an explicit ``bf16`` on a CPU without native bf16 warns once, saying what it costs."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}")
    capability = capability or detect_capability(device)
    gpu = capability.device_type == "cuda"
    if requested == "auto":
        if gpu:
            return _auto_on_a_gpu(capability)
        return _auto_on_a_cpu(capability, cached_measurement(measure))
    if requested == "fp16" and not gpu:
        raise ValueError("precision 'fp16' is for CUDA GPUs; on a CPU use 'auto', 'fp32' or 'bf16'")
    if requested == "bf16" and not capability.native_bf16 and not gpu and "bf16" not in _warned:
        _warned.add("bf16")
        warnings.warn(
            f"precision 'bf16' asked for on a CPU without native bf16 ({capability.cpu_class}): "
            f"{EMULATED_BF16_COST}. Use precision 'auto' (it measures which is faster here).",
            stacklevel=2,
        )
    return PrecisionChoice(requested, requested, capability, "asked for explicitly")


def _auto_on_a_gpu(capability: Capability) -> PrecisionChoice:
    """bf16 on a GPU that supports it, else fp16 autocast."""
    if capability.native_bf16:
        return PrecisionChoice("bf16", "auto", capability, "auto: the GPU supports bf16 natively")
    return PrecisionChoice("fp16", "auto", capability, "auto: a GPU without bf16, fp16 autocast")


def _auto_on_a_cpu(capability: Capability, measured: Measured) -> PrecisionChoice:
    """bf16 where ``measured`` finds it at least :data:`BF16_MARGIN` times fp32's speed at both, else fp32."""
    if measured.bf16_error:
        found = f"bf16 did not run on this CPU ({capability.cpu_class})"
    else:
        found = (
            f"bf16 ran at {measured.train_ratio:.2f}× fp32's speed in training, {measured.read_ratio:.2f}× in "
            f"prediction on this CPU ({capability.cpu_class})"
        )
    if measured.bf16_wins():
        return PrecisionChoice("bf16", "auto", capability, f"auto: {found}", measured.as_dict())
    reason = f"auto: {found}; bf16 is used only where it runs at least {BF16_MARGIN:.2f}× as fast at both"
    return PrecisionChoice("fp32", "auto", capability, reason, measured.as_dict())


def autocast(choice: PrecisionChoice, device):
    """The autocast context of ``choice`` on ``device`` (a no-op for fp32)."""
    import torch

    dtype = choice.autocast_dtype
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)
