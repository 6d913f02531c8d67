"""helpers.tables: p-values as people write them, tables with no NaN, no truncation, labels by name."""

import numpy as np
import pandas as pd

from helpers import tables


def test_p_values_read_as_people_write_them():
    assert [tables.p_text(p) for p in (0.31, 0.042, 0.0546, 0.0071, 0.00071, 1e-12)] == [
        "0.31",
        "0.042",
        "0.055",
        "0.007",
        "7.1e-04",
        "1.0e-12",
    ]
    assert tables.p_text(0.04996) == "0.0500" and tables.p_text(0.0501) == "0.050"  # never rounded across α


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
    text = tables.format_table(frame)
    assert text.iloc[0].tolist() == [
        frame.model[0],
        "0.912",
        "7.1e-04",
        "1,000",
        "neg",
        "Great. Then worse.",
        "3.0e-05",
    ]
    assert text.iloc[1]["accuracy"] == tables.MISSING
    html = tables.table_html(frame)
    assert (
        "NaN" not in html
        and "…" not in html
        and '<td style="text-align: left">Great. Then worse.</td>' in html
    )
