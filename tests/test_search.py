"""helpers.search: valid search-space samples, pruning, resume of a study and of an interrupted trial, the tuned
model's results file, and (slow, optional) the same search through a local Ray instance."""

from __future__ import annotations

import math
from dataclasses import replace
from unittest.mock import ANY

import numpy as np
import optuna
import pytest
from datasets import Dataset
from support.builders import opinion_reviews, toy_reviews
from transformers import TrainerCallback

from helpers import modeling, search
from helpers.data import with_review_ids
from helpers.inference import predict
from helpers.results_files import load_results
from helpers.search.optuna_backend import make_pruner
from helpers.search.study import study_name, time_spent
from helpers.search.trial import TrialSettings, eval_steps, trial_dir
from helpers.specs import Reading, TrainingRun

SPACE = search.SearchSpace(batch_size=(8,), epochs=(1,), train_max_length=(32,))  # tiny: 32 reviews = 4 steps
RUN = TrainingRun(seed=0)  # every trial's template; no validation reading: each trial reads at its own length
FAST = dict(space=SPACE, evals_per_epoch=2, progress=False)


def _reviews(n: int, offset: int = 0) -> Dataset:
    return with_review_ids(toy_reviews(n, offset))


@pytest.fixture(scope="module")
def reviews():
    return _reviews(32), _reviews(16, offset=100)


def _run(tiny, reviews, tmp_path, run=RUN, **kwargs):
    model, tokenizer, source = tiny
    train, validation = reviews
    settings = {
        "profile": "test",
        "storage": f"sqlite:///{tmp_path / 'study.db'}",
        "root": tmp_path,
        "base_source": source,
        **FAST,
        **kwargs,
    }
    return search.run_search(model, tokenizer, train, validation, run, **settings)


# ----------------------------------------------------------------------------------------------- search space
def test_search_space_samples_are_valid():
    space = search.SearchSpace()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0), direction="maximize")
    samples = []
    for _ in range(40):
        trial = study.ask()
        samples.append(space.suggest(trial))
        study.tell(trial, 0.5)
    for params in samples:
        assert set(params) == set(search.PARAMS)
        assert space.learning_rate[0] <= params["learning_rate"] <= space.learning_rate[1]
        assert space.warmup_ratio[0] <= params["warmup_ratio"] <= space.warmup_ratio[1]
        assert space.weight_decay[0] <= params["weight_decay"] <= space.weight_decay[1]
        assert params["batch_size"] in space.batch_size and params["epochs"] in space.epochs
        assert params["train_max_length"] in space.train_max_length
        assert params["truncation"] in ("head", "head_tail")
    # log scale: about half the samples below the geometric mean of the range
    mid = math.sqrt(space.learning_rate[0] * space.learning_rate[1])
    assert 10 <= sum(p["learning_rate"] < mid for p in samples) <= 30
    assert study.trials[0].distributions["learning_rate"] == space.distributions()["learning_rate"]


def test_search_space_from_profile_params():
    space = search.SearchSpace.from_params({"learning_rate": [1e-5, 1e-4], "train_max_length": [64]})
    assert space.learning_rate == (1e-5, 1e-4) and space.train_max_length == (64,) and space.epochs == (1, 2)
    with pytest.raises(ValueError, match="unknown search space keys"):
        search.SearchSpace.from_params({"dropout": [0.1, 0.2]})
    with pytest.raises(ValueError, match=r"unknown search space keys \['max_length'\]"):  # the old name
        search.SearchSpace.from_params({"max_length": [64]})
    with pytest.raises(ValueError, match="learning_rate"):
        search.SearchSpace(learning_rate=(0.0, 1e-4))
    with pytest.raises(ValueError, match="truncation"):
        search.SearchSpace(truncation=("tail",))


# ----------------------------------------------------------------------------------------------- pruning
def test_median_pruner_stops_a_trial_behind_the_others():
    pruner = make_pruner("median", evals_per_epoch=2, startup_trials=2)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    for value in (0.80, 0.82):
        study.add_trial(
            optuna.trial.create_trial(
                value=value,
                params={},
                distributions={},
                intermediate_values={1: value - 0.05, 2: value},
            )
        )
    good, bad = study.ask(), study.ask()
    good.report(0.79, 1)
    bad.report(0.60, 1)  # worse than the median of earlier trials at the same evaluation
    assert not good.should_prune() and bad.should_prune()


def _rung_steps(pruner, n_steps: int) -> list[int]:
    """The evaluations at which a lone trial reporting 1, 2, … ``n_steps`` completes each successive-halving rung
    (Optuna records ``completed_rung_<k>`` on the trial when it passes rung k)."""
    study = optuna.create_study(direction="maximize", pruner=pruner)
    trial, rungs = study.ask(), []
    for step in range(1, n_steps + 1):
        trial.report(0.5 + step / 1000, step)
        assert not trial.should_prune()  # alone, a trial is never pruned
        attrs = study._storage.get_trial(trial._trial_id).system_attrs
        rungs += [step] * (sum(key.startswith("completed_rung_") for key in attrs) - len(rungs))
    return rungs


# (evaluations per epoch, η) → the evaluations that are rungs over two epochs, worked out by hand: the first rung
# after ⌊evaluations per epoch / η²⌋ evaluations (at least 1), then every η times as many, so that with η² dividing
# the evaluations per epoch the third rung is the end of the first epoch: only the best see all the training data.
RUNGS = {
    (2, 2): [1, 2, 4],
    (4, 2): [1, 2, 4, 8],
    (8, 2): [2, 4, 8, 16],
    (2, 3): [1, 3],
    (9, 3): [1, 3, 9],
    (18, 3): [2, 6, 18],
}


@pytest.mark.parametrize(("evals_per_epoch", "eta"), list(RUNGS))
def test_halving_rungs_fall_on_1_eta_eta_squared_times_the_first(evals_per_epoch, eta):
    pruner = make_pruner("halving", evals_per_epoch, startup_trials=0, reduction_factor=eta)
    assert _rung_steps(pruner, 2 * evals_per_epoch) == RUNGS[evals_per_epoch, eta]


def test_halving_prunes_a_worse_trial_at_a_rung_and_only_there():
    pruner = make_pruner("halving", evals_per_epoch=8, startup_trials=0, reduction_factor=2)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    leader = study.ask()
    for step in range(1, 9):
        leader.report(0.6 + step / 100, step)
        assert not leader.should_prune()
    study.tell(leader, 0.68)
    behind = study.ask()
    behind.report(0.1, 1)  # far behind, but evaluation 1 is no rung (the first is at 2)
    assert not behind.should_prune()
    behind.report(0.1, 2)
    assert behind.should_prune()  # the first rung keeps the top half: the leader
    ahead = study.ask()
    for step in range(1, 9):
        ahead.report(0.9, step)
        assert not ahead.should_prune()
    attrs = study._storage.get_trial(ahead._trial_id).system_attrs
    assert sorted(k for k in attrs if k.startswith("completed_rung_")) == [
        f"completed_rung_{k}" for k in range(3)
    ]


def test_halving_needs_a_reduction_factor_of_two_or_more():
    with pytest.raises(ValueError, match="reduction_factor"):
        make_pruner("halving", evals_per_epoch=4, startup_trials=0, reduction_factor=1)


def test_a_halving_search_prunes_at_a_rung_and_the_survivor_reports_at_every_rung(tiny, tmp_path):
    # reviews that carry their label in one sentiment word, and learning rates from too small to move the model to
    # large enough to wreck it in a step, so trials differ at the rungs (on toy_reviews they all tie at 0.5)
    reviews = with_review_ids(opinion_reviews(32, seed=2)), with_review_ids(opinion_reviews(32, seed=3))
    space = search.SearchSpace(
        learning_rate=(1e-5, 0.3), batch_size=(8,), epochs=(1,), train_max_length=(32,)
    )
    result = _run(
        tiny,
        reviews,
        tmp_path,
        n_trials=5,
        pruner="halving",
        reduction_factor=2,
        evals_per_epoch=4,
        space=space,
    )
    rungs = RUNGS[4, 2][:3]  # evaluations 1, 2 and 4 of the 4 in the only epoch
    trials = result.study.trials
    pruned = [t for t in trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, f"successive halving pruned no trial: {[t.intermediate_values for t in trials]}"
    for trial in pruned:  # stopped at a rung it failed: no evaluation after it
        last = max(trial.intermediate_values)
        assert last in rungs and f"completed_rung_{rungs.index(last)}" in trial.system_attrs
    best = next(t for t in trials if t.number == result.best_trial)
    assert best.state == optuna.trial.TrialState.COMPLETE
    assert set(rungs) <= set(best.intermediate_values)  # the survivor reported at every rung
    # and passed each rung before its last evaluation; at the last one the training is done, so it completes
    assert {f"completed_rung_{k}" for k in range(len(rungs) - 1)} <= set(best.system_attrs)
    assert not [
        t for t in pruned if max(t.intermediate_values) == 4
    ]  # no trial pruned after training to the end


class PruneAfterFirst(optuna.pruners.BasePruner):
    """Lets trial 0 finish, prunes every later trial at its first report."""

    def prune(self, study, trial):
        return trial.number >= 1


def test_pruned_trials_stop_early_and_are_cleaned_up(tiny, reviews, tmp_path):
    result = _run(tiny, reviews, tmp_path, n_trials=3, pruner=PruneAfterFirst())
    frame = result.trials
    assert list(frame["state"]) == ["COMPLETE", "PRUNED", "PRUNED"]
    assert list(frame["n_reports"]) == [2, 1, 1]  # pruned at the first of two evaluations
    assert frame.loc[1:, "value"].isna().all() and frame.loc[1:, "last_val_accuracy"].notna().all()
    assert result.n_pruned == 2 and result.best_trial == 0
    trials_root = tmp_path / "trials" / result.study_name
    assert len(list(trials_root.iterdir())) == 1  # pruned trials' folders removed; the complete one kept
    (kept,) = trials_root.iterdir()
    assert (kept / "model").is_dir() and not (kept / "checkpoints").exists()


def test_no_complete_trial_is_a_clear_error(tiny, reviews, tmp_path):
    with pytest.raises(search.SearchError, match="No trial.*completed.*PRUNED"):
        _run(tiny, reviews, tmp_path, n_trials=1, pruner=optuna.pruners.ThresholdPruner(lower=1.01))


# ----------------------------------------------------------------------------------------------- resume
def test_a_second_run_resumes_the_study(tiny, reviews, tmp_path):
    first = _run(tiny, reviews, tmp_path, n_trials=2)
    assert first.n_new == 2 and len(first.trials) == 2
    assert set(first.trials["state"]) == {"COMPLETE"}
    assert first.storage.startswith("sqlite:///") and first.study_name.startswith("test-optuna-")

    again = _run(
        tiny, reviews, tmp_path, n_trials=3
    )  # same storage, same search: only the missing trial runs
    assert again.study_name == first.study_name
    assert again.n_new == 1 and list(again.trials["number"]) == [0, 1, 2]
    assert again.trials.loc[:1, ["learning_rate", "value"]].equals(first.trials[["learning_rate", "value"]])
    assert again.trials.loc[2, "learning_rate"] not in set(
        first.trials["learning_rate"]
    )  # no replayed sample

    done = _run(tiny, reviews, tmp_path, n_trials=3)
    assert done.n_new == 0 and len(done.trials) == 3
    assert done.summary()["states"] == {"COMPLETE": 3} and done.summary()["n_train"] == 32
    # every complete trial kept its best evaluation's predictions, review by review, read back as well
    readings = search.trial_readings(done)
    assert sorted(readings) == [0, 1, 2]
    for number, value in zip(done.trials["number"], done.trials["value"], strict=True):
        labels, pred = readings[number]
        assert list(labels) == list(reviews[1]["label"]) and (pred == labels).mean() == value


class InterruptAt(TrainerCallback):
    """A Ctrl-C in the middle of a trial (after its first checkpoint), once."""

    def __init__(self, step: int):
        self.step, self.fired = step, False

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step and not self.fired:
            self.fired = True
            raise KeyboardInterrupt


def test_an_interrupted_trial_resumes_from_its_checkpoint(tiny, reviews, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _run(tiny, reviews, tmp_path, n_trials=1, callbacks=[InterruptAt(3)])  # evaluations at steps 2 and 4
    result = _run(tiny, reviews, tmp_path, n_trials=1)
    frame = result.trials
    assert list(frame["state"]) == ["FAIL", "COMPLETE"] and result.n_new == 1
    retry = frame.iloc[1]
    assert retry["retry_of"] == 0 and retry["resumed_from"] == "checkpoint-2"
    assert retry["learning_rate"] == frame.iloc[0]["learning_rate"]  # the same configuration, continued
    assert retry["n_reports"] == 2  # the evaluation before the interruption is kept


# ----------------------------------------------------------------------------------------------- a trial's run
def test_a_trial_run_is_the_template_run_with_the_trials_hyperparameters(reviews, tmp_path):
    train, validation = reviews
    reading = Reading("head", 64, batch_size=4)
    template = TrainingRun(
        seed=7, precision="fp32", attention_dropout=0.1, hidden_dropout=None, validation=reading
    )
    settings = TrialSettings(
        model=None,
        tokenizer=None,
        train=train,
        validation=validation,
        trials_root=tmp_path,
        run=template,
        evals_per_epoch=2,
    )
    params = dict(
        learning_rate=3e-4,
        warmup_ratio=0.05,
        weight_decay=0.02,
        batch_size=8,
        epochs=2,
        train_max_length=128,
        truncation="head",
    )
    run = settings.trial_run(params)
    assert isinstance(run, TrainingRun)
    # the trial's hyperparameters (each unlike the template's default), its training length as max_length
    assert (run.learning_rate, run.batch_size, run.max_length, run.truncation) == (3e-4, 8, 128, "head")
    assert (run.epochs, run.warmup_ratio, run.weight_decay) == (2, 0.05, 0.02)
    assert run.eval_steps == eval_steps(len(train), 8, 2) == 2 and run.save_total_limit == 1
    # the template's own settings kept: seed, precision, dropout and the one validation reading of every trial
    assert (run.seed, run.precision, run.attention_dropout, run.hidden_dropout) == (7, "fp32", 0.1, None)
    assert run.validation == reading
    assert run.validation_reading() == Reading("head", 64, batch_size=4, precision="fp32")
    assert settings.run == template  # the template itself is not changed
    # without a validation reading in the template, a trial reads its validation reviews as it trains
    own = replace(settings, run=template.with_(validation=None)).trial_run(
        {**params, "truncation": "head_tail"}
    )
    assert own.validation is None and (own.max_length, own.truncation) == (128, "head_tail")
    assert own.validation_reading() == Reading("head_tail", 128, precision="fp32")


# ----------------------------------------------------------------------------------------------- tuned model
def test_retrain_best_tests_once_and_writes_results(tiny, reviews, tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path / "out"))
    model, tokenizer, source = tiny
    train, validation = reviews
    reading = Reading("head_tail", 32, batch_size=16)  # the search's one validation reading, and the test's
    result = _run(tiny, reviews, tmp_path, run=RUN.with_(validation=reading), n_trials=2)
    test = _reviews(24, offset=500)
    settings = dict(profile="test", base_source=source, data_source="synthetic reviews", progress=False)
    tuned = search.retrain_best(result, model, tokenizer, train, validation, test, reading, **settings)
    assert tuned.reused and tuned.fit.cached  # the best trial's own run: the same config, reviews and seed
    assert tuned.params == result.best_params and tuned.test_reading == reading
    assert tuned.fit.best_val_accuracy == pytest.approx(result.best_value)
    record, predictions = load_results("test")["tuned"]
    assert record["model"] == f"{source.name} fine-tuned on IMDB, tuned by Optuna"
    assert record["n"] == 24 and record["search"]["n_trials"] == 2
    assert record["tuned_params"]["truncation"] == result.best_params["truncation"]
    assert record["test_max_length"] == 32 and record["truncation"] == "head_tail"
    assert record["validation_max_length"] == 32  # read as the test is when no validation reading is given
    assert list(predictions["review_id"]) == list(test["review_id"])

    again = search.retrain_best(
        result, model, tokenizer, train, validation, test, reading, reuse=False, **settings
    )
    assert not again.reused and not again.fit.cached
    assert again.fit.model_path.is_relative_to(tmp_path / "best")
    best = next(t for t in result.study.trials if t.number == result.best_trial)
    final = best.intermediate_values[max(best.intermediate_values)]
    assert again.fit.best_val_accuracy == pytest.approx(
        final
    )  # seeded: the trial repeats, read once at its end
    assert len(again.fit.history.dropna(subset=["val_accuracy"])) == 1  # one reading: nothing is selected


# ----------------------------------------------------------------------------------------------- a fair search
def test_fair_search_scores_like_the_test_and_halves_the_budget(tiny, reviews, tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path / "out"))
    model, tokenizer, source = tiny
    train, validation = reviews
    run = RUN.with_(precision="fp32", validation=Reading("head_tail", 48))
    result = _run(tiny, reviews, tmp_path, run=run, n_trials=3, pruner="halving", reduction_factor=2)
    plain = study_name("test", source.name, train, validation, SPACE, 0, 2)
    assert result.study_name != plain  # scored differently: another study, never a resumed unfair one
    assert result.settings["scoring"] == {
        "eval_max_length": 48,
        "eval_truncation": "head_tail",
        "eval_precision": "fp32",
        "reading": ANY,
    }
    assert (
        result.settings["reduction_factor"] == 2
        and result.settings["precision_choice"]["requested"] == "fp32"
    )
    best = next(t for t in result.study.trials if t.number == result.best_trial)
    assert best.value == max(best.intermediate_values.values())  # the value is the peak of what it reported
    saved, _, _ = modeling.load_classifier("path", best_run_model(tmp_path, result))
    pred = predict(saved, tokenizer, list(validation["text"]), run.validation_reading(), progress=False)
    assert result.best_value == pytest.approx(float((pred.labels == np.asarray(validation["label"])).mean()))

    test = _reviews(24, offset=500)
    test_reading = Reading("head_tail", 48, precision="fp32")
    tuned = search.retrain_best(
        result,
        model,
        tokenizer,
        _reviews(24, offset=200),  # other training reviews (notebook 04's): trained again, not reused
        validation,
        test,
        test_reading,
        profile="test",
        validation_reading=Reading("head_tail", 40),  # notebook 04's reading of its validation reviews
        base_source=source,
        data_source="synthetic reviews",
        progress=False,
    )
    assert not tuned.reused and tuned.test_reading == test_reading
    record, _ = load_results("test")["tuned"]
    assert record["n_train"] == 24 and record["train_max_length"] == 32 and record["test_max_length"] == 48
    assert record["validation_max_length"] == 40
    assert record["train_precision"] == "fp32" and record["eval_precision"] == "fp32"
    assert record["truncation"] == "head_tail"


def best_run_model(root, result):
    return trial_dir(root / "trials" / result.study_name, result.best_params) / "model"


def test_param_importances_need_varied_results():
    study = optuna.create_study(direction="maximize")
    assert search.param_importances(study)[0] is None
    dist = {
        "x": optuna.distributions.FloatDistribution(0, 1),
        "y": optuna.distributions.FloatDistribution(0, 1),
    }
    for i in range(12):
        x, y = i / 12, (i * 5 % 12) / 12
        study.add_trial(optuna.trial.create_trial(value=x, params={"x": x, "y": y}, distributions=dist))
        if i == 8:  # 9 complete trials: too few to apportion variance, and said so
            importances, reason = search.param_importances(study, seed=0)
            assert (
                importances is None and reason == "9 complete trial(s), fewer than the 10 an importance needs"
            )
    importances, method = search.param_importances(study, seed=0)
    assert method == "fANOVA" and importances.index[0] == "x"


def test_param_importances_say_why_not_only_for_the_expected_cases(monkeypatch):
    study = optuna.create_study(direction="maximize")
    dist = {"x": optuna.distributions.FloatDistribution(0, 1)}
    for value in range(3):  # values differ, the one parameter never does
        study.add_trial(optuna.trial.create_trial(value=value, params={"x": 0.5}, distributions=dist))
    importances, reason = search.param_importances(study, seed=0, min_complete=2)
    assert importances is None and reason.startswith("no parameter varied")

    def too_few(*args, **kwargs):
        raise ValueError("Cannot evaluate parameter importances with only a single trial.")

    monkeypatch.setattr(optuna.importance, "get_param_importances", too_few)
    message = "ValueError: Cannot evaluate parameter importances with only a single trial."
    assert search.param_importances(study, min_complete=2) == (None, message)
    for bug in (TypeError("unhashable type: 'list'"), RuntimeError("a bug in the evaluator")):

        def broken(*args, bug=bug, **kwargs):
            raise bug

        monkeypatch.setattr(optuna.importance, "get_param_importances", broken)
        with pytest.raises(type(bug), match=str(bug)):  # a bug is not "no importances"
            search.param_importances(study, min_complete=2)


# ----------------------------------------------------------------------------------------------- Ray Tune
@pytest.mark.slow
def test_a_trial_the_budget_refused_is_logged_as_not_run():
    """Two workers racing for the budget's last slot: the loser's trial fails with no parameters, and its log line
    must say so (it used to raise KeyError in the worker's callback and kill the worker)."""
    from helpers.search.optuna_backend import _trial_line
    from helpers.search.study import BudgetReached

    def refused(trial):
        raise BudgetReached("the budget of 4 trials was taken before trial 0 started")

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="maximize")
    lines = []
    study.optimize(
        refused, n_trials=1, catch=(BudgetReached,), callbacks=[lambda s, t: lines.append(_trial_line(t))]
    )
    assert lines == [" trial  0 not run: the budget was taken by other workers' trials first"]


def test_a_trial_line_fits_a_rendered_notebook_and_says_where_a_pruned_trial_stopped():
    from helpers.search.optuna_backend import _trial_line

    params = dict(
        learning_rate=3.07e-5,
        batch_size=16,
        epochs=1,
        train_max_length=256,
        truncation="head_tail",
        warmup_ratio=0.19,
        weight_decay=0.073,
    )
    pruned = optuna.trial.create_trial(
        state=optuna.trial.TrialState.PRUNED,
        params=params,
        distributions={k: optuna.distributions.CategoricalDistribution([v]) for k, v in params.items()},
        intermediate_values={1: 0.84, 2: 0.7633},
        user_attrs={"duration_s": 40.0},
    )
    line = _trial_line(pruned)
    assert "PRUNED   0.7633@2 lr=3.07e-05" in line and line.endswith("(40 s)") and len(line) <= 96


def test_the_time_box_is_the_studys_so_a_resumed_search_has_only_what_is_left(tiny, reviews, tmp_path):
    first = _run(tiny, reviews, tmp_path, n_trials=2)
    spent = time_spent(first.study)
    assert spent > 0 and first.settings["stopped_by"] == "budget"
    # the same study, a larger budget, a time box its finished trials have already used up: nothing more runs
    boxed = _run(tiny, reviews, tmp_path, n_trials=4, timeout_minutes=spent / 60 / 2)
    assert boxed.n_new == 0 and len(boxed.trials) == 2
    assert boxed.settings["stopped_by"] == "time box"
    # the opposite case: a time box with room left runs the missing trials, and the budget ends the search
    roomy = _run(tiny, reviews, tmp_path, n_trials=4, timeout_minutes=60)
    assert roomy.n_new == 2 and roomy.settings["stopped_by"] == "budget"


def test_time_spent_adds_up_the_finished_trials_from_start_to_end():
    import datetime as dt

    study = optuna.create_study(direction="maximize")
    start = dt.datetime(2026, 1, 1, 12, 0, 0)
    distributions = {"x": optuna.distributions.FloatDistribution(0, 1)}
    for state, seconds in (("COMPLETE", 90), ("PRUNED", 30), ("FAIL", 15)):
        study.add_trial(
            optuna.trial.FrozenTrial(
                number=0,
                state=optuna.trial.TrialState[state],
                value=0.5 if state == "COMPLETE" else None,
                datetime_start=start,
                datetime_complete=start + dt.timedelta(seconds=seconds),
                params={"x": 0.5},
                distributions=distributions,
                user_attrs={},
                system_attrs={},
                intermediate_values={},
                trial_id=0,
            )
        )
    assert time_spent(study) == 135
