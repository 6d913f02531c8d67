import json

import pytest

from helpers import bench


def test_flops_per_token_counts_non_embedding_parameters():
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    config = DistilBertConfig(
        vocab_size=100, dim=16, n_layers=2, n_heads=2, hidden_dim=32, max_position_embeddings=64
    )
    model = DistilBertForSequenceClassification(config)
    flops = bench.flops_per_token(model, context=10)
    embedding = sum(p.numel() for n, p in model.named_parameters() if "embeddings" in n)
    non_embedding = sum(p.numel() for p in model.parameters()) - embedding
    assert flops["forward"] == 2 * non_embedding + 2 * 2 * 10 * 16
    assert flops["train"] == 3 * flops["forward"]


def test_results_table_ratios_are_against_the_task_baseline():
    runs = [
        bench.Measurement("evaluation", "naive", 10.0, 100, 1000, 1.0, 0.9),
        bench.Measurement("evaluation", "ours", 2.5, 100, 1000, 1.0, 0.9),
        bench.Measurement("training", "naive Trainer", 4.0, 16, 400, 1.0),
        bench.Measurement("training", "ours", 2.0, 16, 400, 1.0),
    ]
    table = bench.results_table(runs, {"evaluation": "naive", "training": "naive Trainer"}).set_index(
        "method"
    )
    assert table.loc["ours", "speed-up"].tolist() == [4.0, 2.0]
    assert table.loc["naive", "speed-up"] == 1.0 and table.loc["naive", "reviews/s"] == 10.0


@pytest.mark.slow
def test_quick_benchmark_runs_end_to_end_on_the_tiny_model(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    output = tmp_path / "bench.json"
    assert bench.main(["--model", "tiny", "--n", "8", "--train-steps", "1", "--output", str(output)]) == 0
    record = json.loads(output.read_text())
    tasks = {row["task"] for row in record["table"]}
    assert tasks == {"evaluation", "training"}
    assert record["machine"]["torch"] and record["matmul_peak_gflops"]["fp32"] > 0
    baseline = [r for r in record["table"] if r["method"] == record["baseline"]["evaluation"]][0]
    assert baseline["speed-up"] == 1.0
    fp32 = [r for r in record["table"] if r["method"].startswith("ours: length-sorted")][0]
    assert fp32["accuracy"] == baseline["accuracy"]  # same tokens, same numerics: same predictions' accuracy
    assert output.with_suffix(".md").read_text().startswith("| task |")
