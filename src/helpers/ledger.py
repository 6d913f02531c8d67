"""The work a run does, counted in tokens: what each notebook trained on and what it read.

``record(trained=…, read=…)`` appends one line to the file named by ``$IMDB_WORK_LEDGER`` (set by the runner per
notebook; elsewhere it does nothing). **trained** tokens go forward and backward, **read** tokens forward only;
:func:`work` counts a trained token as 3 read ones. Tokens, not minutes, so that runs compare across busy hosts and
CPUs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from helpers import environment

TRAIN_COST = 3  # a training token: one forward and one backward pass (about twice the forward's cost)


def record(*, trained: float = 0, read: float = 0, reused: int = 0, what: str = "") -> None:
    """Append ``trained`` and ``read`` tokens (and ``reused``: saved runs read back instead of trained) to the
    ledger named by ``$IMDB_WORK_LEDGER`` (if set)."""
    path = environment.work_ledger()
    if not path or not (trained or read or reused):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    entry = {"trained": int(trained), "read": int(read), "reused": int(reused), "what": what}
    with open(path, "a") as handle:
        handle.write(json.dumps(entry) + "\n")


def totals(path: str | os.PathLike) -> dict[str, int]:
    """``{"trained": …, "read": …, "reused": …}`` summed over a ledger file (zeros when there is none)."""
    sums = {"trained": 0, "read": 0, "reused": 0}
    if Path(path).is_file():
        for line in Path(path).read_text().splitlines():
            entry = json.loads(line)
            for key in sums:
                sums[key] += entry.get(key, 0)
    return sums


def work(trained: float, read: float) -> float:
    """Forward-pass token equivalents: a trained token counts ``TRAIN_COST``, a read one 1."""
    return TRAIN_COST * trained + read


def millions(tokens: float) -> str:
    """``2.31M`` tokens, ``41.2k`` below a tenth of a million, ``0`` for none."""
    if not tokens:
        return "0"
    return f"{tokens / 1e6:.2f}M" if tokens >= 1e5 else f"{tokens / 1e3:.1f}k"


def this_notebook() -> dict[str, int] | None:
    """The running notebook's totals so far, when the runner keeps a ledger for it (``None`` elsewhere)."""
    path = environment.work_ledger()
    return totals(path) if path else None


def recorded(folder: str | os.PathLike) -> dict[str, dict]:
    """Per notebook ``{"trained", "read", …}`` from ``folder/work.json`` (written by the runner; empty if none)."""
    path = Path(folder) / "work.json"
    return json.loads(path.read_text())["notebooks"] if path.is_file() else {}


# an earlier reference's work, estimated the same way (not a ledger)
PREVIOUS_FILE = "previous_reference.json"


def previous(folder: str | os.PathLike) -> dict | None:
    """The previous reference's work beside this run's (``folder/previous_reference.json``: per notebook
    ``{"trained", "read"}``, with how it was estimated), or ``None`` when the profile has none."""
    path = Path(folder) / PREVIOUS_FILE
    return json.loads(path.read_text()) if path.is_file() else None
