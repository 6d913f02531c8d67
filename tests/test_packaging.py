"""pyproject.toml declares what src/helpers imports: a ``pip install .`` user meets no ImportError."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "src" / "helpers"
# Needed at run time but never imported by name in src/helpers: transformers' Trainer imports accelerate, and
# the runner starts the notebooks' Jupyter kernel with ipykernel.
USED_WITHOUT_IMPORT = {"accelerate", "ipykernel"}


def imported_modules(folder: Path) -> dict[str, list[str]]:
    """Each top-level module imported anywhere under ``folder`` (module level or inside functions, relative
    imports left out) with the files that import it."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], []).append(path.relative_to(folder.parent).as_posix())
    return found


def third_party(modules: dict[str, list[str]]) -> dict[str, list[str]]:
    return {m: files for m, files in modules.items() if m not in sys.stdlib_module_names and m != "helpers"}


def declared_distributions(pyproject: dict) -> set[str]:
    """The canonical names of the dependencies and every extra's."""
    project = pyproject["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def undeclared(modules: dict[str, list[str]], declared: set[str]) -> list[str]:
    """One line per third-party module that no declared distribution provides (or that none installed does)."""
    providers = packages_distributions()
    missing = []
    for module, files in sorted(third_party(modules).items()):
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists & declared:
            where = ", ".join(sorted(set(files))[:3])
            missing.append(
                f"{module} (distribution {', '.join(sorted(dists)) or 'not installed'}; in {where})"
            )
    return missing


def test_every_imported_module_is_declared():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    missing = undeclared(imported_modules(HELPERS), declared_distributions(pyproject))
    assert not missing, "imported by src/helpers but not in pyproject.toml's dependencies: " + "; ".join(
        missing
    )


def test_packages_used_without_an_import_are_declared():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert declared_distributions(pyproject) >= USED_WITHOUT_IMPORT


def test_the_check_sees_function_level_imports_and_a_missing_distribution(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text(
        "import json\nfrom . import b\n\ndef f():\n    import yaml\n    from numpy import x\n"
    )
    modules = imported_modules(package)
    assert set(third_party(modules)) == {"yaml", "numpy"}
    assert undeclared(modules, {"pyyaml", "numpy"}) == []
    assert [line.split(" ")[0] for line in undeclared(modules, {"numpy"})] == ["yaml"]
