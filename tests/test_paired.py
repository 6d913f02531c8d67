"""Paired intervals, shares with intervals, the series' one rule for "better" and the study's sampling error: each
reading built both ways, and seen to flip."""

import numpy as np
import pandas as pd
import pytest

from helpers import paired


def _predictions(y, accuracy, rng):
    return np.where(rng.random(y.size) < accuracy, y, 1 - y)


def _with_discordant(y, only_a, only_b, both_wrong=50):
    """Predictions of A and B on ``y`` with exactly ``only_a`` reviews only A gets right, ``only_b`` only B."""
    a, b = y.copy(), y.copy()
    b[:only_a] = 1 - y[:only_a]
    a[only_a : only_a + only_b] = 1 - y[only_a : only_a + only_b]
    wrong = slice(only_a + only_b, only_a + only_b + both_wrong)
    a[wrong], b[wrong] = 1 - y[wrong], 1 - y[wrong]
    return a, b


def test_the_paired_interval_matches_the_paired_normal_interval_and_is_narrower_than_the_unpaired():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 1000)
    a, b = _with_discordant(y, only_a=40, only_b=20)
    diff = paired.paired_difference(y, a, b)
    n, disc, net = 1000, 60, 20
    half = 1.96 * np.sqrt(disc / n**2 - net**2 / n**3)
    assert diff.value == pytest.approx(0.02)
    assert diff.low == pytest.approx(0.02 - half, abs=0.003) and diff.high == pytest.approx(
        0.02 + half, abs=0.003
    )
    unpaired = 1.96 * np.sqrt(diff.a * (1 - diff.a) / n + diff.b * (1 - diff.b) / n)
    assert diff.high - diff.low < 2 * unpaired  # the same reviews: most of the noise is shared
    assert diff.excludes_zero
    even = paired.paired_difference(y, *_with_discordant(y, only_a=30, only_b=30))
    assert not even.excludes_zero and even.value == 0


def test_the_same_seed_gives_the_same_interval_and_mismatched_reviews_are_refused():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 300)
    a, b = _predictions(y, 0.9, rng), _predictions(y, 0.8, rng)
    assert paired.paired_difference(y, a, b) == paired.paired_difference(y, a, b)
    with pytest.raises(ValueError, match="same, non-empty"):
        paired.paired_difference(y, a[:-1], b)


def test_a_share_of_a_resolved_gain_has_an_interval_and_of_an_unresolved_gain_none():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 1000)
    base = _predictions(y, 0.80, rng)
    full = np.where(rng.random(1000) < 0.8, y, base)  # most of base's errors fixed
    part = np.where(rng.random(1000) < 0.4, full, base)  # about 40% of them
    share = paired.recovered_share(y, base, part, full)
    assert share.gain.excludes_zero and share.low is not None
    assert share.low < share.value < share.high and 0.2 < share.value < 0.6
    noisy_full = _predictions(y, 0.81, rng)  # no real gain over base
    unresolved = paired.recovered_share(y, base, part, noisy_full)
    assert unresolved.low is None and unresolved.high is None
    no_gain = paired.recovered_share(y, base, part, base)
    assert no_gain.value is None


def _results(y, preds):
    ids = np.arange(y.size)
    return {
        key: ({"model_key": key}, pd.DataFrame({"review_id": ids, "label": y, "pred": p, "p_pos": np.nan}))
        for key, p in preds.items()
    }


def test_better_needs_holm_over_every_pair_and_flips_with_the_sign():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 1000)
    a, b = _with_discordant(y, only_a=35, only_b=18)  # McNemar p about 0.03: unadjusted, "better"
    others = {f"m{i}": _predictions(y, 0.7, np.random.default_rng(10 + i)) for i in range(4)}
    alone = paired.series_comparisons(_results(y, {"a": a, "b": b}))
    crowd = paired.series_comparisons(_results(y, {"a": a, "b": b, **others}))
    for series, told_apart, n_pairs in ((alone, True, 1), (crowd, False, 15)):
        verdict = series.verdict("b", "a")
        assert verdict.p_value < 0.05 and verdict.n_pairs == n_pairs
        assert (verdict.winner == "a") is told_apart, (verdict.holm_p_value, told_apart)
        assert verdict.difference.value == pytest.approx(0.017) and verdict.difference.excludes_zero
    table = crowd.table({k: k.upper() for k in ("a", "b", "m0", "m1", "m2", "m3")})
    row = table[(table["model A"] == "A") & (table["model B"] == "B")].iloc[0]
    assert row["points"] == "+1.7" and (row["only A right"], row["only B right"]) == (35, 18)
    assert row["told apart"] == "no" and len(table) == 15
    swapped = paired.series_comparisons(_results(y, {"a": b, "b": a}))
    assert swapped.verdict("a", "b").winner == "b"
    assert not crowd.verdict("a", "b").told_apart and crowd.verdict("a", "b").more == "a"
    with pytest.raises(KeyError, match="no McNemar test for the pair a / z"):
        alone.verdict("a", "z")


def test_the_study_gap_carries_both_samples_error():
    inside = paired.study_gap(900, 1000, 0.91, 1000)
    assert inside.within_sampling_error and inside.low < -0.01 < 0.01 < inside.high
    below = paired.study_gap(860, 1000, 0.91, 1000)
    assert not below.within_sampling_error and below.high < 0
    ours_alone = 1.96 * np.sqrt(0.86 * 0.14 / 1000)
    assert (
        below.high - below.low > 2 * ours_alone
    )  # wider than our interval alone: the study's error counts too
