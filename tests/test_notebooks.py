"""The committed notebooks as people meet them, and the smoke profile of the whole series."""

import json
import re

import nbformat
import pytest
from nbconvert import HTMLExporter

from helpers.runner.notebooks import KERNEL, discover_notebooks

NOTEBOOKS = discover_notebooks()
MACHINE_PATH = re.compile(r"(/(work|root|home|tmp|Users)/[A-Za-z]|[A-Z]:\\\\Users)")
PROGRESS_BAR = re.compile(r"\d+%\|.*\||\r|\bit/s\]|s/it\]")
TRUNCATED_NAME = re.compile(r"<t[dh][^>]*>([^<]{1,60}(…|\.\.\.))</t[dh]>")
TABLE_NAN = re.compile(r"<t[dh][^>]*>\s*(NaN|nan|None|<NA>)\s*</t[dh]>")
ZERO_P = re.compile(r"\b0\.0{4,}\b")
IMG_TAG = re.compile(r"<img\b[^>]*>")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def reader_problems(nb) -> list[str]:
    """What a reader of the rendered notebook should never see (issue: the series reads like an edited paper)."""
    problems = []
    if nb.metadata.get("kernelspec", {}).get("name") != KERNEL:
        problems.append(f"kernelspec {nb.metadata.get('kernelspec', {}).get('name')!r}, not {KERNEL!r}")
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    if sum("parameters" in t for t in tags) != 1 or any("injected-parameters" in t for t in tags):
        problems.append(
            "not exactly one parameters cell (papermill's injected cell left beside the tagged one?)"
        )
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            where = f"cell {i}"
            if output.get("output_type") == "error":
                problems.append(f"{where}: an error output")
            if output.get("output_type") == "stream":
                text = _text(output.get("text", ""))
                if output.get("name") == "stderr":
                    problems.append(f"{where}: stderr output {text[:80]!r}")
                if PROGRESS_BAR.search(text):
                    problems.append(f"{where}: progress-bar output {text[:80]!r}")
                if ZERO_P.search(text):
                    problems.append(f"{where}: a number printed as 0.0000 {text[:80]!r}")
            data = output.get("data", {})
            html = _text(data.get("text/html", ""))
            for pattern, what in (
                (TABLE_NAN, "NaN in a table"),
                (TRUNCATED_NAME, "a truncated name in a table"),
            ):
                if match := pattern.search(html):
                    problems.append(f"{where}: {what}: {match[0][:100]!r}")
            for kind in ("text/html", "text/plain", "text/markdown"):
                if ZERO_P.search(_text(data.get(kind, ""))):
                    problems.append(f"{where}: a number printed as 0.0000 ({kind})")
            if "image/png" in data and not output.get("metadata", {}).get("image/png", {}).get("alt"):
                problems.append(f"{where}: an image without alt text")
            if any("alt=" not in tag for tag in IMG_TAG.findall(html)):
                problems.append(f"{where}: an <img> without alt text")
    return problems


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
    text = json.dumps(nb)
    assert "application/vnd.jupyter.widget-view+json" not in text
    assert not any(o.get("output_type") == "error" for c in code for o in c.get("outputs", []))
    assert not MACHINE_PATH.search(text), (
        f"machine-specific path in {path.name}: {MACHINE_PATH.search(text)[0]}"
    )
    assert path.stat().st_size < 2_500_000
    body, _ = HTMLExporter().from_notebook_node(nb)
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))
    assert len(re.findall(r"<img[^>]*src=\"data:image/png", body)) == images, "every figure reaches the HTML"
    heading = next(c.source for c in nb.cells if c.cell_type == "markdown").splitlines()[0].lstrip("# ")
    assert heading.split("·")[-1].strip()[:30] in body


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_reads_cleanly(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert any(c.get("outputs") for c in code), "committed notebooks carry the outputs of the reference run"
    assert reader_problems(nb) == []


MAX_CELL_LINES = 20  # a lesson's code cell shows one step: the parameters cell aside, at most this many lines


def long_cells(nb) -> list[str]:
    """Code cells (the parameters cell aside) with more than ``MAX_CELL_LINES`` non-blank lines."""
    return [
        f"cell {i}: {n} lines"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", [])
        if (n := sum(bool(line.strip()) for line in cell.source.splitlines())) > MAX_CELL_LINES
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_is_a_short_step(path):
    assert long_cells(nbformat.read(path, as_version=4)) == []


def test_a_long_cell_is_caught():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1\n" * 21, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1\n\n" * 20),
        nbformat.v4.new_code_cell("x = 1\n" * 21),
    ]
    assert long_cells(nb) == ["cell 2: 21 lines"]


def test_reader_checks_catch_what_a_reader_should_not_see():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    params = nbformat.v4.new_code_cell("seed = 1")
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("seed = 2")
    injected.metadata["tags"] = ["injected-parameters"]
    noisy = nbformat.v4.new_code_cell("")
    noisy.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="WARNING helpers.data: Hub unreachable"),
        nbformat.v4.new_output(
            "stream", name="stdout", text="predict:  40%|████      | 4/10 [00:01<00:02, 3.1it/s]"
        ),
        nbformat.v4.new_output("stream", name="stdout", text="p = 0.0000"),
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": "<table><tr><td>NaN</td><td>MiniLM-L6 fine-tuned on SST-2 (offline stand-i…</td></tr></table>"
            },
        ),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "fig"}),
    ]
    nb.cells = [params, injected, noisy]
    found = "\n".join(reader_problems(nb))
    for expected in (
        "kernelspec",
        "parameters cell",
        "stderr",
        "progress-bar",
        "0.0000",
        "NaN",
        "truncated",
        "alt text",
    ):
        assert expected in found, expected
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL}
    nb.cells = [params, nbformat.v4.new_code_cell("")]
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "image/png": "iVBORw0KGgo=",
                "text/html": '<img src="data:image/png;base64,iVBO" alt="a figure">',
            },
            metadata={"image/png": {"alt": "a figure"}},
        ),
        nbformat.v4.new_output(
            "display_data", data={"text/html": "<table><tr><td>0.912</td><td>7.1e-04</td></tr></table>"}
        ),
    ]
    assert reader_problems(nb) == []


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
