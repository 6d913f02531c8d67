"""helpers.comparisons: every model on the same reviews."""

from __future__ import annotations

import numpy as np
import pandas as pd
from support.builders import write_toy_results as _write

from helpers import comparisons


# ----------------------------------------------------------------------------------------------- Wilson interval
def test_compare_with_saved_pairs_by_review_and_tests(tmp_path):
    _write(tmp_path, model_key="saved")  # right on a, b, d; wrong on c
    test = {"review_id": ["d", "c", "b", "e"], "label": [0, 1, 0, 1]}  # "e" was never saved
    new = comparisons.compare_with_saved("smoke", "saved", "new", test, [0, 1, 1, 1], folder=tmp_path)
    assert new.n_missing == 1 and len(new.paired) == 3
    assert new.paired.loc["c", "new:pred"] == 1 and new.paired.loc["c", "saved:pred"] == 0
    assert new.mcnemar["model A"] == "saved" and new.mcnemar["model B"] == "new"
    assert (new.mcnemar["only A right"], new.mcnemar["only B right"]) == (1, 1)
    assert new.saved_record["model_key"] == "saved"
    assert (
        comparisons.compare_with_saved("smoke", "absent", "new", test, [0, 1, 1, 1], folder=tmp_path) is None
    )


def test_key_comparisons_keep_only_the_pairs_the_series_asks_about():
    keys = ["bow_random_forest", "tfidf_logreg", "nbsvm", "zero_shot", "fine_tuned", "tuned", "ensemble"]
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
    tests = pd.DataFrame({"model A": [a for a, _ in pairs], "model B": [b for _, b in pairs]})
    kept = comparisons.key_comparisons(
        tests, classical_best="nbsvm", ensemble_members=["fine_tuned", "nbsvm"]
    )
    assert {frozenset(p) for p in zip(kept["model A"], kept["model B"], strict=True)} == {
        frozenset(p)
        for p in [
            ("bow_random_forest", "nbsvm"),
            ("zero_shot", "fine_tuned"),
            ("fine_tuned", "tuned"),
            ("nbsvm", "fine_tuned"),
            ("ensemble", "fine_tuned"),
            ("ensemble", "nbsvm"),
        ]
    }
    without = comparisons.key_comparisons(
        tests
    )  # no classical choice, no ensemble: the transformer pairs only
    assert len(without) == 2


# ----------------------------------------------------------------------------------------------- mutation pass (issue 24)
def test_compare_with_saved_keeps_scores_and_finds_nothing_in_an_empty_folder(tmp_path, monkeypatch):
    assert comparisons.compare_with_saved("smoke", "saved", "new", {}, [], folder=tmp_path) is None
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    _write(tmp_path / "results" / "smoke", model_key="saved")
    test = {"review_id": ["a", "b"], "label": [1.0, 0.0]}
    with_scores = comparisons.compare_with_saved("smoke", "saved", "new", test, [1.0, 1.0], [0.75, 0.5])
    assert with_scores.paired["new:p_pos"].tolist() == [0.75, 0.5]
    assert with_scores.paired["new:pred"].dtype == np.int64 and with_scores.paired["label"].dtype == np.int64
    without = comparisons.compare_with_saved("smoke", "saved", "new", test, [1, 1])
    assert without.paired["new:p_pos"].isna().all()
