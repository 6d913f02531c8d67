"""Learning rates are written one way everywhere: progress lines, tables, captions."""

from helpers.training import lr_text


def test_round_rates_take_one_digit_and_an_exponent():
    assert [lr_text(lr) for lr in (1e-5, 2e-5, 1e-4, 0.0001)] == ["1e-05", "2e-05", "1e-04", "1e-04"]


def test_a_searched_rate_keeps_three_digits():
    assert lr_text(5.61152e-05) == "5.61e-05" and lr_text(3.071e-05) == "3.07e-05"
