"""``run_search``: one call from a notebook to a finished study, whichever backend runs the trials."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from helpers.precision import choose_precision
from helpers.search.optuna_backend import run_optuna
from helpers.search.ray_backend import run_ray
from helpers.search.results import SearchResult
from helpers.search.settings import SearchSettings, StudyPlan
from helpers.search.study import study_name
from helpers.search.trial import TrialSettings, scoring
from helpers.specs import TrainingRun


def run_search(
    model,
    tokenizer,
    train,
    validation,
    run: TrainingRun,
    settings: SearchSettings | None = None,
    **options: Any,
) -> SearchResult:
    """Search fine-tuning hyperparameters for ``model`` on ``train``, scored on ``validation``; returns a
    :class:`SearchResult`.

    ``run`` (:class:`helpers.specs.TrainingRun`) is what every trial shares (seed, precision, device, dropout, the
    ``validation`` reading); the trials vary what the settings' ``space`` samples. ``settings``: a
    :class:`SearchSettings`; ``options``: its fields by name, which build one or change the given one's."""
    settings = replace(settings, **options) if settings is not None else SearchSettings(**options)
    plan = StudyPlan(_study_name(settings, model, train, validation, run), run.seed, settings)
    trials = TrialSettings(
        model=model,
        tokenizer=tokenizer,
        train=train,
        validation=validation,
        trials_root=plan.trials_root,
        run=run,
        evals_per_epoch=settings.evals_per_epoch,
        base_source=settings.base_source,
        data_source=settings.data_source,
        callbacks=settings.callbacks,
        keep_checkpoints=settings.keep_checkpoints,
        progress=settings.progress,
    )
    result = run_ray(trials, plan) if settings.backend == "ray" else run_optuna(trials, plan)
    result.settings = {
        "n_trials_budget": settings.n_trials,
        "timeout_minutes": settings.timeout_minutes,
        "evals_per_epoch": settings.evals_per_epoch,
        "startup_trials": settings.n_startup,
        "seed": run.seed,
        "n_train": len(train),
        "n_validation": len(validation),
        "validation": "carved from the IMDB training split",
        "pruner": settings.pruner_name,
        "reduction_factor": settings.reduction_factor,
        "precision_choice": choose_precision(run.precision).as_dict(),
        "scoring": scoring(run) or "Trainer evaluation at each trial's training length",
        **result.settings,
    }
    result.root = settings.folder
    return result


def _study_name(settings: SearchSettings, model, train, validation, run: TrainingRun) -> str:
    """The settings' ``name``, else :func:`study_name` of this search (same search, same name: it resumes)."""
    if settings.name:
        return settings.name
    source = settings.base_source
    base_name = source.name if source else getattr(model.config, "_name_or_path", "model")
    return study_name(
        settings.profile,
        base_name,
        train,
        validation,
        settings.space,
        run.seed,
        settings.evals_per_epoch,
        settings.backend,
        scoring(run),
    )
