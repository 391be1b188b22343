"""`--device` and the commands that take it (`check`, `roofline`), and `devices`, on the command line:
what goes to which stream, and the exit status (0 valid, 1 an error in the spec, 2 usage or a device
that cannot be had)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conftest import INVALID, SPECS, WALKTHROUGH, diagnostics_in, write


def test_roofline_prints_the_svg_without_output(run_cli):
    result = run_cli("roofline", WALKTHROUGH, "--device", "l4", "--dtype", "float16", "--batch", "32")
    assert result.exit_code == 0, result.stderr
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.find("{http://www.w3.org/2000/svg}title").text == "network: roofline on NVIDIA L4, float16"
    # the notes' CIFAR-10 walkthrough has 12 filters and 10 classes: not multiples of 8 at float16
    assert [m["code"] for m in diagnostics_in(result.stderr)] == ["channels-not-aligned"] * 2


def test_roofline_needs_a_device(run_cli):
    result = run_cli("roofline", SPECS / "vgg16.yaml")
    assert result.exit_code == 2 and "Missing option '--device'" in result.stderr
    assert result.stdout == ""


def test_an_invalid_spec_is_drawn_up_to_its_first_error_with_status_1(run_cli):
    result = run_cli("roofline", INVALID, "--device", "a100")
    assert result.exit_code == 1
    assert "error[non-integer-output]" in result.stderr
    assert result.stdout.startswith("<?xml")


@pytest.mark.parametrize("command", [("roofline", "--device", "a100"), ("diagram",)])
def test_an_unwritable_output_is_status_2(run_cli, tmp_path, command):
    result = run_cli(command[0], WALKTHROUGH, *command[1:], "-o", tmp_path / "no" / "such" / "r.svg")
    assert result.exit_code == 2 and "r.svg" in result.stderr


@pytest.mark.parametrize("args, status, said", [
    (("check", WALKTHROUGH, "--device", "rtx9090"), 2, "no built-in device is called 'rtx9090'"),
    (("roofline", WALKTHROUGH, "--device", "a100", "--dtype", "float64"), 2, "'float64' is not one of"),
    (("check", WALKTHROUGH, "--device", "orin", "--dtype", "float16"), 2, "the device orin has no float16 peak"),
    (("check", INVALID, "--device", "a100"), 1, "error[non-integer-output]"),
])
def test_exit_status(run_cli, args, status, said):
    result = run_cli(*args)
    assert result.exit_code == status
    assert said in result.stderr


def test_a_bad_device_file_stops_before_any_spec_is_read(run_cli, tmp_path):
    device = write(tmp_path, "gpu.yaml", "bandwidth_gb_s: 900\npeak_tflops: {float16: many}\n")
    result = run_cli("check", "no-such-spec.yaml", "--device", device)
    assert result.exit_code == 2
    assert [(m["line"], m["column"], m["code"]) for m in diagnostics_in(result.stderr)] == \
        [("2", "24", "invalid-value")]
    assert "no-such-spec" not in result.stderr and result.stdout == ""


def test_check_with_a_device_in_every_format(run_cli):
    for fmt in ("table", "json", "markdown", "github", "csv"):
        result = run_cli("check", WALKTHROUGH, "--device", "a100", "--format", fmt)
        assert result.exit_code == 0, (fmt, result.stderr)
