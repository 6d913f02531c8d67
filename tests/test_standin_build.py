"""The offline stand-in build (what every offline user runs first), for real on a reduced budget: 200 SST-2 steps."""

from __future__ import annotations

import json

import pytest

from helpers import checkpoints, modeling
from helpers.standin import StandinConfig, build_standin_model

STEPS, BATCH = 200, 32


@pytest.mark.slow
def test_a_short_standin_build_learns_sst2_and_records_how(tmp_path):
    config = StandinConfig(n_train=STEPS * BATCH, batch_size=BATCH, epochs=1.0)
    folder = build_standin_model(tmp_path / "standin", config, progress=False)
    assert folder == tmp_path / "standin" and not (tmp_path / "standin.building").exists()

    info = json.loads((folder / checkpoints.STANDIN_INFO_FILE).read_text())
    assert info == checkpoints.standin_info(folder)
    assert info["training"]["steps"] == STEPS and info["train_data"]["n"] == STEPS * BATCH
    assert info["train_data"]["split"] == "train" and info["validation_data"]["n"] == 872  # all of SST-2's
    # chance is 0.51 on SST-2's validation sentences; a few hundred steps from MiniLM's encoder reach ~0.8
    assert info["sst2_validation_accuracy"] >= 0.70, info["sst2_validation_accuracy"]
    assert info["training"]["final_loss_mean_last_100"] < 0.6  # log(2) = 0.69 is a model that learned nothing

    source = checkpoints.read_source_file(folder)
    assert source["kind"] == "standin" and f"{info['sst2_validation_accuracy']:.3f}" in source["note"]
    model, tokenizer, loaded = modeling.load_classifier("path", folder)
    assert loaded.name == checkpoints.STANDIN_NAME and loaded.note.startswith("standin checkpoint")
    assert model.config.id2label == {0: "NEGATIVE", 1: "POSITIVE"}

    again = build_standin_model(folder, config, progress=False)  # a finished build is reused, not redone
    assert again == folder and json.loads((folder / checkpoints.STANDIN_INFO_FILE).read_text()) == info
