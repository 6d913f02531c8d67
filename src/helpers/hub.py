"""Is the Hugging Face Hub usable right now? One quick, cached answer instead of minutes of retries."""

from __future__ import annotations

import functools
import os
import urllib.error
import urllib.request

OFFLINE_ENV_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


def offline_requested() -> str | None:
    """The name of the offline env var that is set (``HF_HUB_OFFLINE=1`` …), or None."""
    for name in OFFLINE_ENV_VARS:
        if os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}:
            return name
    return None


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
    if name := offline_requested():
        return f"offline mode ({name}=1)"
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    return _probe(endpoint, timeout)
