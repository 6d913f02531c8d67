"""Batched, length-sorted prediction of one :class:`helpers.specs.Reading`, written under the results contract.
Reviews are tokenised once and cut by the reading's strategy (:mod:`helpers.tokens`); results come back in input
order. Also notebook 03's truncation experiment (:func:`compare_truncation`) and int8 quantisation.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from helpers import ledger
from helpers.devices import choose_device, device_name
from helpers.labels import imdb_label_map
from helpers.precision import autocast, choose_precision
from helpers.results_files import write_results
from helpers.specs import Reading
from helpers.tokens import encode, pad_batch


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
    reading: Reading | None = None  # how the texts were read

    def __len__(self) -> int:
        return len(self.labels)


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
    reading: Reading | None = None,
    *,
    progress: bool = True,
    desc: str = "predicting",
) -> Predictions:
    """Sentiment predictions for ``texts`` in input order (IMDB labels: 0 = neg, 1 = pos), read as ``reading`` says
    (default ``Reading()``). Labels are read by name (:func:`helpers.labels.imdb_label_map`). Longest batches first,
    so an out-of-memory error shows at once. The model is moved to the reading's device and stays there.
    """
    import torch
    from tqdm import tqdm

    reading = reading or Reading()
    device = choose_device(reading.device)
    choice = choose_precision(reading.precision, device)
    batch_size = reading.batch_size_for(choice)
    label_map = imdb_label_map(model)
    pos_index = next(i for i, label in label_map.items() if label == 1)
    to_imdb = np.array([label_map[i] for i in range(len(label_map))])
    started = time.perf_counter()
    ids, n_truncated = encode(tokenizer, texts, truncation=reading.truncation, max_length=reading.max_length)
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
        reading=reading,
    )


def accuracy(
    model, tokenizer, reviews, reading: Reading, *, progress: bool = False, desc: str = "accuracy"
) -> float:
    """Accuracy of ``model`` on ``reviews`` (``text``, ``label``: a dataset or frame), read as ``reading`` says."""
    pred = predict(model, tokenizer, list(reviews["text"]), reading, progress=progress, desc=desc)
    return float((pred.labels == np.asarray(reviews["label"])).mean())


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
    :func:`helpers.results_files.write_results`, with how the test was read (from ``pred``); returns the record.
    """
    extra = {
        "truncation": pred.reading.truncation,
        "test_max_length": pred.reading.max_length,
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


def write_threshold_run(
    pred: Predictions, val_pred: Predictions, choice: dict[str, Any], test: Any, **where: Any
) -> tuple[Predictions, dict[str, Any]]:
    """``pred`` decided at the threshold ``choice`` picked on the validation reviews (``val_pred``,
    :func:`helpers.evaluation.choose_threshold`), written as the results row ``zero_shot_recalibrated``;
    ``where``: ``profile``, ``data_source`` and ``model_source`` as :func:`write_run` takes them. Returns the
    new predictions and the record."""
    moved = replace(pred, labels=(pred.p_pos >= choice["threshold"]).astype(np.int64))
    name = getattr(where["model_source"], "name", str(where["model_source"]))
    record = write_run(
        moved,
        test,
        model_key="zero_shot_recalibrated",
        model=f"{name}, threshold chosen on validation",
        train_seconds=val_pred.seconds,
        extra={
            "threshold": choice["threshold"],
            "n_validation": len(val_pred),
            "threshold_choice": "the best validation accuracy (ties: nearest 0.5), midpoints of the scores",
            "validation_accuracy": choice["accuracy"],
            "validation_accuracy_at_0.5": choice["accuracy_at_0.5"],
            "text": "cleaned (data.clean_text)",
        },
        **where,
    )
    return moved, record


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
    reading: Reading,
    *,
    progress: bool = True,
):
    """``pred`` (made with ``reading``) against the other truncation strategy: the reviews longer than
    ``reading.max_length - 2`` word pieces (``lengths``, without special tokens) are predicted again with it, the
    rest keep their predictions (they would be identical); a :class:`TruncationComparison`."""
    import pandas as pd

    from helpers.evaluation import mcnemar_test

    truncation = reading.truncation
    other = "head" if truncation == "head_tail" else "head_tail"
    long_idx = np.flatnonzero(np.asarray(lengths) > reading.max_length - 2)
    paired = pd.DataFrame({"label": np.asarray(labels), f"{truncation}:pred": pred.labels})
    paired[f"{other}:pred"] = pred.labels
    if not len(long_idx):
        return TruncationComparison(paired, [truncation, other], long_idx, None, {})
    alt = predict(
        model,
        tokenizer,
        [texts[i] for i in long_idx],
        reading.with_(truncation=other),
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
