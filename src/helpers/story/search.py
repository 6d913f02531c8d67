"""Notebook 05's readings: what the trials show (did the sampler beat its random start, how far apart the complete
trials are), the search's best against the retrained winner's test accuracy (never a gap between the two), the
tuned model against notebook 04's on the same test reviews (the verdict is notebook 06's), and what the search's
minutes bought."""

from __future__ import annotations

import pandas as pd

from helpers.evaluation import wilson_interval
from helpers.story.phrases import points


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
