"""The Ray Tune backend: the same trials on a Ray cluster (or a local instance), sampled by the same seeded TPE
(``OptunaSearch``) and stopped early by ASHA; an interrupted experiment resumes with ``Tuner.restore``.

Ray is optional (``pip install 'imdb-sentiment-helpers[cluster]'``) and imported only when this backend runs.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import optuna

from helpers import environment
from helpers.paths import display_path
from helpers.search.results import SearchResult, trials_frame
from helpers.search.settings import StudyPlan
from helpers.search.space import PARAMS, SearchError, SearchSpace
from helpers.search.study import log
from helpers.search.trial import TrialSettings, fit, trial_dir


def run_ray(settings: TrialSettings, plan: StudyPlan) -> SearchResult:
    """Run (or resume) the Ray Tune experiment ``plan.name`` under ``<search root>/ray``, on the settings'
    ``ray_address`` with ``ray_max_concurrent`` trials at a time of ``ray_cpus_per_trial`` CPUs each."""
    try:
        import ray
        from ray import tune
    except ImportError as error:
        raise SearchError(
            "backend='ray' needs Ray Tune: pip install -r requirements-cluster.txt "
            "(or the package's [cluster] extra)"
        ) from error
    address, max_concurrent = plan.settings.ray_address, plan.settings.ray_max_concurrent
    address = address or environment.ray_address()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    log(
        settings.progress,
        f"Ray: {'cluster at ' + address if address else 'local instance'}, "
        f"{ray.cluster_resources().get('CPU', 0):g} CPUs",
    )
    experiments = plan.settings.folder / "ray"
    experiments.mkdir(parents=True, exist_ok=True)
    path = experiments / plan.name
    cpus = plan.settings.ray_cpus_per_trial or max(
        1, int(ray.cluster_resources().get("CPU", 1)) // max(1, max_concurrent)
    )
    trainable = tune.with_resources(
        tune.with_parameters(_ray_trial, settings=settings, trials_root=str(plan.trials_root)), {"cpu": cpus}
    )
    started = time.perf_counter()
    restored = tune.Tuner.can_restore(path)
    if restored:
        log(settings.progress, f"resuming the Ray Tune experiment {display_path(path)} (Tuner.restore)")
        tuner = tune.Tuner.restore(
            str(path), trainable=trainable, resume_unfinished=True, resume_errored=True
        )
    else:
        tuner = _new_tuner(trainable, settings, plan, experiments)
    try:
        grid = tuner.fit()
    finally:
        if started_here:
            ray.shutdown()
    seconds = time.perf_counter() - started
    study = study_from_ray(grid, plan.settings.space, plan.name)
    if not settings.keep_checkpoints:
        _remove_pruned(study, plan.trials_root)
    frame = trials_frame(study)
    log(settings.progress, f"Ray Tune: {len(frame)} trial(s): {frame['state'].value_counts().to_dict()}")
    # Tune's time budget counts from each fit (a restored experiment gets it afresh), unlike the Optuna backend's
    ended = frame["state"].isin(["COMPLETE", "PRUNED"]).sum() >= plan.settings.n_trials
    stopped_by = "budget" if ended else ("time box" if plan.settings.timeout_s else None)
    return SearchResult.from_study(
        study,
        backend="ray",
        storage=display_path(path),
        seconds=seconds,
        n_new=len(frame),
        space=plan.settings.space,
        settings={
            "ray_address": address or "local",
            "restored": restored,
            "max_concurrent": max_concurrent,
            "stopped_by": stopped_by,
        },
    )


def _remove_pruned(study, trials_root: Path) -> None:
    """Delete the folders of the trials ASHA stopped."""
    for t in study.get_trials(deepcopy=False):
        if t.state.name == "PRUNED":
            shutil.rmtree(trial_dir(trials_root, t.params), ignore_errors=True)


def _new_tuner(trainable, settings: TrialSettings, plan: StudyPlan, experiments: Path):
    """A Tuner with the seeded TPE (``OptunaSearch``) and ASHA over the evaluation grid."""
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    search = plan.settings
    searcher = OptunaSearch(
        space=search.space.suggest,
        metric="best_val_accuracy",
        mode="max",
        sampler=optuna.samplers.TPESampler(
            seed=plan.seed, n_startup_trials=search.n_startup, multivariate=True
        ),
    )
    scheduler = ASHAScheduler(
        time_attr="training_iteration",
        max_t=max(search.space.epochs) * settings.evals_per_epoch,
        grace_period=1,
        reduction_factor=search.reduction_factor or 2,
    )
    return tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=searcher,
            scheduler=scheduler,
            metric="best_val_accuracy",
            mode="max",
            num_samples=search.n_trials,
            max_concurrent_trials=search.ray_max_concurrent,
            time_budget_s=search.timeout_s,
        ),
        run_config=tune.RunConfig(
            name=plan.name, storage_path=str(experiments), verbose=1 if settings.progress else 0
        ),
    )


def _ray_trial(config, *, settings: TrialSettings, trials_root: str):
    """One Ray Tune trial: fine-tune with ``config`` and report every evaluation to Tune (ASHA stops the weak)."""
    import ray
    from ray import tune

    params = {k: config[k] for k in PARAMS}
    out = trial_dir(Path(trials_root), params)
    node = ray.get_runtime_context().get_node_id()  # which machine of the cluster ran it

    def report(step, accuracy, best, fraction):
        tune.report(
            {
                "val_accuracy": accuracy,
                "best_val_accuracy": best,
                "eval_step": step,
                "fraction": fraction,
                "node_id": node,
            }
        )

    result = fit(settings, params, out, report)
    if result.cached:  # finished before (e.g. a restored experiment): report what it found, once
        evals = result.evaluations
        report(len(evals), float(evals["val_accuracy"].iloc[-1]), result.best_val_accuracy, 1.0)
    if not settings.keep_checkpoints:
        shutil.rmtree(out / "checkpoints", ignore_errors=True)


def study_from_ray(grid, space: SearchSpace, name: str):
    """An in-memory Optuna study of Ray Tune's trials (COMPLETE: trained to the end; PRUNED: stopped by ASHA;
    FAIL: errored), so that both backends share the tables, figures and importances."""
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
                    "ray_node_id": (result.metrics or {}).get("node_id", ""),
                },
            )
        )
    return study
