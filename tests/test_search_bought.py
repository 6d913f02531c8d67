"""The progress plot: what a search bought, drawn (its reading is tested in test_story_search.py)."""


def test_the_progress_plot_draws_the_running_best_over_minutes_and_the_reference():
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    import pandas as pd

    from helpers.plots import search_progress_plot

    trials = pd.DataFrame(
        {
            "state": ["COMPLETE", "PRUNED", "COMPLETE", "COMPLETE"],
            "value": [0.80, np.nan, 0.78, 0.86],
            "finished_min": [1.0, 2.0, 3.0, 5.0],
        }
    )
    fig = search_progress_plot(trials, "t", reference=0.84, reference_label="04")
    best, reference = fig.axes[0].lines[0], fig.axes[0].lines[1]
    assert list(best.get_xdata()) == [1.0, 3.0, 5.0, 5.0]
    assert list(best.get_ydata()) == [0.80, 0.80, 0.86, 0.86]  # a running maximum over complete trials
    assert list(reference.get_ydata()) == [0.84, 0.84]
    assert fig.axes[0].get_xlim()[0] == 0
