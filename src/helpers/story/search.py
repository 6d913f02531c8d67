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
from helpers.story.fine_tuning import class_groups, gain_by_group_text
from helpers.story.phrases import paired_interval, points, sentence_start
from helpers.story.zero_shot import STRATEGY_NAMES
from helpers.tables import p_text


def search_reading(
    trials: pd.DataFrame, startup_trials: int, n_validation: int, readings: dict[int, tuple] | None = None
) -> str:
    """Whether the sampler beat its own random start-up trials, how many complete trials the validation reviews
    cannot tell from the best, and how far the complete trials' values spread. ``trials``:
    :func:`helpers.search.trials_frame`; ``readings``: each complete trial's per-review predictions
    (:func:`helpers.search.trial_readings`).

    The trials are scored on the same validation reviews, so the best against another is a paired difference
    (unadjusted, and the best is the maximum of the tries, so its lead is if anything overstated). Without the
    readings, the yardstick is one reading's 95% binomial interval at ``n_validation`` reviews, said to be rough."""
    complete = trials[(trials["state"] == "COMPLETE") & trials["value"].notna()]
    if complete.empty:
        return f"None of the {len(trials)} trials completed, so there is no best trial to read."
    best = complete.sort_values(["value", "number"], ascending=[False, True]).iloc[0]
    readings = readings or {}
    others = [int(n) for n in complete["number"] if int(n) != int(best["number"])]
    span = complete["value"].max() - complete["value"].min()
    values = (
        f" Their values span {complete['value'].min():.3f}–{complete['value'].max():.3f} ({100 * span:.1f} points)."
        " Pruned trials stopped early and are left out."
    )
    sampler = sampler_text(trials, complete, best, startup_trials, readings)
    tied = [
        int(n)
        for n in complete.loc[complete["value"] == best["value"], "number"]
        if int(n) != int(best["number"])
    ]
    if tied:
        sampler += (
            f" Trial {int(best['number'])} shares its value, {best['value']:.3f}, with trial"
            f"{'s' if len(tied) > 1 else ''} {', '.join(map(str, tied))}: it wins the tie as the earlier trial."
        )
    if not others:
        return (
            f"{sampler} Only one trial completed ({complete['value'].iloc[0]:.3f}), so there is no other to set it"
            " against. Pruned trials stopped early and are left out."
        )
    if others and int(best["number"]) in readings and all(n in readings for n in others):
        labels, top = readings[int(best["number"])]
        gaps = [paired_difference(labels, top, readings[n][1]) for n in others]
        near = sum(not gap.excludes_zero for gap in gaps)
        if near == 0:
            tell = f"it is larger than the noise against each of the other {len(others)} complete trials"
        elif near == len(others):
            tell = f"it cannot be told from any of the other {len(others)} complete trials"
        else:
            tell = f"it cannot be told from {near} of the other {len(others)} complete trials"
        return (
            f"{sampler} On the same {labels.size:,} validation reviews, the best trial's lead over each other"
            f" complete trial has a paired 95% interval: {tell} (unadjusted; the best is"
            f" the highest of {len(complete)} complete trials' values, so its lead is if anything overstated).{values}"
        )
    return sampler + _unpaired_spread(complete, best, n_validation) + values


def _unpaired_spread(complete: pd.DataFrame, best: pd.Series, n_validation: int) -> str:
    """Without per-review readings: how many complete trials lie within one reading's binomial noise of the best."""
    low, high = wilson_interval(round(best["value"] * n_validation), n_validation)
    width = high - low
    near = int((complete["value"] >= best["value"] - width / 2).sum())
    near_text = (
        f"All {near} complete trials"
        if near == len(complete)
        else f"{near} of the {len(complete)} complete trials"
    )
    return (
        f" {near_text} lie within ±{100 * width / 2:.1f} points of the best, the 95% binomial interval of one"
        f" reading of {n_validation:,} reviews. That yardstick is rough and unpaired: the trials kept no per-review"
        " predictions to compare on the same reviews."
    )


def sampler_text(
    trials: pd.DataFrame,
    complete: pd.DataFrame,
    best: pd.Series,
    startup_trials: int,
    readings: dict | None = None,
) -> str:
    """Whether the best trial is one of the random start-up trials (by number; a retry counts as the trial it
    repeats), and the sampler's best proposal against the start-up trials' best (a paired interval when both
    have per-review ``readings``)."""
    origin = trials["retry_of"].fillna(trials["number"]) if "retry_of" in trials else trials["number"]
    start = complete[origin[complete.index] < startup_trials]
    proposed = complete[origin[complete.index] >= startup_trials]
    n_proposed = int((origin >= startup_trials).sum())
    head = f"The first {startup_trials} trials are the sampler's random start-up"
    winner = f"the winner, trial {int(best['number'])}"
    if not n_proposed:
        return f"{head}, and there were no others: the sampler never proposed a setting."
    if proposed.empty:
        none = (
            "Its one proposal did not complete"
            if n_proposed == 1
            else f"None of its {n_proposed} proposals completed"
        )
        return f"{head}. {none}, so {winner}, is a random start-up trial."
    if start.empty:
        return (
            f"{head}. No start-up trial completed; {winner}, is one of the sampler's {n_proposed} proposals."
        )
    top = proposed.sort_values(["value", "number"], ascending=[False, True]).iloc[0]
    first = start.sort_values(["value", "number"], ascending=[False, True]).iloc[0]
    versus = (
        f"its best proposal, trial {int(top['number'])} ({top['value']:.3f}), against the best start-up trial's"
        f" {first['value']:.3f}: "
    )
    pair = [int(top["number"]), int(first["number"])]
    if readings and all(n in readings for n in pair):
        versus += paired_interval(
            paired_difference(readings[pair[0]][0], readings[pair[0]][1], readings[pair[1]][1])
        )
    else:
        versus += points(top["value"] - first["value"])
    if best["number"] in set(start["number"]):  # ties go to the earlier trial, as the search's best does
        return f"{head}. {sentence_start(winner)}, is one of them: the sampler did not beat it ({versus})."
    return f"{head}. {sentence_start(winner)}, is one of the sampler's {n_proposed} proposals: {versus}."


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
            " are even counted, so what the search bought cannot be told from one training run's noise."
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


def class_trade_text(previous, label: str, fine_label: str) -> str | None:
    """The tuned model against notebook 04's within each class of review, as notebook 04 reads its own gain
    (``previous``: :func:`helpers.comparisons.compare_with_saved`; None without notebook 04's results)."""
    if previous is None:
        return None
    names = {f"{TUNED}:pred": f"{label}:pred", f"{FINE_TUNED}:pred": f"{fine_label}:pred"}
    paired = previous.paired.rename(columns=names)
    return "- **By class:** " + gain_by_group_text(paired, class_groups(paired), label, fine_label, "class")


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


def data_text(train, validation, train_04, validation_04, test, reading, source) -> str:
    """The search's reviews against notebook 04's, how every candidate is read, and where they came from."""
    return (
        f"Search: {len(train):,} training and {len(validation):,} validation reviews, subsets of notebook 04's"
        f" {len(train_04):,} and {len(validation_04):,}, on which the best configuration is then trained again;"
        f" every candidate's validation reviews read at {reading}, as in notebook 04; test: {len(test):,} reviews,"
        f" used once. **Data:** {source}."
    )


def trials_text(result) -> str:
    """How many trials ran, how they ended, and how long they took (``result``: a search result)."""
    trials, states = result.trials, result.trials["state"].value_counts()
    return (
        f"{len(trials)} trials in study `{result.study_name}` ({result.backend}, {result.storage}):"
        f" {states.get('COMPLETE', 0)} complete, {result.n_pruned} pruned, {states.get('FAIL', 0)} failed;"
        f" {result.n_new} run in this call, {result.seconds / 60:.1f} min; every trial together"
        f" {trials['duration_s'].sum() / 60:.1f} min of training."
    )


def pruning_text(trials: pd.DataFrame, stopped_by: str | None = None) -> str:
    """What pruning saved: how many trials stopped, where, and their minutes against a complete trial's; what the
    time went to depends on what ended the search (``stopped_by``: ``"time box"`` or ``"budget"``)."""
    pruned = trials[trials["state"] == "PRUNED"]
    complete = trials.loc[trials["state"] == "COMPLETE", "duration_s"]
    if pruned.empty:
        return f"None of the {len(trials)} trials was pruned: every one trained on all the search's reviews."
    per_complete = f", against {complete.mean() / 60:.1f} min for a complete trial" if len(complete) else ""
    return (
        f"{len(pruned)} of {len(trials)} trials were pruned, after {pruned['n_reports'].mean():.1f} evaluations on"
        f" average; they took {pruned['duration_s'].mean() / 60:.1f} min each{per_complete}.{_pruning_bought(stopped_by)}"
    )


def _pruning_bought(stopped_by: str | None) -> str:
    if stopped_by == "time box":
        return " Stopping them early let more trials start before the time box closed."
    if stopped_by == "budget":
        return " Stopping them early ended the budget of trials sooner."
    return ""


def importance_text(importances: pd.Series | None, method: str, n_complete: int) -> str:
    """Which setting the complete trials' scores vary with most, read as a description, never as a test."""
    if importances is None:
        return f"No importances: {method}."
    top = importances.sort_values(ascending=False)
    return (
        f"{method} puts {top.iloc[0]:.0%} of the variance of the {n_complete} complete trials' validation accuracy"
        f" on {top.index[0]} and {top.iloc[1]:.0%} on {top.index[1]}. With {n_complete} trials that is a"
        " description of this search, not a test of which setting matters."
    )


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def stopped_text(
    trials: pd.DataFrame,
    *,
    budget: int,
    timeout_minutes: float | None,
    startup_trials: int,
    stopped_by: str | None,
) -> str:
    """What ended the search, its budget of trials or its time box, and how many of the trials that ran were the
    sampler's own proposals rather than its random start-up (``stopped_by``: the search result's own record)."""
    ran = trials[trials["state"].isin(["COMPLETE", "PRUNED"])]
    origin = ran["retry_of"].fillna(ran["number"]) if "retry_of" in ran else ran["number"]
    n_proposed = int((origin >= startup_trials).sum())
    own = {0: "none of the sampler's own proposals", 1: "one proposal of the sampler's own"}
    proposals = own.get(n_proposed, f"{n_proposed} of the sampler's own proposals")
    mix = f"{_plural(len(ran) - n_proposed, 'random start-up trial')} and {proposals}"
    if stopped_by == "budget" or len(ran) >= budget:
        return f"The budget ended the search: all {budget} trials ran ({mix})."
    if stopped_by == "time box" and timeout_minutes:
        learned = (
            f" TPE had {_plural(n_proposed, 'setting')} of its own to learn from, so this run says little about"
            " what a full search would find."
            if n_proposed < startup_trials
            else ""
        )
        return (
            f"The {timeout_minutes:.0f}-minute time box ended the search, not its budget: {len(ran)} of the"
            f" {budget} budgeted trials ran before it closed ({mix}); a trial under way when it closes"
            f" finishes.{learned}"
        )
    return (
        f"The search stopped after {len(ran)} of its {budget} trials ({mix}), with budget and time box left:"
        " running it again continues the study."
    )


CONTINUOUS_SETTINGS = {
    "learning_rate": "learning rates",
    "warmup_ratio": "warm-up ratios",
    "weight_decay": "weight decays",
}
SETTING_VALUES = {  # a value of a setting with a few choices, as a sentence names it
    "batch_size": "batch size {}",
    "train_max_length": "{} training tokens",
    "truncation": "the review's {}",
    "epochs": "{} epoch(s)",
}


def _value_words(name: str, value) -> str:
    value = STRATEGY_NAMES.get(value, value) if name == "truncation" else value
    return SETTING_VALUES.get(name, name.replace("_", " ") + " {}").format(value)


def settings_text(trials: pd.DataFrame, space: dict[str, list], min_complete: int = 10) -> str:
    """What the accuracy-by-setting figure shows: which values of each few-choice setting the complete trials
    share and which no trial completed with, and where the complete trials lie in each range. A description of
    this search; with fewer than ``min_complete`` complete trials it says it is no test of which setting matters."""
    complete = trials[(trials["state"] == "COMPLETE") & trials["value"].notna()]
    if complete.empty:
        return "No trial completed, so the figure holds pruned trials only."
    shared, never, mixed, ranges = [], [], [], []
    for name, values in space.items():
        if len(set(values)) < 2:
            continue
        if name in CONTINUOUS_SETTINGS:
            low, high = complete[name].min(), complete[name].max()
            where = _g(low) if len(complete) == 1 else f"{_g(low)} to {_g(high)}"
            words = CONTINUOUS_SETTINGS[name][:-1] if len(complete) == 1 else CONTINUOUS_SETTINGS[name]
            ranges.append(f"{words} {where} (searched: {_g(values[0])} to {_g(values[-1])})")
            continue
        used = list(dict.fromkeys(complete[name]))
        if len(used) == 1:
            shared.append(_value_words(name, used[0]))
        else:
            mixed.append(" and ".join(_value_words(name, v) for v in used))
        for value in values:
            tried = int((trials[name] == value).sum())
            if value not in used and tried:
                never.append(f"{_value_words(name, value)} ({tried} tried)")
    sentences = []
    who = "The one complete trial" if len(complete) == 1 else f"All {len(complete)} complete trials"
    if shared:
        sentences.append(f"{who} trained with {_and(shared)}.")
    if never:
        sentences.append(f"No trial with {_or(never)} completed.")
    if mixed:
        sentences.append(f"Complete trials used both {_and(mixed)}.")
    if ranges:
        span = "Its settings" if len(complete) == 1 else "The complete trials span"
        sentences.append(f"{span}: {_and(ranges)}.")
    if len(complete) < min_complete:
        pruned = (
            ", and pruning decided on the first rungs' few reviews,"
            if (trials["state"] == "PRUNED").any()
            else ""
        )
        sentences.append(
            f"With {_plural(len(complete), 'complete trial')}{pruned} this describes where the search went, not"
            " which setting matters."
        )
    return " ".join(sentences)


def _g(value: float) -> str:
    """A setting's value, short: ``3.1e-05``, ``0.19``."""
    return f"{value:.1e}" if 0 < abs(value) < 1e-3 else f"{value:.2g}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
