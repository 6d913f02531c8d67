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


@pytest.mark.parametrize(
    "options", [[], ["--train-steps", "2", "--recipe-reviews", "8", "--epoch-reviews", "4"]]
)
def test_the_options_decide_which_benchmarks_run(monkeypatch, options):
    """Evaluation always; training with its profile, the recipe check and the epoch only when asked for, each
    task's first method its baseline (the parts replaced by fakes that say what they were given)."""
    from types import SimpleNamespace

    from helpers.bench import cli

    class Model:
        def cpu(self):
            return self

    ran = []
    monkeypatch.setattr(
        cli, "bench_evaluation", lambda *a, **k: ran.append("evaluation") or [SimpleNamespace(method="e0")]
    )
    monkeypatch.setattr(
        cli, "run_training", lambda *a: ran.append(("training", a[2])) or [SimpleNamespace(method="t0")]
    )
    monkeypatch.setattr(cli, "run_profile", lambda *a: ran.append("profile") or {"step": 1.0})
    monkeypatch.setattr(cli, "run_recipe", lambda *a: ran.append("recipe") or [{"method": "r"}])
    monkeypatch.setattr(
        cli, "run_epoch", lambda *a: ran.append("epoch") or SimpleNamespace(method="one epoch")
    )
    args, settings = parse_args(["--train-steps", "0", *options])
    runs, baseline, breakdown, recipe = cli.run_benchmarks(
        Model(), None, "train reviews", {"text": [], "label": []}, args, settings, "cpu"
    )
    if not options:
        assert ran == ["evaluation"] and baseline == {"evaluation": "e0"} and (breakdown, recipe) == ({}, [])
        return
    assert ran == ["evaluation", ("training", "train reviews"), "profile", "recipe", "epoch"]
    assert baseline == {"evaluation": "e0", "training": cli.PREVIOUS_DEFAULT, "epoch": "one epoch"}
    assert [r.method for r in runs] == ["e0", "t0", "one epoch"] and recipe == [{"method": "r"}]
    assert breakdown == {"step": 1.0}
