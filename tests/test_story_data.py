"""Notebook 01's readings of the data, each built both ways."""

import numpy as np
import pandas as pd

from helpers import exploration
from helpers.story import data


def test_balance_is_a_fair_headline_only_when_both_classes_are_even():
    even = pd.DataFrame({"positive share": [0.5, 0.5]}, index=["train", "test"])
    assert "accuracy is a fair headline" in data.balance_text(even)
    skewed = pd.DataFrame({"positive share": [0.5, 0.7]}, index=["train", "test"])
    assert "A constant guess already scores 0.70" in data.balance_text(skewed)


def test_lengths_give_each_cut_share_an_interval_and_compare_the_classes():
    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 500)
    alike = rng.integers(50, 800, 1000)
    text = data.length_text(alike, labels, budget=510, train_length=256)
    assert "are longer than the 510 a model's window leaves" in text and "(95% CI" in text
    assert "are about as long" in text and "length says almost nothing" in text
    longer_positive = np.where(labels == 1, alike + 300, alike)
    assert "differ in length" in data.length_text(longer_positive, labels, budget=510, train_length=256)
    slightly = np.where(labels == 1, alike + 10, alike)  # a shift a large sample would call significant
    assert "are about as long" in data.length_text(slightly, labels, budget=510, train_length=256)


def test_train_test_overlap_is_counted_in_the_scored_sample_and_flips_to_none():
    in_train = exploration.in_training(["a", "b", "c"], ["b", "x"])
    assert in_train.tolist() == [False, True, False]
    some = data.overlap_text(np.array([True] * 3 + [False] * 97), np.array([True] + [False] * 9))
    assert some.startswith("3 of the 100 test reviews (3.0%) appear word for word in the training split")
    assert "in the 10 test reviews the later notebooks score, 1: a model could score them by memory" in some
    assert "memory cannot help" in data.overlap_text(np.array([True, False]), np.array([False]))


def test_the_stronger_side_of_the_word_evidence_is_named():
    words = pd.DataFrame(
        {
            "word": ["bad", "worst", "waste", "great", "excellent", "best"],
            "z_score": [-22.0, -20.0, -18.0, 15.0, 14.0, 12.0],
            "indicates": ["neg"] * 3 + ["pos"] * 3,
        }
    )
    assert "*bad*, *worst*, *waste* for negative" in data.words_text(words)
    assert "The negative side's is the stronger (|z| up to 22 against 15)" in data.words_text(words)
    flipped = words.assign(
        z_score=-words["z_score"], indicates=words["indicates"].map({"neg": "pos", "pos": "neg"})
    )
    assert "The positive side's is the stronger" in data.words_text(flipped)


def test_markup_names_the_line_break_and_how_rare_the_rest_is():
    markup = pd.DataFrame({"reads as": ["line break", "tag"], "reviews": [590, 1]})
    assert data.markup_text(markup, 1000).startswith("`<br />` appears in 59.0% (95% CI")
    assert "no other tag or entity appears in more than 1 of 1,000" in data.markup_text(markup, 1000)


def test_the_training_window_leaves_two_fewer_word_pieces_and_the_words_median_is_read():
    labels = np.array([0, 1] * 50)
    tokens = np.array([255] * 10 + [100] * 90)  # 255 word pieces do not fit a 256-token window
    text = data.length_text(tokens, labels, budget=510, train_length=256, words=np.array([80] * 100))
    assert (
        "10.0% (95% CI" in text.split("longer than the 510")[1]
        and "the 254 that notebook 04's 256-token" in text
    )
    assert "(80 words: a word is about 1.2 word pieces)" in text
