"""cnncalc.analyze() and its options (api.py): what it accepts, and the precedence of its options over the
spec's own settings (a layer's rounding, then its block's, then --rounding, then the spec's)."""
from __future__ import annotations

from pathlib import Path

import pytest

import cnncalc
from conftest import WALKTHROUGH, analyze, codes, valid, write, yaml_spec

# -- what analyze accepts --------------------------------------------------------------------------------

# the cs231n notes' CIFAR-10 walkthrough: conv 3·3·3·12 + 12 = 336 params, fc 16·16·12·10 + 10 = 30,730;
# MACs 32·32·12·27 = 331,776 + 16·16·12·10 = 30,720
WALKTHROUGH_PARAMS, WALKTHROUGH_MACS = 336 + 30_730, 331_776 + 30_720


def test_analyze_accepts_every_form(tmp_path):
    yaml_text = ("input: 32x32x3\nlayers:\n  - conv: {filters: 12, kernel: 3, padding: 1}\n  - relu\n"
                 "  - pool: 2\n  - fc: 10\n")
    data = {"input": "32x32x3", "layers": [{"conv": {"filters": 12, "kernel": 3, "padding": 1}}, "relu",
                                           {"pool": 2}, {"fc": 10}]}
    path = write(tmp_path, "walk.yaml", yaml_text)
    reports = [cnncalc.analyze(path), cnncalc.analyze(Path(path)), cnncalc.analyze(yaml_text),
               cnncalc.analyze(WALKTHROUGH), cnncalc.analyze(data)]
    for report in reports:
        assert report.valid
        assert report.totals.params == WALKTHROUGH_PARAMS
        assert report.totals.macs == WALKTHROUGH_MACS
        assert report.output == cnncalc.Volume(1, 1, 10)
    assert len({r.totals for r in reports}) == 1
    assert reports[0].source == path


def test_a_network_built_in_python_with_a_block_inside_one_of_its_id_is_refused():
    # the validator refuses the same id twice in a spec; a Network built in Python skips the validator
    from cnncalc.layers import Conv, Network, Residual
    inner = Residual([Conv(filters=3, kernel=1)], id="x")
    report = cnncalc.analyze(Network([Residual([inner], id="x")], input="8x8x3"))
    assert not report.valid
    assert [(d.code, d.path) for d in report.diagnostics] == [("duplicate-id", "layers[0].residual[0]")]


# -- precedence ------------------------------------------------------------------------------------------

PRECEDENCE_SPEC = yaml_spec("input: 10x10x1\nrounding: ceil",
                            "- pool: {kernel: 3, stride: 2, rounding: floor}",  # (10 − 3)/2 + 1 = 4.5 -> 4
                            "- pool: {kernel: 3, stride: 2}")                  # (4 − 3)/2 + 1 = 1.5


PRECEDENCE = [
    (None, (2, 2, 1)),       # the spec's ceil: 1.5 -> 2
    ("floor", (1, 1, 1)),    # --rounding floor over the spec: 1.5 -> 1
    ("ceil", (2, 2, 1)),
    ("exact", None),         # --rounding exact over the spec: 1.5 is an error; the layer's floor still holds
]


@pytest.mark.parametrize("flag, expected", PRECEDENCE)
def test_rounding_precedence(flag, expected):
    report = analyze(PRECEDENCE_SPEC, rounding=flag)
    assert report.rows[1].output == (4, 4, 1)  # the layer's own rounding wins over everything
    if expected is None:
        assert codes(report)[-1] == "non-integer-output"
    else:
        assert report.output == expected


def test_block_rounding_over_the_flag():
    text = yaml_spec("input: 10x10x1", "- repeat: 1", "  rounding: floor", "  layers: [pool: {kernel: 3, stride: 2}]")
    assert analyze(text, rounding="ceil").output == (4, 4, 1)  # the block's floor: 4.5 -> 4


@pytest.mark.parametrize("text", [yaml_spec("input: 10x10x1", "- conv: {filters: 2, kernel: 3}"),
                                  "INPUT(10x10x1) -> CONV(2, 3)"])
def test_input_flag_over_the_spec(text):
    report = valid(text, input="20x16x3")
    assert report.input == (20, 16, 3)
    assert report.output == (18, 14, 2)
    assert report.rows[1].weights == 3 * 3 * 3 * 2  # the flag's depth of 3 reaches the weights: 54


def test_input_flag_supplies_a_missing_input():
    assert codes(analyze("layers: [relu]\n")) == ["missing-input"]
    assert valid("layers: [relu]\n", input="8x8x1").output == (8, 8, 1)


def test_name_defaults_to_the_file_stem(tmp_path):
    path = tmp_path / "my-net.yaml"
    path.write_text(yaml_spec("input: 8x8x1", "- relu"))
    assert cnncalc.analyze(str(path)).name == "my-net"
    path.write_text(yaml_spec("name: other\ninput: 8x8x1", "- relu"))
    assert cnncalc.analyze(str(path)).name == "other"
