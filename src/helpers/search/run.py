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

BACKENDS = ("optuna", "ray")


def run_search(
    model,
    tokenizer,
    train,
    validation,
    *,
    profile: str,
    n_trials: int,
    timeout_minutes: float | None = None,
    space: SearchSpace | dict | None = None,
    seed: int = 42,
    backend: str = "optuna",
    storage: str | None = None,
    name: str | None = None,
    pruner: Any = "median",
    evals_per_epoch: int = 2,
    startup_trials: int | None = None,
    eval_batch_size: int | str = "auto",
    base_source=None,
    data_source=None,
    root: str | os.PathLike | None = None,
    callbacks: list | None = None,
    keep_checkpoints: bool = False,
    progress: bool = True,
    ray_address: str | None = None,
    ray_cpus_per_trial: float | None = None,
    ray_max_concurrent: int = 1,
    precision: str = "auto",
    eval_max_length: int | None = None,
    eval_truncation: str | None = None,
    reduction_factor: int | None = None,
) -> SearchResult:
    """Search fine-tuning hyperparameters for ``model`` on ``train``, scored on ``validation`` (both carved from the
    IMDB training split, see :func:`helpers.search.search_data`); returns a :class:`SearchResult`.

    ``n_trials`` is the study's total budget: a resumed study runs only the trials it lacks. ``timeout_minutes``
    stops starting new trials after that long (a running trial finishes). ``storage``: an SQLAlchemy URL, default
    ``$IMDB_SEARCH_STORAGE`` or SQLite under ``models/search/<profile>/``. ``name``: the study name (default
    :func:`study_name`: same search, same name). ``pruner``: ``median``, ``halving``, ``none`` or an Optuna pruner
    (Ray always uses ASHA). ``evals_per_epoch``: validation evaluations (pruning points) per epoch.
    ``startup_trials``: random trials before TPE models the results (default: a third of the budget, at least 2).
    ``root``: where the trials' folders go (default ``models/search/<profile>``). ``callbacks``: extra ``Trainer``
    callbacks for every trial. ``backend="ray"``: Ray Tune on ``ray_address`` / ``$RAY_ADDRESS`` (local when
    unset), ``ray_max_concurrent`` trials at a time with ``ray_cpus_per_trial`` CPUs each.

    A fair search: ``eval_max_length`` / ``eval_truncation`` score every evaluation and each trial's value with
    :func:`helpers.inference.predict` as the test is read (None: the Trainer's evaluation at the trial's training
    length); ``precision`` (``auto``: by the hardware) trains and scores as notebook 04 does; ``pruner="halving"`` with
    ``reduction_factor`` η spends the training data by successive halving (rungs at 1, η, η², … evaluations; Ray:
    ASHA with the same η), so the best configurations train on the whole ``train``.
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
        evals_per_epoch=evals_per_epoch,
        eval_batch_size=eval_batch_size,
        seed=seed,
        base_source=base_source,
        data_source=data_source,
        callbacks=tuple(callbacks or ()),
        keep_checkpoints=keep_checkpoints,
        progress=progress,
        precision=precision,
        eval_max_length=eval_max_length,
        eval_truncation=eval_truncation,
    )
    scoring = settings.scoring()
    plan = StudyPlan(
        name=name
        or study_name(profile, base_name, train, validation, space, seed, evals_per_epoch, backend, scoring),
        n_trials=n_trials,
        space=space,
        seed=seed,
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
        "seed": seed,
        "n_train": len(train),
        "n_validation": len(validation),
        "validation": "carved from the IMDB training split",
        "pruner": pruner_name,
        "reduction_factor": reduction_factor,
        "precision_choice": choose_precision(precision).as_dict(),
        "scoring": scoring or "Trainer evaluation at each trial's training length",
        **result.settings,
    }
    result.root = plan.root
    return result
