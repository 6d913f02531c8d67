"""Hyperparameter search for fine-tuning: Optuna TPE with pruning on one machine, or Ray Tune on a cluster.

The search the study could not afford, over learning rate (log scale), warm-up ratio, weight decay, batch size,
epochs, training length and truncation strategy (``head`` / ``head_tail``):

* **objective**: validation accuracy on a split carved from the IMDB *training* reviews (:func:`search_data`); the
  test reviews are never seen by the search. Every trial reads the validation reviews one way, the template
  run's ``validation`` reading (:class:`helpers.specs.TrainingRun`), whatever length it trains at: the
  evaluation it selects its checkpoint by, every reported point and its value are that one reading;
* **sampler**: Optuna's TPE, seeded; **pruning**: every evaluation reports the validation accuracy to the trial
  from a ``Trainer`` callback, and a trial that the pruner (median or successive halving) finds behind the others
  stops there (``optuna.TrialPruned``, state ``PRUNED``). Successive halving (``pruner="halving"``, rungs at 1, η,
  η², … evaluations) spends the training reviews on the configurations that stay ahead, so the best see all of
  them. Evaluations happen a fixed number of times per epoch, and the step reported is the evaluation's position on
  that grid, so trials with different batch sizes or epochs are compared after the same amount of training data;
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

One file per part: ``settings`` (:class:`SearchSettings`, the one object a search is asked, and the study's
plan), ``space`` (what may be tried), ``reviews`` (the search's train/validation reviews), ``study``
(storage, name, opening, requeueing), ``trial`` (one trial's fit and reports, :class:`TrialSettings`),
``optuna_backend``, ``ray_backend``, ``results`` (:class:`SearchResult` and its tables), ``retrain`` (the best,
trained and tested once) and ``run`` (:func:`run_search`).

:func:`retrain_best` gives the best configuration trained once on the same training subset (the best trial's own
saved run when its folder still has it, else a new run) and evaluates it once on the test reviews, written under the
results contract as model ``tuned``.
"""

from helpers.search.optuna_backend import PRUNERS, make_pruner
from helpers.search.results import (
    SearchResult,
    best_trial,
    intermediate_frame,
    param_importances,
    trials_frame,
)
from helpers.search.retrain import TunedModel, reference_accuracy, retrain_best
from helpers.search.reviews import search_data
from helpers.search.run import run_search
from helpers.search.settings import BACKENDS, RetrainSettings, SearchSettings, StudyPlan, search_dir
from helpers.search.space import PARAMS, SearchError, SearchSpace
from helpers.search.study import (
    STORAGE_ENV,
    default_storage,
    display_storage,
    study_name,
)
from helpers.search.trial import TrialSettings

__all__ = [
    "BACKENDS",
    "PARAMS",
    "PRUNERS",
    "STORAGE_ENV",
    "SearchError",
    "RetrainSettings",
    "SearchResult",
    "SearchSettings",
    "SearchSpace",
    "StudyPlan",
    "TrialSettings",
    "TunedModel",
    "best_trial",
    "default_storage",
    "display_storage",
    "intermediate_frame",
    "make_pruner",
    "param_importances",
    "reference_accuracy",
    "retrain_best",
    "run_search",
    "search_data",
    "search_dir",
    "study_name",
    "trials_frame",
]
