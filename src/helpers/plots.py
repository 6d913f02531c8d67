"""Every figure of the series: one seaborn style, saved as PNG under ``figures/<profile>/`` and returned for display.

Plot functions take data and labels, never compute metrics; each title names the data and the model.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if not matplotlib.get_backend().lower().startswith(
    ("module://matplotlib_inline", "inline")
) else None

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from helpers.labels import LABEL_NAMES  # noqa: E402
from helpers.paths import display_path, figures_dir  # noqa: E402

PALETTE = {"neg": "#c0504d", "pos": "#4f81bd"}


def set_style() -> None:
    """The series' look: seaborn whitegrid, readable sizes, PNGs at 110 dpi (crisp on GitHub, small in git)."""
    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "figure.figsize": (7.5, 4.2),
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
        }
    )


def save_figure(fig: plt.Figure, profile: str, name: str) -> None:
    """Save ``fig`` to ``figures/<profile>/<name>.png`` (overwriting) and show it once, as a static PNG."""
    path = figures_dir(profile) / f"{name}.png"
    fig.savefig(path, format="png", metadata={"Software": None})
    print(f"saved {display_path(path)}")
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display(fig)
        plt.close(fig)


def caption(fig: plt.Figure, text: str) -> None:
    """A small line under the axes naming the data and the model behind the figure."""
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, color="0.35", wrap=True)


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


# ----------------------------------------------------------------------------------------------- 01 data exploration
def class_balance_plot(summary, title: str) -> plt.Figure:
    """Stacked bars of negative and positive reviews per split (from ``exploration.split_summary``)."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    summary[list(LABEL_NAMES)].plot.barh(
        stacked=True, ax=ax, color=[PALETTE[n] for n in LABEL_NAMES], width=0.6
    )
    for i, (_, row) in enumerate(summary.iterrows()):
        ax.text(
            row["reviews"] / 2,
            i,
            f"{int(row['reviews']):,} reviews, {row['positive share']:.0%} pos",
            ha="center",
            va="center",
            color="white",
            fontsize=9,
            fontweight="bold",
        )
    ax.set(xlabel="reviews", ylabel="", title=title)
    ax.legend(title="label", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


def length_distribution_plot(
    lengths, labels, unit: str, title: str, limit: int | None = None, clip_quantile: float = 0.99
) -> plt.Figure:
    """Histogram of review lengths by class, with an optional limit line (e.g. the model's 512 tokens)."""
    lengths, labels = np.asarray(lengths), np.asarray(labels)
    upper = float(np.quantile(lengths, clip_quantile))
    fig, ax = plt.subplots()
    for i, name in enumerate(LABEL_NAMES):
        sns.histplot(
            np.minimum(lengths[labels == i], upper),
            bins=60,
            binrange=(0, upper),
            ax=ax,
            label=name,
            color=PALETTE[name],
            alpha=0.45,
            element="step",
        )
    if limit is not None:
        share = float((lengths > limit).mean())
        ax.axvline(limit, color="0.2", linestyle="--", linewidth=1)
        ax.text(
            limit, ax.get_ylim()[1] * 0.92, f"  {limit} {unit}: {share:.1%} of reviews are longer", fontsize=9
        )
    ax.set(
        xlabel=f"review length in {unit} (clipped at the {clip_quantile:.0%} quantile, {upper:,.0f})",
        ylabel="reviews",
        title=title,
    )
    ax.legend(title="label")
    return fig


def indicative_words_plot(table, title: str) -> plt.Figure:
    """Horizontal bars of z-scores for the most indicative words of each class (``exploration.indicative_words``)."""
    table = table.sort_values("z_score")
    fig, ax = plt.subplots(figsize=(7, 0.22 * len(table) + 1.2))
    colours = [PALETTE[c] for c in table["indicates"]]
    ax.barh(table["word"], table["z_score"], color=colours)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set(xlabel="log-odds z-score, informative Dirichlet prior (pos vs neg)", ylabel="", title=title)
    ax.tick_params(axis="y", labelsize=8)
    return fig


# ----------------------------------------------------------------------------------------------- 05 comparison
def accuracy_ci_plot(table, title: str) -> plt.Figure:
    """Accuracy with 95% CI bars per model (``evaluation.comparison_table``), with the study's numbers as crosses."""
    table = table.sort_values("accuracy")
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(table) + 1.4))
    y = np.arange(len(table))
    ax.errorbar(
        table["accuracy"],
        y,
        xerr=[table["accuracy"] - table["ci95 low"], table["ci95 high"] - table["accuracy"]],
        fmt="o",
        color="#4f81bd",
        ecolor="0.35",
        capsize=4,
        label="ours (95% Wilson CI)",
    )
    study = table["study (n=1,000)"]
    if study.notna().any():
        ax.scatter(study, y, marker="x", color="#c0504d", s=60, zorder=3, label="the study (n=1,000)")
    for yi, (_, row) in zip(y, table.iterrows(), strict=True):
        ax.text(row["ci95 high"] + 0.004, yi, f"{row['accuracy']:.3f}", va="center", fontsize=9)
    ax.set_yticks(
        y, [f"{m}\n[{s}]" for m, s in zip(table["model"], table["model source"], strict=True)], fontsize=8
    )
    ax.set(xlabel="accuracy", title=title)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def confusion_matrices_plot(matrices: dict[str, list], title: str, columns: int = 3) -> plt.Figure:
    """Confusion matrices side by side (``columns`` per row), one per model name, titles wrapped to fit."""
    import math
    import textwrap

    rows, cols = math.ceil(len(matrices) / columns), min(columns, len(matrices))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.7 * rows), squeeze=False)
    for ax, (name, matrix) in zip(axes.flat, matrices.items(), strict=False):
        confusion_matrix_plot(matrix, title=textwrap.fill(name, 34), ax=ax)
        ax.title.set_fontsize(8.5)
    for ax in list(axes.flat)[len(matrices) :]:
        ax.axis("off")
    fig.suptitle(title, fontweight="bold", fontsize=11)
    fig.tight_layout()
    return fig


def accuracy_by_bucket_plot(table, xlabel: str, title: str) -> plt.Figure:
    """Accuracy per bucket (e.g. review length) per model, with CI bands (``evaluation.accuracy_by_bucket``)."""
    fig, ax = plt.subplots()
    buckets = list(dict.fromkeys(table["bucket"]))
    for model, part in table.groupby("model", sort=False):
        x = [buckets.index(b) for b in part["bucket"]]
        ax.plot(x, part["accuracy"], marker="o", label=model)
        ax.fill_between(x, part["ci95 low"], part["ci95 high"], alpha=0.12)
    sizes = table.drop_duplicates("bucket").set_index("bucket")["n"]
    ax.set_xticks(range(len(buckets)), [f"{b}\n(n={sizes[b]:,})" for b in buckets], fontsize=8)
    ax.set(xlabel=xlabel, ylabel="accuracy", title=title)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return fig


def metric_bars_plot(table, column: str, title: str) -> plt.Figure:
    """One metric per model as horizontal bars (e.g. precision on the negative class)."""
    table = table.sort_values(column)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    ax.barh(table["model"], table[column], color="#4f81bd")
    for i, value in enumerate(table[column]):
        ax.text(value + 0.003, i, f"{value:.3f}", va="center", fontsize=9)
    ax.set(xlabel=column, xlim=(max(0.0, table[column].min() - 0.1), 1.0), title=title)
    ax.tick_params(axis="y", labelsize=8)
    return fig


# ----------------------------------------------------------------------------------------------- 02 baselines
def top_features_plot(table, title: str, xlabel: str = "|weight|", max_label: int = 28) -> plt.Figure:
    """The most informative features per class, side by side: ``table`` has ``class`` (neg/pos), ``feature``
    and a signed ``weight`` (as from :func:`helpers.classical.top_features`); bar length is ``|weight|``."""
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 0.28 * max(table.groupby("class").size().max(), 4) + 1.4))
    for ax, name in zip(axes, LABEL_NAMES, strict=True):
        part = table[table["class"] == name].sort_values("weight", key=abs, ascending=False)
        labels = [f if len(f) <= max_label else f[: max_label - 1] + "…" for f in part["feature"]]
        ax.barh(labels, part["weight"].abs(), color=PALETTE[name])
        ax.invert_yaxis()
        ax.set(title=name, xlabel=xlabel, ylabel="")
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(title, fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------- transformers (03, 04)
def reliability_diagram(y_true, p_pos, title: str, n_bins: int = 10) -> plt.Figure:
    """Calibration: observed share of positive reviews against the predicted P(positive), in equal-width bins,
    with the number of reviews per bin underneath (over-confident models sit off the diagonal)."""
    y_true, p_pos = np.asarray(y_true, dtype=float), np.asarray(p_pos, dtype=float)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(p_pos, edges[1:-1]), 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    filled = counts > 0
    mean_p = np.bincount(which, weights=p_pos, minlength=n_bins)[filled] / counts[filled]
    observed = np.bincount(which, weights=y_true, minlength=n_bins)[filled] / counts[filled]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(5.2, 5.4), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot([0, 1], [0, 1], ls="--", color="0.5", lw=1, label="perfectly calibrated")
    top.plot(mean_p, observed, marker="o", color=PALETTE["pos"], label="model")
    top.set(ylabel="observed share positive", xlim=(0, 1), ylim=(0, 1), title=title)
    top.legend(fontsize=8, loc="upper left")
    bottom.bar(edges[:-1] + 0.5 / n_bins, counts, width=0.9 / n_bins, color="0.6")
    bottom.set(xlabel="predicted P(positive)", ylabel="reviews")
    return fig


def learning_curves_plot(histories: dict, title: str) -> plt.Figure:
    """Training loss and validation accuracy against the training step, one line per run (e.g. learning rate).

    ``histories``: ``{run label: DataFrame with step, train_loss, val_accuracy}`` (NaN where not logged).
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    colours = sns.color_palette("deep", len(histories))
    for colour, (label, history) in zip(colours, histories.items(), strict=True):
        loss = history.dropna(subset=["train_loss"])
        left.plot(loss["step"], loss["train_loss"], color=colour, label=label, lw=1.4)
        val = history.dropna(subset=["val_accuracy"])
        right.plot(val["step"], val["val_accuracy"], color=colour, label=label, marker="o", lw=1.4)
    left.set(xlabel="training step", ylabel="training loss", title="training loss")
    right.set(xlabel="training step", ylabel="validation accuracy", title="validation accuracy")
    right.legend(fontsize=8, loc="lower right")
    fig.suptitle(title, fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------- hyperparameter search
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
    ax.legend(fontsize=8, loc="lower right")
    return fig


def param_importance_plot(importances, title: str, method: str = "fANOVA") -> plt.Figure:
    """Horizontal bars of each hyperparameter's importance (``search.param_importances``; they sum to 1)."""
    series = importances.sort_values()
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(series) + 1.2))
    ax.barh(series.index, series.values, color="#4f81bd")
    for y, value in enumerate(series.values):
        ax.text(value, y, f" {value:.2f}", va="center", fontsize=8)
    ax.set(
        xlabel=f"importance for validation accuracy ({method})",
        title=title,
        xlim=(0, max(series.max() * 1.2, 0.1)),
    )
    return fig


def search_params_plot(trials, params, title: str, log_params=("learning_rate",)) -> plt.Figure:
    """Validation accuracy against each hyperparameter, one panel each; pruned trials in grey at their last value."""
    frame = _search_points(trials)
    n_cols = min(4, len(params))
    n_rows = int(np.ceil(len(params) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.1 * n_cols, 2.7 * n_rows), sharey=True, squeeze=False)
    rng = np.random.default_rng(0)
    for ax, name in zip(axes.flat, params, strict=False):
        numeric = frame[name].map(lambda v: isinstance(v, (int, float, np.number))).all()
        categories = sorted(frame[name].dropna().unique(), key=lambda v: (isinstance(v, str), v))
        for state, style in _STATE_STYLE.items():
            part = frame[frame["state"] == state]
            if not len(part):
                continue
            if numeric and (name in log_params or len(categories) > 4):
                x = part[name].astype(float)
            else:
                x = part[name].map({c: i for i, c in enumerate(categories)}) + rng.uniform(
                    -0.12, 0.12, len(part)
                )
            ax.scatter(x, part["y"], s=26, marker=style["marker"], color=style["color"])
        if numeric and (name in log_params or len(categories) > 4):
            if name in log_params:
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(plt.NullFormatter())
        else:
            ax.set_xticks(range(len(categories)), [str(c) for c in categories])
        ax.set(xlabel=name.replace("_", " "))
    for ax in axes[:, 0]:
        ax.set(ylabel="validation accuracy")
    for ax in list(axes.flat)[len(params) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


def pruning_curves_plot(intermediate, title: str) -> plt.Figure:
    """Validation accuracy at each evaluation, one line per trial (``search.intermediate_frame``); pruned trials
    in grey, ending with a cross where the pruner stopped them."""
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    for (number, state), part in intermediate.groupby(["number", "state"], sort=True):
        part = part.sort_values("step")
        if state == "PRUNED":
            ax.plot(part["step"], part["val_accuracy"], color="0.6", lw=1, ls="--")
            ax.scatter(
                part["step"].iloc[-1:],
                part["val_accuracy"].iloc[-1:],
                marker="x",
                color="0.4",
                s=40,
                zorder=3,
            )
        elif state == "COMPLETE":
            ax.plot(part["step"], part["val_accuracy"], marker="o", ms=3, lw=1.2, label=f"trial {number}")
    ax.set(xlabel="evaluation (fixed fractions of an epoch)", ylabel="validation accuracy", title=title)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    handles, labels = ax.get_legend_handles_labels()
    if 0 < len(handles) <= 12:
        ax.legend(fontsize=7, loc="lower right", ncol=2)
    return fig
