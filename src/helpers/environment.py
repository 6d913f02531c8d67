"""The environment variables the series reads, one accessor each: the one module that reads them.

The runner talks to its notebooks' kernels through some (it sets them, the helpers read them here); the user and
the tests set others. Each accessor reads its variable when called, so a value set later is seen; ``paths`` reads
its folders once, at import (``MODELS_DIR``, ``RUNS_DIR``).
"""

from __future__ import annotations

import os
from pathlib import Path

SERIES_OUTPUT = "IMDB_SERIES_OUTPUT"  # where figures/ and results/ go (the runner: this run's folder)
SERIES_ROOT = "IMDB_SERIES_ROOT"  # the repository, when it cannot be found from the package
SERIES_QUIET = "IMDB_SERIES_QUIET"  # set by the runner: its kernels log plain sentences
MODELS_DIR = "IMDB_MODELS_DIR"  # moves models/
RUNS_DIR = "IMDB_RUNS_DIR"  # moves runs/
WORK_LEDGER = "IMDB_WORK_LEDGER"  # the running notebook's work ledger (the runner sets it per notebook)
MODEL_DIR = "IMDB_MODEL_DIR"  # a local classifier for model: auto / path
DEVICE = "IMDB_DEVICE"  # cpu, cuda, cuda:<index>
DATA_DIRS = {"imdb": "IMDB_DATA_DIR", "sst2": "SST2_DATA_DIR"}  # a local copy of a dataset
SEARCH_STORAGE = "IMDB_SEARCH_STORAGE"  # the search's study database (an SQLAlchemy URL)
SEARCH_HEARTBEAT = "IMDB_SEARCH_HEARTBEAT_S"  # seconds between a running trial's heartbeats
CACHE_DIR = "IMDB_CACHE_DIR"  # the user's cache of measurements
RAY_ADDRESS = "RAY_ADDRESS"  # Ray's own: the cluster to join
HUB_OFFLINE = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")  # Hugging Face's own
HUB_ENDPOINT = "HF_ENDPOINT"


def series_output() -> str | None:
    """``$IMDB_SERIES_OUTPUT`` as set (``None`` when unset, ``""`` when set empty)."""
    return os.environ.get(SERIES_OUTPUT)


def series_root() -> str | None:
    return os.environ.get(SERIES_ROOT) or None


def series_quiet() -> bool:
    return bool(os.environ.get(SERIES_QUIET))


def models_dir(default: Path) -> Path:
    return Path(os.environ.get(MODELS_DIR, default))


def runs_dir(default: Path) -> Path:
    return Path(os.environ.get(RUNS_DIR, default))


def work_ledger() -> str | None:
    return os.environ.get(WORK_LEDGER) or None


def model_dir() -> str | None:
    return os.environ.get(MODEL_DIR) or None


def device() -> str | None:
    return os.environ.get(DEVICE) or None


def data_dir(dataset: str) -> str | None:
    """The local copy of ``dataset`` (``imdb``: ``$IMDB_DATA_DIR``, ``sst2``: ``$SST2_DATA_DIR``), or ``None``."""
    return os.environ.get(DATA_DIRS[dataset]) or None


def search_storage() -> str | None:
    return os.environ.get(SEARCH_STORAGE) or None


def search_heartbeat() -> str:
    """``$IMDB_SEARCH_HEARTBEAT_S`` as written (``"30"`` when unset); the search checks it."""
    return os.environ.get(SEARCH_HEARTBEAT, "30")


def ray_address() -> str | None:
    return os.environ.get(RAY_ADDRESS)


def cache_dir() -> Path:
    """``$IMDB_CACHE_DIR``, else ``$XDG_CACHE_HOME/imdb-sentiment``, else ``~/.cache/imdb-sentiment``."""
    if folder := os.environ.get(CACHE_DIR):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "imdb-sentiment"


def hub_offline() -> str | None:
    """The name of the Hugging Face offline variable that is set (``HF_HUB_OFFLINE=1`` …), or ``None``."""
    for name in HUB_OFFLINE:
        if os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}:
            return name
    return None


def hub_endpoint() -> str:
    return os.environ.get(HUB_ENDPOINT, "https://huggingface.co").rstrip("/")
