"""helpers.hub: the one Hub-or-fallback step says why the Hub was not used."""

from __future__ import annotations

import httpx
import pytest
from huggingface_hub.errors import HfHubHTTPError

from helpers import hub


def test_from_hub_loads_when_the_hub_is_usable(monkeypatch):
    monkeypatch.setattr(hub, "hub_unavailable", lambda: None)
    assert hub.from_hub(lambda: "loaded") == ("loaded", None)


def test_from_hub_says_why_it_did_not_load(monkeypatch):
    monkeypatch.setattr(hub, "hub_unavailable", lambda: "offline mode (HF_HUB_OFFLINE=1)")
    assert hub.from_hub(lambda: 1 / 0) == (None, "offline mode (HF_HUB_OFFLINE=1)")
    monkeypatch.setattr(hub, "hub_unavailable", lambda: None)

    def unreachable():
        raise ConnectionError("Max retries exceeded")

    value, reason = hub.from_hub(unreachable)
    assert value is None and reason == "Hub load failed: ConnectionError: Max retries exceeded"


@pytest.mark.parametrize(
    "error",
    [
        HfHubHTTPError(
            "404 Client Error: Repository Not Found",
            response=httpx.Response(404, request=httpx.Request("GET", "https://huggingface.co/x")),
        ),
        TimeoutError("read timed out"),
        httpx.ConnectError("Name or service not known"),
    ],
)
def test_from_hub_falls_back_on_what_an_unreachable_hub_raises(monkeypatch, error):
    monkeypatch.setattr(hub, "hub_unavailable", lambda: None)

    def load():
        raise error

    value, reason = hub.from_hub(load)
    assert value is None and reason.startswith(f"Hub load failed: {type(error).__name__}")


def test_from_hub_lets_other_errors_propagate(monkeypatch):
    """A data check that fails on what the Hub sent, or a bug, is not 'Hub unreachable, using the bundled copy'."""
    from helpers.data import DataError

    monkeypatch.setattr(hub, "hub_unavailable", lambda: None)

    def bad_data():
        raise DataError("stanfordnlp/imdb train: 24,999 rows, expected 25,000")

    with pytest.raises(DataError, match="24,999 rows"):
        hub.from_hub(bad_data)
    with pytest.raises(ZeroDivisionError):
        hub.from_hub(lambda: 1 / 0)
