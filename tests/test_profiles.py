"""The profiles (params/<profile>.yaml) declare the same keys, and every notebook declares only keys they have.

A key missing from one profile is silently filled by the value committed in a notebook's parameters cell, so a
profile would inherit another profile's setting without anyone seeing it.
"""

from __future__ import annotations

import ast
import json

import pytest
import yaml

from helpers.paths import REPO_ROOT
from helpers.settings import PARAMS_DIR, PROFILES

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def profile(name: str) -> dict:
    return yaml.safe_load((PARAMS_DIR / f"{name}.yaml").read_text())


def parameters_cell_keys(path) -> set[str]:
    """The names the cell tagged ``parameters`` assigns (read from the notebook's JSON, never run)."""
    cells = [
        cell
        for cell in json.loads(path.read_text())["cells"]
        if "parameters" in cell.get("metadata", {}).get("tags", [])
    ]
    assert len(cells) == 1, f"{path.name}: exactly one cell tagged 'parameters'"
    source = "".join(cells[0]["source"])
    return {
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


def test_every_profile_file_is_a_known_profile():
    assert sorted(p.stem for p in PARAMS_DIR.glob("*.yaml")) == sorted(PROFILES)


@pytest.mark.parametrize("name", [p for p in PROFILES if p != "smoke"])
def test_profiles_declare_the_same_keys(name):
    smoke, other = profile("smoke"), profile(name)
    assert sorted(set(smoke) - set(other)) == [], f"{name}.yaml lacks keys smoke.yaml has"
    assert sorted(set(other) - set(smoke)) == [], f"smoke.yaml lacks keys {name}.yaml has"
    assert other["profile"] == name


@pytest.mark.parametrize("name", [p for p in PROFILES if p != "smoke"])
def test_profiles_search_spaces_name_the_same_hyperparameters(name):
    assert sorted(profile(name)["search_space"]) == sorted(profile("smoke")["search_space"])


def test_the_notebooks_are_found():
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_declares_only_keys_the_profiles_have(path):
    declared = parameters_cell_keys(path)
    assert declared, f"{path.name}: its parameters cell assigns nothing"
    for name in PROFILES:
        assert sorted(declared - set(profile(name))) == [], f"{path.name} declares keys {name}.yaml lacks"


def test_the_parameters_cell_reader_sees_plain_and_annotated_assignments(tmp_path):
    path = tmp_path / "x.ipynb"
    cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ["a = 1\n", "b: int = 2\n"]}
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": ["c = 3"]}, cell]}))
    assert parameters_cell_keys(path) == {"a", "b"}
