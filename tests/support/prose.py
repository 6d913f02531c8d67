"""Reading the numbers back out of the notebooks' generated sentences (``helpers.present.say``), to compare each one
with the value a results file records, at the precision the sentence prints it.

A :class:`Claims` collects, per notebook, every number a pattern found and what the results say it should read;
the tests assert that nothing disagrees and that each kind of claim was found at all (a reworded sentence that no
pattern reads any more fails loudly instead of passing on nothing).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from support.builders import output_statements

from helpers.present import short_label
from helpers.story.phrases import sentence_start
from helpers.tables import p_text

ACC = r"(\d\.\d+)"  # an accuracy-like number as printed: 0.907
COUNT = r"(\d{1,3}(?:,\d{3})*(?![\d,]\d))"  # a count as printed: 1,000
SIGNED = r"([+-]\d+\.\d)"  # a difference in points: +3.9
PVALUE = r"(\d\.\d+(?:e-\d+)?)"  # a p-value as printed: 0.32, 0.068, 3.9e-04


def statements(path: Path) -> list[str]:
    """The sentences (and lines, and table rows) a reader reads in an executed notebook's outputs."""
    return output_statements(path)


def label_pattern(results) -> str:
    """A regex alternation of the models' short labels, longest first (so "stand-in zero-shot, new threshold" is
    never read as "stand-in zero-shot")."""
    labels = sorted(set(keys_by_label(results)), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(label) for label in labels) + ")"


def keys_by_label(results) -> dict[str, str]:
    """Each printed label → its model key; a label also as it opens a sentence (first letter capitalised)."""
    keys = {}
    for key, (record, _) in results.items():
        label = short_label(record)
        keys[label] = keys[sentence_start(label)] = key
    return keys


def number(printed: str) -> float:
    return float(printed.replace(",", ""))


def as_printed(value, printed: str) -> str:
    """``value`` written the way ``printed`` is: a count with separators, or a decimal at the printed precision."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    decimals = len(printed.split(".", 1)[1]) if "." in printed else 0
    return f"{value:,.{decimals}f}"


def points(difference: float) -> str:
    """A difference of two accuracies in percentage points, as the sentences print it: ``+3.9``."""
    return f"{difference * 100:+.1f}"


def percent(share: float) -> str:
    return f"{share * 100:.0f}"


def mcnemar(y_true, pred_a, pred_b) -> tuple[int, int, str]:
    """Reviews only A / only B gets right and the McNemar p-value as printed (:func:`mcnemar_exact`)."""
    b, c, p = mcnemar_exact(y_true, pred_a, pred_b)
    return b, c, p_text(p)


def mcnemar_exact(y_true, pred_a, pred_b) -> tuple[int, int, float]:
    """Reviews only A / only B gets right and the McNemar p-value, unrounded, computed with SciPy from the
    predictions files (exact binomial below 25 discordant reviews, else chi-squared with continuity correction,
    the rule the series states)."""
    import numpy as np
    from scipy import stats

    a_right = np.asarray(pred_a) == np.asarray(y_true)
    b_right = np.asarray(pred_b) == np.asarray(y_true)
    b, c = int((a_right & ~b_right).sum()), int((~a_right & b_right).sum())
    if b + c == 0:
        p = 1.0
    elif b + c < 25:
        p = float(stats.binomtest(b, b + c, 0.5).pvalue)
    else:
        p = float(stats.chi2.sf((abs(b - c) - 1) ** 2 / (b + c), df=1))
    return b, c, p


@dataclass
class Claims:
    """Numbers read from sentences, each beside the value the results record for it."""

    found: Counter = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    matches: Counter = field(default_factory=Counter)  # per pattern, how many matches it had

    def check(self, notebook: str, sentence: str, what: str, printed: str, expected: str) -> None:
        self.found[notebook] += 1
        self.seen.append(f"{notebook}: {what} {printed}")
        if printed != expected:
            self.wrong.append(
                f"{notebook}: {what}: the sentence prints {printed}, the results say {expected}\n    {sentence}"
            )

    def value(self, notebook, sentence, what, printed, value) -> None:
        """``printed`` against a recorded number, at the printed precision."""
        self.check(notebook, sentence, what, printed, as_printed(value, printed))

    def report(self) -> str:
        return "\n".join(self.wrong)
