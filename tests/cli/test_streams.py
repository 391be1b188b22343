"""Standard streams (cli.py; spec-format.md §4): diagnostics on stderr and data on stdout, colour only in a
terminal, and a clear line and exit 2, never a traceback, when the output cannot be written or the input cannot
be read."""
from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import (
    ANSI,
    CNNCALC,
    INVALID,
    NON_INTEGER,
    NOTES,
    SPECS,
    WALKTHROUGH,
    diagnostics_in,
    in_a_terminal,
    needs_script,
    write,
)

# -- standard output and standard error ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_diagnostics_on_stderr_data_on_stdout(fmt, run_cli):
    result = run_cli("check", "--format", fmt, "-v", NOTES, INVALID)
    assert result.exit_code == 1
    found = diagnostics_in(result.stderr)
    assert [f["code"] for f in found] == ["dropped-border", "non-integer-output"]
    assert [f["severity"] for f in found] == ["note", "error"]
    if fmt == "table":  # the table's summary writes them out again under each table, where they are read
        summary = [line[2:] for line in result.stdout.splitlines() if line.startswith("  <string>:1:")]
        assert summary == [line for line in result.stderr.splitlines() if line.startswith("<string>:1:")]
    else:
        assert not diagnostics_in(result.stdout)
        assert "help:" not in result.stdout
    if fmt == "json":
        json.loads(result.stdout)  # nothing but the JSON on standard output


def test_errors_on_stderr_data_on_stdout(run_cli, tmp_path):
    path = write(tmp_path, "bad.yaml", NON_INTEGER)
    result = run_cli("check", path, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # stdout is the data alone
    assert data["valid"] is False
    [diagnostic] = diagnostics_in(result.stderr)
    assert (diagnostic["source"], diagnostic["line"], diagnostic["column"], diagnostic["code"]) == (
        path, "4", "5", "non-integer-output")
    assert diagnostics_in(result.stdout) == []  # the human-readable diagnostic is not mixed into the data
    # a usage error: a message on stderr, nothing on stdout, exit 2
    usage = run_cli("check", WALKTHROUGH, "--format", "yaml")
    assert usage.exit_code == 2
    assert usage.stdout == "" and "--format" in usage.stderr
    # an unreadable file: exit 2, stderr only
    missing = run_cli("explain", str(tmp_path / "missing.yaml"))
    assert missing.exit_code == 2
    assert missing.stdout == "" and "error[unreadable]" in missing.stderr


def test_python_dash_m(tmp_path):
    # the package runs as a module, in a real process: no traceback, the exit status of the spec
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: 8x8x1\nlayers: [conv: {filters: 1, kernel: 3, stride: 2}]\n")  # (8 − 3)/2 + 1 = 3.5
    process = subprocess.run([sys.executable, "-m", "cnncalc", "check", str(spec)], capture_output=True, text=True,
                             timeout=60)
    assert process.returncode == 1
    assert f"{spec}:2:10: error[non-integer-output]" in process.stderr
    assert "Traceback" not in process.stderr


# -- colour --------------------------------------------------------------------------------------------------

def test_not_a_terminal_gives_no_ansi(run_cli):
    for args in (("check", WALKTHROUGH), ("check", WALKTHROUGH, "--by-type"), ("explain", WALKTHROUGH),
                 ("diff", WALKTHROUGH, str(SPECS / "cs231n-cifar10.yaml")), ("sizes", WALKTHROUGH, "--range", "30:34")):
        result = run_cli(*args)
        assert not ANSI.search(result.stdout) and not ANSI.search(result.stderr), args


@pytest.mark.skipif(not CNNCALC.exists() or sys.platform == "win32", reason="needs the console script and a pty")
def test_colour_only_in_a_terminal_without_no_color():
    spec = "specs/lenet5.yaml"
    coloured = in_a_terminal(["check", spec], {})
    assert ANSI.search(coloured), "a terminal should get colour (otherwise the checks below prove nothing)"
    assert not ANSI.search(in_a_terminal(["check", spec], {"NO_COLOR": "1"}))
    assert not ANSI.search(in_a_terminal(["check", "--no-color", spec], {}))
    plain = in_a_terminal(["check", "--no-color", spec], {})
    assert "61,706" in plain  # lenet5's params, in the plain table as well


# -- output that cannot be written, input that cannot be read -------------------------------------------------

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


@needs_script
@pytest.mark.parametrize("spec", ["resnet50.yaml", "densenet121.yaml"])
def test_closed_pipe(spec):
    # the JSON of these networks is far longer than a pipe's buffer, so cnncalc writes into a closed pipe
    script = ('for i in 1 2 3; do "$0" check "$1" --format json | head -c 10; echo; '
              'echo "status=${PIPESTATUS[0]}"; done')
    result = subprocess.run(["bash", "-c", script, str(CNNCALC), str(SPECS / spec)], capture_output=True,
                            text=True, timeout=60)
    statuses = re.findall(r"status=(\d+)", result.stdout)
    assert len(statuses) == 3
    assert all(int(s) in (0, 1) for s in statuses), statuses
    assert result.stdout.count('{\n  "schem') == 3
    for marker in ("Traceback", "BrokenPipeError", "Exception ignored", "internal error"):
        assert marker not in result.stderr, result.stderr
