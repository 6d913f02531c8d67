"""Profiles (``params/<profile>.yaml``), seeds, and the one-line notebook setup."""

from __future__ import annotations

import logging
import os
import random
import sys
import warnings
from typing import Any

import yaml

from helpers import environment
from helpers.hub import FALLBACK_RECORD
from helpers.paths import PARAMS_DIR

PROFILES = ("smoke", "quick", "seed", "full")


class ProfileError(ValueError):
    """A profile name or file that cannot be used."""


def load_profile(name: str) -> dict[str, Any]:
    """The papermill parameters of one profile, as a dict (``params/<name>.yaml``)."""
    path = PARAMS_DIR / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in PARAMS_DIR.glob("*.yaml"))
        raise ProfileError(
            f"No profile {name!r}: {path.name} not found in params/ (known: {', '.join(known)})"
        )
    params = yaml.safe_load(path.read_text()) or {}
    if not isinstance(params, dict):
        raise ProfileError(f"params/{path.name} must be a mapping of parameter names to values")
    params["profile"] = name
    return params


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (when installed) PyTorch, so that a run repeats."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)


def quiet_libraries() -> None:
    """Text-only progress bars and quiet Hugging Face logging (headless and GitHub friendly)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for name in ("datasets", "transformers", "huggingface_hub", "urllib3", "filelock", "fsspec"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
    except ImportError:
        pass
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except ImportError:
        pass


def _not_a_fallback_notice(record: logging.LogRecord) -> bool:
    """False for the Hub-fallback notice of helpers.data / helpers.modeling (see ``hub.FALLBACK_RECORD``)."""
    return not any(getattr(record, key, False) for key in FALLBACK_RECORD)


def setup(seed: int = 42) -> None:
    """One call at the top of every notebook: plotting style, quiet logging, seeds, autoreload."""
    warnings.filterwarnings(
        "ignore", message="IProgress not found"
    )  # tqdm.auto falls back to text bars: wanted
    # plots (matplotlib, seaborn) sits above settings: imported only when a notebook sets up
    from helpers.plots import set_style

    quiet = environment.series_quiet() is not None  # set by the runner: a notebook executed by it
    if quiet:  # plain sentences in stdout, warnings included (one line, no file path): no stderr boxes
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout, force=True)
        # the notebook says where its data and model came from in one generated sentence: not twice
        logging.getLogger().handlers[0].addFilter(_not_a_fallback_notice)
        warnings.formatwarning = lambda message, category, *_args, **_kwargs: (
            f"{category.__name__}: {message}"
        )
    else:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
    logging.captureWarnings(quiet)
    quiet_libraries()
    set_style()
    seed_everything(seed)
    if quiet:
        return  # no autoreload in a batch run: a helper edited mid-run would print a reload traceback
    try:
        ipython = get_ipython()  # type: ignore[name-defined]  # noqa: F821
    except NameError:
        return
    ipython.run_line_magic("load_ext", "autoreload")
    ipython.run_line_magic("autoreload", "2")
