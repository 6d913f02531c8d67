"""A fine-tuning run's precision is part of its identity: a saved run in another precision is neither reused nor
refused (its own folder), and a run saved under the folder name used before that is still read."""

from __future__ import annotations

import json

import pytest
from support.builders import toy_reviews

from helpers import specs, training_folder
from helpers.precision import choose_precision
from helpers.specs import TrainingRun
from helpers.training import finetune
from helpers.training_folder import finetuned_dir, legacy_run_name, run_name

RUN = TrainingRun(learning_rate=1e-3, epochs=1, batch_size=4, max_length=16, eval_steps=2, seed=0)


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(training_folder, "MODELS_DIR", tmp_path)
    return tmp_path


def auto_resolves_to(monkeypatch, precision: str) -> None:
    """``auto`` now picks ``precision`` on this machine (a new measurement, a new torch)."""

    def choose(requested="auto", device=None, capability=None):
        return choose_precision(precision if requested == "auto" else requested, device, capability)

    monkeypatch.setattr(specs, "choose_precision", choose)


def fit(tiny, run, **kwargs):
    model, tokenizer, source = tiny
    train, val = toy_reviews(8), toy_reviews(4, offset=100)
    return finetune(model, tokenizer, train, val, run, base_source=source, progress=False, **kwargs)


def test_the_folder_name_says_evaluations_and_precision(tiny):
    name = run_name(tiny[2], 8, RUN.with_(n_evals=4), "bf16")
    assert name.endswith("-evals4-bf16") and "-e4" not in name
    assert run_name(tiny[2], 8, RUN, "fp32") != run_name(tiny[2], 8, RUN, "bf16")


def test_fp32_asked_where_a_bf16_run_is_saved_trains_its_own_run(tiny, models_dir):
    first = fit(tiny, RUN.with_(precision="bf16"), profile="smoke")
    second = fit(tiny, RUN.with_(precision="fp32"), profile="smoke")
    assert not second.cached and second.train_precision == "fp32" and second.params["precision"] == "fp32"
    assert second.model_path.parent != first.model_path.parent and first.model_path.is_dir()
    assert fit(tiny, RUN.with_(precision="bf16"), profile="smoke").cached  # the bf16 run is still there


def test_auto_changing_between_runs_is_neither_reused_nor_an_error(tiny, models_dir, monkeypatch):
    auto_resolves_to(monkeypatch, "bf16")
    first = fit(tiny, RUN, profile="smoke")
    auto_resolves_to(monkeypatch, "fp32")
    second = fit(tiny, RUN, profile="smoke")
    assert first.train_precision == "bf16" and second.train_precision == "fp32" and not second.cached
    assert second.model_path.parent.name.endswith("-fp32") and first.model_path.parent.name.endswith("-bf16")


def _legacy_run(tiny, models_dir, bf16: bool):
    """A finished run in the folder name and ``run_config.json`` of before (``…-e3``, ``bf16: true/false``)."""
    folder = finetuned_dir("smoke", legacy_run_name(tiny[2], 8, RUN))
    fit(tiny, RUN.with_(precision="bf16" if bf16 else "fp32"), output_dir=folder)
    for path in (folder / training_folder.RUN_CONFIG_FILE, folder / "model" / training_folder.FIT_FILE):
        saved = json.loads(path.read_text())
        params = saved.get("params", saved)
        params["bf16"] = params.pop("precision") == "bf16"
        saved.pop("precision_choice", None)
        path.write_text(json.dumps(saved))
    return folder


def test_a_run_saved_under_the_old_name_in_this_precision_is_read_back(tiny, models_dir, capsys):
    legacy = _legacy_run(tiny, models_dir, bf16=False)
    again = fit(tiny, RUN.with_(precision="fp32"), profile="smoke")
    assert again.cached and again.model_path.parent.name.endswith("-evals3-fp32") and not legacy.exists()
    assert "is now" in capsys.readouterr().out


def test_a_run_saved_under_the_old_name_in_another_precision_is_left_alone(tiny, models_dir):
    legacy = _legacy_run(tiny, models_dir, bf16=True)
    again = fit(tiny, RUN.with_(precision="fp32"), profile="smoke")
    assert not again.cached and legacy.is_dir()
