import pandas as pd

from helpers import present, tables
from helpers.story import comparison


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
    text = comparison.cautions_text(_table(), results, seed=7)
    assert "1,000 reviews" in text and "±2.0 points" in text and "seed 7" in text
    assert "offline MiniLM stand-in" in text
    hub = {"fine_tuned": ({"model_source": {"kind": "hub"}}, None)}
    assert "Stand-in" not in comparison.cautions_text(_table(), hub, seed=7)


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
    text = comparison.flips_text("Fine-tuning", ["a", "b", "c", "d"], ["a", "b"], labels)
    assert text == "Fine-tuning fixed 4 reviews (2 positive, 2 negative) and broke 2 (all 2 negative)."
    assert (
        comparison.flips_text("Tuning", ["c"], [], labels)
        == "Tuning fixed 1 review (a positive review) and broke 0."
    )
    assert comparison.flips_text("Tuning", [], [], labels) == "Tuning fixed 0 reviews and broke 0."


def test_data_note_names_each_sample_once():
    record = {"split": "test", "data_source": {"kind": "bundled"}, "n": 1000}
    results = {"a": (record, None), "b": (dict(record), None), "c": ({**record, "n": 200}, None)}
    assert present.data_note(results) == "IMDB test (bundled copy), n=1,000; IMDB test (bundled copy), n=200"


def test_flips_that_all_go_one_way_are_called_a_boundary_shift():
    labels = pd.Series({"p1": 1, "p2": 1, "n1": 0, "n2": 0})
    one_way = comparison.flips_text("Fine-tuning", ["p1", "p2"], ["n1"], labels)
    assert one_way.endswith(
        "Every change goes one way, as a shift of the decision boundary toward positive would make it."
    )
    both = comparison.flips_text("Fine-tuning", ["p1", "n1"], ["n2"], labels)
    assert "one way" not in both


def test_provenance_says_a_model_fine_tuned_here_without_its_local_path():
    record = {
        "model_key": "fine_tuned",
        "model": "m",
        "model_source": {"kind": "path", "location": "models/x"},
    }
    record["base_model_source"] = {"kind": "standin"}
    table = present.provenance_table({"fine_tuned": (record, None)})
    assert table["source"].tolist() == ["fine-tuned in this series (a saved checkpoint)"]
