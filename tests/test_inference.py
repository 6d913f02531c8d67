"""helpers.inference: order survives length sorting, a Reading says how texts are read, bad input fails."""

from __future__ import annotations

import numpy as np
import pytest
from support.builders import BAD_TEXTS, opinion_reviews

from helpers import inference
from helpers.inference import predict
from helpers.specs import Reading
from helpers.tokens import token_lengths


def test_predictions_come_back_in_input_order(tiny):
    model, tokenizer, _ = tiny
    rng = np.random.default_rng(0)
    vocab = ["good", "bad", "film", "plot", "actor", "boring", "superb", "the", "a", "of"]
    texts = [" ".join(rng.choice(vocab, size=int(n))) for n in rng.integers(1, 60, size=23)]
    reading = Reading(max_length=48, batch_size=4)
    batched = predict(model, tokenizer, texts, reading, progress=False)
    single = [predict(model, tokenizer, [t], reading.with_(batch_size=1), progress=False) for t in texts]
    np.testing.assert_allclose(batched.p_pos, [s.p_pos[0] for s in single], atol=1e-5)
    assert list(batched.labels) == [int(s.labels[0]) for s in single]
    assert batched.labels.shape == (23,) and set(batched.labels) <= {0, 1}
    assert batched.n_truncated == int((token_lengths(tokenizer, texts) > 46).sum()) > 0
    assert ((batched.p_pos >= 0) & (batched.p_pos <= 1)).all() and batched.seconds > 0
    assert batched.reading == reading and batched.batch_size == 4  # the predictions say how they were read


def test_reversed_labels_flip_p_pos(opinionated):
    model, tokenizer, _ = opinionated
    texts = list(opinion_reviews(32, seed=7)["text"])
    normal = predict(model, tokenizer, texts, progress=False)
    assert np.abs(normal.p_pos - 0.5).mean() > 0.3  # confident predictions: a label flip shows
    model.config.id2label = {0: "POSITIVE", 1: "NEGATIVE"}
    try:
        flipped = predict(model, tokenizer, texts, progress=False)
    finally:
        model.config.id2label = {0: "NEGATIVE", 1: "POSITIVE"}
    np.testing.assert_allclose(flipped.p_pos, 1 - normal.p_pos, atol=1e-6)
    assert list(flipped.labels) == list(1 - normal.labels)


@pytest.mark.parametrize(("texts", "message"), BAD_TEXTS)
def test_bad_inputs_name_the_index(tiny, texts, message):
    model, tokenizer, _ = tiny
    with pytest.raises(ValueError, match=message):
        predict(model, tokenizer, texts, progress=False)


def test_bf16_precision_agrees_with_fp32_and_unknown_precision_is_refused(opinionated):
    model, tokenizer, _ = opinionated
    reviews = opinion_reviews(64, seed=7)
    fp32 = inference.predict(model, tokenizer, list(reviews["text"]), progress=False)
    bf16 = inference.predict(
        model, tokenizer, list(reviews["text"]), Reading(precision="bf16"), progress=False
    )
    assert (fp32.labels == np.asarray(reviews["label"])).mean() >= 0.9  # an opinionated model, not a coin
    assert (bf16.labels == fp32.labels).mean() >= 0.95
    assert bf16.p_pos == pytest.approx(fp32.p_pos, abs=0.02)
    with pytest.raises(ValueError, match="precision must be one of"):
        inference.predict(model, tokenizer, ["a fine film"], Reading(precision="fp8"), progress=False)


def test_write_run_records_how_the_test_was_scored(opinionated, tmp_path, monkeypatch):
    from helpers import results_files

    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    model, tokenizer, _ = opinionated
    reviews = opinion_reviews(8, seed=3)
    test = {"review_id": [f"r{i}" for i in range(8)], "label": list(reviews["label"])}
    reading = Reading(truncation="head", max_length=64, precision="bf16", device="cpu")
    pred = inference.predict(model, tokenizer, list(reviews["text"]), reading, progress=False)
    assert (pred.precision, pred.device, pred.reading) == ("bf16", "cpu", reading)
    record = inference.write_run(
        pred, test, profile="smoke", model_key="zero_shot", model="m", data_source="toy", model_source="tiny"
    )
    assert record["eval_precision"] == "bf16" and record["device"] == "cpu"
    assert (record["truncation"], record["test_max_length"]) == ("head", 64)  # from the reading itself
    saved = results_files.load_results("smoke", folder=tmp_path / "results" / "smoke")["zero_shot"][0]
    assert saved["eval_precision"] == "bf16" and saved["device"] == "cpu"
    assert (saved["truncation"], saved["test_max_length"]) == ("head", 64)


def test_int8_quantization_agrees_with_fp32(opinionated):
    model, tokenizer, _ = opinionated
    texts = list(opinion_reviews(64, seed=7)["text"])
    fp32 = inference.predict(model, tokenizer, texts, Reading(precision="fp32"), progress=False)
    int8 = inference.predict(
        inference.quantize_int8(model), tokenizer, texts, Reading(precision="fp32"), progress=False
    )
    assert len(int8) == len(texts) and (int8.labels == fp32.labels).mean() >= 0.9
    assert np.abs(int8.p_pos - fp32.p_pos).mean() < 0.05


def test_compare_truncation_rescores_only_the_long_reviews(opinionated):
    model, tokenizer, _ = opinionated  # opinions from one word: head and head + tail windows disagree
    rng = np.random.default_rng(1)
    vocab = ["good", "bad", "film", "plot", "actor", "boring", "superb", "the", "a", "of"]
    texts = [" ".join(rng.choice(vocab, size=int(n))) for n in rng.integers(1, 60, size=20)]
    labels = rng.integers(0, 2, size=20)
    lengths = token_lengths(tokenizer, texts)
    reading = Reading(truncation="head", max_length=24)
    pred = predict(model, tokenizer, texts, reading, progress=False)
    result = inference.compare_truncation(
        model, tokenizer, texts, labels, pred, lengths, reading, progress=False
    )
    long = lengths > 22
    assert result.strategies == ["head", "head_tail"] and list(result.long_idx) == list(np.flatnonzero(long))
    other = predict(
        model, tokenizer, texts, Reading(truncation="head_tail", max_length=24), progress=False
    ).labels
    expected = np.where(long, other, pred.labels)  # short reviews keep their predictions
    assert (expected != pred.labels).any()  # the checks below compare two different answers
    assert list(result.paired["head_tail:pred"]) == list(expected)
    assert result.summary["head"]["n_long"] == long.sum() > 0
    assert result.summary["head_tail"]["accuracy_all"] == pytest.approx((expected == labels).mean())
    n_disagree = result.mcnemar["only_a_right"] + result.mcnemar["only_b_right"]
    assert n_disagree == int((expected[long] != pred.labels[long]).sum()) > 0
    short = [t for t, n in zip(texts, lengths, strict=True) if n <= 22]
    none = inference.compare_truncation(
        model,
        tokenizer,
        short,
        np.zeros(len(short)),
        predict(model, tokenizer, short, Reading(max_length=24), progress=False),
        token_lengths(tokenizer, short),
        reading,
        progress=False,
    )
    assert none.mcnemar is None and not none.summary


def test_accuracy_is_the_share_of_reviews_predicted_right(opinionated):
    model, tokenizer, _ = opinionated
    reviews = opinion_reviews(32, seed=9)
    reading = Reading(truncation="head", max_length=16, precision="fp32")
    pred = predict(model, tokenizer, list(reviews["text"]), reading, progress=False)
    expected = float((pred.labels == np.asarray(reviews["label"])).mean())
    assert expected >= 0.9  # an opinionated model, not a coin
    assert inference.accuracy(model, tokenizer, reviews, reading) == pytest.approx(expected)
    assert inference.accuracy(model, tokenizer, reviews.to_pandas(), reading) == pytest.approx(expected)
