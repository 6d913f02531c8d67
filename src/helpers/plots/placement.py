"""Point labels that keep clear of each other and of the lines drawn: each label goes to the first of a ring of
offsets around its point whose box, measured with the figure's renderer, covers no label placed before it, no line
it must not cross and stays inside the axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cbook import STEP_LOOKUP_MAP
from matplotlib.transforms import Bbox

# (dx, dy) in points from the point, horizontal and vertical alignment: nearest and most readable first
_OFFSETS = (
    (6, 0, "left", "center"),
    (-6, 0, "right", "center"),
    (5, 5, "left", "bottom"),
    (5, -5, "left", "top"),
    (-5, 5, "right", "bottom"),
    (-5, -5, "right", "top"),
    (8, 14, "left", "bottom"),
    (8, -14, "left", "top"),
    (-8, 14, "right", "bottom"),
    (-8, -14, "right", "top"),
    (10, 26, "left", "bottom"),
    (10, -26, "left", "top"),
    (-10, 26, "right", "bottom"),
    (-10, -26, "right", "top"),
)
_HARD, _SOFT = (
    100.0,
    1.0,
)  # weights: labels, lines and the legend must stay clear; markers and error bars should


def step_segments(x, y, where: str = "post") -> np.ndarray:
    """The segments (x0, y0, x1, y1) of the step line ``ax.step(x, y, where=where)`` draws, in data coordinates."""
    vertices = np.asarray(STEP_LOOKUP_MAP[f"steps-{where}"](np.asarray(x, float), np.asarray(y, float))).T
    return np.hstack([vertices[:-1], vertices[1:]]) if len(vertices) > 1 else np.empty((0, 4))


def segment_boxes(ax: plt.Axes, segments, width_px: float = 1.5) -> list[Bbox]:
    """Display-space boxes around data-space segments, ``width_px`` either side (a line has a width)."""
    boxes = []
    for x0, y0, x1, y1 in np.asarray(segments, float).reshape(-1, 4):
        (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
        boxes.append(
            Bbox([[min(a, c) - width_px, min(b, d) - width_px], [max(a, c) + width_px, max(b, d) + width_px]])
        )
    return boxes


def _overlap(box: Bbox, other: Bbox) -> float:
    """The area two boxes share (0 where they only touch)."""
    width = min(box.x1, other.x1) - max(box.x0, other.x0)
    height = min(box.y1, other.y1) - max(box.y0, other.y0)
    return max(width, 0.0) * max(height, 0.0)


def _cost(box: Bbox, hard: list[Bbox], soft: list[Bbox], frame: Bbox) -> float:
    outside = box.width * box.height - _overlap(box, frame)
    return _HARD * (outside + sum(_overlap(box, h) for h in hard)) + _SOFT * sum(
        _overlap(box, s) for s in soft
    )


def place_labels(
    ax: plt.Axes, points, texts, avoid=(), soft=(), fontsize: float = 8.5, **text_kw
) -> list[plt.Annotation]:
    """Label each data point ``(x, y)`` with its text at the first offset in the ring whose box overlaps no label
    placed before it, no display-space box in ``avoid`` (lines, the legend) and lies inside the axes; where none
    does, at the offset that overlaps least, boxes in ``soft`` (markers, error bars) counting a hundredth as much.
    Draw everything else (and lay the figure out) first: the boxes are measured where the labels will stay."""
    renderer = ax.figure.canvas.get_renderer()
    frame, hard, placed = ax.get_window_extent(renderer), list(avoid), []
    for (x, y), text in zip(points, texts, strict=True):
        label = ax.annotate(
            text, (x, y), xytext=(0, 0), textcoords="offset points", fontsize=fontsize, **text_kw
        )
        best = None
        for dx, dy, ha, va in _OFFSETS:
            label.xyann = (dx, dy)
            label.set(ha=ha, va=va)
            box = label.get_window_extent(renderer)
            cost = _cost(box, hard, list(soft), frame)
            if best is None or cost < best[0]:
                best = (cost, dx, dy, ha, va)
            if cost == 0:
                break
        label.xyann = best[1:3]
        label.set(ha=best[3], va=best[4])
        label.set_in_layout(False)  # a later tight_layout keeps the axes where the labels were measured
        hard.append(label.get_window_extent(renderer))
        placed.append(label)
    return placed
