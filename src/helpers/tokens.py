"""Tokenisation shared by every reader of text, and the one length-grouped batcher.

Reviews are tokenised once *without* truncation, then cut on the token ids: ``head`` keeps the first
``max_length - 2`` tokens; ``head_tail`` (Sun et al. 2019) the first ``n_head`` and last ``n_tail``, with
``n_head = round(128 / 510 × (max_length - 2))`` (128 + 382 at 512, 64 + 190 at 256); then ``[CLS]``/``[SEP]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

TRUNCATIONS = ("head", "head_tail")
TRUNCATION_NAMES = {"head": "head", "head_tail": "head + tail"}  # as prose, tables and figures name them
HEAD_TOKENS_AT_512 = 128  # Sun et al. 2019: head 128 + tail 382 of a 510-token budget


def validate_texts(texts: Iterable) -> list[str]:
    """The texts as a list of str; ValueError naming the first bad index (not a str, empty, whitespace only)."""
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of strings, not a single string")
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty: nothing to predict")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"texts[{index}] is {type(text).__name__}, not str")
        if not text.strip():
            raise ValueError(f"texts[{index}] is empty or whitespace only")
    return texts


def head_tail_sizes(max_length: int) -> tuple[int, int]:
    """``(n_head, n_tail)`` tokens kept by ``head_tail`` for a ``max_length`` that includes [CLS] and [SEP]."""
    budget = max_length - 2
    if budget < 2:
        raise ValueError(f"max_length must be at least 4 for head_tail, got {max_length}")
    n_head = max(1, round(HEAD_TOKENS_AT_512 / 510 * budget))
    return n_head, budget - n_head


def truncate_ids(ids: Sequence[int], truncation: str, max_length: int) -> list[int]:
    """Apply a truncation strategy to token ids *without* special tokens (room is left for [CLS] and [SEP])."""
    if truncation not in TRUNCATIONS:
        raise ValueError(f"truncation must be one of {TRUNCATIONS}, not {truncation!r}")
    budget = max_length - 2
    if budget < 1:
        raise ValueError(f"max_length must leave room for [CLS] and [SEP], got {max_length}")
    ids = list(ids)
    if len(ids) <= budget:
        return ids
    if truncation == "head":
        return ids[:budget]
    n_head, n_tail = head_tail_sizes(max_length)
    return ids[:n_head] + ids[len(ids) - n_tail :]


def as_read(tokenizer, text: str, truncation: str, max_length: int, shown: int = 8):
    """One review as the model reads it: a row per part (head kept, middle cut, tail kept; a short review is one
    part), its size in word pieces and its first and last ``shown`` word pieces."""
    import pandas as pd

    ids = _raw_ids(tokenizer, [text])[0]
    kept = truncate_ids(ids, truncation, max_length)
    if len(kept) == len(ids):
        parts = [("all, kept", ids)]
    elif truncation == "head":
        parts = [("head, kept", ids[: len(kept)]), ("rest, cut", ids[len(kept) :])]
    else:
        n_head = head_tail_sizes(max_length)[0]
        n_tail = len(kept) - n_head
        parts = [
            ("head, kept", ids[:n_head]),
            ("middle, cut", ids[n_head : len(ids) - n_tail]),
            ("tail, kept", ids[len(ids) - n_tail :]),
        ]
    pieces = tokenizer.convert_ids_to_tokens

    def ends(part):
        return " ".join(pieces(part[:shown])), " ".join(pieces(part[-shown:]))

    rows = [(name, len(part), *ends(part)) for name, part in parts]
    return pd.DataFrame(rows, columns=["part", "word pieces", "begins", "ends"]).set_index("part")


def token_lengths(tokenizer, texts: Iterable[str], *, special_tokens: bool = False) -> np.ndarray:
    """Wordpiece tokens per text, without truncation; ``special_tokens`` counts the ``[CLS]`` and ``[SEP]`` the
    model adds too (what a ``max_length`` counts)."""
    lengths = np.array([len(ids) for ids in _raw_ids(tokenizer, validate_texts(texts))], dtype=np.int64)
    return lengths + tokenizer.num_special_tokens_to_add() if special_tokens else lengths


def _raw_ids(tokenizer, texts: list[str]) -> list[list[int]]:
    ids: list[list[int]] = []
    for start in range(0, len(texts), 1000):  # chunks keep memory flat on the 25,000-review test set
        ids.extend(
            tokenizer(texts[start : start + 1000], add_special_tokens=False, truncation=False, verbose=False)[
                "input_ids"
            ]
        )
    return ids


def encode(
    tokenizer, texts: Iterable[str], *, truncation: str = "head_tail", max_length: int = 512
) -> tuple[list[list[int]], int]:
    """``(input ids with [CLS]/[SEP], number of texts that were truncated)``; one tokenisation, no truncation."""
    texts = validate_texts(texts)
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    if cls_id is None or sep_id is None:
        raise ValueError(
            f"{type(tokenizer).__name__} has no [CLS]/[SEP] token ids; a BERT-style tokenizer is needed"
        )
    raw = _raw_ids(tokenizer, texts)
    n_truncated = sum(len(ids) > max_length - 2 for ids in raw)
    return [[cls_id, *truncate_ids(ids, truncation, max_length), sep_id] for ids in raw], n_truncated


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int):
    """Right-padded ``input_ids`` and ``attention_mask`` tensors for one batch."""
    import torch

    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def length_grouped_batches(lengths: Sequence[int], batch_size: int, rng=0) -> list[np.ndarray]:
    """Shuffled batches of similar-length examples (what transformers' ``LengthGroupedSampler`` does): shuffle,
    sort by length (longest first) within mega-batches of 50 batches, split, shuffle the batches. ``rng``: a seed
    or a ``numpy`` Generator, which a caller drawing several epochs passes on so that each draws anew."""
    rng = np.random.default_rng(rng)
    order = rng.permutation(len(lengths))
    mega = batch_size * 50
    batches = []
    for start in range(0, len(order), mega):
        chunk = order[start : start + mega]
        chunk = chunk[np.argsort([-lengths[i] for i in chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def tokenize_dataset(
    tokenizer, dataset, *, truncation: str = "head_tail", max_length: int = 256, label_map=None
):
    """A ``datasets.Dataset`` of ``input_ids``, ``attention_mask``, ``labels`` and ``length``, the labels turned into
    the model's output indices by ``label_map`` (:func:`helpers.labels.imdb_label_map`)."""
    from datasets import Dataset

    ids, _ = encode(tokenizer, list(dataset["text"]), truncation=truncation, max_length=max_length)
    imdb_to_model = {imdb: index for index, imdb in (label_map or {0: 0, 1: 1}).items()}
    labels = [imdb_to_model[int(y)] for y in dataset["label"]]
    return Dataset.from_dict(
        {
            "input_ids": ids,
            "attention_mask": [[1] * len(x) for x in ids],
            "labels": labels,
            "length": [len(x) for x in ids],
        }
    )
