"""Notebook 06's readings across groups of reviews: each built both ways and seen to flip."""

import numpy as np
import pandas as pd

from helpers.story import comparison


def _by_group(groups, accuracies, sizes):
    """An accuracy_by_bucket table: one row per (group, model)."""
    rows = []
    for model, accs in accuracies.items():
        for group, accuracy, n in zip(groups, accs, sizes, strict=True):
            rows.append({"bucket": group, "model": model, "n": n, "accuracy": accuracy})
    return pd.DataFrame(rows)


def test_a_gap_is_resolved_only_beyond_both_groups_noise_and_holm_over_the_models():
    groups, sizes = ["≤128", "129–510", ">510"], [200, 600, 200]
    resolved = comparison.length_text(
        _by_group(groups, {"A": [0.95, 0.9, 0.75], "B": [0.9, 0.9, 0.89]}, sizes)
    )
    assert resolved.startswith(
        "Accuracy on the 200 longest reviews (>510 word pieces) minus accuracy on the 200"
    )
    assert "A -20.0 points (" in resolved and "resolved for A (lower, Holm p" in resolved
    assert "B (" not in resolved.split("resolved for")[1]
    noise = comparison.length_text(_by_group(groups, {"A": [0.95, 0.9, 0.91], "B": [0.9, 0.9, 0.89]}, sizes))
    assert "No model's gap is resolved (Holm over the 2 models" in noise


def test_a_gap_that_one_test_resolves_is_not_resolved_among_many_models():
    groups, sizes = ["states a score", "no score"], [160, 840]
    alone = {"A": [0.97, 0.92]}  # p about 0.02 on its own
    many = {**alone, **{f"m{i}": [0.9, 0.9] for i in range(6)}}
    assert "resolved for A (higher" in comparison.score_groups_text(_by_group(groups, alone, sizes))
    assert "No model's gap is resolved (Holm over the 7 models" in comparison.score_groups_text(
        _by_group(groups, many, sizes)
    )


def test_the_reviews_every_model_gets_wrong_are_told_apart_only_by_a_trait_that_differs():
    rng = np.random.default_rng(0)
    n = 1000
    wrong = pd.Series(np.arange(n) < 40)
    traits = pd.DataFrame(
        {
            "tokens": rng.integers(50, 600, n),
            "states an x/10 score": rng.random(n) < 0.15,
            "negative": rng.random(n) < 0.5,
        }
    )
    text = comparison.shared_errors_text(traits, wrong)
    assert text.startswith(
        "The 40 reviews every model gets wrong against the other 960: none of the 3 traits"
    )
    traits.loc[wrong, "negative"] = True  # every shared error is a negative review
    text = comparison.shared_errors_text(traits, wrong)
    assert "they differ in negative (100% against" in text and "Holm over 3 traits" in text
