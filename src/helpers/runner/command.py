"""The series runner: execute the numbered notebooks in order with papermill, parameters from a profile.

    python -m helpers.run --profile smoke              # all notebooks → runs/smoke/ (copies, figures, results)
    python -m helpers.run --profile seed --notebooks 01 03
    python -m helpers.run --profile seed --refresh     # rewrite notebooks/, figures/ and results/ (the reference)

A run writes under ``runs/<profile>/`` (or ``--output-dir``); only ``--refresh`` writes over the committed
reference. It stops at the first failing notebook, naming the executed copy and the error; run again, it resumes
(finished, unchanged notebooks are read back; ``--restart`` runs them all). One run per folder
(:mod:`helpers.run_lock`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

from helpers import environment, ledger
from helpers import run_lock as lock
from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT, RUNS_DIR, display_path
from helpers.runner.notebooks import check_kernel, clean_metadata, discover_notebooks, execute
from helpers.runner.prepare import plan_and_build, standin_reason
from helpers.runner.progress import output_to
from helpers.runner.record import (
    NotebookRun,
    output_lines,
    print_summary,
    print_work,
    results_lines,
    shown,
    work_text,
)
from helpers.runner.reference_check import reference_lines
from helpers.runner.resume import RESUME_FILE, read_back, resume_state, save_state
from helpers.settings import PROFILES, load_profile

KERNEL_ENV = {
    environment.SERIES_QUIET: "1",
    "TQDM_DISABLE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


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
    if environment.series_output() is None:  # figures/ and results/: this run's, beside its notebooks, or
        env[environment.SERIES_OUTPUT] = str(
            REPO_ROOT if args.refresh else run_dir.resolve()
        )  # the reference
    if args.profile == "smoke":
        env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}  # smoke never touches the network
    output_root = Path(env.get(environment.SERIES_OUTPUT) or environment.series_output() or REPO_ROOT)
    os.environ.update(env)
    return output_root


def _execute_one(run: NotebookRun, notebook: Path, output: Path, parameters: dict, log: Path, ledgers: Path):
    """Execute one notebook into ``output``; the error it stopped on (None: it finished and ``run`` says so)."""
    work_ledger = ledgers / f"{notebook.stem}.jsonl"
    os.environ[environment.WORK_LEDGER] = str(work_ledger)  # the kernel inherits it
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
    done = ledger.totals(work_ledger)
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
        held = lock.acquire(run_dir, command, show=display_path)
    except lock.RunFolderBusy as error:
        print(f"✗ {error}", file=sys.stderr)
        return 2
    if took_over := held.took_over():
        print(took_over, flush=True)
    try:
        return _run(args, run_dir)
    finally:
        lock.release(held)


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
    os.environ[environment.WORK_LEDGER] = str(ledgers / "00_stand-in.jsonl")
    build_reason = standin_reason(notebooks, parameters)
    print(
        f"profile {args.profile}: notebooks → {shown(out_dir)}, "
        f"results → {shown(output_root / 'results' / args.profile)}",
        flush=True,
    )
    state, fingerprints, kept = resume_state(args, notebooks, parameters, run_dir, out_dir)
    save_state(run_dir / RESUME_FILE, state)
    plan_and_build(args, parameters, notebooks[len(kept) :], log, build_reason)
    runs = [NotebookRun(p.stem) for p in notebooks]
    width = max(len(r.notebook) for r in runs)
    read_back(runs[: len(kept)], state, width)
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


def _say_finished(args, out_dir: Path, output_root: Path, log: Path) -> None:
    """The closing lines: every model's accuracy, the comparison with the committed reference (where the profile
    has one), where the outputs went; with ``--refresh``, the README's generated sections."""
    results = output_root / "results" / args.profile
    print("\n".join(["", *results_lines(args.profile, results)]))
    if against := reference_lines(args.profile, results, REPO_ROOT / "results" / args.profile):
        print("\n".join(["", *against]))
    print("\n".join(["", *output_lines(out_dir, output_root, args.profile, log)]), flush=True)
    if args.refresh and args.notebooks_dir == NOTEBOOKS_DIR:
        from helpers.runner.readme import update_readme

        if update_readme(args.profile):
            print(f"README.md results table regenerated from results/{args.profile}/")
