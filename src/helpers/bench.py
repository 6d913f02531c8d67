"""Speed benchmark: the project's inference and training against competent baselines, side by side, in one run.

    python -m helpers.bench                     # quick: a few minutes on 2 cores, the offline stand-in
    python -m helpers.bench --mode thorough     # more reviews and steps, the recipe check on 2,000 reviews
    python -m helpers.bench --model distilbert-random   # the study's architecture, random weights: its speed
    python -m helpers.bench --model tiny --n 16 --train-steps 2   # what the test runs

Inference: ``pipeline`` at batch 1, at batch 32 and with a bf16 model, naive padding, and ``predict``; each
timed after a warm-up, ``repeats`` times (median and range). Training: the previous default recipe, the new
one and one lever at a time, on the same length-grouped batches, steps interleaved across setups so that a busy
machine slows them alike; a torch.profiler breakdown of a step; and (thorough) ``training.finetune`` with the
previous and the new default on the same data for the same steps, validation accuracy with its interval.
Throughput is also given as a share of the measured bf16 matmul peak.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import sys
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.paths import output_root

MODES = {  # training: timed steps per setup; recipe: training reviews for the previous-vs-new check
    "quick": {"n": 128, "repeats": 3, "train_steps": 4, "recipe_reviews": 0},
    "thorough": {"n": 500, "repeats": 3, "train_steps": 12, "recipe_reviews": 2000},
}


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


def machine_description() -> dict:
    """CPU model, cores, threads, torch version and the CPU features that decide bf16/int8 speed."""
    import torch

    cpu = platform.processor() or "unknown"
    flags: set[str] = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu in {"unknown", "", "x86_64"}:
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    import os

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "bf16_hardware": sorted(flags & {"avx512_bf16", "amx_bf16"}),
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


# ----------------------------------------------------------------------------------------------- evaluation
def _accuracy(labels, predicted) -> float:
    return float((np.asarray(labels) == np.asarray(predicted)).mean())


def pipeline_predict(model, tokenizer, texts, max_length: int = 512, batch_size: int = 1, device=None):
    """``pipeline("sentiment-analysis")`` with truncation (the head), ``batch_size`` reviews per forward pass."""
    from transformers import pipeline

    from helpers.labels import imdb_label_map

    label_map = imdb_label_map(model)
    name_to_imdb = {model.config.id2label[i]: label for i, label in label_map.items()}
    classify = pipeline("sentiment-analysis", model=model, tokenizer=tokenizer, device=device)
    outputs = classify(list(texts), truncation=True, max_length=max_length, batch_size=batch_size)
    return np.array([name_to_imdb[o["label"]] for o in outputs])


def naive_padded(model, tokenizer, texts, max_length: int = 512, batch_size: int = 32):
    """Batches in input order, every batch padded to ``max_length``, under ``torch.no_grad``."""
    import torch

    from helpers.labels import imdb_label_map

    label_map = imdb_label_map(model)
    to_imdb = np.array([label_map[i] for i in range(len(label_map))])
    device = next(model.parameters()).device
    predicted = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                list(texts[start : start + batch_size]),
                padding="max_length",
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            ).to(device)
            predicted.append(model(**batch).logits.argmax(-1).cpu().numpy())
    return to_imdb[np.concatenate(predicted)]


def real_tokens(tokenizer, texts, max_length: int) -> int:
    """Non-padding tokens a model sees for these texts at ``max_length`` (special tokens included)."""
    from helpers.inference import token_lengths

    return int(np.minimum(token_lengths(tokenizer, texts) + 2, max_length).sum())


def timed(fn, repeats: int) -> tuple[list[float], object]:
    """``fn`` once as a warm-up, then ``repeats`` timed calls: (seconds of each, the last result)."""
    result = fn()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def bench_evaluation(
    model,
    tokenizer,
    texts,
    labels,
    *,
    max_length: int = 512,
    batch_size: int = 32,
    repeats: int = 3,
    include_batch1_pipeline: bool = True,
    device=None,
) -> list[Measurement]:
    """Pipelines (batch 1, batch 32, batch 32 with a bf16 model), naive padding and the project's ``predict``.

    Every method runs once as a warm-up, then ``repeats`` times; the median is reported with the range.
    """
    import copy

    import torch

    from helpers.devices import choose_device
    from helpers.inference import predict, quantize_int8

    device = choose_device(device)
    model = model.to(device)
    tokens = real_tokens(tokenizer, texts, max_length)
    bf16_model = copy.deepcopy(model).to(torch.bfloat16)
    runs = []

    def measure(method, fn, notes=""):
        with PeakRSS() as memory:
            seconds, predicted = timed(fn, repeats)
        median = float(np.median(seconds))
        runs.append(
            Measurement(
                "evaluation",
                method,
                median,
                len(texts),
                tokens,
                memory.peak,
                _accuracy(labels, predicted),
                notes,
                {
                    "seconds": seconds,
                    "reviews_per_s_spread": [len(texts) / max(seconds), len(texts) / min(seconds)],
                },
            )
        )
        print(
            f"  {method:<48} {len(texts) / median:7.1f} reviews/s"
            f" ({len(texts) / max(seconds):.1f}–{len(texts) / min(seconds):.1f})"
            f"  accuracy {runs[-1].accuracy:.3f}",
            flush=True,
        )

    def ours(m=model, truncation="head", precision="fp32"):
        return predict(
            m,
            tokenizer,
            texts,
            truncation=truncation,
            max_length=max_length,
            batch_size=batch_size,
            precision=precision,
            progress=False,
            device=device,
        ).labels

    if include_batch1_pipeline:
        measure("pipeline, batch 1", lambda: pipeline_predict(model, tokenizer, texts, max_length, 1, device))
    measure(
        f"pipeline, batch_size={batch_size}",
        lambda: pipeline_predict(model, tokenizer, texts, max_length, batch_size, device),
    )
    measure(
        f"pipeline, batch_size={batch_size}, bf16 model",
        lambda: pipeline_predict(bf16_model, tokenizer, texts, max_length, batch_size, device),
        "changes numerics",
    )
    measure(
        f"naive: batches of {batch_size} padded to {max_length}",
        lambda: naive_padded(model, tokenizer, texts, max_length, batch_size),
    )
    measure("ours: predict, fp32, head", ours, "same tokens and numerics as the pipeline")
    measure("ours: predict, bf16 autocast, head", lambda: ours(precision="bf16"), "changes numerics")
    measure(
        "ours: predict, bf16 model, head",
        lambda: ours(m=bf16_model),
        "weights in bf16, as the bf16 pipeline",
    )
    measure(
        "ours: predict, bf16 autocast, head+tail",
        lambda: ours(truncation="head_tail", precision="bf16"),
        "the series' setting",
    )
    if device.type == "cpu":
        int8 = quantize_int8(model)
        measure("ours: predict, int8 dynamic quantization, head", lambda: ours(m=int8), "changes numerics")
    return runs


def fastest_at_equal_accuracy(runs: list[Measurement], tolerance: float = 0.005) -> dict[str, object]:
    """The project's fastest ``predict`` within ``tolerance`` of the most accurate pipeline, against the fastest
    pipeline: the inference goal's ratio."""
    pipelines = [r for r in runs if r.task == "evaluation" and r.method.startswith("pipeline")]
    ours = [r for r in runs if r.task == "evaluation" and r.method.startswith("ours")]
    if not pipelines or not ours:
        return {}
    fastest = max(pipelines, key=lambda r: r.reviews_per_s)
    reference = max(r.accuracy for r in pipelines)
    fair = [r for r in ours if r.accuracy >= reference - tolerance] or ours
    best = max(fair, key=lambda r: r.reviews_per_s)
    return {
        "ours": best.method,
        "fastest_pipeline": fastest.method,
        "ratio": best.reviews_per_s / fastest.reviews_per_s,
        "accuracy_ours": best.accuracy,
        "accuracy_pipeline": fastest.accuracy,
    }


# ----------------------------------------------------------------------------------------------- training
@dataclass
class TrainSetup:
    """One way to run a training step: the recipe (dropout), the precision and the kernels."""

    method: str
    notes: str = ""
    autocast: bool = True  # bf16 autocast
    bf16_weights: bool = False  # the whole model in bfloat16, no autocast
    attention_dropout: float | None = 0.0  # None: as the checkpoint has it
    hidden_dropout: float | None = None  # None: as the checkpoint has it
    attention: str = "sdpa"  # sdpa | eager
    optimizer: str = "fused"  # fused | foreach
    batch_size: int = 16
    pad_to_max: bool = False  # naive: every batch padded to max_length
    compile: bool = False


PREVIOUS_DEFAULT = "previous default: bf16 autocast, dropout as configured"
NEW_DEFAULT = "new default: bf16 autocast, dropout 0, batch 32"


def training_setups(batch_size: int = 16, with_compile: bool = False) -> list[TrainSetup]:
    """The previous default and today's (the first two: the table's ratio), naive set-ups, then one lever at a time
    changed from today's default."""
    from helpers.training import DEFAULT_DROPOUT

    new = dict(DEFAULT_DROPOUT, batch_size=32)  # finetune's recipe, the seed's batch
    setups = [
        TrainSetup(
            PREVIOUS_DEFAULT, "finetune before issue 10: the checkpoint's dropout", attention_dropout=None
        ),
        TrainSetup(
            NEW_DEFAULT, "finetune's default: fused SDPA kernel, no dropout masks; the seed's batch", **new
        ),
        TrainSetup("fp32, dropout as configured", "no autocast", autocast=False, attention_dropout=None),
        TrainSetup(
            "naive: pad to max_length, fp32",
            "dropout as configured",
            autocast=False,
            attention_dropout=None,
            pad_to_max=True,
        ),
        TrainSetup("lever: hidden dropout as configured", "attention dropout 0 only", batch_size=32),
        TrainSetup("lever: eager attention (no SDPA)", "dropout 0", attention="eager", **new),
        TrainSetup("lever: foreach AdamW instead of fused", "dropout 0", optimizer="foreach", **new),
        TrainSetup(
            "lever: bf16 weights, no autocast",
            "pure bf16: small updates are lost",
            autocast=False,
            bf16_weights=True,
            **new,
        ),
        TrainSetup(f"lever: batch {batch_size}", "dropout 0", **{**new, "batch_size": batch_size}),
    ]
    if with_compile:
        setups.append(TrainSetup("lever: torch.compile", "dropout 0", compile=True, **new))
    return setups


def length_grouped_batches(lengths, batch_size: int, seed: int = 0) -> list[np.ndarray]:
    """Batches of similar lengths (sorted, chunked, chunks shuffled): what ``group_by_length`` does."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng = np.random.default_rng(seed)
    return [batches[i] for i in rng.permutation(len(batches))]


def padded_tokens(lengths, batches, pad_to: int | None = None) -> int:
    """Tokens a model computes over (padding included): each batch padded to its longest or to ``pad_to``."""
    lengths = np.asarray(lengths)
    return int(sum(len(b) * (pad_to or lengths[b].max()) for b in batches))


def _prepare_model(model, setup: TrainSetup, device):
    import copy

    import torch

    from helpers.training import set_attention_dropout, set_hidden_dropout

    model = copy.deepcopy(model)
    if setup.attention_dropout is not None:
        set_attention_dropout(model, setup.attention_dropout)
    if setup.hidden_dropout is not None:
        set_hidden_dropout(model, setup.hidden_dropout)
    if setup.attention != "sdpa":
        model.set_attn_implementation(setup.attention)
    model = model.to(device=device, dtype=torch.bfloat16 if setup.bf16_weights else None).train()
    kind = {"fused": {"fused": True}, "foreach": {"foreach": True}}[setup.optimizer]
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01, **kind)
    forward = torch.compile(model) if setup.compile else model
    return model, forward, optimizer


def make_train_step(model, setup: TrainSetup, ids, labels, pad_id: int, max_length: int, device):
    """A function running one optimiser step on a batch (indices into ``ids``): collate, forward, backward, AdamW.

    The same work as the Trainer's step (gradient clipping at 1.0 included), without its logging.
    """
    import contextlib

    import torch

    from helpers.inference import pad_batch

    model, forward, optimizer = _prepare_model(model, setup, device)
    autocast = (
        torch.autocast(device.type, dtype=torch.bfloat16) if setup.autocast else contextlib.nullcontext()
    )

    def step(batch) -> None:
        with torch.profiler.record_function("collate"):
            seqs = [ids[i] for i in batch]
            if setup.pad_to_max:
                seqs = [s + [pad_id] * (max_length - len(s)) for s in seqs]
            inputs = {k: v.to(device) for k, v in pad_batch(seqs, pad_id).items()}
            if setup.pad_to_max:
                inputs["attention_mask"] = (inputs["input_ids"] != pad_id).long()
            target = torch.as_tensor([labels[i] for i in batch], device=device)
        with autocast:
            loss = forward(**inputs, labels=target).loss
        loss.backward()
        with torch.profiler.record_function("optimizer"):
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    return step


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_training(
    model,
    tokenizer,
    train,
    *,
    steps: int,
    max_length: int,
    batch_size: int = 16,
    seed: int = 42,
    device=None,
    with_compile: bool = False,
    defaults_only: bool = False,
) -> list[Measurement]:
    """Every training setup on the same length-grouped batches, steps interleaved across setups.

    After one warm-up step each, round ``r`` runs step ``r`` of every setup in turn, so a busy machine slows
    them alike; the time is the sum of the per-step times, the spread the range of per-step throughputs.
    """
    from helpers.data import stratified_sample
    from helpers.devices import choose_device
    from helpers.labels import imdb_label_map
    from helpers.training import tokenize_dataset

    device = choose_device(device)
    setups = training_setups(batch_size, with_compile)[: 2 if defaults_only else None]
    biggest = max(s.batch_size for s in setups)
    subset = stratified_sample(train, (steps + 1) * biggest, seed)
    data = tokenize_dataset(
        tokenizer, subset, truncation="head_tail", max_length=max_length, label_map=imdb_label_map(model)
    )
    ids, labels, lengths = data["input_ids"], data["labels"], np.asarray(data["length"])
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    plans, steppers = {}, {}
    for setup in setups:
        batches = length_grouped_batches(lengths, setup.batch_size, seed)[: steps + 1]
        plans[setup.method] = batches
        steppers[setup.method] = make_train_step(model, setup, ids, labels, pad_id, max_length, device)
        steppers[setup.method](batches[0])  # warm-up (and compilation)
    times: dict[str, list[float]] = {s.method: [] for s in setups}
    for round_ in range(1, steps + 1):
        for setup in setups:
            _sync(device)
            start = time.perf_counter()
            steppers[setup.method](plans[setup.method][round_])
            _sync(device)
            times[setup.method].append(time.perf_counter() - start)
    runs = []
    for setup in setups:
        batches, seconds = plans[setup.method][1:], times[setup.method]
        tokens = [int(lengths[b].sum()) for b in batches]
        per_step = [t / s for t, s in zip(tokens, seconds, strict=True)]
        runs.append(
            Measurement(
                "training",
                setup.method,
                float(sum(seconds)),
                sum(len(b) for b in batches),
                sum(tokens),
                float("nan"),  # not sampled: the setups share one process
                None,
                setup.notes,
                {
                    "steps": steps,
                    "batch_size": setup.batch_size,
                    "max_length": max_length,
                    "padded_tokens": padded_tokens(
                        lengths, batches, max_length if setup.pad_to_max else None
                    ),
                    "tokens_per_s_spread": [min(per_step), max(per_step)],
                    "setup": asdict(setup),
                },
            )
        )
        print(
            f"  {setup.method:<52} {sum(tokens) / sum(seconds):8.0f} tokens/s"
            f"  (steps {min(per_step):.0f}–{max(per_step):.0f})",
            flush=True,
        )
    return runs


# ----------------------------------------------------------------------------------------------- profile
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
    """Share of the wall time of ``step`` over ``batches`` spent in each of :data:`BREAKDOWN` (torch.profiler).

    Operator self time is summed by :func:`op_category`; what is left of the wall time (Python, autograd
    bookkeeping, the profiler's own cost) is "Python and framework".
    """
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
    from helpers.data import stratified_sample
    from helpers.devices import choose_device
    from helpers.labels import imdb_label_map
    from helpers.training import tokenize_dataset

    device = choose_device(device)
    setups = training_setups(batch_size)[:2]
    subset = stratified_sample(train, (steps + 1) * max(s.batch_size for s in setups), seed + 1)
    data = tokenize_dataset(
        tokenizer, subset, truncation="head_tail", max_length=max_length, label_map=imdb_label_map(model)
    )
    lengths = np.asarray(data["length"])
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    out = {}
    for setup in setups:
        batches = length_grouped_batches(lengths, setup.batch_size, seed)[: steps + 1]
        step = make_train_step(model, setup, data["input_ids"], data["labels"], pad_id, max_length, device)
        step(batches[0])
        out[setup.method] = profile_breakdown(step, batches[1:])
        shares = "  ".join(f"{k} {v:.0%}" for k, v in out[setup.method].items())
        print(f"  {setup.method}: {shares}", flush=True)
    return out


# ----------------------------------------------------------------------------------------------- recipe check
def bench_recipe(
    model,
    tokenizer,
    imdb_train,
    *,
    reviews: int,
    validation: int,
    max_length: int,
    seed: int = 42,
    device=None,
) -> list[dict]:
    """``training.finetune`` with the previous default (the checkpoint's dropout), attention dropout 0 only and the
    new default (no dropout at all), on the same reviews for the same steps: wall time and validation accuracy with its 95%
    Wilson interval (a recipe change must stay within the previous default's interval)."""
    import tempfile

    from helpers.data import stratified_sample
    from helpers.evaluation import wilson_interval
    from helpers.training import finetune

    pool = stratified_sample(imdb_train, reviews + validation, seed)
    held_out = set(stratified_sample(pool, validation, seed + 1)["review_id"])
    split = {
        "train": pool.filter(lambda row: row["review_id"] not in held_out),
        "test": pool.filter(lambda row: row["review_id"] in held_out),
    }
    rows = []
    settings = (
        (PREVIOUS_DEFAULT, None, None),
        ("attention dropout 0 only", 0.0, None),
        ("all dropout 0 (the new default's recipe)", 0.0, 0.0),
    )
    for method, dropout, hidden in settings:
        with tempfile.TemporaryDirectory() as folder:
            fit = finetune(
                model,
                tokenizer,
                split["train"],
                split["test"],
                learning_rate=2e-5,
                output_dir=folder,
                max_length=max_length,
                batch_size=16,
                n_evals=1,
                seed=seed,
                progress=False,
                bf16=True,
                attention_dropout=dropout,
                hidden_dropout=hidden,
                device=device,
            )
        correct = round(fit.best_val_accuracy * validation)
        low, high = wilson_interval(correct, validation)
        rows.append(
            {
                "method": method,
                "seconds": fit.seconds,
                "val_accuracy": fit.best_val_accuracy,
                "ci_low": low,
                "ci_high": high,
                "steps": fit.params["total_steps"],
                "n_train": reviews,
                "n_validation": validation,
                "max_length": max_length,
            }
        )
        print(
            f"  {method:<52} {fit.seconds:6.0f} s  validation accuracy {fit.best_val_accuracy:.4f}"
            f" [{low:.3f}, {high:.3f}]",
            flush=True,
        )
    return rows


# ----------------------------------------------------------------------------------------------- models
def random_distilbert(tokenizer_dir=None):
    """A randomly initialised DistilBERT classifier of the study's exact architecture (``DistilBertConfig()``
    defaults, 2 labels) and a BERT uncased tokenizer (the MiniLM one: the same 30,522-word vocabulary).

    Its accuracy means nothing; its speed is DistilBERT's (speed does not depend on the weights)."""
    import torch
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    from helpers.modeling import ModelSource, minilm_path

    torch.manual_seed(0)
    config = DistilBertConfig(
        num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1}
    )
    model = DistilBertForSequenceClassification(config).eval()
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir or minilm_path())
    source = ModelSource(
        "distilbert-random",
        "random-init DistilBERT (DistilBertConfig defaults)",
        "memory",
        "speed only: its accuracy means nothing",
    )
    return model, tokenizer, source


# ----------------------------------------------------------------------------------------------- report
def results_table(runs: list[Measurement], baseline: dict[str, str]) -> pd.DataFrame:
    """One row per method with throughput, memory, accuracy and the speed-up against its task's baseline."""
    rows = []
    for run in runs:
        base = next(r for r in runs if r.task == run.task and r.method == baseline[run.task])
        rows.append(
            {
                "task": run.task,
                "method": run.method,
                "reviews/s": run.reviews_per_s,
                "tokens/s": run.tokens_per_s,
                "peak RSS MB": run.peak_rss_mb,
                "accuracy": run.accuracy,
                "speed-up": run.tokens_per_s / base.tokens_per_s,
                "notes": run.notes,
            }
        )
    return pd.DataFrame(rows)


def markdown_table(table: pd.DataFrame) -> str:
    """A GitHub markdown table of a DataFrame (no extra dependency)."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + " --- |" * len(table.columns)]
    lines += [
        "| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument(
        "--model",
        default="standin",
        help="tiny | standin | auto | hub | path | distilbert-random (default: standin)",
    )
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--device", default=None, help="cpu | cuda (default: CUDA when available)")
    parser.add_argument("--n", type=int, help="test reviews for the evaluation benchmark")
    parser.add_argument(
        "--repeats", type=int, help="timed repeats of each inference method (after a warm-up)"
    )
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-steps", type=int, help="timed training steps per setup (0: no training)")
    parser.add_argument("--train-batch-size", type=int, default=16)
    parser.add_argument(
        "--train-max-length", type=int, default=256, help="training tokens per review (256: the seed profile)"
    )
    parser.add_argument(
        "--recipe-reviews",
        type=int,
        help="training reviews for the recipe check (previous vs new default; 0: skip)",
    )
    parser.add_argument("--recipe-validation", type=int, default=1000)
    parser.add_argument("--compile", action="store_true", help="add a torch.compile training setup (slow)")
    parser.add_argument(
        "--defaults-only", action="store_true", help="time only the previous and the new training default"
    )
    parser.add_argument(
        "--skip-pipeline", action="store_true", help="leave out the slow batch-1 pipeline baseline"
    )
    parser.add_argument(
        "--output", type=Path, help="JSON record (default: results/benchmarks/<mode>-<model>.json)"
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    settings = MODES[args.mode] | {
        k: v
        for k, v in {
            "n": args.n,
            "train_steps": args.train_steps,
            "repeats": args.repeats,
            "recipe_reviews": args.recipe_reviews,
        }.items()
        if v is not None
    }

    from helpers.data import load_imdb, stratified_sample
    from helpers.devices import choose_device, device_name
    from helpers.modeling import load_classifier
    from helpers.settings import quiet_libraries, seed_everything

    warnings.filterwarnings("ignore", message=".*quantiz.*")  # torch.ao's deprecation notices
    quiet_libraries()
    seed_everything(args.seed)
    device = choose_device(args.device)
    imdb, data_source = load_imdb(source="bundled")
    test = stratified_sample(imdb["test"], settings["n"], args.seed)
    if args.model == "distilbert-random":
        model, tokenizer, model_source = random_distilbert()
    else:
        model, tokenizer, model_source = load_classifier(args.model, args.model_dir)
    machine = machine_description() | {"device": device_name(device)}
    print(f"model: {model_source}\ndata: IMDB test, n={len(test):,} ({data_source.kind})\nmachine: {machine}")
    peak = matmul_peak_gflops()
    print(f"matmul peak: {peak['fp32']:.0f} GFLOP/s fp32, {peak['bf16']:.0f} GFLOP/s bf16")

    print(f"evaluation ({settings['repeats']} repeats after a warm-up, median and range):")
    runs = bench_evaluation(
        model,
        tokenizer,
        test["text"],
        test["label"],
        max_length=args.max_length,
        batch_size=args.batch_size,
        repeats=settings["repeats"],
        include_batch1_pipeline=not args.skip_pipeline,
        device=device,
    )
    baseline = {"evaluation": runs[0].method}
    breakdown, recipe = {}, []
    if settings["train_steps"] > 0:
        print(
            f"training ({settings['train_steps']} steps per setup, interleaved, batch {args.train_batch_size}"
            f" x up to {args.train_max_length} tokens):"
        )
        train_runs = bench_training(
            model.cpu(),
            tokenizer,
            imdb["train"],
            steps=settings["train_steps"],
            max_length=args.train_max_length,
            batch_size=args.train_batch_size,
            seed=args.seed,
            device=device,
            with_compile=args.compile,
            defaults_only=args.defaults_only,
        )
        runs += train_runs
        baseline["training"] = PREVIOUS_DEFAULT
        print("profile of a training step (share of wall time):")
        breakdown = bench_profile(
            model.cpu(),
            tokenizer,
            imdb["train"],
            max_length=args.train_max_length,
            batch_size=args.train_batch_size,
            seed=args.seed,
            device=device,
        )
    if settings["recipe_reviews"] > 0:
        print(f"recipe check: finetune on {settings['recipe_reviews']:,} reviews, previous vs new default:")
        recipe = bench_recipe(
            model.cpu(),
            tokenizer,
            imdb["train"],
            reviews=settings["recipe_reviews"],
            validation=args.recipe_validation,
            max_length=args.train_max_length,
            seed=args.seed,
            device=device,
        )

    table = results_table(runs, baseline)
    contexts = {"training": args.train_max_length, "evaluation": args.max_length}
    table["GFLOP/s"] = [
        r.tokens_per_s
        * flops_per_token(model, contexts[r.task])["train" if r.task == "training" else "forward"]
        / 1e9
        for r in runs
    ]
    table["share of bf16 matmul peak"] = table["GFLOP/s"] / peak["bf16"]
    with pd.option_context("display.width", 220, "display.max_columns", 20, "display.max_colwidth", 52):
        print("\n" + table.drop(columns=["notes"]).round(3).to_string(index=False))
    goal = fastest_at_equal_accuracy(runs)
    if goal:
        print(
            f"\ninference: {goal['ours']!r} is {goal['ratio']:.2f}x {goal['fastest_pipeline']!r}"
            f" (accuracy {goal['accuracy_ours']:.3f} vs {goal['accuracy_pipeline']:.3f})"
        )
    if "training" in baseline:
        new = table[table.method == NEW_DEFAULT].iloc[0]
        print(
            f"training: the new default is {new['speed-up']:.2f}x the previous default, "
            f"{new['share of bf16 matmul peak']:.0%} of the bf16 matmul peak"
        )

    output = args.output or output_root() / "results" / "benchmarks" / f"{args.mode}-{model_source.kind}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "mode": args.mode,
        "settings": settings
        | {
            "max_length": args.max_length,
            "batch_size": args.batch_size,
            "train_max_length": args.train_max_length,
            "train_batch_size": args.train_batch_size,
        },
        "model_source": model_source.as_dict(),
        "data": f"IMDB test ({data_source.kind}), n={len(test)}",
        "machine": machine,
        "device": device_name(device),
        "matmul_peak_gflops": peak,
        "flops_per_token": flops_per_token(model, args.max_length),
        "baseline": baseline,
        "inference_goal": goal,
        "training_profile": breakdown,
        "recipe_check": recipe,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": [asdict(r) for r in runs],
        "table": table.to_dict(orient="records"),
    }
    output.write_text(json.dumps(record, indent=2, default=str) + "\n")
    output.with_suffix(".md").write_text(markdown_table(table.round(3)) + "\n")
    print(f"written {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
