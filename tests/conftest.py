"""Shared fixtures: the CLI driven in-process through click's CliRunner, stdout and stderr apart.
Also: tests marked `torch` (or `onnx`) are skipped where torch (onnx) is not installed, and under CI=true any skip
fails the run.
Below the fixtures, the helpers that tests in more than one file share."""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cnncalc
from cnncalc.cli import cli

ROOT = Path(__file__).resolve().parent.parent  # the repository
SPECS = ROOT / "specs"

# `FILE:LINE:COL: error[CODE]` or, when the fault has no position, `FILE: error[CODE]` (contract §4)
DIAGNOSTIC_LINE = re.compile(r"^(?P<source>.+?)(?::(?P<line>\d+):(?P<column>\d+))?: (?P<severity>error|warning|note)"
                             r"\[(?P<code>[a-z0-9-]+)\]: \S", re.MULTILINE)


def assert_no_crash(result: Result) -> None:
    """The command ended through its own exit path: no exception escaped, no traceback printed."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # not chained: a RecursionError's thousand frames would make the report itself slow
        raise AssertionError(f"cnncalc raised {type(result.exception).__name__}: {str(result.exception)[:300]}"
                             f"\nstderr: {result.stderr[:1000]}") from None
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr

SKIPPED: list[str] = []


# marker -> how to install what the tests it marks need
OPTIONAL = {"torch": "pip install -e '.[torch]'", "onnx": "pip install -e '.[test]'",
            "keras": "pip install -e '.[test]'"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for module, install in OPTIONAL.items():
        if importlib.util.find_spec(module) is None:
            skip = pytest.mark.skip(reason=f"needs {module}: {install} (or leave these out: -m 'not {module}')")
            for item in items:
                if item.get_closest_marker(module):
                    item.add_marker(skip)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        SKIPPED.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped:
        SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # CI installs everything the tests need (README, "Development"), so a skip there is a test that did not run
    if os.environ.get("CI") == "true" and SKIPPED and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if os.environ.get("CI") == "true" and SKIPPED:
        terminalreporter.section("skipped under CI=true, which fails the run", red=True)
        for nodeid in SKIPPED:
            terminalreporter.line(nodeid)


@pytest.fixture
def run_cli():
    """run_cli(*args, input=None, env=None) -> click Result, checked to have ended without a crash. The table
    has no width to fit unless `env` gives COLUMNS, whatever the environment the tests run in."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None, env: dict | None = None) -> Result:
        result = runner.invoke(cli, [str(a) for a in args], input=input, env={"COLUMNS": None, **(env or {})})
        assert_no_crash(result)
        return result

    return run


@pytest.fixture
def check_json(run_cli):
    """check_json(*args, input=None) -> (result, parsed JSON of stdout or None) of `check --format json`."""

    def run(*args: str, input: str | bytes | None = None):
        result = run_cli("check", "--format", "json", *args, input=input)
        data = json.loads(result.stdout) if result.stdout.strip() else None
        return result, data

    return run


def volume(v: dict | None) -> list[int] | None:
    """A JSON volume as [width, height, depth] (its spatial sizes, width first, then its depth)."""
    return None if v is None else [v[k] for k in ("width", "height", "frames", "depth") if k in v]


def diagnostics_in(stderr: str) -> list[re.Match]:
    return list(DIAGNOSTIC_LINE.finditer(stderr))


# -- PyTorch export (unit/test_pytorch.py, property/test_random_networks.py) ----------------------------------

# torch modules that each stand for one row of these types, in 1-D, 2-D and 3-D, so their outputs must be the rows'
_ANY_AXES = ("Conv", "ConvTranspose", "MaxPool", "AvgPool", "LPPool", "AdaptiveAvgPool", "AdaptiveMaxPool")
ONE_TO_ONE = ((*(f"{name}{n}d" for name in _ANY_AXES for n in (1, 2, 3)), "Linear", "Upsample", "ChannelShuffle",
               "PixelShuffle", "PixelUnshuffle"),
              ("conv", "deconv", "fc", "pool", "global_pool", "adaptive_pool", "upsample", "channel_shuffle",
               "pixel_shuffle", "pixel_unshuffle"))


@functools.cache
def torch_modules() -> tuple:
    """(torch, torch.nn, FlopCounterMode), or Nones where torch is not installed (the tests marked `torch` are
    skipped then, and CI's oldest run leaves them out). Imported on first use: torch takes seconds to import."""
    try:
        with warnings.catch_warnings():  # a CPU wheel without NumPy says so on import; nothing here needs NumPy
            warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
            import torch
        from torch import nn
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return None, None, None
    return torch, nn, FlopCounterMode


def run_export(spec: str, *options: str) -> str:
    result = CliRunner().invoke(cli, ["export", spec, *options])
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def build(code: str):
    """The torch module that `cnncalc export` wrote, in eval mode."""
    nn = torch_modules()[1]
    namespace = {"__name__": "exported"}  # not __main__: the script part stays out
    exec(compile(code, "<exported>", "exec"), namespace)
    classes = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, nn.Module)]
    return classes[-1]().eval()  # the model is defined after its helpers


def stands_for_a_row(module) -> bool:
    nn = torch_modules()[1]
    return isinstance(module, tuple(getattr(nn, name) for name in ONE_TO_ONE[0]))


def tensor_volume(tensor, axes: int) -> tuple[int, ...]:
    """A torch shape (N×C×[T×]H×W) as cnncalc's volume, width first and the depth last; an N×C tensor is 1
    on each of the volume's `axes` spatial axes."""
    if tensor.dim() == 2:
        return (1,) * axes + (tensor.shape[1],)
    return (*reversed(tensor.shape[2:]), tensor.shape[1])


def torch_input(volume):
    """The tensor for a volume: torch.randn(1, depth, [frames,] height, width), the last axis the width."""
    return torch_modules()[0].randn(1, volume.depth, *reversed(volume.spatial))


def export_onnx(model, sample, path) -> None:
    """`model` (a torch module) to the ONNX file `path` by torch.onnx.export's dynamo exporter, quietly."""
    torch = torch_modules()[0]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (sample,), str(path), dynamo=True)


# -- specs through the API (unit/, robustness/) -----------------------------------------------------------------

def analyze(text: str, **options) -> cnncalc.Report:
    report = cnncalc.analyze_text(text, **options)
    assert isinstance(report, cnncalc.Report)
    return report


def valid(text: str, **options) -> cnncalc.Report:
    report = analyze(text, **options)
    assert report.valid, [(d.code, d.message) for d in report.diagnostics]
    return report


def codes(report: cnncalc.Report) -> list[str]:
    return [d.code for d in report.diagnostics]


def shape(report: cnncalc.Report) -> list[tuple]:
    """What two equivalent specs must agree on: each row's type, output and counts."""
    return [(r.type, tuple(r.output), r.weights, r.biases, r.macs, r.buffers) for r in report.rows]


def refusal(text: str) -> list[cnncalc.Diagnostic]:
    """The diagnostics of a spec that cnncalc.load refuses; [] for one it takes."""
    try:
        cnncalc.load(text)
    except cnncalc.SpecError as exc:
        return exc.diagnostics
    return []


def yaml_spec(input_line: str, *layers: str) -> str:
    return f"{input_line}\nlayers:\n" + "".join(f"  {layer}\n" for layer in layers)


REFERENCE_YAML = yaml_spec("input: 32x32x3", "- conv: {filters: 16, kernel: 3, stride: 1, padding: 1}", "- relu",
                           "- pool: {kernel: 2, stride: 2}", "- fc: 10")


# -- the command line (cli/, unit/) -----------------------------------------------------------------------------

WALKTHROUGH = "INPUT(32x32x3) -> CONV(12, 3, P=1) -> RELU -> POOL(2) -> FC(10)"  # the notes' CIFAR-10 example
INVALID = "INPUT(10x10x3) -> CONV(8, 3, S=2)"                                   # (10 − 3)/2 + 1 = 4.5
# 4 with a dropped border: a note, since the spec asked for floor (under --rounding floor, a warning)
NOTES = "INPUT(10x10x3) -> CONV(8, 3, S=2, rounding=floor)"
# a warning: the pool's branch sees the input at a jump of 2, the conv's (8 − 5 + 1 = 4 wide) at 1
WARNS = "input: 8x8x3\nlayers:\n  - concat: [[pool: 2], [conv: {filters: 3, kernel: 5}]]\n"
ANSI = re.compile(r"\x1b\[")
# (10 − 3 + 2·0)/2 + 1 = 4.5 at the conv, which stands on line 4; its key `conv` is at column 5
NON_INTEGER = "input: 10x10x3\nlayers:\n  - relu\n  - conv: {filters: 8, kernel: 3, stride: 2}\n"
CNNCALC = Path(sys.executable).parent / "cnncalc"  # the console script of this environment
needs_script = pytest.mark.skipif(not CNNCALC.exists() or sys.platform == "win32",
                                  reason="needs the console script and a POSIX shell")


def in_a_terminal(args: list[str], env: dict[str, str], columns: int | None = None) -> str:
    """stdout of the console script run with a pseudo-terminal as its standard output, `columns` wide if
    given (else of no size, as a terminal that does not say), its line ends as the program wrote them."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    if columns is not None:
        import fcntl
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    environment.update({"TERM": "xterm-256color", **env})
    process = subprocess.Popen([str(CNNCALC), *args], stdout=slave, stderr=subprocess.PIPE, env=environment,
                               cwd=ROOT)
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal's other end closed: the program ended
                break
            if not data:
                break
            chunks.append(data)
        process.wait(timeout=30)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def invalid(check_json, *args, input=None) -> list[dict]:
    """The diagnostics of a spec that `check --format json` finds invalid."""
    result, data = check_json(*args, input=input)
    assert result.exit_code == 1, result.stderr
    assert data["valid"] is False
    return data["diagnostics"]


def brief(diagnostics: list[dict]) -> list[tuple]:
    return [(d["code"], d["line"], d["column"], d["message"]) for d in diagnostics]


# -- memory and FLOPs of one small network (unit/test_memory.py, unit/test_report.py) ------------------------

SMALL = "INPUT(8x8x3) -> CONV(4, 3, P=1) -> RELU -> FC(10)"
# activations: 8·8·3 + 8·8·4 + 8·8·4 + 10 = 192 + 256 + 256 + 10 = 714
# params: conv 3·3·3·4 + 4 = 112, fc 8·8·4·10 + 10 = 2,570; 2,682 in all



# -- SVG rendered by a browser (unit/test_diagram.py, unit/test_roofline.py) -----------------------------------
def read_png(path: Path) -> tuple[int, int, list[bytearray], int]:
    """(width, height, rows of pixel bytes, bytes per pixel) of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    rows, prior = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 2:  # undo the filter (PNG spec, section 9): up
            line = bytearray((a + b) & 255 for a, b in zip(line, prior))
        elif kind in (1, 3, 4):  # left, average, Paeth
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up, corner = prior[i], (prior[i - bpp] if i >= bpp else 0)
                if kind == 1:
                    predicted = left
                elif kind == 3:
                    predicted = (left + up) // 2
                else:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    predicted = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predicted) & 255
        rows.append(line)
        prior = line
    return width, height, rows, bpp


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed (apt-get install chromium) to render the SVG")
    return path


_HEADLESS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync")


def screenshot(chromium: str, svg_path: Path, width: int, height: int) -> Path:
    """The SVG (or HTML page) at `svg_path` as headless Chromium draws it, a PNG of width × height beside it."""
    png = svg_path.with_suffix(".png")
    run = subprocess.run([chromium, *_HEADLESS, f"--user-data-dir={svg_path.parent / 'profile'}", f"--screenshot={png}",
                          f"--window-size={width},{height}", svg_path.as_uri()],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0 and png.exists(), f"chromium failed: {run.stderr[-2000:]}"
    return png


def page_dom(chromium: str, page: Path, fragment: str = "") -> tuple[str, list[str]]:
    """The document of the HTML `page` (opened at `#fragment`) once headless Chromium has run its scripts, and
    what the page wrote to its console (messages and uncaught errors alike)."""
    run = subprocess.run([chromium, *_HEADLESS, f"--user-data-dir={page.parent / 'profile'}", "--enable-logging=stderr",
                          "--v=0", "--dump-dom", page.as_uri() + fragment],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0 and "</html>" in run.stdout, f"chromium failed: {run.stderr[-2000:]}"
    return run.stdout, [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
