"""Devices (engine/devices.py, api.load_device): the built-in table against its vendors' datasheets,
--dtype tfloat32, and a user's device file with its faults positioned as a spec's are."""
from __future__ import annotations

import pytest

import cnncalc
from cnncalc.api import Settings, load_device
from cnncalc.engine.devices import DEVICES
from cnncalc.engine.memory import MemorySettings
from conftest import diagnostics_in, write

T, G = 10**12, 10**9


# -- the built-in table, figure by figure -------------------------------------------------------------------
# Each expected figure is typed again from its source (the devices.py comment names the document):
# a rate given "with sparsity" is halved, as those datasheets' footnotes say ("one-half lower without sparsity").
DATASHEETS = {
    # A100 datasheet, A100 80GB SXM: FP32 19.5, TF32 156, BF16/FP16 312, INT8 624 TOPS; 2,039 GB/s
    "a100": (2039 * G, {"float32": 19.5 * T, "tfloat32": 156 * T, "float16": 312 * T, "bfloat16": 312 * T,
                        "int8": 624 * T}),
    # H100 datasheet, H100 SXM: FP32 67; with sparsity TF32 989, BF16/FP16 1,979, INT8 3,958; 3.35 TB/s
    "h100": (3350 * G, {"float32": 67 * T, "tfloat32": 989 * T / 2, "float16": 1979 * T / 2,
                        "bfloat16": 1979 * T / 2, "int8": 3958 * T / 2}),
    # L4 datasheet: FP32 30.3; with sparsity TF32 120, FP16/BF16 242, INT8 485; 300 GB/s
    "l4": (300 * G, {"float32": 30.3 * T, "tfloat32": 120 * T / 2, "float16": 242 * T / 2, "bfloat16": 242 * T / 2,
                     "int8": 485 * T / 2}),
    # T4 datasheet: FP32 8.1, mixed precision FP16/FP32 65, INT8 130 TOPS; 300 GB/s
    "t4": (300 * G, {"float32": 8.1 * T, "float16": 65 * T, "int8": 130 * T}),
    # Jetson AGX Orin 64GB: GPU 5.3 FP32 TFLOPs, 170 sparse INT8 TOPs; 204.8 GB/s
    "orin": (204.8 * G, {"float32": 5.3 * T, "int8": 170 * T / 2}),
    # EPYC 9654: 96 cores × 3.7 GHz × 8 FP32 lanes a 256-bit pipe × 2 FMA pipes × 2 FLOPs an FMA; 460.8 GB/s
    "epyc-9654": (460.8 * G, {"float32": 96 * 3.7 * G * 8 * 2 * 2}),
}


@pytest.mark.parametrize("name", sorted(DATASHEETS))
def test_each_device_has_its_datasheets_dense_figures(name):
    bandwidth, peaks = DATASHEETS[name]
    device = DEVICES[name]
    assert device.bandwidth == pytest.approx(bandwidth, rel=1e-12)
    assert dict(device.peaks) == pytest.approx(peaks, rel=1e-12)
    assert device.source.startswith("https://")


def test_the_table_holds_the_devices_the_issue_names_and_only_nvidias_have_tensor_cores():
    assert set(DEVICES) == {"a100", "h100", "l4", "t4", "orin", "epyc-9654"}
    assert {name for name, d in DEVICES.items() if d.tensor_cores} == {"a100", "h100", "l4", "t4", "orin"}
    assert DEVICES["a100"].label == "NVIDIA A100 SXM 80GB"


def test_the_cpu_peak_is_cores_times_clock_times_lanes_times_fma():
    assert DEVICES["epyc-9654"].peak("float32") == 11_366_400_000_000  # 96 · 3.7e9 · 8 · 2 · 2


# -- dtypes --------------------------------------------------------------------------------------------------
def test_tfloat32_is_stored_as_4_bytes_and_runs_at_the_tf32_peak():
    spec = "INPUT(56x56x64) -> CONV(64, 3, P=1)"
    as_fp32 = cnncalc.analyze(spec, memory=MemorySettings(dtype="float32"), device="a100")
    as_tf32 = cnncalc.analyze(spec, memory=MemorySettings(dtype="tfloat32"), device="a100")
    assert as_tf32.to_dict()["totals"]["memory"] == as_fp32.to_dict()["totals"]["memory"]
    assert as_tf32.memory.bytes_per_element == 4
    assert (as_fp32.roofline.peak, as_tf32.roofline.peak) == (19_500_000_000_000, 156_000_000_000_000)
    conv_fp32, conv_tf32 = as_fp32.roofline.rows[1], as_tf32.roofline.rows[1]
    assert conv_fp32.bytes == conv_tf32.bytes
    # 2·56·56·64·3·3·64 = 231,211,008 FLOPs: at 19.5 TFLOP/s compute-bound, at 156 the bytes bind
    assert conv_fp32.bound == "compute" and conv_fp32.time_s == pytest.approx(231_211_008 / 19.5e12)


def test_a_device_without_a_peak_at_the_dtype_is_refused():
    with pytest.raises(ValueError, match="t4 has no bfloat16 peak rate"):
        Settings(memory=MemorySettings(dtype="bfloat16"), device="t4")


def test_the_cli_refuses_a_dtype_the_device_has_no_peak_for(run_cli):
    result = run_cli("check", "INPUT(8x8x8) -> CONV(8, 1)", "--device", "t4", "--dtype", "bfloat16")
    assert result.exit_code == 2
    assert "Invalid value for '--dtype': the device t4 has no bfloat16 peak rate (it has float32, float16, int8)" \
        in result.stderr


def test_an_unknown_device_name_is_a_usage_error_with_a_hint(run_cli):
    result = run_cli("check", "INPUT(8x8x8) -> CONV(8, 1)", "--device", "a10")
    assert result.exit_code == 2
    assert "no built-in device is called 'a10' (did you mean 'a100'?)" in result.stderr
    with pytest.raises(cnncalc.SpecError) as raised:
        load_device("a10")
    assert raised.value.diagnostics[0].code == "unknown-device"


# -- a user's device file -------------------------------------------------------------------------------------
GOOD = "name: my-gpu\nlabel: My GPU\nbandwidth_gb_s: 900\npeak_tflops: {float32: 14, float16: 112.5}\n" \
       "tensor_cores: true\n"


def test_a_device_file_gives_a_device(tmp_path):
    device = load_device(write(tmp_path, "gpu.yaml", GOOD))
    assert (device.name, device.label, device.bandwidth, device.tensor_cores) == ("my-gpu", "My GPU", 900 * G, True)
    assert dict(device.peaks) == {"float32": 14 * T, "float16": 112_500_000_000_000}


def test_a_device_files_name_defaults_to_its_stem(tmp_path):
    device = load_device(write(tmp_path, "lab-card.yaml", "bandwidth_gb_s: 1\npeak_tflops: {int8: 2}\n"))
    assert (device.name, device.label, device.tensor_cores) == ("lab-card", "lab-card", False)


def test_check_runs_on_a_device_file(run_cli, tmp_path):
    path = write(tmp_path, "gpu.yaml", GOOD)
    result = run_cli("check", "INPUT(8x8x8) -> CONV(8, 1)", "--device", path, "--dtype", "float16")
    assert result.exit_code == 0, result.stderr
    assert "roofline on my-gpu (My GPU) at float16: peak 112.5 TFLOP/s, memory 900 GB/s" in result.stdout


BAD = ("name: my-gpu\n"
       "bandwith_gb_s: 900\n"        # line 2: misspelt, so the bandwidth is missing too
       "peak_tflops:\n"
       "  float32: 14\n"
       "  fp16: 112\n"               # line 5: not a dtype
       "  int8: -3\n"                # line 6: not positive
       "tensor_cores: yes please\n")  # line 7: not a boolean


def test_a_bad_device_file_gets_every_fault_positioned_and_status_2(run_cli, tmp_path):
    path = write(tmp_path, "bad.yaml", BAD)
    result = run_cli("check", "INPUT(8x8x8) -> CONV(8, 1)", "--device", path)
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing analysed
    found = [(m["source"], m["line"], m["column"], m["code"]) for m in diagnostics_in(result.stderr)]
    assert found == [(path, "2", "1", "unknown-key"), (path, "1", "1", "invalid-device"),
                     (path, "5", "3", "invalid-value"), (path, "6", "9", "invalid-value"),
                     (path, "7", "15", "invalid-value")]
    assert "help: did you mean 'bandwidth_gb_s'?" in result.stderr
    assert "peak_tflops.int8 must be a positive number up to 1,000,000,000, got -3" in result.stderr


@pytest.mark.parametrize("text, position, code, message", [
    ("peak_tflops: [1, 2\n", ("2", "1"), "yaml-syntax", "not valid YAML"),
    ("- 900\n", ("1", "1"), "invalid-device", "a device file is a mapping of its figures"),
    ("", ("1", "1"), "invalid-device", "a device file is a mapping of its figures"),
    ("bandwidth_gb_s: 900\n", ("1", "1"), "invalid-device", "the device file gives no peak_tflops"),
    ("bandwidth_gb_s: 900\npeak_tflops: 14\n", ("2", "14"), "invalid-value", "peak_tflops maps a dtype"),
    ("bandwidth_gb_s: .inf\npeak_tflops: {float32: 1}\n", ("1", "17"), "invalid-value",
     "bandwidth_gb_s must be a positive number"),
    ("bandwidth_gb_s: 900\npeak_tflops: {float32: 1e-13}\n", ("2", "24"), "invalid-value", "less than one a second"),
    ("bandwidth_gb_s: 9\npeak_tflops: {float32: 1}\nname: 3\n", ("3", "7"), "invalid-value", "name must be text"),
    ("bandwidth_gb_s: 9\npeak_tflops: {float32: 1}\n!!python/object:os.system {}: 1\n", ("3", "1"), "yaml-tag",
     "is not allowed"),
])
def test_each_fault_of_a_device_file(run_cli, tmp_path, text, position, code, message):
    path = write(tmp_path, "dev.yaml", text)
    result = run_cli("check", "INPUT(8x8x8) -> CONV(8, 1)", "--device", path)
    assert result.exit_code == 2
    first = diagnostics_in(result.stderr)[0]
    assert (first["line"], first["column"], first["code"]) == (*position, code), result.stderr
    assert message in result.stderr


def test_a_missing_device_file_is_unreadable_with_status_2(run_cli, tmp_path):
    result = run_cli("check", "INPUT(8x8x8) -> CONV(8, 1)", "--device", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2
    assert "error[unreadable]: no such file" in result.stderr
    assert "a built-in device (a100, h100, l4, t4, orin, epyc-9654) or a device file's path" in result.stderr


# -- cnncalc devices ----------------------------------------------------------------------------------------
def test_devices_lists_the_table_with_its_sources(run_cli):
    result = run_cli("devices")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    a100 = next(line for line in lines if line.startswith("a100 "))
    assert a100.split() == ["a100", "NVIDIA", "A100", "SXM", "80GB", "2,039", "GB/s", "19.5", "156", "312", "312",
                            "624", "yes"]
    assert next(line for line in lines if line.startswith("t4 ")).split()[-5:] == ["—", "65", "—", "130", "yes"]
    for device in DEVICES.values():
        assert f"{device.name}: {device.source}" in lines


def test_devices_as_json_and_with_files(run_cli, tmp_path):
    import json

    good, bad = write(tmp_path, "gpu.yaml", GOOD), write(tmp_path, "bad.yaml", BAD)
    result = run_cli("devices", good, "--format", "json")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [d["name"] for d in listed] == [*DEVICES, "my-gpu"]
    assert listed[0]["peaks"]["float16"] == 312 * T and listed[0]["bandwidth"] == 2039 * G
    result = run_cli("devices", bad)
    assert result.exit_code == 2 and f"{bad}:2:1: error[unknown-key]" in result.stderr
