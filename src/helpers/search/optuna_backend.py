"""The Optuna backend: trials run one after another in this process (or in several processes sharing one
database), scored by the best validation accuracy, and pruned early by a median or successive-halving pruner."""

from __future__ import annotations

import shutil
import time

import optuna

from helpers.paths import display_path
from helpers.search.results import SearchResult
from helpers.search.settings import StudyPlan
from helpers.search.space import describe
from helpers.search.study import (
    BudgetReached,
    budget_left,
    check_budget,
    default_storage,
    display_storage,
    finished,
    log,
    open_study,
    record_settings,
    requeue_interrupted,
    time_spent,
)
from helpers.search.trial import TrialSettings, fit, scoring, trial_dir
from helpers.training import FinetuneError

PRUNERS = ("median", "halving", "none")


def make_pruner(pruner, evals_per_epoch: int, startup_trials: int, reduction_factor: int = 3):
    """``median``: stop a trial whose accuracy is below the median of earlier trials at the same evaluation;
    ``halving``: successive halving over the training data: rungs at m, mη, mη², … evaluations (η =
    ``reduction_factor``, m = max(1, ⌊evals_per_epoch / η²⌋)), keeping the top 1/η at each, so only the best see
    the whole training set (a trial is not pruned after its last evaluation: its training is done); ``none``;
    or an Optuna pruner object."""
    if not isinstance(pruner, str):
        return pruner
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=startup_trials, n_warmup_steps=1)
    if pruner == "halving":
        if reduction_factor < 2:
            raise ValueError(f"reduction_factor must be at least 2, got {reduction_factor}")
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=max(1, evals_per_epoch // reduction_factor**2), reduction_factor=reduction_factor
        )
    if pruner == "none":
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner must be one of {PRUNERS} or an optuna pruner, not {pruner!r}")


def run_optuna(settings: TrialSettings, plan: StudyPlan) -> SearchResult:
    """Run the trials ``plan`` still lacks in its Optuna study (in the settings' ``storage``, default
    :func:`default_storage`); the result of the whole study."""
    search = plan.settings
    storage = search.storage or default_storage(search.profile)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = make_pruner(
        search.pruner, search.evals_per_epoch, search.n_startup, search.reduction_factor or 3
    )
    study = open_study(storage, plan.name, pruner, seed=plan.seed, startup_trials=search.n_startup)
    record_settings(
        study,
        {
            "space": search.space.as_dict(),
            "seed": plan.seed,
            "evals_per_epoch": settings.evals_per_epoch,
            "n_train": len(settings.train),
            "n_validation": len(settings.validation),
            "base_model": settings.base_source.name if settings.base_source else "",
            **scoring(settings.run),
            "created_by": "helpers.search",
        },
    )
    requeued = requeue_interrupted(study)
    done = finished(study)
    remaining = max(0, search.n_trials - done)
    spent = time_spent(study)  # the time box is the study's: a resumed search has only what is left of it
    where = display_storage(storage)
    timeout = ""
    if search.timeout_s:
        timeout = f", time box {search.timeout_s / 60:.0f} min" + (
            f", {spent / 60:.1f} of it spent" if spent else ""
        )
    log(
        settings.progress,
        f"study {plan.name} in {where}: {done} finished trial(s) found"
        f"{f', {requeued} interrupted one(s) queued again' if requeued else ''}; running {remaining} more "
        f"(budget {search.n_trials}{timeout})",
    )
    started = time.perf_counter()
    objective = _objective(study, settings, plan)
    stopped_by = "budget"
    # One trial at a time while the budget (shared with other workers) has room: a killed worker's trial is
    # failed by its stale heartbeat and queued again, and no worker starts a trial the budget has no room for.
    while budget_left(study, search.n_trials) > 0:
        left_s = (
            None if search.timeout_s is None else search.timeout_s - spent - (time.perf_counter() - started)
        )
        if left_s is not None and left_s <= 0:
            stopped_by = "time box"
            break
        study.optimize(
            objective,
            n_trials=1,
            timeout=left_s,
            gc_after_trial=True,
            catch=(BudgetReached,),
            callbacks=[lambda study_, trial: log(settings.progress, _trial_line(trial))],
        )
    return SearchResult.from_study(
        study,
        backend="optuna",
        storage=where,
        seconds=time.perf_counter() - started,
        n_new=finished(study) - done,
        space=search.space,
        settings={"stopped_by": stopped_by},
    )


def _objective(study, settings: TrialSettings, plan: StudyPlan):
    """The Optuna objective: one trial's best validation accuracy; reports every evaluation to the pruner."""

    def objective(trial):
        check_budget(study, trial.number, plan.settings.n_trials)
        params = plan.settings.space.suggest(trial)
        out = trial_dir(plan.trials_root, params)
        trial.set_user_attr("output_dir", display_path(out))
        frozen = next(t for t in study.get_trials(deepcopy=False) if t.number == trial.number)
        reported = set(frozen.intermediate_values)  # a retried trial inherits its earlier reports

        def report(step, accuracy, best, fraction):
            if step in reported:  # a final evaluation that lands on an already reported grid point
                return
            reported.add(step)
            trial.report(accuracy, step)
            # after its last evaluation the work is done: a trial that trained to the end completes
            if fraction < 1 and trial.should_prune():
                raise optuna.TrialPruned(f"pruned at evaluation {step} (validation accuracy {accuracy:.4f})")

        started = time.perf_counter()
        try:
            result = fit(settings, params, out, report)
        except FinetuneError as error:
            if isinstance(error.__cause__, optuna.TrialPruned):
                trial.set_user_attr("duration_s", time.perf_counter() - started)
                if not settings.keep_checkpoints:
                    shutil.rmtree(out, ignore_errors=True)
                raise error.__cause__ from None
            raise
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)  # queued again by the next run_search
            raise
        value = result.best_val_accuracy  # the peak of the reports: what the figures draw
        trial.set_user_attr("duration_s", time.perf_counter() - started)
        trial.set_user_attr("train_seconds", result.seconds)
        trial.set_user_attr("best_step", result.best_step)
        if result.resumed_from:
            trial.set_user_attr("resumed_from", result.resumed_from)
        if not settings.keep_checkpoints:
            shutil.rmtree(out / "checkpoints", ignore_errors=True)
        return value

    return objective


def _trial_line(trial) -> str:
    """One line per finished trial: state, value (or last reported value), parameters, time; a trial that never
    started (another worker took the budget's last slot first) says so."""
    if not trial.params:
        return f" trial {trial.number:>2} not run: the budget was taken by other workers' trials first"
    last = max(trial.intermediate_values) if trial.intermediate_values else None
    if trial.state.name == "COMPLETE" and trial.value is not None:
        value = f"{trial.value:.4f}"
    elif last is not None:  # pruned (or failed): its last reading, and at which evaluation
        value = f"{trial.intermediate_values[last]:.4f}@{last}"
    else:
        value = ""
    resumed = trial.user_attrs.get("resumed_from")
    return (  # under 96 characters: a rendered notebook does not wrap it
        f" trial {trial.number:>2} {trial.state.name:<8} {value:<8} {describe(trial.params)} "
        f"({trial.user_attrs.get('duration_s', float('nan')):.0f} s{', resumed from ' + resumed if resumed else ''})"
    )
