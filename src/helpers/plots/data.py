"""The data's figures (notebook 01): class balance, review lengths, indicative words."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from helpers.labels import LABEL_NAMES
from helpers.plots.style import PALETTE


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
