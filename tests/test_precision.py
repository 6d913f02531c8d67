"""The precision decision for every class of device, with the capability and the measurement mocked (CI on any CPU
checks every branch): ``auto`` on a CPU follows what was measured, cached per machine; on a GPU, its capability."""

import dataclasses
import json
import warnings

import pytest

from helpers import devices, environment, precision, precision_measure
from helpers.devices import Capability, cpu_class, cpu_flags, detect_capability
from helpers.precision import choose_precision
from helpers.precision_measure import BF16_MARGIN, Measured, cache_file, machine_key

FP32_TRAIN, FP32_READ = 3468.0, 11423.0  # tokens/s in fp32 on the Xeon (stand-in, 32 x 256 tokens)
XEON = (
    0.57,
    0.59,
)  # bf16 over fp32 there, training and prediction: AVX-512 BF16 without AMX, measured by hand


def measured(train_ratio: float, read_ratio: float) -> Measured:
    """A measurement where bf16 runs at ``train_ratio`` and ``read_ratio`` times fp32's speed."""
    return Measured(
        fp32_train=FP32_TRAIN,
        bf16_train=train_ratio * FP32_TRAIN,
        fp32_read=FP32_READ,
        bf16_read=read_ratio * FP32_READ,
        when="2026-12-07T03:00:00Z",
        seconds=2.5,
        shapes=precision_measure.REFERENCE,
    )


class Counting:
    """A measurement function that counts its calls (the timing replaced: nothing sleeps, nothing is timed)."""

    def __init__(self, train_ratio: float = 2.0, read_ratio: float = 2.0):
        self.result, self.calls = measured(train_ratio, read_ratio), 0

    def __call__(self) -> Measured:
        self.calls += 1
        return self.result


def never() -> Measured:
    raise AssertionError("measured where the decision needs no measurement")


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Each test its own empty cache folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(environment.CACHE_DIR, str(folder))
    return folder


FLAGS = {  # /proc/cpuinfo flags of each CPU class (abridged)
    "AVX2": "fpu sse4_2 avx avx2 fma",
    "AVX-512": "fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni",
    "AVX-512 BF16": "fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni avx512_bf16",
    "AMX": "fpu sse4_2 avx avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8",
}
NATIVE = {"AVX2": False, "AVX-512": False, "AVX-512 BF16": True, "AMX": True}
TORCH_LEVEL = {"AVX2": "AVX2", "AVX-512": "AVX512", "AVX-512 BF16": "AVX512", "AMX": "AVX512"}


@pytest.fixture
def cpu_of(monkeypatch, tmp_path):
    """Make ``detect_capability`` see a CPU of the given class: its flags, torch's level and oneDNN's bf16 answer."""
    import torch

    def use(name):
        cpuinfo = tmp_path / f"cpuinfo-{name}"
        cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {FLAGS[name]}\n")
        monkeypatch.setattr(devices, "cpu_flags", lambda path=cpuinfo: cpu_flags(path))
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: TORCH_LEVEL[name])
        monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: NATIVE[name])

    return use


@pytest.fixture(autouse=True)
def fresh_warning():
    precision._warned.clear()
    yield
    precision._warned.clear()


@pytest.mark.parametrize("name", list(FLAGS))
@pytest.mark.parametrize(("ratios", "expected"), [((2.0, 1.8), "bf16"), (XEON, "fp32")])
def test_auto_on_each_cpu_class_follows_the_measurement(cpu_of, name, ratios, expected):
    """Every CPU class, bf16 measured faster and slower: the measurement decides, the class is recorded beside it."""
    cpu_of(name)
    choice = choose_precision("auto", "cpu", measure=Counting(*ratios))
    assert (choice.precision, choice.capability.cpu_class) == (expected, name)
    assert choice.capability.native_bf16 is NATIVE[name]
    record = choice.as_dict()  # what a results file records
    assert record["capability"]["cpu_class"] == name
    assert (record["measured"]["train_ratio"], record["measured"]["read_ratio"]) == ratios
    assert record["measured"]["fp32_train"] == FP32_TRAIN and record["measured"]["when"]
    assert (
        name in choice.reason
        and f"{ratios[0]:.2f}× fp32's speed in training, {ratios[1]:.2f}×" in choice.reason
    )


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        (XEON, "fp32"),  # the Xeon: bf16 slower
        ((1.0, 1.0), "fp32"),  # a tie
        ((1.05, 1.08), "fp32"),  # within the noise margin
        ((1.6, 1.05), "fp32"),  # faster at training, within noise at prediction: one precision serves both
        ((BF16_MARGIN, BF16_MARGIN), "bf16"),  # just the margin
        ((2.4, 1.9), "bf16"),  # AMX-like
    ],
)
def test_bf16_only_when_measured_faster_beyond_noise_at_both(cpu_of, ratios, expected):
    cpu_of("AVX-512 BF16")
    assert choose_precision("auto", "cpu", measure=Counting(*ratios)).precision == expected


def test_a_cache_hit_skips_the_measurement(cpu_of, cache):
    cpu_of("AVX2")
    measure = Counting(*XEON)
    first = choose_precision("auto", "cpu", measure=measure)
    again = choose_precision("auto", "cpu", measure=measure)
    assert measure.calls == 1 and again == first
    assert [p.name for p in cache.iterdir()] == [cache_file(machine_key()).name]  # one file, no temporaries


def test_another_machine_key_measures_again(cpu_of, monkeypatch):
    import torch

    cpu_of("AVX2")
    measure = Counting()
    choose_precision("auto", "cpu", measure=measure)
    monkeypatch.setattr(precision_measure, "cpu_model", lambda cpuinfo=None: "another CPU")
    choose_precision("auto", "cpu", measure=measure)
    assert measure.calls == 2
    monkeypatch.setattr(torch, "get_num_threads", lambda: 97)  # another thread count
    choose_precision("auto", "cpu", measure=measure)
    monkeypatch.setattr(torch, "__version__", "9.9.9")  # another torch
    choose_precision("auto", "cpu", measure=measure)
    assert measure.calls == 4
    choose_precision("auto", "cpu", measure=measure)
    assert measure.calls == 4  # the last key's measurement is kept


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "",
        json.dumps({"key": "wrong", "measured": {}}),  # stale: measured under another key
        json.dumps({"measured": {"fp32_train": 1.0}}),  # no key
        "[1, 2]",
    ],
)
def test_a_corrupt_or_stale_cache_file_is_measured_again(cpu_of, content):
    cpu_of("AVX2")
    path = cache_file(machine_key())
    path.parent.mkdir(parents=True)
    path.write_text(content)
    measure = Counting(*XEON)
    assert choose_precision("auto", "cpu", measure=measure).precision == "fp32"
    assert measure.calls == 1
    assert json.loads(path.read_text())["measured"]["train_ratio"] == XEON[0]  # replaced by a whole one


def test_a_cache_entry_with_bad_speeds_is_measured_again(cpu_of):
    cpu_of("AVX2")
    key = machine_key()
    path = cache_file(key)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"key": key, "measured": measured(2.0, 2.0).as_dict() | {"fp32_train": 0}}))
    measure = Counting(*XEON)
    assert choose_precision("auto", "cpu", measure=measure).precision == "fp32" and measure.calls == 1


def test_a_cache_folder_that_cannot_be_written_is_not_an_error(cpu_of, tmp_path, monkeypatch):
    cpu_of("AVX2")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(environment.CACHE_DIR, str(blocker / "cache"))  # a folder inside a file
    measure = Counting(*XEON)
    assert choose_precision("auto", "cpu", measure=measure).precision == "fp32"
    choose_precision("auto", "cpu", measure=measure)
    assert measure.calls == 2  # nothing kept: measured again, never an error


def test_the_cache_folder_is_the_users_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv(environment.CACHE_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert environment.cache_dir() == tmp_path / "xdg" / "imdb-sentiment"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert environment.cache_dir() == tmp_path / "home" / ".cache" / "imdb-sentiment"


def test_the_real_measurement_times_both_precisions(monkeypatch):
    """The measurement itself, at a tiny width so the test takes a fraction of a second."""
    tiny = precision_measure.REFERENCE | {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_attention_heads": 2,
        "vocab_size": 64,
        "train_shape": [2, 8],
        "read_shape": [2, 8],
        "steps": 1,
    }
    monkeypatch.setattr(precision_measure, "REFERENCE", tiny)
    result = precision_measure.measure_reference()
    assert result.bf16_error is None and result.shapes == tiny
    assert min(result.fp32_train, result.bf16_train, result.fp32_read, result.bf16_read) > 0
    assert Measured.from_dict(json.loads(json.dumps(result.as_dict()))) == result  # as the cache keeps it


@pytest.mark.parametrize(("bf16", "expected"), [(True, "bf16"), (False, "fp16")])
def test_auto_on_a_gpu_with_and_without_bf16(bf16, expected):
    gpu = Capability("cuda", "AVX2", native_bf16=bf16, gpu="NVIDIA T4" if not bf16 else "NVIDIA H100")
    choice = choose_precision("auto", capability=gpu, measure=never)  # the rule, nothing measured
    assert choice.precision == expected and choice.measured is None


def test_detect_capability_on_a_mocked_gpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: "NVIDIA Tesla T4")
    capability = detect_capability("cuda")
    assert (capability.device_type, capability.gpu, capability.native_bf16) == (
        "cuda",
        "NVIDIA Tesla T4",
        False,
    )
    assert choose_precision("auto", capability=capability).precision == "fp16"


@pytest.mark.parametrize("explicit", ["fp32", "bf16"])
def test_an_explicit_precision_wins(cpu_of, explicit):
    for name in FLAGS:
        cpu_of(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            choice = choose_precision(explicit, "cpu", measure=never)
            assert (choice.precision, choice.measured) == (explicit, None)


def test_explicit_bf16_without_native_bf16_warns_once_with_the_cost(cpu_of):
    cpu_of("AVX2")
    with pytest.warns(UserWarning, match=r"19x slower training.*AVX2"):
        choose_precision("bf16", "cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would raise here
        choose_precision("bf16", "cpu")


def test_explicit_bf16_with_native_bf16_does_not_warn(cpu_of):
    cpu_of("AMX")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert choose_precision("bf16", "cpu").precision == "bf16"


def test_bad_requests_are_named(cpu_of):
    cpu_of("AVX2")
    with pytest.raises(ValueError, match="one of auto, fp32, bf16, fp16, not 'half'"):
        choose_precision("half", "cpu")
    with pytest.raises(ValueError, match="fp16' is for CUDA GPUs"):
        choose_precision("fp16", "cpu")


def test_cpu_class_from_flags_and_torch_level():
    assert cpu_class(set(), "AVX512") == "AVX-512"
    assert cpu_class(set(), "AVX2") == "AVX2"
    assert cpu_class(set(), "DEFAULT") == "DEFAULT"  # e.g. an ARM CPU: torch's own name
    assert cpu_flags("/nonexistent/cpuinfo") == set()


def test_predict_records_the_choice_and_its_capability(tiny, monkeypatch):
    """On an AVX2-only CPU, ``auto`` predicts in fp32 at batch 8 and the predictions say so."""
    from helpers import inference
    from helpers.specs import Reading

    model, tokenizer, _ = tiny
    avx2 = Capability("cpu", "AVX2", native_bf16=False)
    monkeypatch.setattr(
        inference,
        "choose_precision",
        lambda p, d: choose_precision(p, capability=avx2, measure=Counting(*XEON)),
    )
    pred = inference.predict(model, tokenizer, ["a fine film", "dull"], progress=False)
    assert (pred.precision, pred.batch_size) == ("fp32", 8)
    assert pred.reading == Reading()  # the default reading: batch size and precision "auto", resolved above
    assert pred.precision_choice["capability"]["cpu_class"] == "AVX2"
    assert pred.precision_choice["requested"] == "auto"
    assert pred.precision_choice["measured"]["read_ratio"] == XEON[1]


def test_bf16_that_does_not_run_here_leaves_fp32(cpu_of):
    cpu_of("AVX2")
    failed = Counting()
    failed.result = dataclasses.replace(measured(0.0, 0.0), bf16_error="bf16 autocast unsupported")
    choice = choose_precision("auto", "cpu", measure=failed)
    assert choice.precision == "fp32" and "bf16 did not run" in choice.reason
    assert choice.measured["bf16_error"] == "bf16 autocast unsupported"
