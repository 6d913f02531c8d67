"""Hyperparameter search for fine-tuning: Optuna TPE with pruning on one machine, or Ray Tune on a cluster.

The search the study could not afford, over learning rate (log scale), warm-up ratio, weight decay, batch size,
epochs, maximum length and truncation strategy (``head`` / ``head_tail``):

* **objective**: the best validation accuracy of :func:`helpers.training.finetune` on a validation split carved
  from the IMDB *training* reviews (:func:`search_data`); the test reviews are never seen by the search;
* **sampler**: Optuna's TPE, seeded; **pruning**: every evaluation reports the validation accuracy to the trial
  from a ``Trainer`` callback, and a trial that the pruner (median or successive halving) finds behind the others
  stops there (``optuna.TrialPruned``, state ``PRUNED``). Evaluations happen a fixed number of times per epoch, and
  the step reported is the evaluation's position on that grid, so trials with different batch sizes or epochs
  are compared after the same amount of training data;
* **storage**: an Optuna RDB storage, by default SQLite at ``models/search/<profile>/study.db`` (git-ignored), or
  any SQLAlchemy URL (``postgresql://…``) from the ``storage`` argument or ``$IMDB_SEARCH_STORAGE``.

Resume. The study is opened with ``load_if_exists=True`` under a name derived from the search space, the data
and the base model (:func:`study_name`), so running the same search again continues it: ``n_trials`` is the total
budget, and only ``n_trials`` minus the finished (complete or pruned) trials are run. A trial interrupted mid-way
(Ctrl-C or a killed process: heartbeat) is queued again with the same parameters; its ``finetune`` folder is keyed
by those parameters, so it resumes from its last checkpoint instead of starting over.

``backend="ray"`` runs the same objective with Ray Tune (``OptunaSearch`` with the same seeded TPE + the ASHA
scheduler) on ``ray.init(address=$RAY_ADDRESS)`` (a local instance when unset); an interrupted experiment is
resumed with ``Tuner.restore``. Ray is optional (``pip install 'imdb-sentiment-helpers[cluster]'``) and imported
only on that path. Both backends return the same :class:`SearchResult` (an Optuna study, a tidy trials table).

:func:`retrain_best` gives the best configuration trained once on the same training subset (the best trial's own
saved run when its folder still has it, else a new run) and evaluates it once on the test reviews, written under the
results contract as model ``tuned``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.paths import MODELS_DIR, display_path

STORAGE_ENV = "IMDB_SEARCH_STORAGE"
BACKENDS = ("optuna", "ray")
PRUNERS = ("median", "halving", "none")
PARAMS = ("learning_rate", "warmup_ratio", "weight_decay", "batch_size", "epochs", "max_length", "truncation")


class SearchError(RuntimeError):
    """A search that cannot start or produced nothing usable; the message says why."""


# ----------------------------------------------------------------------------------------------- search space
@dataclass(frozen=True)
class SearchSpace:
    """Ranges (low, high) for the continuous parameters and choices for the discrete ones."""

    learning_rate: tuple[float, float] = (1e-5, 2e-4)  # sampled on a log scale
    warmup_ratio: tuple[float, float] = (0.0, 0.2)
    weight_decay: tuple[float, float] = (0.0, 0.1)
    batch_size: tuple[int, ...] = (8, 16, 32)
    epochs: tuple[int, ...] = (1, 2)
    max_length: tuple[int, ...] = (128, 256)
    truncation: tuple[str, ...] = ("head", "head_tail")

    def __post_init__(self):
        for name in ("learning_rate", "warmup_ratio", "weight_decay"):
            low, high = getattr(self, name)
            if not 0 <= low <= high or (name == "learning_rate" and low <= 0):
                raise ValueError(
                    f"search space {name}: need 0 {'<' if name == 'learning_rate' else '<='} "
                    f"low <= high, got {(low, high)}"
                )
        for name in ("batch_size", "epochs", "max_length", "truncation"):
            if not getattr(self, name):
                raise ValueError(f"search space {name}: give at least one choice")
        from helpers.inference import TRUNCATIONS

        if set(self.truncation) - set(TRUNCATIONS):
            raise ValueError(
                f"search space truncation: choices must be among {TRUNCATIONS}, got {self.truncation}"
            )

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> SearchSpace:
        """From a profile's ``search_space`` mapping (lists become tuples; missing keys keep the defaults)."""
        params = dict(params or {})
        unknown = set(params) - set(PARAMS)
        if unknown:
            raise ValueError(f"unknown search space keys {sorted(unknown)}; known: {', '.join(PARAMS)}")
        return cls(**{k: tuple(v) for k, v in params.items()})

    def suggest(self, trial) -> dict[str, Any]:
        """One configuration from an Optuna trial (define-by-run; also used by Ray's ``OptunaSearch``)."""

        return {
            "learning_rate": trial.suggest_float("learning_rate", *self.learning_rate, log=True),
            "warmup_ratio": trial.suggest_float("warmup_ratio", *self.warmup_ratio),
            "weight_decay": trial.suggest_float("weight_decay", *self.weight_decay),
            "batch_size": trial.suggest_categorical("batch_size", list(self.batch_size)),
            "epochs": trial.suggest_categorical("epochs", list(self.epochs)),
            "max_length": trial.suggest_categorical("max_length", list(self.max_length)),
            "truncation": trial.suggest_categorical("truncation", list(self.truncation)),
        }

    def distributions(self) -> dict[str, Any]:
        """The Optuna distributions :meth:`suggest` samples from (to rebuild a study from Ray's results)."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution

        return {
            "learning_rate": FloatDistribution(*self.learning_rate, log=True),
            "warmup_ratio": FloatDistribution(*self.warmup_ratio),
            "weight_decay": FloatDistribution(*self.weight_decay),
            **{
                name: CategoricalDistribution(list(getattr(self, name)))
                for name in ("batch_size", "epochs", "max_length", "truncation")
            },
        }

    def as_dict(self) -> dict[str, list]:
        return {k: list(v) for k, v in asdict(self).items()}


# ----------------------------------------------------------------------------------------------- data
def search_data(train_split, train_size: int | None, validation_size: int, seed: int, clean: bool = True):
    """``(train, validation)`` for the search, both from the IMDB **training** split (never the test reviews).

    The validation reviews are carved first (:func:`helpers.data.train_validation_split`), then ``train_size``
    reviews are sampled from the rest (stratified, seeded); both are cleaned like notebooks 03–04.
    """
    from helpers import data

    pool, validation = data.train_validation_split(train_split, validation_size, seed)
    train = data.stratified_sample(pool, train_size, seed)
    if clean:
        train, validation = data.clean_reviews(train), data.clean_reviews(validation)
    if set(train["review_id"]) & set(validation["review_id"]):
        raise SearchError("training and validation reviews overlap")
    return train, validation


def _ids_digest(dataset) -> str:
    key = "review_id" if "review_id" in dataset.column_names else "text"
    digest = hashlib.sha1()
    for value, label in zip(dataset[key], dataset["label"], strict=True):
        digest.update(f"{value}\t{label}\n".encode())
    return digest.hexdigest()[:12]


def _digest(obj: Any, n: int = 10) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:n]


# ----------------------------------------------------------------------------------------------- storage, names
def search_dir(profile: str) -> Path:
    """``models/search/<profile>`` (git-ignored): the SQLite study, the trials' folders, Ray's experiments."""
    return MODELS_DIR / "search" / profile


def default_storage(profile: str) -> str:
    """``$IMDB_SEARCH_STORAGE`` when set, else SQLite at ``models/search/<profile>/study.db``."""
    if env := os.environ.get(STORAGE_ENV):
        return env
    folder = search_dir(profile)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'study.db'}"


def display_storage(url: str) -> str:
    """A storage URL for people: SQLite as a repo-relative path, passwords hidden."""
    if url.startswith("sqlite:///"):
        return "sqlite:///" + display_path(url[len("sqlite:///") :])
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a SQLAlchemy URL: show the scheme only
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
) -> str:
    """``<profile>-<backend>-<hash>``: the same search (space, data, model, seed) gets the same name, so it resumes;
    a changed one starts a new study (the old one stays in the storage)."""
    key = {
        "space": space.as_dict(),
        "train": _ids_digest(train),
        "validation": _ids_digest(validation),
        "model": base_name,
        "seed": seed,
        "evals_per_epoch": evals_per_epoch,
    }
    return f"{profile}-{backend}-{_digest(key, 8)}"


def _trial_dir(root: Path, params: dict[str, Any]) -> Path:
    """A trial's ``finetune`` folder, keyed by its parameters: a retried trial lands in the same folder."""
    lr = params["learning_rate"]
    return root / f"lr{lr:.2e}-bs{params['batch_size']}-ep{params['epochs']}-{_digest(params)}"


def _eval_steps(n_train: int, batch_size: int, evals_per_epoch: int) -> int:
    return max(1, math.ceil(math.ceil(n_train / batch_size) / evals_per_epoch))


# ----------------------------------------------------------------------------------------------- reporting
def _report_callback(report, evals_per_epoch: int):
    """A ``Trainer`` callback that calls ``report(step, accuracy, best, fraction)`` after every evaluation.

    ``step`` is the evaluation's position on the per-epoch grid (1, 2, …), comparable across batch sizes.
    """
    from transformers import TrainerCallback

    class ReportValidation(TrainerCallback):
        best = float("-inf")

        def on_train_begin(
            self, args, state, control, **kwargs
        ):  # a resumed run knows its earlier evaluations
            previous = [e["eval_accuracy"] for e in state.log_history if "eval_accuracy" in e]
            self.best = max(previous, default=float("-inf"))

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if not metrics or "eval_accuracy" not in metrics:
                return
            accuracy = float(metrics["eval_accuracy"])
            self.best = max(self.best, accuracy)
            step = max(1, round((state.epoch or 0) * evals_per_epoch))
            report(step, accuracy, self.best, state.global_step / max(1, state.max_steps))

    return ReportValidation()


def _fit(
    model,
    tokenizer,
    train,
    validation,
    params,
    *,
    output_dir,
    evals_per_epoch,
    eval_batch_size,
    seed,
    base_source,
    data_source,
    callbacks,
    progress,
):
    from helpers.training import finetune

    return finetune(
        model,
        tokenizer,
        train,
        validation,
        learning_rate=params["learning_rate"],
        output_dir=output_dir,
        epochs=params["epochs"],
        batch_size=params["batch_size"],
        max_length=params["max_length"],
        truncation=params["truncation"],
        eval_steps=_eval_steps(len(train), params["batch_size"], evals_per_epoch),
        eval_batch_size=eval_batch_size,
        warmup_ratio=params["warmup_ratio"],
        weight_decay=params["weight_decay"],
        save_total_limit=1,
        seed=seed,
        base_source=base_source,
        data_source=data_source,
        callbacks=callbacks,
        progress=progress,
    )


# ----------------------------------------------------------------------------------------------- results
@dataclass
class SearchResult:
    """What a search found: the Optuna study, a tidy table of its trials and the best configuration."""

    study: Any  # optuna.Study (for Ray: an in-memory study rebuilt from Tune's results)
    trials: pd.DataFrame
    best_params: dict[str, Any]
    best_value: float
    best_trial: int
    study_name: str
    storage: str  # for people: SQLite path relative to the repo, passwords hidden
    backend: str
    seconds: float  # wall time of this call
    n_new: int  # trials finished during this call (other workers' too); Ray: every trial of the experiment
    space: SearchSpace = field(default_factory=SearchSpace)
    settings: dict[str, Any] = field(default_factory=dict)
    root: Path | None = None  # the folder of the trials' runs (retrain_best trains under it too)

    @property
    def n_pruned(self) -> int:
        return int((self.trials["state"] == "PRUNED").sum())

    @property
    def n_complete(self) -> int:
        return int((self.trials["state"] == "COMPLETE").sum())

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary (for a results file's ``extra``)."""
        counts = self.trials["state"].value_counts().to_dict()
        return {
            "backend": self.backend,
            "study_name": self.study_name,
            "storage": self.storage,
            "n_trials": len(self.trials),
            "states": {k: int(v) for k, v in counts.items()},
            "best_trial": self.best_trial,
            "best_val_accuracy": self.best_value,
            "best_params": self.best_params,
            "space": self.space.as_dict(),
            "trial_seconds_total": float(self.trials["duration_s"].sum()),
            **self.settings,
        }


def trials_frame(study) -> pd.DataFrame:
    """One row per trial: number, state (COMPLETE, PRUNED, FAIL, RUNNING, WAITING), value (best validation
    accuracy; NaN unless complete), the last reported validation accuracy and its step, the number of evaluations
    reported, duration in seconds, the parameters, and which trial a retry repeats."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        steps = sorted(t.intermediate_values)
        duration = t.user_attrs.get("duration_s")
        if duration is None and t.datetime_complete and t.datetime_start:
            duration = (t.datetime_complete - t.datetime_start).total_seconds()
        rows.append(
            {
                "number": t.number,
                "state": t.state.name,
                "value": t.value if t.state.name == "COMPLETE" else np.nan,
                "last_step": steps[-1] if steps else np.nan,
                "last_val_accuracy": t.intermediate_values[steps[-1]] if steps else np.nan,
                "n_reports": len(steps),
                "duration_s": float(duration) if duration is not None else np.nan,
                **{p: t.params.get(p, np.nan) for p in PARAMS},
                "retry_of": t.user_attrs.get("retry_of", t.system_attrs.get("failed_trial", np.nan)),
                "resumed_from": t.user_attrs.get("resumed_from"),
            }
        )
    columns = [
        "number",
        "state",
        "value",
        "last_step",
        "last_val_accuracy",
        "n_reports",
        "duration_s",
        *PARAMS,
        "retry_of",
        "resumed_from",
    ]
    return pd.DataFrame(rows, columns=columns)


def intermediate_frame(study) -> pd.DataFrame:
    """Long table of every reported validation accuracy: ``number``, ``state``, ``step``, ``val_accuracy``."""
    rows = [
        {"number": t.number, "state": t.state.name, "step": step, "val_accuracy": value}
        for t in study.get_trials(deepcopy=False)
        for step, value in sorted(t.intermediate_values.items())
    ]
    return pd.DataFrame(rows, columns=["number", "state", "step", "val_accuracy"])


def param_importances(study, seed: int = 0) -> tuple[pd.Series | None, str]:
    """``(importance per parameter, evaluator name)`` from ``optuna.importance`` (fANOVA, seeded); ``(None,
    reason)`` when there are too few complete trials or their values do not vary."""
    import optuna

    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(complete) < 2 or len({t.value for t in complete}) < 2:
        return (
            None,
            f"{len(complete)} complete trial(s) with {len({t.value for t in complete})} distinct value(s)",
        )
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
        values = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except Exception as error:  # e.g. a parameter that never varied
        return None, f"{type(error).__name__}: {error}"
    return pd.Series(values, name="importance").sort_values(ascending=False), "fANOVA"


def _best(study) -> tuple[dict[str, Any], float, int]:
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if not complete:
        states = pd.Series([t.state.name for t in study.get_trials(deepcopy=False)]).value_counts().to_dict()
        raise SearchError(
            f"No trial of study {study.study_name!r} completed (states: {states or 'no trials'}); "
            f"run more trials, or use a gentler pruner."
        )
    best = max(complete, key=lambda t: (t.value, -t.number))
    return dict(best.params), float(best.value), best.number


def _make_pruner(pruner, evals_per_epoch: int, max_epochs: int, startup_trials: int):
    """``median``: stop a trial whose accuracy is below the median of earlier trials at the same evaluation;
    ``halving``: successive halving (keep the top third at each rung); ``none``; or an Optuna pruner object."""
    import optuna

    if not isinstance(pruner, str):
        return pruner
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=startup_trials, n_warmup_steps=1)
    if pruner == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=max(1, evals_per_epoch // 2), reduction_factor=3
        )
    if pruner == "none":
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner must be one of {PRUNERS} or an optuna pruner, not {pruner!r}")


# ----------------------------------------------------------------------------------------------- the search
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
    eval_batch_size: int = 32,
    base_source=None,
    data_source=None,
    root: str | os.PathLike | None = None,
    callbacks: list | None = None,
    keep_checkpoints: bool = False,
    progress: bool = True,
    ray_address: str | None = None,
    ray_cpus_per_trial: float | None = None,
    ray_max_concurrent: int = 1,
) -> SearchResult:
    """Search fine-tuning hyperparameters for ``model`` on ``train``, scored on ``validation`` (both carved from the
    IMDB training split, see :func:`search_data`); returns a :class:`SearchResult`.

    ``n_trials`` is the study's total budget: a resumed study runs only the trials it lacks. ``timeout_minutes``
    stops starting new trials after that long (a running trial finishes). ``storage``: an SQLAlchemy URL, default
    ``$IMDB_SEARCH_STORAGE`` or SQLite under ``models/search/<profile>/``. ``name``: the study name (default
    :func:`study_name`: same search, same name). ``pruner``: ``median``, ``halving``, ``none`` or an Optuna pruner
    (Ray always uses ASHA). ``evals_per_epoch``: validation evaluations (pruning points) per epoch.
    ``startup_trials``: random trials before TPE models the results (default: a third of the budget, at least 2).
    ``root``: where the trials' folders go (default ``models/search/<profile>``). ``callbacks``: extra ``Trainer``
    callbacks for every trial. ``backend="ray"``: Ray Tune on ``ray_address`` / ``$RAY_ADDRESS`` (local when
    unset), ``ray_max_concurrent`` trials at a time with ``ray_cpus_per_trial`` CPUs each.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    if n_trials < 1:
        raise ValueError(f"n_trials must be positive, got {n_trials}")
    space = space if isinstance(space, SearchSpace) else SearchSpace.from_params(space)
    base_name = base_source.name if base_source else getattr(model.config, "_name_or_path", "model")
    name = name or study_name(profile, base_name, train, validation, space, seed, evals_per_epoch, backend)
    root = Path(root) if root is not None else search_dir(profile)
    startup_trials = startup_trials if startup_trials is not None else max(2, n_trials // 3)
    common = dict(
        model=model,
        tokenizer=tokenizer,
        train=train,
        validation=validation,
        n_trials=n_trials,
        timeout_s=None if timeout_minutes is None else float(timeout_minutes) * 60,
        space=space,
        seed=seed,
        name=name,
        root=root,
        evals_per_epoch=evals_per_epoch,
        startup_trials=startup_trials,
        eval_batch_size=eval_batch_size,
        base_source=base_source,
        data_source=data_source,
        callbacks=list(callbacks or []),
        keep_checkpoints=keep_checkpoints,
        progress=progress,
    )
    settings = {
        "n_trials_budget": n_trials,
        "timeout_minutes": timeout_minutes,
        "evals_per_epoch": evals_per_epoch,
        "startup_trials": startup_trials,
        "seed": seed,
        "n_train": len(train),
        "n_validation": len(validation),
        "validation": "carved from the IMDB training split",
    }
    if backend == "ray":
        result = _run_ray(
            **common,
            address=ray_address,
            cpus_per_trial=ray_cpus_per_trial,
            max_concurrent=ray_max_concurrent,
        )
        result.settings = {**settings, "pruner": "ASHA", **result.settings}
    else:
        result = _run_optuna(**common, storage=storage or default_storage(profile), pruner=pruner)
        result.settings = {**settings, "pruner": pruner if isinstance(pruner, str) else type(pruner).__name__}
    result.root = root
    return result


def _log(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stdout, flush=True)


def _describe(params: dict[str, Any]) -> str:
    return (
        f"lr={params['learning_rate']:.2e} bs={params['batch_size']} ep={params['epochs']} "
        f"len={params['max_length']} {params['truncation']} warmup={params['warmup_ratio']:.2f} "
        f"wd={params['weight_decay']:.3f}"
    )


def _finished(study) -> int:
    return sum(t.state.name in {"COMPLETE", "PRUNED"} for t in study.get_trials(deepcopy=False))


def _requeue_interrupted(study) -> int:
    """Queue again (same parameters, earlier reports kept) every trial stopped by Ctrl-C that was not yet retried.

    A killed process leaves its trial RUNNING; the storage's heartbeat marks it stale and Optuna queues it again
    (``RetryHeartbeatStaleTrialCallback``). Either way the retry finds the same ``finetune`` folder and resumes.
    """
    import optuna

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


def _run_optuna(
    *,
    model,
    tokenizer,
    train,
    validation,
    n_trials,
    timeout_s,
    space,
    seed,
    name,
    root,
    evals_per_epoch,
    startup_trials,
    eval_batch_size,
    base_source,
    data_source,
    callbacks,
    keep_checkpoints,
    progress,
    storage,
    pruner,
) -> SearchResult:
    import warnings

    import optuna

    from helpers.training import FinetuneError

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    max_epochs = max(space.epochs)
    pruner_obj = _make_pruner(pruner, evals_per_epoch, max_epochs, startup_trials)
    for attempt in range(5):  # workers starting together on a fresh database race to create its tables
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                rdb = optuna.storages.RDBStorage(
                    storage,
                    heartbeat_interval=30,
                    grace_period=120,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                        max_retry=3, inherit_intermediate_values=True
                    ),
                )
            study = optuna.create_study(
                study_name=name, storage=rdb, direction="maximize", load_if_exists=True, pruner=pruner_obj
            )
            break
        except ImportError as error:
            raise SearchError(
                f"No database driver for {display_storage(storage)}: {error}. For PostgreSQL install "
                f"psycopg (postgresql://…) or psycopg2-binary (postgresql+psycopg2://…)."
            ) from error
        except Exception:
            if attempt == 4 or storage.startswith("sqlite"):
                raise
            time.sleep(1 + attempt)
    n_before = len(study.trials)
    # A resumed study gets a sampler seeded past the trials it already has: the same seed would replay the
    # random start-up configurations that were already tried. Workers sharing a server database also differ by
    # process, or workers started together would propose the same configurations.
    if storage.startswith("sqlite"):
        sampler_seed = seed + n_before
    else:
        import socket

        worker = int(hashlib.sha1(f"{socket.gethostname()}:{os.getpid()}".encode()).hexdigest()[:8], 16)
        sampler_seed = int(np.random.SeedSequence([seed, n_before, worker]).generate_state(1)[0])
    sampler = optuna.samplers.TPESampler(
        seed=sampler_seed,
        n_startup_trials=startup_trials,
        multivariate=True,
    )
    study = optuna.load_study(study_name=name, storage=rdb, sampler=sampler, pruner=pruner_obj)
    if not study.user_attrs:
        for key, value in {
            "space": space.as_dict(),
            "seed": seed,
            "evals_per_epoch": evals_per_epoch,
            "n_train": len(train),
            "n_validation": len(validation),
            "base_model": base_source.name if base_source else "",
            "created_by": "helpers.search",
        }.items():
            study.set_user_attr(key, value)
    requeued = _requeue_interrupted(study)
    done = _finished(study)
    remaining = max(0, n_trials - done)
    where = display_storage(storage)
    _log(
        progress,
        f"study {name} in {where}: {done} finished trial(s) found"
        f"{f', {requeued} interrupted one(s) queued again' if requeued else ''}; running {remaining} more "
        f"(budget {n_trials}{f', timeout {timeout_s / 60:.0f} min' if timeout_s else ''})",
    )
    trials_root = root / "trials" / name

    def objective(trial):
        params = space.suggest(trial)
        out = _trial_dir(trials_root, params)
        trial.set_user_attr("output_dir", display_path(out))
        frozen = next(t for t in study.get_trials(deepcopy=False) if t.number == trial.number)
        reported = set(frozen.intermediate_values)  # a retried trial inherits its earlier reports

        def report(step, accuracy, best, fraction):
            if step in reported:  # a final evaluation that lands on an already reported grid point
                return
            reported.add(step)
            trial.report(accuracy, step)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at evaluation {step} (validation accuracy {accuracy:.4f})")

        started = time.perf_counter()
        try:
            fit = _fit(
                model,
                tokenizer,
                train,
                validation,
                params,
                output_dir=out,
                evals_per_epoch=evals_per_epoch,
                eval_batch_size=eval_batch_size,
                seed=seed,
                base_source=base_source,
                data_source=data_source,
                callbacks=[_report_callback(report, evals_per_epoch), *callbacks],
                progress=False,
            )
        except FinetuneError as error:
            if isinstance(error.__cause__, optuna.TrialPruned):
                trial.set_user_attr("duration_s", time.perf_counter() - started)
                if not keep_checkpoints:
                    shutil.rmtree(out, ignore_errors=True)
                raise error.__cause__ from None
            raise
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)  # queued again by the next run_search
            raise
        trial.set_user_attr("duration_s", time.perf_counter() - started)
        trial.set_user_attr("train_seconds", fit.seconds)
        trial.set_user_attr("best_step", fit.best_step)
        if fit.resumed_from:
            trial.set_user_attr("resumed_from", fit.resumed_from)
        if not keep_checkpoints:
            shutil.rmtree(out / "checkpoints", ignore_errors=True)
        return fit.best_val_accuracy

    def show(study_, trial):
        value = (
            f"val {trial.value:.4f}"
            if trial.value is not None
            else (
                f"last val {trial.intermediate_values[max(trial.intermediate_values)]:.4f} at evaluation "
                f"{max(trial.intermediate_values)}"
                if trial.intermediate_values
                else ""
            )
        )
        _log(
            progress,
            f"  trial {trial.number:>3} {trial.state.name:<8} {value:<32} {_describe(trial.params)} "
            f"({trial.user_attrs.get('duration_s', float('nan')):.0f} s"
            f"{', resumed from ' + trial.user_attrs['resumed_from'] if 'resumed_from' in trial.user_attrs else ''})",
        )

    started = time.perf_counter()
    if remaining:
        study.optimize(
            objective,
            n_trials=remaining,
            timeout=timeout_s,
            gc_after_trial=True,
            callbacks=[
                optuna.study.MaxTrialsCallback(
                    n_trials, states=(optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
                ),
                show,
            ],
        )
    seconds = time.perf_counter() - started
    best_params, best_value, best_number = _best(study)
    frame = trials_frame(study)
    return SearchResult(
        study=study,
        trials=frame,
        best_params=best_params,
        best_value=best_value,
        best_trial=best_number,
        study_name=name,
        storage=where,
        backend="optuna",
        seconds=seconds,
        n_new=_finished(study) - done,
        space=space,
    )


# ----------------------------------------------------------------------------------------------- Ray Tune
def _ray_trial(config, *, model, tokenizer, train, validation, fixed):
    """One Ray Tune trial: fine-tune with ``config`` and report every evaluation to Tune (ASHA stops the weak)."""
    from ray import tune

    params = {k: config[k] for k in PARAMS}
    out = _trial_dir(Path(fixed["trials_root"]), params)

    def report(step, accuracy, best, fraction):
        tune.report(
            {"val_accuracy": accuracy, "best_val_accuracy": best, "eval_step": step, "fraction": fraction}
        )

    fit = _fit(
        model,
        tokenizer,
        train,
        validation,
        params,
        output_dir=out,
        evals_per_epoch=fixed["evals_per_epoch"],
        eval_batch_size=fixed["eval_batch_size"],
        seed=fixed["seed"],
        base_source=fixed["base_source"],
        data_source=fixed["data_source"],
        callbacks=[_report_callback(report, fixed["evals_per_epoch"]), *fixed["callbacks"]],
        progress=False,
    )
    if fit.cached:  # finished before (e.g. a restored experiment): report what it found, once
        evals = fit.evaluations
        tune.report(
            {
                "val_accuracy": float(evals["val_accuracy"].iloc[-1]),
                "best_val_accuracy": fit.best_val_accuracy,
                "eval_step": len(evals),
                "fraction": 1.0,
            }
        )
    if not fixed["keep_checkpoints"]:
        shutil.rmtree(out / "checkpoints", ignore_errors=True)


def _run_ray(
    *,
    model,
    tokenizer,
    train,
    validation,
    n_trials,
    timeout_s,
    space,
    seed,
    name,
    root,
    evals_per_epoch,
    startup_trials,
    eval_batch_size,
    base_source,
    data_source,
    callbacks,
    keep_checkpoints,
    progress,
    address,
    cpus_per_trial,
    max_concurrent,
) -> SearchResult:
    try:
        import ray
        from ray import tune
        from ray.tune.schedulers import ASHAScheduler
        from ray.tune.search.optuna import OptunaSearch
    except ImportError as error:
        raise SearchError(
            "backend='ray' needs Ray Tune: pip install -r requirements-cluster.txt "
            "(or the package's [cluster] extra)"
        ) from error

    address = address or os.environ.get("RAY_ADDRESS")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    _log(
        progress,
        f"Ray: {'cluster at ' + address if address else 'local instance'}, "
        f"{ray.cluster_resources().get('CPU', 0):g} CPUs",
    )
    experiments = root / "ray"
    experiments.mkdir(parents=True, exist_ok=True)
    path = experiments / name
    max_t = max(space.epochs) * evals_per_epoch
    fixed = {
        "trials_root": str(root / "trials" / name),
        "evals_per_epoch": evals_per_epoch,
        "eval_batch_size": eval_batch_size,
        "seed": seed,
        "base_source": base_source,
        "data_source": data_source,
        "callbacks": callbacks,
        "keep_checkpoints": keep_checkpoints,
    }
    trainable = tune.with_resources(
        tune.with_parameters(
            _ray_trial, model=model, tokenizer=tokenizer, train=train, validation=validation, fixed=fixed
        ),
        {
            "cpu": cpus_per_trial
            or max(1, int(ray.cluster_resources().get("CPU", 1)) // max(1, max_concurrent))
        },
    )
    started = time.perf_counter()
    restored = tune.Tuner.can_restore(path)
    if restored:
        _log(progress, f"resuming the Ray Tune experiment {display_path(path)} (Tuner.restore)")
        tuner = tune.Tuner.restore(
            str(path), trainable=trainable, resume_unfinished=True, resume_errored=True
        )
    else:
        import optuna

        searcher = OptunaSearch(
            space=space.suggest,
            metric="best_val_accuracy",
            mode="max",
            sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials, multivariate=True),
        )
        scheduler = ASHAScheduler(
            time_attr="training_iteration", max_t=max_t, grace_period=1, reduction_factor=2
        )
        tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(
                search_alg=searcher,
                scheduler=scheduler,
                metric="best_val_accuracy",
                mode="max",
                num_samples=n_trials,
                max_concurrent_trials=max_concurrent,
                time_budget_s=timeout_s,
            ),
            run_config=tune.RunConfig(name=name, storage_path=str(experiments), verbose=1 if progress else 0),
        )
    try:
        grid = tuner.fit()
    finally:
        if started_here:
            ray.shutdown()
    seconds = time.perf_counter() - started
    study = _study_from_ray(grid, space, name)
    for t in study.get_trials(deepcopy=False):
        if t.state.name == "PRUNED" and not keep_checkpoints:
            shutil.rmtree(_trial_dir(Path(fixed["trials_root"]), t.params), ignore_errors=True)
    frame = trials_frame(study)
    _log(progress, f"Ray Tune: {len(frame)} trial(s): {frame['state'].value_counts().to_dict()}")
    best_params, best_value, best_number = _best(study)
    return SearchResult(
        study=study,
        trials=frame,
        best_params=best_params,
        best_value=best_value,
        best_trial=best_number,
        study_name=name,
        storage=display_path(path),
        backend="ray",
        seconds=seconds,
        n_new=len(frame),
        space=space,
        settings={"ray_address": address or "local", "restored": restored, "max_concurrent": max_concurrent},
    )


def _study_from_ray(grid, space: SearchSpace, name: str):
    """An in-memory Optuna study of Ray Tune's trials (COMPLETE: trained to the end; PRUNED: stopped by ASHA;
    FAIL: errored), so that both backends share the tables, figures and importances."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, direction="maximize")
    distributions = space.distributions()
    results = [grid[i] for i in range(len(grid))]
    results.sort(key=lambda r: str((r.metrics or {}).get("trial_id", r.path)).rsplit("_", 1)[-1])
    for result in results:
        params = {k: result.config[k] for k in PARAMS if k in result.config}
        history = result.metrics_dataframe
        if result.error is not None or history is None or history.empty or "val_accuracy" not in history:
            state, value, intermediate, duration = optuna.trial.TrialState.FAIL, None, {}, np.nan
        else:
            intermediate = {}
            for step, accuracy in zip(history["eval_step"], history["val_accuracy"], strict=True):
                intermediate.setdefault(int(step), float(accuracy))
            complete = float(history["fraction"].iloc[-1]) >= 1 - 1e-9
            state = optuna.trial.TrialState.COMPLETE if complete else optuna.trial.TrialState.PRUNED
            value = float(history["best_val_accuracy"].max()) if complete else None
            duration = float(history["time_total_s"].iloc[-1]) if "time_total_s" in history else np.nan
        study.add_trial(
            optuna.trial.create_trial(
                state=state,
                value=value,
                params=params,
                distributions={k: distributions[k] for k in params},
                intermediate_values=intermediate,
                user_attrs={
                    "duration_s": duration,
                    "ray_trial_id": (result.metrics or {}).get("trial_id", ""),
                },
            )
        )
    return study


# ----------------------------------------------------------------------------------------------- best config
@dataclass
class TunedModel:
    """The best configuration retrained once and tested once."""

    fit: Any  # helpers.training.FitResult
    record: dict[str, Any]  # the results file written (model_key ``tuned``)
    predictions: Any  # helpers.inference.Predictions, in test order
    model_source: Any  # helpers.modeling.ModelSource of the retrained checkpoint
    params: dict[str, Any]
    test_max_length: int
    reused: bool = False  # True: the best trial's own saved run, not trained again


def retrain_best(
    result: SearchResult,
    model,
    tokenizer,
    train,
    validation,
    test,
    *,
    profile: str,
    base_source,
    data_source,
    test_max_length: int | None = None,
    eval_batch_size: int = 32,
    seed: int = 42,
    output_dir: str | os.PathLike | None = None,
    model_key: str = "tuned",
    reuse: bool = True,
    progress: bool = True,
) -> TunedModel:
    """The best configuration trained once on the same ``train`` (its checkpoint selected on the same
    ``validation``), then the ``test`` reviews predicted once and written under the results contract as
    ``model_key``.

    ``reuse``: when the best trial's folder still holds its finished model (the same configuration, reviews and
    seed), that model is the run: it is checked by ``finetune`` and not trained again. Otherwise (``reuse=False``,
    a deleted folder, Ray trials on other nodes) it is trained into ``<search root>/best/<study>``, cached there.
    Reads ``test_max_length`` tokens per test review (default: the tuned ``max_length``) with the tuned truncation.
    """
    from helpers import evaluation, inference, modeling
    from helpers.training import FIT_FILE, FinetuneError

    params = dict(result.best_params)
    root = result.root or search_dir(profile)
    trial_out = _trial_dir(root / "trials" / result.study_name, params)
    out = Path(output_dir) if output_dir is not None else root / "best" / result.study_name
    settings = dict(
        evals_per_epoch=result.settings.get("evals_per_epoch", 2),
        eval_batch_size=eval_batch_size,
        seed=result.settings.get("seed", seed),
        base_source=base_source,
        data_source=data_source,
        callbacks=[],
        progress=progress,
    )
    fit = None
    if output_dir is None and reuse and (trial_out / "model" / FIT_FILE).is_file():
        try:
            fit = _fit(model, tokenizer, train, validation, params, output_dir=trial_out, **settings)
        except FinetuneError as error:  # saved by another version of finetune: train it again instead
            _log(progress, f"the best trial's run cannot be reused ({error}); training it again")
    reused = fit is not None
    if fit is None:
        fit = _fit(model, tokenizer, train, validation, params, output_dir=out, **settings)
    tuned, tuned_tokenizer, tuned_source = modeling.load_classifier("path", fit.model_path)
    max_length = test_max_length or params["max_length"]
    texts = list(test["text"])
    pred = inference.predict(
        tuned,
        tuned_tokenizer,
        texts,
        truncation=params["truncation"],
        max_length=max_length,
        batch_size=eval_batch_size,
        progress=progress,
        desc="tuned: test",
    )
    by = "Optuna" if result.backend == "optuna" else "Ray Tune with Optuna"
    base_name = base_source.name if base_source else params.get("base_model", "model")
    record = evaluation.write_results(
        profile=profile,
        model_key=model_key,
        model=f"{base_name} fine-tuned on IMDB, tuned by {by}",
        data_source=data_source,
        model_source=tuned_source.as_dict(),
        review_ids=list(test["review_id"]),
        y_true=np.asarray(test["label"]),
        y_pred=pred.labels,
        p_pos=pred.p_pos,
        train_seconds=fit.seconds,
        predict_seconds=pred.seconds,
        extra={
            "truncation": params["truncation"],
            "max_length": max_length,
            "train_max_length": params["max_length"],
            "text": "cleaned (data.clean_text)",
            "base_model_source": base_source.as_dict() if base_source else {},
            "tuned_params": params,
            "val_accuracy": fit.best_val_accuracy,
            "trained_by": "the best trial (its saved run)" if reused else "retrain_best",
            "search": result.summary(),
            "n_train": len(train),
            "n_validation": len(validation),
        },
    )
    return TunedModel(
        fit=fit,
        record=record,
        predictions=pred,
        model_source=tuned_source,
        params=params,
        test_max_length=max_length,
        reused=reused,
    )
