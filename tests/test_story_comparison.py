"""Notebook 06's readings across groups of reviews: each built both ways and seen to flip."""

import numpy as np
import pandas as pd
import pytest

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
    one = comparison.score_groups_text(_by_group(groups, alone, sizes))
    assert (
        "The gap is resolved (p = 0.0" in one
        and "A is more accurate on the reviews that state a score" in one
    )
    crowded = comparison.score_groups_text(_by_group(groups, many, sizes))
    assert "No model's gap is resolved (Holm over the 7 models" in crowded
    assert "; nearest: A, p = 0.0" in crowded and "Holm-adjusted)." in crowded  # A: the smallest p alone


def test_one_model_s_gap_within_the_noise_says_so_without_a_multiplicity_rule():
    text = comparison.score_groups_text(
        _by_group(["states a score", "no score"], {"A": [0.91, 0.9]}, [160, 840])
    )
    assert "The gap is within the noise (p = " in text and "Holm" not in text and "not that it reads" in text


def test_the_reviews_every_model_gets_wrong_are_told_apart_only_by_a_trait_that_differs():
    rng = np.random.default_rng(0)
    n = 1000
    wrong = pd.Series(np.arange(n) < 40)
    traits = pd.DataFrame(
        {
            "tokens": rng.integers(50, 600, n),
            "states a score": rng.random(n) < 0.15,
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


def test_a_model_whose_errors_lean_one_way_is_named_and_a_balanced_one_is_not():
    y = np.array([0, 1] * 200)
    leaning = y.copy()
    leaning[1:80:2] = 0  # 40 positive reviews called negative, no negative called positive
    balanced = y.copy()
    balanced[:40] = 1 - balanced[:40]  # 20 of each kind
    paired = pd.DataFrame({"label": y, "a:pred": leaning, "b:pred": balanced})
    text = comparison.error_balance_text(paired, {"a": "A", "b": "B"})
    assert "A 40 / 0; B 20 / 20." in text and "A leans negative (Holm p = " in text and "B leans" not in text
    even = comparison.error_balance_text(paired, {"b": "B"})
    assert "No model's errors lean to one side beyond chance (exact binomial, Holm over 1 model)" in even


def test_the_accuracy_figure_sentence_reads_the_spread_and_sends_gaps_to_the_paired_tests():
    table = pd.DataFrame(
        {"model": ["A", "B"], "accuracy": [0.9, 0.85], "ci95 low": [0.88, 0.83], "ci95 high": [0.92, 0.87]}
    )
    text = comparison.accuracy_text(table)
    assert text.startswith("The accuracies run from 0.850 (B) to 0.900 (A), a spread of 5.0 points")
    assert "about ±2.0 points" in text and "paired tests below decide" in text


def _curves(accuracies, n_validation=1000) -> pd.DataFrame:
    """One model's learning curve on 500, 1,000, 2,000 reviews (given unsorted: the text sorts by n_train)."""
    return pd.DataFrame(
        {
            "model": ["TF-IDF"] * 3,
            "n_train": [2000, 500, 1000],
            "val_accuracy": [accuracies[2], accuracies[0], accuracies[1]],
            "n_validation": [n_validation] * 3,
        }
    )


def test_a_learning_curve_reads_its_last_step_by_the_widest_paired_interval_and_flips():
    gaining = comparison.learning_curve_text(_curves([0.80, 0.85, 0.95]))
    assert gaining.startswith(
        "TF-IDF goes from 0.800 on 500 reviews to 0.950 on 2,000, and was still gaining: its last step"
    )
    flat = comparison.learning_curve_text(_curves([0.80, 0.85, 0.86]))
    assert "its last step, from 1,000 to 2,000 reviews, changes it by +1.0 points (" in flat
    assert "cannot tell from noise" in flat
    falling = comparison.learning_curve_text(_curves([0.80, 0.95, 0.85]))
    assert "lost accuracy: its last step" in falling
    two = comparison.learning_curve_text(
        pd.concat([_curves([0.8, 0.85, 0.95]), _curves([0.8, 0.85, 0.86]).assign(model="BERT")])
    )
    assert two.startswith("TF-IDF") and "; BERT goes" in two
    assert "worst-case 95% interval" in flat  # a step was read: its interval is explained
    unknown = comparison.learning_curve_text(_curves([0.80, 0.85, 0.86]).drop(columns="n_validation"))
    assert unknown == "TF-IDF goes from 0.800 on 500 reviews to 0.860 on 2,000."  # no step, no gloss


def test_the_widest_paired_interval_holds_every_paired_interval_the_two_accuracies_allow():
    from helpers.paired import widest_paired_difference

    n = 1000
    widest = widest_paired_difference(0.88, 0.85, n)
    y = np.zeros(n, dtype=int)
    for overlap in (0, 50, 100, 120):  # how many of A's 120 errors B shares
        a = np.zeros(n, dtype=int)
        a[:120] = 1
        b = np.zeros(n, dtype=int)
        b[120 - overlap : 270 - overlap] = 1  # B's 150 errors
        low, high = _paired_normal(y, a, b)
        assert widest.low <= low + 1e-4 and high <= widest.high + 1e-4  # 1.96 here, the exact quantile there
    # no shared errors is the most disagreement 0.88 and 0.85 allow: there the two intervals are one
    b = np.zeros(n, dtype=int)
    b[120:270] = 1
    assert _paired_normal(y, a, b) == pytest.approx((widest.low, widest.high), abs=1e-4)


def _paired_normal(y, a, b):
    right_a, right_b = a == y, b == y
    n = len(y)
    only_a, only_b = (right_a & ~right_b).sum(), (~right_a & right_b).sum()
    diff = (only_a - only_b) / n
    half = 1.96 * np.sqrt((only_a + only_b) / n**2 - (only_a - only_b) ** 2 / n**3)
    return diff - half, diff + half


def test_a_gap_that_only_looks_resolved_alone_is_named_as_such():
    groups, sizes = ["states a score", "no score"], [160, 840]
    many = {"A": [0.97, 0.92], **{f"m{i}": [0.9, 0.9] for i in range(6)}}
    text = comparison.score_groups_text(_by_group(groups, many, sizes))
    assert "A would look resolved on its own, not once all 7 are counted" in text


def test_every_model_with_probabilities_is_read_for_calibration_and_a_shared_set_is_named():
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 1, 2000)
    y = (rng.uniform(0, 1, 2000) < p).astype(int)  # calibrated by construction
    paired = pd.DataFrame(
        {
            "label": y,
            "a:p_pos": p,
            "a:pred": (p >= 0.5).astype(int),
            "b:p_pos": p**3,
            "b:pred": (p**3 >= 0.5).astype(int),
        }
    )
    paired["c:p_pos"], paired["c:pred"] = paired["b:p_pos"], (paired["b:p_pos"] >= 0.2).astype(int)
    paired["d:p_pos"], paired["d:pred"] = np.nan, y
    names = {"a": "A", "b": "B", "c": "C", "d": "D"}
    table = comparison.calibration_table(paired, names)
    assert list(table.index) == ["A", "B", "C"]  # D has no probabilities
    text = comparison.calibration_text(table, paired, names)
    assert text.startswith("Roughly calibrated (expected calibration error at most 0.05): A.")
    assert "Not to be taken at face value: B (ECE" in text and "B and C share their probabilities" in text


def test_cost_frontier_text_lists_the_frontier_cheapest_first_and_what_it_beats():
    table = pd.DataFrame(
        {
            "model": ["BERT", "TF-IDF", "slow and bad"],
            "accuracy": [0.93, 0.88, 0.85],
            "seconds": [1200.0, 3.5, 5000.0],
            "frontier": [True, True, False],
        }
    )
    text = comparison.cost_frontier_text(table)
    assert text.startswith(
        "On the frontier, cheapest first: TF-IDF (0.880, 3.5 s) → BERT (0.930, 1,200.0 s)."
    )
    assert "scored at least as high here: slow and bad; whether those accuracy gaps are real" in text
    alone = comparison.cost_frontier_text(table.assign(frontier=True))
    assert "Off it" not in alone and "→ slow and bad (0.850, 5,000.0 s)." in alone
    assert "kind of CPU" not in text  # no CPU named: nothing said


def test_seconds_from_more_than_one_kind_of_cpu_are_said_to_be_so():
    table = pd.DataFrame(
        {
            "model": ["tuned", "fine-tuned", "zero-shot", "TF-IDF"],
            "accuracy": [0.92, 0.91, 0.87, 0.92],
            "seconds": [1400.0, 4000.0, 100.0, 27.0],
            "frontier": [False, False, False, True],
            "cpu": ["AMX", "AVX2", "AVX2", None],
        }
    )
    text = comparison.cost_frontier_text(table)
    assert text.endswith(
        "The transformers' seconds come from more than one kind of CPU (AMX: tuned; AVX2: fine-tuned, zero-shot),"
        " so a ratio between those groups mixes the set-up with the machine."
    )
    one = comparison.cost_frontier_text(table.assign(cpu=["AVX2", "AVX2", "AVX2", None]))
    assert "kind of CPU" not in one


def test_example_labels_name_a_moved_threshold_and_only_that():
    from helpers.present import decision_labels

    results = {"a": ({"threshold": 0.228}, None), "b": ({"threshold": 0.5}, None), "c": ({}, None)}
    named = decision_labels(results, {"a": "A", "b": "B", "c": "C"})
    assert named == {"a": "A (positive at ≥ 0.228)", "b": "B", "c": "C"}
