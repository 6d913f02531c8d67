"""helpers.classical: the NB feature transform (hand-checked), the pipelines on a tiny corpus, top features."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from helpers import classical

# A tiny corpus that a linear model separates perfectly: "good"/"great" ⇒ pos, "bad"/"awful" ⇒ neg.
POS = ["good film", "great film", "good great acting", "a good story", "great great fun", "good plot"]
NEG = ["bad film", "awful film", "bad awful acting", "a bad story", "awful awful mess", "bad plot"]
TRAIN = {"text": POS + NEG, "label": [1] * len(POS) + [0] * len(NEG)}
TEST = {"text": ["good acting", "awful story", "great plot", "bad fun"], "label": [1, 0, 1, 0]}


# ----------------------------------------------------------------------------------------------- NBFeatureScaler
def test_nb_scaler_matches_hand_computed_log_count_ratio():
    # Three features, four documents, counts (binarized before summing: the 3 becomes 1):
    #   doc    f0 f1 f2   label
    #   d0      3  0  1   1 (pos)  → binarized 1 0 1
    #   d1      1  1  0   1 (pos)  → binarized 1 1 0
    #   d2      0  1  1   0 (neg)
    #   d3      0  1  0   0 (neg)
    # alpha = 1:  p = 1 + (2, 1, 1) = (3, 2, 2), ‖p‖₁ = 7
    #             q = 1 + (0, 2, 1) = (1, 3, 2), ‖q‖₁ = 6
    # r = log((p/7) / (q/6)) = (log(18/7), log(12/21), log(12/14)) = (0.944462, -0.559616, -0.154151)
    X = np.array([[3, 0, 1], [1, 1, 0], [0, 1, 1], [0, 1, 0]])
    y = np.array([1, 1, 0, 0])
    scaler = classical.NBFeatureScaler(alpha=1.0).fit(X, y)
    expected = np.array([math.log(18 / 7), math.log(12 / 21), math.log(12 / 14)])
    np.testing.assert_allclose(scaler.r_, expected, rtol=1e-12)
    np.testing.assert_allclose(expected, [0.944462, -0.559616, -0.154151], atol=1e-6)
    # transform: binarize, then scale each column by r (d0's count 3 counts once)
    out = scaler.transform(sp.csr_matrix(X))
    assert sp.issparse(out)
    np.testing.assert_allclose(out.toarray(), (X > 0) * expected)


def test_nb_scaler_without_binarize_and_with_string_labels():
    X = np.array([[2, 0], [0, 1]])
    scaler = classical.NBFeatureScaler(alpha=1.0, binarize=False).fit(X, np.array(["neg", "pos"]))
    # classes sorted: "neg" < "pos", so pos = "pos". p = 1 + (0, 1) = (1, 2), q = 1 + (2, 0) = (3, 1); ‖·‖₁ = 3, 4
    np.testing.assert_allclose(scaler.r_, [math.log((1 / 3) / (3 / 4)), math.log((2 / 3) / (1 / 4))])
    np.testing.assert_allclose(scaler.transform(X).toarray(), X * scaler.r_)


def test_nb_scaler_rejects_bad_input():
    with pytest.raises(NotFittedError):
        classical.NBFeatureScaler().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="two classes"):
        classical.NBFeatureScaler().fit(np.ones((3, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match="alpha"):
        classical.NBFeatureScaler(alpha=0).fit(np.ones((2, 2)), [0, 1])
    fitted = classical.NBFeatureScaler().fit(np.ones((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.ones((2, 3)))


# ----------------------------------------------------------------------------------------------- pipelines
PIPELINES = {
    "random_forest_bow": lambda: classical.random_forest_bow(seed=0),
    "tfidf_logreg": lambda: classical.tfidf_logreg(C=10.0, min_df=1, max_df=1.0),
    "nbsvm_logreg": lambda: classical.nbsvm(C=1.0),
    "nbsvm_svm": lambda: classical.nbsvm(C=1.0, classifier="svm"),
}


@pytest.mark.parametrize("name", PIPELINES)
def test_pipelines_fit_and_predict_tiny_corpus(name):
    run = classical.fit_and_predict(PIPELINES[name](), TRAIN, TEST)
    np.testing.assert_array_equal(run.pred, TEST["label"])
    assert run.pred.dtype == np.int64 and run.p_pos.shape == (4,)
    assert np.all((run.p_pos >= 0) & (run.p_pos <= 1))
    assert np.all((run.p_pos > 0.5) == (run.pred == 1))  # the score agrees with the label
    assert run.train_seconds >= 0 and run.predict_seconds >= 0


def test_random_forest_keeps_the_studys_defaults():
    pipeline = classical.random_forest_bow(seed=7)
    defaults = clone(pipeline).set_params(forest__random_state=None, forest__n_jobs=None)
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.feature_extraction.text import CountVectorizer

    assert defaults.named_steps["forest"].get_params() == RandomForestClassifier().get_params()
    assert defaults.named_steps["counts"].get_params() == CountVectorizer().get_params()
    assert pipeline.named_steps["forest"].random_state == 7 and pipeline.named_steps["forest"].n_jobs == -1


class MarginOnly:
    """An estimator with a decision function and no predict_proba, whose margins are given."""

    def __init__(self, margins):
        self.margins = margins

    def decision_function(self, texts):
        return np.array([self.margins[t] for t in texts])


def test_scores_without_predict_proba_are_the_sigmoid_of_the_margin():
    # hand-computed: sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4, sigmoid(ln 9) = 9/10
    margins = {"a": 0.0, "b": math.log(3), "c": -math.log(3), "d": math.log(9)}
    scores = classical.positive_scores(MarginOnly(margins), ["a", "b", "c", "d"])
    np.testing.assert_allclose(scores, [0.5, 0.75, 0.25, 0.9], rtol=1e-12)


def test_svm_scores_are_sigmoid_of_the_margin():
    from scipy.special import expit

    pipeline = classical.nbsvm(classifier="svm").fit(TRAIN["text"], TRAIN["label"])
    # the margin rebuilt from the fitted parts: binarized counts, scaled by r, dotted with the SVM's weights
    counts = pipeline.named_steps["counts"].transform(TEST["text"]).toarray() > 0
    svm = pipeline.named_steps["svm"]
    margin = (counts * pipeline.named_steps["nb"].r_) @ svm.coef_.ravel() + svm.intercept_[0]
    scores = classical.positive_scores(pipeline, TEST["text"])
    np.testing.assert_allclose(scores, expit(margin), rtol=1e-5)
    assert ((scores > 0.5) == (np.asarray(TEST["label"]) == 1)).all()


def test_nbsvm_rejects_unknown_classifier():
    with pytest.raises(ValueError, match="classifier"):
        classical.nbsvm(classifier="tree")


# Two positive reviews among ten negative ones: a tiny C shrinks the weights until the intercept (which liblinear
# also penalises, but which every review shares) decides, so C = 1e-6 calls every validation review negative.
UNBALANCED = {
    "text": ["good film", "good plot"]
    + ["bad film", "awful film", "bad plot", "dull film", "bad acting"]
    + ["awful plot", "dull plot", "bad story", "awful story", "dull acting"],
    "label": [1, 1] + [0] * 10,
}
BALANCED_VALIDATION = {"text": ["good story", "good film", "bad film", "dull story"], "label": [1, 1, 0, 0]}


def test_tune_picks_the_best_value_on_validation():
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    values = [1e-6, 0.1, 10.0, 1.0]
    best, table = classical.tune(classical.nbsvm, "C", values, UNBALANCED, BALANCED_VALIDATION)
    assert list(table.columns) == ["C", "validation_accuracy", "train_seconds"]
    assert table["C"].tolist() == values
    # the values really differ: the collapsed model scores the share of negatives, 2 of 4
    assert table["validation_accuracy"].tolist() == [0.5, 0.75, 1.0, 1.0]
    # scikit-learn's own search over the same split (fit on the training part, scored on the validation part)
    texts = UNBALANCED["text"] + BALANCED_VALIDATION["text"]
    labels = UNBALANCED["label"] + BALANCED_VALIDATION["label"]
    split = PredefinedSplit([-1] * len(UNBALANCED["text"]) + [0] * len(BALANCED_VALIDATION["text"]))
    grid = GridSearchCV(classical.nbsvm(), {"logreg__C": values}, cv=split, scoring="accuracy", refit=False)
    grid.fit(texts, labels)
    np.testing.assert_allclose(table["validation_accuracy"], grid.cv_results_["split0_test_score"])
    assert best == grid.best_params_["logreg__C"] == 10.0  # the first of the two best, in the order given
    assert isinstance(best, float)


def test_model_source_describes_the_pipeline():
    source = classical.model_source(classical.random_forest_bow(seed=3), "CountVectorizer + RF (defaults)")
    assert source["kind"] == "scikit-learn" and "random_state=3" in source["pipeline"]


# ----------------------------------------------------------------------------------------------- top features
@pytest.mark.parametrize("name", ["tfidf_logreg", "nbsvm_logreg", "nbsvm_svm", "random_forest_bow"])
def test_top_features_shape_and_sign(name):
    pipeline = PIPELINES[name]().fit(TRAIN["text"], TRAIN["label"])
    table = classical.top_features(pipeline, k=2, texts=TRAIN["text"], labels=TRAIN["label"])
    assert list(table.columns) == ["class", "rank", "feature", "weight"]
    assert table.attrs["weights"] == ("importance" if name == "random_forest_bow" else "coefficient")
    assert table.groupby("class").size().to_dict() == {"neg": 2, "pos": 2}
    assert (table.loc[table["class"] == "pos", "weight"] > 0).all()
    assert (table.loc[table["class"] == "neg", "weight"] < 0).all()
    assert table.groupby("class")["rank"].apply(list).to_dict() == {"neg": [1, 2], "pos": [1, 2]}
    # the sentiment words are the ones that lead
    assert set(table.loc[table["class"] == "pos", "feature"]) <= {
        "good",
        "great",
        "good great",
        "great great",
    } | ({"great fun", "good film", "great film", "good plot", "a good", "good story"})
    assert set(table.loc[table["class"] == "neg", "feature"]) & {"bad", "awful"}
    # sorted by strength within each class
    for _, part in table.groupby("class"):
        assert part["weight"].abs().is_monotonic_decreasing


def test_nbsvm_weights_are_what_one_occurrence_adds_to_the_margin():
    pipeline = classical.nbsvm(C=1.0).fit(TRAIN["text"], TRAIN["label"])
    weights = classical.feature_weights(pipeline)
    assert list(weights.index) == list(pipeline.named_steps["counts"].get_feature_names_out())
    # a review of one word has one feature (no bigram): its margin minus an empty review's is that word's weight
    words = [name for name in weights.index if " " not in name]
    assert {"good", "great", "bad", "awful", "film"} <= set(words)
    added = pipeline.decision_function(words) - pipeline.decision_function([""])[0]
    np.testing.assert_allclose(weights[words].to_numpy(), added, rtol=1e-5, atol=1e-6)
    # and a second occurrence adds nothing (binarized counts)
    np.testing.assert_allclose(
        pipeline.decision_function(["good good"]), pipeline.decision_function(["good"])
    )


def test_forest_weights_need_training_data():
    pipeline = classical.random_forest_bow(seed=0).fit(TRAIN["text"], TRAIN["label"])
    with pytest.raises(ValueError, match="training texts"):
        classical.top_features(pipeline)


def test_write_run_follows_the_results_contract(tmp_path, monkeypatch):
    from helpers import results_files

    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    test = {**TEST, "review_id": ["r1", "r2", "r3", "r4"]}
    run = classical.fit_and_predict(classical.nbsvm(), TRAIN, test)
    record = classical.write_run(
        run,
        test,
        profile="smoke",
        model_key="nbsvm",
        model="NB-SVM",
        data_source="toy corpus",
        description="toy",
        extra={"text": "raw"},
    )
    assert record["accuracy"] == 1.0 and record["model_source"]["description"] == "toy"
    loaded = results_files.load_results("smoke", folder=tmp_path / "results" / "smoke")
    assert loaded["nbsvm"][1]["review_id"].tolist() == ["r1", "r2", "r3", "r4"]
    assert loaded["nbsvm"][0]["text"] == "raw"


def test_a_baseline_is_saved_with_its_recipe_and_its_tuning(tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    test = {**TEST, "review_id": ["r1", "r2", "r3", "r4"]}
    run = classical.fit_and_predict(classical.nbsvm(C=0.5), TRAIN, test)
    tuning = pd.DataFrame({"C": [0.5, 1.0], "validation_accuracy": [0.9, 0.8]})
    record = classical.save_baseline(
        run, test, "nbsvm", n_train=8, C=0.5, tuning=tuning, profile="smoke", data_source="toy corpus"
    )
    assert (
        record["model"].startswith("NB-SVM")
        and "LogisticRegression(C=0.5)" in record["model_source"]["description"]
    )
    assert (record["text"], record["n_train"], record["C"]) == ("clean_reviews", 8, 0.5)
    assert record["tuning"][0] == {"C": 0.5, "validation_accuracy": 0.9}
    forest = classical.save_baseline(
        run,
        test,
        "bow_random_forest",
        n_train=8,
        profile="smoke",
        data_source="toy",
        cleaned_text_variant={"accuracy": 1.0},
    )
    assert (
        "C" not in forest and forest["text"] == "raw" and forest["cleaned_text_variant"] == {"accuracy": 1.0}
    )


# ----------------------------------------------------------------------------------------------- mutation pass (issue 24)
def test_pipeline_defaults_are_the_documented_recipes():
    """The settings every results file was made with (module and function docstrings); a changed default would
    change the classical rows of the README without a word."""
    tfidf = classical.tfidf_logreg().get_params()
    assert {k: tfidf[f"tfidf__{k}"] for k in ("ngram_range", "min_df", "max_df", "sublinear_tf")} == {
        "ngram_range": (1, 2),
        "min_df": 2,
        "max_df": 0.9,
        "sublinear_tf": True,
    }
    assert (
        tfidf["tfidf__strip_accents"] == "unicode"
        and tfidf["tfidf__token_pattern"] == classical.TOKEN_PATTERN
    )
    assert tfidf["tfidf__dtype"] is np.float32 and list(dict(classical.tfidf_logreg().steps)) == [
        "tfidf",
        "logreg",
    ]
    assert (tfidf["logreg__C"], tfidf["logreg__random_state"], tfidf["logreg__max_iter"]) == (10.0, 42, 1000)
    assert tfidf["logreg__solver"] == "liblinear"
    nb = classical.nbsvm().get_params()
    assert (nb["counts__ngram_range"], nb["counts__min_df"], nb["counts__binary"]) == ((1, 2), 1, True)
    assert nb["counts__strip_accents"] == "unicode" and nb["counts__dtype"] is np.float32
    assert nb["counts__token_pattern"] == classical.TOKEN_PATTERN  # keeps "!", "?" and one-letter words
    assert (nb["nb__alpha"], nb["logreg__C"], nb["logreg__dual"], nb["logreg__random_state"]) == (
        1.0,
        1.0,
        True,
        42,
    )
    assert classical.NBFeatureScaler().alpha == 1.0


def test_nb_scaler_says_which_shapes_disagree():
    with pytest.raises(ValueError, match="X has 3 rows but y has 2 labels"):
        classical.NBFeatureScaler().fit(np.ones((3, 5)), [0, 1])


def test_fit_and_predict_times_are_durations():
    run = classical.fit_and_predict(classical.nbsvm(), TRAIN, TEST)
    assert 0 < run.train_seconds < 60 and 0 < run.predict_seconds < 60


def _constant(constant: int, strategy: str = "constant"):
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [("counts", CountVectorizer()), ("dummy", DummyClassifier(strategy=strategy, constant=constant))]
    )


def test_tune_passes_the_fixed_settings_and_picks_the_best_not_the_worst():
    validation = {"text": ["good", "great", "fine", "bad"], "label": [1, 1, 1, 0]}  # "always 1" scores 0.75
    seen = []

    def build(**kwargs):
        seen.append(kwargs)
        return _constant(**kwargs)

    best, table = classical.tune(build, "constant", [0, 1, 1], TRAIN, validation, strategy="constant")
    assert seen == [{"constant": c, "strategy": "constant"} for c in (0, 1, 1)]
    assert table["validation_accuracy"].tolist() == [0.25, 0.75, 0.75]
    assert best == 1 and type(best) is int  # a plain Python value, not numpy's


def test_feature_weights_need_both_texts_and_labels_and_name_a_model_without_weights():
    forest = classical.random_forest_bow(seed=0).fit(TRAIN["text"], TRAIN["label"])
    with pytest.raises(ValueError, match="training texts and labels"):
        classical.feature_weights(forest, TRAIN["text"], None)
    assert classical.feature_weights(forest, TRAIN["text"], TRAIN["label"]).name == "weight"
    dummy = _constant(1).fit(TRAIN["text"], TRAIN["label"])
    with pytest.raises(TypeError, match="cannot read feature weights from DummyClassifier"):
        classical.feature_weights(dummy)


def test_top_features_leave_out_neutral_features_and_keep_fifteen_by_default():
    words = [f"w{i}" for i in range(20)]  # 20 positive and 20 negative words, and "the" in every review
    pos = [f"the {w} {w}x" for w in words]
    neg = [f"the {w}y {w}z" for w in words]
    pipeline = classical.nbsvm(ngram_range=(1, 1)).fit(pos + neg, [1] * len(pos) + [0] * len(neg))
    assert classical.feature_weights(pipeline)["the"] == 0.0  # r = 0: as frequent in both classes
    top = classical.top_features(pipeline)
    assert top["class"].value_counts().to_dict() == {"neg": 15, "pos": 15}
    assert list(top.index) == list(range(30))
    every = classical.top_features(pipeline, k=100)  # all 80 features with a sign, "the" with none
    assert every["class"].value_counts().to_dict() == {"neg": 40, "pos": 40}
    assert "the" not in set(every["feature"])


def test_write_run_records_what_it_is_told(tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    test = {**TEST, "review_id": ["r1", "r2", "r3", "r4"]}
    run = classical.fit_and_predict(classical.nbsvm(), TRAIN, test)
    record = classical.write_run(
        run, test, profile="smoke", model_key="nbsvm", model="NB-SVM", data_source="toy", description="d"
    )
    assert record["model"] == "NB-SVM" and record["data_source"] == {"description": "toy"}
    assert record["train_seconds"] == run.train_seconds and record["predict_seconds"] == run.predict_seconds


def test_settings_that_reach_the_classifiers_and_the_recorded_pipeline():
    assert classical.nbsvm().get_params()["logreg__max_iter"] == 1000
    svm = classical.nbsvm(classifier="svm", C=0.5, max_iter=7, seed=3).get_params()
    assert (svm["svm__C"], svm["svm__max_iter"], svm["svm__random_state"]) == (0.5, 7, 3)
    counts = classical.tfidf_logreg().steps[0][1].fit(TRAIN["text"])
    np.testing.assert_array_equal(
        classical.log_count_ratio(TRAIN["text"], TRAIN["label"], counts),
        classical.NBFeatureScaler(alpha=1.0).fit(counts.transform(TRAIN["text"]), TRAIN["label"]).r_,
    )
    source = classical.model_source(classical.random_forest_bow(seed=3), "RF")
    assert source["pipeline"] == "CountVectorizer() → RandomForestClassifier(n_jobs=-1, random_state=3)"
    assert source["version"] == classical.sklearn.__version__
    long = classical.model_source(classical.tfidf_logreg(), "LR")["pipeline"]  # its repr wraps: one line here
    assert "\n" not in long and "  " not in long and "sublinear_tf=True" in long


def test_tune_over_a_setting_that_is_not_a_number():
    validation = {"text": ["good", "great", "fine", "bad"], "label": [1, 1, 1, 0]}
    best, _ = classical.tune(
        _constant, "strategy", ["most_frequent", "constant"], TRAIN, validation, constant=1
    )
    assert best == "constant"  # always 1 (0.75) beats the training set's tie, broken to 0 (0.25)
