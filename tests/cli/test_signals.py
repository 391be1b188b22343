"""Ctrl-C, in a real process: from the moment Python has started, cnncalc ends at once, with status 130
(death by SIGINT, or exit 130) and never a traceback: during its imports, its work, its output or its exit."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cnncalc
from cnncalc.limits import MAX_LAYERS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

PACKAGE = Path(cnncalc.__file__).resolve().parent
INTERRUPTED = (130, -signal.SIGINT)


def _start(*args: str) -> subprocess.Popen:
    # SIGINT as a terminal gives it: a test runner started in the background may ignore it, and children inherit that
    return subprocess.Popen([sys.executable, "-m", "cnncalc", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stderr.decode()


def _in_python_start_up(stderr: str) -> bool:
    """A KeyboardInterrupt traceback without a frame in cnncalc's files: the signal came while Python itself
    was still starting (on a loaded machine that can take more than 40 ms), before any of cnncalc's code ran,
    and Python answered as it does (exit 1 from its site import, or a traceback and death by SIGINT)."""
    frames = [Path(f).resolve() for f in re.findall(r'^  File "([^"]+)"', stderr, re.MULTILINE)]
    return stderr.rstrip().endswith("KeyboardInterrupt") and not any(f.is_relative_to(PACKAGE) for f in frames)


@pytest.fixture(scope="module")
def long_chain(tmp_path_factory) -> Path:
    """A valid spec just inside the row limit: seconds of reading and checking, still under way at 100 ms."""
    path = tmp_path_factory.mktemp("signals") / "long.yaml"
    path.write_text("input: 8x8x3\nlayers:\n" + "  - relu\n" * (MAX_LAYERS - 1))
    return path


@pytest.mark.parametrize("delay_ms", [40, 55, 70, 85, 100])
def test_ctrl_c_during_start_up_and_work(delay_ms, long_chain):
    # from 40 ms on, Python has started and cnncalc is importing its modules, then reading the spec
    reached = attempts = 0
    while reached < 6 and attempts < 30:  # a run that Python's own start-up outlasted is tried again
        attempts += 1
        process = _start("check", str(long_chain))
        time.sleep(delay_ms / 1000)
        process.send_signal(signal.SIGINT)
        status, stderr = _finish(process)
        if _in_python_start_up(stderr):
            continue
        reached += 1
        assert status in INTERRUPTED, (status, stderr)
        assert "Traceback" not in stderr, stderr
    assert reached, f"Python itself took more than {delay_ms} ms to start in all {attempts} runs"


def test_ctrl_c_while_writing_the_output(tmp_path):
    # the JSON of 3,000 rows is far longer than a pipe holds: once its first byte is out, cnncalc is still
    # writing, blocked on the full pipe, when the signal comes
    spec = tmp_path / "spec.yaml"
    spec.write_text("input: 8x8x3\nlayers:\n" + "  - relu\n" * 3000)
    process = _start("check", "--format", "json", str(spec))
    assert process.stdout.read(1) == b"{"
    process.send_signal(signal.SIGINT)
    status, stderr = _finish(process)
    assert status in INTERRUPTED
    assert stderr == ""


def test_ctrl_c_ignored_by_the_caller_stays_ignored(tmp_path):
    # `cnncalc … &` in a script: the shell has the job ignore SIGINT, and cnncalc must not take it back
    spec = tmp_path / "spec.yaml"
    spec.write_text("input: 8x8x3\nlayers:\n" + "  - relu\n" * 3000)
    process = subprocess.Popen([sys.executable, "-m", "cnncalc", "check", "--format", "json", str(spec)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert process.stdout.read(1) == b"{"
    process.send_signal(signal.SIGINT)
    rest = process.stdout.read()
    status, stderr = _finish(process)
    assert status == 0
    assert rest.rstrip().endswith(b"}")
