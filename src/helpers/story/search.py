"""Notebook 05's readings of the search: what ended it, what the trials show (did the sampler beat its random start,
how far apart the complete trials are), what pruning bought, and what the settings figure shows. The readings of the
tuned model live in :mod:`helpers.story.tuned`; they are imported here so that the notebook reads both from one
module."""

from __future__ import annotations

import pandas as pd

from helpers.evaluation import wilson_interval
from helpers.paired import paired_difference
from helpers.story.phrases import paired_interval, points, sentence_start
from helpers.story.tuned import (  # noqa: F401  (notebook 05 reads them from here)
    class_trade_text,
    retrain_text,
    search_answer,
    search_bought,
    search_summary,
    tuned_reading,
    versus_fine_tuned,
)
from helpers.tokens import TRUNCATION_NAMES


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


def _origin(trials: pd.DataFrame) -> pd.Series:
    """Each trial's number, a retry counted as the trial it repeats (so it is a start-up trial if that one was)."""
    return trials["retry_of"].fillna(trials["number"]) if "retry_of" in trials else trials["number"]


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
    origin = _origin(trials)
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


def peaks_text(intermediate: pd.DataFrame) -> str:
    """What the evaluation curves show of the complete trials: how many ended below their best evaluation, the
    largest such drop. A trial's value is its peak, read on the same validation reviews that pick it."""
    complete = intermediate[intermediate["state"] == "COMPLETE"].sort_values("step")
    if complete.empty:
        return ""
    curves = complete.groupby("number")["val_accuracy"]
    drops = (curves.max() - curves.last()).sort_values(ascending=False)
    fell = drops[drops > 0]
    if fell.empty:
        return " Every complete trial ended at its best evaluation."
    worst = int(fell.index[0])
    peak = curves.max()[worst]
    return (
        f" {len(fell)} of the {len(drops)} complete trials ended below their best evaluation (trial {worst} the"
        f" most: {peak:.3f} at its best, {curves.last()[worst]:.3f} at the end). A trial's value is its peak, picked"
        " on the same validation reviews that score it; the winner is trained again to the end, with no peak to pick."
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
    origin = _origin(ran)
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
    value = TRUNCATION_NAMES.get(value, value) if name == "truncation" else value
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
