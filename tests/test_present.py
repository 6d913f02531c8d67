import pandas as pd

from helpers import present, tables


def test_short_labels_are_unique_per_role_and_family():
    standin = {"kind": "standin", "name": "MiniLM-L6 fine-tuned on SST-2 (offline stand-in)"}
    records = [
        {"model_key": "zero_shot", "model_source": standin},
        {"model_key": "fine_tuned", "model_source": {"kind": "path"}, "base_model_source": standin},
        {"model_key": "tuned", "model_source": {"kind": "path"}, "base_model_source": standin},
        {"model_key": "nbsvm", "model_source": {"kind": "scikit-learn"}},
        {
            "model_key": "zero_shot",
            "model_source": {"kind": "hub", "name": "distilbert/distilbert-base-uncased-sst2"},
        },
    ]
    assert [present.short_label(r) for r in records] == [
        "stand-in zero-shot",
        "stand-in fine-tuned",
        "stand-in tuned",
        "NB-SVM",
        "DistilBERT zero-shot",
    ]


def _table():
    return pd.DataFrame(
        {
            "model": ["BoW forest", "stand-in fine-tuned"],
            "accuracy": [0.858, 0.907],
            "ci95 low": [0.835, 0.887],
            "ci95 high": [0.879, 0.923],
            "n": [1000, 1000],
            "study (n=1,000)": [0.84, float("nan")],
        }
    )


def test_reading_cautions_say_n_stand_in_and_seed():
    results = {
        "bow_random_forest": ({"model_source": {"kind": "sklearn"}}, None),
        "fine_tuned": ({"model_source": {"kind": "local"}, "base_model_source": {"kind": "standin"}}, None),
    }
    text = present.reading_cautions(_table(), results, seed=7)
    assert "1,000 reviews" in text and "±2.0 points" in text and "seed 7" in text
    assert "offline MiniLM stand-in" in text
    hub = {"fine_tuned": ({"model_source": {"kind": "hub"}}, None)}
    assert "Stand-in" not in present.reading_cautions(_table(), hub, seed=7)


def test_tuned_verdict_follows_the_test_whatever_it_says():
    row = {"accuracy A": 0.907, "accuracy B": 0.904, "p value": 0.77}
    same = present.tuned_verdict(
        row, fine_label="fine", n_train={"fine_tuned": 5000, "tuned": 5000}, n_validation=300
    )
    assert "cannot be told apart" in same and "-0.3 points" in same and "same 5,000 reviews" in same
    worse = present.tuned_verdict(
        {**row, "accuracy B": 0.879, "p value": 7e-4},
        fine_label="fine",
        n_train={"fine_tuned": 2000, "tuned": 800},
        n_validation=400,
    )
    assert "**less** accurate" in worse and "p = 7.0e-04" in worse and "800 reviews against 2,000" in worse
    better = present.tuned_verdict(
        {**row, "accuracy B": 0.93, "p value": 0.01},
        fine_label="fine",
        n_train={"fine_tuned": 1, "tuned": 1},
        n_validation=1,
    )
    assert "more accurate (+2.3 points" in better
    unknown = present.tuned_verdict(
        row, fine_label="fine", n_train={"fine_tuned": None, "tuned": 5000}, n_validation=1
    )
    assert "same" not in unknown and "reviews against" not in unknown


def test_provenance_names_each_models_source_once_and_an_ensembles_members():
    def record(key, source):
        return {"model": key, "model_key": key, "label": key, "model_source": source}, None

    results = {
        "fine_tuned": record("fine_tuned", {"kind": "path", "location": "models/x"}),
        "nbsvm": record("nbsvm", {"kind": "sklearn"}),
        "ensemble": record("ensemble", {"kind": "ensemble", "members": {"fine_tuned": {}, "nbsvm": {}}}),
    }
    table = present.provenance_table(results)
    assert table["source"].tolist() == [
        "path: models/x",
        "sklearn",
        "ensemble of the saved predictions of fine_tuned + nbsvm",
    ]


def test_search_summary_explains_the_gap_the_run_actually_shows():
    common = dict(n_trials=7, n_pruned=5, n_train_search=2000, n_validation=300, test_ci=(0.89, 0.93))
    above = present.search_summary(**common, best_validation=0.883, test_accuracy=0.910, n_train_final=5000)
    assert "2.7 points above" in above[1] and "retrained on 5,000 reviews instead of 2,000" in above[1]
    assert "highest of 7 scores on the same 300 validation reviews" in above[0]
    same_data = present.search_summary(
        **common, best_validation=0.883, test_accuracy=0.910, n_train_final=2000
    )
    assert "noise of two samples" in same_data[1] and "instead of" not in same_data[1]
    below = present.search_summary(**common, best_validation=0.900, test_accuracy=0.880, n_train_final=5000)
    assert "2.0 points below" in below[1] and "optimism" in below[1]
    tie = present.search_summary(**common, best_validation=0.5, test_accuracy=0.5, n_train_final=5000)
    assert tie[1].endswith("(95% CI 0.890–0.930), the same as that validation score.")


def test_example_reviews_show_probabilities_by_label_and_cut_only_long_reviews():
    paired = pd.DataFrame(
        {"label": [1, 0, 1], "a:p_pos": [0.9, 0.0025, 0.4], "b:p_pos": [0.7, 0.6, 0.1]},
        index=["r1", "r2", "r3"],
    )
    texts = pd.Series({"r1": "short", "r2": "x" * 12, "r3": "unused"})
    labels = {"a": "model A", "b": "model B"}
    reviews, p_pos = present.example_reviews(paired, texts, labels, ["r2", "r1", "r3"], limit=2, chars=10)
    assert list(reviews.index) == ["r2", "r1"] and reviews.loc["r2", "review"] == "x" * 10 + "…"
    assert reviews.loc["r1", "review"] == "short"  # not cut, so no ellipsis
    assert p_pos.loc["model A"].tolist() == ["0.00", "0.90"] and p_pos.loc["model B", "r2"] == "0.60"
    assert tables.format_table(reviews)["label"].tolist() == ["neg", "pos"]
    empty, _ = present.example_reviews(paired, texts, labels, [])
    assert empty.empty


def test_flips_text_counts_both_ways_and_the_class_of_the_fixed():
    labels = pd.Series({"a": 0, "b": 0, "c": 1, "d": 1})
    text = present.flips_text("Fine-tuning", ["a", "b", "c", "d"], ["a", "b"], labels)
    assert text == "Fine-tuning fixed 4 reviews (2 positive, 2 negative) and broke 2 (all 2 negative)."
    assert (
        present.flips_text("Tuning", ["c"], [], labels)
        == "Tuning fixed 1 reviews (a positive review) and broke 0."
    )
    assert present.flips_text("Tuning", [], [], labels) == "Tuning fixed 0 reviews and broke 0."


def test_data_note_names_each_sample_once():
    record = {"split": "test", "data_source": {"kind": "bundled"}, "n": 1000}
    results = {"a": (record, None), "b": (dict(record), None), "c": ({**record, "n": 200}, None)}
    assert present.data_note(results) == "IMDB test (bundled copy), n=1,000; IMDB test (bundled copy), n=200"
