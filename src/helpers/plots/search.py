"""The hyperparameter search's figures (notebook 05): history, progress against minutes, importances, each
parameter, pruning curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.ticker import FuncFormatter, LogLocator

from helpers.evaluation import wilson_interval
from helpers.tokens import TRUNCATION_NAMES

_STATE_STYLE = {
    "COMPLETE": {"marker": "o", "color": "#4f81bd", "label": "complete (best validation accuracy)"},
    "PRUNED": {"marker": "x", "color": "0.55", "label": "pruned (last validation accuracy)"},
}


def _search_points(trials):
    """Complete trials at their value, pruned ones at their last reported validation accuracy."""
    frame = trials[trials["state"].isin(list(_STATE_STYLE))].copy()
    frame["y"] = frame["value"].where(frame["state"] == "COMPLETE", frame["last_val_accuracy"])
    return frame


def search_history_plot(trials, title: str) -> plt.Figure:
    """Validation accuracy per trial (``search.trials_frame``), pruned trials marked, and the best so far."""
    frame = _search_points(trials)
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    for state, style in _STATE_STYLE.items():
        part = frame[frame["state"] == state]
        if len(part):
            ax.scatter(part["number"], part["y"], s=36, **style)
    complete = trials[trials["state"] == "COMPLETE"].sort_values("number")
    if len(complete):
        ax.step(
            complete["number"],
            complete["value"].cummax(),
            where="post",
            color="#c0504d",
            lw=1.4,
            label="best so far",
        )
    ax.set(xlabel="trial", ylabel="validation accuracy", title=title)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(fontsize=9, loc="lower right")
    return fig


def trial_intervals(values, n_validation: int) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson intervals (low, high) for validation accuracies each read on ``n_validation`` reviews."""
    bounds = [wilson_interval(round(float(v) * n_validation), n_validation) for v in values]
    return np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])


def search_progress_plot(
    trials,
    title: str,
    reference: float | None = None,
    reference_label: str = "",
    n_validation: int | None = None,
) -> plt.Figure:
    """Best validation accuracy so far against the minutes the search had run when each trial finished
    (``search.trials_frame``: ``finished_min``, complete trials' ``value``), with ``reference`` (e.g. notebook
    04's model scored on the same validation reviews) as a dashed line: what the search bought for its minutes.
    With ``n_validation`` (the validation reviews each value was read on), each trial gets its 95% Wilson interval
    and the accuracy axis spans every interval: gaps smaller than the intervals read as the noise they are."""
    complete = (
        trials[trials["state"] == "COMPLETE"].dropna(subset=["finished_min"]).sort_values("finished_min")
    )
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    end = float(trials["finished_min"].max()) if trials["finished_min"].notna().any() else 1.0
    if len(complete):
        best = complete["value"].cummax()
        x = [*complete["finished_min"], end]  # the best so far holds until the search's last trial ends
        ax.step(x, [*best, best.iloc[-1]], where="post", color="#c0504d", lw=1.6, label="search: best so far")
        ax.scatter(complete["finished_min"], complete["value"], s=28, color="#4f81bd", label="complete trial")
    if reference is not None:
        ax.axhline(reference, color="0.3", ls="--", lw=1.2, label=reference_label or "reference")
    if n_validation and len(complete):
        low, high = trial_intervals(complete["value"], n_validation)
        values = complete["value"].to_numpy(dtype=float)
        ax.errorbar(
            complete["finished_min"],
            values,
            yerr=[values - low, high - values],
            fmt="none",
            ecolor="#4f81bd",
            alpha=0.5,
            lw=1.2,
            label=f"95% Wilson interval (n={n_validation:,})",
        )
        shown = [*low, *high, *([reference] if reference is not None else [])]
        margin = 0.05 * (max(shown) - min(shown))
        ax.set_ylim(min(shown) - margin, max(shown) + margin)
    ax.set_xlim(0, end * 1.05)
    ax.set(xlabel="minutes since the search started", ylabel="validation accuracy", title=title)
    # below the axes, where it can cover no trial and no line
    ncol = 2 if len(ax.get_legend_handles_labels()[1]) == 4 else 3
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=ncol, frameon=False)
    fig.tight_layout()
    return fig


def param_importance_plot(importances, title: str, method: str = "fANOVA") -> plt.Figure:
    """Horizontal bars of each hyperparameter's importance (``search.param_importances``; they sum to 1)."""
    series = importances.sort_values()
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(series) + 1.2))
    ax.barh(series.index, series.values, color="#4f81bd")
    for y, value in enumerate(series.values):
        ax.text(value, y, f" {value:.2f}", va="center", fontsize=9)
    ax.set(
        xlabel=f"importance for validation accuracy ({method})",
        title=title,
        xlim=(0, max(series.max() * 1.2, 0.1)),
    )
    return fig


PARAM_AXIS_LABELS = {  # the rest: the name, spaced
    "train_max_length": "training length (tokens)",
    "truncation": "trains on (truncation)",
}


def _param_panel(ax: plt.Axes, frame, name: str, log_params, rng) -> None:
    """One parameter's panel: validation accuracy against its value, a category axis (jittered) for a few integer
    or text values, a continuous one otherwise (log scale for ``log_params``)."""
    numeric = frame[name].map(lambda v: isinstance(v, (int, float, np.number))).all()
    categories = sorted(frame[name].dropna().unique(), key=lambda v: (isinstance(v, str), v))
    continuous = numeric and (
        name in log_params or len(categories) > 4 or not all(float(c).is_integer() for c in categories)
    )
    for state, style in _STATE_STYLE.items():
        part = frame[frame["state"] == state]
        if not len(part):
            continue
        if continuous:
            x = part[name].astype(float)
        else:
            x = part[name].map({c: i for i, c in enumerate(categories)}) + rng.uniform(-0.12, 0.12, len(part))
        ax.scatter(x, part["y"], s=26, marker=style["marker"], color=style["color"])
    if continuous:
        if name in log_params:
            # labelled at 1, 2 and 5 of each decade: a range within one decade gets ticks too
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0e}".replace("e-0", "e-")))
            ax.xaxis.set_minor_formatter(plt.NullFormatter())
            ax.tick_params(axis="x", labelsize=7)
    else:
        ax.set_xticks(
            range(len(categories)),
            [TRUNCATION_NAMES.get(c, str(c)) if name == "truncation" else str(c) for c in categories],
        )
    ax.set(xlabel=PARAM_AXIS_LABELS.get(name, name.replace("_", " ")))


def search_params_plot(trials, params, title: str, log_params=("learning_rate",)) -> plt.Figure:
    """Validation accuracy against each hyperparameter that took more than one value, one panel each; pruned trials
    in grey at their last value. A parameter held at one value (e.g. ``epochs`` fixed at 1) gets no panel: the
    title names it and its value instead."""
    frame = _search_points(trials)
    varied = [name for name in params if frame[name].dropna().nunique() > 1]
    fixed = [
        f"{name} = {frame[name].dropna().iloc[0]}" for name in params if frame[name].dropna().nunique() == 1
    ]
    n_cols = max(1, min(3, len(varied)))
    n_rows = max(1, int(np.ceil(len(varied) / n_cols)))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.7 * n_cols, 2.4 * n_rows), sharey=True, squeeze=False)
    rng = np.random.default_rng(0)
    for ax, name in zip(axes.flat, varied, strict=False):
        _param_panel(ax, frame, name, log_params, rng)
    for ax in axes[:, 0]:
        ax.set(ylabel="validation accuracy")
    for ax in list(axes.flat)[len(varied) :]:
        ax.axis("off")
    if not varied:
        axes[0, 0].text(0.5, 0.5, "no setting took more than one value", ha="center", va="center", fontsize=9)
    fig.suptitle(
        title + (f"\n(one value throughout: {', '.join(fixed)})" if fixed else ""),
        fontsize=11,
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


COMPLETE_COLOUR, PRUNED_COLOUR = "#4f81bd", "0.55"


def _highlight_colours(n: int) -> list:
    """``n`` colours for the best trials, none of them the complete trials' blue or the pruned trials' grey."""
    deep = [c for i, c in enumerate(sns.color_palette("deep", 10)) if i not in (0, 7)]
    return [deep[i % len(deep)] for i in range(n)]


def pruning_curves_plot(intermediate, title: str, highlight: int = 3) -> plt.Figure:
    """Validation accuracy at each evaluation, one line per trial (``search.intermediate_frame``): the ``highlight``
    best complete trials each in a colour of its own, the other complete trials in light blue, pruned trials dashed
    in grey and ending with a cross where the pruner stopped them; the legend names the best trials, then
    "complete" and "pruned"."""
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    complete = intermediate[intermediate["state"] == "COMPLETE"]
    best = list(
        complete.groupby("number")["val_accuracy"].max().sort_values(ascending=False).index[:highlight]
    )
    colours = dict(zip(best, _highlight_colours(len(best)), strict=True))
    handles = {}
    for (number, state), part in intermediate.groupby(["number", "state"], sort=True):
        part = part.sort_values("step")
        x, y = part["step"], part["val_accuracy"]
        if state == "PRUNED":
            style = {"color": PRUNED_COLOUR, "lw": 1, "ls": "--", "marker": "x", "ms": 7, "markevery": [-1]}
            (handles["pruned"],) = ax.plot(x, y, **style)
        elif state == "COMPLETE" and number in colours:
            style = {"marker": "o", "ms": 3, "lw": 1.6, "color": colours[number], "zorder": 4}
            (handles[f"trial {number}"],) = ax.plot(x, y, **style)
        elif state == "COMPLETE":
            (handles["complete"],) = ax.plot(x, y, color=COMPLETE_COLOUR, alpha=0.45, lw=1)
    ax.set(xlabel="evaluation (fixed fractions of an epoch)", ylabel="validation accuracy", title=title)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    names = [f"trial {n}" for n in best] + [n for n in ("complete", "pruned") if n in handles]
    if names:
        # below the axes, where it covers no line
        ax.legend(
            [handles[n] for n in names],
            names,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.17),
            ncol=len(names),
            frameon=False,
            fontsize=9,
        )
    fig.tight_layout()
    return fig
