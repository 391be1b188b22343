"""The documented limits (limits.py, README "Limits") and numbers past them: refused with their code and
position, in a short message, never a crash."""
from __future__ import annotations

import pytest

from cnncalc.limits import MAX_LAYERS
from conftest import analyze, diagnostics_in, yaml_spec

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


# -- rows ------------------------------------------------------------------------------------------------

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
