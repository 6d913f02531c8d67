"""``run_search``: one call from a notebook to a finished study, whichever backend runs the trials."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from helpers.precision import choose_precision
from helpers.search.optuna_backend import run_optuna
from helpers.search.ray_backend import run_ray
from helpers.search.results import SearchResult
from helpers.search.space import SearchSpace
from helpers.search.study import StudyPlan, default_storage, search_dir, study_name
from helpers.search.trial import TrialSettings
from helpers.specs import TrainingRun

BACKENDS = ("optuna", "ray")


def run_search(
    model,
    tokenizer,
    train,
    validation,
    run: TrainingRun,
    *,
    profile: str,
    n_trials: int,
    space: SearchSpace | dict | None = None,
    timeout_minutes: float | None = None,
    backend: str = "optuna",
    storage: str | None = None,
    pruner: Any = "median",
    reduction_factor: int | None = None,
    evals_per_epoch: int = 2,
    startup_trials: int | None = None,
    name: str | None = None,
    root: str | os.PathLike | None = None,
    base_source=None,
    data_source=None,
    callbacks: list | None = None,
    keep_checkpoints: bool = False,
    progress: bool = True,
    ray_address: str | None = None,
    ray_cpus_per_trial: float | None = None,
    ray_max_concurrent: int = 1,
) -> SearchResult:
    """Search fine-tuning hyperparameters for ``model`` on ``train``, scored on ``validation`` (both carved from the
    IMDB training split, see :func:`helpers.search.search_data`); returns a :class:`SearchResult`.

    ``run`` (:class:`helpers.specs.TrainingRun`) is what every trial shares: seed, precision, device, dropout, and
    its ``validation`` reading, one reading of the validation reviews for every trial (None: each trial's own
    training length); the trials vary what ``space`` samples. ``n_trials`` is the study's total budget: a resumed
    study runs only the trials it lacks. ``timeout_minutes`` stops starting new trials after that long (a running
    trial finishes). ``storage``: an SQLAlchemy URL, default ``$IMDB_SEARCH_STORAGE`` or SQLite under
    ``models/search/<profile>/``. ``pruner``: ``median``, ``halving`` (successive halving with ``reduction_factor``
    η: rungs at 1, η, η², … evaluations, so the best configurations train on the whole ``train``), ``none`` or an
    Optuna pruner (Ray always uses ASHA with the same η). ``evals_per_epoch``: validation evaluations (pruning
    points) per epoch. ``startup_trials``: random trials before TPE models the results (default: a third of the
    budget, at least 2). ``name``: the study name (default :func:`study_name`: same search, same name). ``root``:
    where the trials' folders go (default ``models/search/<profile>``). ``callbacks``: extra ``Trainer`` callbacks
    for every trial. ``backend="ray"``: Ray Tune on ``ray_address`` / ``$RAY_ADDRESS`` (local when unset),
    ``ray_max_concurrent`` trials at a time with ``ray_cpus_per_trial`` CPUs each.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    if n_trials < 1:
        raise ValueError(f"n_trials must be positive, got {n_trials}")
    space = space if isinstance(space, SearchSpace) else SearchSpace.from_params(space)
    base_name = base_source.name if base_source else getattr(model.config, "_name_or_path", "model")
    root = Path(root) if root is not None else search_dir(profile)
    settings = TrialSettings(
        model=model,
        tokenizer=tokenizer,
        train=train,
        validation=validation,
        trials_root=root,  # replaced below by the study's own folder
        run=run,
        evals_per_epoch=evals_per_epoch,
        base_source=base_source,
        data_source=data_source,
        callbacks=tuple(callbacks or ()),
        keep_checkpoints=keep_checkpoints,
        progress=progress,
    )
    scoring = settings.scoring()
    plan = StudyPlan(
        name=name
        or study_name(
            profile, base_name, train, validation, space, run.seed, evals_per_epoch, backend, scoring
        ),
        n_trials=n_trials,
        space=space,
        seed=run.seed,
        startup_trials=startup_trials if startup_trials is not None else max(2, n_trials // 3),
        root=root,
        timeout_s=None if timeout_minutes is None else float(timeout_minutes) * 60,
        reduction_factor=reduction_factor,
    )
    settings = replace(settings, trials_root=plan.trials_root)
    if backend == "ray":
        result = run_ray(settings, plan, ray_address, ray_cpus_per_trial, ray_max_concurrent)
        pruner_name = "ASHA"
    else:
        result = run_optuna(settings, plan, storage or default_storage(profile), pruner)
        pruner_name = pruner if isinstance(pruner, str) else type(pruner).__name__
    result.settings = {
        "n_trials_budget": n_trials,
        "timeout_minutes": timeout_minutes,
        "evals_per_epoch": evals_per_epoch,
        "startup_trials": plan.startup_trials,
        "seed": run.seed,
        "n_train": len(train),
        "n_validation": len(validation),
        "validation": "carved from the IMDB training split",
        "pruner": pruner_name,
        "reduction_factor": reduction_factor,
        "precision_choice": choose_precision(run.precision).as_dict(),
        "scoring": scoring or "Trainer evaluation at each trial's training length",
        **result.settings,
    }
    result.root = plan.root
    return result
