"""The study and its storage: where it lives (SQLite or any SQLAlchemy URL), its name (the same search resumes the
same study), opening it with a seeded TPE sampler, and queueing again the trials an interruption stopped."""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import time
import warnings
from typing import Any

import numpy as np
import optuna
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from helpers import environment
from helpers.data import fingerprint
from helpers.paths import display_path
from helpers.search.settings import search_dir
from helpers.search.space import SearchError, SearchSpace
from helpers.search.trial import digest
from helpers.specs import DEFAULT_DROPOUT


class BudgetReached(RuntimeError):
    """A trial started by a worker that raced another one past the study's budget (recorded as FAIL, not run)."""


def log(progress: bool, message: str) -> None:
    """A progress line on stdout (the notebooks show it), when ``progress``."""
    if progress:
        print(message, file=sys.stdout, flush=True)


def default_storage(profile: str) -> str:
    """``$IMDB_SEARCH_STORAGE`` when set, else SQLite at ``models/search/<profile>/study.db``."""
    if env := environment.search_storage():
        return env
    folder = search_dir(profile)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'study.db'}"


def display_storage(url: str) -> str:
    """A storage URL for people: SQLite as a repo-relative path, passwords hidden."""
    if url.startswith("sqlite:///"):
        return "sqlite:///" + display_path(url[len("sqlite:///") :])
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a SQLAlchemy URL (or a port that is no number): the scheme only
        return url.split("://", 1)[0] + "://…"


def study_name(
    profile: str,
    base_name: str,
    train,
    validation,
    space: SearchSpace,
    seed: int,
    evals_per_epoch: int,
    backend: str = "optuna",
    scoring: dict[str, Any] | None = None,
) -> str:
    """``<profile>-<backend>-<hash>``: the same search (space, data, model, seed) gets the same name, so it resumes;
    a changed one starts a new study (the old one stays in the storage)."""
    key = {
        "space": space.as_dict(),
        "train": fingerprint(train, 12),
        "validation": fingerprint(validation, 12),
        "model": base_name,
        "seed": seed,
        "evals_per_epoch": evals_per_epoch,
        **({"scoring": scoring} if scoring else {}),  # absent for the Trainer's scoring: older studies resume
        "recipe": DEFAULT_DROPOUT,  # trials train with finetune's dropout: a study of another recipe is not resumed
    }
    return f"{profile}-{backend}-{digest(key, 8)}"


def open_study(storage: str, name: str, pruner, *, seed: int, startup_trials: int) -> optuna.Study:
    """Create or load study ``name`` in ``storage`` (heartbeat: a killed worker's trial is queued again), with a
    seeded multivariate TPE sampler."""
    for attempt in range(5):  # workers starting together on a fresh database race to create its tables
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                beat = heartbeat_seconds()
                rdb = optuna.storages.RDBStorage(
                    storage,
                    heartbeat_interval=beat,
                    grace_period=4 * beat,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                        max_retry=3, inherit_intermediate_values=True
                    ),
                )
            study = optuna.create_study(
                study_name=name, storage=rdb, direction="maximize", load_if_exists=True, pruner=pruner
            )
            break
        except ImportError as error:
            raise SearchError(
                f"No database driver for {display_storage(storage)}: {error}. For PostgreSQL install "
                f"psycopg (postgresql://…) or psycopg2-binary (postgresql+psycopg2://…)."
            ) from error
        except (SQLAlchemyError, optuna.exceptions.StorageInternalError) as error:
            # a database that cannot be opened or reached, or (server databases) workers racing to create its
            # tables: retried a few times; any other exception is a bug and propagates at once
            if attempt == 4 or storage.startswith("sqlite"):
                raise SearchError(
                    f"Cannot open the study {name!r} in {display_storage(storage)}: {type(error).__name__}: "
                    f"{str(error).splitlines()[0] if str(error) else ''} (is the path writable, the server up?)"
                ) from error
            time.sleep(1 + attempt)
    sampler = optuna.samplers.TPESampler(
        seed=_sampler_seed(seed, len(study.trials), shared=not storage.startswith("sqlite")),
        n_startup_trials=startup_trials,
        multivariate=True,
    )
    return optuna.load_study(study_name=name, storage=rdb, sampler=sampler, pruner=pruner)


def heartbeat_seconds() -> int:
    """Seconds between a running trial's heartbeats (``$IMDB_SEARCH_HEARTBEAT_S``, default 30). A trial whose
    worker stopped beating for four of them (a killed process, a lost machine) is failed and queued again."""
    value = environment.search_heartbeat()
    if not value.isdigit() or int(value) < 1:
        raise SearchError(
            f"${environment.SEARCH_HEARTBEAT} must be a whole number of seconds >= 1, got {value!r}"
        )
    return int(value)


def budget_left(study: optuna.Study, n_trials: int) -> int:
    """Trials still to start: ``n_trials`` less the complete, pruned and running ones. Trials of killed workers
    (stale heartbeat) are failed first, which queues them again, so they are neither counted nor lost."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    taken = {"COMPLETE", "PRUNED", "RUNNING"}
    return n_trials - sum(t.state.name in taken for t in study.get_trials(deepcopy=False))


def check_budget(study: optuna.Study, number: int, n_trials: int) -> None:
    """Raise :class:`BudgetReached` when trial ``number`` comes after the budget is taken by finished trials and
    by running trials started before it (two workers that started a last trial at the same moment)."""
    before = sum(
        t.state.name in {"COMPLETE", "PRUNED"} or (t.state.name == "RUNNING" and t.number < number)
        for t in study.get_trials(deepcopy=False)
    )
    if before >= n_trials:
        raise BudgetReached(f"the budget of {n_trials} trials was taken before trial {number} started")


def _sampler_seed(seed: int, n_before: int, shared: bool) -> int:
    """A resumed study gets a sampler seeded past the trials it already has: the same seed would replay the random
    start-up configurations that were already tried. Workers sharing a server database also differ by process, or
    workers started together would propose the same configurations."""
    if not shared:
        return seed + n_before
    worker = int(hashlib.sha1(f"{socket.gethostname()}:{os.getpid()}".encode()).hexdigest()[:8], 16)
    return int(np.random.SeedSequence([seed, n_before, worker]).generate_state(1)[0])


def time_spent(study: optuna.Study) -> float:
    """Seconds the study's finished trials took, each from its start to its end (running trials are not counted).
    The time box is the study's: a resumed search has only what is left of it; with several workers sharing one
    study, their trials' seconds add up."""
    spent = 0.0
    for t in study.get_trials(deepcopy=False):
        if (
            t.state.name in {"COMPLETE", "PRUNED", "FAIL"}
            and t.params
            and t.datetime_start
            and t.datetime_complete
        ):
            spent += (t.datetime_complete - t.datetime_start).total_seconds()
    return spent


def record_settings(study: optuna.Study, settings: dict[str, Any]) -> None:
    """Store what the search was (space, seed, data sizes, model) on a new study."""
    if not study.user_attrs:
        for key, value in settings.items():
            study.set_user_attr(key, value)


def finished(study: optuna.Study) -> int:
    """Trials that count against the budget: complete or pruned."""
    return sum(t.state.name in {"COMPLETE", "PRUNED"} for t in study.get_trials(deepcopy=False))


def requeue_interrupted(study: optuna.Study) -> int:
    """Queue again (same parameters, earlier reports kept) every trial stopped by Ctrl-C that was not yet retried; a
    killed process's trial is queued by the storage's heartbeat instead. The retry resumes the same ``finetune`` folder.
    """
    trials = study.get_trials(deepcopy=False)
    retried = {t.user_attrs.get("retry_of") for t in trials} | {
        t.system_attrs.get("failed_trial") for t in trials
    }
    n = 0
    for t in trials:
        if t.state.name == "FAIL" and t.user_attrs.get("interrupted") and t.number not in retried:
            study.add_trial(
                optuna.trial.create_trial(
                    state=optuna.trial.TrialState.WAITING,
                    params=t.params,
                    distributions=t.distributions,
                    user_attrs={"retry_of": t.number},
                    intermediate_values=t.intermediate_values,
                )
            )
            n += 1
    return n
