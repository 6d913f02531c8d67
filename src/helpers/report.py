"""The results table in README.md, generated from ``results/<profile>/`` (never typed by hand).

python -m helpers.report --profile seed     # rewrites the block between the README markers
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pandas as pd

from helpers.comparisons import comparison_table, pairwise_mcnemar
from helpers.paths import REPO_ROOT, output_root
from helpers.present import p_text, short_label
from helpers.results_files import load_results

START, END = "<!-- results:start -->", "<!-- results:end -->"
FINDINGS_START, FINDINGS_END = "<!-- findings:start -->", "<!-- findings:end -->"
RUN_START, RUN_END = "<!-- run:start -->", "<!-- run:end -->"


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
    """ "What the series finds": :func:`helpers.verdicts.series_findings` of ``results/<profile>/``, the same
    bullets notebook 06 ends with."""
    from helpers.verdicts import series_findings

    results = load_results(profile, folder=folder or output_root() / "results" / profile, required=False)
    if not results:
        return f"_No results in results/{profile}/ yet._"
    return f"Profile `{profile}`, generated from `results/{profile}/`:\n\n" + "\n".join(
        series_findings(results)
    )


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


def _replace(text: str, start: str, end: str, body: str) -> str:
    block = f"{start}\n{body}\n{end}"
    return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)


def update_readme(profile: str, readme=REPO_ROOT / "README.md", folder=None) -> bool:
    """Replace the blocks between the results markers (and the findings markers, where present) in README.md,
    and the speed tables from ``results/benchmarks/`` (:mod:`helpers.bench.readme`); False when the results
    markers are absent."""
    text = readme.read_text()
    if START not in text or END not in text:
        return False
    text = _replace(text, START, END, results_markdown(profile, folder))
    if FINDINGS_START in text and FINDINGS_END in text:
        text = _replace(text, FINDINGS_START, FINDINGS_END, findings_markdown(profile, folder))
    if RUN_START in text and RUN_END in text:
        text = _replace(text, RUN_START, RUN_END, run_markdown(profile, folder))
    readme.write_text(text)
    from helpers.bench.readme import update_speed_tables  # imports torch: only when the README is rewritten

    update_speed_tables(readme)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.report", description=__doc__.split("\n")[0])
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
        print(f"README.md has no {START} … {END} block", file=sys.stderr)
        return 1
    print(f"README.md results table updated from results/{args.profile}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
