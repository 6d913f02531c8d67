"""Notebook 05's readings (helpers.story.search), each built both ways and seen to flip."""

import numpy as np
import pandas as pd

from helpers.story import search


def _trials(values, startup=None, retry_of=None):
    """A trials frame: ``values`` maps a trial number to its value (None: pruned); numbers not given are pruned."""
    numbers = range(max(values) + 1)
    return pd.DataFrame(
        {
            "number": list(numbers),
            "state": ["COMPLETE" if values.get(i) is not None else "PRUNED" for i in numbers],
            "value": [np.nan if values.get(i) is None else values[i] for i in numbers],
            "retry_of": [(retry_of or {}).get(i, np.nan) for i in numbers],
        }
    )


def test_the_winner_is_a_start_up_trial_or_the_samplers_proposal():
    start_won = search.search_reading(_trials({1: 0.88, 7: 0.86, 9: 0.85}), 7, 300)
    assert "The winner, trial 1, is one of them: the sampler did not beat it" in start_won
    assert "trial 7 (0.860), against the best start-up trial's 0.880: -2.0 points" in start_won
    sampler_won = search.search_reading(_trials({1: 0.88, 7: 0.90, 9: 0.85}), 7, 300)
    assert "The winner, trial 7, is one of the sampler's 3 proposals" in sampler_won
    assert "+2.0 points" in sampler_won and "did not beat" not in sampler_won
    retried = search.search_reading(_trials({1: 0.88, 9: 0.90}, retry_of={9: 2}), 7, 300)
    assert "None of its 2 proposals completed" in retried  # trial 9 repeats start-up trial 2


def test_without_proposals_or_completed_trials_it_says_so():
    assert "the sampler never proposed a setting" in search.search_reading(_trials({0: 0.8, 3: 0.81}), 7, 300)
    assert "None of the 2 trials completed" in search.search_reading(_trials({1: None}), 7, 300)


def test_the_spread_is_read_against_one_readings_noise_and_called_rough():
    alike = search.search_reading(_trials({0: 0.87, 7: 0.85, 8: 0.82}), 7, 300)  # spans 5 points: ±3.8 at 300
    assert "2 of the 3 complete trials lie within ±3.8 points of the best" in alike
    assert "span 0.820–0.870 (5.0 points), narrower than that interval's full width (7.6 points)" in alike
    apart = search.search_reading(_trials({0: 0.87, 7: 0.86, 8: 0.70}), 7, 300)
    assert "wider than that interval's full width" in apart and "some settings score differently" in apart
    close = search.search_reading(_trials({0: 0.87, 7: 0.86, 8: 0.85}), 7, 300)
    assert "All 3 complete trials lie within ±3.8 points" in close
    for text in (alike, apart):
        assert "rough and unpaired" in text and "per-review predictions" in text
