"""The series runner: execute the numbered notebooks in order with papermill, parameters from a profile.

    python -m helpers.run --profile smoke              # all notebooks → runs/smoke/
    python -m helpers.run --profile seed --notebooks 01 03
    python -m helpers.run --profile seed --refresh     # rewrite notebooks/ with the outputs (reference run)

Stops at the first failing notebook with a non-zero exit, naming the executed copy and the error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import NOTEBOOKS_DIR, RUNS_DIR, display_path
from helpers.settings import PROFILES, load_profile

KERNEL = "python3"


@dataclass
class NotebookRun:
    notebook: str
    status: str = "not run"
    seconds: float = 0.0


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


def clean_metadata(path: Path) -> None:
    """Drop what GitHub cannot render or what is run noise: widget state, papermill timings, execution counts' noise."""
    nb = json.loads(path.read_text())
    nb.get("metadata", {}).pop("widgets", None)
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = source.rstrip("\n")  # papermill's trailing blank line, which ruff format rejects
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("widgets", None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    format_with_ruff(path)


def format_with_ruff(path: Path) -> None:
    """Format papermill's injected parameters cell like every other cell (when ruff is installed: the dev set-up)."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("ruff") is not None:
        subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(path)], check=False)


def declared_parameters(notebook: Path, parameters: dict) -> dict:
    """The subset of ``parameters`` that the notebook's ``parameters`` cell declares (no unknown-parameter noise)."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    return {name: value for name, value in parameters.items() if name in declared}


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


def prepare_models(notebooks: list[Path], parameters: dict) -> None:
    """Build the offline stand-in first when a notebook needs a model, none is given, the Hub is out, and it is missing."""
    if not any("model" in declared_parameters(nb, parameters) for nb in notebooks):
        return
    if (
        parameters.get("model") not in {"auto", "standin"}
        or parameters.get("model_dir")
        or os.environ.get("IMDB_MODEL_DIR")
    ):
        return
    from helpers.hub import hub_unavailable

    reason = hub_unavailable()
    if parameters["model"] == "auto" and reason is None:
        return
    from helpers import modeling

    if modeling.standin_info():
        return
    print(
        f"▶ building the offline stand-in SST-2 model first ({reason or 'model: standin'}); this is done once"
    )
    modeling.build_standin_model()


def print_summary(runs: list[NotebookRun], profile: str) -> None:
    width = max(len(r.notebook) for r in runs)
    print(f"\nprofile {profile}")
    print(f"{'notebook':<{width}}  {'status':<8}  seconds")
    for r in runs:
        print(f"{r.notebook:<{width}}  {r.status:<8}  {r.seconds:7.1f}")
    print(f"{'total':<{width}}  {'':<8}  {sum(r.seconds for r in runs):7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--profile", default="smoke", choices=PROFILES, help="params/<profile>.yaml (default: smoke)"
    )
    parser.add_argument("--notebooks", nargs="*", metavar="NN", help="run only these (e.g. 01 03)")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="write the executed notebooks over notebooks/ (the committed reference outputs)",
    )
    parser.add_argument("--output-dir", type=Path, help="where executed copies go (default: runs/<profile>/)")
    parser.add_argument("--notebooks-dir", type=Path, default=NOTEBOOKS_DIR, help=argparse.SUPPRESS)
    parser.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="override one parameter (YAML value), e.g. -p n_test 500",
    )
    args = parser.parse_args(argv)

    import yaml

    parameters = load_profile(args.profile)
    for name, value in args.param:
        parameters[name] = yaml.safe_load(value)
    notebooks = discover_notebooks(args.notebooks, args.notebooks_dir)
    if not notebooks:
        print("no notebooks found in notebooks/", file=sys.stderr)
        return 2
    out_dir = args.notebooks_dir if args.refresh else (args.output_dir or RUNS_DIR / args.profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if args.profile == "smoke":
        env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}  # smoke never touches the network

    os.environ.update(env)
    prepare_models(notebooks, parameters)
    runs = [NotebookRun(p.stem) for p in notebooks]
    for run, notebook in zip(runs, notebooks, strict=True):
        output = out_dir / notebook.name
        print(f"▶ {notebook.stem} ({args.profile}) → {display_path(output)}", flush=True)
        start = time.perf_counter()
        try:
            execute(notebook, output, parameters)
        except Exception as error:  # papermill raises PapermillExecutionError with the cell's traceback
            run.status, run.seconds = "FAILED", time.perf_counter() - start
            if output.exists():
                clean_metadata(output)
            print_summary(runs, args.profile)
            ename = getattr(error, "ename", type(error).__name__)
            evalue = getattr(error, "evalue", str(error))
            print(
                f"\n✗ {notebook.stem} failed: {ename}: {evalue}\n  executed copy: {display_path(output)}",
                file=sys.stderr,
            )
            return 1
        run.status, run.seconds = "ok", time.perf_counter() - start
        clean_metadata(output)
    print_summary(runs, args.profile)
    if args.refresh and args.notebooks_dir == NOTEBOOKS_DIR:
        from helpers.report import update_readme

        if update_readme(args.profile):
            print(f"README.md results table regenerated from results/{args.profile}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
