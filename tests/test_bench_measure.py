"""helpers.bench.measure: a method's timing record, warm-up-then-repeat timing, peak memory, the machine.

Speed is never asserted: only what is recorded and how it is computed."""

from __future__ import annotations

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


def test_peak_rss_catches_memory_freed_before_the_block_ends():
    """100 MB held, then freed inside the block: only the sampler running during the block can have seen it."""
    import time

    import psutil

    size_mb = 100
    before = psutil.Process().memory_info().rss / 2**20
    with PeakRSS() as memory:
        block = bytearray(size_mb * 2**20)
        block[:: 2**12] = b"\x01" * (len(block) // 2**12)  # touch every page: resident
        deadline = time.monotonic() + 30
        while memory.peak < before + 0.8 * size_mb and time.monotonic() < deadline:
            time.sleep(0.01)  # until the sampler has seen it (a condition, not a fixed wait)
        del block
    after = psutil.Process().memory_info().rss / 2**20
    assert memory.peak >= before + 0.8 * size_mb > after + 0.3 * size_mb, (before, memory.peak, after)


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
