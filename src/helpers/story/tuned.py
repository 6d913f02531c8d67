"""Notebook 05's readings of the tuned model: against notebook 04's on the same test reviews (like for like or
not, the paired interval, the notebook's one-sentence answer; the verdict is notebook 06's), by class, the search's
best against the retrained winner's test accuracy (never a gap between the two), and what the search's minutes
bought."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.catalog import FINE_TUNED, TUNED
from helpers.paired import Difference, paired_difference
from helpers.story.fine_tuning import class_groups, gain_by_group_text
from helpers.story.phrases import paired_interval
from helpers.tables import p_text


def search_summary(
    *,
    n_trials: int,
    n_pruned: int,
    n_complete: int,
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
    of = (
        f"the highest of {n_complete} complete trials' values"
        if n_complete > 1
        else "the one complete trial's"
    )
    search = (
        f"- **The search** ran {n_trials} trials ({n_pruned} pruned) on {n_train_search:,} training reviews; its best"
        f" validation accuracy, {best_validation:.3f}, is {of} on the same"
        f" {n_validation:,} validation reviews{read}"
        + (": a maximum over tries, biased upward as an estimate of the winner." if n_complete > 1 else ".")
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


def _unlike(
    n_train: dict[str, int | None],
    readings: dict[str, tuple[int, str]] | None,
    precisions: dict[str, str | None] | None,
) -> list[str]:
    """What keeps the tuned model and notebook 04's from being like for like: reviews trained on, the test's
    reading, the training precision (each only when both are known and differ)."""
    n_fine, n_tuned = n_train.get(FINE_TUNED), n_train.get(TUNED)
    unlike = []
    if n_fine and n_tuned and n_fine != n_tuned:
        unlike.append(f"trained on {n_tuned:,} reviews against {n_fine:,}")
    if readings and readings.get(TUNED) != readings.get(FINE_TUNED):
        tokens = {key: "{} tokens ({})".format(*readings.get(key, ("?", "?"))) for key in (TUNED, FINE_TUNED)}
        unlike.append(f"reads the test at {tokens[TUNED]} against {tokens[FINE_TUNED]}")
    known = precisions and all(precisions.get(k) for k in (TUNED, FINE_TUNED))
    if known and precisions[TUNED] != precisions[FINE_TUNED]:
        unlike.append(f"trained in {precisions[TUNED]} against {precisions[FINE_TUNED]}")
    return unlike


def _tuned_difference(comparison: dict[str, Any], paired: pd.DataFrame | None) -> Difference:
    """Tuned minus notebook 04's accuracy on the same reviews, with its paired interval."""
    if paired is not None:
        label, fine, tuned = paired["label"], paired[f"{FINE_TUNED}:pred"], paired[f"{TUNED}:pred"]
    else:
        label, fine, tuned = _predictions_from_counts(comparison)
    return paired_difference(label, tuned, fine)


def tuned_reading(
    comparison: dict[str, Any],
    *,
    fine_label: str,
    n_train: dict[str, int | None],
    n_validation: int,
    paired: pd.DataFrame | None = None,
    readings: dict[str, tuple[int, str]] | None = None,
    precisions: dict[str, str | None] | None = None,
) -> str:
    """One Markdown bullet: the tuned model against notebook 04's on the same test reviews, as the difference in
    points with its paired 95% interval and McNemar's p, unadjusted; which is better is notebook 06's verdict.

    ``comparison``: a McNemar row (model A = ``fine_tuned``, B = ``tuned``); ``paired``: the per-review predictions
    (``label``, ``<key>:pred``), else rebuilt from the row's counts; ``readings``: each key's test reading,
    ``(max_length, truncation)``; ``precisions``: each key's training precision. A pair trained on different numbers
    of reviews or in another precision, or reading the test differently, is not like for like: the sentence says so
    and reads no difference."""
    head = f"- **Against notebook 04's {fine_label}** ({comparison['accuracy A']:.3f})"
    n_fine, n_tuned = n_train.get(FINE_TUNED), n_train.get(TUNED)
    if unlike := _unlike(n_train, readings, precisions):
        return (
            f"{head}: the tuned model {' and '.join(unlike)}, so the two are not like for like: a difference would"
            " mix the settings with the data, the reading or the arithmetic, and none is read here."
        )
    diff = _tuned_difference(comparison, paired)
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


def search_answer(
    comparison: dict[str, Any],
    *,
    fine_label: str,
    n_train: dict[str, int | None],
    paired: pd.DataFrame | None = None,
    readings: dict[str, tuple[int, str]] | None = None,
    precisions: dict[str, str | None] | None = None,
) -> str:
    """The notebook's answer in one sentence: did the search buy a better model than notebook 04's, read from the
    paired 95% interval of the difference on the same test reviews. An interval that holds zero is "not on these
    reviews" (and stays so once the series' pairs are counted); one that excludes it is left to notebook 06's
    family-wise verdict; a pair that is not like for like gets no answer."""
    if unlike := _unlike(n_train, readings, precisions):
        return (
            f"**No answer from these runs:** the tuned model {' and '.join(unlike)}, so a difference from"
            f" {fine_label} would not be the settings' alone."
        )
    diff = _tuned_difference(comparison, paired)
    scores = (
        f"the tuned model scores {diff.a:.3f} against {fine_label}'s {diff.b:.3f} on the same {diff.n:,} test"
        f" reviews, {paired_interval(diff)}"
    )
    if not diff.excludes_zero:
        return (
            f"**Not on these reviews:** {scores}. The interval holds zero before the series' other comparisons"
            f" are even counted, so these {diff.n:,} reviews cannot tell the search's settings from notebook 04's;"
            " how far another training seed would move either model is not measured here."
        )
    if diff.value > 0:
        return (
            f"**Possibly:** {scores}, an interval clear of zero on its own (unadjusted). Whether the tuned model is"
            " more accurate once all the series' pairs are counted is notebook 06's verdict."
        )
    return (
        f"**No:** {scores}, an interval below zero on its own (unadjusted): the search's settings did worse here"
        " than notebook 04's. Notebook 06 gives the verdict with all the series' pairs counted."
    )


def versus_fine_tuned(
    previous, tuned_record: dict[str, Any], *, fine_label: str, n_validation: int
) -> tuple[str, str]:
    """``(reading, answer)``: :func:`tuned_reading` and :func:`search_answer` for ``previous``
    (:func:`helpers.comparisons.compare_with_saved` against notebook 04's results, None when they are missing)."""
    if previous is None:
        missing = "No results of notebook 04's model here: run notebook 04 first."
        return f"- {missing}", f"**No answer from this run:** {missing[0].lower()}{missing[1:]}"
    records = {FINE_TUNED: previous.saved_record, TUNED: tuned_record}
    readings = {
        key: (record.get("test_max_length"), record.get("truncation")) for key, record in records.items()
    }
    facts = dict(
        n_train={key: record.get("n_train") for key, record in records.items()},
        readings=readings if all(all(reading) for reading in readings.values()) else None,
        precisions={key: record.get("train_precision") for key, record in records.items()},
        paired=previous.paired,
        fine_label=fine_label,
    )
    return (
        tuned_reading(previous.mcnemar, n_validation=n_validation, **facts),
        search_answer(previous.mcnemar, **facts),
    )


def class_trade_text(previous, label: str, fine_label: str) -> str:
    """The tuned model against notebook 04's within each class of review, as notebook 04 reads its own gain
    (``previous``: :func:`helpers.comparisons.compare_with_saved`; None without notebook 04's results)."""
    if previous is None:
        return "There are no results of notebook 04's model here to compare with, class by class."
    names = {f"{TUNED}:pred": f"{label}:pred", f"{FINE_TUNED}:pred": f"{fine_label}:pred"}
    paired = previous.paired.rename(columns=names)
    return gain_by_group_text(paired, class_groups(paired), label, fine_label, "class")


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

    No difference is read on validation reviews: the best trial is a maximum over tries; 04's model may have
    trained on more reviews; and both models' settings were chosen on 04's validation reviews. The paired
    comparison is on the test reviews."""
    bought = (
        f"- **What the search bought:** in {_minutes(minutes)} its best trial reached {best_validation:.3f} on its"
        f" {n_validation:,} validation reviews, the best of its tries"
    )
    if reference is None:
        lines = [
            f"{bought}; {reference_label} was not scored on these reviews: its saved model is not at hand in this"
            " run."
        ]
    else:
        if n_train_reference and n_train_reference != n_train_search:
            why = (
                f"it trained on {n_train_reference:,} reviews to the trials' {n_train_search:,}, so the two are not"
                " like for like and no difference is read"
            )
        else:
            why = "the trial's score is the maximum over its tries, biased upward, so no difference is read"
        lines = [
            f"{bought}; {reference_label}, read the same way on the same reviews, scores {reference:.3f}, but {why}."
            " The comparison on the same footing is the retrained winner's, on the test reviews."
        ]
    if retrained is not None:
        tuned, theirs = retrained
        lines.append(
            f"- **Retrained on {reference_label}'s reviews,** the winner scores {tuned:.3f} on its"
            f" {n_validation_04:,} validation reviews against {theirs:.3f}. The learning rate of"
            f" {reference_label} was chosen on these reviews and the winner's settings on {n_validation:,} of them,"
            " so both readings are biased in their favour: the test reviews, not these, carry the comparison."
        )
    return lines


def retrain_text(tuned, best_value: float, n_validation_search: int, n_validation_04: int) -> str:
    """The winner trained again on notebook 04's reviews: its validation reading, its minutes and its test score."""
    record, fit = tuned.record, tuned.fit
    low, high = record["accuracy_ci95"]
    how = "The best trial's saved run" if tuned.reused else "Trained again"
    return (
        f"{how}: validation accuracy {fit.best_val_accuracy:.3f} on notebook 04's {n_validation_04:,} validation"
        f" reviews (the search's best: {best_value:.3f} on its {n_validation_search:,}), {fit.seconds / 60:.1f} min"
        f" of training. **Test accuracy {record['accuracy']:.3f}** (95% CI {low:.3f}–{high:.3f}), n ="
        f" {record['n']:,}, read at {tuned.test_reading.max_length} tokens ({record['truncation']},"
        f" {record['eval_precision']}). **Model:** {record['model']}."
    )


def _minutes(minutes: float) -> str:
    """A duration in whole minutes, or "under a minute"."""
    return "under a minute" if minutes < 0.5 else f"{minutes:.0f} minute{'s' if round(minutes) != 1 else ''}"
