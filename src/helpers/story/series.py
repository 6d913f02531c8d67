"""What the series finds (notebook 06's last section and the README): which differences survive the series' one
rule for "better", the study's numbers against ours, the fine-tuned transformer against TF-IDF + LR, the written
-score shortcut and how much a new threshold recovers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers import catalog
from helpers.catalog import ENSEMBLE, FINE_TUNED, NBSVM, RECALIBRATED, TFIDF, TUNED, ZERO_SHOT
from helpers.paired import ALPHA, SeriesComparisons, recovered_share, series_comparisons, study_gap
from helpers.present import model_family, short_label
from helpers.story.comparison import error_balance_text
from helpers.story.phrases import sentence_start, share_text, short_interval, study_gap_text, verdict_text
from helpers.tables import p_text

Results = dict[str, tuple[dict[str, Any], pd.DataFrame]]


def findings(results: Results, alpha: float = ALPHA) -> list[str]:
    """The series' findings as Markdown bullets, generated from the results alone."""
    if not results:
        return []
    order = sorted(results, key=lambda k: -results[k][0]["accuracy"])
    results = {k: results[k] for k in order}
    names = {key: short_label(record) for key, (record, _) in results.items()}
    series = series_comparisons(results)
    lines = differences(series, names, alpha)
    if ENSEMBLE in results and (ensemble := ensemble_line(results, series, names, alpha)):
        lines.append(ensemble)
    lines.append(f"- **Where the errors fall.** {error_balance_text(series.paired, names, alpha)}")
    if study := study_lines(results):
        lines.append(
            "- **The study's numbers.** Each comes from the study's own 1,000 reviews, so the gap to ours carries"
            " both samples' error:"
        )
        lines += [f"  - {line}." for line in study]
    if {FINE_TUNED, TFIDF} <= set(results):
        text = verdict_text(series.verdict(FINE_TUNED, TFIDF, alpha), names)
        lines.append(f"- **The fine-tuned transformer against TF-IDF + LR.** {text}.")
    if {TUNED, FINE_TUNED} <= set(results):
        text = verdict_text(series.verdict(TUNED, FINE_TUNED, alpha), names)
        lines.append(f"- **What the search bought (notebook 05).** {sentence_start(text)}.")
    if shortcut := shortcut_line(results, names):
        lines.append(shortcut)
    if {ZERO_SHOT, RECALIBRATED, FINE_TUNED} <= set(results):
        lines.append(
            f"- **A new threshold against fine-tuning.** {prior_shift(results, series, names, alpha)}"
        )
    return lines


def differences(series: SeriesComparisons, names: dict[str, str], alpha: float = ALPHA) -> list[str]:
    """The pairs the series' rule tells apart, each winner with the models it beats and by how much."""
    beaten: dict[str, list[str]] = {}
    n_pairs = len(series.tests)
    for a, b in zip(series.tests["model A"], series.tests["model B"], strict=True):
        verdict = series.verdict(a, b, alpha)
        if verdict.told_apart:
            beaten.setdefault(verdict.more, []).append(
                f"{names[verdict.less]} by {short_interval(verdict.difference)}"
            )
    n_real = sum(len(v) for v in beaten.values())
    pairs = "the one pair" if n_pairs == 1 else f"each of the {n_pairs} pairs"
    head = (
        f"- **Real differences.** McNemar's test on {pairs} of models, Holm-adjusted over all of them, the one"
        f' rule the series uses for "better": {n_real} {"pair is" if n_real == 1 else "pairs are"} told apart'
        f" at α = {alpha}. Beside each, the difference in points and its own 95% interval over the same reviews"
        " (bootstrap, unadjusted)"
    )
    if not beaten:
        return [head + "; no two models can be told apart on these reviews."]
    rest = n_pairs - n_real
    tail = f"  - The other {rest} {'pair cannot' if rest == 1 else 'pairs cannot'} be told apart on these reviews."
    wins = [
        f"  - {sentence_start(names[w])} is more accurate than {' · '.join(losers)}."
        for w, losers in beaten.items()
    ]
    return [head + ":", *wins, *([tail] if rest else [])]


def study_lines(results: Results) -> list[str]:
    """The study's numbers against our counterparts, each gap with both samples' error."""
    lines = []
    for key, (study_model, study_accuracy) in catalog.study_models().items():
        if key not in results:
            continue
        record, predictions = results[key]
        correct = int((predictions["pred"] == predictions["label"]).sum())
        gap = study_gap(correct, len(predictions), study_accuracy, catalog.STUDY_N)
        source = record.get("base_model_source") or record.get("model_source")
        same = catalog.BY_KEY[key].kind == "classical" or model_family(source) == "DistilBERT"
        lines.append(study_gap_text(gap, study_model, short_label(record), same))
    return lines


def shortcut_line(results: Results, names: dict[str, str]) -> str | None:
    """How much the linear models lose with the written scores masked (one planned test each, unadjusted)."""
    keys = [k for k in (TFIDF, NBSVM) if k in results and results[k][0].get("score_masking")]
    if not keys:
        return None
    masked = [masking_verdict(names[k], results[k][0], results[k][0]["score_masking"]) for k in keys]
    share = results[keys[0]][0]["score_masking"]
    return (
        f"- **The written-score shortcut.** {share['n_stating']:,} of {share['n']:,} test reviews state their own"
        f" score. " + "; ".join(masked) + "."
    )


def masking_verdict(
    label: str, with_scores: dict[str, Any], masked: dict[str, Any], alpha: float = ALPHA
) -> str:
    """How much a model rests on the written scores: its accuracy retrained and scored with them masked, against
    as trained (McNemar's test on the same reviews, ``masked["p_value"]``: one planned test, not one of the
    series' pairs, so its p is unadjusted and says so)."""
    diff = masked["accuracy"] - with_scores["accuracy"]
    low, high = masked["accuracy_ci95"]
    test = f"McNemar p = {p_text(masked['p_value'])}, unadjusted"
    reading = (
        "a difference these reviews resolve"
        if masked["p_value"] < alpha
        else "a difference these reviews cannot confirm"
    )
    return (
        f"{label}: {with_scores['accuracy']:.3f} as trained, {masked['accuracy']:.3f} (95% CI {low:.3f}–{high:.3f})"
        f" with the scores masked in training and test, {100 * diff:+.1f} points, {reading} ({test})"
    )


def prior_shift(
    results: Results, series: SeriesComparisons, names: dict[str, str], alpha: float = ALPHA
) -> str:
    """How much of fine-tuning's gain a new threshold on the zero-shot model recovers, with its interval, and the
    recalibrated model against the fine-tuned one by the series' rule."""
    paired, record = series.paired, results[RECALIBRATED][0]
    label = paired["label"]
    share = recovered_share(label, *(paired[f"{k}:pred"] for k in (ZERO_SHOT, RECALIBRATED, FINE_TUNED)))
    versus = verdict_text(series.verdict(RECALIBRATED, FINE_TUNED, alpha), names)
    zero, recal = (float((paired[f"{k}:pred"] == label).mean()) for k in (ZERO_SHOT, RECALIBRATED))
    recovered = share_text(share, "the threshold", "fine-tuning's gain over zero-shot")
    return (
        f"A threshold of {record['threshold']:.3f} on P(positive), chosen on {record['n_validation']:,} validation"
        f" reviews, moves {names[ZERO_SHOT]} from {zero:.3f} to {recal:.3f};"
        f" {recovered}. {sentence_start(versus)}."
    )


def prior_shift_sentence(results: Results, alpha: float = ALPHA) -> str | None:
    """:func:`prior_shift` from the results alone (None without the three models), for a notebook that has not
    built the series' comparisons."""
    if not {ZERO_SHOT, RECALIBRATED, FINE_TUNED} <= set(results):
        return None
    names = {key: short_label(record) for key, (record, _) in results.items()}
    return prior_shift(results, series_comparisons(results), names, alpha)


def ensemble_line(
    results: Results, series: SeriesComparisons, names: dict[str, str], alpha: float = ALPHA
) -> str | None:
    """Does a bag of n-grams know something the transformer does not? The ensemble against each of its members,
    by the series' rule: a gain over the transformer member says yes."""
    members = [m for m in results[ENSEMBLE][0].get("members", []) if m in results]
    if len(members) != 2:
        return None
    verdicts = {m: series.verdict(ENSEMBLE, m, alpha) for m in members}
    parts = [verdict_text(v, names) for v in verdicts.values()]
    transformer = next(
        (m for m in members if catalog.BY_KEY.get(m) and catalog.BY_KEY[m].kind == "transformer"), None
    )
    gain = (
        transformer is not None
        and verdicts[transformer].told_apart
        and verdicts[transformer].more == ENSEMBLE
    )
    answer = (
        "Yes, as far as a test of accuracy can show: averaging in the bag of n-grams' probabilities makes the"
        " transformer more accurate, so the two err on different reviews (averaging two models that disagree can"
        " gain by itself; it does not say what either reads)."
        if gain
        else "Not on these reviews: the ensemble is not told apart from the transformer alone."
    )
    classical = next((m for m in members if m != transformer), None)
    if transformer is not None and classical is not None:
        other = verdicts[classical]
        if other.told_apart and other.more == ENSEMBLE:
            answer += " The converse holds too: the transformer makes the n-grams more accurate."
        else:
            answer += (
                f" The converse is not shown: the ensemble is not told apart from {names[classical]} alone, so"
                " on these reviews the transformer adds nothing resolvable to the n-grams."
            )
    return (
        f"- **Does a bag of n-grams know something the transformer does not?** {answer} "
        + sentence_start("; ".join(parts))
        + "."
    )
