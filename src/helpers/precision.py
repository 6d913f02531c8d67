"""Numeric precision chosen by the hardware: one decision for prediction, training, the stand-in build, the search
and the benchmark.

``precision="auto"`` (every profile's default) picks

* ``bf16`` where the device computes bfloat16 natively: a CUDA GPU with bf16 support, or a CPU whose oneDNN
  reports bf16 support (AVX-512 BF16 or AMX);
* ``fp16`` autocast on a CUDA GPU without bf16;
* ``fp32`` otherwise: x86 CPUs with AVX2 only (most laptops, AMD before Zen 4), Intel Xeons with AVX-512 but
  without BF16, and any CPU oneDNN cannot run bf16 on.

Why it matters: bf16 autocast on a CPU without bf16 units emulates every matrix product. On a 2-core AMD EPYC with
AVX2 only it made a training step 19× and prediction 6× slower than fp32 (stand-in architecture, 16 × 128
tokens); on CPUs with AMX or AVX-512 BF16 it is the faster one (``python -m helpers.bench`` times both on the
machine it runs on). An explicit precision always wins; an explicit ``bf16`` on a CPU without native bf16 warns
once. Every results file records the :class:`PrecisionChoice` (what was asked, what was used, and the capability
it was decided from).
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
EMULATED_BF16_COST = (
    "bf16 autocast on a CPU without native bf16 measured 19x slower training steps and 6x slower prediction than "
    "fp32 (2-core AMD EPYC, AVX2 only)"
)
_warned: set[str] = set()


@dataclass(frozen=True)
class Capability:
    """What a device can compute fast: the facts ``choose_precision`` decides from (recorded in results files)."""

    device_type: str  # "cpu" or "cuda"
    cpu_class: str  # "AMX", "AVX-512 BF16", "AVX-512", "AVX2", or torch's own name for other CPUs
    native_bf16: bool  # bf16 matrix products in hardware (oneDNN on a CPU, torch.cuda on a GPU)
    gpu: str | None = None  # the GPU's name on CUDA

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.gpu or f"CPU, {self.cpu_class}"
        return f"{where}: {'native' if self.native_bf16 else 'no native'} bf16"


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision a run uses (``fp32``, ``bf16`` or ``fp16``), what was asked, and why."""

    precision: str
    requested: str
    capability: Capability
    reason: str

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
        }


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (an empty set where there is no such file)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_class(flags: set[str], torch_capability: str) -> str:
    """A short name of the CPU's matrix hardware: ``AMX``, ``AVX-512 BF16``, ``AVX-512``, ``AVX2`` or torch's."""
    if "amx_bf16" in flags:
        return "AMX"
    if "avx512_bf16" in flags:
        return "AVX-512 BF16"
    if "avx512f" in flags or torch_capability.startswith("AVX512"):
        return "AVX-512"
    if "avx2" in flags or torch_capability == "AVX2":
        return "AVX2"
    return torch_capability or "unknown"


def detect_capability(device=None) -> Capability:
    """The :class:`Capability` of ``device`` (a ``torch.device`` or string; default: the CPU)."""
    import torch

    device = torch.device(device if device is not None else "cpu")
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return Capability(
            device_type="cuda",
            cpu_class=cpu_class(cpu_flags(), torch.backends.cpu.get_cpu_capability()),
            native_bf16=bool(torch.cuda.is_bf16_supported()),
            gpu=torch.cuda.get_device_name(index),
        )
    return Capability(
        device_type="cpu",
        cpu_class=cpu_class(cpu_flags(), torch.backends.cpu.get_cpu_capability()),
        native_bf16=bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
    )


def choose_precision(
    requested: str = "auto", device=None, capability: Capability | None = None
) -> PrecisionChoice:
    """The precision to run ``device`` in: ``requested`` if explicit, else decided from ``capability``
    (default: :func:`detect_capability` of ``device``). A ``ValueError`` names an unknown precision or fp16 on a
    CPU; an explicit ``bf16`` on a CPU without native bf16 warns once, saying what it costs."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}")
    capability = capability or detect_capability(device)
    gpu = capability.device_type == "cuda"
    if requested == "auto":
        if capability.native_bf16:
            where = "GPU supports" if gpu else f"CPU ({capability.cpu_class}) computes"
            return PrecisionChoice("bf16", requested, capability, f"auto: the {where} bf16 natively")
        if gpu:
            return PrecisionChoice("fp16", requested, capability, "auto: a GPU without bf16, fp16 autocast")
        reason = f"auto: the CPU ({capability.cpu_class}) has no native bf16, where fp32 is faster"
        return PrecisionChoice("fp32", requested, capability, reason)
    if requested == "fp16" and not gpu:
        raise ValueError("precision 'fp16' is for CUDA GPUs; on a CPU use 'auto', 'fp32' or 'bf16'")
    if requested == "bf16" and not capability.native_bf16 and not gpu and "bf16" not in _warned:
        _warned.add("bf16")
        warnings.warn(
            f"precision 'bf16' asked for on a CPU without native bf16 ({capability.cpu_class}): "
            f"{EMULATED_BF16_COST}. Use precision 'auto' (fp32 here).",
            stacklevel=2,
        )
    return PrecisionChoice(requested, requested, capability, "asked for explicitly")


def autocast(choice: PrecisionChoice, device):
    """The autocast context of ``choice`` on ``device`` (a no-op for fp32)."""
    import torch

    dtype = choice.autocast_dtype
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)
