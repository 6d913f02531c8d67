import numpy as np
import pytest
from datasets import Dataset, DatasetDict

from helpers import exploration


def test_split_summary_counts_classes():
    data = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b", "c"], "label": [0, 1, 1]})})
    row = exploration.split_summary(data).loc["train"]
    assert (row["reviews"], row["neg"], row["pos"]) == (3, 1, 2)
    assert row["positive share"] == pytest.approx(2 / 3)


def test_word_counts():
    assert exploration.word_counts(["one two  three", ""]).tolist() == [3, 0]


def test_length_summary_share_over_limit():
    summary = exploration.length_summary({"x": np.array([10, 600, 700, 100])})
    assert summary.loc["x", "share > 512"] == 0.5 and summary.loc["x", "max"] == 700
    words = exploration.length_summary(
        {"words": np.array([600]), "pieces": np.array([600])}, limited=["pieces"]
    )
    assert np.isnan(words.loc["words", "share > 512"]) and words.loc["pieces", "share > 512"] == 1.0


def test_markup_summary_counts_tags_and_entities():
    table = exploration.markup_summary(["a<br /><br />b", "c &amp; <i>d</i>", "plain"]).set_index("markup")
    assert table.loc["<br />", "occurrences"] == 2 and table.loc["<br />", "reviews"] == 1
    assert table.loc["<br />", "reads as"] == "line break" and table.loc["&amp;", "reads as"] == "&"
    assert table.loc["&amp;", "reviews"] == 1 and table.loc["<i>", "occurrences"] == 1
    assert table.loc["<br />", "share of reviews"] == pytest.approx(1 / 3)


def test_duplicate_summary_within_and_across_splits():
    data = DatasetDict(
        {
            "train": Dataset.from_dict({"text": ["x", "x", "y", "z"], "label": [1, 0, 1, 0]}),
            "test": Dataset.from_dict({"text": ["y", "w", "w", "w"], "label": [1, 0, 0, 0]}),
        }
    )
    table = exploration.duplicate_summary(data)
    assert table.loc["within train"].tolist() == [1, 1, 1]  # "x" twice, with two labels
    assert table.loc["within test", "extra copies"] == 2
    assert table.loc["train ∩ test", "texts with copies"] == 1


def test_indicative_words_rank_by_evidence_not_rarity():
    texts = ["great film"] * 40 + ["bad film"] * 40 + ["great"] * 5 + ["rarename great"] * 1
    labels = [1] * 40 + [0] * 40 + [0] * 5 + [1]
    table = exploration.indicative_words(texts, labels, k=1, min_reviews=2)
    assert table.set_index("indicates")["word"].to_dict() == {"pos": "great", "neg": "bad"}


def test_length_buckets_edges():
    buckets = exploration.length_buckets([1, 128, 129, 512, 513])
    assert buckets.tolist() == ["≤128", "≤128", "129–256", "257–512", ">512"]
    assert buckets.cat.ordered


def test_length_buckets_follow_the_model_budget():
    buckets = exploration.length_buckets([0, 129, 510, 511], limit=510)
    assert buckets.tolist() == ["≤128", "129–256", "257–510", ">510"]
    assert exploration.length_buckets([100, 101], limit=100).tolist() == ["≤100", ">100"]


def test_text_traits_and_group_comparison():
    cut = exploration.text_traits(["a", "b", "c"], [510, 511, 512])["over 510 word pieces"]
    assert cut.tolist() == [False, True, True]  # word pieces: 511 + [CLS] + [SEP] is over the 512 positions
    traits = exploration.text_traits(["Not good, but fine. 7/10", "great"], [600, 3])
    assert traits["states a score"].tolist() == [True, False]
    assert traits.loc[0, "contrast words per 100 words"] == pytest.approx(100 / 5)
    summary = exploration.compare_groups(traits, {"long": np.array([True, False])})
    assert summary.loc["long (n=1)", "median tokens"] == 600
