"""helpers.bench.cli: the options and the mode's settings they override; the precision line."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.bench.cli import MODES, parse_args, report_precision
from helpers.bench.report import precision_ratios
from helpers.bench.training import FP32_DEFAULT, NEW_DEFAULT


def test_a_mode_gives_its_settings():
    args, settings = parse_args([])
    assert args.mode == "quick" and args.model == "standin" and settings == MODES["quick"]
    _, settings = parse_args(["--mode", "thorough"])
    assert settings == MODES["thorough"]


def test_only_the_options_given_override_the_mode():
    args, settings = parse_args(["--mode", "thorough", "--n", "48", "--train-steps", "0"])
    assert settings == MODES["thorough"] | {"n": 48, "train_steps": 0}
    assert args.max_length == 512 and args.train_max_length == 256 and args.output is None
    assert MODES["thorough"]["n"] == 500  # the table itself is not changed


def test_an_unknown_mode_is_refused():
    with pytest.raises(SystemExit):
        parse_args(["--mode", "forever"])


def test_report_precision_prints_and_returns_the_ratios(capsys):
    table = pd.DataFrame(
        {
            "method": [
                "ours: predict, bf16 autocast, head",
                "ours: predict, fp32, head",
                NEW_DEFAULT,
                FP32_DEFAULT,
            ],
            "reviews/s": [20.0, 10.0, 1.0, 1.0],
            "tokens/s": [1.0, 1.0, 300.0, 200.0],
        }
    )
    assert report_precision(table, "bf16") == precision_ratios(table, "bf16")  # the ratios: test_bench_report
    assert "auto picks bf16 here; bf16 is 2.00x fp32 for prediction and 1.50x" in capsys.readouterr().out
