"""helpers.inference: truncation keeps the right token ids, order survives length sorting, bad input fails."""

from __future__ import annotations

import numpy as np
import pytest
from support.builders import opinion_reviews

from helpers import inference
from helpers.inference import encode, head_tail_sizes, predict, token_lengths, truncate_ids, validate_texts


def test_head_tail_sizes():
    assert head_tail_sizes(512) == (128, 382)  # Sun et al. 2019
    assert head_tail_sizes(256) == (64, 190)
    assert head_tail_sizes(128) == (32, 94)
    for n in (16, 64, 300, 512):
        assert sum(head_tail_sizes(n)) == n - 2


def test_truncate_ids_on_plain_lists():
    ids = list(range(1000))
    assert truncate_ids(ids, "head", 512) == list(range(510))
    assert truncate_ids(ids, "head_tail", 512) == list(range(128)) + list(range(1000 - 382, 1000))
    assert truncate_ids(ids[:510], "head_tail", 512) == ids[:510]  # fits: untouched
    with pytest.raises(ValueError, match="truncation"):
        truncate_ids(ids, "tail", 512)


def test_encode_keeps_exactly_the_right_token_ids(tiny):
    _, tokenizer, _ = tiny
    words = [f"w{i}" for i in range(60)]  # distinct words → distinct, checkable wordpieces
    text = " ".join(words)
    raw = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert len(raw) > 30
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    (head,), n_head_truncated = encode(tokenizer, [text], truncation="head", max_length=32)
    assert head == [cls, *raw[:30], sep] and n_head_truncated == 1
    (both,), _ = encode(tokenizer, [text], truncation="head_tail", max_length=32)
    n_head, n_tail = head_tail_sizes(32)
    assert both == [cls, *raw[:n_head], *raw[-n_tail:], sep]
    assert len(both) == 32
    (short,), n_short = encode(tokenizer, ["a fine film"], truncation="head_tail", max_length=32)
    assert short == tokenizer("a fine film")["input_ids"] and n_short == 0


def test_predictions_come_back_in_input_order(tiny):
    model, tokenizer, _ = tiny
    rng = np.random.default_rng(0)
    vocab = ["good", "bad", "film", "plot", "actor", "boring", "superb", "the", "a", "of"]
    texts = [" ".join(rng.choice(vocab, size=int(n))) for n in rng.integers(1, 60, size=23)]
    batched = predict(model, tokenizer, texts, max_length=48, batch_size=4, progress=False)
    single = [predict(model, tokenizer, [t], max_length=48, batch_size=1, progress=False) for t in texts]
    np.testing.assert_allclose(batched.p_pos, [s.p_pos[0] for s in single], atol=1e-5)
    assert list(batched.labels) == [int(s.labels[0]) for s in single]
    assert batched.labels.shape == (23,) and set(batched.labels) <= {0, 1}
    assert batched.n_truncated == int((token_lengths(tokenizer, texts) > 46).sum()) > 0
    assert ((batched.p_pos >= 0) & (batched.p_pos <= 1)).all() and batched.seconds > 0


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


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["fine", 3], r"texts\[1\] is int"),
        (["fine", ""], r"texts\[1\] is empty"),
        (["fine", "ok", " \n\t"], r"texts\[2\] is empty or whitespace"),
        ([None], r"texts\[0\] is NoneType"),
        ([], "empty"),
        ("a single string", "single string"),
    ],
)
def test_bad_inputs_name_the_index(tiny, texts, message):
    model, tokenizer, _ = tiny
    with pytest.raises(ValueError, match=message):
        predict(model, tokenizer, texts, progress=False)
    with pytest.raises(ValueError, match=message):
        validate_texts(texts)


def test_token_lengths(tiny):
    _, tokenizer, _ = tiny
    lengths = token_lengths(tokenizer, ["a good film", "good"])
    assert list(lengths) == [3, 1]
    with_special = token_lengths(tokenizer, ["a good film", "good"], special_tokens=True)
    assert list(with_special) == [5, 3]  # [CLS] and [SEP], what a max_length counts
    assert list(with_special) == [len(tokenizer(t)["input_ids"]) for t in ["a good film", "good"]]


def test_bf16_precision_agrees_with_fp32_and_unknown_precision_is_refused(opinionated):
    model, tokenizer, _ = opinionated
    reviews = opinion_reviews(64, seed=7)
    fp32 = inference.predict(model, tokenizer, list(reviews["text"]), progress=False)
    bf16 = inference.predict(model, tokenizer, list(reviews["text"]), precision="bf16", progress=False)
    assert (fp32.labels == np.asarray(reviews["label"])).mean() >= 0.9  # an opinionated model, not a coin
    assert (bf16.labels == fp32.labels).mean() >= 0.95
    assert bf16.p_pos == pytest.approx(fp32.p_pos, abs=0.02)
    with pytest.raises(ValueError, match="precision must be one of"):
        inference.predict(model, tokenizer, ["a fine film"], precision="fp8", progress=False)


def test_write_run_records_how_the_test_was_scored(opinionated, tmp_path, monkeypatch):
    from helpers import evaluation

    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    model, tokenizer, _ = opinionated
    reviews = opinion_reviews(8, seed=3)
    test = {"review_id": [f"r{i}" for i in range(8)], "label": list(reviews["label"])}
    pred = inference.predict(
        model, tokenizer, list(reviews["text"]), precision="bf16", device="cpu", progress=False
    )
    assert (pred.precision, pred.device) == ("bf16", "cpu")
    record = inference.write_run(
        pred, test, profile="smoke", model_key="zero_shot", model="m", data_source="toy", model_source="tiny"
    )
    assert record["eval_precision"] == "bf16" and record["device"] == "cpu"
    saved = evaluation.load_results("smoke", folder=tmp_path / "results" / "smoke")["zero_shot"][0]
    assert saved["eval_precision"] == "bf16" and saved["device"] == "cpu"


def test_int8_quantization_agrees_with_fp32(opinionated):
    model, tokenizer, _ = opinionated
    texts = list(opinion_reviews(64, seed=7)["text"])
    fp32 = inference.predict(model, tokenizer, texts, progress=False, precision="fp32")
    int8 = inference.predict(
        inference.quantize_int8(model), tokenizer, texts, progress=False, precision="fp32"
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
    pred = predict(model, tokenizer, texts, truncation="head", max_length=24, progress=False)
    result = inference.compare_truncation(
        model, tokenizer, texts, labels, pred, lengths, truncation="head", max_length=24, progress=False
    )
    long = lengths > 22
    assert result.strategies == ["head", "head_tail"] and list(result.long_idx) == list(np.flatnonzero(long))
    other = predict(model, tokenizer, texts, truncation="head_tail", max_length=24, progress=False).labels
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
        predict(model, tokenizer, short, max_length=24, progress=False),
        token_lengths(tokenizer, short),
        truncation="head",
        max_length=24,
        progress=False,
    )
    assert none.mcnemar is None and not none.summary
