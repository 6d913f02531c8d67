"""One device choice shared by prediction, training and the benchmark: CUDA when available, else the CPU.

``device="cpu"`` (or ``"cuda:1"``, or ``$IMDB_DEVICE``) overrides :func:`choose_device`; on a GPU float32 matrix
products use TF32. The hardware's facts live here too: the one reader of ``/proc/cpuinfo`` and the device's
:class:`Capability`.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from typing import Any

from helpers import environment


def choose_device(device=None):
    """The ``torch.device`` to run on: ``device`` if given, else ``$IMDB_DEVICE``, else CUDA when available.

    A CUDA device asked for on a machine without one is a ``ValueError`` naming what is available.
    """
    import torch

    wanted = device if device is not None else environment.device()
    if wanted is None:
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        chosen = torch.device(wanted)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:<index>', not {wanted!r}") from error
    if chosen.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {wanted!r} asked for, but torch sees no CUDA GPU here; use 'cpu'")
        torch.set_float32_matmul_precision("high")  # TF32 matrix products
    elif chosen.type != "cpu":
        raise ValueError(f"device must be 'cpu' or a CUDA device, not {wanted!r}")
    return chosen


def device_name(device) -> str:
    """``"cpu"`` or ``"cuda:0 (NVIDIA H100 80GB HBM3)"``: what a result records about where it ran."""
    import torch

    device = torch.device(device)
    if device.type != "cuda":
        return "cpu"
    index = device.index if device.index is not None else torch.cuda.current_device()
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


def cpu_info(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> dict[str, str]:
    """The first processor's fields of ``/proc/cpuinfo`` (``model name``, ``flags``, …); empty where there is no
    such file. The one reader of that file: :func:`cpu_model`, :func:`cpu_flags` and the benchmark ask here."""
    fields: dict[str, str] = {}
    try:
        with open(cpuinfo) as handle:
            for line in handle:
                if not line.strip():
                    if fields:
                        break  # the first processor's block is enough: every core reports the same model
                    continue
                name, _, value = line.partition(":")
                fields.setdefault(name.strip(), value.strip())
    except OSError:
        pass
    return fields


def cpu_model(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str:
    """The CPU's model name (``Intel(R) Xeon(R) Processor``), or the platform's processor name elsewhere."""
    return cpu_info(cpuinfo).get("model name") or platform.processor() or platform.machine() or "unknown CPU"


def cpu_flags(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (an empty set where there is no such file)."""
    return set(cpu_info(cpuinfo).get("flags", "").split())


@dataclass(frozen=True)
class Capability:
    """What a device can compute fast (recorded in results files): on a GPU, what ``auto`` decides from; on a CPU,
    its class beside the measurement that decides."""

    device_type: str  # "cpu" or "cuda"
    cpu_class: str  # "AMX", "AVX-512 BF16", "AVX-512", "AVX2", or torch's own name for other CPUs
    native_bf16: bool  # bf16 matrix products in hardware (oneDNN on a CPU, torch.cuda on a GPU)
    gpu: str | None = None  # the GPU's name on CUDA

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.gpu or f"CPU, {self.cpu_class}"
        return f"{where}: {'native' if self.native_bf16 else 'no native'} bf16"


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
    klass = cpu_class(cpu_flags(), torch.backends.cpu.get_cpu_capability())
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return Capability(
            "cuda", klass, bool(torch.cuda.is_bf16_supported()), torch.cuda.get_device_name(index)
        )
    return Capability("cpu", klass, bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()))


def machine_text() -> str:
    """This machine in a few words, for a record of where a run's minutes were measured:
    ``2-core Intel(R) Xeon(R) Processor (AMX)``, with the GPU when torch sees one."""
    import torch

    text = f"{os.cpu_count()}-core {cpu_model()} ({detect_capability().cpu_class})"
    if torch.cuda.is_available():
        text += f", GPU {torch.cuda.get_device_name(0)}"
    return text
