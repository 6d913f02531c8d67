"""Notebook 05's readings: what the trials show (did the sampler beat its random start, how far apart the complete
trials are), the search's best against the retrained winner's test accuracy (never a gap between the two), the
tuned model against notebook 04's on the same test reviews (the verdict is notebook 06's), and what the search's
minutes bought."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.catalog import FINE_TUNED, TUNED
from helpers.evaluation import wilson_interval
from helpers.paired import Difference, paired_difference
from helpers.story.phrases import paired_interval, points
from helpers.tables import p_text


def search_reading(trials: pd.DataFrame, startup_trials: int, n_validation: int) -> str:
    """Whether the sampler beat its own random start-up trials, how many complete trials lie within one reading's
    noise of the best, and how far the complete trials' values spread. ``trials``: :func:`helpers.search.trials_frame`.

    The trials are scored on the same validation reviews, but they keep no per-review predictions, so no paired
    comparison is possible: the yardstick is one reading's 95% binomial interval at ``n_validation`` reviews, and
    the sentence says it is a rough, unpaired one."""
    complete = trials[(trials["state"] == "COMPLETE") & trials["value"].notna()]
    if complete.empty:
        return f"None of the {len(trials)} trials completed, so there is no best trial to read."
    best = complete.sort_values(["value", "number"], ascending=[False, True]).iloc[0]
    low, high = wilson_interval(round(best["value"] * n_validation), n_validation)
    width = high - low
    near = int((complete["value"] >= best["value"] - width / 2).sum())
    near_text = (
        f"All {near} complete trials"
        if near == len(complete)
        else f"{near} of the {len(complete)} complete trials"
    )
    span = complete["value"].max() - complete["value"].min()
    spread = (
        f"narrower than that interval's full width ({100 * width:.1f} points): by this yardstick the complete"
        " trials' settings score alike"
        if span <= width
        else f"wider than that interval's full width ({100 * width:.1f} points): by this yardstick some settings"
        " score differently"
    )
    return (
        f"{sampler_text(trials, complete, best, startup_trials)} {near_text} lie"
        f" within ±{100 * width / 2:.1f} points of the best, the 95% binomial interval of one reading of"
        f" {n_validation:,} reviews; their values span {complete['value'].min():.3f}–{complete['value'].max():.3f}"
        f" ({100 * span:.1f} points), {spread}. That yardstick is rough and unpaired: the trials are scored on the"
        " same reviews, and telling two of them apart would need their per-review predictions, which the trials do"
        " not keep. Pruned trials stopped early and are left out."
    )


def sampler_text(trials: pd.DataFrame, complete: pd.DataFrame, best: pd.Series, startup_trials: int) -> str:
    """Whether the best trial is one of the random start-up trials (by number; a retry counts as the trial it
    repeats), and the sampler's best proposal against the start-up trials' best."""
    origin = trials["retry_of"].fillna(trials["number"]) if "retry_of" in trials else trials["number"]
    start = complete[origin[complete.index] < startup_trials]
    proposed = complete[origin[complete.index] >= startup_trials]
    n_proposed = int((origin >= startup_trials).sum())
    head = f"The first {startup_trials} trials are the sampler's random start-up"
    winner = f"the winner, trial {int(best['number'])}"
    if not n_proposed:
        return f"{head}, and there were no others: the sampler never proposed a setting."
    if proposed.empty:
        return (
            f"{head}. None of its {n_proposed} proposals completed, so {winner}, is a random start-up trial."
        )
    if start.empty:
        return (
            f"{head}. No start-up trial completed; {winner}, is one of the sampler's {n_proposed} proposals."
        )
    top = proposed.sort_values(["value", "number"], ascending=[False, True]).iloc[0]
    versus = (
        f"its best proposal, trial {int(top['number'])} ({top['value']:.3f}), against the best start-up trial's"
        f" {start['value'].max():.3f}: {points(top['value'] - start['value'].max())}"
    )
    if best["number"] in set(start["number"]):  # ties go to the earlier trial, as the search's best does
        return f"{head}. {winner[0].upper() + winner[1:]}, is one of them: the sampler did not beat it ({versus})."
    return (
        f"{head}. {winner[0].upper() + winner[1:]}, is one of the sampler's {n_proposed} proposals: {versus}."
    )


def search_summary(
    *,
    n_trials: int,
    n_pruned: int,
    n_train_search: int,
    n_validation: int,
    best_validation: float,
    test_accuracy: float,
    test_ci: tuple[float, float],
    n_train_final: int | None,
    n_test: int | None = None,
    test_max_length: int | None = None,
    validation_max_length: int | None = None,
) -> list[str]:
    """Two Markdown bullets: the search's best validation score, a maximum over tries (biased upward), and the
    retrained winner's test accuracy with its Wilson interval. The two are never set against each other: other
    reviews, and (when the numbers say so) more training reviews and a longer reading."""
    read = f", read at {validation_max_length} tokens" if validation_max_length else ""
    search = (
        f"- **The search** ran {n_trials} trials ({n_pruned} pruned) on {n_train_search:,} training reviews; its best"
        f" validation accuracy, {best_validation:.3f}, is the highest of {n_trials} scores on the same"
        f" {n_validation:,} validation reviews{read}: a maximum over tries, biased upward as an estimate of the"
        " winner."
    )
    unlike = ["on other reviews"]
    if n_train_final and n_train_final != n_train_search:
        unlike.append(f"by a model retrained on {n_train_final:,} reviews instead of {n_train_search:,}")
    if test_max_length and validation_max_length and test_max_length != validation_max_length:
        unlike.append(f"reading {test_max_length} tokens per review instead of {validation_max_length}")
    on = f" on {n_test:,} test reviews" if n_test else ""
    winner = (
        f"- **The number to quote** is the test accuracy of the retrained best configuration: **{test_accuracy:.3f}**"
        f" (95% CI {test_ci[0]:.3f}–{test_ci[1]:.3f}){on}. It is not set against that validation score: it is"
        f" measured {' and '.join([', '.join(unlike[:-1]), unlike[-1]] if len(unlike) > 1 else unlike)}, so the"
        " two are not like for like."
    )
    return [search, winner]


def _predictions_from_counts(comparison: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(label, pred A, pred B)`` with the McNemar row's counts: right by both, by A only, by B only, by neither.
    A paired difference and its bootstrap interval depend on the reviews only through these counts."""
    n, only_a, only_b = int(comparison["n"]), int(comparison["only A right"]), int(comparison["only B right"])
    both = round(comparison["accuracy A"] * n) - only_a
    cells = np.repeat([0, 1, 2, 3], [both, only_a, only_b, n - both - only_a - only_b])
    a_wrong, b_wrong = np.isin(cells, [2, 3]), np.isin(cells, [1, 3])  # every label is 0: a wrong guess is 1
    return np.zeros(n, dtype=int), a_wrong.astype(int), b_wrong.astype(int)


def tuned_reading(
    comparison: dict[str, Any],
    *,
    fine_label: str,
    n_train: dict[str, int | None],
    n_validation: int,
    paired: pd.DataFrame | None = None,
    readings: dict[str, tuple[int, str]] | None = None,
) -> str:
    """One Markdown bullet: the tuned model against notebook 04's on the same test reviews, as the difference in
    points with its paired 95% interval and McNemar's p, unadjusted; which is better is notebook 06's verdict.

    ``comparison``: a McNemar row (model A = ``fine_tuned``, B = ``tuned``); ``paired``: the per-review predictions
    (``label``, ``<key>:pred``), else rebuilt from the row's counts; ``readings``: each key's test reading,
    ``(max_length, truncation)``. A pair trained on different numbers of reviews, or reading the test differently, is
    not like for like: the sentence says so and reads no difference."""
    head = f"- **Against notebook 04's {fine_label}** ({comparison['accuracy A']:.3f})"
    n_fine, n_tuned = n_train.get(FINE_TUNED), n_train.get(TUNED)
    unlike = []
    if n_fine and n_tuned and n_fine != n_tuned:
        unlike.append(f"trained on {n_tuned:,} reviews against {n_fine:,}")
    if readings and readings.get(TUNED) != readings.get(FINE_TUNED):
        tokens = {key: "{} tokens ({})".format(*readings.get(key, ("?", "?"))) for key in (TUNED, FINE_TUNED)}
        unlike.append(f"reads the test at {tokens[TUNED]} against {tokens[FINE_TUNED]}")
    if unlike:
        return (
            f"{head}: the tuned model {' and '.join(unlike)}, so the two are not like for like: a difference would"
            " mix the settings with the data or the reading, and none is read here."
        )
    if paired is not None:
        label, fine, tuned = paired["label"], paired[f"{FINE_TUNED}:pred"], paired[f"{TUNED}:pred"]
    else:
        label, fine, tuned = _predictions_from_counts(comparison)
    diff: Difference = paired_difference(label, tuned, fine)
    same = (
        " and read the test the same way ({} tokens, {}):".format(*readings[TUNED])
        if readings
        else ": as long as they read the test the same way,"
    )
    made_of = (
        f" Both trained on the same {n_tuned:,} reviews{same} the difference is the hyperparameters, chosen"
        f" on {n_validation:,} validation reviews, plus one training run's noise each."
        if n_fine and n_tuned
        else " The results do not say how many reviews each trained on, so what the difference is made of is"
        " not known."
    )
    return (
        f"{head}: the tuned model scores {diff.a:.3f} on the same {diff.n:,} test reviews, {paired_interval(diff)};"
        f" McNemar p = {p_text(comparison['p value'])}, unadjusted (this pair alone). Whether either is more"
        " accurate is notebook 06's verdict, by McNemar's test Holm-adjusted over all the series' pairs."
        f"{made_of}"
    )


def search_bought(
    *,
    minutes: float,
    best_validation: float,
    n_validation: int,
    n_train_search: int,
    reference: float | None,
    reference_label: str,
    n_train_reference: int | None,
    retrained: tuple[float, float] | None = None,
    n_validation_04: int | None = None,
) -> list[str]:
    """Markdown bullets on what a search bought for its ``minutes``: its best validation accuracy (a maximum over
    trials) beside ``reference``, notebook 04's model on the same validation reviews and reading; and, when given,
    ``retrained`` = ``(tuned, 04's)`` validation accuracies on 04's validation reviews.

    No difference is read on validation reviews: the trials keep no per-review predictions, so a difference has
    no paired interval; the best trial is a maximum over tries; 04's model may have trained on more reviews; and
    both models' settings were chosen on 04's validation reviews. The paired comparison is on the test reviews."""
    bought = (
        f"- **What the search bought:** in {minutes:.0f} minutes its best trial reached {best_validation:.3f} on its"
        f" {n_validation:,} validation reviews, the best of its tries"
    )
    if reference is None:
        lines = [
            f"{bought}; {reference_label}'s checkpoint is not on this machine, so it was not scored on the same"
            " reviews."
        ]
    else:
        if n_train_reference and n_train_reference != n_train_search:
            why = (
                f"it trained on {n_train_reference:,} reviews to the trials' {n_train_search:,}, so the two are not"
                " like for like and no difference is read"
            )
        else:
            why = (
                "the trial's score is a maximum over tries and the trials keep no per-review predictions to pair"
                " with it, so no difference is read"
            )
        lines = [
            f"{bought}; {reference_label}, read the same way on the same reviews, scores {reference:.3f}, but {why}."
            " The comparison on the same footing is the retrained winner's, on the test reviews."
        ]
    if retrained is not None:
        tuned, theirs = retrained
        lines.append(
            f"- **Retrained on {reference_label}'s reviews,** the winner scores {tuned:.3f} on its"
            f" {n_validation_04:,} validation reviews against {theirs:.3f}. The learning rate of"
            f" {reference_label} was chosen on these reviews and the winner's settings on {n_validation:,} of them, and no"
            " per-review predictions are kept for a paired interval: the test reviews, not these, carry the"
            " comparison."
        )
    return lines
