"""Before the notebooks: the plan (each notebook's minutes, estimated here) and the offline stand-in, built first
when a notebook needs a model and none other can be had."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from helpers import environment
from helpers.paths import display_path
from helpers.runner.notebooks import declared_parameters
from helpers.runner.progress import StepProgress, output_to


def standin_reason(notebooks: list[Path], parameters: dict) -> str | None:
    """Why the offline stand-in must be built before the notebooks (a notebook needs a model, none is given, the
    Hub is out or ``model: standin``, and it is missing); None when it need not be."""
    if not any("model" in declared_parameters(nb, parameters) for nb in notebooks):
        return None
    if (
        parameters.get("model") not in {"auto", "standin"}
        or parameters.get("model_dir")
        or environment.model_dir()
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
    (:class:`helpers.runner.progress.StepProgress`: one updating line, or a line a minute where stdout is no
    terminal). ``build``: the builder, called with ``on_step`` (default :func:`helpers.standin.build_standin_model`)."""
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


def print_plan(parameters: dict, notebooks: list[Path], log: Path, build_first: bool = False) -> None:
    """Time a few steps of the profile's model here and print each notebook's estimated minutes; with ``build_first``,
    the stand-in's build is measured, listed first, and the notebooks timed on its architecture. Chatter goes to ``log``.
    """
    import tempfile

    from helpers.runner import plan

    print("plan (a few steps timed on this machine):", flush=True)
    stems = [nb.stem for nb in notebooks]
    with output_to(log):
        if not build_first:
            lines = plan.estimate(parameters, stems)
        else:
            from helpers.runner import standin_plan

            lines = [standin_plan.estimate_build().line()]
            with tempfile.TemporaryDirectory(prefix="standin-architecture-") as folder:
                shaped = {
                    **parameters,
                    "model": "path",
                    "model_dir": standin_plan.untrained_checkpoint(folder),
                }
                lines += plan.estimate(shaped, stems)
    print("\n".join(lines), flush=True)


def plan_and_build(args, parameters: dict, to_run: list[Path], log: Path, build_reason: str | None) -> None:
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
