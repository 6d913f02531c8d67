"""Resuming a run that stopped: each notebook's fingerprint, the unfinished run's record (``resume.json`` in the
run's folder) and the leading notebooks it finished, read back rather than run again."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from helpers.runner.notebooks import cell_source, declared_parameters
from helpers.runner.record import NotebookRun

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


def resume_state(args, notebooks: list[Path], parameters: dict, run_dir: Path, out_dir: Path):
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


def read_back(kept: list[NotebookRun], state: dict, width: int) -> None:
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
