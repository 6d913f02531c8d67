"""helpers.runner.notebooks: what the runner leaves in an executed notebook."""

import json

import nbformat

from helpers.runner import notebooks


def test_clean_metadata_drops_widgets_and_papermill_noise(tmp_path):
    path = tmp_path / "01_a.ipynb"
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"papermill": {"duration": 1}},
                "source": "",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"application/vnd.jupyter.widget-view+json": {}, "text/plain": "bar"},
                    }
                ],
                "execution_count": 1,
            }
        ],
        "metadata": {"widgets": {"state": {}}, "papermill": {}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))
    notebooks.clean_metadata(path)
    cleaned = json.loads(path.read_text())
    assert "widgets" not in cleaned["metadata"] and "papermill" not in cleaned["metadata"]
    assert cleaned["cells"][0]["metadata"] == {}
    assert cleaned["cells"][0]["outputs"][0]["data"] == {"text/plain": "bar"}


def test_clean_metadata_leaves_the_injected_parameters_as_ruff_formats_them(tmp_path):
    path = tmp_path / "01_a.ipynb"
    cell = {
        "cell_type": "code",
        "metadata": {"tags": ["injected-parameters"]},
        "outputs": [],
        "execution_count": 1,
        "source": ["# Parameters\n", "seed = 1\n"],
    }
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    notebooks.clean_metadata(path)
    assert json.loads(path.read_text())["cells"][0]["source"] == "# Parameters\nseed = 1"


def test_injected_values_are_folded_into_the_one_parameters_cell(tmp_path):
    path = tmp_path / "01_a.ipynb"
    tagged = nbformat.v4.new_code_cell(
        'profile = "seed"  # which params/<profile>.yaml\nspace = {\n    "lr": [1, 2],\n}\nseed = 0'
    )
    tagged.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("# Parameters\nprofile = \"smoke\"\nspace = {'lr': [3e-05, 4]}\n")
    injected.metadata["tags"] = ["injected-parameters"]
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [tagged, injected, nbformat.v4.new_code_cell("print(seed)")]
    nbformat.write(nb, path)
    notebooks.clean_metadata(path)
    cleaned = nbformat.read(path, as_version=4)
    assert len(cleaned.cells) == 2 and cleaned.metadata.kernelspec["name"] == notebooks.KERNEL
    source = cleaned.cells[0].source
    assert cleaned.cells[0].metadata["tags"] == ["parameters"]
    assert "# which params/<profile>.yaml" in source  # the declaration's comment is kept
    namespace = {}
    exec(source, {}, namespace)
    assert namespace == {"profile": "smoke", "space": {"lr": [3e-05, 4]}, "seed": 0}


def test_with_values_keeps_names_it_is_not_given():
    assert notebooks.with_values("a = 1  # one\nb = 2", {"b": [1e-05]}) == "a = 1  # one\nb = [1e-05]"


def test_progress_bars_are_dropped_and_warnings_kept():
    bar = {
        "output_type": "stream",
        "name": "stderr",
        "text": "\rx:   0%|          | 0/7 [00:00<?, ?batch/s]\rx: 100%|##| 7/7\n",
    }
    warning = {
        "output_type": "stream",
        "name": "stderr",
        "text": "\rx: 100%|##| 7/7\nFutureWarning: careful\n",
    }
    stdout = {"output_type": "stream", "name": "stdout", "text": "accuracy 0.9\n"}
    assert notebooks.without_progress_bars([bar, warning, stdout]) == [
        {**warning, "text": "FutureWarning: careful\n"},
        stdout,
    ]
