"""helpers.tokens: truncation keeps the right token ids, bad input is named, batches pad right, datasets map labels."""

from __future__ import annotations

import numpy as np
import pytest
from support.builders import toy_reviews

from helpers.tokens import (
    encode,
    head_tail_sizes,
    length_grouped_batches,
    pad_batch,
    token_lengths,
    tokenize_dataset,
    truncate_ids,
)


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


def test_token_lengths(tiny):
    _, tokenizer, _ = tiny
    lengths = token_lengths(tokenizer, ["a good film", "good"])
    assert list(lengths) == [3, 1]
    with_special = token_lengths(tokenizer, ["a good film", "good"], special_tokens=True)
    assert list(with_special) == [5, 3]  # [CLS] and [SEP], what a max_length counts
    assert list(with_special) == [len(tokenizer(t)["input_ids"]) for t in ["a good film", "good"]]


def test_pad_batch_pads_on_the_right_and_masks_the_padding():
    batch = pad_batch([[5, 6, 7], [8], [9, 10]], pad_id=99)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 99, 99], [9, 10, 99]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0]]
    assert str(batch["input_ids"].dtype) == str(batch["attention_mask"].dtype) == "torch.int64"


def test_tokenize_dataset_maps_labels_into_model_space(tiny):
    _, tokenizer, _ = tiny
    data = toy_reviews(4)
    tokens = tokenize_dataset(tokenizer, data, max_length=16, label_map={0: 1, 1: 0})  # output 0 = POSITIVE
    assert tokens["labels"] == [1 - y for y in data["label"]]
    assert all(len(x) <= 16 for x in tokens["input_ids"]) and tokens["length"] == [
        len(x) for x in tokens["input_ids"]
    ]


def test_length_grouped_batches_sort_within_mega_batches_of_50_batches():
    lengths = np.arange(400)  # all different: a batch's lengths show which reviews were sorted together
    small = length_grouped_batches(lengths[:100], 2, 0)  # one mega-batch: the whole set sorted, then paired
    assert sorted((int(a), int(b)) for a, b in small) == [(i + 1, i) for i in range(0, 100, 2)]
    batches = length_grouped_batches(lengths, 2, 0)  # four mega-batches of 100 shuffled reviews, each sorted
    assert sorted(np.concatenate(batches).tolist()) == list(range(400))  # every review once
    assert all(a > b for a, b in batches)  # longest first within a batch
    assert sum(a - b == 1 for a, b in batches) < 100  # not a global sort: neighbours come from one mega-batch
    epoch_1, epoch_2 = (length_grouped_batches(lengths, 2, rng) for rng in [np.random.default_rng(5)] * 2)
    again = length_grouped_batches(lengths, 2, 5)
    assert all(
        np.array_equal(x, y) for x, y in zip(epoch_1, again, strict=True)
    )  # a seed and a fresh Generator agree
    assert not all(
        np.array_equal(x, y) for x, y in zip(epoch_1, epoch_2, strict=True)
    )  # a shared Generator draws anew
