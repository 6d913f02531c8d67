"""helpers.specs: a Reading and a TrainingRun have the series' defaults, refuse bad settings by name, vary by copy,
and resolve what they leave to the hardware (the evaluation batch size, the validation reading)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import environment
from helpers.devices import Capability
from helpers.precision import choose_precision
from helpers.precision_measure import Measured
from helpers.specs import DEFAULT_DROPOUT, Reading, TrainingRun, eval_batch_size

CPU_AVX2 = Capability("cpu", "AVX2", False)
CPU_AMX = Capability("cpu", "AMX", True)
GPU = Capability("cuda", "AVX2", True, gpu="H100")
RATIOS = {"AVX2": (0.05, 0.16), "AMX": (1.72, 1.52)}  # bf16 over fp32 measured there (README's Speed table)


def choose(requested: str, capability: Capability):
    """``choose_precision`` on ``capability``, with ``auto`` on a CPU measured as README records for its class."""
    train, read = RATIOS.get(capability.cpu_class, (1.0, 1.0))
    measured = Measured(1000.0, 1000.0 * train, 4000.0, 4000.0 * read, "2026-12-07T03:00:00Z", 2.5, {})
    return choose_precision(requested, capability=capability, measure=lambda: measured)


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """An empty cache folder: each CPU class's measurement is its own, not this machine's."""
    monkeypatch.setenv(environment.CACHE_DIR, str(tmp_path / "cache"))


# ----------------------------------------------------------------------------------------------- defaults
def test_reading_defaults_and_text():
    reading = Reading()
    assert dataclasses.asdict(reading) == {
        "truncation": "head_tail",
        "max_length": 512,
        "batch_size": "auto",
        "precision": "auto",
        "device": None,
    }
    assert str(Reading(max_length=256)) == "256 tokens (head_tail)"
    assert str(Reading(truncation="head", max_length=128)) == "128 tokens (head)"


def test_training_run_defaults():
    assert dataclasses.asdict(TrainingRun()) == {
        "learning_rate": 2e-5,
        "epochs": 1,
        "batch_size": 16,
        "max_length": 256,
        "truncation": "head_tail",
        "warmup_ratio": 0.1,
        "weight_decay": 0.01,
        "seed": 42,
        "precision": "auto",
        "device": None,
        "attention_dropout": 0.0,
        "hidden_dropout": 0.0,
        "n_evals": 3,
        "eval_steps": None,
        "logging_steps": None,
        "save_total_limit": 2,
        "validation": None,
    }
    assert DEFAULT_DROPOUT == {"attention_dropout": 0.0, "hidden_dropout": 0.0}


@pytest.mark.parametrize("spec", [Reading(), TrainingRun()])
def test_both_are_frozen(spec):
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.max_length = 128


# ----------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"truncation": "tail"}, r"truncation must be one of \('head', 'head_tail'\), not 'tail'"),
        ({"max_length": 3}, "max_length must be an integer of at least 4 for head_tail, got 3"),
        (
            {"truncation": "head", "max_length": 2},
            "max_length must be an integer of at least 3 for head, got 2",
        ),
        ({"max_length": 256.0}, "max_length must be an integer of at least 4"),
        ({"batch_size": True}, "batch_size must be a positive integer or 'auto'"),
        ({"precision": "fp8"}, "precision must be one of .*, not 'fp8'"),
        ({"batch_size": 0}, "batch_size must be a positive integer or 'auto', got 0"),
        ({"batch_size": -8}, "batch_size must be a positive integer or 'auto', got -8"),
        ({"batch_size": 2.5}, "batch_size must be a positive integer or 'auto', got 2.5"),
        ({"batch_size": "big"}, "batch_size must be a positive integer or 'auto', got 'big'"),
    ],
)
def test_a_bad_reading_is_refused_by_name(changes, message):
    with pytest.raises(ValueError, match=message):
        Reading(**changes)
    with pytest.raises(ValueError, match=message):  # a copy is checked as well
        Reading().with_(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"truncation": "tail"}, r"truncation must be one of \('head', 'head_tail'\), not 'tail'"),
        ({"max_length": 3}, "max_length must be an integer of at least 4 for head_tail, got 3"),
        ({"batch_size": "auto"}, "batch_size and n_evals at least 1"),
        ({"precision": "half"}, "precision must be one of .*, not 'half'"),
        ({"learning_rate": 0}, "learning_rate and epochs must be positive"),
        ({"learning_rate": -1e-5}, "learning_rate and epochs must be positive"),
        ({"epochs": 0}, "learning_rate and epochs must be positive"),
        ({"batch_size": 0}, "batch_size and n_evals at least 1"),
        ({"n_evals": 0}, "batch_size and n_evals at least 1"),
        (
            {"precision": "fp32", "validation": Reading(precision="bf16")},
            "the validation reading's precision and device are the run's",
        ),
        (
            {
                "validation": Reading(precision="fp32")
            },  # the run's precision is "auto": the reading may not fix it
            "the validation reading's precision and device are the run's",
        ),
        (
            {"device": "cpu", "validation": Reading(device="cuda")},
            "the validation reading's precision and device are the run's",
        ),
        (
            {"validation": Reading(device="cpu")},  # the run's device is None: the reading may not fix it
            "the validation reading's precision and device are the run's",
        ),
    ],
)
def test_a_bad_training_run_is_refused_by_name(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainingRun(**changes)
    with pytest.raises(ValueError, match=message):  # a copy is checked as well
        TrainingRun().with_(**changes)


def test_a_validation_reading_may_leave_precision_and_device_to_the_run_or_repeat_them():
    TrainingRun(precision="bf16", device="cpu", validation=Reading(max_length=512))
    TrainingRun(precision="bf16", device="cpu", validation=Reading(precision="bf16", device="cpu"))


# ----------------------------------------------------------------------------------------------- with_
def test_reading_with_returns_a_changed_copy_and_leaves_the_original():
    reading = Reading(truncation="head", max_length=128, batch_size=8)
    longer = reading.with_(max_length=512, precision="fp32")
    assert longer == Reading(truncation="head", max_length=512, batch_size=8, precision="fp32")
    assert reading == Reading(truncation="head", max_length=128, batch_size=8)  # unchanged
    assert longer is not reading and reading.with_() == reading


def test_training_run_with_returns_a_changed_copy_and_leaves_the_original():
    run = TrainingRun(learning_rate=1e-3, max_length=64, seed=0)
    faster = run.with_(learning_rate=5e-4, validation=Reading(max_length=128))
    assert (faster.learning_rate, faster.validation) == (5e-4, Reading(max_length=128))
    assert dataclasses.asdict(faster) == {
        **dataclasses.asdict(run),
        "learning_rate": 5e-4,
        "validation": dataclasses.asdict(Reading(max_length=128)),
    }
    assert run == TrainingRun(learning_rate=1e-3, max_length=64, seed=0)  # unchanged
    assert run.validation is None and faster is not run


# ----------------------------------------------------------------------------------------------- validation_reading
def test_validation_reading_defaults_to_the_runs_own_truncation_and_length():
    run = TrainingRun(max_length=128, truncation="head", precision="fp32", device="cpu")
    assert run.validation_reading() == Reading(
        truncation="head", max_length=128, batch_size="auto", precision="fp32", device="cpu"
    )
    assert TrainingRun().validation_reading() == Reading(truncation="head_tail", max_length=256)


def test_validation_reading_keeps_its_own_reading_in_the_runs_precision_and_device():
    validation = Reading(truncation="head_tail", max_length=512, batch_size=8)
    run = TrainingRun(
        max_length=128, truncation="head", precision="bf16", device="cpu", validation=validation
    )
    assert run.validation_reading() == Reading(
        truncation="head_tail", max_length=512, batch_size=8, precision="bf16", device="cpu"
    )
    assert run.validation == validation  # the run's own reading is left as it was


# ----------------------------------------------------------------------------------------------- batch sizes
@pytest.mark.parametrize(
    ("capability", "requested", "expected"),
    [
        (CPU_AVX2, "auto", 8),
        (CPU_AMX, "auto", 32),
        (CPU_AMX, "fp32", 8),
        (GPU, "auto", 64),
    ],
)
def test_eval_batch_size_follows_device_and_precision(own_cache, capability, requested, expected):
    assert eval_batch_size(choose(requested, capability)) == expected


@pytest.mark.parametrize(
    ("capability", "requested", "auto"), [(CPU_AVX2, "auto", 8), (CPU_AMX, "auto", 32), (GPU, "auto", 64)]
)
def test_batch_size_for_resolves_auto_and_passes_an_int_through(own_cache, capability, requested, auto):
    choice = choose(requested, capability)
    assert Reading().batch_size_for(choice) == eval_batch_size(choice) == auto
    assert Reading(batch_size=5).batch_size_for(choice) == 5


def test_precision_choice_is_the_runs_precision_on_the_device():
    choice = TrainingRun(precision="fp32").precision_choice("cpu")
    assert (choice.precision, choice.requested) == ("fp32", "fp32")


def test_numpy_integers_are_whole_numbers():
    """Lengths and batch sizes read from pandas or NumPy (a profile table, Ray's results) are accepted."""
    assert Reading(max_length=np.int64(256), batch_size=np.int64(8)).max_length == 256
    assert TrainingRun(batch_size=np.int64(16), max_length=np.int32(128)).batch_size == 16
