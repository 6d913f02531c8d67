"""The runner's plan: each notebook's work counted in tokens, minutes from speeds measured here."""

import numpy as np
import pytest

from helpers.runner import plan
from helpers.runner.plan import Speed, Work, mean_tokens, notebook_work, plan_lines, search_seconds
from helpers.settings import load_profile

LENGTHS = np.array([100, 300, 700])  # word pieces of three reviews: short, medium, over 510


def profile(**changes):
    return {**load_profile("seed"), **changes}


def test_mean_tokens_caps_each_review_and_adds_the_special_tokens():
    assert mean_tokens(LENGTHS, 512) == pytest.approx((102 + 302 + 512) / 3)
    assert mean_tokens(LENGTHS, 128) == pytest.approx((102 + 128 + 128) / 3)


def test_work_counts_tokens_trained_and_read():
    p = profile(
        n_test=1000,
        test_max_length=512,
        train_max_length=256,
        n_validation=1000,
        n_train_finetune=5000,
        n_train_lr_comparison=1000,
        epochs=1,
    )
    work = notebook_work(p, LENGTHS)
    test_len, train_len = (102 + 302 + 512) / 3, (102 + 256 + 256) / 3
    assert work["03"].trained == 0
    assert work["03"].read == pytest.approx(1000 * test_len + 1000 / 3 * 512)  # the long third read again
    assert work["04"].trained == pytest.approx((3 * 1000 + 5000) * train_len)
    assert work["04"].read == pytest.approx(4 * 3 * 1000 * train_len + 1000 * test_len)
    assert work["05"].trained == pytest.approx(5000 * train_len)  # the winner retrained on 04's reviews


def test_more_training_reviews_cost_proportionally_more():
    small = notebook_work(profile(n_train_finetune=5000), LENGTHS)["04"]
    large = notebook_work(profile(n_train_finetune=10000), LENGTHS)["04"]
    per_review = mean_tokens(LENGTHS, 256)
    assert large.trained - small.trained == pytest.approx(5000 * per_review)


def test_all_training_reviews_when_the_profile_says_null():
    work = notebook_work(
        profile(n_train_finetune=None, n_train_lr_comparison=None, n_validation=500), LENGTHS
    )
    # n_train_lr_comparison None: each of the 3 learning rates on all 24,500 reviews, then the main run
    assert work["04"].trained == pytest.approx(4 * 24_500 * mean_tokens(LENGTHS, 256))


SPEED = Speed(train_tokens_per_s=1000.0, read_tokens_per_s=4000.0, precision="fp32", reason="test")


def test_seconds_from_tokens_and_speeds():
    assert Work(trained=2000, read=8000, fixed_seconds=5).seconds(SPEED) == 2 + 2 + 5


def test_search_costs_its_trials_or_its_time_box_whichever_comes_first():
    p = profile(
        search_trials=10,
        n_train_search=2000,
        n_validation_search=300,
        search_evals_per_epoch=4,
        search_space={"epochs": [1], "train_max_length": [128, 256]},
        search_timeout_minutes=None,
        test_max_length=512,
        train_max_length=256,
        search_pruner="none",  # every trial whole
    )
    # trials train at up to the space's longest length; the validation reviews are read at notebook 04's training
    # length (as the search reads them), not at the test's
    per_trial = (2000 * mean_tokens(LENGTHS, 256)) / 1000 + 4 * 300 * mean_tokens(LENGTHS, 256) / 4000
    assert search_seconds(p, LENGTHS, SPEED) == pytest.approx(10 * per_trial)
    shorter = (2000 * mean_tokens(LENGTHS, 256)) / 1000 + 4 * 300 * mean_tokens(LENGTHS, 128) / 4000
    assert search_seconds({**p, "train_max_length": 128}, LENGTHS, SPEED) == pytest.approx(10 * shorter)
    assert search_seconds({**p, "search_timeout_minutes": 1}, LENGTHS, SPEED) == 60


def test_a_pruned_trial_costs_what_it_trains_before_its_rung():
    """Successive halving, η = 2, 4 evaluations: rungs at 1 and 2. Trial 0 is alone at each rung and trains
    whole (4 quarters); trial 1 goes on past each rung with 1/2 (1 + ½ + ¼ × 2 = 2 quarters); trial 2 is the best
    of 3 at the first rung with 1/3 and of about 3 at the second (1 + ⅓ + ⅑ × 2 = 14/9 quarters)."""
    search = dict(
        search_trials=3,
        n_train_search=2000,
        n_validation_search=300,
        search_evals_per_epoch=4,
        search_reduction_factor=2,
        search_space={"epochs": [1], "train_max_length": [256]},
        search_timeout_minutes=None,
        search_backend="optuna",
    )
    whole = search_seconds(profile(**search, search_pruner="none"), LENGTHS, SPEED)
    halving = search_seconds(profile(**search, search_pruner="halving"), LENGTHS, SPEED)
    assert halving == pytest.approx(whole * (4 + 2 + 14 / 9) / 3 / 4)
    assert search_seconds(profile(**search, search_pruner="median"), LENGTHS, SPEED) == whole  # counted whole


def test_the_seed_searchs_trials_cost_what_the_committed_run_trained():
    """The committed seed search (notebook 05, 22 trials, 4 evaluations, η = 2): 11 trials pruned at the first
    evaluation, 6 at the second and 5 whole, 0.489 of 22 whole trials; the plan counted 22 whole ones."""
    committed = (11 * 1 + 6 * 2 + 5 * 4) / (22 * 4)
    assert plan.trial_share(load_profile("seed")) == pytest.approx(committed, abs=0.02)
    assert plan.halving_evaluations(1000, 4, 1, 2) == pytest.approx(4 * (1 / 4 + 1 / 8 + 1 / 8), rel=0.01)


def test_plan_points_to_the_quick_profile_only_when_over_an_hour():
    notebooks = ["03_pretrained_evaluation", "04_fine_tuning", "06_results_comparison"]
    slow = {"03": Work(read=4000 * 60 * 30), "04": Work(trained=1000 * 60 * 40)}  # 30 + 40 minutes
    lines = plan_lines("seed", notebooks, slow, SPEED)
    assert any("~30 min" in line and "03_pretrained_evaluation" in line for line in lines)
    assert any("~70 min" in line for line in lines)
    assert any("PROFILE=quick" in line for line in lines)
    assert not any("PROFILE=quick" in line for line in plan_lines("quick", notebooks, slow, SPEED))
    fast = {"03": Work(read=4000 * 60), "04": Work(trained=1000 * 60)}
    assert not any("PROFILE=quick" in line for line in plan_lines("seed", notebooks, fast, SPEED))
    assert "no transformer" in plan_lines("seed", notebooks, fast, SPEED)[-2]


def test_speeds_are_measured_on_a_tiny_model_in_the_chosen_precision(tiny):
    model, tokenizer, _ = tiny
    before = {k: v.clone() for k, v in model.state_dict().items()}
    speed = plan.measure_speed(
        model,
        tokenizer,
        train_batch_size=4,
        train_max_length=32,
        test_max_length=64,
        precision="fp32",
        eval_batch_size=4,
        steps=1,
    )
    assert speed.train_tokens_per_s > 0 and speed.read_tokens_per_s > 0
    assert (speed.precision, speed.reason, speed.measured) == ("fp32", "asked for explicitly", None)
    assert all(
        (model.state_dict()[k] == v).all() for k, v in before.items()
    )  # the model itself is not trained


def test_the_plan_prints_both_measured_speeds_and_the_choice():
    from helpers.precision_measure import Measured

    xeon = Measured(3468.0, 1980.0, 11423.0, 6778.0, "2026-12-07T03:00:00Z", 2.5, {})
    speed = Speed(3468.0, 11423.0, "fp32", "auto: bf16 measured 0.57× fp32", measured=xeon.as_dict())
    lines = plan_lines("seed", ["04_fine_tuning"], {"04": Work(trained=3468 * 60)}, speed)
    assert "training 3,468 tokens/s, prediction 11,423 tokens/s, in fp32" in lines[0]
    assert lines[1] == "  precision fp32: auto: bf16 measured 0.57× fp32"
    assert lines[2] == (
        "  measured 2026-12-07T03:00:00Z: bf16 0.57× fp32 in training (1,980 against 3,468 tokens/s), 0.59× in "
        "prediction (6,778 against 11,423)"
    )
    explicit = Speed(3468.0, 11423.0, "fp32", "asked for explicitly")
    assert "measured 2" not in " ".join(plan_lines("seed", ["04_fine_tuning"], {}, explicit))


def test_one_timed_step_times_precisions_interleaved_on_copies(tiny):
    import torch

    from helpers.speed import time_steps

    model, _, _ = tiny
    before = {k: v.clone() for k, v in model.state_dict().items()}
    speeds = time_steps(
        model,
        precisions=("fp32", "bf16"),
        train_shape=(2, 16),
        read_shape=(2, 16),
        device=torch.device("cpu"),
        steps=1,
    )
    assert set(speeds) == {"fp32", "bf16"}
    assert all(s.train_tokens_per_s > 0 and s.read_tokens_per_s > 0 for s in speeds.values())
    assert all((model.state_dict()[k] == v).all() for k, v in before.items())
