"""Is the Hugging Face Hub usable right now? One quick, cached answer instead of minutes of retries."""

from __future__ import annotations

import functools
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TypeVar

from helpers import environment

# ``extra=`` of the log record that announces a fallback from the Hub (data or model): a notebook run by the
# runner says the source in a sentence of its own, so helpers.settings drops this record there.
FALLBACK_RECORD = {"source_fallback": True}

T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def _probe(endpoint: str, timeout: float) -> str | None:
    try:
        urllib.request.urlopen(
            urllib.request.Request(f"{endpoint}/api/whoami-v2", method="HEAD"), timeout=timeout
        )
    except urllib.error.HTTPError:
        return None  # the server answered (401 without a token): reachable
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"{endpoint} unreachable ({reason})"
    return None


def hub_unavailable(timeout: float = 4.0) -> str | None:
    """Why the Hub cannot be used (offline env var or no connection), or None when it can."""
    if name := environment.hub_offline():
        return f"offline mode ({name}=1)"
    endpoint = environment.hub_endpoint()
    return _probe(endpoint, timeout)


def from_hub(load: Callable[[], T]) -> tuple[T | None, str | None]:
    """``(load(), None)`` when the Hub is usable and ``load`` works, else ``(None, why the Hub was not used)``.

    The one Hub-or-fallback step of data, models and tokenizers: the caller picks the fallback (or the error).
    """
    reason = hub_unavailable()
    if reason is not None:
        return None, reason
    try:
        return load(), None
    except hub_errors() as error:  # network hiccup, auth, missing repo: the caller falls back, and says so
        return None, f"Hub load failed: {type(error).__name__}: {str(error)[:200]}"


def hub_errors() -> tuple[type[BaseException], ...]:
    """What a Hub download raises when the Hub, not the caller's code, is the problem: ``OSError`` (connection
    and timeout errors, offline mode, requests' and huggingface_hub's HTTP errors, a missing remote file) and
    httpx's HTTP errors. Anything else — a data check that fails, a bug — propagates."""
    errors: tuple[type[BaseException], ...] = (OSError,)
    try:
        import httpx
    except ImportError:
        return errors
    return (*errors, httpx.HTTPError)


@dataclass(frozen=True)
class Provenance:
    """Where a dataset or a model came from, for results files: subclasses hold the fields and say where in words
    (:meth:`where`); ``str()`` adds the note, :meth:`as_dict` is what a results file records."""

    def where(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        text = self.where()
        note = getattr(self, "note", "")
        return f"{text}; {note}" if note else text

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "description": str(self)}
