"""cnncalc.analyze() and its options (api.py): what it accepts, and the precedence of its options over the
spec's own settings (a layer's rounding, then its block's, then --rounding, then the spec's)."""
from __future__ import annotations

import pytest

import cnncalc
from conftest import analyze, codes, valid, yaml_spec

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
