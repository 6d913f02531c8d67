"""What the series runner tells its user at the end: each notebook's status and seconds, the work done (tokens
trained on and read, recorded in ``work.json``), every model's accuracy, and where the outputs went."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers import ledger
from helpers.devices import machine_text
from helpers.paths import REPO_ROOT


@dataclass
class NotebookRun:
    notebook: str
    status: str = "not run"
    seconds: float = 0.0
    trained: int = 0  # tokens in training batches (helpers.ledger)
    read: int = 0  # tokens in forward passes only
    reused: int = 0  # saved runs read back instead of trained


def work_text(trained: int, read: int, reused: int = 0) -> str:
    """``, trained 2.31M tokens, read 0.42M`` (empty when a notebook ran no model), and how many saved fine-tuning
    runs it read back instead of training them (a re-run after an interruption resumes that way)."""
    text = (
        f", trained {ledger.millions(trained)} tokens, read {ledger.millions(read)}"
        if trained or read
        else ""
    )
    return text + (f", {reused} saved run(s) read back, not retrained" if reused else "")


def print_work(runs: list[NotebookRun], stand_in: Path, folder: Path) -> None:
    """Print the run's work (tokens trained on and read, the stand-in build included) and record it in
    ``folder/work.json``, so the next run can be compared with this one in work rather than minutes. A run of some
    notebooks updates their rows and keeps the others' (a reference re-made in parts adds up to the whole)."""
    path = folder / "work.json"
    rows = json.loads(path.read_text())["notebooks"] if path.is_file() else {}
    build = ledger.totals(stand_in)
    if build["trained"] or build["read"]:
        rows["stand-in build"] = {**build, "seconds": None}
    # each row says where its seconds were measured: a reference may be re-made in parts
    here = machine_text()
    rows |= {
        r.notebook: {"trained": r.trained, "read": r.read, "seconds": round(r.seconds, 1), "machine": here}
        for r in runs
    }
    trained = sum(row["trained"] for row in rows.values())
    read = sum(row["read"] for row in rows.values())
    total = ledger.work(trained, read)
    print(
        f"work: trained {ledger.millions(trained)} tokens, read {ledger.millions(read)}: "
        f"{ledger.millions(total)} forward-pass token equivalents (a trained token counts {ledger.TRAIN_COST})"
    )
    folder.mkdir(parents=True, exist_ok=True)
    record = {"notebooks": dict(sorted(rows.items())), "trained": trained, "read": read, "work": total}
    path.write_text(json.dumps({**record, "train_cost": ledger.TRAIN_COST}, indent=2) + "\n")


def results_lines(profile: str, folder: Path) -> list[str]:
    """Every model's accuracy with its 95% CI and n in ``folder`` (a profile's ``results/<profile>/``), most
    accurate first: the README table's rows (:func:`helpers.comparisons.comparison_table`), in the terminal."""
    from helpers.comparisons import comparison_table
    from helpers.present import short_label
    from helpers.results_files import ResultsError, load_results

    try:
        results = load_results(profile, folder=folder, required=False)
    except ResultsError as error:
        return [f"results: {error}"]
    if not results:
        return [f"results: no model results in {shown(folder)} (this run's notebooks write none)"]
    table = comparison_table(results).sort_values("accuracy", ascending=False)
    labels = {key: short_label(record) for key, (record, _) in results.items()}
    width = max(len(label) for label in labels.values())
    lines = [f"results ({profile}, {shown(folder)}):", f"  {'model':<{width}}  accuracy  95% CI         n"]
    for key, row in table.iterrows():
        lines.append(
            f"  {labels[key]:<{width}}  {row['accuracy']:.3f}     {row['ci95 low']:.3f}–{row['ci95 high']:.3f}"
            f"  {row['n']:,}"
        )
    return lines


def shown(path: Path) -> str:
    """A path for the terminal: relative to the repository when inside it (``runs/smoke/results/smoke``, never
    relative to the run's own folder as :func:`helpers.paths.display_path` is under ``IMDB_SERIES_OUTPUT``), else
    absolute."""
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def output_lines(out_dir: Path, output_root: Path, profile: str, log: Path) -> list[str]:
    """Where the run's outputs went: the executed notebooks, the results, the figures and the kernels' log."""
    return [
        "outputs:",
        f"  executed notebooks  {shown(out_dir)}/",
        f"  results             {shown(output_root / 'results' / profile)}/",
        f"  figures             {shown(output_root / 'figures' / profile)}/",
        f"  kernel log          {shown(log)}",
    ]


def print_summary(runs: list[NotebookRun], profile: str) -> None:
    width = max(len(r.notebook) for r in runs)
    print(f"\nprofile {profile}")
    print(f"{'notebook':<{width}}  {'status':<8}  seconds")
    for r in runs:
        print(f"{r.notebook:<{width}}  {r.status:<8}  {r.seconds:7.1f}")
    print(f"{'total':<{width}}  {'':<8}  {sum(r.seconds for r in runs):7.1f}")
