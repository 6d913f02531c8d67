"""Batched, length-sorted inference with an explicit truncation strategy.

Reviews are tokenised once *without* truncation; the strategy is then applied to the token ids:

* ``head``: the first ``max_length - 2`` tokens;
* ``head_tail`` (Sun et al. 2019, "How to Fine-Tune BERT for Text Classification?"): the first ``n_head`` and the
  last ``n_tail`` tokens, where for ``max_length = 512`` ``n_head = 128`` and ``n_tail = 382``. For other lengths
  the head keeps the same share of the budget: ``n_head = round(128 / 510 × (max_length - 2))`` and
  ``n_tail = max_length - 2 - n_head`` (e.g. 256 → 64 + 190, 128 → 32 + 94).

``[CLS]`` and ``[SEP]`` are then added from the tokenizer's special-token ids. Batches are formed from
length-sorted reviews (little padding), and results come back in the order the texts were given.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import ledger
from helpers.devices import choose_device, device_name
from helpers.evaluation import write_results
from helpers.labels import imdb_label_map
from helpers.precision import PrecisionChoice, autocast, choose_precision

TRUNCATIONS = ("head", "head_tail")
HEAD_TOKENS_AT_512 = 128  # Sun et al. 2019: head 128 + tail 382 of a 510-token budget


@dataclass
class Predictions:
    """Per-review predictions in input order: IMDB label (0/1), P(positive), timing, truncation count, and how
    they were computed (precision, device)."""

    labels: np.ndarray
    p_pos: np.ndarray
    seconds: float
    n_truncated: int
    precision: str = "fp32"
    device: str = "cpu"
    precision_choice: dict[str, Any] | None = None  # helpers.precision.PrecisionChoice.as_dict()
    batch_size: int | None = None

    def __len__(self) -> int:
        return len(self.labels)


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


EVAL_BATCH_SIZES = {"cuda": 64, "cpu:bf16": 32, "cpu:fp32": 8}


def eval_batch_size(choice: PrecisionChoice) -> int:
    """Reviews per forward pass when ``batch_size="auto"``, by device and precision.

    On a GPU 64. On a CPU, 32 in bf16 (the bf16 matrix units of AMX / AVX-512 BF16 run long batches at their best;
    length-sorted batches keep padding small) and 8 in fp32, where batches of 32 ran slower than 8 (fp32 attention
    over 32 × 512 tokens at once leaves the caches; seed test reviews at 512 tokens: 10.5 reviews/s at 32 against
    13.5 at 8). ``python -m helpers.bench`` times ``auto`` against the ``pipeline`` baselines on the machine at hand.
    """
    if choice.capability.device_type == "cuda":
        return EVAL_BATCH_SIZES["cuda"]
    return EVAL_BATCH_SIZES[f"cpu:{'bf16' if choice.precision == 'bf16' else 'fp32'}"]


def quantize_int8(model):
    """A copy of ``model`` with int8 dynamic quantization of its linear layers (a CPU speed lever; check accuracy)."""
    import copy
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notice in favour of torchao
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
        )


def predict(
    model,
    tokenizer,
    texts: Iterable[str],
    *,
    truncation: str = "head_tail",
    max_length: int = 512,
    batch_size: int | str = "auto",
    precision: str = "auto",
    progress: bool = True,
    desc: str = "predicting",
    device=None,
) -> Predictions:
    """Sentiment predictions for ``texts`` in input order (IMDB labels: 0 = neg, 1 = pos).

    Labels are read by name (:func:`helpers.labels.imdb_label_map`), so a model whose output 0 is
    POSITIVE works too. Longest batches first: an out-of-memory error shows up at once, not at the end.
    ``precision``: ``auto`` (default) lets the hardware decide (:func:`helpers.precision.choose_precision`:
    bf16 autocast where the device computes it natively, else fp32, fp16 on GPUs without bf16); ``batch_size``
    ``auto`` follows the precision (:func:`eval_batch_size`). ``device``: where to run (default :func:`helpers.devices.choose_device`: CUDA when available); the model
    is moved there and stays there.
    """

    import torch
    from tqdm import tqdm

    device = choose_device(device)
    choice = choose_precision(precision, device)
    batch_size = eval_batch_size(choice) if batch_size == "auto" else batch_size
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer or 'auto', got {batch_size!r}")
    label_map = imdb_label_map(model)
    pos_index = next(i for i, label in label_map.items() if label == 1)
    to_imdb = np.array([label_map[i] for i in range(len(label_map))])
    started = time.perf_counter()
    ids, n_truncated = encode(tokenizer, texts, truncation=truncation, max_length=max_length)
    order = np.argsort([-len(x) for x in ids], kind="stable")
    model.to(device)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    probs = np.empty((len(ids), len(label_map)), dtype=np.float64)
    was_training = model.training
    model.eval()
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    try:
        with torch.inference_mode(), autocast(choice, device):
            for batch in tqdm(
                batches, desc=desc, unit="batch", disable=not progress, mininterval=15, ascii=True
            ):
                inputs = {k: v.to(device) for k, v in pad_batch([ids[i] for i in batch], pad_id).items()}
                logits = model(**inputs).logits.float()
                probs[batch] = torch.softmax(logits, dim=-1).cpu().numpy()
    finally:
        model.train(was_training)
    ledger.record(read=sum(len(x) for x in ids), what=desc)
    return Predictions(
        labels=to_imdb[probs.argmax(axis=1)],
        p_pos=probs[:, pos_index],
        seconds=time.perf_counter() - started,
        n_truncated=int(n_truncated),
        precision=choice.precision,
        device=device_name(device),
        precision_choice=choice.as_dict(),
        batch_size=batch_size,
    )


def write_run(
    pred: Predictions,
    test: Any,
    *,
    profile: str,
    model_key: str,
    model: str,
    data_source: Any,
    model_source: Any,
    train_seconds: float | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a transformer's predictions on ``test`` (with ``review_id`` and ``label``) through
    :func:`helpers.evaluation.write_results` (the twin of :func:`helpers.classical.write_run`); returns the record.

    Every record says how the test was scored: ``eval_precision``, ``eval_precision_choice`` (what was asked and
    the capability it was decided from) and ``device`` come from ``pred``."""
    extra = {
        "eval_precision": pred.precision,
        "eval_precision_choice": pred.precision_choice,
        "device": pred.device,
        **(extra or {}),
    }
    return write_results(
        profile=profile,
        model_key=model_key,
        model=model,
        data_source=data_source,
        model_source=model_source.as_dict() if hasattr(model_source, "as_dict") else model_source,
        review_ids=list(test["review_id"]),
        y_true=np.asarray(test["label"]),
        y_pred=pred.labels,
        p_pos=pred.p_pos,
        train_seconds=train_seconds,
        predict_seconds=pred.seconds,
        extra=extra,
    )


@dataclass
class TruncationComparison:
    """Two truncation strategies on the same reviews: only the long ones (beyond the budget) are scored again."""

    paired: Any  # pandas DataFrame: ``label`` and ``<strategy>:pred`` for both strategies, in input order
    strategies: list[str]  # [the strategy given, the other one]
    long_idx: np.ndarray  # positions of the reviews longer than the budget
    mcnemar: dict[str, Any] | None  # on the long reviews only; None when there are none
    summary: dict[str, dict[str, float]]  # per strategy: accuracy on all and on the long reviews, n_long


def compare_truncation(
    model,
    tokenizer,
    texts,
    labels,
    pred: Predictions,
    lengths,
    *,
    truncation: str,
    max_length: int,
    batch_size: int | str = "auto",
    precision: str = "auto",
    progress: bool = True,
):
    """``pred`` (made with ``truncation`` at ``max_length``) against the other strategy: the reviews longer than
    ``max_length - 2`` word pieces (``lengths``, without special tokens) are predicted again with it, the rest
    keep their predictions (they would be identical); a :class:`TruncationComparison`."""
    import pandas as pd

    from helpers.evaluation import mcnemar_test

    other = "head" if truncation == "head_tail" else "head_tail"
    long_idx = np.flatnonzero(np.asarray(lengths) > max_length - 2)
    paired = pd.DataFrame({"label": np.asarray(labels), f"{truncation}:pred": pred.labels})
    paired[f"{other}:pred"] = pred.labels
    if not len(long_idx):
        return TruncationComparison(paired, [truncation, other], long_idx, None, {})
    alt = predict(
        model,
        tokenizer,
        [texts[i] for i in long_idx],
        truncation=other,
        max_length=max_length,
        batch_size=batch_size,
        precision=precision,
        progress=progress,
        desc=f"long reviews ({other})",
    )
    paired.loc[long_idx, f"{other}:pred"] = alt.labels
    long_only = paired.iloc[long_idx]
    summary = {
        name: {
            "accuracy_all": float((paired[f"{name}:pred"] == paired["label"]).mean()),
            "accuracy_long": float((long_only[f"{name}:pred"] == long_only["label"]).mean()),
            "n_long": len(long_idx),
        }
        for name in (truncation, other)
    }
    test = mcnemar_test(long_only["label"], long_only[f"{truncation}:pred"], long_only[f"{other}:pred"])
    return TruncationComparison(paired, [truncation, other], long_idx, test, summary)
