"""helpers.bench.measure: a method's timing record, warm-up-then-repeat timing, peak memory, the machine.

Speed is never asserted: only what is recorded and how it is computed."""

from __future__ import annotations

import pytest

from helpers.bench.measure import Measurement, PeakRSS, machine_description, timed


def test_a_measurement_gives_rates_per_second():
    run = Measurement("evaluation", "ours", seconds=4.0, reviews=100, tokens=2000, peak_rss_mb=1.0)
    assert run.reviews_per_s == 25.0 and run.tokens_per_s == 500.0
    assert run.accuracy is None and run.notes == "" and run.extra == {}


def test_timed_warms_up_once_then_times_each_repeat():
    calls = []
    seconds, result = timed(lambda: calls.append(len(calls)) or len(calls), repeats=3)
    assert len(calls) == 4  # one warm-up call, not timed, then three timed ones
    assert len(seconds) == 3 and all(s >= 0 for s in seconds)
    assert result == 4  # the last call's result


def test_timed_with_no_repeats_only_warms_up():
    seconds, result = timed(lambda: "done", repeats=0)
    assert seconds == [] and result == "done"


def test_peak_rss_is_recorded_for_the_block():
    pytest.importorskip("psutil")
    with PeakRSS() as memory:
        block = bytearray(8 * 2**20)
    assert memory.peak > 0 and len(block) == 8 * 2**20


def test_machine_description_names_what_decides_the_speed():
    described = machine_description()
    assert {
        "cpu",
        "cores",
        "torch_threads",
        "torch",
        "cpu_capability",
        "bf16_hardware",
        "cuda",
        "python",
    } <= set(described)
    assert set(described["bf16_hardware"]) <= {"avx512_bf16", "amx_bf16"}
