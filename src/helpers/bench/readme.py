"""README's speed tables, generated from ``results/benchmarks/<name>.json`` (never copied by hand).

Each table sits between two markers naming its benchmark, ``<!-- speed:<name>:start -->`` and
``<!-- speed:<name>:end -->``; :func:`update_speed_tables` rewrites every such block from the JSON that
``python -m helpers.bench`` wrote (its ``table`` rows), so the README shows the measured numbers under the
measurement's own labels.

python -m helpers.bench.readme     # rewrites the blocks in README.md
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

from helpers.paths import REPO_ROOT

BENCH_DIR = REPO_ROOT / "results" / "benchmarks"
BLOCK = re.compile(r"<!-- speed:(?P<name>[\w.-]+):start -->.*?<!-- speed:(?P=name):end -->", re.S)

# The rows README shows of a benchmark (by the JSON's ``method``, in this order); a benchmark not named here shows
# every row of its table. The summary leaves out set-ups the prose covers (eager attention, foreach AdamW, bf16
# weights, batch 16, torch.compile) and the ones between the baselines and the defaults.
README_ROWS: dict[str, list[str]] = {
    "quick-standin": [
        "pipeline, batch 1",
        "pipeline, batch 1, bf16 model",
        "pipeline, batch_size=32",
        "pipeline, batch_size=32, bf16 model",
        "ours: predict, fp32, head",
        "ours: predict, bf16 model, head",
        "ours: predict, bf16 autocast, head+tail",
        "ours: predict, int8 dynamic quantization, head",
        "previous default: bf16 autocast, dropout as configured",
        "naive: pad to max_length, fp32",
        "lever: hidden dropout as configured",
        "new default: bf16 autocast, dropout 0, batch 32",
        "lever: attention in fp32 under autocast",
    ],
}
HIGHLIGHT = "new default:"  # the row README sets in bold: the recipe the notebooks train with


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of benchmark ``name``'s table in README."""
    return f"<!-- speed:{name}:start -->", f"<!-- speed:{name}:end -->"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _throughput(row: dict[str, Any]) -> str:
    if row["task"] == "evaluation":
        return f"{row['reviews/s']:.1f} reviews/s"
    return f"{row['tokens/s']:,.0f} tokens/s"


def speed_table(record: dict[str, Any], methods: list[str] | None = None) -> str:
    """A markdown table (task, method, throughput, accuracy, speed-up against the task's baseline) of a benchmark
    record's ``table`` rows: those named in ``methods`` in that order, or all of them."""
    rows = record["table"]
    if methods is not None:
        by_method = {row["method"]: row for row in rows}
        missing = [m for m in methods if m not in by_method]
        if missing:
            raise KeyError(f"the benchmark has no row for {missing} (its rows: {sorted(by_method)})")
        rows = [by_method[m] for m in methods]
    lines = [
        "| task | method | throughput | accuracy | speed-up |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        accuracy = "" if _missing(row.get("accuracy")) else f"{row['accuracy']:.3f}"
        method, speedup = row["method"], f"{row['speed-up']:.2f}×"
        if method.startswith(HIGHLIGHT):
            method, speedup = f"**{method}**", f"**{speedup}**"
        lines.append(f"| {row['task']} | {method} | {_throughput(row)} | {accuracy} | {speedup} |")
    return "\n".join(lines)


def render(name: str, folder: Path = BENCH_DIR) -> str:
    """Benchmark ``name``'s README table, from ``folder/<name>.json``."""
    record = json.loads((Path(folder) / f"{name}.json").read_text())
    return speed_table(record, README_ROWS.get(name))


def update_speed_tables(readme_path: Path = REPO_ROOT / "README.md", folder: Path = BENCH_DIR) -> bool:
    """Rewrite every speed table between its markers in ``readme_path`` from the benchmark JSON it names;
    False when the file has no such markers."""
    readme_path = Path(readme_path)
    text = readme_path.read_text()
    if not BLOCK.search(text):
        return False

    def block(match: re.Match) -> str:
        start, end = markers(match["name"])
        return f"{start}\n{render(match['name'], folder)}\n{end}"

    new = BLOCK.sub(block, text)
    if new != text:
        readme_path.write_text(new)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench.readme", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--readme", type=Path, default=REPO_ROOT / "README.md")
    args = parser.parse_args(argv)
    if not update_speed_tables(args.readme):
        print(f"{args.readme} has no <!-- speed:<name>:start --> … end blocks", file=sys.stderr)
        return 1
    print(f"{args.readme.name}: speed tables updated from {BENCH_DIR.relative_to(REPO_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
