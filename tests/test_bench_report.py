"""helpers.bench.report: the benchmark's markdown table, share of the matmul peak, precision ratios and record."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pandas as pd

from helpers.bench.measure import Measurement
from helpers.bench.report import (
    markdown_table,
    precision_ratios,
    print_summary,
    results_table,
    with_share_of_peak,
    write_record,
)
from helpers.bench.training import FP32_DEFAULT, NEW_DEFAULT, PREVIOUS_DEFAULT


def test_markdown_table_leaves_missing_values_empty():
    table = pd.DataFrame({"method": ["a", "b"], "accuracy": [0.9, float("nan")]})
    assert markdown_table(table).splitlines() == [
        "| method | accuracy |",
        "| --- | --- |",
        "| a | 0.9 |",
        "| b |  |",
    ]


def test_precision_ratios_compare_bf16_with_fp32_in_the_same_run():
    table = pd.DataFrame(
        {
            "method": [
                "ours: predict, bf16 autocast, head",
                "ours: predict, fp32, head",
                NEW_DEFAULT,
                FP32_DEFAULT,
            ],
            "reviews/s": [30.0, 20.0, 1.0, 1.0],
            "tokens/s": [1.0, 1.0, 3000.0, 2000.0],
        }
    )
    assert precision_ratios(table, "bf16") == {
        "auto_picks": "bf16",
        "prediction_bf16_over_fp32": 1.5,
        "training_bf16_over_fp32": 1.5,
    }


def test_precision_ratios_are_nan_for_what_was_not_timed():
    table = pd.DataFrame({"method": ["ours: predict, fp32, head"], "reviews/s": [20.0], "tokens/s": [1.0]})
    ratios = precision_ratios(table, "fp32")
    assert ratios["auto_picks"] == "fp32"
    assert math.isnan(ratios["prediction_bf16_over_fp32"]) and math.isnan(ratios["training_bf16_over_fp32"])


def _tiny_model():
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embeddings = torch.nn.Embedding(10, 4)  # 40 embedding parameters, left out of the FLOPs
            self.layer = torch.nn.Linear(4, 4)  # 20 non-embedding parameters
            self.config = SimpleNamespace(num_hidden_layers=1, hidden_size=4)

    return Tiny()


def test_share_of_peak_uses_the_forward_or_training_flops_of_each_task():
    runs = [
        Measurement("evaluation", "ours", 1.0, 1, 100, 1.0),
        Measurement("training", NEW_DEFAULT, 1.0, 1, 10, 1.0),
    ]
    table = results_table(runs, {"evaluation": "ours", "training": NEW_DEFAULT})
    table = with_share_of_peak(table, runs, _tiny_model(), {"evaluation": 8, "training": 2}, {"bf16": 1e-6})
    forward_eval = 2 * 20 + 2 * 1 * 8 * 4  # 2 × non-embedding + 2 × layers × context × hidden
    forward_train = 2 * 20 + 2 * 1 * 2 * 4
    assert table["GFLOP/s"].tolist() == [100 * forward_eval / 1e9, 10 * 3 * forward_train / 1e9]
    assert table["share of bf16 matmul peak"].tolist() == [v / 1e-6 for v in table["GFLOP/s"]]


def test_print_summary_names_the_inference_goal_and_the_training_default(capsys):
    runs = [
        Measurement("evaluation", "pipeline, batch 1", 4.0, 100, 1, 1.0, 0.9),
        Measurement("evaluation", "ours: predict", 1.0, 100, 1, 1.0, 0.9),
        Measurement("training", PREVIOUS_DEFAULT, 2.0, 16, 400, 1.0),
        Measurement("training", NEW_DEFAULT, 1.0, 16, 400, 1.0),
    ]
    table = results_table(runs, {"evaluation": "pipeline, batch 1", "training": PREVIOUS_DEFAULT})
    table["share of bf16 matmul peak"] = 0.25
    goal = print_summary(table, runs)
    printed = capsys.readouterr().out
    assert goal["ours"] == "ours: predict" and goal["ratio"] == 4.0
    assert "'ours: predict' is 4.00x 'pipeline, batch 1'" in printed
    assert "the new default is 2.00x the previous default, 25% of the bf16 matmul peak" in printed


def test_write_record_writes_the_json_and_the_markdown_beside_it(tmp_path, capsys):
    runs = [Measurement("evaluation", "ours", 2.0, 10, 100, 5.0, 0.8, "a note")]
    table = results_table(runs, {"evaluation": "ours"})
    output = tmp_path / "benchmarks" / "quick-tiny.json"
    write_record(output, {"mode": "quick"}, runs, table)
    record = json.loads(output.read_text())
    assert record["mode"] == "quick" and record["created"].endswith("Z")
    assert record["runs"][0]["method"] == "ours" and record["runs"][0]["notes"] == "a note"
    assert record["table"][0]["reviews/s"] == 5.0
    assert output.with_suffix(".md").read_text().startswith("| task | method |")
    assert "written" in capsys.readouterr().out
