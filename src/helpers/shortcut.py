"""The written-score shortcut: reviews that state their own score ("7/10", "8 out of 10", "*****", "4 stars"), the
score IMDB's labels come from. :func:`states_score` finds them, :func:`mask_scores` removes the score, and
:func:`feature_kinds` says which of a model's top features are numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

_NUMBER = r"(?:\d{1,3}(?:[.,]\d{1,2})?|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
_SCALE = r"(?:10|100|5|4|ten|five|four)"
# Each pattern's group "score" is what :func:`mask_scores` removes (for "I'd rate it 7" only the "7").
SCORE_PATTERNS = {
    "x/10 or x out of 10": re.compile(
        rf"(?<![\w/.])(?P<score>{_NUMBER}\s*(?:/|out\s+of|outta)\s*{_SCALE})\b(?![/.]\d)", re.IGNORECASE
    ),
    "x stars": re.compile(
        rf"(?<![\w.])(?P<score>{_NUMBER}(?:\s+and\s+a\s+half)?\s*-?\s*stars?)\b", re.IGNORECASE
    ),
    "a row of stars": re.compile(r"(?<![\w*])(?P<score>\*{3,5}(?:\s*1/2)?|★{1,5})(?![\w*])"),
    "rated or scored x": re.compile(
        rf"\b(?:rat(?:e|ed|ing)|scor(?:e|ed)|grade|give|gives|gave|vote|voted)\s+(?:it|this(?:\s+\w+)?)?\s*"
        rf"(?:a|an)?\s*:?\s*(?P<score>{_NUMBER})\b"
        r"(?!\s*(?:years?|minutes?|times|people|hours?|stars?|of\b|out\b|/))",
        re.IGNORECASE,
    ),
}


def score_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of every written score in ``text`` (each pattern's ``score`` group; overlaps merged)."""
    spans = sorted(m.span("score") for pattern in SCORE_PATTERNS.values() for m in pattern.finditer(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def states_score(texts: Iterable[str], index=None) -> pd.Series:
    """Whether each review states a score of its own (any of :data:`SCORE_PATTERNS`)."""
    return pd.Series([bool(score_spans(t)) for t in texts], index=index, name="states a score", dtype=bool)


def mask_scores(text: str) -> str:
    """``text`` with every written score replaced by a space (the words around it untouched)."""
    for start, end in reversed(score_spans(text)):
        text = text[:start] + " " + text[end:]
    return text


def mask_reviews(dataset):
    """A Dataset (``text`` column) with :func:`mask_scores` applied to every review."""
    return dataset.map(lambda batch: {"text": [mask_scores(t) for t in batch["text"]]}, batched=True)


_DIGITS = re.compile(r"^\d+([.,]\d+)?$")


def feature_kinds(features: Iterable[str]) -> pd.Series:
    """What each n-gram feature is: ``number`` when one of its tokens is a number written in digits (the trace of
    a written score: "7", "4 10", "8 out"), ``markup`` for the HTML break ``br``, ``word`` otherwise."""
    kinds = []
    for feature in features:
        tokens = str(feature).split()
        if any(_DIGITS.match(token) for token in tokens):
            kinds.append("number")
        elif "br" in tokens:
            kinds.append("markup")
        else:
            kinds.append("word")
    return pd.Series(kinds, index=list(features) if not isinstance(features, pd.Series) else features.index)
