"""Hyperparameter search for fine-tuning: Optuna TPE with pruning on one machine, or Ray Tune on a cluster.

The objective is validation accuracy on a split of the IMDB *training* reviews (:func:`search_data`), read one way
(the template run's ``validation`` reading); the test reviews are seen once, by :func:`retrain_best`. The study is
stored (SQLite under ``models/search/<profile>/`` or ``$IMDB_SEARCH_STORAGE``) under a name derived from the space,
the data and the base model, so running the same search again resumes it; an interrupted trial is queued again and
resumes from its checkpoint. One file per part: ``settings``, ``space``, ``reviews``, ``study``, ``trial``,
``optuna_backend``, ``ray_backend`` (optional, imported only on that path), ``results``, ``retrain`` and ``run``.
"""

from helpers.search.results import intermediate_frame, param_importances, trial_readings, trials_frame
from helpers.search.retrain import reference_accuracy, retrain_best
from helpers.search.reviews import search_data
from helpers.search.run import run_search
from helpers.search.settings import SearchSettings
from helpers.search.space import PARAMS, SearchError, SearchSpace

__all__ = [
    "PARAMS",
    "SearchError",
    "SearchSettings",
    "SearchSpace",
    "intermediate_frame",
    "param_importances",
    "reference_accuracy",
    "retrain_best",
    "run_search",
    "search_data",
    "trial_readings",
    "trials_frame",
]
