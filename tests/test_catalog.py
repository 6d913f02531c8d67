"""The one list of models: every key the series writes is in it, and the labels it gives are unique."""

from __future__ import annotations

import json
import re

from helpers import catalog
from helpers.paths import REPO_ROOT
from helpers.present import short_label
from helpers.results_files import load_results
from helpers.runner.notebooks import discover_notebooks


def test_every_key_a_notebook_writes_is_in_the_catalog():
    written = set()
    for notebook in discover_notebooks():
        text = "".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"])
        written |= set(re.findall(r'model_key="(\w+)"', text))
    assert written, "no notebook writes a model_key: the pattern no longer reads the notebooks"
    assert written <= set(catalog.BY_KEY), f"not in the catalog: {sorted(written - set(catalog.BY_KEY))}"


def test_the_committed_run_has_only_catalog_models_with_unique_labels():
    results = load_results("seed", folder=REPO_ROOT / "results" / "seed")
    assert set(results) <= set(catalog.BY_KEY)
    labels = [short_label(record) for record, _ in results.values()]
    assert len(set(labels)) == len(labels), labels


def test_a_transformer_label_is_its_family_and_role_and_a_classical_one_its_role():
    standin = {"kind": "standin", "name": "minilm"}
    assert (
        short_label({"model_key": catalog.FINE_TUNED, "base_model_source": standin}) == "stand-in fine-tuned"
    )
    assert short_label({"model_key": catalog.NBSVM, "model_source": {"kind": "sklearn"}}) == "NB-SVM"
    assert short_label({"model_key": "new_model", "model_source": standin}) == "stand-in new model"


def test_the_study_counterparts_are_the_catalogs():
    from helpers.comparisons import STUDY_ACCURACY, STUDY_COUNTERPART

    assert STUDY_COUNTERPART == {
        catalog.FOREST: "bag-of-words RandomForest",
        catalog.ZERO_SHOT: "DistilBERT SST-2 zero-shot",
        catalog.FINE_TUNED: "DistilBERT fine-tuned on IMDB",
    }
    assert dict(zip(STUDY_COUNTERPART.values(), (0.84, 0.91, 0.95), strict=True)) == STUDY_ACCURACY
