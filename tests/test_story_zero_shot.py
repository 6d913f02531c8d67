"""Notebook 03's readings: the truncation strategies on the long reviews, the surest mistakes, the errors' balance
and the answer's wording."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from helpers.story import phrases, zero_shot

Y = np.array([0, 1] * 150)


def _comparison(kept_wrong: int, other_wrong: int):
    kept, other = Y.copy(), Y.copy()
    kept[:kept_wrong] = 1 - kept[:kept_wrong]
    other[100 : 100 + other_wrong] = 1 - other[100 : 100 + other_wrong]
    paired = pd.DataFrame({"label": Y, "head_tail:pred": kept, "head:pred": other})
    return SimpleNamespace(
        paired=paired, strategies=["head_tail", "head"], long_idx=np.arange(len(Y)), mcnemar={"p_value": 0.5}
    )


def test_the_truncation_reading_is_paired_and_flips_with_the_strategy_that_reads_better():
    better = zero_shot.truncation_text(_comparison(5, 40), 510)
    assert (
        "95% paired interval" in better and "keeping the head + tail reads the long reviews better" in better
    )
    worse = zero_shot.truncation_text(_comparison(40, 5), 510)
    assert "keeping the head would read the long reviews better" in worse
    assert "cannot be told from noise" in zero_shot.truncation_text(_comparison(10, 11), 510)
    none = SimpleNamespace(mcnemar=None)
    assert zero_shot.truncation_text(none, 510).startswith("No review here is longer than 510")


def test_the_surest_mistakes_are_the_most_confident_wrong_predictions_and_their_direction_is_read():
    pred = SimpleNamespace(labels=np.array([1, 0, 1, 0]), p_pos=np.array([0.99, 0.2, 0.6, 0.45]))
    mistakes = zero_shot.confident_mistakes(["a", "b", "c", "d"], ["x"] * 4, np.array([0, 0, 0, 1]), pred)
    assert list(mistakes["review_id"]) == ["a", "c", "d"]
    assert zero_shot.mistakes_text(mistakes, 3).startswith(
        "2 of these 3 are negative reviews called positive"
    )
    flipped = mistakes.assign(pred=0)
    assert zero_shot.mistakes_text(flipped, 3).startswith("3 of these 3 are positive reviews called negative")


def test_the_answer_keeps_a_question_mark_and_closes_a_statement():
    text = phrases.answer({"Does length matter?": "No.", "The threshold": "Moved."})
    assert text == "- **Does length matter?** No.\n- **The threshold.** Moved."


def _by_length(accuracies, sizes=(200, 400, 300, 100)):
    buckets = ["≤128", "129–256", "257–510", ">510"]
    return pd.DataFrame({"bucket": buckets, "model": "m", "n": list(sizes), "accuracy": list(accuracies)})


def test_the_cut_is_told_from_length_and_the_obstacles_name_only_what_is_resolved():
    y = np.array([0, 1] * 500)
    same, better = y.copy(), y.copy()
    same[:200] = 1 - same[:200]
    better[:100] = 1 - better[:100]  # the threshold fixes 100 reviews and breaks none
    # the cut reviews score like long ones read whole, both well below the short ones: length, not the window
    length = _by_length([0.95, 0.9, 0.8, 0.8])
    assert "a cost of length, not of the cut" in zero_shot.cut_text(length)
    text = zero_shot.obstacles_text(length, y, same, better)
    assert "length, not the window" in text and "where it draws the line" in text
    # the cut reviews alone score low: the window
    cut = _by_length([0.9, 0.9, 0.9, 0.7])
    assert "the cut itself matters" in zero_shot.cut_text(cut)
    assert "the 512-token window" in zero_shot.obstacles_text(cut, y, same, same)
    flat = zero_shot.obstacles_text(_by_length([0.9, 0.9, 0.9, 0.88]), y, same, same)
    assert flat.startswith("None of these is resolved")
    assert text.startswith("Two things do on these reviews:")
    assert "longest reviews score lower than the shortest" in text
    # the opposite direction: the longest reviews score higher, and the sentence says so
    higher = zero_shot.obstacles_text(_by_length([0.8, 0.9, 0.95, 0.95]), y, same, same)
    assert higher.startswith("One thing does") and "longest reviews score higher than the shortest" in higher
    assert "score lower" in zero_shot.obstacles_text(cut, y, same, same)


def test_the_model_line_names_the_stand_ins_sst2_accuracy_once_and_the_model_it_stands_in_for():
    source = "MiniLM-L6 fine-tuned on SST-2 (offline stand-in); SST-2 validation accuracy 0.894"
    text = zero_shot.model_text(
        "stand-in zero-shot", source, {0: "NEGATIVE"}, {0: 0}, {"sst2_validation_accuracy": 0.894}
    )
    assert text.count("0.894") == 1 and f"reports {zero_shot.SST2_DISTILBERT}" in text
    assert "DistilBERT" not in zero_shot.model_text("zero-shot", "distilbert", {0: "NEGATIVE"}, {0: 0}, None)
