"""Shared fixtures: tiny Hub-style IMDB parquet folders built in milliseconds."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

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
