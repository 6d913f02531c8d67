"""helpers.devices: CUDA when torch sees one, the CPU otherwise, an explicit choice wins; no GPU needed."""

import pytest
import torch

from helpers.devices import choose_device, device_name


def test_cuda_is_chosen_when_available_and_turns_on_tf32(monkeypatch):
    monkeypatch.delenv("IMDB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        assert choose_device() == torch.device("cuda")
        assert torch.get_float32_matmul_precision() == "high"  # TF32
    finally:
        torch.set_float32_matmul_precision(before)


def test_cpu_when_no_gpu_and_an_explicit_choice_wins(monkeypatch):
    monkeypatch.delenv("IMDB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("IMDB_DEVICE", "cpu")
    assert choose_device() == torch.device("cpu")
    assert device_name("cpu") == "cpu"


def test_asking_for_cuda_without_a_gpu_names_the_problem(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA GPU"):
        choose_device("cuda")
    with pytest.raises(ValueError, match="device must be"):
        choose_device("tpu")


def test_predict_runs_on_the_device_its_reading_names(tiny, monkeypatch):
    """predict asks for the reading's device and moves the model there; the device asked for ("cuda:1") is answered
    with ``cpu:0`` here, so the check bites on a machine without a GPU."""
    from helpers import inference
    from helpers.specs import Reading

    model, tokenizer, _ = tiny
    asked, moved, real_to = [], [], model.to
    monkeypatch.setattr(
        inference, "choose_device", lambda wanted=None: asked.append(wanted) or torch.device("cpu", 0)
    )
    monkeypatch.setattr(
        model, "to", lambda *args, **kwargs: moved.append(args[0]) or real_to(*args, **kwargs)
    )
    reading = Reading(max_length=16, device="cuda:1", precision="fp32")
    out = inference.predict(model, tokenizer, ["good film", "bad film"], reading, progress=False)
    assert asked == ["cuda:1"] and moved == [torch.device("cpu", 0)] and len(out) == 2


def test_the_cpu_model_is_read_from_cpuinfo(tmp_path):
    from helpers.devices import cpu_model

    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\nflags\t\t: avx2\n"
    )
    assert cpu_model(str(info)) == "AMD EPYC 9R14"
    assert cpu_model(str(tmp_path / "missing"))  # elsewhere: the platform's name, never empty


def test_the_machine_names_its_cores_cpu_and_class(monkeypatch):
    import os

    from helpers import devices

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(devices, "cpu_model", lambda: "AMD EPYC 7R13")
    monkeypatch.setattr(
        devices, "detect_capability", lambda: devices.Capability("cpu", "AVX2", native_bf16=False)
    )
    assert devices.machine_text() == "2-core AMD EPYC 7R13 (AVX2)"


def test_cpuinfo_has_one_reader(monkeypatch, tmp_path):
    """``devices.cpu_info`` reads /proc/cpuinfo; the CPU's model, its flags, the precision's capability and the
    benchmark's machine all come from it."""
    from helpers import devices
    from helpers.bench.measure import machine_description

    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: avx2 avx512f avx512_bf16\n\n"
        "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: avx2 avx512f avx512_bf16\n"
    )
    real = devices.cpu_info
    reads = []

    def counted(cpuinfo="/proc/cpuinfo"):
        reads.append(cpuinfo)
        return real(info)

    monkeypatch.setattr(devices, "cpu_info", counted)
    assert devices.cpu_model() == "Intel(R) Xeon(R) Processor"
    assert devices.cpu_flags() == {"avx2", "avx512f", "avx512_bf16"}
    assert devices.detect_capability("cpu").cpu_class == "AVX-512 BF16"
    described = machine_description()
    assert (described["cpu"], described["bf16_hardware"]) == ("Intel(R) Xeon(R) Processor", ["avx512_bf16"])
    assert set(reads) == {"/proc/cpuinfo"}  # what each asked for, answered from the fake file above
