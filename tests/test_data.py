import hashlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset, DatasetDict
from support.builders import NEG, POS, write_imdb_folder

from helpers import data
from helpers.data import DataError


def test_loads_explicit_folder_and_says_so(imdb_dir):
    imdb, source = data.load_imdb(imdb_dir)
    assert set(imdb) == {"train", "test"}
    assert imdb["train"].column_names == ["text", "label"]
    assert imdb["train"].features["label"].names == ["neg", "pos"]
    assert len(imdb["test"]) == len(POS) + len(NEG)
    assert source.kind == "path" and "local files" in str(source)


def test_env_var_is_used_when_no_path_given(imdb_dir, monkeypatch):
    monkeypatch.setenv("IMDB_DATA_DIR", str(imdb_dir))
    _, source = data.load_imdb()
    assert source.kind == "path"


def test_offline_falls_back_to_bundled_copy_and_records_why(monkeypatch):
    monkeypatch.delenv("IMDB_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    imdb, source = data.load_imdb()
    assert source.kind == "bundled"
    assert "HF_HUB_OFFLINE" in source.note
    assert len(imdb["train"]) == len(imdb["test"]) == 25_000
    assert sorted(set(imdb["test"]["label"])) == [0, 1]


def test_hub_only_raises_a_clear_error_when_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="bundled"):
        data.load_imdb(source="hub")


def test_missing_folder_and_missing_split_name_the_problem(tmp_path, imdb_dir):
    with pytest.raises(DataError, match="not a folder"):
        data.load_imdb(tmp_path / "nowhere")
    (imdb_dir / "test-00000-of-00001.parquet").unlink()
    with pytest.raises(DataError, match=r"No test-\*\.parquet"):
        data.load_imdb(imdb_dir)


def test_corrupt_file_is_named(imdb_dir):
    (imdb_dir / "train-00000-of-00001.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="train-00000-of-00001.parquet is not a readable parquet file"):
        data.load_imdb(imdb_dir)


def test_corrupt_bundled_copy_fails_its_checksum(tmp_path, monkeypatch):
    folder = write_imdb_folder(tmp_path / "imdb")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="corrupt"):
        data.load_imdb()
    assert folder.exists()  # nothing deleted or rewritten


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"review": ["x"], "label": [1]}, "missing column"),
        ({"text": ["x", "y"], "label": [1, 2]}, "row 1 has 2"),
        ({"text": [1, 2], "label": [1, 0]}, "must hold text"),
        ({"text": ["x", None], "label": [1, 0]}, "missing text"),
    ],
)
def test_schema_and_label_validation(tmp_path, table, message):
    folder = write_imdb_folder(tmp_path / "bad", train=table)
    with pytest.raises(DataError, match=message):
        data.load_imdb(folder)


def test_sst2_sentence_is_renamed_to_text(tmp_path):
    folder = tmp_path / "sst2"
    folder.mkdir()
    for split in ("train", "validation"):
        pq.write_table(
            pa.table({"idx": [0, 1], "sentence": ["good", "bad"], "label": [1, 0]}),
            folder / f"{split}-00000-of-00001.parquet",
        )
    sst2, source = data.load_sst2(folder)
    assert sst2["validation"]["text"] == ["good", "bad"] and source.dataset == "sst2"


def _toy(n_pos=60, n_neg=40):
    return Dataset.from_dict(
        {
            "text": [f"pos review {i}" for i in range(n_pos)] + [f"neg review {i}" for i in range(n_neg)],
            "label": [1] * n_pos + [0] * n_neg,
        }
    )


def test_sample_is_stratified_and_deterministic():
    sample = data.stratified_sample(_toy(), 10, seed=7)
    assert len(sample) == 10 and sum(sample["label"]) == 6  # 60 % positive, like the source
    assert sample["review_id"] == data.stratified_sample(_toy(), 10, seed=7)["review_id"]
    assert sample["review_id"] != data.stratified_sample(_toy(), 10, seed=8)["review_id"]


def test_sample_does_not_depend_on_row_order():
    toy = _toy()
    shuffled = toy.shuffle(seed=3)
    assert (
        data.stratified_sample(toy, 20, seed=1)["review_id"]
        == data.stratified_sample(shuffled, 20, seed=1)["review_id"]
    )


def test_sample_none_keeps_everything_and_rejects_nonsense():
    assert len(data.stratified_sample(_toy(), None, seed=1)) == 100
    with pytest.raises(ValueError):
        data.stratified_sample(_toy(), 0, seed=1)


def test_test_sample_is_the_seeded_stratified_test_sample_cleaned():
    imdb = DatasetDict({"test": _toy()})
    raw = data.test_sample(imdb, 10, 7, clean=False)
    assert raw["review_id"] == data.stratified_sample(_toy(), 10, seed=7)["review_id"]
    cleaned = data.test_sample(imdb, 10, 7)
    assert cleaned["review_id"] == raw["review_id"]
    assert cleaned["text"] == [data.clean_text(t) for t in raw["text"]]


def test_fingerprint_follows_the_reviews_and_labels():
    sample = data.stratified_sample(_toy(), 10, seed=7)
    flipped = sample.map(
        lambda row, i: {"label": 1 - row["label"] if i == 0 else row["label"]}, with_indices=True
    )
    assert data.fingerprint(sample) == data.fingerprint(sample.select(range(len(sample))))
    assert data.fingerprint(sample) != data.fingerprint(flipped)  # one label changed
    assert len(data.fingerprint(sample)) == 16 and len(data.fingerprint(sample, 12)) == 12
    assert data.fingerprint(sample) != data.fingerprint(data.stratified_sample(_toy(), 10, seed=8))


def test_review_ids_are_stable_and_unique_for_duplicates():
    ids = data.review_ids(["same", "other", "same"])
    assert ids[0] == hashlib.sha1(b"same").hexdigest()[:12]
    assert ids[2] == ids[0] + "-2" and len(set(ids)) == 3


def test_train_validation_split_is_disjoint_and_stratified():
    train, validation = data.train_validation_split(_toy(), 20, seed=0)
    assert len(train) == 80 and len(validation) == 20
    assert set(train["review_id"]).isdisjoint(validation["review_id"])
    assert sum(validation["label"]) == 12


@pytest.mark.parametrize("n_train", [None, 50])
def test_finetune_data_never_trains_on_a_validation_review(n_train):
    """A leak would inflate the learning-rate choice and the search's reference score."""
    toy = Dataset.from_dict(
        {"text": [f"review <br />{i}" for i in range(100)], "label": [i % 2 for i in range(100)]}
    )
    train, validation = data.finetune_data(toy, n_validation=30, n_train=n_train, seed=0)
    assert len(validation) == 30 and len(train) == (n_train or 70)
    assert set(train["review_id"]).isdisjoint(validation["review_id"])
    assert set(train["text"]).isdisjoint(validation["text"])  # the same review under no other id either
    assert not any("<br />" in text for text in [*train["text"], *validation["text"]])  # both cleaned


def test_clean_text_removes_markup_and_keeps_words():
    raw = "Great<br /><br />movie &amp; <i>fun</i>,  really<BR>good"
    assert data.clean_text(raw) == "Great\n\nmovie & fun , really\ngood"


def test_clean_reviews_is_explicit_and_leaves_the_original_alone():
    toy = Dataset.from_dict({"text": ["a<br />b"], "label": [1]})
    cleaned = data.clean_reviews(toy)
    assert cleaned["text"] == ["a\nb"] and toy["text"] == ["a<br />b"]
    assert cleaned["review_id"] == data.review_ids(["a<br />b"])  # ids come from the raw text


def test_cleaning_before_or_after_sampling_selects_the_same_reviews():
    toy = Dataset.from_dict(
        {"text": [f"review {i}<br />" for i in range(30)], "label": [i % 2 for i in range(30)]}
    )
    before = data.stratified_sample(data.clean_reviews(toy), 10, seed=3)
    after = data.clean_reviews(data.stratified_sample(toy, 10, seed=3))
    assert before["review_id"] == after["review_id"] and before["text"] == after["text"]
