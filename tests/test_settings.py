"""helpers.settings.setup: in a runner-executed notebook, log lines are plain stdout sentences, and the Hub-fallback
notice (which every notebook repeats in a generated sentence) is not printed twice."""

from __future__ import annotations

import logging

from helpers import data, settings


def test_quiet_setup_drops_the_fallback_notice_and_keeps_other_warnings(monkeypatch, imdb_dir, capsys):
    monkeypatch.setenv("IMDB_SERIES_QUIET", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings.setup(0)
    try:
        monkeypatch.setattr(data, "DATA_DIR", imdb_dir.parent)
        monkeypatch.setattr(data, "BUNDLED", {"imdb": []})
        monkeypatch.setattr(data, "_read_folder", lambda name, folder, expected: {})
        _, source = data.load_imdb()
        logging.getLogger("helpers.data").warning("another warning")
    finally:
        logging.basicConfig(force=True)
    out = capsys.readouterr().out
    assert source.kind == "bundled" and "offline mode" in source.note  # the notebook's own sentence says this
    assert "using the bundled copy" not in out
    assert "another warning" in out.splitlines()


def test_every_profile_declares_the_same_keys_and_every_notebook_parameter_is_a_profile_key():
    """A key one profile lacks is silently inherited from a notebook's committed default (the smoke profile once
    trained at the seed's length that way); a parameter no profile sets is a setting no profile can change."""
    import re

    import nbformat

    from helpers.paths import NOTEBOOKS_DIR

    keys = {name: set(settings.load_profile(name)) for name in settings.PROFILES}
    union = set().union(*keys.values())
    assert {name: sorted(union - k) for name, k in keys.items()} == {name: [] for name in keys}
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
        cell = next(
            c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", [])
        )
        declared = {m.group(1) for m in re.finditer(r"^(\w+)\s*=", cell.source, flags=re.M)}
        assert declared <= union, f"{path.name} declares {sorted(declared - union)}, which no profile sets"
