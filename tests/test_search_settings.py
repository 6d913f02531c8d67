"""helpers.search.SearchSettings: one frozen object says how to search; a bad field is refused by name, and the
keyword call of notebook 05 builds the same settings, the same study and the same record as the object."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from support.builders import toy_reviews

from helpers import search
from helpers.data import with_review_ids
from helpers.search import run as run_module
from helpers.search.settings import search_dir
from helpers.specs import Reading, TrainingRun

SPACE = search.SearchSpace(batch_size=(8,), epochs=(1,), train_max_length=(32,))
RUN = TrainingRun(seed=0, precision="fp32")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("backend", "dask", "backend must be one of"),
        ("n_trials", 0, "n_trials must be positive"),
        ("evals_per_epoch", 0, "evals_per_epoch must be at least 1"),
        ("space", {"dropout": [0.1]}, r"unknown search space keys \['dropout'\]"),
    ],
)
def test_a_bad_field_is_refused_by_name(field, value, message):
    good = search.SearchSettings(profile="test", n_trials=2)
    assert getattr(good, field) != value
    with pytest.raises(ValueError, match=message):
        search.SearchSettings(**{"profile": "test", "n_trials": 2, field: value})


def test_an_unknown_name_is_a_type_error_naming_it(tiny, monkeypatch):
    def no_search(trials, plan):
        raise AssertionError("a misspelt setting must stop the call before any trial")

    monkeypatch.setattr(run_module, "run_optuna", no_search)
    model, tokenizer, _ = tiny
    reviews = with_review_ids(toy_reviews(8)), with_review_ids(toy_reviews(4, 100))
    with pytest.raises(TypeError, match="evals_per_epok"):
        search.run_search(model, tokenizer, *reviews, RUN, profile="test", n_trials=2, evals_per_epok=1)
    with pytest.raises(TypeError, match="evals_per_epok"):  # changing a given object's field: the same check
        search.run_search(model, tokenizer, *reviews, RUN, search.SearchSettings("test", 2), evals_per_epok=1)
    with pytest.raises(TypeError, match="validation_readng"):
        search.retrain_best(
            None,
            model,
            tokenizer,
            *reviews,
            reviews[1],
            Reading(),
            profile="test",
            validation_readng=Reading(),
        )


def test_the_settings_are_built_once_and_read_from_the_object():
    settings = search.SearchSettings("test", 9, space={"epochs": [1]}, timeout_minutes=2, callbacks=[print])
    assert isinstance(settings.space, search.SearchSpace) and settings.space.epochs == (1,)
    assert settings.callbacks == (print,) and settings.timeout_s == 120.0 and settings.n_startup == 3
    assert search.SearchSettings("test", 9, startup_trials=0).n_startup == 0  # given: kept, even 0
    assert settings.pruner_name == "median" and settings.folder == search_dir("test")
    assert search.SearchSettings("test", 9, backend="ray").pruner_name == "ASHA"


def _notebook_05_options(tmp_path, source) -> dict:
    """Every keyword notebook 05 passes to ``run_search`` (and ``root``: the test's folder)."""
    return dict(
        profile="test",
        n_trials=1,
        space=SPACE,
        timeout_minutes=None,
        backend="optuna",
        storage=f"sqlite:///{tmp_path / 'study.db'}",
        pruner="median",
        reduction_factor=None,
        evals_per_epoch=2,
        base_source=source,
        data_source="synthetic reviews",
        root=tmp_path,
        progress=False,
    )


def test_the_keyword_call_builds_the_same_plan_as_the_object(tiny, tmp_path, monkeypatch):
    plans = []

    def backend(trials, plan):
        plans.append((trials, plan))
        return SimpleNamespace(settings={})

    monkeypatch.setattr(run_module, "run_optuna", backend)
    model, tokenizer, source = tiny
    reviews = with_review_ids(toy_reviews(32)), with_review_ids(toy_reviews(16, 100))
    options = _notebook_05_options(tmp_path, source)
    by_name = search.run_search(model, tokenizer, *reviews, RUN, **options)
    settings = search.SearchSettings(**options)
    by_object = search.run_search(model, tokenizer, *reviews, RUN, settings)
    (trials_a, plan_a), (trials_b, plan_b) = plans
    assert plan_a == plan_b and plan_a.settings == settings and trials_a == trials_b
    assert by_name.settings == by_object.settings and by_name.root == by_object.root == tmp_path
    # and a changed field changes the study: the name follows the search, not the way it was called
    search.run_search(model, tokenizer, *reviews, RUN, settings, evals_per_epoch=4)
    assert plans[-1][1].name != plan_a.name and plans[-1][1].settings.evals_per_epoch == 4


def test_the_object_resumes_the_study_the_keyword_call_ran(tiny, tmp_path):
    model, tokenizer, source = tiny
    reviews = with_review_ids(toy_reviews(32)), with_review_ids(toy_reviews(16, 100))
    options = _notebook_05_options(tmp_path, source)
    first = search.run_search(model, tokenizer, *reviews, RUN, **options)
    again = search.run_search(model, tokenizer, *reviews, RUN, search.SearchSettings(**options))
    assert first.n_new == 1 and again.n_new == 0  # the same study: nothing left to run
    assert again.study_name == first.study_name and again.settings == first.settings
    assert again.summary() == first.summary()  # what notebook 05's results file records of the search
