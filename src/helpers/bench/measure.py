"""Measuring: one method's timing record, peak memory, warm-up-then-repeat timing, the machine and its matmul peak,
FLOPs per token (for the share-of-peak column)."""

from __future__ import annotations

import os
import platform
import threading
import time
from dataclasses import dataclass, field

from helpers.devices import cpu_flags, cpu_model


@dataclass
class Measurement:
    """One method's timing on the benchmark reviews."""

    task: str
    method: str
    seconds: float
    reviews: int
    tokens: int  # real (non-padding) tokens processed
    peak_rss_mb: float
    accuracy: float | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def reviews_per_s(self) -> float:
        return self.reviews / self.seconds

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 20 ms), in MB."""

    def __enter__(self):
        import psutil

        self._process, self.peak, self._stop = psutil.Process(), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss / 2**20)
            self._stop.wait(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss / 2**20)


def timed(fn, repeats: int) -> tuple[list[float], object]:
    """``fn`` once as a warm-up, then ``repeats`` timed calls: (seconds of each, the last result)."""
    result = fn()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def machine_description() -> dict:
    """CPU model, cores, threads, torch version and the CPU features that decide bf16/int8 speed."""
    import torch

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "bf16_hardware": sorted(cpu_flags() & {"avx512_bf16", "amx_bf16"}),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
    }


def matmul_peak_gflops(size: int = 1024, repeats: int = 5) -> dict[str, float]:
    """Measured dense matmul throughput (GFLOP/s) in fp32 and bf16, the best of ``repeats`` (after a warm-up):
    the ceiling any model here can approach."""
    import torch

    out = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
        torch.matmul(a, b)  # warm-up
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            torch.matmul(a, b)
            best = min(best, time.perf_counter() - start)
        out[name] = 2 * size**3 / best / 1e9
    return out


def flops_per_token(model, context: int) -> dict[str, float]:
    """Forward FLOPs per token ≈ 2 × non-embedding parameters + 2 × layers × context × hidden (Kaplan et al. 2020)."""
    config = model.config
    layers = getattr(config, "num_hidden_layers", None) or config.n_layers
    hidden = getattr(config, "hidden_size", None) or config.dim
    embedding = sum(p.numel() for n, p in model.named_parameters() if "embeddings" in n)
    non_embedding = sum(p.numel() for p in model.parameters()) - embedding
    forward = 2 * non_embedding + 2 * layers * context * hidden
    return {
        "forward": float(forward),
        "train": float(3 * forward),
        "non_embedding_params": float(non_embedding),
    }
