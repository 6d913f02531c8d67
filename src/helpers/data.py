"""IMDB and SST-2: loading (explicit path → env var → Hub → bundled copy), validation, sampling, cleaning.

Every loader returns the data together with a :class:`DataSource` that says where it came from;
that description travels into every result the data feeds.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from helpers import environment
from helpers.hub import FALLBACK_RECORD, Provenance, from_hub
from helpers.labels import LABEL_NAMES
from helpers.paths import DATA_DIR, display_path

log = logging.getLogger(__name__)

IMDB_HUB_ID = "stanfordnlp/imdb"
SST2_HUB_ID = "stanfordnlp/sst2"
FEATURES = Features({"text": Value("string"), "label": ClassLabel(names=list(LABEL_NAMES))})


@dataclass(frozen=True)
class BundledFile:
    split: str
    rows: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.split}-00000-of-00001.parquet"


# The offline copies in data/, copied once from the Hub-identical parquet exports (see data/README.md).
BUNDLED = {
    "imdb": (
        BundledFile("train", 25_000, "1a89057532cebdead794df49073fbf5ee21059cd72d0b0310da059bf5c6b015c"),
        BundledFile("test", 25_000, "7fda268b5f67d7414fcf214fece18528cfd1e9a2850a3f90dffc5047495ad5f3"),
    ),
    "sst2": (
        BundledFile("train", 67_349, "17a57fde192e135efa4ffdbb072179867014cacc5fe5d3b77b8ac8e56cb06876"),
        BundledFile("validation", 872, "6151c7121af5d8900f1854a7c8b434967a9870adbede34717d774dd19587466f"),
    ),
}
TEXT_COLUMN = {"imdb": "text", "sst2": "sentence"}
HUB_ID = {"imdb": IMDB_HUB_ID, "sst2": SST2_HUB_ID}


class DataError(RuntimeError):
    """Data that is missing, unreadable or not what it claims to be; the message names the file and the fix."""


@dataclass(frozen=True)
class DataSource(Provenance):
    """Where a dataset came from: ``kind`` is ``path``, ``hub`` or ``bundled``."""

    dataset: str
    kind: str
    location: str
    note: str = ""

    def where(self) -> str:
        return {
            "path": f"local files {self.location}",
            "hub": f"Hugging Face Hub {self.location}",
            "bundled": f"bundled copy {self.location} (byte-identical to {HUB_ID[self.dataset]})",
        }[self.kind]


# ----------------------------------------------------------------------------------------------- loading
def load_imdb(path: str | os.PathLike | None = None, source: str = "auto") -> tuple[DatasetDict, DataSource]:
    """IMDB ``train`` and ``test`` as a DatasetDict (``text``, ``label``: 0 = neg, 1 = pos) and its source. ``source``:
    ``auto`` (``path`` → ``$IMDB_DATA_DIR`` → Hub unless unreachable → bundled copy), ``path``, ``hub`` or ``bundled``.
    """
    return _load("imdb", path, source)


def load_sst2(path: str | os.PathLike | None = None, source: str = "auto") -> tuple[DatasetDict, DataSource]:
    """GLUE SST-2 ``train`` and ``validation`` with the sentence renamed to ``text`` (0 = negative, 1 = positive)."""
    return _load("sst2", path, source)


def _load(name: str, path, source: str) -> tuple[DatasetDict, DataSource]:
    if source not in {"auto", "path", "hub", "bundled"}:
        raise ValueError(f"source must be auto, path, hub or bundled, not {source!r}")
    path = path or environment.data_dir(name)
    if source == "path" and path is None:
        raise DataError(f"source='path' needs a folder: pass path=… or set {environment.DATA_DIRS[name]}")
    if path is not None and source in {"auto", "path"}:
        folder = Path(path).expanduser()
        return _read_folder(name, folder, expected=None), DataSource(name, "path", display_path(folder))
    note = ""
    if source in {"auto", "hub"}:
        data, reason = from_hub(lambda: _read_hub(name))
        if data is not None:
            return data, DataSource(name, "hub", HUB_ID[name])
        if source == "hub":
            raise DataError(
                f"Cannot load {HUB_ID[name]} from the Hub: {reason}. Use source='bundled' to work offline."
            )
        note = f"Hub not used: {reason}"
        log.warning("%s: %s; using the bundled copy", HUB_ID[name], reason, extra=FALLBACK_RECORD)
    folder = DATA_DIR / name
    data = _read_folder(name, folder, expected={f.split: f for f in BUNDLED[name]})
    return data, DataSource(name, "bundled", display_path(folder), note)


def _read_hub(name: str) -> DatasetDict:
    from datasets import load_dataset

    splits = [f.split for f in BUNDLED[name]]
    loaded = load_dataset(HUB_ID[name], split=splits)
    data = DatasetDict(dict(zip(splits, loaded, strict=True)))
    return DatasetDict({s: _normalise(name, ds.data.table, f"{HUB_ID[name]}:{s}") for s, ds in data.items()})


def _read_folder(name: str, folder: Path, expected: dict[str, BundledFile] | None) -> DatasetDict:
    """Read ``<split>-*.parquet`` files from a Hub-style folder, verifying each one."""
    splits = [f.split for f in BUNDLED[name]]
    if not folder.is_dir():
        raise DataError(f"{display_path(folder)} is not a folder. {_fix(name)}")
    out = {}
    for split in splits:
        files = sorted(folder.glob(f"{split}-*.parquet"))
        if not files:
            raise DataError(f"No {split}-*.parquet in {display_path(folder)}. {_fix(name)}")
        if expected is not None:
            _verify_checksum(name, files, expected[split])
        tables = []
        for file in files:
            try:
                tables.append(pq.read_table(file))
            except (pa.ArrowInvalid, OSError) as error:
                raise DataError(
                    f"{display_path(file)} is not a readable parquet file ({error}). {_fix(name)}"
                ) from error
        table = pa.concat_tables(tables, promote_options="default")
        dataset = _normalise(name, table, display_path(files[0]))
        if expected is not None and len(dataset) != expected[split].rows:
            raise DataError(
                f"{display_path(files[0])} has {len(dataset):,} rows, expected {expected[split].rows:,}. {_fix(name)}"
            )
        out[split] = dataset
    return DatasetDict(out)


def _verify_checksum(name: str, files: list[Path], expected: BundledFile) -> None:
    file = files[0]
    if len(files) != 1 or file.name != expected.filename:
        raise DataError(f"Expected exactly {expected.filename} in {display_path(file.parent)}. {_fix(name)}")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    if digest != expected.sha256:
        raise DataError(
            f"{display_path(file)} is corrupt (sha256 {digest[:12]}…, expected {expected.sha256[:12]}…). "
            f"{_fix(name)}"
        )


def _fix(name: str) -> str:
    return (
        f"Fix: restore it with `git checkout -- data/{name}` (or re-clone), point {environment.DATA_DIRS[name]} at a folder "
        f"of Hub-style parquet files, or load from the Hub ({HUB_ID[name]})."
    )


def _normalise(name: str, table: pa.Table, where: str) -> Dataset:
    """Check the schema and labels and return a Dataset with exactly ``text`` and ``label`` (a ClassLabel)."""
    text_col = TEXT_COLUMN[name]
    missing = {text_col, "label"} - set(table.column_names)
    if missing:
        raise DataError(
            f"{where}: missing column(s) {sorted(missing)}; found {table.column_names}. {_fix(name)}"
        )
    if not pa.types.is_string(table.schema.field(text_col).type) and not pa.types.is_large_string(
        table.schema.field(text_col).type
    ):
        raise DataError(
            f"{where}: column {text_col!r} must hold text, found {table.schema.field(text_col).type}"
        )
    texts = table.column(text_col)
    labels = np.asarray(table.column("label").to_numpy(zero_copy_only=False))
    if texts.null_count:
        raise DataError(f"{where}: {texts.null_count} missing text(s). {_fix(name)}")
    bad = ~np.isin(labels, [0, 1])
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: labels must be 0 or 1; row {first} has {labels[first].item()!r} "
            f"({int(bad.sum())} such rows). {_fix(name)}"
        )
    clean = pa.table({"text": texts.cast(pa.string()), "label": pa.array(labels.astype(np.int64))})
    return Dataset(clean).cast(FEATURES)


# ----------------------------------------------------------------------------------------------- ids and sampling
def review_ids(texts: list[str]) -> list[str]:
    """Stable ids from the text itself (sha1, 12 hex digits), so they match across Hub and bundled copies.

    Exact duplicates get ``-2``, ``-3`` … in the order they are given.
    """
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        ids.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return ids


def with_review_ids(dataset: Dataset) -> Dataset:
    """The dataset in a canonical, source-independent order (by text hash) with a ``review_id`` column."""
    texts, labels = dataset["text"], dataset["label"]
    digests = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    order = sorted(range(len(texts)), key=lambda i: (digests[i], labels[i]))
    ordered = dataset.select(order)
    return ordered.add_column("review_id", review_ids(ordered["text"]))


def stratified_sample(dataset: Dataset, n: int | None, seed: int) -> Dataset:
    """``n`` reviews with the class balance of ``dataset``, the same for the same seed on every machine (drawn from the
    canonical order, :func:`with_review_ids`); ``n=None`` (or ``n >= len``) keeps every review."""
    if "review_id" not in dataset.column_names:
        dataset = with_review_ids(dataset)
    if n is None or n >= len(dataset):
        return dataset
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    labels = np.asarray(dataset["label"])
    classes, counts = np.unique(labels, return_counts=True)
    per_class = np.floor(counts / counts.sum() * n).astype(int)
    for i in np.argsort(-(counts / counts.sum() * n - per_class))[: n - per_class.sum()]:
        per_class[i] += 1  # largest remainders get the leftover rows
    rng = np.random.default_rng(seed)
    chosen = np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
            for c, k in zip(classes, per_class, strict=True)
        ]
    )
    return dataset.select(np.sort(chosen))


def fingerprint(dataset: Dataset, n: int = 16) -> str:
    """``n`` hex digits of SHA-1 over the reviews' ids (or texts) and labels: the same reviews, the same print."""
    key = "review_id" if "review_id" in dataset.column_names else "text"
    digest = hashlib.sha1()
    for value, label in zip(dataset[key], dataset["label"], strict=True):
        digest.update(f"{value}\t{label}\n".encode())
    return digest.hexdigest()[:n]


def train_validation_split(
    dataset: Dataset, validation_size: int | float, seed: int
) -> tuple[Dataset, Dataset]:
    """A stratified, seeded (train, validation) split carved from a training set; the test set is never touched."""
    if "review_id" not in dataset.column_names:
        dataset = with_review_ids(dataset)
    n_val = (
        int(round(validation_size * len(dataset)))
        if isinstance(validation_size, float)
        else int(validation_size)
    )
    if not 0 < n_val < len(dataset):
        raise ValueError(f"validation_size must leave both parts non-empty (got {n_val} of {len(dataset)})")
    validation = stratified_sample(dataset, n_val, seed)
    held_out = set(validation["review_id"])
    train = dataset.filter(lambda row: row["review_id"] not in held_out)
    return train, validation


def finetune_data(
    train_split: Dataset, n_validation: int, n_train: int | None, seed: int
) -> tuple[Dataset, Dataset]:
    """``(train, validation)``, cleaned: notebook 04's fine-tuning reviews, which notebook 05 retrains its winner on.

    The validation reviews are carved from the IMDB **training** split first (:func:`train_validation_split`),
    then ``n_train`` reviews (None: all the rest) are a stratified sample of what is left."""
    pool, validation = train_validation_split(train_split, n_validation, seed)
    train = clean_reviews(stratified_sample(pool, n_train, seed))
    return train, clean_reviews(validation)


# ----------------------------------------------------------------------------------------------- cleaning
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def clean_text(text: str) -> str:
    """Remove the raw reviews' markup: ``<br />`` (any spelling) becomes a line break, other HTML tags are dropped,
    entities unescaped, runs of spaces collapsed; words and punctuation are untouched."""
    text = _BREAK.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _SPACE.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def clean_reviews(dataset: Dataset | DatasetDict) -> Dataset | DatasetDict:
    """Apply :func:`clean_text` to every review (never done silently on load). Review ids are taken from the raw text
    first, so cleaning before or after :func:`stratified_sample` selects the same reviews with the same ids.
    """
    if isinstance(dataset, DatasetDict):
        return DatasetDict({split: clean_reviews(part) for split, part in dataset.items()})
    if "review_id" not in dataset.column_names:
        dataset = with_review_ids(dataset)
    return dataset.map(lambda batch: {"text": [clean_text(t) for t in batch["text"]]}, batched=True)


def test_sample(imdb: DatasetDict, n_test: int | None, seed: int, *, clean: bool = True) -> Dataset:
    """The seeded, stratified sample of ``n_test`` IMDB test reviews every notebook scores (cleaned by default)."""
    sample = stratified_sample(imdb["test"], n_test, seed)
    return clean_reviews(sample) if clean else sample
