"""Classical baselines as scikit-learn pipelines: the study's bag-of-words RandomForest, TF-IDF + LR, NB-SVM.

Every model gives ``p_pos`` in [0, 1]: ``predict_proba`` where the classifier has it, else the sigmoid of
``decision_function`` (0.5 at the decision boundary, but not calibrated); see :func:`positive_scores`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from helpers.labels import LABEL_NAMES
from helpers.results_files import write_results

# Words of one or more characters (keeps "a", "i", "10"), plus "!" and "?" as tokens of their own.
# scikit-learn's default pattern (\b\w\w+\b) drops both; the RF baseline keeps the default to stay faithful.
TOKEN_PATTERN = r"(?u)\b\w+\b|[!?]"


# ----------------------------------------------------------------------------------------------- NB features
class NBFeatureScaler(TransformerMixin, BaseEstimator):
    """Naive-Bayes log-count-ratio scaling of binarized count features (Wang & Manning 2012): with ``p`` and ``q`` the
    smoothed (``alpha``) feature sums of the positive (``classes_[1]``) and negative rows,
    ``r = log((p / ‖p‖₁) / (q / ‖q‖₁))``; :meth:`transform` returns ``r ∘ x`` (sparse stays sparse)."""

    def __init__(self, alpha: float = 1.0, binarize: bool = True):
        self.alpha = alpha
        self.binarize = binarize

    def _prepare(self, X):
        X = (
            sp.csr_matrix(X, dtype=np.float64)
            if sp.issparse(X)
            else sp.csr_matrix(np.asarray(X, dtype=np.float64))
        )
        if self.binarize:
            X = X.copy()
            X.data = (X.data > 0).astype(np.float64)
            X.eliminate_zeros()
        return X

    def fit(self, X, y):
        if self.alpha <= 0:
            raise ValueError(f"alpha must be positive (smoothing), got {self.alpha}")
        X = self._prepare(X)
        y = np.asarray(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels")
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"NBFeatureScaler needs exactly two classes, got {self.classes_.tolist()}")
        p = self.alpha + np.asarray(X[y == self.classes_[1]].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(X[y == self.classes_[0]].sum(axis=0)).ravel()
        self.r_ = np.log(p / p.sum()) - np.log(q / q.sum())
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "r_")
        X = self._prepare(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, the scaler was fitted on {self.n_features_in_}")
        return sp.csr_matrix(X.multiply(self.r_))


# ----------------------------------------------------------------------------------------------- pipelines
def random_forest_bow(seed: int) -> Pipeline:
    """The study's baseline: ``CountVectorizer()`` + ``RandomForestClassifier()``, defaults except the seed and
    ``n_jobs=-1`` (100 fully grown trees, √features per split, unigram counts with the default tokenizer)."""
    return Pipeline(
        [
            ("counts", CountVectorizer()),
            ("forest", RandomForestClassifier(random_state=seed, n_jobs=-1)),
        ]
    )


def tfidf_logreg(
    C: float = 10.0,
    seed: int = 42,
    min_df: int = 2,
    max_df: float = 0.9,
    ngram_range: tuple[int, int] = (1, 2),
    max_iter: int = 1000,
) -> Pipeline:
    """TF-IDF (sublinear tf, l2-normalised rows) of word uni+bigrams seen in ≥ ``min_df`` reviews and at most
    ``max_df`` of them, then L2-regularised logistic regression with inverse strength ``C`` (liblinear)."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    ngram_range=ngram_range,
                    min_df=min_df,
                    max_df=max_df,
                    sublinear_tf=True,
                    strip_accents="unicode",
                    token_pattern=TOKEN_PATTERN,
                    dtype=np.float32,
                ),
            ),
            ("logreg", LogisticRegression(C=C, solver="liblinear", max_iter=max_iter, random_state=seed)),
        ]
    )


def nbsvm(
    C: float = 1.0,
    seed: int = 42,
    alpha: float = 1.0,
    min_df: int = 1,
    ngram_range: tuple[int, int] = (1, 2),
    classifier: str = "logreg",
    max_iter: int = 1000,
) -> Pipeline:
    """NB-SVM (Wang & Manning 2012): binarized uni+bigram counts → :class:`NBFeatureScaler` (smoothing ``alpha``) → a
    linear classifier on ``r ∘ x``: ``classifier="logreg"`` (NB-LR, with ``predict_proba``) or ``"svm"`` (the
    paper's squared-hinge linear SVM, scored through a sigmoid), without the paper's weight interpolation."""
    if classifier == "logreg":
        model = LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=max_iter, random_state=seed)
    elif classifier == "svm":
        model = LinearSVC(C=C, max_iter=max_iter, random_state=seed)
    else:
        raise ValueError(f"classifier must be 'logreg' or 'svm', not {classifier!r}")
    return Pipeline(
        [
            (
                "counts",
                CountVectorizer(
                    ngram_range=ngram_range,
                    min_df=min_df,
                    binary=True,
                    strip_accents="unicode",
                    token_pattern=TOKEN_PATTERN,
                    dtype=np.float32,
                ),
            ),
            ("nb", NBFeatureScaler(alpha=alpha)),
            (classifier, model),
        ]
    )


def model_source(pipeline: Pipeline, description: str) -> dict[str, str]:
    """The ``model_source`` of a results file: library, version, a description and the pipeline's settings."""
    with sklearn.config_context(print_changed_only=True):
        steps = " → ".join(repr(step).replace("\n", "").replace("  ", "") for _, step in pipeline.steps)
    return {
        "kind": "scikit-learn",
        "version": sklearn.__version__,
        "description": description,
        "pipeline": steps,
    }


# ----------------------------------------------------------------------------------------------- fit, predict, tune
@dataclass
class ClassicalRun:
    """A fitted pipeline and its predictions on one set of texts, with wall-clock timings in seconds."""

    pipeline: Pipeline
    pred: np.ndarray
    p_pos: np.ndarray
    train_seconds: float
    predict_seconds: float


def _texts_labels(data: Any) -> tuple[list[str], np.ndarray]:
    """``text`` and ``label`` of a Dataset, DataFrame or dict of columns."""
    return list(data["text"]), np.asarray(list(data["label"]), dtype=np.int64)


def positive_scores(pipeline: Pipeline, texts: Iterable[str]) -> np.ndarray:
    """Score of the positive class in [0, 1]: ``predict_proba[:, 1]`` when available, else
    ``sigmoid(decision_function)`` (monotone, 0.5 on the boundary, not calibrated)."""
    texts = list(texts)
    if hasattr(pipeline, "predict_proba"):
        try:
            return np.asarray(pipeline.predict_proba(texts)[:, 1], dtype=np.float64)
        except AttributeError:  # e.g. a final step without predict_proba behind a pipeline's available_if
            pass
    margin = np.asarray(pipeline.decision_function(texts), dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-margin))


def fit_and_predict(pipeline: Pipeline, train: Any, test: Any) -> ClassicalRun:
    """Fit ``pipeline`` on ``train`` and predict ``test`` (each a Dataset/DataFrame/dict with ``text``, ``label``).

    ``predict_seconds`` covers labels and scores together (one vectorisation each, as a user would run it).
    """
    train_texts, train_labels = _texts_labels(train)
    test_texts = list(test["text"])
    start = time.perf_counter()
    pipeline.fit(train_texts, train_labels)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    p_pos = positive_scores(pipeline, test_texts)
    pred = np.asarray(pipeline.predict(test_texts), dtype=np.int64)
    predict_seconds = time.perf_counter() - start
    return ClassicalRun(pipeline, pred, p_pos, train_seconds, predict_seconds)


def write_run(
    run: ClassicalRun,
    test: Any,
    *,
    profile: str,
    model_key: str,
    model: str,
    data_source: Any,
    description: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``run``'s predictions on ``test`` (with ``review_id``) through :func:`helpers.results_files.write_results`."""
    _, labels = _texts_labels(test)
    return write_results(
        profile=profile,
        model_key=model_key,
        model=model,
        data_source=data_source,
        model_source=model_source(run.pipeline, description),
        review_ids=list(test["review_id"]),
        y_true=labels,
        y_pred=run.pred,
        p_pos=run.p_pos,
        train_seconds=run.train_seconds,
        predict_seconds=run.predict_seconds,
        extra=extra,
    )


BASELINES = {  # notebook 02's models: key → (name, how it is built, which text it reads)
    "bow_random_forest": (
        "Bag of words + random forest",
        "CountVectorizer + RandomForestClassifier (scikit-learn defaults; raw text)",
        "raw",
    ),
    "tfidf_logreg": (
        "TF-IDF uni+bigrams + logistic regression",
        "TfidfVectorizer(1-2 grams, sublinear tf) + LogisticRegression(C={C:g}); cleaned text",
        "clean_reviews",
    ),
    "nbsvm": (
        "NB-SVM uni+bigrams (NB features + logistic regression)",
        "binary CountVectorizer(1-2 grams) + NBFeatureScaler(alpha=1) + LogisticRegression(C={C:g}); cleaned text",
        "clean_reviews",
    ),
}


def save_baseline(
    run: ClassicalRun, test: Any, key: str, *, n_train: int, C: float | None = None, tuning=None, **where: Any
) -> dict[str, Any]:
    """Write one of notebook 02's models (``key`` in :data:`BASELINES`) under the results contract: its name, recipe
    and text from the table, how many reviews it trained on, its ``C`` and ``tuning`` table when it was tuned;
    ``where``: ``profile`` and ``data_source``, and any further fields of the record."""
    name, description, text = BASELINES[key]
    extra = {"text": text, "n_train": n_train}
    if C is not None:
        extra |= {"C": C, "tuning": tuning.to_dict("records") if tuning is not None else None}
    fields = {k: where.pop(k) for k in ("profile", "data_source")}
    return write_run(
        run,
        test,
        model_key=key,
        model=name,
        description=description.format(C=C),
        extra=extra | where,
        **fields,
    )


def tune(
    build: Callable[..., Pipeline],
    param: str,
    values: Iterable[Any],
    train: Any,
    validation: Any,
    **fixed: Any,
) -> tuple[Any, pd.DataFrame]:
    """Try ``build(**{param: value}, **fixed)`` for each value on a validation split carved from the training set
    (never the test set); return the best value (the first on ties) and a table of validation accuracies."""
    rows = []
    _, y_val = _texts_labels(validation)
    for value in values:
        run = fit_and_predict(build(**{param: value}, **fixed), train, validation)
        rows.append(
            {
                param: value,
                "validation_accuracy": float((run.pred == y_val).mean()),
                "train_seconds": run.train_seconds,
            }
        )
    table = pd.DataFrame(rows)
    best = table.loc[table["validation_accuracy"].idxmax(), param]
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(f"best {param} = {best}")
    return best.item() if hasattr(best, "item") else best, table


def best_on_validation(tunings: dict[str, pd.DataFrame]) -> str:
    """Of several tuned models (key → :func:`tune`'s table), the one with the best validation accuracy (the first
    on ties): the choice between models, like the choice of ``C``, never looks at the test reviews."""
    scores = {key: float(table["validation_accuracy"].max()) for key, table in tunings.items()}
    return max(scores, key=lambda key: (scores[key], -list(scores).index(key)))


def learning_curve(
    build: Callable[..., Pipeline],
    sizes: Iterable[int],
    train: Any,
    validation: Any,
    seed: int,
    **params: Any,
) -> pd.DataFrame:
    """Validation accuracy (with a 95% Wilson CI) of ``build(seed=seed, **params)`` fitted on seeded stratified samples of
    ``train`` of each size (sizes above ``len(train)`` become ``len(train)``, once), always scored on the same
    ``validation`` reviews: how much data the model needs."""
    from helpers.data import stratified_sample
    from helpers.evaluation import accuracy_with_ci

    _, y_val = _texts_labels(validation)
    rows = []
    for n in sorted({min(int(n), len(train)) for n in sizes}):
        part = stratified_sample(train, n, seed) if n < len(train) else train
        run = fit_and_predict(build(seed=seed, **params), part, validation)
        accuracy, (low, high) = accuracy_with_ci(y_val, run.pred)
        rows.append(
            {
                "n_train": n,
                "val_accuracy": accuracy,
                "ci95 low": low,
                "ci95 high": high,
                "train_seconds": run.train_seconds,
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------- interpretation
def log_count_ratio(
    texts: Iterable[str], labels: Iterable[int], vectorizer, alpha: float = 1.0
) -> np.ndarray:
    """NB log-count ratio ``r`` of each feature of a fitted ``vectorizer`` (> 0: leans positive)."""
    X = vectorizer.transform(list(texts))
    return NBFeatureScaler(alpha=alpha).fit(X, np.asarray(list(labels))).r_


def feature_weights(
    pipeline: Pipeline, texts: Iterable[str] | None = None, labels: Iterable[int] | None = None
) -> pd.Series:
    """A signed weight per feature (> 0: evidence for ``pos``), indexed by the word or bigram: a linear model's
    coefficient (NB-SVM: ``coef × r``), or a forest's ``feature_importances_`` signed by the feature's log-count ratio
    in ``texts``/``labels`` (pass the training data)."""
    vectorizer, model = pipeline.steps[0][1], pipeline.steps[-1][1]
    names = vectorizer.get_feature_names_out()
    if hasattr(model, "coef_"):
        weights = np.asarray(model.coef_, dtype=np.float64).ravel()
        for _, step in pipeline.steps[1:-1]:
            if isinstance(step, NBFeatureScaler):
                weights = weights * step.r_
    elif hasattr(model, "feature_importances_"):
        if texts is None or labels is None:
            raise ValueError("a forest's importances carry no sign: pass the training texts and labels")
        weights = model.feature_importances_ * np.sign(log_count_ratio(texts, labels, vectorizer))
    else:
        raise TypeError(f"cannot read feature weights from {type(model).__name__}")
    return pd.Series(weights, index=names, name="weight")


def top_features(
    pipeline: Pipeline, k: int = 15, texts: Iterable[str] | None = None, labels: Iterable[int] | None = None
) -> pd.DataFrame:
    """The ``k`` most informative features for each class: columns ``class`` (``neg``/``pos``), ``rank`` (1 = most
    informative), ``feature``, ``weight`` (signed: < 0 for ``neg``, > 0 for ``pos``). See :func:`feature_weights`.
    ``attrs["weights"]`` says what a weight is: ``"coefficient"`` (a linear model's evidence for its class) or
    ``"importance"`` (a forest's impurity importance, which has no class: its sign is only the log-count ratio's)."""
    weights = feature_weights(pipeline, texts, labels)
    frames = []
    for name, side in zip(LABEL_NAMES, (weights[weights < 0], weights[weights > 0]), strict=True):
        top = side.abs().sort_values(ascending=False, kind="stable").head(k)
        frames.append(
            pd.DataFrame(
                {
                    "class": name,
                    "rank": np.arange(1, len(top) + 1),
                    "feature": top.index,
                    "weight": side[top.index].to_numpy(),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table.attrs["weights"] = "coefficient" if hasattr(pipeline.steps[-1][1], "coef_") else "importance"
    return table
