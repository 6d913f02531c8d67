"""The search-progress figure's legend covers none of its points."""

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402

from helpers.plots import search_progress_plot  # noqa: E402


def test_the_legend_covers_no_trial():
    trials = pd.DataFrame(
        {  # the latest trial sits low and at the right: where a "lower right" legend used to be drawn
            "state": ["COMPLETE"] * 4,
            "finished_min": [1.0, 4.0, 8.0, 15.0],
            "value": [0.86, 0.873, 0.87, 0.80],
        }
    )
    fig = search_progress_plot(trials, title="t", reference=0.88, reference_label="04, same reviews")
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent()
    points = ax.transData.transform(trials[["finished_min", "value"]].to_numpy())
    assert not any(box.contains(x, y) for x, y in points)
    assert box.y1 < ax.get_window_extent().y0  # below the axes
