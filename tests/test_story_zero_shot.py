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
