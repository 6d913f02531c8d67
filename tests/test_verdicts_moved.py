"""The verdicts notebooks 02, 03 and 04 used to build in a cell, now helpers: each flips with its statistic."""

from helpers.verdicts import (
    difference_words,
    reproduction_headline,
    state_of_the_art_text,
    text_used_verdict,
)


def test_a_difference_is_real_only_below_alpha():
    assert difference_words(0.0004) == "a real difference"
    assert difference_words(0.05) == "a difference these reviews cannot confirm"
    assert difference_words(0.32) == "a difference these reviews cannot confirm"


def test_which_text_follows_both_intervals_and_the_test_between_the_forests():
    assert "cannot say which text" in text_used_verdict(True, True, 0.30)
    assert "separates them (p = 0.010)" in text_used_verdict(True, True, 0.01)
    assert text_used_verdict(True, False, 0.5) == "Only raw text is consistent with it"
    assert text_used_verdict(False, True, 0.5) == "Only cleaned text is consistent with it"
    assert text_used_verdict(False, False, 0.5) == "Neither is consistent with it"


def test_the_baseline_reproduces_when_either_interval_holds_the_study():
    assert reproduction_headline(False, True) == "The study's baseline reproduces here."
    assert reproduction_headline(False, False) == "The study's baseline does not reproduce here."


def test_the_forest_is_not_the_state_of_the_art_only_when_a_linear_model_beats_it():
    assert state_of_the_art_text(True, "x").startswith("**It is not the classical state of the art:**")
    assert state_of_the_art_text(False, "x").startswith("**This sample cannot show")
