"""The series runner: execute the numbered notebooks in order with papermill, parameters from a profile.

    python -m helpers.run --profile smoke              # all notebooks → runs/smoke/ (copies, figures, results)
    python -m helpers.run --profile seed --notebooks 01 03
    python -m helpers.run --profile seed --refresh     # rewrite notebooks/, figures/ and results/ (the reference)

A run writes its executed notebooks, figures and results under ``runs/<profile>/`` (or ``--output-dir``), so the
committed reference stays untouched; only ``--refresh`` writes over it. Notebooks that read other notebooks'
results read them from the same run's folder. The kernel is the project's ``imdb-sentiment`` (``make setup``).
The executed notebooks show one parameters cell (papermill's injected values folded into the tagged cell) and
no progress bars; the terminal shows one line per notebook, the kernels' own chatter goes to ``run.log``.

Stops at the first failing notebook with a non-zero exit, naming the executed copy and the error. A run that
stopped (Ctrl-C, a failure), run again with the same command, resumes: the notebooks it finished, unchanged since
(cells and parameters), are read back rather than run again (``runs/<profile>/resume.json`` records them; a
notebook run again reads its finished fine-tuning runs back too); ``--restart`` runs every notebook.

One run per folder: a second run of the same folder (two terminals, one profile) is refused, naming the run that
holds it and how to choose another ``--output-dir``; a run that was killed leaves no lock behind
(:mod:`helpers.run_lock`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

from helpers import ledger, run_lock
from helpers.executed_notebooks import KERNEL, cell_source, clean_metadata
from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT, RUNS_DIR, display_path
from helpers.reference_check import reference_lines
from helpers.run_summary import (
    NotebookRun,
    output_lines,
    print_summary,
    print_work,
    results_lines,
    shown,
    work_text,
)
from helpers.settings import PROFILES, load_profile

# What the notebooks' kernels see: no progress bars (helpers.settings.setup reads IMDB_SERIES_QUIET to send
# log messages and warnings to stdout as plain sentences), no tokenizer fork warnings.
KERNEL_ENV = {
    "IMDB_SERIES_QUIET": "1",
    "TQDM_DISABLE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


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
    theirs, ours = kernel_helpers(python), Path(__file__).resolve().parent / "__init__.py"
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


@contextlib.contextmanager
def output_to(log: Path):
    """Send this process's (and its kernels') stdout and stderr to ``log`` at the file-descriptor level."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("a") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            with contextlib.redirect_stdout(handle), contextlib.redirect_stderr(handle):
                yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


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


def standin_reason(notebooks: list[Path], parameters: dict) -> str | None:
    """Why the offline stand-in must be built before the notebooks (a notebook needs a model, none is given, the
    Hub is out or ``model: standin``, and it is missing); None when it need not be."""
    if not any("model" in declared_parameters(nb, parameters) for nb in notebooks):
        return None
    if (
        parameters.get("model") not in {"auto", "standin"}
        or parameters.get("model_dir")
        or os.environ.get("IMDB_MODEL_DIR")
    ):
        return None
    from helpers.hub import hub_unavailable

    reason = hub_unavailable()
    if parameters["model"] == "auto" and reason is None:
        return None
    from helpers import modeling

    return None if modeling.standin_info() else reason or "model: standin"


def build_standin(log: Path, build=None) -> None:
    """Build the offline stand-in, the libraries' chatter to ``log`` and its progress to the terminal
    (:class:`helpers.progress.StepProgress`: one updating line, or a line a minute where stdout is no terminal).
    ``build``: the builder, called with ``on_step`` (default :func:`helpers.standin.build_standin_model`)."""
    from helpers.progress import StepProgress

    if build is None:
        from helpers.standin import build_standin_model as build
    sys.stdout.flush()
    terminal = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)  # stays the terminal under output_to
    progress = StepProgress("  stand-in build", terminal)
    try:
        with output_to(log):
            build(on_step=progress.update)
    finally:
        progress.close()
        terminal.close()
    print(
        "  built (the new classification head's MISSING-keys report from transformers is expected; "
        f"details in {display_path(log)})",
        flush=True,
    )


RESUME_FILE = "resume.json"  # in the run's folder: what an unfinished run has finished so far


def fingerprint(notebook: Path, parameters: dict) -> str:
    """What a notebook's outputs depend on: its cells' sources (outputs and the parameters cells left out, so an
    executed copy has its source's fingerprint) and the parameters it declares. Like the fine-tuning caches, it
    does not see a change to the helpers package's code: ``--restart`` runs every notebook after one."""
    digest = hashlib.sha256()
    for cell in json.loads(notebook.read_text()).get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" not in tags and "injected-parameters" not in tags:
            digest.update(cell.get("cell_type", "").encode() + b"\0" + cell_source(cell).encode() + b"\0")
    declared = declared_parameters(notebook, parameters)
    digest.update(json.dumps(declared, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def interrupted_run(path: Path, profile: str, stems: list[str]) -> dict | None:
    """The state of an unfinished run (interrupted or failed) of the same profile and notebooks, or ``None``."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if state.get("finished") or state.get("profile") != profile or state.get("notebooks") != stems:
        return None
    return state


def finished_prefix(state: dict, notebooks: list[Path], fingerprints: dict, out_dir: Path) -> list[str]:
    """The leading notebooks that ``state``'s run finished, unchanged since (same fingerprint) and with their
    executed copies in ``out_dir``: a resumed run keeps them and runs the rest (a later notebook may read an
    earlier one's results, so only a leading run of finished notebooks is kept)."""
    kept = []
    for notebook in notebooks:
        done = state.get("done", {}).get(notebook.stem)
        if not done or done.get("fingerprint") != fingerprints[notebook.stem]:
            break
        if not (out_dir / notebook.name).is_file():
            break
        kept.append(notebook.stem)
    return kept


def save_state(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(tmp, path)


def print_plan(parameters: dict, notebooks: list[Path], log: Path, build_first: bool = False) -> None:
    """Time a few steps of the profile's model here and print each notebook's estimated minutes
    (:mod:`helpers.plan`); with ``build_first``, the stand-in's build is measured and listed first, and the
    notebooks are timed on its architecture (:mod:`helpers.standin_plan`). The libraries' chatter goes to ``log``."""
    import tempfile

    from helpers import plan

    print("plan (a few steps timed on this machine):", flush=True)
    stems = [nb.stem for nb in notebooks]
    with output_to(log):
        if not build_first:
            lines = plan.estimate(parameters, stems)
        else:
            from helpers import standin_plan

            lines = [standin_plan.estimate_build().line()]
            with tempfile.TemporaryDirectory(prefix="standin-architecture-") as folder:
                shaped = {
                    **parameters,
                    "model": "path",
                    "model_dir": standin_plan.untrained_checkpoint(folder),
                }
                lines += plan.estimate(shaped, stems)
    print("\n".join(lines), flush=True)


def _plan_and_build(args, parameters: dict, to_run: list[Path], log: Path, build_reason: str | None) -> None:
    """The plan of the notebooks ``to_run`` (unless ``--no-estimate``), the stand-in's build listed and measured
    first where it is needed, then the build itself with its progress in the terminal."""
    if build_reason:
        print(
            f"▶ the offline stand-in SST-2 model is built first ({build_reason}); this is done once",
            flush=True,
        )
    if not args.no_estimate and to_run:
        print_plan(parameters, to_run, log, build_first=build_reason is not None)
    if build_reason:
        build_standin(log)


def _parser() -> argparse.ArgumentParser:
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
    parser.add_argument(
        "--no-estimate",
        action="store_true",
        help="skip timing a few steps to estimate each notebook's minutes",
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="run every notebook again, even after an interrupted run (which a plain re-run resumes)",
    )
    return parser


def _environment(args, run_dir: Path) -> Path:
    """Set the kernels' environment (quiet, offline for smoke, where figures and results go); the output root."""
    env = dict(KERNEL_ENV)
    if "IMDB_SERIES_OUTPUT" not in os.environ:  # figures/ and results/: this run's, beside its notebooks,
        env["IMDB_SERIES_OUTPUT"] = str(REPO_ROOT if args.refresh else run_dir.resolve())  # or the reference
    if args.profile == "smoke":
        env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}  # smoke never touches the network
    output_root = Path(env.get("IMDB_SERIES_OUTPUT") or os.environ.get("IMDB_SERIES_OUTPUT") or REPO_ROOT)
    os.environ.update(env)
    return output_root


def _resume_state(args, notebooks: list[Path], parameters: dict, run_dir: Path, out_dir: Path):
    """``(state, fingerprints, kept)``: the run's resume record, each notebook's fingerprint, and the finished
    notebooks of an interrupted earlier run that are read back rather than run again (said in one line)."""
    stems = [nb.stem for nb in notebooks]
    fingerprints = {nb.stem: fingerprint(nb, parameters) for nb in notebooks}
    previous = None if args.restart else interrupted_run(run_dir / RESUME_FILE, args.profile, stems)
    kept = finished_prefix(previous, notebooks, fingerprints, out_dir) if previous else []
    state = {"profile": args.profile, "notebooks": stems, "finished": False, "done": {}}
    state["started"] = previous["started"] if kept else time.strftime("%Y-%m-%d %H:%M:%S")
    state["done"] = {stem: previous["done"][stem] for stem in kept}
    if kept:
        print(
            f"resuming the run started {state['started']}, which stopped before it finished: {', '.join(kept)} "
            f"finished then and {'is' if len(kept) == 1 else 'are'} read back (executed "
            f"{'copy' if len(kept) == 1 else 'copies'} and results kept), not run again (--restart runs every "
            "notebook)",
            flush=True,
        )
    elif previous and previous.get("done"):
        print(
            f"an earlier run of these notebooks stopped before it finished, but {stems[0]} changed since "
            "(its cells or its parameters) or its executed copy is gone: running every notebook",
            flush=True,
        )
    return state, fingerprints, kept


def _execute_one(run: NotebookRun, notebook: Path, output: Path, parameters: dict, log: Path, ledgers: Path):
    """Execute one notebook into ``output``; the error it stopped on (None: it finished and ``run`` says so)."""
    os.environ[ledger.LEDGER_ENV] = str(ledgers / f"{notebook.stem}.jsonl")  # the kernel inherits it
    start = time.perf_counter()
    try:
        with output_to(log):
            execute(notebook, output, parameters)
    except (
        Exception,
        KeyboardInterrupt,
    ) as error:  # papermill: PapermillExecutionError, the cell's traceback
        run.seconds = time.perf_counter() - start
        ename = getattr(error, "ename", type(error).__name__)
        run.status = "stopped" if ename == "KeyboardInterrupt" else "FAILED"  # Ctrl-C: runner or kernel
        print(
            f"{'interrupted' if run.status == 'stopped' else 'FAILED'} after {run.seconds:.0f} s", flush=True
        )
        if output.exists():
            with contextlib.suppress(Exception):  # a copy cut off mid-write is left as it is
                clean_metadata(output)
        return error
    run.status, run.seconds = "ok", time.perf_counter() - start
    done = ledger.totals(os.environ[ledger.LEDGER_ENV])
    run.trained, run.read, run.reused = done["trained"], done["read"], done["reused"]
    clean_metadata(output)
    return None


def _say_stopped(
    runs: list[NotebookRun], notebook: Path, error, output: Path, log: Path, profile: str
) -> int:
    """The summary so far and how to resume, after ``notebook`` stopped on ``error``; the exit status."""
    print_summary(runs, profile)
    finished = [r.notebook for r in runs if r.status in {"ok", "kept"}]
    again = (
        f"\n  run the same command again to resume: {', '.join(finished)} "
        f"{'is' if len(finished) == 1 else 'are'} read back, not run again"
        if finished
        else ""
    )
    ename = getattr(error, "ename", type(error).__name__)
    interrupted = ename == "KeyboardInterrupt"
    what = "interrupted" if interrupted else f"failed: {ename}: {getattr(error, 'evalue', str(error))}"
    print(
        f"\n✗ {notebook.stem} {what}\n  executed copy: {display_path(output)}"
        f"\n  kernel log: {display_path(log)}{again}",
        file=sys.stderr,
    )
    return 130 if interrupted else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run_dir = args.output_dir or RUNS_DIR / args.profile
    command = " ".join(["python -m helpers.run", *(sys.argv[1:] if argv is None else argv)])
    try:
        lock = run_lock.acquire(run_dir, command)
    except run_lock.RunFolderBusy as error:
        print(f"✗ {error}", file=sys.stderr)
        return 2
    if took_over := lock.took_over():
        print(took_over, flush=True)
    try:
        return _run(args, run_dir)
    finally:
        run_lock.release(lock)


def _run(args, run_dir: Path) -> int:
    """The run itself, in ``run_dir`` (held by this process)."""
    import yaml

    parameters = load_profile(args.profile)
    for name, value in args.param:
        parameters[name] = yaml.safe_load(value)
    notebooks = discover_notebooks(args.notebooks, args.notebooks_dir)
    if not notebooks:
        print("no notebooks found in notebooks/", file=sys.stderr)
        return 2
    out_dir = args.notebooks_dir if args.refresh else run_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    log = run_dir / "run.log"
    log.write_text("")
    output_root = _environment(args, run_dir)
    check_kernel()
    ledgers = run_dir / "ledger"
    shutil.rmtree(ledgers, ignore_errors=True)
    os.environ[ledger.LEDGER_ENV] = str(ledgers / "00_stand-in.jsonl")
    build_reason = standin_reason(notebooks, parameters)
    print(
        f"profile {args.profile}: notebooks → {shown(out_dir)}, "
        f"results → {shown(output_root / 'results' / args.profile)}",
        flush=True,
    )
    state, fingerprints, kept = _resume_state(args, notebooks, parameters, run_dir, out_dir)
    save_state(run_dir / RESUME_FILE, state)
    _plan_and_build(args, parameters, notebooks[len(kept) :], log, build_reason)
    runs = [NotebookRun(p.stem) for p in notebooks]
    width = max(len(r.notebook) for r in runs)
    _read_back(runs[: len(kept)], state, width)
    for run, notebook in zip(runs[len(kept) :], notebooks[len(kept) :], strict=True):
        output = out_dir / notebook.name
        print(f"▶ {notebook.stem:<{width}} ", end="", flush=True)
        error = _execute_one(run, notebook, output, parameters, log, ledgers)
        if error is not None:
            return _say_stopped(runs, notebook, error, output, log, args.profile)
        state["done"][notebook.stem] = {
            "fingerprint": fingerprints[notebook.stem],
            "finished_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "seconds": round(run.seconds, 1),
            "trained": run.trained,  # what _execute_one read from the notebook's ledger
            "read": run.read,
            "reused": run.reused,
        }
        save_state(run_dir / RESUME_FILE, state)
        print(f"ok  {run.seconds:6.1f} s{work_text(run.trained, run.read, run.reused)}", flush=True)
    save_state(run_dir / RESUME_FILE, {**state, "finished": True})
    print(f"{'total':<{width + 2}} {sum(r.seconds for r in runs):9.1f} s")
    print_work(runs, ledgers / "00_stand-in.jsonl", output_root / "results" / args.profile / "ledger")
    _say_finished(args, out_dir, output_root, log)
    return 0


def _read_back(kept: list[NotebookRun], state: dict, width: int) -> None:
    """Mark the notebooks an interrupted run finished as kept (their seconds and work from ``state``), one line each."""
    for run in kept:
        done = state["done"][run.notebook]
        run.status, run.seconds, run.trained, run.read = (
            "kept",
            done["seconds"],
            done["trained"],
            done["read"],
        )
        print(
            f"▶ {run.notebook:<{width}} read back: finished {done['finished_at']} in {done['seconds']:.1f} s, "
            "not run again",
            flush=True,
        )


def _say_finished(args, out_dir: Path, output_root: Path, log: Path) -> None:
    """The closing lines: every model's accuracy, the comparison with the committed reference (where the profile
    has one), where the outputs went; with ``--refresh``, the README's generated sections."""
    results = output_root / "results" / args.profile
    print("\n".join(["", *results_lines(args.profile, results)]))
    if against := reference_lines(args.profile, results, REPO_ROOT / "results" / args.profile):
        print("\n".join(["", *against]))
    print("\n".join(["", *output_lines(out_dir, output_root, args.profile, log)]), flush=True)
    if args.refresh and args.notebooks_dir == NOTEBOOKS_DIR:
        from helpers.report import update_readme

        if update_readme(args.profile):
            print(f"README.md results table regenerated from results/{args.profile}/")


if __name__ == "__main__":
    sys.exit(main())
