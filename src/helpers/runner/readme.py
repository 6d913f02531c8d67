"""README's generated sections, each between ``<!-- <name>:start -->`` and ``<!-- <name>:end -->``, all written by
:func:`update_sections`: the results table, findings and run record from ``results/<profile>/``, and the speed
tables (``speed:<benchmark>``) from ``results/benchmarks/<benchmark>.json``. Never typed by hand."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.comparisons import comparison_table, pairwise_mcnemar
from helpers.paths import REPO_ROOT, output_root
from helpers.present import short_label
from helpers.results_files import load_results
from helpers.tables import p_text

README = REPO_ROOT / "README.md"
BENCH_DIR = REPO_ROOT / "results" / "benchmarks"
SECTION = re.compile(r"<!-- (?P<name>[\w.:-]+):start -->.*?<!-- (?P=name):end -->", re.S)


class SectionMissing(ValueError):
    """README has no markers for a section it is asked to write."""


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of section ``name`` (``results``, ``findings``, ``run``, ``speed:<benchmark>``)."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def section_names(text: str) -> list[str]:
    """The names of the marked sections in ``text``, in order."""
    return [match["name"] for match in SECTION.finditer(text)]


def replace_section(text: str, name: str, body: str) -> str:
    """``text`` with section ``name``'s body replaced by ``body``, the markers kept; :class:`SectionMissing`
    when ``text`` has no such section."""
    start, end = markers(name)
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SectionMissing(f"README has no {start} … {end} block")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def update_sections(readme: Path, bodies: dict[str, str]) -> None:
    """Write each section of ``bodies`` (name: body) into the file ``readme``, the text around them kept."""
    readme = Path(readme)
    text = old = readme.read_text()
    for name, body in bodies.items():
        text = replace_section(text, name, body)
    if text != old:
        readme.write_text(text)


def results_markdown(profile: str, folder=None) -> str:
    """A markdown table of every model in ``results/<profile>/`` plus the McNemar tests, with the data behind them
    (by default the committed reference's folder, or the one under ``IMDB_SERIES_OUTPUT`` when it is set)."""
    results = load_results(profile, folder=folder or output_root() / "results" / profile, required=False)
    if not results:
        return f"_No results in results/{profile}/ yet: run `python -m helpers.run --profile {profile}`._"
    labels = {key: short_label(record) for key, (record, _) in results.items()}
    table = comparison_table(results).sort_values("accuracy", ascending=False)
    records = [r for r, _ in results.values()]
    data = sorted({r["data_source"].get("description", r["data_source"].get("kind", "?")) for r in records})
    sizes = ", ".join(sorted({f"{r['n']:,}" for r in records}))
    lines = [
        f"Profile `{profile}`: IMDB test split, n = {sizes} reviews "
        f"(the same seeded sample for every model). Data: {'; '.join(data)}.",
        "",
        "| model | source | accuracy (95% CI) | macro F1 | neg precision | train s | predict s | study |",
        "| --- | --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    for key, row in table.iterrows():
        study = "" if pd.isna(row["study (n=1,000)"]) else f"{row['study (n=1,000)']:.2f}"
        train = "" if pd.isna(row["train s"]) else f"{row['train s']:,.0f}"
        lines.append(
            f"| {labels[key]} | {row['model source']} | {row['accuracy']:.3f} ({row['ci95 low']:.3f}–{row['ci95 high']:.3f})"
            f" | {row['macro F1']:.3f} | {row['neg precision']:.3f} | {train} | {row['predict s']:,.1f} | {study} |"
        )
    tests = pairwise_mcnemar({key: results[key] for key in table.index})
    if len(tests):
        lines += [
            "",
            f"McNemar's test on the same reviews, model A the more accurate; Holm's correction over the {len(tests)}"
            " pairs (Holm p < 0.05: the two models' error rates differ, with at most a 5% chance of any such claim"
            " among the pairs being false):",
            "",
            "| model A | model B | only A right | only B right | p value | Holm p |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for _, row in tests.iterrows():
            lines.append(
                f"| {labels[row['model A']]} | {labels[row['model B']]} | {row['only A right']} | {row['only B right']} | "
                f"{p_text(row['p value'])} | {p_text(row['Holm p value'])} |"
            )
    return "\n".join(lines)


def findings_markdown(profile: str, folder=None) -> str:
    """ "What the series finds": :func:`helpers.story.series.findings` of ``results/<profile>/``, the same
    bullets notebook 06 ends with."""
    from helpers.story.series import findings

    results = load_results(profile, folder=folder or output_root() / "results" / profile, required=False)
    if not results:
        return f"_No results in results/{profile}/ yet._"
    return f"Profile `{profile}`, generated from `results/{profile}/`:\n\n" + "\n".join(findings(results))


def run_markdown(profile: str, folder=None) -> str:
    """The reference run notebook by notebook, from the runner's ``results/<profile>/ledger/work.json``: where and
    how long each ran, the tokens it trained on and read, and its work in forward-pass token equivalents."""
    from helpers.ledger import millions, previous, work

    ledger_dir = Path(folder or output_root() / "results" / profile) / "ledger"
    path = ledger_dir / "work.json"
    if not path.is_file():
        return f"_No run recorded in results/{profile}/ledger/ yet._"
    rows = json.loads(path.read_text())["notebooks"]
    lines = [
        "| notebook | machine | minutes | tokens trained | tokens read | work |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, row in rows.items():
        minutes = "" if row.get("seconds") is None else f"{row['seconds'] / 60:.1f}"
        lines.append(
            f"| {name} | {row.get('machine', 'not recorded')} | {minutes} | {millions(row['trained'])} | "
            f"{millions(row['read'])} | {millions(work(row['trained'], row['read']))} |"
        )
    total = sum(work(r["trained"], r["read"]) for r in rows.values())
    text = (
        f"From the runner's record ([`results/{profile}/ledger/work.json`](results/{profile}/ledger/work.json)); "
        "work in forward-pass token equivalents, a trained token counting 3. Together: "
        f"{millions(total)}, {sum(r.get('seconds') or 0 for r in rows.values()) / 60:.0f} minutes.\n\n"
        + "\n".join(lines)
    )
    before = previous(ledger_dir)
    if before:
        mine = {k: v for k, v in rows.items() if k in before["notebooks"]}
        now = sum(work(r["trained"], r["read"]) for r in mine.values())
        then = sum(work(r["trained"], r["read"]) for r in before["notebooks"].values())
        text += (
            f"\n\nNotebooks {', '.join(k[:2] for k in before['notebooks'])}: {millions(now)}, {now / then:.2f}× "
            f"the previous reference's {millions(then)} (estimated from its configuration and logs, "
            f"[`previous_reference.json`](results/{profile}/ledger/previous_reference.json))."
        )
    return text


def update_readme(profile: str, readme=README, folder=None) -> bool:
    """Rewrite README's generated sections: the results table, the findings and the run's record where their
    markers are, and the speed tables; False (nothing written) when the results markers are absent."""
    names = section_names(Path(readme).read_text())
    if "results" not in names:
        return False
    made = {"results": results_markdown, "findings": findings_markdown, "run": run_markdown}
    bodies = {name: make(profile, folder) for name, make in made.items() if name in names}
    update_sections(readme, bodies | speed_sections(names))
    return True


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
        accuracy = row.get("accuracy")
        missing = accuracy is None or (isinstance(accuracy, float) and math.isnan(accuracy))
        accuracy = "" if missing else f"{accuracy:.3f}"
        method, speedup = row["method"], f"{row['speed-up']:.2f}×"
        if method.startswith(HIGHLIGHT):
            method, speedup = f"**{method}**", f"**{speedup}**"
        lines.append(f"| {row['task']} | {method} | {_throughput(row)} | {accuracy} | {speedup} |")
    return "\n".join(lines)


def render(benchmark: str, folder: Path = BENCH_DIR) -> str:
    """Benchmark ``benchmark``'s README table, from ``folder/<benchmark>.json``."""
    record = json.loads((Path(folder) / f"{benchmark}.json").read_text())
    return speed_table(record, README_ROWS.get(benchmark))


def speed_sections(names: list[str], folder: Path = BENCH_DIR) -> dict[str, str]:
    """The speed tables among the sections ``names`` (``speed:<benchmark>``), each rendered from its JSON."""
    return {name: render(name.removeprefix("speed:"), folder) for name in names if name.startswith("speed:")}


def update_speed_tables(readme: Path = README, folder: Path = BENCH_DIR) -> bool:
    """Rewrite every speed table in ``readme`` from the benchmark JSON it names; False when it has none."""
    tables = speed_sections(section_names(Path(readme).read_text()), folder)
    if tables:
        update_sections(readme, tables)
    return bool(tables)


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.report``: every generated section of README.md, or one printed (``--print``)."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.report",
        description="The results table in README.md, generated from ``results/<profile>/`` (never typed by hand).",
    )
    parser.add_argument("--profile", default="seed")
    parser.add_argument("--print", action="store_true", help="print the table instead of writing README.md")
    parser.add_argument(
        "--findings", action="store_true", help="with --print: the findings instead of the table"
    )
    args = parser.parse_args(argv)
    if args.print:
        print(findings_markdown(args.profile) if args.findings else results_markdown(args.profile))
        return 0
    if not update_readme(args.profile):
        start, end = markers("results")
        print(f"README.md has no {start} … {end} block", file=sys.stderr)
        return 1
    print(f"README.md results table updated from results/{args.profile}/")
    return 0


def speed_tables_main(argv: list[str] | None = None) -> int:
    """``python -m helpers.bench.readme``: README's speed tables only."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench.readme",
        description="README's speed tables, generated from ``results/benchmarks/<name>.json`` (never copied by hand).",
    )
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    if not update_speed_tables(args.readme):
        print(f"{args.readme} has no <!-- speed:<name>:start --> … end blocks", file=sys.stderr)
        return 1
    print(f"{args.readme.name}: speed tables updated from {BENCH_DIR.relative_to(REPO_ROOT)}/")
    return 0
