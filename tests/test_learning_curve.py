"""Data efficiency, cost against accuracy and the helpers behind them (notebooks 02 and 06)."""

import json

import numpy as np
import pandas as pd
import pytest

from helpers import classical, comparisons, evaluation, plots, results_files


def _reviews(n, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    words = np.where(labels == 1, "good great fine", "bad awful poor")
    texts = [f"{w} film {i}" for i, w in enumerate(words)]
    return pd.DataFrame({"text": texts, "label": labels, "review_id": [f"r{i}" for i in range(n)]})


def test_learning_curve_scores_every_size_on_the_same_validation_reviews():
    from datasets import Dataset

    train, validation = Dataset.from_pandas(_reviews(120)), _reviews(40, seed=1)
    curve = classical.learning_curve(classical.tfidf_logreg, [20, 60, 500], train, validation, seed=0, C=1.0)
    assert curve["n_train"].tolist() == [20, 60, 120]  # 500 becomes all 120, once
    assert (curve["ci95 low"] <= curve["val_accuracy"]).all() and curve["val_accuracy"].iloc[-1] == 1.0


def test_best_on_validation_never_reads_test_and_breaks_ties_by_order():
    tables = {
        "tfidf_logreg": pd.DataFrame({"validation_accuracy": [0.90, 0.91]}),
        "nbsvm": pd.DataFrame({"validation_accuracy": [0.91, 0.89]}),
    }
    assert classical.best_on_validation(tables) == "tfidf_logreg"
    tables["nbsvm"].loc[0, "validation_accuracy"] = 0.92
    assert classical.best_on_validation(tables) == "nbsvm"


def test_learning_curves_and_cost_table_read_the_results(tmp_path):
    record = {"accuracy": 0.9, "accuracy_ci95": [0.85, 0.93], "train_seconds": None, "predict_seconds": 3.0}
    results = {
        "zero_shot": (record, None),
        "nbsvm": (
            record
            | {
                "accuracy": 0.91,
                "train_seconds": 1.0,
                "predict_seconds": 1.0,
                "n_validation": 100,
                "learning_curve": [{"n_train": 50, "val_accuracy": 0.8}],
            },
            None,
        ),
    }
    curves = comparisons.learning_curves(results, {"nbsvm": "NB-SVM"})
    assert curves["model"].tolist() == ["NB-SVM"] and curves["ci95 low"].iloc[0] < 0.8
    cost = comparisons.cost_table(results, {"zero_shot": "Z", "nbsvm": "NB-SVM"}).set_index("model")
    assert (
        cost.loc["Z", "seconds"] == 3.0 and cost.loc["NB-SVM", "frontier"] and not cost.loc["Z", "frontier"]
    )
    fig = plots.cost_accuracy_plot(cost.reset_index(), title="t")
    assert fig.axes[0].get_xscale() == "log"
    fig = plots.data_efficiency_plot(curves, title="t")
    assert fig.axes[0].get_xscale() == "log"


def test_update_record_adds_fields_and_keeps_the_rest(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"model_key": "m", "accuracy": 0.5}))
    record = results_files.update_record("p", "m", folder=tmp_path, score_masking={"accuracy": 0.4})
    assert record == json.loads((tmp_path / "m.json").read_text())
    assert record["accuracy"] == 0.5 and record["score_masking"] == {"accuracy": 0.4}


def test_reliability_diagram_draws_the_bins_the_ece_uses():
    y, p = np.array([0, 1, 1, 0]), np.array([0.1, 0.35, 0.38, 0.9])
    bins = evaluation.calibration_bins(y, p)
    fig = plots.reliability_diagram(bins, title="t")
    xs, ys = fig.axes[0].lines[1].get_data()
    filled = bins[bins["n"] > 0]
    assert np.allclose(xs, filled["mean p"]) and np.allclose(ys, filled["observed"])
    with pytest.raises(ValueError):
        evaluation.calibration_bins(y, p + 1)


def test_a_cost_counts_the_learning_rate_runs_the_search_and_an_ensembles_members():
    base = {"accuracy": 0.9, "accuracy_ci95": [0.85, 0.93], "predict_seconds": 2.0}
    results = {
        "fine_tuned": (base | {"train_seconds": 100.0, "all_runs_train_seconds": 160.0}, None),
        "tuned": (base | {"train_seconds": 90.0, "search": {"trial_seconds_total": 700.0}}, None),
        "nbsvm": (base | {"train_seconds": 5.0}, None),
        "ensemble": (base | {"train_seconds": 105.0, "members": ["fine_tuned", "nbsvm"]}, None),
    }
    cost = comparisons.cost_table(results, {}).set_index("model")["seconds"]
    assert cost.to_dict() == {"fine_tuned": 162.0, "tuned": 792.0, "nbsvm": 7.0, "ensemble": 167.0}
