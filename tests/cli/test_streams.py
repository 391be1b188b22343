"""Standard streams (cli.py; spec-format.md §4): diagnostics on stderr and data on stdout, and a clear line and
exit 2, never a traceback, when the output cannot be written or the input cannot be read."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from conftest import INVALID, SPECS, WALKTHROUGH, WARNS, diagnostics_in


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_diagnostics_on_stderr_data_on_stdout(fmt, run_cli):
    result = run_cli("check", "--format", fmt, WARNS, INVALID)
    assert result.exit_code == 1
    found = diagnostics_in(result.stderr)
    assert [f["code"] for f in found] == ["dropped-border", "non-integer-output"]
    assert [f["severity"] for f in found] == ["warning", "error"]
    assert not diagnostics_in(result.stdout)
    assert "help:" not in result.stdout
    if fmt == "json":
        json.loads(result.stdout)  # nothing but the JSON on standard output


def test_python_dash_m(tmp_path):
    # the package runs as a module, in a real process: no traceback, the exit status of the spec
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: 8x8x1\nlayers: [conv: {filters: 1, kernel: 3, stride: 2}]\n")  # (8 − 3)/2 + 1 = 3.5
    process = subprocess.run([sys.executable, "-m", "cnncalc", "check", str(spec)], capture_output=True, text=True,
                             timeout=60)
    assert process.returncode == 1
    assert f"{spec}:2:10: error[non-integer-output]" in process.stderr
    assert "Traceback" not in process.stderr


def _run(*args: str, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnncalc", *args], stderr=subprocess.PIPE, text=True, timeout=60,
                          **popen)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")
@pytest.mark.parametrize("command", [["check", str(SPECS / "vgg16.yaml")], ["schema"]])
def test_closed_standard_output_is_one_line_and_exit_2(command):
    # `cnncalc check spec >&-`: Python starts without a standard output, and writing to it fails
    process = _run(*command, stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    assert process.returncode == 2
    assert process.stderr == f"cnncalc: cannot write the output: {os.strerror(errno.EBADF)}\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_full_disk_is_one_line_and_exit_2(fmt):
    with open("/dev/full", "w") as full:
        process = _run("check", "--format", fmt, str(SPECS / "vgg16.yaml"), stdout=full)
    assert process.returncode == 2
    assert process.stderr == f"cnncalc: cannot write the output: {os.strerror(errno.ENOSPC)}\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")
def test_diagram_to_a_file_needs_no_standard_output(tmp_path):
    svg = tmp_path / "net.svg"
    process = _run("diagram", WALKTHROUGH, "-o", str(svg), stdout=subprocess.DEVNULL,
                   preexec_fn=lambda: os.close(1))
    assert process.returncode == 0, process.stderr
    assert svg.read_text().rstrip().endswith("</svg>")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")
def test_closed_standard_input_is_unreadable():
    # `cnncalc check - <&-`
    process = _run("check", "-", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                   preexec_fn=lambda: os.close(0))
    assert process.returncode == 2
    assert "<stdin>: error[unreadable]: standard input is closed" in process.stderr
    assert "Traceback" not in process.stderr
