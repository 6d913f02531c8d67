"""helpers.modeling: label mapping by name, the tiny builder, the loader's sources."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from helpers import hub, modeling
from helpers.labels import LabelError
from helpers.modeling import ModelError, ModelSource, build_tiny_model, imdb_label_map, load_classifier


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({0: "NEGATIVE", 1: "POSITIVE"}, {0: 0, 1: 1}),
        ({0: "POSITIVE", 1: "NEGATIVE"}, {0: 1, 1: 0}),  # reversed order
        ({"0": "neg", "1": "pos"}, {0: 0, 1: 1}),  # string keys (as in config.json), short names
        ({0: "Positive", 1: "negative"}, {0: 1, 1: 0}),
    ],
)
def test_imdb_label_map_by_name(id2label, expected):
    assert imdb_label_map(id2label) == expected


@pytest.mark.parametrize(
    ("id2label", "needle"),
    [
        ({0: "LABEL_0", 1: "LABEL_1"}, "LABEL_0"),  # generic names are refused
        ({0: "NEGATIVE", 1: "NEUTRAL"}, "NEUTRAL"),  # unknown name
        ({0: "NEGATIVE", 1: "NEG"}, "NEGATIVE"),  # two negatives, no positive
        ({0: "NEGATIVE", 1: "NEUTRAL", 2: "POSITIVE"}, "NEUTRAL"),
    ],
)
def test_imdb_label_map_refuses_what_it_cannot_map(id2label, needle):
    with pytest.raises(LabelError, match="labels found") as error:
        imdb_label_map(id2label)
    assert needle in str(error.value)


def test_tiny_model_builds_once_and_loads_with_its_source(tiny_dir):
    stamp = (tiny_dir / "model.safetensors").stat().st_mtime_ns
    assert build_tiny_model(tiny_dir) == tiny_dir  # idempotent: cached build is reused
    assert (tiny_dir / "model.safetensors").stat().st_mtime_ns == stamp
    model, tokenizer, source = load_classifier("path", tiny_dir)
    assert model.config.dim == 32 and model.config.n_layers == 2
    assert imdb_label_map(model) == {0: 0, 1: 1}
    assert tokenizer("a great film")["input_ids"][0] == tokenizer.cls_token_id
    assert source.kind == "path" and source.name == modeling.TINY_NAME
    assert not source.location.startswith("/")  # never an absolute machine path
    assert json.loads(json.dumps(source.as_dict()))["description"] == str(source)


def test_tiny_model_has_opinions_learned_from_training_reviews(tiny_dir):
    """The smoke model is weak but not noise: its P(positive) varies, it predicts both classes and beats chance
    on bundled IMDB training reviews it was not trained on (scored here with the tokenizer's own truncation, not
    the builder's code)."""
    import torch

    train, held_out = modeling.tiny_reviews(seed=0)
    assert not {t for t, _ in train} & {t for t, _ in held_out}
    model, tokenizer, _ = load_classifier("path", tiny_dir)
    texts, y = [t for t, _ in held_out], np.asarray([label for _, label in held_out])
    with torch.no_grad():
        batch = tokenizer(texts, truncation=True, max_length=128, padding=True, return_tensors="pt")
        p_pos = torch.softmax(model(**batch).logits, dim=-1)[:, 1].numpy()
    assert p_pos.std() > 0.05 and set(p_pos > 0.5) == {False, True}
    assert ((p_pos > 0.5) == y).mean() > 0.62  # 200 reviews: chance would rarely reach 0.57
    info = modeling.read_source_file(tiny_dir)
    assert info["version"] == modeling.TINY_VERSION and info["held_out"]["accuracy"] > 0.62
    assert "trained for seconds" in info["name"] and "random" not in info["note"]


def test_a_stale_random_tiny_build_is_rebuilt(tiny_dir, tmp_path, monkeypatch):
    stale = tmp_path / "tiny"
    shutil.copytree(tiny_dir, stale)
    modeling.write_source_file(stale, kind="tiny", name="tiny random DistilBERT (smoke)", seed=0)  # version 1
    built = []
    monkeypatch.setattr(modeling, "tiny_reviews", lambda seed: built.append(seed) or ([], []))
    with pytest.raises(ValueError, match="train_tiny needs"):  # it starts again from the reviews
        build_tiny_model(stale)
    assert built == [0]
    assert build_tiny_model(tiny_dir) == tiny_dir and built == [0]  # the current version is reused


def test_tiny_spec_uses_models_dir(tmp_path, monkeypatch, tiny_dir):
    shutil.copytree(tiny_dir, tmp_path / modeling.TINY_DIRNAME)  # the cached build: not trained again
    monkeypatch.setattr(modeling, "MODELS_DIR", tmp_path)
    _, _, source = load_classifier("tiny")
    assert source.kind == "tiny" and source.name == modeling.TINY_NAME
    assert (tmp_path / modeling.TINY_DIRNAME / "config.json").is_file()


def test_model_dir_env_var_wins_in_auto(tiny_dir, monkeypatch):
    monkeypatch.setenv("IMDB_MODEL_DIR", str(tiny_dir))
    _, _, source = load_classifier("auto")
    assert source.kind == "path"


def test_hub_requested_but_unavailable_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(hub, "hub_unavailable", lambda: "offline mode (HF_HUB_OFFLINE=1)")
    with pytest.raises(ModelError, match="Cannot load distilbert.*offline mode.*standin"):
        load_classifier("hub")


def test_auto_falls_back_to_the_standin_and_says_so(tiny_dir, monkeypatch):
    monkeypatch.delenv("IMDB_MODEL_DIR", raising=False)
    monkeypatch.setattr(hub, "hub_unavailable", lambda: "no network")
    monkeypatch.setattr(modeling, "standin_dir", lambda: tiny_dir)  # no 15-minute build in a unit test
    _, _, source = load_classifier("auto")
    assert source.kind == "standin"
    assert "distilbert-base-uncased-finetuned-sst-2-english not used: no network" in source.note


def test_bad_spec_and_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="model spec"):
        load_classifier("distilbert")
    with pytest.raises(ModelError, match="no config.json"):
        load_classifier("path", tmp_path)


def test_model_source_str_names_the_model():
    source = ModelSource("standin", modeling.STANDIN_NAME, "models/minilm-sst2-standin")
    assert "MiniLM" in str(source) and "DistilBERT" not in str(source)


def test_a_missing_standin_is_built_on_first_use(tmp_path, monkeypatch):
    from helpers import checkpoints, standin

    built = []
    monkeypatch.setattr(standin, "build_standin_model", lambda folder: built.append(folder) or folder)
    monkeypatch.setattr(checkpoints, "MODELS_DIR", tmp_path)
    folder = tmp_path / checkpoints.STANDIN_DIRNAME
    assert modeling.standin_dir(build=False) == folder and built == []
    assert modeling.standin_dir() == folder and built == [folder]  # not built yet: the builder is called
    folder.mkdir()
    checkpoints.write_standin_info(folder, {"name": checkpoints.STANDIN_NAME})
    assert modeling.standin_dir() == folder and built == [folder]  # built: reused


def _imported(module) -> set[str]:
    import ast
    import inspect

    names = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def test_the_standin_builder_imports_neither_modeling_nor_training():
    """No circle: modeling → standin → (checkpoints, dropout, inference), and training → modeling."""
    from helpers import standin

    imported = {name.split(".")[1] for name in _imported(standin) if name.startswith("helpers.")}
    assert not imported & {"modeling", "training"}
    assert {"checkpoints", "dropout"} <= imported


def test_provenance_names_stay_reachable_from_modeling():
    from helpers import checkpoints

    # notebooks and helpers.training use these through modeling
    assert modeling.standin_info is checkpoints.standin_info
    assert modeling.write_source_file is checkpoints.write_source_file
    assert modeling.read_source_file is checkpoints.read_source_file
    assert modeling.STANDIN_NAME == checkpoints.STANDIN_NAME
    assert not hasattr(modeling, "build_standin_model") and not hasattr(modeling, "StandinConfig")
