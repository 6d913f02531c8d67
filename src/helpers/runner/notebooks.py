"""The notebooks the runner executes: found by number, their declared parameters, the project's kernel checked,
executed by papermill, and left as committed: one parameters cell (papermill's injected values folded into the
tagged cell), the project's kernelspec, no progress bars, no widget state or run timings, formatted by ruff."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import sys
import tokenize
from pathlib import Path

from helpers.paths import NOTEBOOKS_DIR

KERNEL = "imdb-sentiment"  # installed by `make setup`; every notebook's kernelspec names it
KERNEL_SPEC = {"name": KERNEL, "display_name": "Python (imdb-sentiment)", "language": "python"}


def clean_metadata(path: Path) -> None:
    """Drop what GitHub cannot render or what is run noise: widget state, papermill timings, execution counts' noise."""
    nb = json.loads(path.read_text())
    nb.get("metadata", {}).pop("widgets", None)
    nb.get("metadata", {}).pop("papermill", None)
    fold_injected_parameters(nb)
    for cell in nb.get("cells", []):
        if "outputs" in cell:
            cell["outputs"] = without_progress_bars(cell["outputs"])
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("widgets", None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    format_with_ruff(path)


def cell_source(cell: dict) -> str:
    """A cell's source as one string (nbformat stores a list of lines or a string)."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _comments_by_line(source: str) -> dict[int, str]:
    """The trailing ``# comment`` on each line of ``source`` (1-based line numbers)."""
    comments = {}
    with contextlib.suppress(tokenize.TokenError, IndentationError):
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string
    return comments


def with_values(source: str, values: dict) -> str:
    """``source`` (a parameters cell) with each assigned name's value replaced by ``values[name]``, comments kept."""
    lines = source.splitlines()
    comments = _comments_by_line(source)
    out, cursor = [], 0
    for node in ast.parse(source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if not isinstance(target, ast.Name) or target.id not in values:
            continue
        out += lines[cursor : node.lineno - 1]
        comment = comments.get(node.end_lineno) or comments.get(node.lineno)
        out.append(f"{target.id} = {values[target.id]!r}" + (f"  {comment}" if comment else ""))
        cursor = node.end_lineno
    return "\n".join(out + lines[cursor:])


PROGRESS_LINE = re.compile(r"^[^\n]*\d+%\|[^\n]*\|[^\n]*$")


def without_progress_bars(outputs: list[dict]) -> list[dict]:
    """Drop tqdm progress lines from stderr outputs (a bar a library draws despite ``TQDM_DISABLE``), and any
    stderr output left empty; everything else, warnings included, stays for the reader."""
    kept = []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            lines = re.split(r"[\r\n]+", cell_source({"source": output.get("text", "")}))
            text = "\n".join(line for line in lines if line.strip() and not PROGRESS_LINE.match(line))
            if not text:
                continue
            output = {**output, "text": text + "\n"}
        kept.append(output)
    return kept


def fold_injected_parameters(nb: dict) -> None:
    """One visible parameters cell: papermill's injected values written into the tagged cell, the injected cell
    dropped (its values are the run's; the tagged cell keeps its comments); the kernelspec set to the project's."""
    cells = nb.get("cells", [])
    injected = [c for c in cells if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if injected and tagged:
        namespace: dict = {}
        exec(cell_source(injected[0]), {}, namespace)  # noqa: S102 (papermill's own literal assignments)
        tagged[0]["source"] = with_values(cell_source(tagged[0]), namespace)
        nb["cells"] = [c for c in cells if c is not injected[0]]
    elif injected:  # a notebook without a tagged cell: keep papermill's, minus its trailing blank line
        injected[0]["source"] = cell_source(injected[0]).rstrip("\n")
    nb.setdefault("metadata", {})["kernelspec"] = dict(KERNEL_SPEC)


def format_with_ruff(path: Path) -> None:
    """Format papermill's injected parameters cell like every other cell (when ruff is installed: the dev set-up)."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("ruff") is not None:
        subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(path)], check=False)


def discover_notebooks(selection: list[str] | None = None, folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks (``NN_name.ipynb``) in order; ``selection`` keeps those whose number or name matches."""
    notebooks = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not selection:
        return notebooks
    chosen = [p for p in notebooks if any(p.name.startswith(s) or p.stem == s for s in selection)]
    unknown = [s for s in selection if not any(p.name.startswith(s) or p.stem == s for p in notebooks)]
    if unknown:
        raise SystemExit(
            f"No notebook matches {', '.join(unknown)} (have: {', '.join(p.stem for p in notebooks)})"
        )
    return chosen


def declared_parameters(notebook: Path, parameters: dict) -> dict:
    """The subset of ``parameters`` that the notebook's ``parameters`` cell declares (no unknown-parameter noise)."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    return {name: value for name, value in parameters.items() if name in declared}


def check_kernel() -> None:
    """The project's kernel must be installed (``make setup`` does it), else papermill would fail obscurely."""
    import shutil

    from jupyter_client.kernelspec import KernelSpecManager

    install = (
        f'run `make setup` (or `python -m ipykernel install --user --name {KERNEL} --display-name "Python ({KERNEL})"`'
        " in the project's environment)"
    )
    specs = KernelSpecManager()
    if KERNEL not in specs.find_kernel_specs():
        raise SystemExit(f"The Jupyter kernel {KERNEL!r} is not installed: {install}")
    python = specs.get_kernel_spec(KERNEL).argv[0]
    if not shutil.which(python):  # e.g. installed from another clone's environment, since removed
        raise SystemExit(f"The Jupyter kernel {KERNEL!r} starts {python}, which does not exist: {install}")
    theirs, ours = kernel_helpers(python), Path(__file__).resolve().parents[1] / "__init__.py"
    if theirs != ours:  # another clone's environment: its notebooks would run that clone's helpers
        found = f"the helpers of {theirs.parent}" if theirs else "no helpers package"
        raise SystemExit(
            f"The Jupyter kernel {KERNEL!r} starts {python}, which imports {found}, not this checkout's"
            f" ({ours.parent}): {install}"
        )


def kernel_helpers(python: str) -> Path | None:
    """Where ``python`` imports the ``helpers`` package from (found, not imported), or ``None``."""
    import subprocess

    code = "import importlib.util as u; s = u.find_spec('helpers'); print(s.origin if s else '')"
    found = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip()
    return Path(found).resolve() if found else None


def execute(notebook: Path, output: Path, parameters: dict) -> None:
    import papermill

    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=declared_parameters(notebook, parameters),
        kernel_name=KERNEL,
        cwd=str(notebook.parent),
        progress_bar=False,
        log_output=False,
        request_save_on_cell_execute=True,
    )
