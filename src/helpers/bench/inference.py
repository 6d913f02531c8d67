"""Inference against competent baselines: ``pipeline`` at batch 1 (fp32 and a bf16 model), at batch 32 (fp32 and
a bf16 model), naive padding, and the project's ``predict`` (batch size ``auto``: by device and precision) in each precision and truncation."""

from __future__ import annotations

import copy
import functools

import numpy as np

from helpers.bench.measure import Measurement, PeakRSS, timed
from helpers.devices import choose_device
from helpers.labels import imdb_label_map
from helpers.specs import Reading
from helpers.tokens import token_lengths


def _accuracy(labels, predicted) -> float:
    return float((np.asarray(labels) == np.asarray(predicted)).mean())


def pipeline_predict(model, tokenizer, texts, max_length: int = 512, batch_size: int = 1, device=None):
    """``pipeline("sentiment-analysis")`` with truncation (the head), ``batch_size`` reviews per forward pass."""
    from transformers import pipeline

    label_map = imdb_label_map(model)
    name_to_imdb = {model.config.id2label[i]: label for i, label in label_map.items()}
    classify = pipeline("sentiment-analysis", model=model, tokenizer=tokenizer, device=device)
    outputs = classify(list(texts), truncation=True, max_length=max_length, batch_size=batch_size)
    return np.array([name_to_imdb[o["label"]] for o in outputs])


def naive_padded(model, tokenizer, texts, max_length: int = 512, batch_size: int = 32):
    """Batches in input order, every batch padded to ``max_length``, under ``torch.no_grad``."""
    import torch

    label_map = imdb_label_map(model)
    to_imdb = np.array([label_map[i] for i in range(len(label_map))])
    device = next(model.parameters()).device
    predicted = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                list(texts[start : start + batch_size]),
                padding="max_length",
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            ).to(device)
            predicted.append(model(**batch).logits.argmax(-1).cpu().numpy())
    return to_imdb[np.concatenate(predicted)]


def real_tokens(tokenizer, texts, max_length: int) -> int:
    """Non-padding tokens a model sees for these texts at ``max_length`` (special tokens included)."""
    return int(np.minimum(token_lengths(tokenizer, texts) + 2, max_length).sum())


def evaluation_methods(
    model, tokenizer, texts, *, max_length, batch_size, device, include_batch1_pipeline=True
):
    """``(method, function, notes)`` for every inference method, baselines first; each function returns labels."""
    import torch

    from helpers.inference import predict, quantize_int8

    bf16_model = copy.deepcopy(model).to(torch.bfloat16)
    int8_model = functools.cache(lambda: quantize_int8(model))  # built in the warm-up call, not timed

    def pipe(m, size):
        return lambda: pipeline_predict(m, tokenizer, texts, max_length, size, device)

    def ours(get_model=lambda: model, truncation="head", precision="fp32"):
        # batch size auto: predict's own choice for the device and precision
        reading = Reading(truncation, max_length, precision=precision, device=device)
        return lambda: predict(get_model(), tokenizer, texts, reading, progress=False).labels

    methods = []
    if include_batch1_pipeline:
        methods += [
            ("pipeline, batch 1", pipe(model, 1), ""),
            ("pipeline, batch 1, bf16 model", pipe(bf16_model, 1), "changes numerics; no padding at all"),
        ]
    methods += [
        (f"pipeline, batch_size={batch_size}", pipe(model, batch_size), ""),
        (f"pipeline, batch_size={batch_size}, bf16 model", pipe(bf16_model, batch_size), "changes numerics"),
        (
            f"naive: batches of {batch_size} padded to {max_length}",
            lambda: naive_padded(model, tokenizer, texts, max_length, batch_size),
            "",
        ),
        ("ours: predict, fp32, head", ours(), "same tokens and numerics as the pipeline"),
        ("ours: predict, bf16 autocast, head", ours(precision="bf16"), "changes numerics"),
        (
            "ours: predict, bf16 model, head",
            ours(lambda: bf16_model),
            "weights in bf16, as the bf16 pipeline",
        ),
        (
            "ours: predict, bf16 autocast, head+tail",
            ours(truncation="head_tail", precision="bf16"),
            "the series' setting",
        ),
    ]
    if device.type == "cpu":
        methods.append(
            ("ours: predict, int8 dynamic quantization, head", ours(int8_model), "changes numerics")
        )
    return methods


def measure_evaluation(
    method: str, fn, texts, labels, tokens: int, repeats: int, notes: str = ""
) -> Measurement:
    """``fn`` after a warm-up, ``repeats`` times: the median with the range, peak memory and accuracy (printed)."""
    with PeakRSS() as memory:
        seconds, predicted = timed(fn, repeats)
    median = float(np.median(seconds))
    run = Measurement(
        "evaluation",
        method,
        median,
        len(texts),
        tokens,
        memory.peak,
        _accuracy(labels, predicted),
        notes,
        {"seconds": seconds, "reviews_per_s_spread": [len(texts) / max(seconds), len(texts) / min(seconds)]},
    )
    print(
        f"  {method:<48} {len(texts) / median:7.1f} reviews/s"
        f" ({len(texts) / max(seconds):.1f}–{len(texts) / min(seconds):.1f})  accuracy {run.accuracy:.3f}",
        flush=True,
    )
    return run


def bench_evaluation(
    model,
    tokenizer,
    texts,
    labels,
    *,
    max_length: int = 512,
    batch_size: int = 32,
    repeats: int = 3,
    include_batch1_pipeline: bool = True,
    device=None,
) -> list[Measurement]:
    """Every method of :func:`evaluation_methods` on the same reviews, each after a warm-up, ``repeats`` times."""
    device = choose_device(device)
    model = model.to(device)
    tokens = real_tokens(tokenizer, texts, max_length)
    methods = evaluation_methods(
        model,
        tokenizer,
        texts,
        max_length=max_length,
        batch_size=batch_size,
        device=device,
        include_batch1_pipeline=include_batch1_pipeline,
    )
    return [measure_evaluation(m, fn, texts, labels, tokens, repeats, notes) for m, fn, notes in methods]


def fastest_at_equal_accuracy(runs: list[Measurement], tolerance: float = 0.005) -> dict[str, object]:
    """The project's fastest ``predict`` within ``tolerance`` of the most accurate pipeline, against the fastest
    pipeline: the inference goal's ratio. Empty when no method of ours is that accurate: a less accurate method is
    never reported as the fastest at equal accuracy."""
    pipelines = [r for r in runs if r.task == "evaluation" and r.method.startswith("pipeline")]
    ours = [r for r in runs if r.task == "evaluation" and r.method.startswith("ours")]
    if not pipelines or not ours:
        return {}
    fastest = max(pipelines, key=lambda r: r.reviews_per_s)
    reference = max(r.accuracy for r in pipelines)
    fair = [r for r in ours if r.accuracy >= reference - tolerance]
    if not fair:
        return {}
    best = max(fair, key=lambda r: r.reviews_per_s)
    return {
        "ours": best.method,
        "fastest_pipeline": fastest.method,
        "ratio": best.reviews_per_s / fastest.reviews_per_s,
        "accuracy_ours": best.accuracy,
        "accuracy_pipeline": fastest.accuracy,
    }
