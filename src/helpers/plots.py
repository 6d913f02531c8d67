"""Every figure of the series: one seaborn style, saved as PNG under ``figures/<profile>/`` and returned for display.

Plot functions take data and labels, never compute metrics; each title names the data and the model.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import seaborn as sns

from helpers.labels import LABEL_NAMES
from helpers.paths import figures_dir


def _headless_outside_notebooks() -> None:
    """Draw with Agg (no window, no display needed) unless Jupyter's inline backend shows figures in a notebook."""
    if not matplotlib.get_backend().lower().startswith(("module://matplotlib_inline", "inline")):
        matplotlib.use("Agg")


_headless_outside_notebooks()

PALETTE = {"neg": "#c0504d", "pos": "#4f81bd"}
MAX_WIDTH_INCHES = 8.2  # 900 px at 110 dpi


def set_style() -> None:
    """The series' look: seaborn whitegrid, PNGs at 110 dpi, at most ``MAX_WIDTH_INCHES`` wide: GitHub's ~900-px
    column then shows every figure at full size, so 9-pt text stays 9 pt."""
    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "figure.figsize": (7.5, 4.2),
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
            "font.size": 10,
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
        }
    )


def save_figure(fig: plt.Figure, profile: str, name: str) -> Path:
    """Save ``fig`` to ``figures/<profile>/<name>.png`` (overwriting), without showing it."""
    path = figures_dir(profile) / f"{name}.png"
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def caption(fig: plt.Figure, text: str) -> None:
    """The series' one caption style: a grey 9-pt line under the axes naming the data and the model."""
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=9, color="0.35", wrap=True)


def describe(fig: plt.Figure) -> str:
    """A default alt text: the figure's titles and axis labels, in words."""
    parts = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        if not ax.axison:
            continue
        title = ax.get_title().replace("\n", " ")
        axes = " against ".join(t for t in (ax.get_ylabel(), ax.get_xlabel()) if t)
        parts.append(", ".join(t for t in (title, axes) if t))
    return "; ".join(p.replace("\n", " ") for p in dict.fromkeys(parts) if p)


def publish(fig: plt.Figure, profile: str, name: str, caption_text: str = "", alt: str | None = None) -> None:
    """Lay out ``fig``, add its caption, save it to ``figures/<profile>/<name>.png`` and show it once, with alt text.

    The displayed output carries the alt text both as output metadata (``image/png.alt``, which JupyterLab and
    nbconvert's classic template read) and as an ``<img alt>`` (nbconvert's default lab template, GitHub).
    """
    import base64
    import html

    if fig.get_figwidth() > MAX_WIDTH_INCHES + 0.05:
        raise ValueError(
            f"figure {name!r} is {fig.get_figwidth():.1f} in wide: at most {MAX_WIDTH_INCHES} in keeps its text "
            "legible in a 900-px column (use small multiples or fewer columns)"
        )
    fig.tight_layout()
    if caption_text:
        caption(fig, caption_text)
    path = save_figure(fig, profile, name)
    alt = " ".join((alt or describe(fig)).split())
    if caption_text:
        alt = f"{alt}. {caption_text}" if caption_text not in alt else alt
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        png = base64.b64encode(path.read_bytes()).decode("ascii")
        bundle = {
            "image/png": png,
            "text/html": f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}">',
            "text/plain": f"[figure: {alt}]",
        }
        display(bundle, raw=True, metadata={"image/png": {"alt": alt}})
        plt.close(fig)


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
    ax.tick_params(axis="y", labelsize=9)
    return fig


# ----------------------------------------------------------------------------------------------- 05 comparison
def ci_errors(table) -> list:
    """Matplotlib's error-bar lengths (below, above) from ``accuracy``, ``ci95 low`` and ``ci95 high``."""
    return [table["accuracy"] - table["ci95 low"], table["ci95 high"] - table["accuracy"]]


def accuracy_ci_plot(table, title: str) -> plt.Figure:
    """Accuracy with 95% CI bars per model (``comparisons.comparison_table``), with the study's numbers as crosses."""
    table = table.sort_values("accuracy")
    fig, ax = plt.subplots(figsize=(8.0, 0.5 * len(table) + 1.4))
    y = np.arange(len(table))
    ax.errorbar(
        table["accuracy"],
        y,
        xerr=ci_errors(table),
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
    ax.set_yticks(y, list(table["model"]))
    ax.set(xlabel="accuracy", title=title)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def confusion_matrices_plot(matrices: dict[str, list], title: str, columns: int = 3) -> plt.Figure:
    """Confusion matrices side by side (``columns`` per row), one per model name, titles wrapped to fit."""
    import math
    import textwrap

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
    import math

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
    """One metric per model as horizontal bars (e.g. precision on the negative class)."""
    table = table.sort_values(column)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    ax.barh(table["model"], table[column], color="#4f81bd")
    for i, value in enumerate(table[column]):
        ax.text(value + 0.003, i, f"{value:.3f}", va="center", fontsize=9)
    ax.set(xlabel=f"{column} (axis from 0.5, chance)", xlim=(0.5, 1.0), title=title)
    ax.tick_params(axis="y", labelsize=9)
    return fig


# ----------------------------------------------------------------------------------------------- 02 baselines
def top_features_plot(table, title: str, xlabel: str = "|weight|", max_label: int = 28) -> plt.Figure:
    """The most informative features per class, side by side: ``table`` has ``class`` (neg/pos), ``feature``
    and a signed ``weight`` (as from :func:`helpers.classical.top_features`); bar length is ``|weight|``."""
    fig, axes = plt.subplots(1, 2, figsize=(8.2, 0.28 * max(table.groupby("class").size().max(), 4) + 1.4))
    for ax, name in zip(axes, LABEL_NAMES, strict=True):
        part = table[table["class"] == name].sort_values("weight", key=abs, ascending=False)
        labels = [f if len(f) <= max_label else f[: max_label - 1] + "…" for f in part["feature"]]
        ax.barh(labels, part["weight"].abs(), color=PALETTE[name])
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
    ``accuracy``, ``ci95 low``, ``ci95 high`` and ``frontier``."""
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
    for _, row in table.iterrows():
        ax.annotate(
            row["model"],
            (row["seconds"], row["accuracy"]),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=8.5,
        )
    ax.set_xscale("log")
    ax.set_xlim(table["seconds"].min() / 2, table["seconds"].max() * 6)
    ax.set(
        xlabel="seconds to train + predict the test reviews (log scale)", ylabel="test accuracy", title=title
    )
    ax.legend(loc="lower right")
    return fig


def learning_curves_plot(histories: dict, title: str, min_span: float = 0.1) -> plt.Figure:
    """Training loss and validation accuracy against the training step, one line per run (e.g. learning rate).

    ``histories``: ``{run label: DataFrame with step, train_loss, val_accuracy}`` (NaN where not logged). The
    accuracy axis spans at least ``min_span``, so differences within the validation set's noise look small.
    """
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
    ax.legend(fontsize=9, loc="lower right")
    return fig


def search_progress_plot(
    trials, title: str, reference: float | None = None, reference_label: str = ""
) -> plt.Figure:
    """Best validation accuracy so far against the minutes the search had run when each trial finished
    (``search.trials_frame``: ``finished_min``, complete trials' ``value``), with ``reference`` (e.g. notebook
    04's model scored on the same validation reviews) as a dashed line: what the search bought for its minutes."""
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
    ax.set_xlim(0, end * 1.05)
    ax.set(xlabel="minutes since the search started", ylabel="validation accuracy", title=title)
    # below the axes, where it can cover no trial and no line
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, frameon=False)
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


PARAM_AXIS_LABELS = {"train_max_length": "training length (tokens)"}  # the rest: the name, spaced


def search_params_plot(trials, params, title: str, log_params=("learning_rate",)) -> plt.Figure:
    """Validation accuracy against each hyperparameter, one panel each; pruned trials in grey at their last value."""
    frame = _search_points(trials)
    n_cols = min(3, len(params))
    n_rows = int(np.ceil(len(params) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.7 * n_cols, 2.4 * n_rows), sharey=True, squeeze=False)
    rng = np.random.default_rng(0)
    for ax, name in zip(axes.flat, params, strict=False):
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
                x = part[name].map({c: i for i, c in enumerate(categories)}) + rng.uniform(
                    -0.12, 0.12, len(part)
                )
            ax.scatter(x, part["y"], s=26, marker=style["marker"], color=style["color"])
        if continuous:
            if name in log_params:
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(plt.NullFormatter())
        else:
            ax.set_xticks(range(len(categories)), [str(c) for c in categories])
        ax.set(xlabel=PARAM_AXIS_LABELS.get(name, name.replace("_", " ")))
    for ax in axes[:, 0]:
        ax.set(ylabel="validation accuracy")
    for ax in list(axes.flat)[len(params) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


def pruning_curves_plot(intermediate, title: str, highlight: int = 3) -> plt.Figure:
    """Validation accuracy at each evaluation, one line per trial (``search.intermediate_frame``): the ``highlight``
    best complete trials in colour, the other complete trials in light grey, pruned trials dashed in grey and
    ending with a cross where the pruner stopped them (at most ``highlight`` coloured lines overlap)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    complete = intermediate[intermediate["state"] == "COMPLETE"]
    best = list(
        complete.groupby("number")["val_accuracy"].max().sort_values(ascending=False).index[:highlight]
    )
    colours = dict(zip(best, sns.color_palette("deep", len(best)), strict=True))
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
        elif state == "COMPLETE" and number in colours:
            ax.plot(
                part["step"],
                part["val_accuracy"],
                marker="o",
                ms=3,
                lw=1.6,
                color=colours[number],
                label=f"trial {number}",
                zorder=4,
            )
        elif state == "COMPLETE":
            ax.plot(part["step"], part["val_accuracy"], color="0.8", lw=1)
    ax.set(xlabel="evaluation (fixed fractions of an epoch)", ylabel="validation accuracy", title=title)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    if best:
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: best.index(int(labels[i].split()[-1])))
        ax.legend(
            [handles[i] for i in order], [labels[i] for i in order], loc="lower right", title="best trials"
        )
    return fig
