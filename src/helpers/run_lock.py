"""One run per folder: the runner holds a lock on its run's folder (``runs/<profile>/``) while it runs.

The lock is ``fcntl.flock`` on ``run.lock`` (Linux and macOS), so a killed run leaves no lock behind, only its
record (``run.lock.json``: process id, start, command), which names the holder when a second run is refused. A
notebook run outside the runner is refused in a held folder too (:func:`check_free`, which ``paths`` calls); this
module imports no other of the package's, so that ``paths`` may.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_FILE = "run.lock"
HOLDER_FILE = "run.lock.json"
Show = Callable[[Path], str]  # a folder as shown to people


class RunFolderBusy(RuntimeError):
    """Another live run holds the folder; the message names it and what to do."""


@dataclass
class RunLock:
    """A held lock: the folder, the open lock file, the record of a run that died holding it (or None), and how
    the folder is shown."""

    folder: Path
    fd: int
    previous: dict[str, Any] | None = None
    show: Show = str

    def took_over(self) -> str | None:
        """One line for a folder taken over from a run that ended without releasing it (killed), else None."""
        if not self.previous:
            return None
        pid = self.previous.get("pid")
        state = "is no longer running" if not _alive(pid) else "no longer holds it"
        return (
            f"taking over {_shown(self.folder, self.show)} from an earlier run that ended without releasing it "
            f"(process {pid}, started {self.previous.get('started', '?')}, which {state}: killed or crashed)"
        )


def acquire(folder: Path, command: str, show: Show = str) -> RunLock:
    """Lock ``folder`` for this process and record who holds it; :class:`RunFolderBusy` when a live run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RunFolderBusy(busy_message(folder, read_holder(folder), show)) from None
    previous = read_holder(folder)
    record = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "command": command}
    tmp = folder / (HOLDER_FILE + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, folder / HOLDER_FILE)
    return RunLock(folder, fd, previous, show)


def release(lock: RunLock) -> None:
    """Remove the holder's record and unlock (a killed process skips this; its lock goes with it anyway)."""
    with contextlib.suppress(FileNotFoundError):
        (lock.folder / HOLDER_FILE).unlink()
    fcntl.flock(lock.fd, fcntl.LOCK_UN)
    os.close(lock.fd)


def holder(folder: Path) -> dict[str, Any] | None:
    """The record of the live run holding ``folder`` (``{}`` when it left none readable), or None when free."""
    path = folder / LOCK_FILE
    if not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return read_holder(folder) or {}
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def check_free(folder: Path, show: Show = str) -> None:
    """For a notebook run outside the runner: :class:`RunFolderBusy` when a run holds ``folder``."""
    record = holder(folder)
    if record is not None:
        raise RunFolderBusy(
            busy_message(folder, record, show, for_notebook=True)
            + " A notebook run by hand would write its results and figures into the same folder: wait for "
            "the run to finish, or set os.environ['IMDB_SERIES_OUTPUT'] to another folder first."
        )


def read_holder(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / HOLDER_FILE).read_text())
    except (OSError, ValueError):
        return None


def busy_message(
    folder: Path, record: dict[str, Any] | None, show: Show = str, for_notebook: bool = False
) -> str:
    """Which run holds ``folder`` (its command, process id, start) and how to run beside it."""
    record = record or {}
    who = (
        f"`{record.get('command', 'python -m helpers.run')}` (process {record.get('pid', '?')}, "
        f"started {record.get('started', '?')})"
    )
    message = f"{_shown(folder, show)} is in use by a run of the series: {who}."
    if for_notebook:
        return message
    sibling = folder.with_name(folder.name + "-2")
    return (
        f"{message} Two runs in one folder would overwrite each other's notebooks, results and resume record. "
        f"Wait for it to finish (or stop it: kill {record.get('pid', '<pid>')}), or give this run its own "
        f"folder: --output-dir {_shown(sibling, show)}"
    )


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _shown(folder: Path, show: Show) -> str:
    return show(folder) + "/"
