"""A search's trials as a table narrow enough for a notebook rendered 900 px wide."""

import pandas as pd

from helpers.present import trials_table
from helpers.tables import format_table


def trials():
    return pd.DataFrame(
        {
            "number": [3, 7],
            "value": [0.8733, 0.8612],
            "learning_rate": [3.071e-05, 1.2e-04],
            "warmup_ratio": [0.19014, 0.0],
            "weight_decay": [0.0732, 0.1],
            "batch_size": [16, 32],
            "epochs": [1, 1],
            "train_max_length": [128, 256],
            "truncation": ["head", "head_tail"],
            "duration_s": [63.9, 40.4],
        }
    )


def test_fixed_settings_are_left_out_and_headers_are_short():
    varying = [
        "learning_rate",
        "warmup_ratio",
        "weight_decay",
        "batch_size",
        "train_max_length",
        "truncation",
    ]
    table = trials_table(trials(), {"value": "val acc", "duration_s": "s"}, varying)
    assert list(table.columns) == [
        "trial",
        "val acc",
        "s",
        "lr",
        "warm-up",
        "decay",
        "batch",
        "length",
        "trains on",
    ]
    assert list(table["lr"]) == ["3.1e-05", "1.2e-04"]  # one notation for every learning rate
    assert list(table["warm-up"]) == ["0.19", "0.00"] and list(table["decay"]) == ["0.07", "0.10"]
    text = format_table(table).to_string(index=False)
    assert max(len(line) for line in text.splitlines()) < 80  # fits 900 px in the notebook's table font


def test_a_varying_epochs_setting_is_kept():
    table = trials_table(trials(), {"value": "val acc"}, ["epochs", "learning_rate"])
    assert list(table.columns) == ["trial", "val acc", "epochs", "lr"]
