"""helpers.hub: the one Hub-or-fallback step says why the Hub was not used."""

from __future__ import annotations

from helpers import hub


def test_from_hub_loads_when_the_hub_is_usable(monkeypatch):
    monkeypatch.setattr(hub, "hub_unavailable", lambda: None)
    assert hub.from_hub(lambda: "loaded") == ("loaded", None)


def test_from_hub_says_why_it_did_not_load(monkeypatch):
    monkeypatch.setattr(hub, "hub_unavailable", lambda: "offline mode (HF_HUB_OFFLINE=1)")
    assert hub.from_hub(lambda: 1 / 0) == (None, "offline mode (HF_HUB_OFFLINE=1)")
    monkeypatch.setattr(hub, "hub_unavailable", lambda: None)
    value, reason = hub.from_hub(lambda: 1 / 0)
    assert value is None and reason.startswith("Hub load failed: ZeroDivisionError")
