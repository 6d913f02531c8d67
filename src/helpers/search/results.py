"""What a search found, in the same shape for both backends: the study, a tidy table of its trials, every reported
validation accuracy, the best configuration and which parameters mattered."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd

from helpers.search.space import PARAMS, SearchError, SearchSpace


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

    @classmethod
    def from_study(
        cls, study, *, backend: str, storage: str, seconds: float, n_new: int, **kwargs
    ) -> SearchResult:
        """The result of ``study`` (:class:`SearchError` when no trial completed)."""
        params, value, number = best_trial(study)
        return cls(
            study=study,
            trials=trials_frame(study),
            best_params=params,
            best_value=value,
            best_trial=number,
            study_name=study.study_name,
            storage=storage,
            backend=backend,
            seconds=seconds,
            n_new=n_new,
            **kwargs,
        )

    @property
    def n_pruned(self) -> int:
        return int((self.trials["state"] == "PRUNED").sum())

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


def best_trial(study) -> tuple[dict[str, Any], float, int]:
    """``(params, value, number)`` of the best complete trial (the earliest on ties)."""
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if not complete:
        states = pd.Series([t.state.name for t in study.get_trials(deepcopy=False)]).value_counts().to_dict()
        raise SearchError(
            f"No trial of study {study.study_name!r} completed (states: {states or 'no trials'}); "
            f"run more trials, or use a gentler pruner."
        )
    best = max(complete, key=lambda t: (t.value, -t.number))
    return dict(best.params), float(best.value), best.number


TRIAL_COLUMNS = [
    "number",
    "state",
    "value",
    "last_step",
    "last_val_accuracy",
    "n_reports",
    "duration_s",
    "finished_min",
    *PARAMS,
    "retry_of",
    "resumed_from",
]


def trials_frame(study) -> pd.DataFrame:
    """One row per trial: number, state (COMPLETE, PRUNED, FAIL, RUNNING, WAITING), value (best validation
    accuracy; NaN unless complete), the last reported validation accuracy and its step, the number of evaluations
    reported, duration in seconds, when it finished (minutes after the study's first trial started), the
    parameters, and which trial a retry repeats."""
    rows = []
    trials = study.get_trials(deepcopy=False)
    starts = [t.datetime_start for t in trials if t.datetime_start]
    first = min(starts) if starts else None
    for t in trials:
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
                "finished_min": (t.datetime_complete - first).total_seconds() / 60
                if t.datetime_complete and first
                else np.nan,
                **{p: t.params.get(p, np.nan) for p in PARAMS},
                "retry_of": t.user_attrs.get("retry_of", t.system_attrs.get("failed_trial", np.nan)),
                "resumed_from": t.user_attrs.get("resumed_from"),
            }
        )
    return pd.DataFrame(rows, columns=TRIAL_COLUMNS)


def intermediate_frame(study) -> pd.DataFrame:
    """Long table of every reported validation accuracy: ``number``, ``state``, ``step``, ``val_accuracy``."""
    rows = [
        {"number": t.number, "state": t.state.name, "step": step, "val_accuracy": value}
        for t in study.get_trials(deepcopy=False)
        for step, value in sorted(t.intermediate_values.items())
    ]
    return pd.DataFrame(rows, columns=["number", "state", "step", "val_accuracy"])


MIN_TRIALS_FOR_IMPORTANCE = 10


def param_importances(
    study, seed: int = 0, min_complete: int = MIN_TRIALS_FOR_IMPORTANCE
) -> tuple[pd.Series | None, str]:
    """``(importance per parameter, evaluator name)`` from ``optuna.importance`` (fANOVA, seeded); ``(None,
    reason)`` with fewer than ``min_complete`` complete trials (fANOVA's forest on fewer points apportions noise)
    or when their values do not vary."""
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(complete) < min_complete:
        return None, f"{len(complete)} complete trial(s), fewer than the {min_complete} an importance needs"
    if len({t.value for t in complete}) < 2:
        return (
            None,
            f"{len(complete)} complete trial(s) with {len({t.value for t in complete})} distinct value(s)",
        )
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
        values = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except ValueError as error:  # optuna: too few trials for the evaluator
        return None, f"{type(error).__name__}: {error}"
    except RuntimeError as error:  # fANOVA when no parameter varied; any other error is a bug and propagates
        if "zero total variance" not in str(error):
            raise
        return None, f"no parameter varied between the complete trials ({error})"
    return pd.Series(values, name="importance").sort_values(ascending=False), "fANOVA"


def trial_readings(result: SearchResult) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Each complete trial's per-review validation predictions at the evaluation it reported as its value (its
    best checkpoint), by trial number: ``(labels, predictions)``, the same reviews in the same order for every
    trial. A trial whose folder keeps no readings (another machine's trial, a run from before they were kept)
    is left out."""
    from helpers.search.trial import trial_dir
    from helpers.training import EVALUATIONS

    if result.root is None:
        return {}
    root = Path(result.root) / "trials" / result.study_name
    readings = {}
    for trial in result.study.get_trials(deepcopy=False):
        if trial.state.name != "COMPLETE" or trial.value is None:
            continue
        saved = []
        for path in (trial_dir(root, trial.params) / EVALUATIONS).glob("step-*.npz"):
            with np.load(path) as reading:
                saved.append((int(path.stem.split("-")[1]), reading["label"], reading["pred"]))
        best = [
            s for s in sorted(saved, key=lambda s: s[0]) if abs((s[2] == s[1]).mean() - trial.value) < 1e-9
        ]
        if best:
            readings[trial.number] = (best[0][1], best[0][2])
    return readings
