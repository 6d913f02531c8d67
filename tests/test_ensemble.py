"""helpers.ensemble: the average of members' P(positive), the choice of the classical member, notebook 06's remake."""

from __future__ import annotations

import pytest
from support.builders import write_toy_results as _write

from helpers import ensemble, results_files
from helpers.story import comparison


def _members(folder, nbsvm_validation=0.85):
    tuning = [{"C": 1.0, "validation_accuracy": 0.80}, {"C": 3.0, "validation_accuracy": 0.90}]
    _write(folder, model_key="tfidf_logreg", extra={"tuning": tuning}, p_pos=[0.6, 0.4, 0.2, 0.1])
    _write(folder, model_key="nbsvm", extra={"tuning": [{"C": 1.0, "validation_accuracy": nbsvm_validation}]})


def test_ensemble_averages_members_and_is_written_like_any_model(tmp_path):
    _members(tmp_path)
    _write(
        tmp_path,
        model_key="fine_tuned",
        review_ids=["d", "c", "b", "a"],
        y_true=[0, 1, 0, 1],
        p_pos=[0.2, 0.9, 0.5, 0.3],
    )
    results = results_files.load_results("smoke", folder=tmp_path)
    assert ensemble.best_on_validation(results, ["tfidf_logreg", "nbsvm"]) == "tfidf_logreg"
    record = ensemble.average_ensemble(
        results, ["fine_tuned", "tfidf_logreg"], profile="smoke", label="toy ensemble", folder=tmp_path
    )
    predictions = results_files.load_results("smoke", folder=tmp_path)["ensemble"][1].set_index("review_id")
    # a: (0.3 + 0.6) / 2, b: (0.5 + 0.4) / 2, c: (0.9 + 0.2) / 2, d: (0.2 + 0.1) / 2, matched by review id
    assert predictions.loc[["a", "b", "c", "d"], "p_pos"].tolist() == pytest.approx([0.45, 0.45, 0.55, 0.15])
    assert predictions.loc[["a", "b", "c", "d"], "pred"].tolist() == [0, 0, 1, 0]
    assert record["accuracy"] == 0.75 and record["members"] == ["fine_tuned", "tfidf_logreg"]
    assert record["label"] == "toy ensemble" and record["model_source"]["kind"] == "ensemble"
    with pytest.raises(results_files.ResultsError, match="missing"):
        ensemble.average_ensemble(
            results, ["fine_tuned", "absent"], profile="smoke", label="x", folder=tmp_path
        )


def test_best_on_validation_never_reads_test_accuracy_and_breaks_ties_by_order(tmp_path):
    _members(tmp_path, nbsvm_validation=0.90)  # a tie on validation; nbsvm's test accuracy is the same 0.75
    results = results_files.load_results("smoke", folder=tmp_path)
    assert ensemble.best_on_validation(results, ["tfidf_logreg", "nbsvm"]) == "tfidf_logreg"
    assert ensemble.best_on_validation(results, ["nbsvm", "tfidf_logreg"]) == "nbsvm"
    with pytest.raises(results_files.ResultsError, match="run notebook 02"):
        ensemble.best_on_validation(results, ["bow_random_forest"])


def test_remake_replaces_a_previous_runs_ensemble_and_names_its_members(tmp_path):
    _members(tmp_path, nbsvm_validation=0.95)  # NB-SVM wins on validation this time
    _write(tmp_path, model_key="ensemble", extra={"label": "stale", "members": ["x", "y"]})
    results, record = ensemble.remake(
        results_files.load_results("smoke", folder=tmp_path), profile="smoke", folder=tmp_path
    )
    assert record is None and "ensemble" not in results  # no fine-tuned model: no ensemble, not a stale one
    assert "run notebook 04" in comparison.ensemble_text(results, record, "smoke")

    _write(tmp_path, model_key="fine_tuned", model_source={"kind": "local", "path": "models/x"})
    results, record = ensemble.remake(
        results_files.load_results("smoke", folder=tmp_path), profile="smoke", folder=tmp_path
    )
    assert record["members"] == ["fine_tuned", "nbsvm"] and results["ensemble"][0]["label"] == record["label"]
    assert (
        record["label"].endswith("+ NB-SVM ensemble")
        and "nbsvm: the best classical" in record["member_choice"]
    )
    text = comparison.ensemble_text(results, record, "smoke")
    assert (
        "the better of TF-IDF + LR and NB-SVM on validation accuracy" in text and "named in advance" in text
    )
    assert f"accuracy {record['accuracy']:.3f} on 4 reviews" in text


def test_ensemble_record_names_its_members_sums_their_cost_and_calls_a_half_positive(tmp_path):
    """Mutation pass (issue 24): the record's fields come from the members (the first member's data source, both
    model sources, the sum of training times counting an untrained member as 0) and an average of exactly 0.5 is
    positive, as the docstring says."""
    _write(
        tmp_path,
        model_key="fine_tuned",
        model="Transformer",
        data_source={"kind": "first member's data"},
        model_source={"kind": "local", "path": "models/x"},
        p_pos=[0.6, 0.5, 0.5, 0.25],
        train_seconds=None,
        predict_seconds=1.0,
    )
    _write(
        tmp_path,
        model_key="nbsvm",
        model="Linear",
        data_source={"kind": "second member's data"},
        p_pos=[0.4, 0.5, 0.4, 0.25],
        train_seconds=2.5,
        predict_seconds=0.5,
    )
    results = results_files.load_results("smoke", folder=tmp_path)
    record = ensemble.average_ensemble(
        results, ["fine_tuned", "nbsvm"], profile="smoke", label="toy", folder=tmp_path
    )
    assert record["profile"] == "smoke" and record["member_choice"] == ""
    assert record["model"] == "equal-weight average of P(positive): Transformer + Linear"
    assert record["data_source"] == {"kind": "first member's data"}
    assert record["model_source"] == {
        "kind": "ensemble",
        "members": {
            "fine_tuned": {"kind": "local", "path": "models/x"},
            "nbsvm": results["nbsvm"][0]["model_source"],
        },
    }
    assert record["train_seconds"] == 2.5 and record["predict_seconds"] == 1.5
    predictions = results_files.load_results("smoke", folder=tmp_path)["ensemble"][1].set_index("review_id")
    # a: 0.5 (0.6 and 0.4 average to exactly 0.5) → positive; b: 0.5 → positive; c: 0.45, d: 0.25 → negative
    assert predictions.loc[["a", "b", "c", "d"], "pred"].tolist() == [1, 1, 0, 0]


def test_average_ensemble_says_which_members_are_missing(tmp_path):
    _members(tmp_path)
    results = results_files.load_results("smoke", folder=tmp_path)
    with pytest.raises(results_files.ResultsError, match=r"missing: \['absent'\]"):
        ensemble.average_ensemble(results, ["nbsvm", "absent"], profile="smoke", label="x", folder=tmp_path)
    with pytest.raises(results_files.ResultsError, match=r"two or more saved models; missing: \['nbsvm'\]"):
        ensemble.average_ensemble(results, ["nbsvm"], profile="smoke", label="x", folder=tmp_path)


def test_remake_in_the_runs_own_results_folder_labels_the_pair(tmp_path, monkeypatch):
    """As the notebook calls it (no ``folder``): written to and re-read from ``results/<profile>/`` of the run,
    labelled by the transformer's family (its " fine-tuned" suffix dropped) and the classical model."""
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    folder = tmp_path / "results" / "smoke"
    _members(folder, nbsvm_validation=0.95)
    _write(folder, model_key="fine_tuned", model_source={"kind": "local", "path": "models/x"})
    results, record = ensemble.remake(results_files.load_results("smoke"), profile="smoke")
    assert record["label"] == "local + NB-SVM ensemble" and record["profile"] == "smoke"
    assert results["ensemble"][0]["label"] == "local + NB-SVM ensemble"
    assert (folder / "ensemble.json").is_file()
