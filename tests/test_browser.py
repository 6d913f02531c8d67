"""The series as its users open it: JupyterLab started like ``make lab``, in a real browser (Debian's Chromium,
driven by Playwright), each notebook run from the UI (Run > Run All Cells) and checked for what a person sees: the
project's kernel, no error in any cell, figures as images, rendered markdown.

Notebook 06 runs as committed (profile ``seed``, on the committed results); 03 (a transformer, its figures and
tables) is switched to the ``smoke`` profile by typing the smoke values it declares into its parameters cell. The
other notebooks run the same cells under the runner in ``test_smoke_outputs``. Nothing is saved: afterwards
the committed notebooks, results and figures are unchanged, and what the runs wrote is in ``runs/<profile>/``
(``$IMDB_RUNS_DIR``, a temporary folder here: the test leaves no file in the checkout).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import time

import nbformat
import pytest
from support.builders import unavailable
from support.lab import (
    CHROMIUM,
    KERNEL_DISPLAY_NAME,
    cells_seen,
    chromium,
    jupyter_lab,
    kernel_shown,
    open_notebook,
    replace_cell_source,
    run_all_cells,
)

from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT
from helpers.runner.notebooks import with_values
from helpers.settings import load_profile

CASES = [  # (notebook, the profile typed into its parameters cell; None: run as committed, profile seed)
    ("06_results_comparison.ipynb", None),
    ("03_pretrained_evaluation.ipynb", "smoke"),
]
RUN_TIMEOUT_S = 300  # each takes well under a minute on 2 busy cores
ERROR = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.M)


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--", "notebooks", "results", "figures"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``(server, browser context, git status before)``: JupyterLab and Chromium for this module, both stopped at
    its end whatever happened."""
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is not installed (requirements-dev.txt): make setup")
    if not CHROMIUM.is_file():
        unavailable(f"no {CHROMIUM}: apt-get install chromium")
    before = git_status()
    scratch = tmp_path_factory.mktemp("lab")
    env = {k: v for k, v in os.environ.items() if k not in {"IMDB_SERIES_OUTPUT", "MPLBACKEND"}}
    env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}  # a user's interactive run, offline
    env["IMDB_RUNS_DIR"] = str(scratch / "runs")  # where make run writes, here in a temporary folder
    env["IMDB_MODELS_DIR"] = str(scratch / "models")  # the smoke profile's tiny model, built there
    with jupyter_lab(REPO_ROOT, scratch, env) as server, chromium(scratch / "chromium-profile") as context:
        settings = server.api("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        assert settings["settings"]["autosave"] is False, "autosave must be off: nothing may be saved"
        yield server, context, before, scratch / "runs"


def parameters_index(notebook) -> int:
    return next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))


def profile_source(notebook, profile: str) -> str:
    """The parameters cell with the values of ``params/<profile>.yaml`` for the names it declares, comments kept
    (what the runner injects for that profile)."""
    source = notebook.cells[parameters_index(notebook)].source
    declared = {t.id for node in ast.parse(source).body if isinstance(node, ast.Assign) for t in node.targets}
    return with_values(source, {k: v for k, v in load_profile(profile).items() if k in declared})


def first_line(cell) -> str:
    return next((line.strip() for line in cell.source.splitlines() if line.strip()), "")


def problems_seen(name: str, notebook, cells: list[dict]) -> list[str]:
    """What a person would not want to see: errors, cells not run, markdown not rendered, figures not shown."""
    if len(cells) != len(notebook.cells):
        return [f"{name}: the page shows {len(cells)} cells, the notebook has {len(notebook.cells)}"]
    problems, not_run = [], []
    for index, (cell, seen) in enumerate(zip(notebook.cells, cells, strict=True)):
        where = f"{name}, cell {index} ({first_line(cell)!r})"
        if cell.cell_type == "markdown":
            headings = sum(line.startswith("#") for line in cell.source.splitlines())
            if not seen["rendered"] or len(seen["headings"]) < headings:
                problems.append(
                    f"{where}: markdown not rendered ({len(seen['headings'])}/{headings} headings)"
                )
            continue
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        for text in seen["stderr"]:
            if ERROR.search(text):
                lines = [line for line in text.strip().splitlines() if line.strip()]
                problems.append(f"{where} shows an error: {lines[-1]}\n    " + "\n    ".join(lines[-12:-1]))
        if not re.search(r"\[\d+\]", seen["prompt"]):
            not_run.append(where)
            continue
        committed = [o.get("data", {}) for o in cell.get("outputs", [])]  # the seed run's outputs here
        had_figure = any("image/png" in d or "<img" in d.get("text/html", "") for d in committed)
        if had_figure and not any(width > 0 for width in seen["images"]):
            problems.append(f"{where}: its figure is not shown as an image ({seen['images']})")
    if not_run:
        problems.append(f"{len(not_run)} code cell(s) did not run, the first: {not_run[0]}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize(("name", "profile"), CASES, ids=[name[:2] for name, _ in CASES])
def test_notebook_runs_from_jupyterlab_as_a_user_runs_it(lab, name, profile):
    server, context, status_before, runs = lab
    path = NOTEBOOKS_DIR / name
    committed = path.read_bytes()
    notebook = nbformat.reads(committed.decode(), as_version=4)
    started = time.time()
    page = open_notebook(context, server, name)
    try:
        assert kernel_shown(page) == KERNEL_DISPLAY_NAME, f"{name} opens on another kernel"
        if profile:
            wanted = profile_source(notebook, profile)
            typed = replace_cell_source(page, parameters_index(notebook), wanted)
            assert typed == wanted, f"{name}: the parameters cell reads\n{typed}\ninstead of\n{wanted}"
        try:
            seconds = run_all_cells(page, RUN_TIMEOUT_S * 1000)
        except Exception as error:  # Playwright's TimeoutError: name the cell still running
            busy = [i for i, seen in enumerate(cells_seen(page)) if "*" in seen["prompt"]]
            where = f"cell {busy[0]} ({first_line(notebook.cells[busy[0]])!r})" if busy else "no cell running"
            pytest.fail(f"{name} run from JupyterLab did not finish in {RUN_TIMEOUT_S} s: {where}; {error}")
        problems = problems_seen(name, notebook, cells_seen(page))
        if problems:
            pytest.fail(
                f"{name} run from JupyterLab (Run > Run All Cells, {seconds:.0f} s):\n" + "\n".join(problems)
            )
        assert kernel_shown(page) == KERNEL_DISPLAY_NAME, f"{name}: the kernel is gone after the run"
    finally:
        page.close()
        server.shutdown_kernels()
        if path.read_bytes() != committed:  # never leave a changed reference behind, even when failing
            path.write_bytes(committed)
            pytest.fail(f"{name} was saved by JupyterLab (restored): a browser run must not write it")
    # the run wrote its figures where make run writes, not into the committed reference
    figures = runs / (profile or "seed") / "figures" / (profile or "seed")
    written = [p for p in figures.glob(f"{name[:2]}_*.png") if p.stat().st_mtime >= started - 1]
    assert written, f"{name} wrote no figure into {figures} (runs/ of make run)"
    assert git_status() == status_before, f"{name} changed the committed reference:\n{git_status()}"
    if os.environ.get("CI", "").lower() == "true":
        assert status_before == "", "a clean clone: the committed notebooks, results and figures"
