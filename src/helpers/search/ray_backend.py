"""The Ray Tune backend: the same trials on a Ray cluster (or a local instance), sampled by the same seeded TPE
(``OptunaSearch``) and stopped early by ASHA; an interrupted experiment resumes with ``Tuner.restore``.

Ray is optional (``pip install 'imdb-sentiment-helpers[cluster]'``) and imported only when this backend runs.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import optuna

from helpers.paths import display_path
from helpers.search.results import SearchResult, trials_frame
from helpers.search.space import PARAMS, SearchError, SearchSpace
from helpers.search.study import StudyPlan, log
from helpers.search.trial import TrialSettings, fit, trial_dir


def run_ray(
    settings: TrialSettings,
    plan: StudyPlan,
    address: str | None = None,
    cpus_per_trial: float | None = None,
    max_concurrent: int = 1,
) -> SearchResult:
    """Run (or resume) the Ray Tune experiment ``plan.name`` under ``plan.root / "ray"``."""
    try:
        import ray
        from ray import tune
    except ImportError as error:
        raise SearchError(
            "backend='ray' needs Ray Tune: pip install -r requirements-cluster.txt "
            "(or the package's [cluster] extra)"
        ) from error

    address = address or os.environ.get("RAY_ADDRESS")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    log(
        settings.progress,
        f"Ray: {'cluster at ' + address if address else 'local instance'}, "
        f"{ray.cluster_resources().get('CPU', 0):g} CPUs",
    )
    experiments = plan.root / "ray"
    experiments.mkdir(parents=True, exist_ok=True)
    path = experiments / plan.name
    cpus = cpus_per_trial or max(1, int(ray.cluster_resources().get("CPU", 1)) // max(1, max_concurrent))
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
        tuner = _new_tuner(trainable, settings, plan, experiments, max_concurrent)
    try:
        grid = tuner.fit()
    finally:
        if started_here:
            ray.shutdown()
    seconds = time.perf_counter() - started
    study = study_from_ray(grid, plan.space, plan.name)
    if not settings.keep_checkpoints:
        for t in study.get_trials(deepcopy=False):
            if t.state.name == "PRUNED":
                shutil.rmtree(trial_dir(plan.trials_root, t.params), ignore_errors=True)
    frame = trials_frame(study)
    log(settings.progress, f"Ray Tune: {len(frame)} trial(s): {frame['state'].value_counts().to_dict()}")
    return SearchResult.from_study(
        study,
        backend="ray",
        storage=display_path(path),
        seconds=seconds,
        n_new=len(frame),
        space=plan.space,
        settings={"ray_address": address or "local", "restored": restored, "max_concurrent": max_concurrent},
    )


def _new_tuner(trainable, settings: TrialSettings, plan: StudyPlan, experiments: Path, max_concurrent: int):
    """A Tuner with the seeded TPE (``OptunaSearch``) and ASHA over the evaluation grid."""
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    searcher = OptunaSearch(
        space=plan.space.suggest,
        metric="best_val_accuracy",
        mode="max",
        sampler=optuna.samplers.TPESampler(
            seed=plan.seed, n_startup_trials=plan.startup_trials, multivariate=True
        ),
    )
    scheduler = ASHAScheduler(
        time_attr="training_iteration",
        max_t=max(plan.space.epochs) * settings.evals_per_epoch,
        grace_period=1,
        reduction_factor=plan.reduction_factor or 2,
    )
    return tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=searcher,
            scheduler=scheduler,
            metric="best_val_accuracy",
            mode="max",
            num_samples=plan.n_trials,
            max_concurrent_trials=max_concurrent,
            time_budget_s=plan.timeout_s,
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
        tune.report(
            {
                "val_accuracy": float(evals["val_accuracy"].iloc[-1]),
                "best_val_accuracy": result.best_val_accuracy,
                "eval_step": len(evals),
                "fraction": 1.0,
                "node_id": node,
            }
        )
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
