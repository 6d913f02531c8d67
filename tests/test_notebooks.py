"""The committed notebooks as people meet them, and the smoke profile of the whole series."""

import json
import os
import re
import subprocess
import sys

import nbformat
import pytest
from nbconvert import HTMLExporter

from helpers.evaluation import load_results
from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT
from helpers.run import discover_notebooks

NOTEBOOKS = discover_notebooks()
MACHINE_PATH = re.compile(r"(/(work|root|home|tmp|Users)/[A-Za-z]|[A-Z]:\\\\Users)")


def test_the_series_exists():
    assert [p.name[:2] for p in NOTEBOOKS][:2] == ["01", "02"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_renders_cleanly(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata, "metadata.widgets makes GitHub show 'Invalid Notebook'"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert any(c.get("outputs") for c in code), "committed notebooks carry the outputs of the reference run"
    text = json.dumps(nb)
    assert "application/vnd.jupyter.widget-view+json" not in text
    assert not any(o.get("output_type") == "error" for c in code for o in c.get("outputs", []))
    assert not MACHINE_PATH.search(text), (
        f"machine-specific path in {path.name}: {MACHINE_PATH.search(text)[0]}"
    )
    assert path.stat().st_size < 2_500_000
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert "<html" in body


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_parameter_is_seen_by_papermill(path):
    """A parameter papermill cannot parse is silently not injected: the profile would not reach the notebook."""
    import papermill

    cell = next(
        c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", [])
    )
    assigned = {
        line.split("=")[0].strip() for line in cell.source.splitlines() if re.match(r"^\w+\s*=", line)
    }
    assert assigned == set(papermill.inspect_notebook(str(path))), "papermill could not parse some parameters"
    assert {"profile", "seed"} <= assigned


@pytest.mark.slow
def test_smoke_profile_runs_every_notebook(tmp_path):
    env = os.environ | {
        "IMDB_SERIES_OUTPUT": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "helpers.run", "--profile", "smoke", "--output-dir", str(tmp_path / "runs")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    executed = sorted(p.name for p in (tmp_path / "runs").glob("*.ipynb"))
    assert executed == [p.name for p in NOTEBOOKS]
    for path in (tmp_path / "runs").glob("*.ipynb"):
        assert "widgets" not in json.loads(path.read_text())["metadata"]
    assert any((tmp_path / "figures" / "smoke").glob("*.png"))
    results = load_results("smoke", folder=tmp_path / "results" / "smoke")
    written_by = {p.name[:2] for p in NOTEBOOKS}
    if "02" in written_by:
        assert {"bow_random_forest"} <= set(results)
    for record, predictions in results.values():
        assert record["profile"] == "smoke" and record["data_source"]["kind"] == "bundled"
        assert len(predictions) == record["n"] and 0 <= record["accuracy"] <= 1
    ids = {key: set(pred["review_id"]) for key, (_, pred) in results.items()}
    assert len({frozenset(v) for v in ids.values()}) <= 1, "every model is evaluated on the same test reviews"


def test_notebooks_folder_is_the_repo_one():
    assert NOTEBOOKS_DIR == REPO_ROOT / "notebooks"
