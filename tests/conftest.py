"""Shared fixtures: tiny Hub-style IMDB parquet folders and a tiny random model, built in seconds."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

POS = [
    "A wonderful, moving film.<br /><br />Loved it.",
    "Great acting and a superb script.",
    "Best film this year!",
    "Brilliant &amp; funny.",
    "I enjoyed every minute.",
    "An excellent cast, a perfect ending.",
]
NEG = [
    "The worst film I have seen.",
    "Boring, stupid and far too long.<br />Avoid.",
    "A waste of time.",
    "Awful acting; terrible plot.",
    "Bad. Just bad.",
    "Nothing happens and nobody cares.",
]


def write_imdb_folder(folder, train=None, test=None):
    """Write ``train-…`` and ``test-…`` parquet files (text, label) like the Hub's export."""
    folder.mkdir(parents=True, exist_ok=True)
    default = {"text": POS + NEG, "label": [1] * len(POS) + [0] * len(NEG)}
    for split, table in (("train", train or default), ("test", test or default)):
        pq.write_table(pa.table(table), folder / f"{split}-00000-of-00001.parquet")
    return folder


@pytest.fixture
def imdb_dir(tmp_path):
    return write_imdb_folder(tmp_path / "imdb")


def toy_reviews(n: int, offset: int = 0) -> Dataset:
    """``n`` distinct short reviews of varied length, alternating labels (for training and search tests)."""
    words = ["good", "bad", "film", "plot", "superb", "boring", "the", "acting", "was", "really"]
    texts = [
        " ".join(words[(i + j) % len(words)] for j in range(5 + i % 7)) + f" review {i + offset}"
        for i in range(n)
    ]
    return Dataset.from_dict({"text": texts, "label": [i % 2 for i in range(n)]})


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """``(model, tokenizer, source)`` of the tiny random DistilBERT, built once per test session."""
    from helpers.modeling import build_tiny_model, load_classifier

    return load_classifier("path", build_tiny_model(tmp_path_factory.mktemp("models") / "tiny"))
