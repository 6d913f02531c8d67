"""Speed benchmark: the project's inference and training against the naive way, side by side, in one run.

    python -m helpers.bench                     # quick: a minute or two on 2 cores, the offline stand-in
    python -m helpers.bench --mode thorough     # more reviews and steps; results/benchmarks/ gets a record
    python -m helpers.bench --model tiny --n 16 --train-steps 2   # what the test runs

Every method runs on the same reviews with the same model; ratios are against the naive baseline measured in
the same run. Methods that change numerics (bf16, int8) report their accuracy beside the fp32 one.
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

MODES = {
    "quick": {"n": 128, "train_steps": 6},  # training: steps of batch 16, the same reviews for every method
    "thorough": {"n": 500, "train_steps": 24},
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


def matmul_peak_gflops(size: int = 1024, repeats: int = 10) -> dict[str, float]:
    """Measured dense matmul throughput (GFLOP/s) in fp32 and bf16: the ceiling any model here can approach."""
    import torch

    out = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
        torch.matmul(a, b)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            torch.matmul(a, b)
        out[name] = 2 * size**3 * repeats / (time.perf_counter() - start) / 1e9
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


def naive_pipeline(model, tokenizer, texts, max_length: int = 512):
    """How people usually do it: ``pipeline("sentiment-analysis", truncation=True)``, one review at a time."""
    from transformers import pipeline

    from helpers.modeling import imdb_label_map

    label_map = imdb_label_map(model)
    name_to_imdb = {model.config.id2label[i]: label for i, label in label_map.items()}
    classify = pipeline("sentiment-analysis", model=model, tokenizer=tokenizer, device=-1)
    outputs = classify(list(texts), truncation=True, max_length=max_length, batch_size=1)
    return np.array([name_to_imdb[o["label"]] for o in outputs])


def naive_padded(model, tokenizer, texts, max_length: int = 512, batch_size: int = 32):
    """Batches in input order, every batch padded to ``max_length``, under ``torch.no_grad``."""
    import torch

    from helpers.modeling import imdb_label_map

    label_map = imdb_label_map(model)
    to_imdb = np.array([label_map[i] for i in range(len(label_map))])
    predicted = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                list(texts[start : start + batch_size]),
                padding="max_length",
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            predicted.append(model(**batch).logits.argmax(-1).numpy())
    return to_imdb[np.concatenate(predicted)]


def real_tokens(tokenizer, texts, max_length: int) -> int:
    """Non-padding tokens a model sees for these texts at ``max_length`` (special tokens included)."""
    from helpers.inference import token_lengths

    return int(np.minimum(token_lengths(tokenizer, texts) + 2, max_length).sum())


def bench_evaluation(
    model,
    tokenizer,
    texts,
    labels,
    *,
    max_length: int = 512,
    batch_size: int = 32,
    include_naive_pipeline: bool = True,
) -> list[Measurement]:
    """Naive pipeline, naive padded batches, and the project's ``predict`` with fp32, bf16 and int8 levers."""

    from helpers.inference import predict, quantize_int8

    tokens = real_tokens(tokenizer, texts, max_length)
    runs = []

    def measure(method, fn, notes=""):
        with PeakRSS() as memory:
            start = time.perf_counter()
            predicted = fn()
            seconds = time.perf_counter() - start
        runs.append(
            Measurement(
                "evaluation",
                method,
                seconds,
                len(texts),
                tokens,
                memory.peak,
                _accuracy(labels, predicted),
                notes,
            )
        )
        print(f"  {method:<44} {seconds:7.1f} s  {len(texts) / seconds:7.1f} reviews/s", flush=True)

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
        ).labels

    if include_naive_pipeline:
        measure(
            "naive: pipeline(truncation=True), batch 1",
            lambda: naive_pipeline(model, tokenizer, texts, max_length),
        )
    measure(
        f"naive: batches of {batch_size} padded to {max_length}",
        lambda: naive_padded(model, tokenizer, texts, max_length, batch_size),
    )
    measure(
        "ours: length-sorted dynamic padding, fp32, head", ours, "same tokens and numerics as the baselines"
    )
    measure("ours: fp32, head+tail", lambda: ours(truncation="head_tail"), "the default: keeps the ending")
    measure("ours: bf16 autocast, head", lambda: ours(precision="bf16"), "changes numerics")
    measure(
        "ours: bf16 autocast, head+tail",
        lambda: ours(truncation="head_tail", precision="bf16"),
        "changes numerics",
    )
    int8 = quantize_int8(model)
    measure("ours: int8 dynamic quantization, head", lambda: ours(m=int8), "changes numerics")
    return runs


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
        "--model", default="standin", help="tiny | standin | auto | hub | path (default: standin)"
    )
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--n", type=int, help="test reviews for the evaluation benchmark")
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-steps", type=int)
    parser.add_argument(
        "--train-max-length", type=int, default=512, help="training tokens per review (512: the full profile)"
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
        k: v for k, v in {"n": args.n, "train_steps": args.train_steps}.items() if v is not None
    }

    from helpers.data import load_imdb, stratified_sample
    from helpers.modeling import load_classifier
    from helpers.settings import quiet_libraries, seed_everything

    warnings.filterwarnings(
        "ignore", message=".*quantiz.*"
    )  # torch.ao's deprecation notices, not our concern
    quiet_libraries()
    seed_everything(args.seed)
    imdb, data_source = load_imdb(source="bundled")
    test = stratified_sample(imdb["test"], settings["n"], args.seed)
    model, tokenizer, model_source = load_classifier(args.model, args.model_dir)
    machine = machine_description()
    print(f"model: {model_source}\ndata: IMDB test, n={len(test):,} ({data_source.kind})\nmachine: {machine}")

    print("evaluation:")
    runs = bench_evaluation(
        model,
        tokenizer,
        test["text"],
        test["label"],
        max_length=args.max_length,
        batch_size=args.batch_size,
        include_naive_pipeline=not args.skip_pipeline,
    )
    baseline = {"evaluation": runs[0].method}
    train_runs = bench_training_if_available(model_source, imdb["train"], settings, args, model, tokenizer)
    runs += train_runs
    if train_runs:
        baseline["training"] = train_runs[0].method

    table = results_table(runs, baseline)
    peak = matmul_peak_gflops()
    flops = flops_per_token(model, context=args.max_length)
    table["GFLOP/s"] = [
        r.tokens_per_s * (flops["train"] if r.task == "training" else flops["forward"]) / 1e9 for r in runs
    ]
    table["share of fp32 matmul peak"] = table["GFLOP/s"] / peak["fp32"]
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 48):
        print("\n" + table.drop(columns=["notes"]).round(3).to_string(index=False))
    print(
        f"\nmatmul peak: {peak['fp32']:.0f} GFLOP/s fp32, {peak['bf16']:.0f} GFLOP/s bf16; "
        f"model: {flops['forward'] / 1e6:.0f} MFLOP/token forward at context {args.max_length}"
    )
    for task, base in baseline.items():
        best = table[table.task == task].sort_values("speed-up").iloc[-1]
        print(f"{task}: best {best['method']!r} is {best['speed-up']:.2f}× the baseline {base!r}")

    output = args.output or output_root() / "results" / "benchmarks" / f"{args.mode}-{model_source.kind}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "mode": args.mode,
        "settings": settings | {"max_length": args.max_length, "batch_size": args.batch_size},
        "model_source": model_source.as_dict(),
        "data": f"IMDB test ({data_source.kind}), n={len(test)}",
        "machine": machine,
        "matmul_peak_gflops": peak,
        "flops_per_token": flops,
        "baseline": baseline,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": [asdict(r) for r in runs],
        "table": table.to_dict(orient="records"),
    }
    output.write_text(json.dumps(record, indent=2, default=str) + "\n")
    output.with_suffix(".md").write_text(markdown_table(table.round(3)) + "\n")
    print(f"written {output}")
    return 0


def _train_steps(
    model,
    tokenizer,
    dataset,
    collator,
    *,
    steps: int,
    batch_size: int,
    group_by_length: bool,
    bf16: bool,
    seed: int,
) -> float:
    """Seconds for ``steps`` optimiser steps of a fresh copy of ``model`` with the Trainer (no eval, no saving)."""
    import copy
    import tempfile

    from transformers import Trainer, TrainingArguments

    with tempfile.TemporaryDirectory() as folder:
        args = TrainingArguments(
            output_dir=folder,
            max_steps=steps,
            per_device_train_batch_size=batch_size,
            learning_rate=2e-5,
            train_sampling_strategy="group_by_length" if group_by_length else "random",
            length_column_name="length",
            bf16=bf16,
            use_cpu=True,
            save_strategy="no",
            eval_strategy="no",
            report_to="none",
            disable_tqdm=True,
            logging_strategy="no",
            seed=seed,
            dataloader_num_workers=0,
        )
        trainer = Trainer(
            model=copy.deepcopy(model).train(), args=args, train_dataset=dataset, data_collator=collator
        )
        start = time.perf_counter()
        trainer.train()
        return time.perf_counter() - start


def bench_training(
    model, tokenizer, train, *, reviews: int, max_length: int, batch_size: int = 16, seed: int = 42
) -> list[Measurement]:
    """The naive Trainer set-up (pad to max_length, random batches, fp32) against the project's, one epoch each.

    Every method takes ``reviews / batch_size`` steps over the same reviews, so each sees the same tokens.
    """
    from datasets import Dataset
    from transformers import DataCollatorWithPadding, default_data_collator

    from helpers.data import stratified_sample
    from helpers.modeling import imdb_label_map
    from helpers.training import tokenize_dataset

    subset = stratified_sample(train, reviews, seed)
    steps = max(1, reviews // batch_size)
    label_map = imdb_label_map(model)
    ours = tokenize_dataset(tokenizer, subset, truncation="head", max_length=max_length, label_map=label_map)
    tokens = int(sum(ours["length"][: steps * batch_size]))
    encoded = tokenizer(list(subset["text"]), padding="max_length", truncation=True, max_length=max_length)
    naive = Dataset.from_dict(
        {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "labels": ours["labels"],
            "length": ours["length"],
        }
    )
    setups = [
        (
            f"naive Trainer: pad to {max_length}, random batches, fp32",
            naive,
            default_data_collator,
            False,
            False,
            "",
        ),
        (
            "ours: dynamic padding + length-grouped batches, fp32",
            ours,
            DataCollatorWithPadding(tokenizer),
            True,
            False,
            "same numerics as naive",
        ),
        ("ours: + bf16 autocast", ours, DataCollatorWithPadding(tokenizer), True, True, "changes numerics"),
    ]
    runs = []
    for method, dataset, collator, grouped, bf16, notes in setups:
        with PeakRSS() as memory:
            seconds = _train_steps(
                model,
                tokenizer,
                dataset,
                collator,
                steps=steps,
                batch_size=batch_size,
                group_by_length=grouped,
                bf16=bf16,
                seed=seed,
            )
        runs.append(
            Measurement(
                "training",
                method,
                seconds,
                steps * batch_size,
                tokens,
                memory.peak,
                None,
                notes,
                {"steps": steps, "batch_size": batch_size, "max_length": max_length},
            )
        )
        print(f"  {method:<58} {seconds:7.1f} s  {steps * batch_size / seconds:6.1f} reviews/s", flush=True)
    return runs


def bench_training_if_available(model_source, train, settings, args, model=None, tokenizer=None):
    """The training benchmark with the run's settings (skipped with ``--train-steps 0``)."""
    if settings["train_steps"] <= 0:
        return []
    print("training:")
    return bench_training(
        model,
        tokenizer,
        train,
        reviews=settings["train_steps"] * 16,
        max_length=args.train_max_length,
        seed=args.seed,
    )


if __name__ == "__main__":
    sys.exit(main())
