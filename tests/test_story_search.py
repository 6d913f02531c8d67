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
    alone = search.search_reading(_trials({1: 0.8, 7: None}), 7, 300)
    assert "Its one proposal did not complete" in alone and "Only one trial completed (0.800)" in alone
    assert "span" not in alone  # one value spans nothing


def test_without_readings_the_spread_is_read_against_one_readings_noise_and_called_rough():
    alike = search.search_reading(_trials({0: 0.87, 7: 0.85, 8: 0.82}), 7, 300)  # ±3.8 at 300
    assert "2 of the 3 complete trials lie within ±3.8 points of the best" in alike
    assert "Their values span 0.820–0.870 (5.0 points)." in alike
    close = search.search_reading(_trials({0: 0.87, 7: 0.86, 8: 0.85}), 7, 300)
    assert "All 3 complete trials lie within ±3.8 points" in close
    assert "rough and unpaired" in alike and "per-review predictions" in alike


def _reading(n_wrong, start=0, n=300):
    labels = np.array([0, 1] * (n // 2))
    pred = labels.copy()
    pred[start : start + n_wrong] = 1 - pred[start : start + n_wrong]
    return labels, pred


def test_with_readings_the_best_is_set_against_each_trial_on_the_same_reviews_and_flips():
    trials = _trials({0: 0.9, 7: 0.85, 8: 0.8})
    # the others err on the best's 30 reviews and on more besides: leads of 5 and 10 points, both resolved
    apart = {0: _reading(30), 7: _reading(45), 8: _reading(60)}
    text = search.search_reading(trials, 7, 300, apart)
    assert "larger than the noise against each of the other 2 complete trials" in text and "rough" not in text
    assert "95% paired interval" in text  # the sampler's best proposal against the best start-up trial
    # the same accuracies, but the errors fall on different reviews: one trial is within the noise
    near = {0: _reading(30), 7: _reading(45, start=100), 8: _reading(60)}
    assert "cannot be told from 1 of the other 2 complete trials" in search.search_reading(
        trials, 7, 300, near
    )
    same = {0: _reading(30), 7: _reading(31), 8: _reading(32)}
    assert "cannot be told from any of the other 2" in search.search_reading(trials, 7, 300, same)


SUMMARY = dict(
    n_trials=22,
    n_pruned=17,
    n_complete=4,  # one failed: not n_trials - n_pruned
    n_train_search=800,
    n_validation=300,
    test_ci=(0.897, 0.932),
)


def test_the_summary_never_sets_the_test_accuracy_against_the_validation_maximum():
    for best, test in ((0.873, 0.916), (0.90, 0.88), (0.9, 0.9)):
        lines = search.search_summary(
            **SUMMARY, best_validation=best, test_accuracy=test, n_train_final=10_000
        )
        assert "a maximum over tries, biased upward" in lines[0]
        assert "the highest of 4 complete trials' values" in lines[0]
        assert f"**{test:.3f}** (95% CI 0.897–0.932)" in lines[1] and "not like for like" in lines[1]
        assert "points" not in lines[1] and "above" not in lines[1] and "below" not in lines[1]


def test_the_summary_names_only_the_differences_that_are_there():
    unlike = search.search_summary(
        **SUMMARY,
        best_validation=0.873,
        test_accuracy=0.916,
        n_train_final=10_000,
        n_test=1000,
        test_max_length=512,
        validation_max_length=256,
    )
    assert "on 1,000 test reviews" in unlike[1] and ", read at 256 tokens:" in unlike[0]
    assert (
        "measured on other reviews, by a model retrained on 10,000 reviews instead of 800 and reading 512 tokens"
        " per review instead of 256" in unlike[1]
    )
    same = search.search_summary(
        **SUMMARY,
        best_validation=0.873,
        test_accuracy=0.916,
        n_train_final=800,
        test_max_length=256,
        validation_max_length=256,
    )
    assert "measured on other reviews, so the two are not like for like" in same[1]


ROW = {
    "model A": "fine_tuned",
    "model B": "tuned",
    "n": 1000,
    "accuracy A": 0.907,
    "accuracy B": 0.916,
    "only A right": 28,
    "only B right": 37,
    "p value": 0.32,
}
SAME = dict(fine_label="fine", n_train={"fine_tuned": 10_000, "tuned": 10_000}, n_validation=300)


def _paired(row):
    """Per-review predictions with the row's counts: right by both, by fine_tuned only, by tuned only, neither."""
    n, a, b = row["n"], row["only A right"], row["only B right"]
    both = round(row["accuracy A"] * n) - a
    fine = np.r_[np.zeros(both + a), np.ones(n - both - a)].astype(int)
    tuned = np.r_[np.zeros(both), np.ones(a), np.zeros(b), np.ones(n - both - a - b)].astype(int)
    return pd.DataFrame({"label": np.zeros(n, dtype=int), "fine_tuned:pred": fine, "tuned:pred": tuned})


def test_the_tuned_model_is_a_paired_difference_and_the_verdict_is_left_to_06():
    text = search.tuned_reading(ROW, **SAME)
    assert (
        "the tuned model scores 0.916 on the same 1,000 test reviews, +0.9 points, 95% paired interval"
        in text
    )
    assert "McNemar p = 0.32, unadjusted" in text and "notebook 06's verdict" in text
    assert (
        "10,000 reviews: as long as they read the test the same way, the difference is the hyperparameters"
        in text
    )
    assert text == search.tuned_reading(ROW, **SAME, paired=_paired(ROW))  # the counts say all a pairing does
    worse = {**ROW, "accuracy B": 0.879, "only A right": 40, "only B right": 12, "p value": 1.5e-4}
    worse_text = search.tuned_reading(worse, **SAME)
    assert "scores 0.879" in worse_text and "-2.8 points, 95% paired interval -4." in worse_text
    for reading in (text, worse_text):  # a small unadjusted p never makes a verdict here
        assert "more accurate than" not in reading and "less accurate" not in reading
        assert "cannot be told apart" not in reading and "real difference" not in reading


def test_a_tuned_model_not_like_for_like_reads_no_difference():
    data = search.tuned_reading(
        ROW, fine_label="fine", n_train={"fine_tuned": 10_000, "tuned": 800}, n_validation=1
    )
    assert "trained on 800 reviews against 10,000, so the two are not like for like" in data
    assert "points" not in data and "McNemar" not in data
    readings = {"fine_tuned": (512, "head_tail"), "tuned": (256, "head")}
    read = search.tuned_reading(ROW, **SAME, readings=readings)
    assert (
        "reads the test at 256 tokens (head) against 512 tokens (head_tail)" in read and "points" not in read
    )
    alike = search.tuned_reading(ROW, **SAME, readings={**readings, "tuned": (512, "head_tail")})
    assert (
        "read the test the same way (512 tokens, head_tail): the difference" in alike
        and "+0.9 points" in alike
    )
    unknown = search.tuned_reading(
        ROW, fine_label="fine", n_train={"fine_tuned": None, "tuned": 1}, n_validation=1
    )
    assert "do not say how many reviews" in unknown and "same 1 reviews" not in unknown


BOUGHT = dict(
    minutes=12.4, best_validation=0.873, n_validation=300, n_train_search=800, reference_label="fine"
)


def test_what_the_search_bought_reads_no_difference_on_validation_reviews():
    more_data = search.search_bought(reference=0.88, n_train_reference=10_000, **BOUGHT)
    assert "in 12 minutes its best trial reached 0.873" in more_data[0] and "scores 0.880" in more_data[0]
    assert "trained on 10,000 reviews to the trials' 800, so the two are not like for like" in more_data[0]
    quick = search.search_bought(reference=0.88, n_train_reference=800, **(BOUGHT | {"minutes": 0.2}))
    assert "in under a minute its best trial" in quick[0]
    same_data = search.search_bought(reference=0.88, n_train_reference=800, **BOUGHT)
    assert "maximum over its tries" in same_data[0] and "not like for like" not in same_data[0]
    for lines in (more_data, same_data):
        assert "no difference is read" in lines[0]
        assert "points" not in lines[0] and "noise" not in lines[0] and "±" not in lines[0]


def test_no_reference_is_said_and_the_retrained_pair_is_given_without_a_difference():
    lines = search.search_bought(
        reference=None, n_train_reference=None, retrained=(0.88, 0.90), n_validation_04=1000, **BOUGHT
    )
    assert "was not scored on these reviews: its saved model is not at hand" in lines[0]
    assert "the winner scores 0.880 on its 1,000 validation reviews against 0.900" in lines[1]
    assert "on 300 of them" in lines[1] and "points" not in lines[1]


def test_a_tie_for_the_best_value_is_said_and_won_by_the_earlier_trial():
    tie = search.search_reading(_trials({0: 0.873, 5: 0.873, 7: 0.867}), 7, 300)
    assert "Trial 0 shares its value, 0.873, with trial 5: it wins the tie as the earlier trial." in tie
    assert "shares its value" not in search.search_reading(_trials({0: 0.873, 5: 0.87, 7: 0.867}), 7, 300)


FACTS = dict(
    fine_label="fine",
    n_train={"fine_tuned": 10_000, "tuned": 10_000},
    readings={"fine_tuned": (512, "head_tail"), "tuned": (512, "head_tail")},
    precisions={"fine_tuned": "fp32", "tuned": "fp32"},
)


def test_the_answer_rests_on_the_paired_interval_and_flips_with_it():
    unresolved = search.search_answer(ROW, **FACTS)
    assert unresolved.startswith(
        "**Not on these reviews:** the tuned model scores 0.916 against fine's 0.907"
    )
    assert (
        "+0.9 points, 95% paired interval" in unresolved
        and "cannot tell the search's settings from notebook 04's" in unresolved
        and "another training seed" in unresolved
    )
    better = {**ROW, "accuracy B": 0.937, "only A right": 10, "only B right": 40, "p value": 1e-5}
    resolved = search.search_answer(better, **FACTS)
    assert (
        resolved.startswith("**Possibly:**")
        and "+3.0 points" in resolved
        and "notebook 06's verdict" in resolved
    )
    worse = {**ROW, "accuracy B": 0.877, "only A right": 40, "only B right": 10, "p value": 1e-5}
    assert search.search_answer(worse, **FACTS).startswith("**No:**")
    bf16 = search.search_answer(ROW, **{**FACTS, "precisions": {"fine_tuned": "fp32", "tuned": "bf16"}})
    assert bf16.startswith("**No answer from these runs:** the tuned model trained in bf16 against fp32")
    assert "points" not in bf16


def test_a_tuned_model_trained_in_another_precision_reads_no_difference():
    text = search.tuned_reading(
        ROW, **{**FACTS, "precisions": {"fine_tuned": "fp32", "tuned": "bf16"}}, n_validation=3
    )
    assert "trained in bf16 against fp32, so the two are not like for like" in text and "points" not in text
    same = search.tuned_reading(ROW, **FACTS, n_validation=3)
    assert "+0.9 points" in same and "(512 tokens, head_tail)" in same


def test_without_notebook_04s_results_there_is_no_answer():
    line, answer = search.versus_fine_tuned(None, {}, fine_label="fine", n_validation=3)
    assert "run notebook 04 first" in line and answer.startswith("**No answer from this run:**")


def _ran(n_start, n_proposed, startup=7):
    numbers = list(range(n_start)) + list(range(startup, startup + n_proposed))
    return pd.DataFrame({"number": numbers, "state": "PRUNED", "retry_of": np.nan})


def test_what_ended_the_search_is_the_budget_or_the_time_box():
    boxed = search.stopped_text(
        _ran(7, 4), budget=22, timeout_minutes=30, startup_trials=7, stopped_by="time box"
    )
    assert boxed.startswith(
        "The 30-minute time box ended the search, not its budget: 11 of the 22 budgeted trials"
    )
    assert "(7 random start-up trials and 4 of the sampler's own proposals)" in boxed
    assert "TPE had 4 settings of its own to learn from" in boxed
    full = search.stopped_text(
        _ran(7, 15), budget=22, timeout_minutes=30, startup_trials=7, stopped_by="budget"
    )
    assert full == (
        "The budget ended the search: all 22 trials ran (7 random start-up trials and 15 of the sampler's own"
        " proposals)."
    )
    cut = search.stopped_text(_ran(3, 0), budget=22, timeout_minutes=30, startup_trials=7, stopped_by=None)
    assert (
        "stopped after 3 of its 22 trials" in cut
        and "continues the study" in cut
        and "time box ended" not in cut
    )


SPACE = {
    "learning_rate": [1e-5, 2e-4],
    "epochs": [1],
    "batch_size": [16, 32],
    "train_max_length": [128, 256],
    "truncation": ["head", "head_tail"],
}


def _setting_trials(rows):
    columns = [
        "number",
        "state",
        "value",
        "learning_rate",
        "epochs",
        "batch_size",
        "train_max_length",
        "truncation",
    ]
    return pd.DataFrame([(i, *row) for i, row in enumerate(rows)], columns=columns)


def test_the_settings_figure_is_read_for_what_the_complete_trials_share_and_what_never_completed():
    trials = _setting_trials(
        [
            ("COMPLETE", 0.87, 3e-5, 1, 16, 128, "head"),
            ("COMPLETE", 0.87, 7e-5, 1, 16, 128, "head"),
            ("PRUNED", np.nan, 8e-5, 1, 32, 256, "head_tail"),
        ]
    )
    text = search.settings_text(trials, SPACE)
    assert (
        "All 2 complete trials trained with batch size 16, 128 training tokens and the review's head." in text
    )
    assert (
        "No trial with batch size 32 (1 tried), 256 training tokens (1 tried) or the review's head + tail"
        in text
    )
    assert "span: learning rates 3.0e-05 to 7.0e-05 (searched: 1.0e-05 to 2.0e-04)." in text
    assert "not which setting matters" in text and "epoch" not in text
    mixed = _setting_trials(
        [("COMPLETE", 0.87, 3e-5, 1, 16, 128, "head"), ("COMPLETE", 0.86, 7e-5, 1, 32, 256, "head_tail")]
    )
    text = search.settings_text(mixed, SPACE)
    assert "Complete trials used both batch size 16 and batch size 32" in text
    assert "No trial with" not in text and "pruning" not in text
    assert "not which setting matters" not in search.settings_text(mixed, SPACE, min_complete=2)


def test_what_pruning_bought_follows_what_ended_the_search():
    trials = pd.DataFrame(
        {
            "state": ["COMPLETE", "PRUNED", "PRUNED"],
            "n_reports": [4, 1, 2],
            "duration_s": [240.0, 60.0, 120.0],
        }
    )
    boxed = search.pruning_text(trials, "time box")
    assert boxed.startswith(
        "2 of 3 trials were pruned, after 1.5 evaluations on average; they took 1.5 min each"
    )
    assert "let more trials start before the time box closed" in boxed
    budget = search.pruning_text(trials, "budget")
    assert "ended the budget of trials sooner" in budget and "time box" not in budget


def test_one_complete_trial_is_read_as_one():
    one = _setting_trials(
        [("COMPLETE", 0.6, 5.6e-5, 1, 16, 128, "head"), ("PRUNED", np.nan, 1e-4, 1, 16, 128, "head_tail")]
    )
    text = search.settings_text(one, SPACE)
    assert (
        "The one complete trial trained with batch size 16, 128 training tokens and the review's head."
        in text
    )
    assert "Its settings: learning rate 5.6e-05 (searched: 1.0e-05 to 2.0e-04)." in text
    summary = search.search_summary(
        **{**SUMMARY, "n_complete": 1}, best_validation=0.6, test_accuracy=0.7, n_train_final=1
    )
    assert "is the one complete trial's on the same 300 validation reviews." in summary[0]
    assert "maximum over tries" not in summary[0]
    ran = search.stopped_text(_ran(2, 1), budget=3, timeout_minutes=5, startup_trials=2, stopped_by="budget")
    assert ran.endswith("(2 random start-up trials and one proposal of the sampler's own).")


def test_the_tuned_model_is_read_by_class_under_the_models_labels():
    from types import SimpleNamespace

    # 100 negative, 100 positive reviews: the tuned model gains 12 negatives and loses 12 positives
    label = np.r_[np.zeros(100), np.ones(100)].astype(int)
    fine = label.copy()
    fine[:20] = 1  # 04's model calls 20 negatives positive
    tuned = label.copy()
    tuned[:8] = 1
    tuned[100:112] = 0
    paired = pd.DataFrame({"label": label, "fine_tuned:pred": fine, "tuned:pred": tuned})
    text = search.class_trade_text(SimpleNamespace(paired=paired), "stand-in tuned", "stand-in fine-tuned")
    assert text.startswith("Stand-in tuned minus stand-in fine-tuned by class")
    assert "negative (gain), positive (loss)" in text and "a trade between groups" in text
    even = paired.assign(**{"tuned:pred": label})
    assert "trade" not in search.class_trade_text(SimpleNamespace(paired=even), "t", "f")
    assert "no results of notebook 04's model" in search.class_trade_text(None, "t", "f")


def test_the_curves_say_how_many_complete_trials_ended_below_their_peak():
    rows = [
        (0, "COMPLETE", 1, 0.86),
        (0, "COMPLETE", 2, 0.87),
        (1, "COMPLETE", 1, 0.87),
        (1, "COMPLETE", 2, 0.82),
    ]
    rows += [(2, "PRUNED", 1, 0.80)]
    curves = pd.DataFrame(rows, columns=["number", "state", "step", "val_accuracy"])
    text = search.peaks_text(curves)
    assert "1 of the 2 complete trials ended below their best evaluation (trial 1 the most: 0.870" in text
    assert "0.820 at the end" in text
    rising = curves[curves["number"] != 1]
    assert search.peaks_text(rising) == " Every complete trial ended at its best evaluation."
