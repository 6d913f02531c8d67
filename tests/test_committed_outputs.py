"""The committed reference outputs agree with each other: the README's results table is the one generated from
``results/seed/``, and the committed notebooks print the accuracies recorded there."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import unprinted_accuracies

from helpers.evaluation import load_results
from helpers.paths import REPO_ROOT
from helpers.report import END, START
from helpers.run import discover_notebooks

PROFILE = "seed"
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
        assert record["accuracy"] == pytest.approx((predictions["pred"] == predictions["label"]).mean())
        assert json.loads(json.dumps(record))["profile"] == PROFILE
