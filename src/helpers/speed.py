"""One timed step, shared by the runner's plan, precision ``auto`` and the benchmark.

:func:`time_steps` times training steps (forward, backward, AdamW) and prediction batches on random token ids in
one or more precisions, interleaved after one warm-up each so that a busy machine slows them alike; each speed is
the median step's."""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

AUTOCAST_DTYPES = {"fp32": None, "bf16": "bfloat16", "fp16": "float16"}


@dataclass(frozen=True)
class StepSpeed:
    """Tokens per second of one training step and of one prediction batch."""

    train_tokens_per_s: float
    read_tokens_per_s: float


def timed_step(step, batch, device) -> float:
    """Seconds one call of ``step(batch)`` takes, the device synchronised before and after (CUDA runs async)."""
    import torch

    sync = torch.cuda.synchronize if device.type == "cuda" else lambda _device: None
    sync(device)
    start = time.perf_counter()
    step(batch)
    sync(device)
    return time.perf_counter() - start


def autocast_context(precision: str, device):
    """``torch.autocast`` in ``precision``'s dtype on ``device``; a no-op for ``fp32``."""
    import torch

    dtype = AUTOCAST_DTYPES[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=getattr(torch, dtype))


def time_steps(
    model,
    *,
    precisions: Sequence[str],
    train_shape: tuple[int, int],
    read_shape: tuple[int, int],
    device,
    vocab: int | None = None,
    steps: int = 2,
    prepare: Callable[[Any], None] | None = None,
) -> dict[str, StepSpeed]:
    """Each precision's :class:`StepSpeed` for ``model`` (a copy per precision: ``model`` is not changed) at
    ``train_shape`` and ``read_shape`` (reviews × tokens) on ``device``: one warm-up and ``steps`` timed steps
    of each, interleaved. ``vocab``: token ids are drawn below it (default: the model's vocabulary);
    ``prepare``: called on each copy before it is timed (e.g. to set the training recipe's dropout)."""
    import torch

    vocab = vocab or model.config.vocab_size
    generator = torch.Generator().manual_seed(0)
    low = 1_000 if vocab > 2_000 else 0  # clear of the special tokens where the vocabulary allows

    def batch(shape):
        ids = torch.randint(low, vocab, shape, generator=generator).to(device)
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}

    copies = {name: copy.deepcopy(model).to(device) for name in precisions}
    for each in copies.values():
        if prepare is not None:
            prepare(each)
    train = _train_steps(copies, batch(train_shape), device)
    read = _read_batches(copies, batch(read_shape), device)
    train_s = _interleaved(train, steps, device)
    read_s = _interleaved(read, steps, device)
    return {
        name: StepSpeed(
            train_tokens_per_s=float(np.prod(train_shape)) / float(np.median(train_s[name])),
            read_tokens_per_s=float(np.prod(read_shape)) / float(np.median(read_s[name])),
        )
        for name in precisions
    }


def _train_steps(copies: dict, inputs: dict, device) -> dict:
    """One training-step function per precision, each on its own copy of the model and its own AdamW."""
    import torch

    labels = torch.zeros(inputs["input_ids"].shape[0], dtype=torch.long, device=device)

    def step_of(name, model):
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)

        def step(_batch=None):
            with autocast_context(name, device):
                loss = model(**inputs, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        return step

    return {name: step_of(name, model) for name, model in copies.items()}


def _read_batches(copies: dict, inputs: dict, device) -> dict:
    """One prediction-batch function per precision (no gradients)."""
    import torch

    def read_of(name, model):
        def read(_batch=None):
            model.eval()
            with torch.inference_mode(), autocast_context(name, device):
                model(**inputs)

        return read

    return {name: read_of(name, model) for name, model in copies.items()}


def _interleaved(functions: dict, steps: int, device) -> dict[str, list[float]]:
    """One untimed warm-up call of each function, then ``steps`` rounds timing each once in turn."""
    for function in functions.values():
        function()
    seconds: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(steps):
        for name, function in functions.items():
            seconds[name].append(timed_step(function, None, device))
    return seconds
