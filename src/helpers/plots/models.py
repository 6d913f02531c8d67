"""The models' figures: confusion matrices, accuracy with its interval, by bucket, per feature, calibration, data
efficiency, cost against accuracy, learning curves."""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from helpers import catalog
from helpers.catalog import STUDY_N
from helpers.evaluation import wilson_interval
from helpers.labels import LABEL_NAMES
from helpers.plots.placement import place_labels, segment_boxes, step_segments
from helpers.plots.style import PALETTE


def confusion_matrix_plot(matrix, title: str, ax: plt.Axes | None = None) -> plt.Figure:
    """A 2×2 confusion matrix with counts and row percentages (rows: true label)."""
    matrix = np.asarray(matrix)
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(4.2, 3.6))
    shares = matrix / matrix.sum(axis=1, keepdims=True).clip(min=1)
    annotations = np.array(
        [
            [f"{c:,}\n{s:.1%}" for c, s in zip(row, srow, strict=True)]
            for row, srow in zip(matrix, shares, strict=True)
        ]
    )
    sns.heatmap(
        shares,
        annot=annotations,
        fmt="",
        cmap="Blues",
        vmin=0,
        vmax=1,
        cbar=False,
        ax=ax,
        xticklabels=LABEL_NAMES,
        yticklabels=LABEL_NAMES,
    )
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return fig


# ----------------------------------------------------------------------------------------------- 05 comparison
def ci_errors(table, column: str = "accuracy", low: str = "ci95 low", high: str = "ci95 high") -> list:
    """Matplotlib's error-bar lengths (below, above) from a ``column`` and its ``low`` and ``high`` bounds."""
    return [table[column] - table[low], table[high] - table[column]]


STUDY_COLUMN = f"study (n={STUDY_N:,})"
STUDY_COLOUR = "#c0504d"


def study_rows(table) -> pd.DataFrame:
    """The study's numbers as rows of their own: ``model`` ("study: <the study's model> (n=1,000)", the model named
    by :mod:`helpers.catalog` for the counterpart's key), ``accuracy`` and a 95% Wilson interval for the
    ``catalog.STUDY_N`` reviews it was measured on; empty where ``table`` has no study number."""
    rows = []
    if STUDY_COLUMN in table:
        for index, row in table[table[STUDY_COLUMN].notna()].iterrows():
            entry = catalog.entry(row["key"] if "key" in row.index else index)
            name = (
                entry.study_model
                if entry is not None and entry.study_model
                else f"{row['model']}'s counterpart"
            )
            accuracy = float(row[STUDY_COLUMN])
            low, high = wilson_interval(round(accuracy * STUDY_N), STUDY_N)
            rows.append(
                {
                    "model": f"study: {name} (n={STUDY_N:,})",
                    "accuracy": accuracy,
                    "ci95 low": low,
                    "ci95 high": high,
                }
            )
    return pd.DataFrame(rows, columns=["model", "accuracy", "ci95 low", "ci95 high"])


def accuracy_ci_plot(table, title: str) -> plt.Figure:
    """Accuracy with 95% CI bars per model (``comparisons.comparison_table``); below a dashed line, the study's
    numbers (``"study (n=1,000)"``) as rows of their own with their own 95% Wilson interval (:func:`study_rows`):
    a different model measured on different reviews, never a mark on the row of the model that stands in for it."""
    ours, study = table.sort_values("accuracy"), study_rows(table).sort_values("accuracy")
    y_study = np.arange(len(study), dtype=float)
    y_ours = np.arange(len(ours)) + (len(study) + 0.5 if len(study) else 0.0)
    fig, ax = plt.subplots(figsize=(8.0, 0.42 * (len(ours) + len(study)) + 1.8))
    groups = [(ours, y_ours, "#4f81bd", "o", "ours, on the series' test reviews (95% Wilson CI)")]
    if len(study):
        label = f"the study, on its own {STUDY_N:,} reviews (95% Wilson CI for n={STUDY_N:,})"
        groups.append((study, y_study, STUDY_COLOUR, "D", label))
        ax.axhline(len(study) - 0.25, color="0.45", ls="--", lw=0.9)
    for part, y, colour, marker, label in groups:
        ax.errorbar(
            part["accuracy"],
            y,
            xerr=ci_errors(part),
            fmt=marker,
            color=colour,
            ecolor=colour,
            capsize=4,
            label=label,
        )
        for yi, value, high in zip(y, part["accuracy"], part["ci95 high"], strict=True):
            ax.text(high + 0.004, yi, f"{value:.3f}", va="center", fontsize=9)
    ax.set_yticks([*y_study, *y_ours], [*study["model"], *ours["model"]])
    for tick in ax.get_yticklabels()[: len(study)]:
        tick.set_color(STUDY_COLOUR)
    ax.set(xlabel="accuracy", title=title)
    ax.set_ylim(-0.6, y_ours[-1] + 0.6 if len(ours) else len(study) - 0.4)
    shown = pd.concat([ours["ci95 low"], ours["ci95 high"], study["ci95 low"], study["ci95 high"]])
    span = float(shown.max() - shown.min())
    ax.set_xlim(float(shown.min()) - 0.05 * span, float(shown.max()) + 0.16 * span)  # room for the values
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=1, frameon=False, fontsize=9)
    return fig


def confusion_matrices_plot(matrices: dict[str, list], title: str, columns: int = 3) -> plt.Figure:
    """Confusion matrices side by side (``columns`` per row), one per model name, titles wrapped to fit."""
    rows, cols = math.ceil(len(matrices) / columns), min(columns, len(matrices))
    fig, axes = plt.subplots(rows, cols, figsize=(2.7 * cols, 2.9 * rows), squeeze=False)
    for ax, (name, matrix) in zip(axes.flat, matrices.items(), strict=False):
        confusion_matrix_plot(matrix, title=textwrap.fill(name, 24), ax=ax)
        ax.title.set_fontsize(10)
    for ax in list(axes.flat)[len(matrices) :]:
        ax.axis("off")
    fig.suptitle(title, fontweight="bold", fontsize=11)
    fig.tight_layout()
    return fig


def accuracy_by_bucket_plot(table, xlabel: str, title: str, max_overlaid: int = 3) -> plt.Figure:
    """Accuracy per bucket (e.g. review length) per model, with 95% CI bands (``evaluation.accuracy_by_bucket``).

    Up to ``max_overlaid`` models share one panel; more get one small panel each (same axes), so bands never blur.
    """
    buckets = list(dict.fromkeys(table["bucket"]))
    models = list(dict.fromkeys(table["model"]))
    sizes = table.drop_duplicates("bucket").set_index("bucket")["n"]
    ticks = [f"{b}\n(n={sizes[b]:,})" for b in buckets]
    colours = dict(zip(models, sns.color_palette("deep", len(models)), strict=True))
    if len(models) <= max_overlaid:
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        panels = [(ax, models)]
    else:
        cols = 3
        rows = math.ceil(len(models) / cols)
        fig, axes = plt.subplots(
            rows, cols, figsize=(8.2, 2.7 * rows + 0.6), sharex=True, sharey=True, squeeze=False
        )
        panels = [(ax, [m]) for ax, m in zip(axes.flat, models, strict=False)]
        for ax in list(axes.flat)[len(models) :]:
            ax.axis("off")
    low = max(0.0, min(0.5, float(table["ci95 low"].min())))
    for ax, shown in panels:
        for model in shown:
            part = table[table["model"] == model]
            x = [buckets.index(b) for b in part["bucket"]]
            ax.plot(x, part["accuracy"], marker="o", label=model, color=colours[model])
            ax.fill_between(x, part["ci95 low"], part["ci95 high"], alpha=0.15, color=colours[model])
        ax.set_xticks(range(len(buckets)), ticks)
        ax.set_ylim(low, 1.0)
        if len(panels) > 1:
            ax.set_title(shown[0], fontsize=10)
    if len(panels) == 1:
        ax = panels[0][0]
        ax.set(xlabel=xlabel, ylabel="accuracy", title=title)
        if len(models) > 1:
            ax.legend(loc="lower left")
    else:
        fig.suptitle(title, fontsize=11, fontweight="bold")
        fig.supxlabel(xlabel, fontsize=10)
        fig.supylabel("accuracy", fontsize=10)
        for ax in fig.axes:
            ax.tick_params(axis="x", labelsize=8.5, labelbottom=True)
    return fig


def metric_bars_plot(table, column: str, title: str) -> plt.Figure:
    """One metric per model as horizontal bars (e.g. precision on the negative class), with its 95% interval where
    ``table`` has ``<column> low`` and ``<column> high``."""
    table = table.sort_values(column)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    bounds = {f"{column} low", f"{column} high"} <= set(table.columns)
    errors = ci_errors(table, column, f"{column} low", f"{column} high") if bounds else None
    ax.barh(table["model"], table[column], color="#4f81bd", xerr=errors, ecolor="0.3", capsize=3)
    ends = table[f"{column} high"] if bounds else table[column]
    for i, (value, end) in enumerate(zip(table[column], ends, strict=True)):
        ax.text(end + 0.004, i, f"{value:.3f}", va="center", fontsize=9)
    ax.set(xlabel=f"{column} (axis from 0.5, chance)", xlim=(0.5, 1.0), title=title)
    ax.tick_params(axis="y", labelsize=9)
    return fig


# ----------------------------------------------------------------------------------------------- 02 baselines
IMPORTANCE_COLOUR = "#8172b3"  # neither class's colour: an importance is evidence for no class


def _short(feature: str, max_label: int) -> str:
    return feature if len(feature) <= max_label else feature[: max_label - 1] + "…"


def top_features_plot(
    table, title: str, xlabel: str = "|weight|", max_label: int = 28, importance: bool | None = None
) -> plt.Figure:
    """The most informative features per class, side by side on one x-scale: ``table`` has ``class`` (neg/pos),
    ``feature`` and a signed ``weight`` (as from :func:`helpers.classical.top_features`); bar length is
    ``|weight|``. A forest's impurity importance (``importance``; by default ``table.attrs["weights"] ==
    "importance"``, as ``top_features`` marks it) is evidence for no class: one panel, "importance (no class)", of
    the largest importances, in neither class's colour."""
    if importance is None:
        importance = table.attrs.get("weights") == "importance"
    k = max(int(table.groupby("class").size().max()), 1) if len(table) else 1
    height = 0.28 * max(k, 4) + 1.4
    if importance:
        fig, ax = plt.subplots(figsize=(5.6, height))
        top = table.assign(size=table["weight"].abs()).nlargest(k, "size", keep="first")
        ax.barh([_short(f, max_label) for f in top["feature"]], top["size"], color=IMPORTANCE_COLOUR)
        ax.invert_yaxis()
        ax.set(title="importance (no class)", xlabel=xlabel, ylabel="")
        ax.tick_params(axis="y", labelsize=9)
    else:
        fig, axes = plt.subplots(1, 2, figsize=(8.2, height), sharex=True)
        for ax, name in zip(axes, LABEL_NAMES, strict=True):
            part = table[table["class"] == name].sort_values("weight", key=abs, ascending=False)
            ax.barh(
                [_short(f, max_label) for f in part["feature"]], part["weight"].abs(), color=PALETTE[name]
            )
            ax.invert_yaxis()
            ax.set(title=name, xlabel=xlabel, ylabel="")
            ax.tick_params(axis="y", labelsize=9)
    fig.suptitle(title, fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------- transformers (03, 04)
def reliability_diagram(bins, title: str) -> plt.Figure:
    """Calibration: observed share of positive reviews against the mean predicted P(positive) per bin, with the number
    of reviews per bin underneath (``bins`` from :func:`helpers.evaluation.calibration_bins`, the binning the ECE
    sums; points above the diagonal: reviews are positive more often than the model says, a lean towards negative)."""
    filled = bins[bins["n"] > 0]
    width = float((bins["high"] - bins["low"]).iloc[0])
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(5.2, 5.4), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot([0, 1], [0, 1], ls="--", color="0.5", lw=1, label="perfectly calibrated")
    top.plot(filled["mean p"], filled["observed"], marker="o", color=PALETTE["pos"], label="model")
    top.set(ylabel="observed share positive", xlim=(0, 1), ylim=(0, 1), title=title)
    top.legend(fontsize=9, loc="upper left")
    bottom.bar(bins["low"] + width / 2, bins["n"], width=0.9 * width, color="0.6")
    bottom.set(xlabel="predicted P(positive)", ylabel="reviews")
    return fig


def data_efficiency_plot(curves, title: str) -> plt.Figure:
    """Validation accuracy against the number of training reviews (log scale), one line per model with its 95% CI
    band where given: ``curves`` has ``model``, ``n_train``, ``val_accuracy`` and optionally ``ci95 low``/``high``."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    models = list(dict.fromkeys(curves["model"]))
    for colour, model in zip(sns.color_palette("deep", len(models)), models, strict=True):
        part = curves[curves["model"] == model].sort_values("n_train")
        ax.plot(part["n_train"], part["val_accuracy"], marker="o", color=colour, label=model)
        if "ci95 low" in part and part["ci95 low"].notna().all():
            ax.fill_between(part["n_train"], part["ci95 low"], part["ci95 high"], color=colour, alpha=0.15)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set(xlabel="training reviews (log scale)", ylabel="validation accuracy", title=title)
    ax.legend(loc="lower right")
    return fig


def cost_accuracy_plot(table, title: str) -> plt.Figure:
    """Test accuracy (95% CI bars) against CPU seconds to train and predict (log scale), one point per model, the
    Pareto frontier (``table["frontier"]``) drawn as a step line: ``table`` has ``model``, ``seconds``,
    ``accuracy``, ``ci95 low``, ``ci95 high`` and ``frontier``. Each label goes where it covers no other label, the
    frontier or the legend (:func:`helpers.plots.placement.place_labels`)."""
    table = table.sort_values("seconds")
    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    ax.errorbar(
        table["seconds"],
        table["accuracy"],
        yerr=ci_errors(table),
        fmt="o",
        color="#4f81bd",
        ecolor="0.55",
        capsize=3,
    )
    frontier = table[table["frontier"]]
    ax.step(
        frontier["seconds"],
        frontier["accuracy"],
        where="post",
        color="#c0504d",
        lw=1.4,
        label="Pareto frontier",
    )
    ax.set_xscale("log")
    ax.set_xlim(table["seconds"].min() / 2, table["seconds"].max() * 6)
    ax.set(
        xlabel="seconds to train + predict the test reviews (log scale)", ylabel="test accuracy", title=title
    )
    legend = ax.legend(loc="lower right")
    fig.tight_layout()  # measure the labels where they will stay
    renderer = fig.canvas.get_renderer()
    frontier_line = step_segments(frontier["seconds"], frontier["accuracy"])
    bars = table[["seconds", "ci95 low", "seconds", "ci95 high"]].to_numpy()
    markers = table[["seconds", "accuracy", "seconds", "accuracy"]].to_numpy()
    order = table.sort_values("accuracy", ascending=False)
    place_labels(
        ax,
        zip(order["seconds"], order["accuracy"], strict=True),
        list(order["model"]),
        # a label keeps 5 px clear of the frontier line, not just off it
        avoid=[*segment_boxes(ax, frontier_line, width_px=5.0), legend.get_window_extent(renderer)],
        soft=[*segment_boxes(ax, bars), *segment_boxes(ax, markers, width_px=4.0)],
    )
    return fig


def learning_curves_plot(histories: dict, title: str, min_span: float = 0.1) -> plt.Figure:
    """Training loss and validation accuracy against the step, one line per run: ``histories`` maps a run's label to a
    frame of ``step``, ``train_loss``, ``val_accuracy``; the accuracy axis spans at least ``min_span``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.2, 3.6))
    colours = sns.color_palette("deep", len(histories))
    for colour, (label, history) in zip(colours, histories.items(), strict=True):
        loss = history.dropna(subset=["train_loss"])
        left.plot(loss["step"], loss["train_loss"], color=colour, label=label, lw=1.4)
        val = history.dropna(subset=["val_accuracy"])
        right.plot(val["step"], val["val_accuracy"], color=colour, label=label, marker="o", lw=1.4)
    left.set(xlabel="training step", ylabel="training loss", title="training loss")
    right.set(xlabel="training step", ylabel="validation accuracy", title="validation accuracy")
    low, high = right.get_ylim()
    if high - low < min_span:  # a narrow axis makes validation noise look like a trend
        middle = (low + high) / 2
        right.set_ylim(max(0.0, middle - min_span / 2), min(1.0, max(0.0, middle - min_span / 2) + min_span))
    right.legend(fontsize=9, loc="lower right")
    fig.suptitle(title, fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig
