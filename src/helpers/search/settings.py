"""The search's settings, one frozen object (the way :class:`helpers.specs.TrainingRun` is the fit's): what
:func:`helpers.search.run_search` is asked, checked once here, then read by the study, the backends and the
trials (with the study's name and seed: :class:`StudyPlan`); and :class:`RetrainSettings`, what
:func:`helpers.search.retrain_best` is asked."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import catalog
from helpers.paths import MODELS_DIR
from helpers.search.space import SearchSpace

BACKENDS = ("optuna", "ray")


def search_dir(profile: str) -> Path:
    """``models/search/<profile>`` (git-ignored): the SQLite study, the trials' folders, Ray's experiments."""
    return MODELS_DIR / "search" / profile


@dataclass(frozen=True)
class SearchSettings:
    """How to search (everything but the model, the reviews and the template :class:`~helpers.specs.TrainingRun`).

    ``n_trials`` is the study's total budget: a resumed study runs only the trials it lacks. ``space``: a
    :class:`SearchSpace` or its parameters (a dict; None: the default space). ``timeout_minutes`` stops starting new
    trials once the study's trials have taken that long (a running trial finishes; a resumed Optuna study counts
    the time its finished trials already took, a restored Ray experiment gets Tune's budget afresh). ``storage``:
    an SQLAlchemy URL, default ``$IMDB_SEARCH_STORAGE`` or SQLite under ``models/search/<profile>/``. ``pruner``: ``median``, ``halving``
    (successive halving with ``reduction_factor`` η: rungs at 1, η, η², … evaluations, so the best configurations
    train on the whole training set), ``none`` or an Optuna pruner (Ray always uses ASHA with the same η).
    ``evals_per_epoch``: validation evaluations (pruning points) per epoch. ``startup_trials``: random trials before
    TPE models the results (default: a third of the budget, at least 2). ``name``: the study name (default
    :func:`helpers.search.study.study_name`: same search, same name). ``root``: where the trials' folders go (default
    ``models/search/<profile>``). ``base_source`` / ``data_source``: where the model and the reviews came from (the
    base model's name is part of the study's). ``callbacks``: extra ``Trainer`` callbacks for every trial.
    ``backend="ray"``: Ray Tune on ``ray_address`` / ``$RAY_ADDRESS`` (local when unset), ``ray_max_concurrent``
    trials at a time with ``ray_cpus_per_trial`` CPUs each.
    """

    profile: str
    n_trials: int
    space: SearchSpace | dict | None = None  # a SearchSpace once built
    timeout_minutes: float | None = None
    backend: str = "optuna"
    storage: str | None = None
    pruner: Any = "median"
    reduction_factor: int | None = None
    evals_per_epoch: int = 2
    startup_trials: int | None = None
    name: str | None = None
    root: str | os.PathLike | None = None
    base_source: Any = None  # helpers.modeling.ModelSource
    data_source: Any = None  # helpers.data.DataSource
    callbacks: tuple = ()  # a tuple once built
    keep_checkpoints: bool = False
    progress: bool = True
    ray_address: str | None = None
    ray_cpus_per_trial: float | None = None
    ray_max_concurrent: int = 1

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {self.backend!r}")
        if self.n_trials < 1:
            raise ValueError(f"n_trials must be positive, got {self.n_trials}")
        if self.evals_per_epoch < 1:
            raise ValueError(f"evals_per_epoch must be at least 1, got {self.evals_per_epoch}")
        space = self.space if isinstance(self.space, SearchSpace) else SearchSpace.from_params(self.space)
        object.__setattr__(self, "space", space)
        object.__setattr__(self, "callbacks", tuple(self.callbacks or ()))

    def rungs(self, n_train: int):
        """Successive halving's rungs for ``n_train`` training reviews: after which evaluation each falls, how
        many reviews a trial has trained on by then, and the share of the trials that reach it and go on; None for
        another pruner. A trial's last evaluation is no rung: its training is done."""
        if self.pruner != "halving":
            return None
        import pandas as pd

        eta, last = self.reduction_factor or 3, self.evals_per_epoch * max(self.space.epochs)
        rung, rows = max(1, self.evals_per_epoch // eta**2), []
        while rung < last:
            seen = min(n_train * max(self.space.epochs), round(rung / self.evals_per_epoch * n_train))
            rows.append((len(rows) + 1, rung, f"{seen:,}", f"the best 1/{eta}"))
            rung *= eta
        columns = ["rung", "after evaluation", "training reviews seen", "go on"]
        return pd.DataFrame(rows, columns=columns).set_index("rung")

    @property
    def folder(self) -> Path:
        """Where the study's folders go: ``root``, else ``models/search/<profile>``."""
        return Path(self.root) if self.root is not None else search_dir(self.profile)

    @property
    def n_startup(self) -> int:
        """Random trials before TPE models the results."""
        return self.startup_trials if self.startup_trials is not None else max(2, self.n_trials // 3)

    @property
    def timeout_s(self) -> float | None:
        """No new trial starts once the study's trials have taken this long."""
        return None if self.timeout_minutes is None else float(self.timeout_minutes) * 60

    @property
    def pruner_name(self) -> str:
        """The pruner as the results record it (Ray: ASHA)."""
        if self.backend == "ray":
            return "ASHA"
        return self.pruner if isinstance(self.pruner, str) else type(self.pruner).__name__


@dataclass(frozen=True)
class StudyPlan:
    """Which study to run: its name (:func:`helpers.search.study.study_name` or the caller's), its seed (the template
    run's) and the search's settings (budget, space, time limit, pruner, where its folders go)."""

    name: str
    seed: int
    settings: SearchSettings

    @property
    def trials_root(self) -> Path:
        return self.settings.folder / "trials" / self.name


@dataclass(frozen=True)
class RetrainSettings:
    """What :func:`helpers.search.retrain_best` is asked besides the search, the model and the reviews: the
    results' ``profile`` and ``model_key``, the ``validation_reading`` (None: the test reading), the sources,
    ``output_dir`` (None: ``<search root>/best/<study>``), whether to ``reuse`` the best trial's saved run, and
    ``progress``."""

    profile: str
    validation_reading: Any = None  # helpers.specs.Reading
    base_source: Any = None
    data_source: Any = None
    output_dir: str | os.PathLike | None = None
    model_key: str = catalog.TUNED
    reuse: bool = True
    progress: bool = True
