"""helpers.bench.training: the training set-ups compared and how one set-up's timed steps are recorded."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from helpers.bench.training import (
    FP32_DEFAULT,
    NEW_DEFAULT,
    PREVIOUS_DEFAULT,
    TrainSetup,
    pad_token_id,
    training_measurement,
    training_setups,
)


def test_the_setups_start_with_the_previous_and_the_new_default():
    setups = training_setups(batch_size=8)
    assert [s.method for s in setups[:3]] == [PREVIOUS_DEFAULT, NEW_DEFAULT, FP32_DEFAULT]
    assert len({s.method for s in setups}) == len(setups)  # every row of the table is one set-up
    previous, new, fp32 = setups[:3]
    assert previous.attention_dropout is None and previous.autocast
    assert new.batch_size == 32 and new.autocast and new.attention_dropout == 0.0
    assert fp32 == replace(new, method=FP32_DEFAULT, notes=fp32.notes, autocast=False)  # new default, fp32
    assert setups[-1].method == "lever: batch 8" and setups[-1].batch_size == 8
    assert not any(s.compile for s in setups)


def test_compile_adds_one_setup():
    plain, compiled = training_setups(), training_setups(with_compile=True)
    assert len(compiled) == len(plain) + 1 and compiled[-1].compile


def test_pad_token_id_falls_back_to_zero():
    assert pad_token_id(SimpleNamespace(pad_token_id=3)) == 3
    assert pad_token_id(SimpleNamespace(pad_token_id=None)) == 0


def test_a_measurement_counts_real_and_padded_tokens(capsys):
    lengths = np.array([4, 2, 8, 6])
    batches = [np.array([0, 1]), np.array([2, 3])]
    run = training_measurement(
        TrainSetup("naive", pad_to_max=True, batch_size=2), batches, [1.0, 2.0], lengths, 10
    )
    assert (run.task, run.method, run.seconds, run.reviews, run.tokens) == ("training", "naive", 3.0, 4, 20)
    assert run.extra["padded_tokens"] == 4 * 10  # every batch padded to max_length
    assert run.extra["tokens_per_s_spread"] == [6.0, 7.0] and run.extra["steps"] == 2
    grouped = training_measurement(TrainSetup("grouped"), batches, [1.0, 1.0], lengths, 10, task="epoch")
    assert grouped.task == "epoch" and grouped.extra["padded_tokens"] == 2 * 4 + 2 * 8  # each to its longest
    assert "naive" in capsys.readouterr().out
