"""The series' look and how a figure leaves: one seaborn style, saved as PNG under ``figures/<profile>/``, captioned,
shown once with its alt text."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns

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
    """Lay out ``fig``, add its caption, save it to ``figures/<profile>/<name>.png`` and show it once, its alt text both
    as output metadata (``image/png.alt``) and as an ``<img alt>``."""
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
