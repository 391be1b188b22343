"""Issue 6: the sliding-window arithmetic against brute force, hostile files, pipes, and the
documented limits (src/cnncalc/limits.py, README "Limits")."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.limits import MAX_FILE_BYTES, MAX_INTEGER, MAX_LAYERS, MAX_NESTING, MAX_YAML_NODES
from conftest import SPECS, diagnostics_in

ROOT = SPECS.parent
CNNCALC = Path(sys.executable).parent / "cnncalc"  # the console script of this environment
needs_script = pytest.mark.skipif(not CNNCALC.exists() or sys.platform == "win32",
                                  reason="needs the console script and a POSIX shell")

# =============================================================================================================
# Brute force: one axis, window by window
# =============================================================================================================
# A window of F taps, dilation d and stride S over W inputs padded by p_lo and p_hi: window i starts at input
# position i·S − p_lo and reads taps i·S − p_lo + t·d, t = 0..F−1. Positions −p_lo..−1 and W..W+p_hi−1 are
# padding. Nothing below uses the closed-form (W + 2P − d(F − 1) − 1)/S + 1.


def floor_windows(W, F, S, p_lo, p_hi, d) -> list[int]:
    """Start positions of the windows that fit in the padded input (PyTorch's default, floor)."""
    starts, i = [], 0
    while (i * S - p_lo) + (F - 1) * d <= W - 1 + p_hi:
        starts.append(i * S - p_lo)
        i += 1
    return starts


def ceil_windows(W, F, S, p_lo, p_hi, d) -> list[int]:
    """ceil_mode=True: windows are added while the one a stride earlier (for the first window, the one
    that would start a stride before it) has not reached the end of the padded input; then PyTorch's rule:
    a window must start inside the input or its left padding (at most W − 1)."""
    starts, i = [], 0
    while True:
        start = i * S - p_lo
        if (start - S) + (F - 1) * d >= W - 1 + p_hi:  # the window a stride earlier covered the rest
            break
        if start > W - 1:  # it would start in the right padding
            break
        starts.append(start)
        i += 1
    return starts


def dropped_after(W, F, d, starts: list[int]) -> int:
    """Input positions after the last tap of the last window (padding is not counted)."""
    if not starts:
        return 0
    last_tap = max(starts) + (F - 1) * d
    return max(0, W - 1 - last_tap)


def transposed_length(W, F, S, P, d, output_padding) -> int:
    """A transposed convolution: input i spreads to output positions i·S + t·d; the output runs from the
    first position any tap reaches to the last, output_padding more at the end, P cut from each side."""
    reached = {i * S + t * d for i in range(W) for t in range(F)}
    return max(reached) + 1 - min(reached) + output_padding - 2 * P


class Axis1D:
    """One layer along the width of a W×1×1 input (height 1, kernel F×1): the spec and its brute force."""

    def __init__(self, kind, W, F, S, p_lo, p_hi, d, mode="max", stride_given=True, output_padding=0):
        self.kind, self.W, self.F, self.S, self.p_lo, self.p_hi, self.d = kind, W, F, S, p_lo, p_hi, d
        self.mode, self.stride_given, self.output_padding = mode, stride_given, output_padding

    @property
    def span(self) -> int:
        return self.d * (self.F - 1) + 1

    def spec(self, rounding: str) -> dict:
        params = {"kernel": [self.F, 1],
                  "padding": [self.p_lo, 0] if self.p_lo == self.p_hi else
                  {"left": self.p_lo, "right": self.p_hi, "top": 0, "bottom": 0},
                  "dilation": [self.d, 1]}
        if self.stride_given:
            params["stride"] = [self.S, 1]
        if self.kind == "pool":
            params["mode"] = self.mode
        else:
            params["filters"] = 1
        if self.kind == "deconv":
            params["output_padding"] = [self.output_padding, 0]
        return {"input": [self.W, 1, 1], "rounding": rounding, "layers": [{self.kind: params}]}

    def refused_by_pytorch(self) -> bool:
        if self.kind == "pool":
            # PyTorch: "pad should be at most half of kernel size" (the kernel, not its dilated span), and
            # avg_pool2d has no dilation
            return max(self.p_lo, self.p_hi) > self.F // 2 or (self.mode != "max" and self.d != 1)
        if self.kind == "deconv":  # "output padding must be smaller than either stride or dilation"
            return self.output_padding >= max(self.S, self.d)
        return False

    def __repr__(self) -> str:
        return (f"{self.kind}(W={self.W}, F={self.F}, S={self.S}, P=({self.p_lo}, {self.p_hi}), d={self.d}, "
                f"mode={self.mode}, stride_given={self.stride_given}, op={self.output_padding})")


def applied(axis: Axis1D, suggestion: str) -> Axis1D | None:
    """The layer with a `non-integer-output` suggestion applied, or None for the rounding hints."""
    change = re.fullmatch(r"(padding|stride|kernel): (.+?) gives (\d+)( in width)?( \(its stride follows "
                          r"the kernel\))?", suggestion)
    size = re.fullmatch(r"an input (?:width )?of (\d+) instead of (\d+) to this layer gives (\d+)", suggestion)
    new = Axis1D(axis.kind, axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d, axis.mode, axis.stride_given,
                 axis.output_padding)
    if size:
        assert int(size[2]) == axis.W, suggestion
        new.W = int(size[1])
        return new
    if suggestion.startswith("rounding: "):
        return None
    assert change, f"unexpected suggestion: {suggestion!r}"
    what, value = change[1], yaml.safe_load(change[2])
    if isinstance(value, dict):
        assert (value["top"], value["bottom"]) == (0, 0)
        width = (value["left"], value["right"])
    else:
        parts = [int(p) for p in str(value).replace("×", "x").split("x")]
        width = (parts[0], parts[0])
        assert parts[-1] == (0 if what == "padding" else 1), suggestion  # the height (1, unpadded) stays
    if what == "padding":
        new.p_lo, new.p_hi = width
    elif what == "stride":
        new.S, new.stride_given = width[0], True
    else:
        new.F = width[0]
        if change[5]:  # a pool whose stride was left out: it stays the kernel
            assert axis.kind == "pool" and not axis.stride_given
            new.S = new.F
    return new


def diagnostic(report, code):
    found = [d for d in report.diagnostics if d.code == code]
    return found[0] if found else None


def check_axis(axis: Axis1D, rounding: str) -> str:
    """Compare cnncalc with the brute force on one case; returns what kind of case it was."""
    report = cnncalc.analyze(axis.spec(rounding))
    assert report.exit_code in (0, 1)
    if axis.refused_by_pytorch():
        assert not report.valid
        assert [d.code for d in report.diagnostics] == ["invalid-value"], report.diagnostics
        return "refused"
    assert not diagnostic(report, "invalid-value"), report.diagnostics

    if axis.kind == "deconv":
        length = transposed_length(axis.W, axis.F, axis.S, axis.p_lo, axis.d, axis.output_padding)
        assert length == (axis.W - 1) * axis.S - 2 * axis.p_lo + axis.d * (axis.F - 1) + axis.output_padding + 1
        if length < 1:
            assert diagnostic(report, "empty-output") and not report.valid
            return "empty"
        assert report.valid and report.output == cnncalc.Volume(length, 1, 1)
        return "deconv"

    floor = floor_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d)
    exact = bool(floor) and floor[-1] + axis.span - 1 == axis.W - 1 + axis.p_hi  # the last window ends flush
    if rounding == "ceil":
        ceil = ceil_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d)
        if not ceil:
            assert diagnostic(report, "empty-output") and not report.valid
            return "empty"
        assert report.valid, report.diagnostics
        assert report.output.width == len(ceil)
        assert not report.diagnostics  # ceil leaves nothing uncovered: no dropped-border
        return "ceil-rule" if len(ceil) < len(floor) + (not exact) else "ceil"
    if not floor:
        assert diagnostic(report, "empty-output") and not report.valid, report.diagnostics
        return "empty"
    if rounding == "floor":
        assert report.valid and report.output.width == len(floor)
        dropped = dropped_after(axis.W, axis.F, axis.d, floor)
        warning = diagnostic(report, "dropped-border")
        if dropped:
            assert warning is not None and not warning.is_error
            assert re.search(rf"\blast {'' if dropped == 1 else f'{dropped} '}columns?\b", warning.message), \
                (dropped, warning.message)
            assert "row" not in warning.message  # the height is 1 and fully read
            return "dropped"
        assert warning is None
        return "floor"
    # exact
    if exact:
        assert report.valid and report.output.width == len(floor)
        return "exact"
    problem = diagnostic(report, "non-integer-output")
    assert problem is not None and not report.valid, report.diagnostics
    changes = 0
    for suggestion in problem.suggestions:
        if suggestion.startswith("rounding: "):
            mode, width = re.fullmatch(r"rounding: (floor|ceil) gives (\d+)×1 .*", suggestion).groups()
            windows = (floor if mode == "floor" else
                       ceil_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d))
            assert int(width) == len(windows), (suggestion, len(windows))
            continue
        fixed = applied(axis, suggestion)
        changes += 1
        claimed = int(re.search(r"gives (\d+)", suggestion)[1])
        # the suggestion makes the spec exact: checked by brute force and by cnncalc itself
        windows = floor_windows(fixed.W, fixed.F, fixed.S, fixed.p_lo, fixed.p_hi, fixed.d)
        assert windows and windows[-1] + fixed.span - 1 == fixed.W - 1 + fixed.p_hi, (suggestion, fixed)
        assert len(windows) == claimed, suggestion
        assert not fixed.refused_by_pytorch(), suggestion
        again = cnncalc.analyze(fixed.spec("exact"))
        assert again.valid and again.output.width == claimed, (suggestion, again.diagnostics)
    assert changes >= 1  # at least one change of padding, stride, kernel or input size
    return "non-integer"


AXIS_SETTINGS = settings(derandomize=True, max_examples=300, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow])


@st.composite
def axes(draw, kind: str):
    W, F, S = draw(st.integers(1, 40)), draw(st.integers(1, 7)), draw(st.integers(1, 5))
    d = draw(st.integers(1, 3))
    if kind == "pool":
        mode = draw(st.sampled_from(["max", "max", "avg", "l2"]))
        stride_given = draw(st.booleans())
        if not stride_given:
            S = F
        P = draw(st.integers(0, 3))
        return Axis1D(kind, W, F, S, P, P, d, mode=mode, stride_given=stride_given)
    if kind == "deconv":
        op, P = draw(st.integers(0, max(S, d) - 1)), draw(st.integers(0, 3))
        return Axis1D(kind, W, F, S, P, P, d, output_padding=op)
    P = draw(st.integers(0, 3))
    return Axis1D(kind, W, F, S, P, P, d)


@pytest.mark.parametrize("kind, rounding", [("conv", r) for r in ("exact", "floor", "ceil")]
                         + [("pool", r) for r in ("exact", "floor", "ceil")]
                         + [("local", "floor"), ("deconv", "exact")])
def test_window_arithmetic_against_brute_force(kind, rounding):
    @AXIS_SETTINGS
    @given(axes(kind))
    def run(axis):
        check_axis(axis, rounding)

    run()


def test_deconv_output_padding_must_be_below_stride_or_dilation():
    for S, d in ((1, 1), (2, 1), (1, 3), (3, 2)):
        for op in range(0, max(S, d) + 2):
            check_axis(Axis1D("deconv", 5, 3, S, 1, 1, d, output_padding=op), "exact")


def test_every_kind_of_case_is_reached():
    """A small exhaustive grid: each outcome the brute force distinguishes occurs and agrees."""
    seen: dict[tuple[str, str], int] = {}
    for kind, roundings in (("conv", ("exact", "floor", "ceil")), ("pool", ("exact", "floor", "ceil")),
                            ("deconv", ("exact",))):
        for rounding in roundings:
            for W in range(1, 13):
                for F in range(1, 5):
                    for S in range(1, 4):
                        for P in range(0, 3):
                            for d in (1, 2):
                                axis = Axis1D(kind, W, F, S, P, P, d, output_padding=(S - 1) % max(S, d))
                                outcome = check_axis(axis, rounding)
                                seen[kind, outcome] = seen.get((kind, outcome), 0) + 1
    for outcome in ("exact", "non-integer", "empty", "floor", "dropped", "ceil", "ceil-rule"):
        assert seen.get(("conv", outcome)), outcome
    for outcome in ("exact", "non-integer", "empty", "floor", "dropped", "ceil", "ceil-rule", "refused"):
        assert seen.get(("pool", outcome)), outcome
    assert seen.get(("deconv", "deconv")) and seen.get(("deconv", "empty"))


def test_asymmetric_padding_suggestions_apply():
    # (10 − 3 + 0 + 0)/2 + 1 = 4.5; one more column of padding on the right makes it 5 exactly
    axis = Axis1D("conv", 10, 3, 2, 0, 0, 1)
    assert check_axis(axis, "exact") == "non-integer"
    report = cnncalc.analyze(axis.spec("exact"))
    assert any(s.startswith("padding: {left: 0, right: 1, top: 0, bottom: 0} gives 5")
               for s in report.diagnostics[0].suggestions)
    assert check_axis(Axis1D("conv", 10, 3, 2, 0, 1, 1), "exact") == "exact"


def test_ceil_drops_a_window_in_the_right_padding():
    # INPUT(1x1x1) -> CONV(1, 1, P=1), ceil: the padded input is 3 wide, windows start at −1, 0, 1; the one
    # at 1 starts in the right padding, so PyTorch's ceil rule ((out − 1)·S >= W + P: 2·1 >= 1 + 1) gives 2
    axis = Axis1D("conv", 1, 1, 1, 1, 1, 1)
    assert len(ceil_windows(1, 1, 1, 1, 1, 1)) == 2
    report = cnncalc.analyze(axis.spec("ceil"))
    assert report.output == cnncalc.Volume(2, 1, 1)


# =============================================================================================================
# Hostile files
# =============================================================================================================

def alias_bomb() -> bytes:
    # nine levels of ten aliases each: 10^9 values if expanded
    lines = [b"a0: &a0 [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]"]
    for level in range(1, 9):
        lines.append(b"a%d: &a%d [" % (level, level) + b", ".join([b"*a%d" % (level - 1)] * 10) + b"]")
    return b"\n".join(lines) + b"\ninput: 8x8x1\nlayers: *a8\n"


HEADER = b"input: 32x32x3\nlayers: [relu]\n"
HOSTILE = [
    # id, content, exit, code, (line, col) or None, message substring
    ("malformed", b"input: 32x32x3\nlayers: [relu\n", 1, "yaml-syntax", (3, 1), "not valid YAML"),
    ("tab", b"input: 32x32x3\nlayers:\n\t- relu\n", 1, "yaml-syntax", (3, 1), "tab"),
    ("not utf-8", b"name: caf\xe9\ninput: 32x32x3\nlayers: [relu]\n", 1, "not-utf8", (1, 10), "0xe9"),
    ("empty", b"", 1, "empty-spec", (1, 1), "empty"),
    ("only a comment", b"# nothing here\n", 1, "empty-spec", (1, 1), "empty"),
    # refused at the alias that takes the count past the limit: a0 to a3 are 12,344 values with their keys, and each
    # *a3 (at columns 10, 15, …) adds 11,111: the eighth, at column 45, passes 100,000
    ("alias bomb", alias_bomb(), 1, "too-large", (5, 45), f"{MAX_YAML_NODES:,}"),
    ("python tag", b"input: 32x32x3\nlayers:\n  - !!python/object/apply:os.system ['echo hi']\n", 1, "yaml-tag",
     (3, 5), "python/object/apply"),
    # the '[' at column 8 + k is k lists deep; the 101st, at column 109, is the first too deep
    ("10,000 deep", b"input: 8x8x1\nlayers: " + b"[" * 10_000 + b"relu" + b"]" * 10_000 + b"\n", 1, "too-deep",
     (2, 109), "100"),
    # "  - conv: {filters: " is 20 characters: the value is at column 21
    ("10**100", b"input: 32x32x3\nlayers:\n  - conv: {filters: %d, kernel: 3}\n" % 10 ** 100, 1, "invalid-value",
     (3, 21), "2,147,483,647"),
    ("1.5", b"input: 32x32x3\nlayers:\n  - conv: {filters: 1.5, kernel: 3}\n", 1, "invalid-value", (3, 21),
     "whole number"),
    ("true", b"input: 32x32x3\nlayers:\n  - conv: {filters: true, kernel: 3}\n", 1, "invalid-value", (3, 21),
     "whole number"),
    ("10**100 input", b"input: %dx32x3\nlayers: [relu]\n" % 10 ** 100, 1, "invalid-value", (1, 8), ""),
    ("escaped NUL", b'input: 32x32x3\nname: "a\\0b"\nlayers: [relu]\n', 1, "invalid-value", (2, 7), "NUL"),
    ("raw NUL", b"input: 32x32x3\nname: a\x00b\nlayers: [relu]\n", 1, "yaml-syntax", (2, 8), "not allowed"),
    # "  - repeat: " is 12 characters
    ("a billion repeats", b"input: 32x32x3\nlayers:\n  - repeat: 1000000000\n    layers: [relu]\n", 1, "too-large",
     (3, 13), f"{MAX_LAYERS:,}"),
    # "INPUT(8x8x1) -> [RELU]*" is 23 characters: the count is at column 24
    ("huge compact repeat", b"INPUT(8x8x1) -> [RELU]*1000000000\n", 1, "too-large", (1, 24), f"{MAX_LAYERS:,}"),
    ("50 MB", lambda path: _big(path, 50 * 2 ** 20), 1, "too-large", None, "8 MiB"),
    ("directory", lambda path: path.mkdir() or path, 2, "unreadable", None, "directory"),
    ("missing", lambda path: path, 2, "unreadable", None, "no such file"),
]


def _big(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        handle.write(HEADER)
        handle.write(b"#" * (size - len(HEADER) - 1) + b"\n")
    return path


@pytest.mark.parametrize("content, exit_code, code, position, text", [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_hostile_file(run_cli, tmp_path, content, exit_code, code, position, text):
    path = tmp_path / "spec.yaml"
    if callable(content):
        path = content(path)
    else:
        path.write_bytes(content)
    started = time.perf_counter()
    result = run_cli("check", str(path))
    elapsed = time.perf_counter() - started
    assert elapsed < 2, f"{elapsed:.2f} s"
    assert result.exit_code == exit_code, result.stderr
    errors = [d for d in diagnostics_in(result.stderr) if d["severity"] == "error"]
    assert errors, result.stderr
    first = errors[0]
    assert first["source"] == str(path)
    assert first["code"] == code, result.stderr
    if position is not None:
        assert (int(first["line"]), int(first["column"])) == position, result.stderr
    assert text in result.stderr
    assert result.stdout.strip() == "" or "invalid" in result.stdout


def test_bom_is_harmless(run_cli, tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfinput: 32x32x3\nlayers:\n  - conv: {filters: 8, kernel: 3}\n")
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""


def test_hostile_standard_input(run_cli):
    result = run_cli("check", "-", input=alias_bomb())
    assert result.exit_code == 1 and "<stdin>:5:45: error[too-large]" in result.stderr
    result = run_cli("check", "-", input=HEADER + b"#" * (MAX_FILE_BYTES + 1))
    assert result.exit_code == 1 and "<stdin>: error[too-large]" in result.stderr and "8 MiB" in result.stderr


def _limited_address_space() -> None:
    import resource

    limit = 256 * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@needs_script
@pytest.mark.parametrize("name", ["alias bomb", "10,000 deep", "a billion repeats"])
def test_hostile_file_within_256_mb(tmp_path, name):
    resource = pytest.importorskip("resource")
    if not hasattr(resource, "RLIMIT_AS"):
        pytest.skip("RLIMIT_AS is not supported here")
    [case] = [c for c in HOSTILE if c[0] == name]
    path = tmp_path / "spec.yaml"
    path.write_bytes(case[1])
    try:
        result = subprocess.run([str(CNNCALC), "check", str(path)], capture_output=True, timeout=30,
                                preexec_fn=_limited_address_space)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot run under RLIMIT_AS: {exc}")
    control = subprocess.run([str(CNNCALC), "--version"], capture_output=True, timeout=30,
                             preexec_fn=_limited_address_space)
    if control.returncode != 0:
        pytest.skip("cnncalc cannot even start within 256 MB here")
    assert result.returncode == case[2], result.stderr
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "MemoryError" not in stderr
    assert f"{path}:{case[4][0]}:{case[4][1]}: error[{case[3]}]" in stderr


# =============================================================================================================
# Pipes (Ctrl-C: test_signals.py)
# =============================================================================================================

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


# =============================================================================================================
# Documented limits (src/cnncalc/limits.py, README "Limits")
# =============================================================================================================

def repeat_of(count: int) -> str:
    return f"input: 8x8x1\nlayers:\n  - repeat: {count}\n    layers: [relu]\n"


def refusal(text: str):
    try:
        cnncalc.load(text)
    except cnncalc.SpecError as exc:
        return exc.diagnostics
    return None


def test_documented_limits_match_the_readme():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (MAX_FILE_BYTES, MAX_NESTING, MAX_INTEGER) == (8 * 2 ** 20, 100, 2 ** 31 - 1)
    for phrase in ("8 MiB", f"{MAX_NESTING} deep", f"{MAX_LAYERS:,} rows", f"{MAX_INTEGER:,}"):
        assert phrase in readme, phrase


def test_rows_at_the_limit_are_accepted():
    # README: "at most MAX_LAYERS rows once every repeat is expanded"; the input is row 0, so MAX_LAYERS − 1
    # layers make MAX_LAYERS rows
    assert refusal(repeat_of(MAX_LAYERS - 1)) is None


def test_rows_past_the_limit_are_refused():
    [problem] = refusal(repeat_of(MAX_LAYERS + 1))
    assert problem.code == "too-large" and f"{MAX_LAYERS:,}" in problem.message
    assert (problem.span.line, problem.span.column) == (3, 13)
    # two layers repeated MAX_LAYERS/2 + 1 times: MAX_LAYERS + 2 layers
    [problem] = refusal(f"input: 8x8x1\nlayers:\n  - repeat: {MAX_LAYERS // 2 + 1}\n    layers: [relu, relu]\n")
    assert problem.code == "too-large"


def test_one_row_over_the_limit_is_refused():
    problems = refusal(repeat_of(MAX_LAYERS))
    assert problems and problems[0].code == "too-large"


def nested_repeats(depth: int, innermost: str) -> str:
    # each repeat block is a mapping in a list: 2 levels of YAML; the document's mapping is level 0, the top
    # list level 1, so `depth` nested repeats put their innermost list at level 2·depth + 1 and a plain
    # `- relu` in it at level 2·depth + 2; `- relu: {}` puts an empty mapping one level deeper
    lines, indent = ["input: 8x8x1", "layers:"], "  "
    for _ in range(depth):
        lines += [f"{indent}- repeat: 1", f"{indent}  layers:"]
        indent += "    "
    return "\n".join(lines + [f"{indent}- {innermost}"]) + "\n"


def test_nesting_limit():
    # 49 nested repeats: `relu` at level 100, accepted (and a valid network)
    report = cnncalc.analyze(nested_repeats(49, "relu"))
    assert report.valid and len(report.rows) == 2
    # one level more: refused, with a position
    problems = refusal(nested_repeats(49, "relu: {}"))
    assert problems and problems[0].code == "too-deep" and "100" in problems[0].message
    assert problems[0].span is not None
    # the compact notation: 100 nested [ … ]*1 accepted, 101 refused
    assert cnncalc.analyze("INPUT(8x8x1) -> " + "[" * 100 + "RELU" + "]*1" * 100).valid
    problems = refusal("INPUT(8x8x1) -> " + "[" * 101 + "RELU" + "]*1" * 101)
    assert problems and problems[0].code == "too-deep"


def test_file_size_limit(run_cli, tmp_path):
    # exactly 8 MiB (a valid spec and a long comment) is read; one byte more is refused, naming the limit
    at_limit = _big(tmp_path / "at.yaml", MAX_FILE_BYTES)
    assert at_limit.stat().st_size == 8_388_608
    result = run_cli("check", str(at_limit), "--format", "json")
    assert result.exit_code == 0, result.stderr
    over = _big(tmp_path / "over.yaml", MAX_FILE_BYTES + 1)
    result = run_cli("check", str(over))
    assert result.exit_code == 1
    assert f"{over}: error[too-large]" in result.stderr and "8 MiB" in result.stderr


def test_integer_limit():
    # 2,147,483,647 is the largest accepted value, 2,147,483,648 the smallest refused one
    ok = cnncalc.analyze(f"input: 8x8x1\nlayers:\n  - fc: {MAX_INTEGER}\n")
    assert ok.valid and ok.output == cnncalc.Volume(1, 1, MAX_INTEGER)
    refused = cnncalc.analyze(f"input: 8x8x1\nlayers:\n  - fc: {MAX_INTEGER + 1}\n")
    assert [d.code for d in refused.diagnostics] == ["invalid-value"]
    assert "2,147,483,647" in refused.diagnostics[0].message
