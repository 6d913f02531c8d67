"""Where things live: the repository root and the folders the notebooks read and write.

Outputs (figures, results) go under ``IMDB_SERIES_OUTPUT`` when it is set, else under the repository. The runner
sets it to ``runs/<profile>/`` (a run never touches the committed reference; only ``--refresh`` writes there), so
a notebook reads other notebooks' results from its own run; the tests point it at a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_repo_root() -> Path:
    """The folder holding ``pyproject.toml`` and ``params/``, searched upward from the package, then the cwd."""
    if env := os.environ.get("IMDB_SERIES_ROOT"):
        return Path(env).resolve()
    for start in (PACKAGE_DIR, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
                return folder
    # Installed without the repository (e.g. a wheel): fall back to the working directory.
    return Path.cwd().resolve()


REPO_ROOT = _find_repo_root()
DATA_DIR = REPO_ROOT / "data"
PARAMS_DIR = REPO_ROOT / "params"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
MODELS_DIR = Path(os.environ.get("IMDB_MODELS_DIR", REPO_ROOT / "models"))
RUNS_DIR = REPO_ROOT / "runs"


def output_root() -> Path:
    """Root under which ``figures/`` and ``results/`` are written (``IMDB_SERIES_OUTPUT`` or the repo)."""
    return Path(os.environ.get("IMDB_SERIES_OUTPUT", REPO_ROOT))


def figures_dir(profile: str) -> Path:
    """``figures/<profile>/``: the PNGs a profile's notebooks save."""
    path = output_root() / "figures" / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_dir(profile: str) -> Path:
    """``results/<profile>/``: the metrics and predictions a profile's notebooks save."""
    path = output_root() / "results" / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_path(path: str | os.PathLike) -> str:
    """A path as shown to people: relative to the repo (or output root) when inside it, never machine-specific."""
    path = Path(path).resolve()
    for base in (output_root().resolve(), REPO_ROOT):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    home = Path.home()
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return path.name if path.is_absolute() else str(path)
