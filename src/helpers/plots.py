"""Every figure of the series: one seaborn style, saved as PNG under ``figures/<profile>/`` and returned for display.

Plot functions take data and labels, never compute metrics; each title names the data and the model.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if not matplotlib.get_backend().lower().startswith(("module://matplotlib_inline", "inline")) else None

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from helpers.data import LABEL_NAMES  # noqa: E402
from helpers.paths import display_path, figures_dir  # noqa: E402

PALETTE = {"neg": "#c0504d", "pos": "#4f81bd"}


def set_style() -> None:
    """The series' look: seaborn whitegrid, readable sizes, PNGs at 110 dpi (crisp on GitHub, small in git)."""
    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "savefig.bbox": "tight", "figure.figsize": (7.5, 4.2),
        "axes.titlesize": 11, "axes.titleweight": "bold",
    })


def save_figure(fig: plt.Figure, profile: str, name: str) -> plt.Figure:
    """Save ``fig`` to ``figures/<profile>/<name>.png`` (overwriting) and return it for inline display."""
    path = figures_dir(profile) / f"{name}.png"
    fig.savefig(path, format="png", metadata={"Software": None})
    print(f"saved {display_path(path)}")
    return fig


def caption(fig: plt.Figure, text: str) -> None:
    """A small line under the axes naming the data and the model behind the figure."""
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, color="0.35", wrap=True)


def confusion_matrix_plot(matrix, title: str, ax: plt.Axes | None = None) -> plt.Figure:
    """A 2×2 confusion matrix with counts and row percentages (rows: true label)."""
    matrix = np.asarray(matrix)
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(4.2, 3.6))
    shares = matrix / matrix.sum(axis=1, keepdims=True).clip(min=1)
    annotations = np.array([[f"{c:,}\n{s:.1%}" for c, s in zip(row, srow, strict=True)]
                            for row, srow in zip(matrix, shares, strict=True)])
    sns.heatmap(shares, annot=annotations, fmt="", cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax,
                xticklabels=LABEL_NAMES, yticklabels=LABEL_NAMES)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return fig
