"""The committed reference outputs agree with each other: the README's results table is the one generated from
``results/seed/``, and the committed notebooks print the accuracies recorded there."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support.builders import interval_problems, unprinted_accuracies

from helpers.paths import REPO_ROOT
from helpers.results_files import load_results
from helpers.runner.notebooks import discover_notebooks
from helpers.runner.readme import markers

PROFILE = "seed"
START, END = markers("results")
SEED_RESULTS = REPO_ROOT / "results" / PROFILE


@pytest.fixture(scope="module")
def seed_results():
    results = load_results(PROFILE, folder=SEED_RESULTS, required=False)
    if not results:
        pytest.fail(f"no committed results in {SEED_RESULTS.relative_to(REPO_ROOT)}")
    return results


def test_readme_table_is_the_generated_one():
    env = {k: v for k, v in os.environ.items() if k != "IMDB_SERIES_OUTPUT"}
    printed = subprocess.run(
        [sys.executable, "-m", "helpers.report", "--profile", PROFILE, "--print"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    readme = (REPO_ROOT / "README.md").read_text()
    assert START in readme and END in readme, "README.md lost its results markers"
    block = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert block == printed, "README's results table is stale: run python -m helpers.report --profile seed"


def test_committed_notebooks_print_the_recorded_accuracies(seed_results):
    assert not unprinted_accuracies(discover_notebooks(), seed_results)


def test_seed_results_cover_the_same_reviews(seed_results):
    ids = {key: frozenset(predictions["review_id"]) for key, (_, predictions) in seed_results.items()}
    assert len(set(ids.values())) == 1, "every model of the seed run is scored on the same test reviews"
    for record, predictions in seed_results.values():
        assert record["n"] == len(predictions) == len(next(iter(ids.values())))
        assert json.loads(json.dumps(record))["profile"] == PROFILE


def test_seed_intervals_are_wilson_intervals(seed_results):
    problems = [
        p for key, (record, pred) in seed_results.items() for p in interval_problems(key, record, pred)
    ]
    assert not problems


def test_readme_rows_show_the_recorded_accuracy_and_interval(seed_results):
    """Each model's row of README's results table, read back: its accuracy is the results file's, and its interval
    SciPy's Wilson interval of the correct predictions (not the generator's arithmetic read twice)."""
    from scipy.stats import binomtest

    from helpers.present import short_label

    block = (REPO_ROOT / "README.md").read_text().split(START, 1)[1].split(END, 1)[0]
    models_table = block.split("McNemar", 1)[0]  # the models' table, not the pairs'
    lines = [line for line in models_table.splitlines() if line.startswith("| ")]
    rows = {cells[1]: cells for cells in ([c.strip() for c in line.split("|")] for line in lines)}
    for key, (record, predictions) in seed_results.items():
        label = short_label(record)
        assert label in rows, f"README's results table has no row for {label} ({key})"
        correct = int((predictions["pred"] == predictions["label"]).sum())
        ci = binomtest(correct, len(predictions)).proportion_ci(confidence_level=0.95, method="wilson")
        expected = f"{record['accuracy']:.3f} ({ci.low:.3f}–{ci.high:.3f})"
        shown = rows[label][3]
        assert shown == expected, f"{label}: README shows {shown!r}, the results {expected!r}"


def test_the_readmes_generated_sections_are_what_the_committed_results_generate():
    """README's run table, findings and results table are regenerated from results/seed/, never left stale."""
    import re

    from helpers.runner import readme

    text = (REPO_ROOT / "README.md").read_text()
    folder = REPO_ROOT / "results" / "seed"
    for start, end, make in [
        (*markers("run"), readme.run_markdown),
        (*markers("findings"), readme.findings_markdown),
        (*markers("results"), readme.results_markdown),
    ]:
        block = re.search(re.escape(start) + "\n(.*?)\n" + re.escape(end), text, flags=re.S)
        assert block, f"README.md lacks {start}"
        assert block.group(1) == make("seed", folder), (
            f"README.md's {start} block is stale: python -m helpers.report"
        )
