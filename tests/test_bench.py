"""helpers.bench: the arithmetic behind its tables, its batching and profile categories, and one tiny end-to-end run.

No timed assertion here: speed targets are read from ``python -m helpers.bench``, not checked by a test.
"""

import json

import numpy as np
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


def test_length_grouped_batches_compute_far_fewer_padded_tokens_than_padding_to_max_length():
    rng = np.random.default_rng(0)
    lengths = np.minimum(rng.lognormal(5.3, 0.7, size=512).astype(int) + 2, 512)  # IMDB-like, many short
    batches = bench.length_grouped_batches(lengths, 16, 0)
    assert sorted(np.concatenate(batches).tolist()) == list(range(512))  # every review once
    in_order = [np.arange(i, i + 16) for i in range(0, 512, 16)]
    grouped = bench.padded_tokens(lengths, batches)
    assert lengths.sum() <= grouped < 1.1 * lengths.sum()
    assert grouped < 0.6 * bench.padded_tokens(lengths, in_order, pad_to=512)
    assert grouped < 0.85 * bench.padded_tokens(lengths, in_order)  # dynamic padding without grouping


def test_profile_categories_follow_operator_names_and_scopes():
    assert bench.op_category("aten::_scaled_dot_product_flash_attention_for_cpu", set()) == "attention"
    assert bench.op_category("aten::addmm", set()) == "matmuls"
    assert bench.op_category("aten::mm", set()) == "matmuls"
    assert bench.op_category("aten::_fused_adamw_", set()) == "optimizer"
    assert bench.op_category("aten::copy_", {"collate"}) == "collation"
    assert bench.op_category("aten::native_layer_norm", set()) == "elementwise and other ops"
    assert bench.op_category("aten::native_dropout", set()) == "dropout"
    assert bench.op_category("aten::copy_", set()) == "dtype casts"


def test_inference_goal_compares_with_the_fastest_pipeline_at_equal_accuracy():
    runs = [
        bench.Measurement("evaluation", "pipeline, batch 1", 10.0, 100, 1, 1.0, 0.90),
        bench.Measurement("evaluation", "pipeline, batch_size=32", 4.0, 100, 1, 1.0, 0.90),
        bench.Measurement("evaluation", "ours: fast but worse", 0.5, 100, 1, 1.0, 0.85),
        bench.Measurement("evaluation", "ours: predict", 1.0, 100, 1, 1.0, 0.897),
    ]
    goal = bench.fastest_at_equal_accuracy(runs)
    assert goal["ours"] == "ours: predict" and goal["fastest_pipeline"] == "pipeline, batch_size=32"
    assert goal["ratio"] == pytest.approx(4.0)
    worse = [r for r in runs if r.method != "ours: predict"]  # ours: only a method 5 points less accurate
    assert bench.fastest_at_equal_accuracy(worse) == {}  # no ratio "at equal accuracy" to report


def test_fp32_attention_lever_computes_the_same_attention_and_respects_padding(tiny):
    import copy

    import torch

    from helpers.bench.training import FP32_ATTENTION, register_fp32_attention

    model, tokenizer, _ = tiny
    register_fp32_attention()
    lever = copy.deepcopy(model).eval()
    lever.set_attn_implementation(FP32_ATTENTION)
    batch = tokenizer(["a fine film", "dull and far too long, sadly"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = model.eval()(**batch).logits
        assert torch.allclose(lever(**batch).logits, expected, atol=1e-5)
        alone = lever(**tokenizer(["a fine film"], return_tensors="pt")).logits  # no padding at all
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = lever(**batch).logits
    assert torch.allclose(alone, expected[:1], atol=1e-5)  # the padded copy ignored its padding
    assert mixed.dtype == torch.bfloat16 and torch.allclose(mixed.float(), expected, atol=0.05)


def test_epoch_benchmark_times_every_review_once_with_the_new_default(tiny):
    from datasets import Dataset

    model, tokenizer, _ = tiny
    texts = [f"review {i}: " + "a fine film " * (3 * i + 1) for i in range(10)]
    train = Dataset.from_dict({"text": texts, "label": [i % 2 for i in range(10)]})
    run = bench.bench_epoch(model, tokenizer, train, reviews=10, max_length=16, batch_size=4, device="cpu")
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=16)["input_ids"]]
    assert run.task == "epoch" and run.reviews == 10 and run.extra["steps"] == 3  # batches of 4, 4 and 2
    assert run.tokens == sum(lengths) and run.extra["setup"]["attention_dropout"] == 0.0
    assert run.notes.endswith("3 steps of up to 4 x 16 tokens") and run.seconds > 0


@pytest.mark.slow
def test_quick_benchmark_runs_end_to_end_on_the_tiny_model(tmp_path, monkeypatch):
    from helpers import modeling

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(modeling, "MODELS_DIR", tmp_path / "models")  # the tiny model is built there
    output = tmp_path / "bench.json"
    argv = [
        "--model",
        "tiny",
        "--n",
        "8",
        "--repeats",
        "1",
        "--train-steps",
        "1",
        "--train-max-length",
        "512",
        "--epoch-reviews",
        "8",
    ]
    assert bench.main([*argv, "--output", str(output)]) == 0
    record = json.loads(output.read_text())
    table = {(row["task"], row["method"]): row for row in record["table"]}
    assert table[("training", bench.PREVIOUS_DEFAULT)]["speed-up"] == 1.0
    assert ("training", bench.NEW_DEFAULT) in table and record["device"] == "cpu"
    assert ("evaluation", "pipeline, batch 1, bf16 model") in table  # the competent CPU baseline
    assert ("training", "lever: attention in fp32 under autocast") in table
    assert table[("epoch", "one epoch, new default: 8 reviews")]["speed-up"] == 1.0
    pipeline = table[("evaluation", "pipeline, batch 1")]
    ours = table[("evaluation", "ours: predict, fp32, head")]
    assert ours["accuracy"] == pipeline["accuracy"]  # same tokens, same numerics: same predictions
    for shares in record["training_profile"].values():
        assert set(shares) == set(bench.BREAKDOWN) and sum(shares.values()) == pytest.approx(1.0, abs=0.02)
    runs = {(r["task"], r["method"]): r for r in record["runs"]}
    naive = runs[("training", "naive: pad to max_length, fp32")]["extra"]["padded_tokens"]
    assert naive == 1 * 16 * 512  # one timed step of 16 reviews, each padded to --train-max-length
    # dynamic padding, on the same batch: to its longest review, which may reach the limit (then no fewer tokens)
    assert runs[("training", bench.PREVIOUS_DEFAULT)]["extra"]["padded_tokens"] <= naive
    assert output.with_suffix(".md").read_text().startswith("| task |")
    ratios = record["precision_ratios"]  # bf16 against fp32 in the same run, and which one auto picked here
    assert ratios["auto_picks"] == record["precision_choice"]["precision"] in {"bf16", "fp32"}
    assert ratios["training_bf16_over_fp32"] == pytest.approx(
        table[("training", bench.NEW_DEFAULT)]["tokens/s"]
        / table[("training", bench.FP32_DEFAULT)]["tokens/s"],
        rel=1e-2,
    )
    assert record["precision_choice"]["capability"]["cpu_class"]
