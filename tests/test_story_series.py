"""What the series finds, read by one rule: each reading built both ways and seen to flip."""

import numpy as np
import pandas as pd

from helpers import evaluation
from helpers.story import series

LABEL = np.array([1, 0] * 100)
TRANSFORMERS = ("zero_shot", "zero_shot_recalibrated", "fine_tuned")


def _wrong_on(n_wrong, start=0):
    """Predictions right on every review but ``n_wrong`` of them, from ``start`` on."""
    pred = LABEL.copy()
    pred[start : start + n_wrong] = 1 - pred[start : start + n_wrong]
    return pred


def _results(keys_preds, sources=None):
    out = {}
    for key, pred in keys_preds.items():
        frame = pd.DataFrame(
            {
                "review_id": [f"r{i}" for i in range(LABEL.size)],
                "label": LABEL,
                "pred": pred,
                "p_pos": pred * 1.0,
            }
        )
        acc, ci = evaluation.accuracy_with_ci(LABEL, pred)
        default = {"kind": "standin" if key in TRANSFORMERS else "scikit-learn", "name": "minilm"}
        source = (sources or {}).get(key, default)
        record = {
            "model_key": key,
            "model": key,
            "accuracy": acc,
            "accuracy_ci95": list(ci),
            "model_source": source,
        }
        out[key] = (record, frame)
    return out


def test_a_real_difference_is_listed_with_its_paired_interval_and_a_tie_is_not():
    text = "\n".join(series.findings(_results({"tfidf_logreg": LABEL, "fine_tuned": _wrong_on(40)})))
    assert "1 pair is told apart" in text
    assert "- TF-IDF + LR is more accurate than stand-in fine-tuned by +20.0 points (" in text
    assert (
        "TF-IDF + LR is more accurate than stand-in fine-tuned (" in text
    )  # the transformer bullet, same rule
    tie = "\n".join(series.findings(_results({"tfidf_logreg": LABEL, "fine_tuned": LABEL})))
    assert "no two models can be told apart" in tie and "cannot be told apart (1.000 against 1.000" in tie
    assert "alone the pair looks different" not in tie


def test_a_pair_better_unadjusted_but_not_after_holm_is_not_called_better():
    a, b = _wrong_on(2), _wrong_on(13)  # 11 discordant, all for A: exact p = 0.001
    alone = "\n".join(series.findings(_results({"tfidf_logreg": a, "fine_tuned": b})))
    assert "1 pair is told apart" in alone
    crowd = {f"m{i}": _wrong_on(60, start=i) for i in range(5)}  # 21 pairs: Holm needs p < 0.05 / 21
    a, b = _wrong_on(2), _wrong_on(10)  # 8 discordant, all for A: exact p = 0.008
    text = "\n".join(series.findings(_results({"tfidf_logreg": a, "fine_tuned": b, **crowd})))
    assert "TF-IDF + LR and stand-in fine-tuned cannot be told apart once the series' 21 comparisons" in text
    assert "alone the pair looks different (0.990 against 0.950, +4.0 points" in text and "p = 0.008" in text


def test_the_study_is_met_by_its_own_model_only():
    standin = {"kind": "standin", "name": "minilm"}
    distilbert = {"kind": "hub", "name": "distilbert-base-uncased-finetuned-sst-2-english"}
    zero = _wrong_on(18)  # 0.91 on 200 reviews
    for source, words in (
        (standin, "is a different model, so the gap measures it, not the study"),
        (distilbert, "within the two samples' error, consistent with the study"),
    ):
        lines = series.study_lines(_results({"zero_shot": zero}, {"zero_shot": source}))
        assert len(lines) == 1 and words in lines[0], lines
    far = series.study_lines(_results({"zero_shot": _wrong_on(60)}, {"zero_shot": distilbert}))
    assert "outside the two samples' error" in far[0]


def _prior_shift(n_zero_wrong, n_recal_wrong):
    results = _results(
        {
            "zero_shot": _wrong_on(n_zero_wrong),
            "zero_shot_recalibrated": _wrong_on(n_recal_wrong),
            "fine_tuned": LABEL,
        }
    )
    results["zero_shot_recalibrated"][0].update(threshold=0.3, n_validation=500)
    return series.prior_shift_sentence(results)


def test_the_recovered_share_carries_its_interval_or_says_it_has_none():
    text = _prior_shift(40, 20)
    assert "500 validation" in text and "the threshold recovers 50% (95% interval" in text
    unresolved = _prior_shift(3, 2)  # fine-tuning's gain: 3 reviews of 200
    assert (
        "cannot be told from zero, so the share the threshold recovers (33% as measured) has no bound"
        in unresolved
    )
    assert (
        "there is nothing for the threshold to recover: fine-tuning's gain over zero-shot is +0.0 points"
        in _prior_shift(0, 0)
    )
    assert series.prior_shift_sentence(_results({"zero_shot": LABEL})) is None


def test_masking_labels_its_p_as_unadjusted_and_flips():
    real = series.masking_verdict(
        "LR", {"accuracy": 0.92}, {"accuracy": 0.88, "accuracy_ci95": [0.86, 0.9], "p_value": 0.001}
    )
    assert "-4.0 points, a difference these reviews resolve (McNemar p = 0.001, unadjusted)" in real
    noise = series.masking_verdict(
        "LR", {"accuracy": 0.92}, {"accuracy": 0.915, "accuracy_ci95": [0.9, 0.93], "p_value": 0.6}
    )
    assert "cannot confirm" in noise


def test_the_ensemble_question_is_answered_by_its_gain_over_the_transformer_member():
    fine, nb = _wrong_on(40), _wrong_on(20, start=100)
    ensemble = _wrong_on(10, start=100)
    results = _results({"ensemble": ensemble, "fine_tuned": fine, "nbsvm": nb})
    results["ensemble"][0]["members"] = ["fine_tuned", "nbsvm"]
    yes = "\n".join(series.findings(results))
    assert (
        "know something the transformer does not?** Yes, as far as a test of accuracy can show: averaging in"
        in yes
    )
    results = _results({"ensemble": _wrong_on(38), "fine_tuned": fine, "nbsvm": nb})
    results["ensemble"][0]["members"] = ["fine_tuned", "nbsvm"]
    assert "Not on these reviews" in "\n".join(series.findings(results))


def _with_ensemble(preds):
    results = _results(preds)
    results["ensemble"][0]["members"] = ["fine_tuned", "nbsvm"]
    return "\n".join(series.findings(results))


def test_the_ensemble_is_read_against_both_members_and_the_converse_flips():
    # the ensemble beats the transformer (40 discordant reviews) but not the n-grams (a tie): no converse
    text = _with_ensemble({"ensemble": LABEL, "fine_tuned": _wrong_on(40), "nbsvm": LABEL})
    assert (
        "Yes, as far as a test of accuracy can show: averaging in the bag of n-grams' probabilities makes the transformer more accurate"
        in text
    )
    assert "The converse is not shown: the ensemble is not told apart from NB-SVM alone" in text
    # it beats both: the converse holds
    both = _with_ensemble({"ensemble": LABEL, "fine_tuned": _wrong_on(40), "nbsvm": _wrong_on(40, 100)})
    assert "The converse holds too: the transformer makes the n-grams more accurate." in both
    # it beats neither
    neither = _with_ensemble({"ensemble": LABEL, "fine_tuned": LABEL, "nbsvm": LABEL})
    assert "Not on these reviews: the ensemble is not told apart from the transformer alone." in neither


def test_a_recovered_shares_interval_is_said_in_words_and_flips_at_none_and_all():
    from helpers.paired import Difference, Share
    from helpers.story.phrases import share_text

    gain = Difference(0.906, 0.865, 0.02, 0.062, 1000)
    said = {
        (0.30, 1.03): "at least 30% of it, and possibly all",
        (-0.10, 0.80): "possibly none of it, and at most 80%",
        (-0.10, 1.20): "anywhere from none of it to all",
        (0.30, 0.90): "some of it, but not all",
    }
    for (low, high), words in said.items():
        text = share_text(Share(0.66, low, high, gain), "the threshold", "the gain")
        assert text.endswith(f"(+4.1 points, 95% paired interval +2.0 to +6.2): {words}")
