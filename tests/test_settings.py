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
