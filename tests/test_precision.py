"""The precision decision for every class of device, with the capability mocked (CI on any CPU checks every branch)."""

import warnings

import pytest

from helpers import precision
from helpers.precision import Capability, choose_precision, cpu_class, cpu_flags, detect_capability

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
        monkeypatch.setattr(precision, "cpu_flags", lambda path=cpuinfo: cpu_flags(path))
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: TORCH_LEVEL[name])
        monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: NATIVE[name])

    return use


@pytest.fixture(autouse=True)
def fresh_warning():
    precision._warned.clear()
    yield
    precision._warned.clear()


@pytest.mark.parametrize(
    ("name", "expected"), [("AVX2", "fp32"), ("AVX-512", "fp32"), ("AVX-512 BF16", "bf16"), ("AMX", "bf16")]
)
def test_auto_on_each_cpu_class(cpu_of, name, expected):
    cpu_of(name)
    choice = choose_precision("auto", "cpu")
    assert (choice.precision, choice.capability.cpu_class) == (expected, name)
    assert choice.capability.native_bf16 is NATIVE[name]
    assert choice.as_dict()["capability"]["cpu_class"] == name  # what a results file records
    assert name in choice.reason


@pytest.mark.parametrize(("bf16", "expected"), [(True, "bf16"), (False, "fp16")])
def test_auto_on_a_gpu_with_and_without_bf16(bf16, expected):
    gpu = Capability("cuda", "AVX2", native_bf16=bf16, gpu="NVIDIA T4" if not bf16 else "NVIDIA H100")
    assert choose_precision("auto", capability=gpu).precision == expected


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
            assert choose_precision(explicit, "cpu").precision == explicit


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
    monkeypatch.setattr(inference, "choose_precision", lambda p, d: choose_precision(p, capability=avx2))
    pred = inference.predict(model, tokenizer, ["a fine film", "dull"], progress=False)
    assert (pred.precision, pred.batch_size) == ("fp32", 8)
    assert pred.reading == Reading()  # the default reading: batch size and precision "auto", resolved above
    assert pred.precision_choice["capability"]["cpu_class"] == "AVX2"
    assert pred.precision_choice["requested"] == "auto"
