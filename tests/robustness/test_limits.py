"""The documented limits (limits.py, README "Limits"): hostile files refused at the limit they pass, with their
code and position, quickly and within 256 MB; a spec at a limit read, one past it refused; numbers past any
limit told in a short message, never a crash."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

import cnncalc
from cnncalc.limits import MAX_FILE_BYTES, MAX_INTEGER, MAX_LAYERS, MAX_NESTING
from conftest import CNNCALC, ROOT, analyze, diagnostics_in, needs_script, refusal, yaml_spec

# -- hostile files ---------------------------------------------------------------------------------------------

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
    ("alias bomb", alias_bomb(), 1, "too-large", (1, 1), "2,000,000"),
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
    assert result.exit_code == 1 and "<stdin>:1:1: error[too-large]" in result.stderr
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


# -- documented limits -----------------------------------------------------------------------------------

def repeat_of(count: int) -> str:
    return f"input: 8x8x1\nlayers:\n  - repeat: {count}\n    layers: [relu]\n"


def test_documented_limits_match_the_readme():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (MAX_FILE_BYTES, MAX_NESTING, MAX_INTEGER) == (8 * 2 ** 20, 100, 2 ** 31 - 1)
    for phrase in ("8 MiB", f"{MAX_NESTING} deep", f"{MAX_LAYERS:,} rows", f"{MAX_INTEGER:,}"):
        assert phrase in readme, phrase


def test_rows_at_the_limit_are_accepted():
    # README: "at most MAX_LAYERS rows once every repeat is expanded"; the input is row 0, so MAX_LAYERS − 1
    # layers make MAX_LAYERS rows
    assert refusal(repeat_of(MAX_LAYERS - 1)) == []


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


@pytest.mark.parametrize("repeat, help_line", [
    (False, f"  help: split the network into specs of at most {MAX_LAYERS:,} rows each"),
    (True, "  help: lower a repeat count"),  # the repeat itself is within the limit, the layers after it are not
])
def test_too_many_rows_suggest_what_the_spec_has(repeat, help_line, run_cli, tmp_path):
    path = tmp_path / "long.yaml"
    head = f"  - repeat: {MAX_LAYERS - 2}\n    layers: [relu]\n" if repeat else ""
    path.write_text("input: 8x8x1\nlayers:\n" + head + "  - relu\n" * (2 if repeat else MAX_LAYERS))
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    verb = "expands to" if repeat else "has"
    assert result.stderr.splitlines() == [
        f"{path}:3:3: error[too-large]: the spec {verb} {MAX_LAYERS + 1:,} rows (the input's included), more "
        f"than the limit of {MAX_LAYERS:,}", help_line]


# -- huge numbers ----------------------------------------------------------------------------------------

HUGE = [
    # 10**100 everywhere an integer is read: a clear error that states the limit, never a crash
    ("INPUT(32x32x3) -> FC({n})", "units"),
    ("INPUT(32x32x3) -> CONV(8, {n})", "kernel"),
    ("INPUT({n}x32x3) -> RELU", "width"),
    ("INPUT(32x32x3) -> [RELU]*{n}", "repeat"),
    (yaml_spec("input: 32x32x3", "- fc: {n}"), "units"),
    (yaml_spec("input: [32, {n}, 3]", "- relu"), "height"),
    (yaml_spec("input: 32x32x3", "- conv: {{filters: {n}, kernel: 3}}"), "filters"),
    (yaml_spec("input: 32x32x3", "- repeat: {n}", "  layers: [relu]"), "repeat"),
]


@pytest.mark.parametrize("template, what", HUGE)
def test_huge_integers_give_a_clear_error(template, what):
    report = analyze(template.format(n=10 ** 100))
    [error] = report.diagnostics
    assert error.code in ("invalid-value", "too-large")
    assert what in error.message
    assert len(error.message) < 200  # the number is not spelled out in full


@pytest.mark.parametrize("digits", [309, 4301])
@pytest.mark.parametrize("template", ["INPUT(32x32x3) -> FC({n})", yaml_spec("input: 32x32x3", "- fc: {n}"),
                                      yaml_spec("input: [{n}, 32, 3]", "- relu")])
def test_integers_beyond_float_range_give_a_clear_error(template, digits, run_cli, tmp_path):
    text = template.format(n="9" * digits)
    if "\n" in text:
        path = tmp_path / "huge.yaml"
        path.write_text(text)
        text = str(path)
    result = run_cli("check", text)
    assert result.exit_code == 1
    assert diagnostics_in(result.stderr)[0]["code"] in ("invalid-value", "too-large")
    assert len(result.stderr) < 2000
