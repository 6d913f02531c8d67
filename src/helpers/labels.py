"""Sentiment labels, by name: IMDB's 0 = negative / 1 = positive and a model's ``id2label`` mapped onto them.

Standard library only, so that every other module (and the figures) can import it without pulling in a framework.
"""

from __future__ import annotations

from typing import Any

NEGATIVE, POSITIVE = "NEGATIVE", "POSITIVE"
ID2LABEL = {0: NEGATIVE, 1: POSITIVE}  # what the checkpoints built here are saved with
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
LABEL_NAMES = ("neg", "pos")  # IMDB: 0 = negative, 1 = positive (the dataset's own class names)

# Names (lower-cased) that count as negative / positive sentiment. Generic names (LABEL_0) are refused on purpose:
# they say nothing about which class is which.
_NEGATIVE_NAMES = {"negative", "neg"}
_POSITIVE_NAMES = {"positive", "pos"}


class LabelError(ValueError):
    """A model whose output labels cannot be read as negative / positive; the message names the labels found."""


def model_id2label(model_or_config: Any) -> dict[int, str]:
    """``{output index: label name}`` of a model, a config or an ``id2label`` dict."""
    config = getattr(model_or_config, "config", model_or_config)
    mapping = config if isinstance(config, dict) else getattr(config, "id2label", None)
    if not mapping:
        raise LabelError("The model has no id2label; cannot tell which output is positive")
    return {int(k): str(v) for k, v in mapping.items()}


def imdb_label_map(model_or_config: Any) -> dict[int, int]:
    """``{model output index: IMDB label}`` (0 = negative, 1 = positive) for a model, config or ``id2label`` dict,
    decided by the label *names* in any order; :class:`LabelError` names the labels when they are generic
    (``LABEL_0``), unknown, or not exactly one negative and one positive."""
    id2label = model_id2label(model_or_config)
    out: dict[int, int] = {}
    for index, name in sorted(id2label.items()):
        key = name.strip().lower()
        if key in _NEGATIVE_NAMES:
            out[index] = 0
        elif key in _POSITIVE_NAMES:
            out[index] = 1
        else:
            hint = (
                " Generic names say nothing about which class is which: set config.id2label to "
                "NEGATIVE/POSITIVE after checking the model card."
                if key.startswith("label_")
                else ""
            )
            raise LabelError(
                f"Cannot map model label {name!r} (index {index}) to IMDB neg/pos; "
                f"labels found: {id2label}.{hint}"
            )
    if len(out) != 2 or sorted(out.values()) != [0, 1]:
        raise LabelError(f"Need exactly one negative and one positive label; labels found: {id2label}")
    return out
