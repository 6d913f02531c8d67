"""The benchmark's table (speed-ups against each task's baseline, share of the matmul peak), its summary lines and
its record (JSON beside a markdown table)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from helpers.bench.inference import fastest_at_equal_accuracy
from helpers.bench.measure import Measurement, flops_per_token
from helpers.bench.training import FP32_DEFAULT, NEW_DEFAULT


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


def with_share_of_peak(
    table: pd.DataFrame, runs: list[Measurement], model, contexts: dict, peak: dict
) -> pd.DataFrame:
    """Add GFLOP/s (tokens/s × FLOPs per token at the task's context) and its share of the bf16 matmul peak."""
    kind = {"training": "train", "epoch": "train", "evaluation": "forward"}
    table["GFLOP/s"] = [
        r.tokens_per_s * flops_per_token(model, contexts[r.task])[kind[r.task]] / 1e9 for r in runs
    ]
    table["share of bf16 matmul peak"] = table["GFLOP/s"] / peak["bf16"]
    return table


def precision_ratios(table: pd.DataFrame, chosen: str) -> dict:
    """bf16 against fp32 in the same run, for prediction (the project's ``predict``, head) and for a training step
    (the default recipe), and which one precision ``auto`` picked here (``chosen``): the CPU-class check."""

    def speed(method, column):
        rows = table[table.method == method]
        return float(rows.iloc[0][column]) if len(rows) else float("nan")

    ratios = {
        "auto_picks": chosen,
        "prediction_bf16_over_fp32": speed("ours: predict, bf16 autocast, head", "reviews/s")
        / speed("ours: predict, fp32, head", "reviews/s"),
        "training_bf16_over_fp32": speed(NEW_DEFAULT, "tokens/s") / speed(FP32_DEFAULT, "tokens/s"),
    }
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in ratios.items()}


def print_summary(table: pd.DataFrame, runs: list[Measurement]) -> dict:
    """Print the table and the two ratios the issue asks for; return the inference goal's record."""
    with pd.option_context("display.width", 220, "display.max_columns", 20, "display.max_colwidth", 52):
        print("\n" + table.drop(columns=["notes"]).round(3).to_string(index=False))
    goal = fastest_at_equal_accuracy(runs)
    if goal:
        print(
            f"\ninference: {goal['ours']!r} is {goal['ratio']:.2f}x {goal['fastest_pipeline']!r}"
            f" (accuracy {goal['accuracy_ours']:.3f} vs {goal['accuracy_pipeline']:.3f})"
        )
    if (table.method == NEW_DEFAULT).any():
        new = table[table.method == NEW_DEFAULT].iloc[0]
        print(
            f"training: the new default is {new['speed-up']:.2f}x the previous default, "
            f"{new['share of bf16 matmul peak']:.0%} of the bf16 matmul peak"
        )
    return goal


def write_record(output: Path, record: dict, runs: list[Measurement], table: pd.DataFrame) -> None:
    """``output`` (JSON: ``record`` with every run and the table) and the markdown table beside it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    record = record | {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": [asdict(r) for r in runs],
        "table": table.to_dict(orient="records"),
    }
    output.write_text(json.dumps(record, indent=2, default=str) + "\n")
    output.with_suffix(".md").write_text(markdown_table(table.round(3)) + "\n")
    print(f"written {output}")
