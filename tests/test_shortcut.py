import pytest

from helpers import shortcut


@pytest.mark.parametrize(
    "text",
    [
        "Great film. 7/10",
        "8 out of 10",
        "I give it a 9.",
        "*****",
        "4 stars",
        "Ten out of ten!",
        "3.5/5",
        "rated 3",
        "I'd rate it 7 out of 10",
        "***1/2",
    ],
)
def test_written_scores_are_found_and_masked(text):
    assert shortcut.states_score([text]).iloc[0]
    masked = shortcut.mask_scores(text)
    assert not shortcut.states_score([masked]).iloc[0]


@pytest.mark.parametrize(
    "text",
    [
        "It was 2 hours long",
        "in 1999 I saw",
        "I watched it 3 times",
        "the 10 best",
        "1/2 of the movie",
        "24/7 fun",
        "** spoiler **",
        "one of five friends",
        "f*** this",
        "give it 10 years",
    ],
)
def test_numbers_that_are_not_scores_are_left_alone(text):
    assert not shortcut.states_score([text]).iloc[0]
    assert shortcut.mask_scores(text) == text


def test_masking_keeps_the_words_around_the_score():
    assert shortcut.mask_scores("I would rate it 7 out of 10, fun.").split() == [
        "I",
        "would",
        "rate",
        "it",
        ",",
        "fun.",
    ]


def test_feature_kinds_call_written_scores_numbers():
    kinds = shortcut.feature_kinds(["4 10", "great", "8 out", "br", "not good", "7"])
    assert kinds.tolist() == ["number", "word", "number", "markup", "word", "number"]
