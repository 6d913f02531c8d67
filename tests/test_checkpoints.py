"""helpers.checkpoints: the provenance files next to a checkpoint and where the stand-in lives."""

from __future__ import annotations

import json

from helpers import checkpoints


def test_source_file_round_trips_and_is_empty_when_absent(tmp_path):
    assert checkpoints.read_source_file(tmp_path) == {}
    checkpoints.write_source_file(tmp_path, kind="tiny", name="a tiny model", seed=0, saved_in=tmp_path)
    written = json.loads((tmp_path / checkpoints.SOURCE_FILE).read_text())
    assert written == {"kind": "tiny", "name": "a tiny model", "seed": 0, "saved_in": str(tmp_path)}
    assert checkpoints.read_source_file(str(tmp_path)) == written


def test_standin_info_round_trips_and_is_empty_when_not_built(tmp_path):
    assert checkpoints.standin_info(tmp_path) == {}
    checkpoints.write_standin_info(tmp_path, {"name": checkpoints.STANDIN_NAME, "seconds": 1.5})
    assert checkpoints.standin_info(tmp_path) == {"name": checkpoints.STANDIN_NAME, "seconds": 1.5}
    assert (tmp_path / checkpoints.STANDIN_INFO_FILE).read_text().endswith("}\n")


def test_the_standin_lives_under_models_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "MODELS_DIR", tmp_path)
    assert checkpoints.standin_location() == tmp_path / "minilm-sst2-standin"
    assert checkpoints.standin_info() == {}  # no folder given: the stand-in's own, not built here
    folder = checkpoints.standin_location()
    folder.mkdir()
    checkpoints.write_standin_info(folder, {"sst2_validation_accuracy": 0.89})
    assert checkpoints.standin_info() == {"sst2_validation_accuracy": 0.89}


def test_publish_build_replaces_the_old_folder(tmp_path):
    final, tmp = tmp_path / "model", tmp_path / "model.building"
    final.mkdir()
    (final / "old.txt").write_text("old")
    tmp.mkdir()
    (tmp / "config.json").write_text("{}")
    assert checkpoints.publish_build(tmp, final) == final
    assert sorted(p.name for p in final.iterdir()) == ["config.json"] and not tmp.exists()
    fresh = tmp_path / "fresh.building"
    fresh.mkdir()
    assert checkpoints.publish_build(fresh, tmp_path / "fresh") == tmp_path / "fresh"  # nothing to replace
    assert (tmp_path / "fresh").is_dir() and not fresh.exists()
