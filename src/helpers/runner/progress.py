"""The terminal during a run: a long loop's progress (done of total, time elapsed and left), updated in place on a
terminal and once a minute elsewhere, and the libraries' chatter sent to the run's log (:func:`output_to`)."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import TextIO

TTY_REFRESH_S = 1.0  # an updating line: redrawn at most once a second
LINE_EVERY_S = 60.0  # elsewhere: a line a minute


class StepProgress:
    """Call :meth:`update` after each step with ``(done, total)``; :meth:`close` at the end."""

    def __init__(self, label: str, stream: TextIO, *, tty: bool | None = None, clock=time.monotonic):
        self.label, self.stream, self.clock = label, stream, clock
        self.tty = stream.isatty() if tty is None else tty
        self.started = clock()
        self.shown_at = self.started
        self.last = ""
        self.every = TTY_REFRESH_S if self.tty else LINE_EVERY_S

    def update(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.shown_at < self.every and done < total:
            return
        self.shown_at = now
        self._show(self.line(done, total, now - self.started))

    def line(self, done: int, total: int, elapsed: float) -> str:
        """``label: step 120/2,105 (6%), 1.2 min elapsed, ~19.8 min left``."""
        left = elapsed / done * (total - done) if done else float("nan")
        share = done / total if total else 1.0
        return (
            f"{self.label}: step {done:,}/{total:,} ({share:.0%}), {elapsed / 60:.1f} min elapsed, "
            f"~{left / 60:.1f} min left"
        )

    def _show(self, line: str) -> None:
        if self.tty:
            pad = " " * max(0, len(self.last) - len(line))
            self.stream.write(f"\r{line}{pad}")
        else:
            self.stream.write(line + "\n")
        self.last = line
        self.stream.flush()

    def close(self) -> None:
        """End the updating line (a terminal's next output starts on a new line)."""
        if self.tty and self.last:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def output_to(log: Path):
    """Send this process's (and its kernels') stdout and stderr to ``log`` at the file-descriptor level."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("a") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            with contextlib.redirect_stdout(handle), contextlib.redirect_stderr(handle):
                yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
