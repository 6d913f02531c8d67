"""Where a training step's time goes: a torch.profiler breakdown by category (attention, matmuls, dropout, casts,
elementwise, optimizer, collation, Python and framework)."""

from __future__ import annotations

import time

from helpers.bench.training import (
    length_grouped_batches,
    make_train_step,
    pad_token_id,
    tokenized_sample,
    training_setups,
)
from helpers.devices import choose_device

BREAKDOWN = (
    "attention",
    "dropout",
    "matmuls",
    "dtype casts",
    "elementwise and other ops",
    "optimizer",
    "collation",
    "Python and framework",
)


def op_category(name: str, scopes: set[str]) -> str:
    """Which part of a training step an operator's own time belongs to (by its name and enclosing scopes)."""
    lowered = name.lower()
    if "collate" in scopes:
        return "collation"
    if "optimizer" in scopes or "adam" in lowered or "_foreach" in lowered:
        return "optimizer"
    if "dropout" in lowered or "bernoulli" in lowered:
        return "dropout"
    if any(key in lowered for key in ("scaled_dot_product", "flash_attention", "softmax", "bmm")):
        return "attention"
    if lowered in {"aten::mm", "aten::addmm", "aten::matmul", "aten::linear"}:
        return "matmuls"
    if lowered in {"aten::copy_", "aten::_to_copy", "aten::to"}:  # autocast's fp32 -> bf16 copies, mostly
        return "dtype casts"
    return "elementwise and other ops"


def profile_breakdown(step, batches) -> dict[str, float]:
    """Share of the wall time of ``step`` over ``batches`` in each of :data:`BREAKDOWN` (torch.profiler's operator self
    time by :func:`op_category`; the rest is "Python and framework")."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        for batch in batches:
            step(batch)
        wall_us = (time.perf_counter() - start) * 1e6
    scope_names = {"collate", "optimizer"}
    spent = dict.fromkeys(BREAKDOWN, 0.0)
    for event in prof.events():
        if event.name in scope_names:
            continue
        scopes, parent = set(), event.cpu_parent
        while parent is not None:
            if parent.name in scope_names:
                scopes.add(parent.name)
            parent = parent.cpu_parent
        spent[op_category(event.name, scopes)] += event.self_cpu_time_total
    spent["Python and framework"] = max(0.0, wall_us - sum(spent.values()))
    return {key: value / wall_us for key, value in spent.items()}


def bench_profile(
    model, tokenizer, train, *, max_length: int, batch_size: int, seed: int, device=None, steps: int = 2
) -> dict[str, dict[str, float]]:
    """Profile breakdown of a few steps of the previous and the new default (after a warm-up step)."""
    device = choose_device(device)
    setups = training_setups(batch_size)[:2]
    biggest = max(s.batch_size for s in setups)
    ids, labels, lengths = tokenized_sample(
        model, tokenizer, train, (steps + 1) * biggest, max_length, seed + 1
    )
    out = {}
    for setup in setups:
        batches = length_grouped_batches(lengths, setup.batch_size, seed)[: steps + 1]
        step = make_train_step(model, setup, ids, labels, pad_token_id(tokenizer), max_length, device)
        step(batches[0])
        out[setup.method] = profile_breakdown(step, batches[1:])
        shares = "  ".join(f"{k} {v:.0%}" for k, v in out[setup.method].items())
        print(f"  {setup.method}: {shares}", flush=True)
    return out
