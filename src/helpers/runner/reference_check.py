"""Did this run reproduce the committed reference? Each model's accuracy then and now, the share of identical
predictions on the same reviews, and a flag when the difference is beyond what the machine's numerics explain.

Another CPU or precision rounds scores differently, so a review at the threshold may change label. More changes
than :data:`NUMERICS_CHANGED_SHARE` of the reviews (at least :data:`NUMERICS_MIN_CHANGES`), or an accuracy outside
the reference's 95% confidence interval, is more than rounding and is flagged; the flag says when the model was
made in another precision than the reference (another model, not rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

# Rounding moves only the reviews that sit at the decision threshold: 1 in 1,000 was measured (bf16 on another
# CPU, above); five times that is still rounding, more is not.
NUMERICS_CHANGED_SHARE = 0.005
# On a few hundred reviews the share allows less than one review: a handful of flips is still rounding.
NUMERICS_MIN_CHANGES = 3


@dataclass(frozen=True)
class Comparison:
    """One model against its reference: accuracies, reviews compared and changed, and the verdict."""

    model_key: str
    accuracy_then: float
    accuracy_now: float
    ci_then: tuple[float, float]
    compared: int  # reviews present in both predictions files
    changed: int  # of those, reviews whose predicted label changed
    precision_then: str = ""  # "bf16", or "trained bf16, read fp32"; "" for a model without a precision
    precision_now: str = ""

    @property
    def allowed_changes(self) -> int:
        return max(NUMERICS_MIN_CHANGES, math.floor(NUMERICS_CHANGED_SHARE * self.compared))

    @property
    def reasons(self) -> list[str]:
        """Why the difference is beyond numerics (empty: it is not)."""
        reasons = []
        if self.compared == 0:
            reasons.append("no review in common with the reference")
        elif self.changed > self.allowed_changes:
            reasons.append(f"{self.changed:,} predictions changed (numerics explain {self.allowed_changes})")
        low, high = self.ci_then
        if not low <= self.accuracy_now <= high:
            reasons.append(f"accuracy outside the reference's 95% CI {low:.3f}–{high:.3f}")
        if reasons and self.precision_then != self.precision_now:
            reasons.append(
                f"the reference ran in {self.precision_then}, this run in {self.precision_now}: a model trained "
                "in another precision is another model"
            )
        return reasons

    @property
    def verdict(self) -> str:
        if self.reasons:
            return "⚠ beyond numerics: " + "; ".join(self.reasons)
        if self.changed == 0:
            return "identical"
        return "numerics (within what another CPU or precision explains)"


def compare(reference: tuple[dict[str, Any], pd.DataFrame], now: tuple[dict[str, Any], pd.DataFrame]):
    """The :class:`Comparison` of one model's ``(record, predictions)`` now against its reference's, its
    predictions matched by ``review_id``."""
    (then_record, then_pred), (now_record, now_pred) = reference, now
    joined = pd.concat(
        [
            then_pred.set_index("review_id")["pred"].rename("then"),
            now_pred.set_index("review_id")["pred"].rename("now"),
        ],
        axis=1,
        join="inner",
    )
    low, high = then_record["accuracy_ci95"]
    return Comparison(
        model_key=now_record["model_key"],
        accuracy_then=float(then_record["accuracy"]),
        accuracy_now=float(now_record["accuracy"]),
        ci_then=(float(low), float(high)),
        compared=len(joined),
        changed=int((joined["then"] != joined["now"]).sum()),
        precision_then=precision_text(then_record),
        precision_now=precision_text(now_record),
    )


def precision_text(record: dict[str, Any]) -> str:
    """The precision a model was made in: ``bf16``, ``trained bf16, read fp32``, or "" (no transformer)."""
    trained, read = record.get("train_precision"), record.get("eval_precision")
    if trained and read and trained != read:
        return f"trained {trained}, read {read}"
    return trained or read or ""


def reference_lines(profile: str, run_results: Path, reference: Path) -> list[str]:
    """The terminal's lines comparing every model of ``run_results`` that ``reference`` (the committed
    ``results/<profile>/``) also has; none when the profile has no committed reference or the run wrote into it."""
    from helpers.present import short_label
    from helpers.results_files import ResultsError, load_results

    if not reference.is_dir() or run_results.resolve() == reference.resolve():
        return []
    try:
        then = load_results(profile, folder=reference, required=False)
        now = load_results(profile, folder=run_results, required=False)
    except ResultsError as error:
        return [f"against the committed reference: not compared ({error})"]
    comparisons = [
        (short_label(now[key][0]), compare(then[key], now[key])) for key in sorted(now) if key in then
    ]
    if not comparisons:
        return []
    width = max(len(label) for label, _ in comparisons)
    lines = [
        f"against the committed reference (results/{profile}/): accuracy then and now, identical predictions",
        f"  {'model':<{width}}  then   now    identical",
    ]
    for label, c in comparisons:
        share = c.compared and (c.compared - c.changed) / c.compared
        lines.append(
            f"  {label:<{width}}  {c.accuracy_then:.3f}  {c.accuracy_now:.3f}  {share:7.1%} "
            f"({c.changed:,} of {c.compared:,} changed)  {c.verdict}"
        )
    return lines
