"""Notebook 04's learning-rate reading: the chosen rate against each other on the same validation reviews."""

import numpy as np

from helpers.story.fine_tuning import learning_rate_text

Y = np.array([0, 1] * 500)


def _wrong_on(n_wrong, start=0):
    pred = Y.copy()
    pred[start : start + n_wrong] = 1 - pred[start : start + n_wrong]
    return pred


def test_a_choice_the_reviews_cannot_resolve_says_so_and_a_clear_one_says_it_rests_on_the_data():
    # the other rates err on other reviews too: 20 vs 25 and 30 vs 40 discordant reviews
    close = learning_rate_text(
        Y, {1e-5: _wrong_on(120), 2e-5: _wrong_on(125, 20), 1e-4: _wrong_on(130, 30)}, 1e-5
    )
    assert close.startswith(
        "On the same 1,000 validation reviews, 1e-05 (0.880) leads 2e-05 by +0.5 points ("
    )
    assert "None of these gaps is resolved" in close
    clear = learning_rate_text(Y, {1e-5: _wrong_on(120), 1e-4: _wrong_on(300)}, 1e-5)
    assert "1e-04 by +18.0 points (" in clear and "resolve each gap" in clear
    mixed = learning_rate_text(
        Y, {1e-5: _wrong_on(120), 2e-5: _wrong_on(125, 20), 1e-4: _wrong_on(300)}, 1e-5
    )
    assert "The gap to 2e-05 is within the noise; the others are resolved." in mixed
    assert learning_rate_text(Y, {1e-5: Y}, 1e-5).endswith(
        "is the only rate tried (points, 95% paired interval)."
    )
