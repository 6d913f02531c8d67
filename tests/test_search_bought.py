"""present.search_bought: what a search bought for its minutes, judged against the validation noise."""

from helpers.present import search_bought

BASE = dict(minutes=12.4, n_validation=300, n_train_search=800, reference_label="stand-in fine-tuned")


def test_a_best_within_the_validation_noise_is_called_so():
    (line,) = search_bought(best_validation=0.90, reference=0.89, n_train_reference=10_000, **BASE)
    assert "within the noise of 300 reviews" in line and "+1.0 points" in line and "12 minutes" in line
    assert "trained on 10,000 reviews to the trials' 800" in line


def test_a_best_beyond_the_noise_flips_the_verdict_both_ways():
    (above,) = search_bought(best_validation=0.95, reference=0.85, n_train_reference=None, **BASE)
    (below,) = search_bought(best_validation=0.80, reference=0.90, n_train_reference=None, **BASE)
    assert "more than the noise" in above and "+10.0 points" in above
    assert "less than the noise" in below and "-10.0 points" in below


def test_no_reference_is_said_and_the_retrained_comparison_added():
    lines = search_bought(
        best_validation=0.9,
        reference=None,
        n_train_reference=None,
        retrained=(0.88, 0.90),
        n_validation_04=1000,
        **BASE,
    )
    assert "not on this machine" in lines[0]
    assert "0.880 on its 1,000 validation reviews against 0.900 (-2.0 points" in lines[1]


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
