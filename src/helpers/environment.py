"""The environment variables the series reads, one name and one accessor each: the one module that reads them.
An accessor reads its variable when called; ``paths`` reads its folders once, at import. Unset or empty is ``None``
unless said.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path


def _value(name: str) -> str | None:
    return os.environ.get(name) or None


def _path(name: str, default: Path) -> Path:
    return Path(os.environ.get(name, default))


SERIES_OUTPUT = "IMDB_SERIES_OUTPUT"  # where figures/ and results/ go (the runner: this run's folder)
series_output = partial(os.environ.get, SERIES_OUTPUT)  # as set: None when unset, "" when set empty
SERIES_ROOT = "IMDB_SERIES_ROOT"  # the repository, when it cannot be found from the package
series_root = partial(_value, SERIES_ROOT)
SERIES_QUIET = "IMDB_SERIES_QUIET"  # set by the runner: its kernels log plain sentences
series_quiet = partial(_value, SERIES_QUIET)
MODELS_DIR = "IMDB_MODELS_DIR"  # moves models/
models_dir = partial(_path, MODELS_DIR)  # models_dir(default)
RUNS_DIR = "IMDB_RUNS_DIR"  # moves runs/
runs_dir = partial(_path, RUNS_DIR)  # runs_dir(default)
WORK_LEDGER = "IMDB_WORK_LEDGER"  # the running notebook's work ledger (the runner sets it per notebook)
work_ledger = partial(_value, WORK_LEDGER)
MODEL_DIR = "IMDB_MODEL_DIR"  # a local classifier for model: auto / path
model_dir = partial(_value, MODEL_DIR)
DEVICE = "IMDB_DEVICE"  # cpu, cuda, cuda:<index>
device = partial(_value, DEVICE)
DATA_DIRS = {"imdb": "IMDB_DATA_DIR", "sst2": "SST2_DATA_DIR"}  # a local copy of a dataset, by its name


def data_dir(dataset: str) -> str | None:
    return _value(DATA_DIRS[dataset])


SEARCH_STORAGE = "IMDB_SEARCH_STORAGE"  # the search's study database (an SQLAlchemy URL)
search_storage = partial(_value, SEARCH_STORAGE)
SEARCH_HEARTBEAT = "IMDB_SEARCH_HEARTBEAT_S"  # seconds between a running trial's heartbeats, as written
search_heartbeat = partial(os.environ.get, SEARCH_HEARTBEAT, "30")  # the search checks it
RAY_ADDRESS = "RAY_ADDRESS"  # Ray's own: the cluster to join
ray_address = partial(os.environ.get, RAY_ADDRESS)
CACHE_DIR = "IMDB_CACHE_DIR"  # the user's cache of measurements
HUB_OFFLINE = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")  # Hugging Face's own
HUB_ENDPOINT = "HF_ENDPOINT"


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
