import numpy as np
import pandas as pd

from helpers import present


def test_p_values_read_as_people_write_them():
    assert [present.p_text(p) for p in (0.31, 0.042, 0.0071, 0.00071, 1e-12)] == [
        "0.31",
        "0.04",
        "0.007",
        "7.1e-04",
        "1.0e-12",
    ]


def test_tables_show_no_nan_no_truncation_and_labels_by_name():
    frame = pd.DataFrame(
        {
            "model": ["MiniLM-L6 fine-tuned on SST-2 (offline stand-in) fine-tuned on IMDB", "x"],
            "accuracy": [0.91234, np.nan],
            "p value": [0.00071, 0.5],
            "n": [1000, 20],
            "label": [0, 1],
            "review": ["Great.\n\nThen worse.", "ok"],
            "learning_rate": [3e-05, 1e-4],
        }
    )
    text = present.format_table(frame)
    assert text.iloc[0].tolist() == [
        frame.model[0],
        "0.912",
        "7.1e-04",
        "1,000",
        "neg",
        "Great. Then worse.",
        "3.0e-05",
    ]
    assert text.iloc[1]["accuracy"] == present.MISSING
    html = present.table_html(frame)
    assert (
        "NaN" not in html
        and "…" not in html
        and '<td style="text-align: left">Great. Then worse.</td>' in html
    )


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
