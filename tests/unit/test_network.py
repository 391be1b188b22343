"""Building a network from a spec (model/network.py): ids and `from`, rounding on layers and blocks, blocks and
their rows, and the validation errors, each with its code, its source position and a hint where one helps."""
from __future__ import annotations

import re

import pytest

import cnncalc
from conftest import analyze, brief, codes, invalid, valid, yaml_spec


def errors(report: cnncalc.Report) -> list[str]:
    return [d.code for d in report.diagnostics if d.is_error]


# -- id and rounding -----------------------------------------------------------------------------------

def test_id_and_rounding_inside_a_layer_mapping():
    text = yaml_spec("input: 10x10x1",
                     "- conv: {filters: 2, kernel: 3, id: enc1}",          # 8x8x2
                     "- relu: {id: a1}",
                     "- pool: {kernel: 3, stride: 2, rounding: ceil}",     # (8 − 3)/2 + 1 = 3.5 -> 4
                     "- concat: [[], [from: enc1, pool: {kernel: 3, stride: 2, rounding: floor}]]")  # 3.5 -> 3
    report = analyze(text)
    assert errors(report) == ["shape-mismatch"]  # 4x4 against 3x3: the two roundings really differ
    text = text.replace("rounding: floor", "rounding: ceil")
    assert valid(text).output == (4, 4, 4)      # 2 + 2 channels


def test_id_and_rounding_on_a_block():
    text = yaml_spec("input: 10x10x1",
                     "- residual: [pool: {kernel: 3, stride: 2}]",  # (10 − 3)/2 + 1 = 4.5
                     "  shortcut: [pool: {kernel: 3, stride: 2, rounding: ceil}]",
                     "  rounding: floor",
                     "  id: block3",
                     "- from: block3")
    report = analyze(text)
    # the body floors to 4, the shortcut's own ceil gives 5: the block's rounding reaches the body only
    assert errors(report) == ["shape-mismatch"]
    [mismatch] = [d for d in report.diagnostics if d.is_error]
    assert "4×4×1" in mismatch.message and "5×5×1" in mismatch.message
    report = valid(text.replace(", rounding: ceil", ""))
    assert report.output == (4, 4, 1)


def test_from_refers_to_a_block_and_makes_no_row():
    text = yaml_spec("input: 8x8x2",
                     "- add: [[relu], [tanh]]",
                     "  id: merged",
                     "- conv: {filters: 4, kernel: 3}",   # 6x6x4
                     "- from: merged",                    # back to 8x8x2, no row
                     "- fc: 3")
    report = valid(text)
    assert [r.type for r in report.rows] == ["input", "relu", "tanh", "add", "conv", "fc"]
    assert report.rows[-1].weights == 8 * 8 * 2 * 3  # the fc reads the block's 8x8x2


BRANCH_HINT = "  help: leave the from out: a branch starts from the block's input"


@pytest.mark.parametrize("layers, at, hint", [
    (["- residual: [relu, from: r1]", "  id: r1"], (3, 28), BRANCH_HINT),
    (["- concat: [[relu], [from: c1]]", "  id: c1"], (3, 29), BRANCH_HINT),
    (["- repeat: 2", "  id: r", "  layers: [relu, from: r]"], (5, 26), None),  # a copy follows the one before
])
def test_from_inside_its_own_block_says_so(layers, at, hint, run_cli, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("input: 8x8x2", *layers))
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    ident = layers[1].split()[-1]
    [first, *helps] = result.stderr.splitlines()
    assert first == (f"{path}:{at[0]}:{at[1]}: error[unknown-id]: '{ident}' is the block this from is in, and its "
                     "output is not made yet: from can only refer to an earlier layer")
    assert helps == ([hint] if hint else [])


def test_an_unknown_from_without_a_close_id_has_no_empty_help(run_cli):
    result = run_cli("check", "-", input=yaml_spec("input: 8x8x2", "- relu: {id: a}", "- from: zzz"))
    assert result.stderr == "<stdin>:4:11: error[unknown-id]: no layer or block has the id 'zzz'\n"


def test_id_beside_a_layer_key_is_an_error_with_a_hint():
    report = analyze(yaml_spec("input: 8x8x1", "- conv: {filters: 2, kernel: 3}", "  id: c1"))
    assert codes(report) == ["invalid-layer"]
    assert any("inside" in s for s in report.diagnostics[0].suggestions)


# -- errors: codes and positions --------------------------------------------------------------------

@pytest.mark.parametrize("text, hint", [
    ("INPUT(32x32x3) -> CONV(8, 3, s=2)", "'S'"),
    (yaml_spec("input: 32x32x3", "- conv: {filters: 8, kernal: 3}"), "'kernel'"),
    (yaml_spec("input: 32x32x3", "- covn: {filters: 8, kernel: 3}"), "'conv'"),
    (yaml_spec("input: 32x32x3", "- conv: {filterz: 8, kernel: 3}"), "'filters'"),
    (yaml_spec("input: 32x32x3", "- pool: {kernel: 2, strides: 2}"), "'stride'"),
    (yaml_spec("input: 32x32x3", "- batchnrom"), "'batchnorm'"),
    (yaml_spec("input: 32x32x3", "- repeat: 2", "  layer: [relu]"), "'layers'"),
    (yaml_spec("input: 32x32x3", "- residual: [relu]", "  shortcuts: [relu]"), "'shortcut'"),
    ("inputs: 32x32x3\nlayers: [relu]\n", "'input'"),
    ("input: 32x32x3\nrounding: flor\nlayers: [relu]\n", "'floor'"),
])
def test_did_you_mean(text, hint):
    report = analyze(text)
    assert not report.valid
    hints = [s for d in report.diagnostics for s in d.suggestions]
    assert f"did you mean {hint}?" in hints


def test_dilation_zero_says_write_one():
    report = analyze("INPUT(32x32x3) -> CONV(8, 3, dilation=0)")
    [error] = report.diagnostics
    assert "dilation" in error.message
    assert re.search(r"\b1\b", error.message) and "write" in error.message.lower()


def test_groups_not_dividing_the_depth_suggests_ones_that_do():
    report = analyze("INPUT(32x32x6) -> CONV(12, 3, groups=4)")  # 6 is not divisible by 4
    [error] = report.diagnostics
    assert error.code == "invalid-groups"
    for suggestion in error.suggestions:
        groups = int(re.search(r"groups: (\d+)", suggestion).group(1))
        assert 6 % groups == 0 and 12 % groups == 0
    assert error.suggestions


@pytest.mark.parametrize("text", [yaml_spec("input: 8x8x1", "- repeat: 0", "  layers: [relu]"),
                                  "INPUT(8x8x1) -> [RELU]*0",
                                  yaml_spec("input: 8x8x1", "- repeat: -2", "  layers: [relu]")])
def test_repeat_zero_is_an_error(text):
    report = analyze(text)
    assert codes(report) == ["invalid-value"]
    assert "repeat" in report.diagnostics[0].message


def test_id_inside_repeat_is_an_error_but_on_the_repeat_block_is_fine():
    assert codes(analyze(yaml_spec("input: 8x8x1", "- repeat: 2", "  layers: [relu: {id: x}]"))) == ["id-in-repeat"]
    nested = yaml_spec("input: 8x8x1", "- repeat: 2", "  layers: [{add: [[relu], []], id: x}]")
    assert codes(analyze(nested)) == ["id-in-repeat"]
    valid(yaml_spec("input: 8x8x1", "- repeat: 2", "  id: x", "  layers: [relu]", "- from: x"))


def test_duplicate_ids_name_the_first_use():
    report = analyze(yaml_spec("input: 8x8x1", "- relu: {id: a}", "- tanh", "- add: [[], []]", "  id: a"))
    [error] = report.diagnostics
    assert error.code == "duplicate-id"
    assert "layers[0]" in error.message


def test_a_spec_with_several_faults_reports_them_all():
    text = yaml_spec("input: 32x32x3",
                     "- conv: {filters: 8, kernel: 3, dilation: 0}",   # 1 dilation 0
                     "- conv: {filters: 8, kernel: 3.5}",              # 2 a float kernel
                     "- conv: {filters: true, kernel: 3}",             # 3 a boolean count
                     "- repeat: 0",                                    # 4 repeat 0
                     "  layers: [relu]",
                     f"- fc: {10 ** 100}",                             # 5 a huge integer
                     "- covn: {filters: 8, kernel: 3}",                # 6 an unknown type
                     "- pool: {kernel: 2, s: 2}",                      # 7 an unknown key
                     "- relu: {id: a}",
                     "- tanh: {id: a}")                                # 8 a duplicate id
    report = analyze(text)
    assert len(report.diagnostics) == 8
    assert [d.span.line for d in report.diagnostics] == [3, 4, 5, 6, 8, 9, 10, 12]
    assert report.rows == ()  # the spec failed validation: no rows at all


@pytest.mark.parametrize("params, what", [
    ("{filters: 8, kernel: 3.0}", "kernel"),
    ("{filters: 8.0, kernel: 3}", "filters"),
    ("{filters: 8, kernel: 3, stride: 1.5}", "stride"),
    ("{filters: 8, kernel: 3, padding: 0.5}", "padding"),
    ("{filters: 8, kernel: true}", "kernel"),
    ("{filters: false, kernel: 3}", "filters"),
    ("{filters: 8, kernel: 3, bias: 1}", "bias"),
    ("{filters: 8, kernel: 3, groups: 2.0}", "groups"),
    ("{filters: '8', kernel: 3}", "filters"),
])
def test_floats_booleans_and_strings_where_integers_are_meant(params, what):
    report = analyze(yaml_spec("input: 32x32x4", f"- conv: {params}"))
    [error] = report.diagnostics
    assert error.code == "invalid-value"
    assert what in error.message


@pytest.mark.parametrize("text", [
    "INPUT(32x32x3) -> FC(10.0)",
    "INPUT(32x32x3) -> UPSAMPLE(1.5)",
    yaml_spec("input: 32x32x3", "- upsample: 1.5"),
    yaml_spec("input: 32x32x3", "- repeat: 2.0", "  layers: [relu]"),
    yaml_spec("input: 32x32x3", "- repeat: true", "  layers: [relu]"),
])
def test_fractional_counts_and_scales_are_errors(text):
    assert codes(analyze(text)) == ["invalid-value"]


# The contract: a number may be written 1e-6 or 1.0e-6. PyYAML (YAML 1.1) reads an exponent without a
# dot, 1e-6, and one without a sign, 1.0e6, as text; the compact notation reads both as numbers.
@pytest.mark.parametrize("text, eps", [
    (yaml_spec("input: 8x8x3", "- bn: {eps: 1e-6}"), 1e-6),
    (yaml_spec("input: 8x8x3", "- bn: {eps: 1.0e-6}"), 1e-6),
    (yaml_spec("input: 8x8x3", "- bn: {eps: 2E-3, momentum: 1e-2}"), 2e-3),
    (yaml_spec("input: 8x8x3", "- groupnorm: {groups: 1, eps: 1.0e6}"), 1e6),
    ("INPUT(8x8x3) -> BN(eps=1e-6)", 1e-6),
    ("INPUT(8x8x3) -> LEAKY_RELU(1e-1)", 0.1),
])
def test_a_number_may_have_an_exponent(text, eps):
    layer = valid(text).rows[1].layer
    assert getattr(layer, "eps", getattr(layer, "slope", None)) == eps


@pytest.mark.parametrize("value, message", [
    (".nan", "'eps' must be a finite number, got nan"),
    (".inf", "'eps' must be a finite number, got inf"),
    ("1e999", "'eps' must be a finite number, got inf"),  # text that overflows a float
    ("nan", "'eps' must be a number, got 'nan'"),  # plain text, never read as a number
    ("inf", "'eps' must be a number, got 'inf'"),
    ("1e", "'eps' must be a number, got '1e'"),
])
def test_a_number_is_finite_and_decimal(value, message):
    [error] = analyze(yaml_spec("input: 8x8x3", f"- bn: {{eps: {value}}}")).diagnostics
    assert (error.code, error.message, error.span.line) == ("invalid-value", f"batchnorm: {message}", 3)


# -- contract §8's layer types: their faults, at the layer ------------------------------------------------------
# `  - ` puts each layer's name at column 5 of its line; the first layer stands on line 3.
@pytest.mark.parametrize("input_line, layer, code, message, suggestions", [
    ("input: 8x6x12", "channel_shuffle: 5", "invalid-groups", "groups (5) must divide the input depth (12)",
     ("groups: 4", "groups: 6")),  # the divisors of 12 nearest to 5
    ("input: 8x6x12", "channel_slice: 13", "invalid-slice",
     "the slice 0:13 needs 13 channels, and the input has 12 (8×6×12)", ("stop: 12 keeps channels 0 to 11",)),
    ("input: 8x6x12", "channel_slice: {start: 3, stop: 3}", "invalid-value",
     "channel_slice: the slice keeps no channel: start (3) must be less than stop (3), which is exclusive",
     ("stop: 4 keeps channel 3 alone",)),
    # 18/2² = 4.5; 18 = 2·3², and the multiples of 4 around 18 are 16 and 20
    ("input: 8x6x18", "pixel_shuffle: 2", "non-integer-output",
     "the output depth is not a whole number: D/r² = 18/2² = 4.5",
     ("factor: 3 gives 2 channels", "a depth of 16 before this layer gives 4",
      "a depth of 20 before this layer gives 5")),
    ("input: 7x6x3", "pixel_unshuffle: 2", "non-integer-output",
     "the output size is not a whole number: width: 7/2 = 3.5", ("an input of 6x6 to this layer divides by 2",)),
    ("input: 16x3", "pixel_shuffle: 2", "wrong-axes",
     "pixel_shuffle works on 2-D volumes, not on 16×3 (1 spatial axis)", ()),
    # PyTorch: a reflection pads less than the size, a circular pad at most the size
    ("input: 8x6x3", "pad: {padding: 2x6, mode: reflect}", "invalid-padding",
     "reflect padding must be less than the input's size, as PyTorch requires (a reflection cannot reach past "
     "the far edge): the height is 6, padded by 6",
     ("at most 5 on each side of the height", "mode: replicate or constant pads any amount")),
    ("input: 8x6x3", "pad: {padding: {left: 9, top: 7}, mode: circular}", "invalid-padding",
     "circular padding must be at most the input's size, as PyTorch requires (it wraps around the input once at "
     "most): the width is 8, padded by 9; the height is 6, padded by 7",
     ("at most 8 on each side of the width", "at most 6 on each side of the height",
      "mode: replicate or constant pads any amount")),
    ("input: 8x6x3", "pad: {padding: 1, mode: reflect, value: 2}", "invalid-value",
     "pad: value (2) is what constant padding fills with: reflect padding takes its values from the input",
     ("remove value, or write mode: constant",)),
    ("input: 8x6x3", "pad: {padding: 1x1x1}", "wrong-axes",
     "padding needs 2 values (width, height) or one number, got 3",
     ("give one number for every axis, or one per spatial axis of the input, width first",)),
    ("input: 16x3", "upsample: {scale: 2, mode: bilinear}", "wrong-axes",
     "upsample's mode bilinear interpolates over 2 spatial axes, and 16×3 has 1",
     ("mode: linear or nearest on a 1-D volume",)),
    ("input: 8x6x4x3", "upsample: {mode: bicubic}", "wrong-axes",
     "upsample's mode bicubic interpolates over 2 spatial axes, and 8×6×4×3 has 3",
     ("mode: trilinear or nearest on a 3-D volume",)),
    ("input: 8x6x3", "upsample: {scale: 2, output: 16x12}", "invalid-value",
     "upsample: give scale or output, not both: an output of 16x12 fixes the size that the scale 2 would "
     "compute", ("remove scale or output",)),
])
def test_faults_of_the_new_types(input_line, layer, code, message, suggestions):
    [error] = analyze(yaml_spec(input_line, "- relu", f"- {layer}")).diagnostics
    assert (error.code, error.message, error.span.line, error.span.column) == (code, message, 4, 5)
    assert error.suggestions == suggestions


@pytest.mark.parametrize("value", ["same", "valid"])
def test_pad_takes_numbers_only(value):
    # `  - pad: {padding: ` is 19 wide: the value stands at column 20 of line 3
    [error] = analyze(yaml_spec("input: 8x6x3", f"- pad: {{padding: {value}}}")).diagnostics
    assert (error.code, error.span.line, error.span.column) == ("invalid-value", 3, 20)
    assert error.message == (f"pad: 'padding': '{value}' is a window's padding (conv, pool), and this layer has no "
                             "window: give the padding as numbers, e.g. 1, 2x1 or {left: 1, right: 2}")


def test_align_corners_is_not_a_key_and_says_why():
    # PyTorch's align_corners moves the samples, not the size: `  - upsample: {mode: bilinear, ` is 31 wide
    [error] = analyze(yaml_spec("input: 8x6x3", "- upsample: {mode: bilinear, align_corners: true}")).diagnostics
    assert (error.code, error.span.line, error.span.column) == ("unknown-key", 3, 32)
    assert error.message == "unknown key 'align_corners' for upsample: it changes no size and no count"
    assert error.suggestions == ("leave it out",)


# -- blocks ---------------------------------------------------------------------------------------------

def test_block_rows_and_paths():
    text = yaml_spec("input: 8x8x4",
                     "- relu",
                     "- residual: [conv: {filters: 4, kernel: 3, padding: 1}, bn]",
                     "  shortcut: [conv: {filters: 4, kernel: 1}]",
                     "- concat: [[relu], [conv: {filters: 2, kernel: 1}], []]",
                     "- repeat: 3",
                     "  layers: [tanh, sigmoid]")
    report = valid(text)
    paths = [r.path for r in report.rows]
    assert paths[:8] == ["input", "layers[0]", "layers[1].residual[0]", "layers[1].residual[1]",
                         "layers[1].shortcut[0]", "layers[1].add", "layers[2].concat[0][0]", "layers[2].concat[1][0]"]
    assert paths[8] == "layers[2].concat"
    assert paths[9:] == [f"layers[3].repeat#{k}[{i}]" for k in (1, 2, 3) for i in (0, 1)]
    assert len(set(paths)) == len(paths)
    assert [r.type for r in report.rows[5:9]] == ["add", "relu", "conv", "concat"]
    assert report.output == (8, 8, 10)  # concat of 4 + 2 + 4 channels
    assert [r.index for r in report.rows] == list(range(len(report.rows)))


def test_mismatched_branches_name_both_volumes():
    report = analyze(yaml_spec("input: 8x8x4", "- add: [[conv: {filters: 8, kernel: 1}], []]"))
    [error] = report.diagnostics
    assert error.code == "shape-mismatch"
    assert "8×8×8" in error.message and "8×8×4" in error.message
    report = analyze(yaml_spec("input: 8x8x4", "- concat: [[conv: {filters: 8, kernel: 3}], []]"))
    [error] = report.diagnostics
    assert "6×6×8" in error.message and "8×8×4" in error.message


@pytest.mark.parametrize("text, code", [
    (yaml_spec("input: 8x8x1", "- from: later", "- relu: {id: later}"), "unknown-id"),
    (yaml_spec("input: 8x8x1", "- from: nowhere"), "unknown-id"),
    (yaml_spec("input: 8x8x1", "- input: 8x8x1"), "misplaced-input"),
    (yaml_spec("input: 8x8x1", "- relu: 5"), "invalid-value"),
    (yaml_spec("input: 8x8x1", "- [relu]"), "invalid-layer"),
    ("input: 8x8x1\nlayers: []\n", "missing-layers"),
    ("input: 8x8x1\n", "missing-layers"),
    ("layers: [relu]\n", "missing-input"),
    ("- relu\n- tanh\n", "invalid-spec"),
])
def test_structural_errors(text, code):
    assert codes(analyze(text)) == [code]


@pytest.mark.parametrize("layers, code, line, column", [
    # yaml_spec puts the first item on line 3, its key at column 5: `  - multiply: …`
    (["- multiply: [[], [pool: 2]]"], "shape-mismatch", 3, 5),
    (["- add: [[conv: {filters: 8, kernel: 1}], []]"], "shape-mismatch", 3, 5),
    (["- concat: [[pool: 2], []]"], "shape-mismatch", 3, 5),
    (["- residual: [conv: {filters: 8, kernel: 1}]"], "shape-mismatch", 3, 5),
    (["- group: [relu]", "  rounding: flor"], "invalid-value", 4, 15),
    (["- group: []"], "missing-layers", 3, 12),               # at the value: `group: ` is 7 characters
    (["- multiply: 3"], "invalid-value", 3, 15),
    (["- residual: 4"], "invalid-spec", 3, 15),
    (["- group: [relu]", "  nme: x"], "unknown-key", 4, 5),
    (["- repeat: 2", "  layers: [{multiply: [[], [pool: 2]]}]"], "shape-mismatch", 4, 15),  # in a repeat's copy
    (["- group: [conv: {filters: 4, kernel: 3, stride: 2}]"], "non-integer-output", 3, 13),  # (8 − 3)/2 + 1
])
def test_block_faults_are_positioned(layers, code, line, column, run_cli, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("input: 8x8x4", *layers))
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:{line}:{column}: error[{code}]: ")


@pytest.mark.parametrize("text", ["INPUT(8x8x1) -> CONCAT", yaml_spec("input: 8x8x1", "- concat"),
                                  yaml_spec("input: 8x8x1", "- residual")])
def test_a_block_name_used_as_a_layer_does_not_suggest_itself(text):
    report = analyze(text)
    assert not report.valid
    [error] = report.diagnostics
    word = "residual" if "residual" in text else "concat"
    assert f"did you mean '{word}'?" not in error.suggestions


# squeeze-and-excitation on a 10×6×16 map: the gate is 1×1×16, broadcast over the 10·6 positions
SQUEEZE_EXCITATION = yaml_spec("input: 10x6x16",
                               "- multiply:",
                               "    - []",
                               "    - [gap, conv: {filters: 4, kernel: 1}, relu, conv: {filters: 16, kernel: 1},",
                               "       sigmoid]",
                               "  name: se")


def test_multiply_broadcasts_a_gate_over_the_map():
    report = valid(SQUEEZE_EXCITATION)
    assert [(r.path, r.type) for r in report.rows[1:]] == [
        ("layers[0].multiply[1][0]", "global_pool"), ("layers[0].multiply[1][1]", "conv"),
        ("layers[0].multiply[1][2]", "relu"), ("layers[0].multiply[1][3]", "conv"),
        ("layers[0].multiply[1][4]", "sigmoid"), ("layers[0].multiply", "multiply")]
    merge = report.rows[-1]
    assert (merge.output, merge.name, merge.label) == ((10, 6, 16), "se", "MULTIPLY")
    assert report.output == (10, 6, 16)
    # the squeeze: 16·4 weights + 4 biases = 68; the excitation: 4·16 + 16 = 80
    assert report.totals.params == 68 + 80
    assert merge.flops == 10 * 6 * 16  # (2 branches − 1) multiplies per output element
    assert (merge.params, merge.macs) == (0, 0)


@pytest.mark.parametrize("branches, output, flops", [
    ("[[relu], [tanh], []]", (4, 3, 2), 2 * 4 * 3 * 2),     # equal volumes: (3 − 1)·24
    ("[[gap], [gmp]]", (1, 1, 2), 2),                      # all 1×1: their common volume, (2 − 1)·2
    ("[[gap], [], [gmp]]", (4, 3, 2), 2 * 4 * 3 * 2),      # two gates on the map, wherever they stand
])
def test_multiply_output_and_flops(branches, output, flops):
    report = valid(yaml_spec("input: 4x3x2", f"- multiply: {branches}"))
    assert report.output == output
    assert report.rows[-1].flops == flops
    assert report.rows[-1].input == output  # the merge row's input is the map the gates multiply


@pytest.mark.parametrize("branches, first, second, hint", [
    # the gate's depth, 8, is not the map's 16: depth never broadcasts
    ("[[], [gap, conv: {filters: 8, kernel: 1}]]", "10×6×16 from layers[0].multiply[0]",
     "1×1×8 from layers[0].multiply[1]", "depth never broadcasts: end the gate with a depth of 16"),
    # a 5×3 map is neither 10×6 nor 1×1
    ("[[], [maxpool: 2]]", "10×6×16 from layers[0].multiply[0]", "5×3×16 from layers[0].multiply[1]",
     "or end the gate with a global_pool"),
    # the reference is the first branch that is not 1×1, wherever it stands
    ("[[gap], [maxpool: 2], []]", "5×3×16 from layers[0].multiply[1]", "10×6×16 from layers[0].multiply[2]",
     "make the branches' strides and paddings agree"),
    # gates alone must agree on their depth
    ("[[gap], [gap, conv: {filters: 3, kernel: 1}]]", "1×1×16 from layers[0].multiply[0]",
     "1×1×3 from layers[0].multiply[1]", "a depth of 16"),
])
def test_multiply_mismatch_names_both_volumes_and_where_they_come_from(branches, first, second, hint):
    report = analyze(yaml_spec("input: 10x6x16", f"- multiply: {branches}"))
    [error] = report.diagnostics
    assert error.code == "shape-mismatch" and error.path == "layers[0].multiply"
    assert f"{first} but {second}" in error.message
    assert hint in error.suggestions[0]


def test_group_makes_no_row_and_its_paths_show_it():
    text = yaml_spec("input: 8x8x3",
                     "- group: [conv: {filters: 4, kernel: 3, padding: 1}, relu]",
                     "  name: layer1",
                     "  id: l1",
                     "- group:",
                     "    - pool: {kernel: 3, stride: 2}",          # (8 − 3)/2 + 1 = 3.5
                     "    - group: [relu: {name: inner}]",
                     "  rounding: floor",                          # reaches the pool, nested groups too
                     "- from: l1",                                 # the first group's 8×8×4
                     "- fc: 2")
    report = valid(text)
    assert [(r.path, r.type) for r in report.rows] == [
        ("input", "input"), ("layers[0].group[0]", "conv"), ("layers[0].group[1]", "relu"),
        ("layers[1].group[0]", "pool"), ("layers[1].group[1].group[0]", "relu"), ("layers[3]", "fc")]
    assert report.rows[3].output == (3, 3, 4)
    assert report.rows[4].name == "inner"
    assert report.rows[5].weights == 8 * 8 * 4 * 2
    assert codes(analyze(text.replace("rounding: floor", "rounding: exact"))) == ["non-integer-output"]


@pytest.mark.parametrize("layers, code", [
    (["- group: []"], "missing-layers"),
    (["- group: relu"], "invalid-value"),
    (["- group: [relu]", "  names: layer1"], "unknown-key"),
    (["- repeat: 2", "  layers: [{group: [relu], id: g}]"], "id-in-repeat"),
    (["- group: [relu]", "  id: g", "- group: [from: g]"], None),  # refers to the group before it: fine
    (["- group: [relu, from: g]", "  id: g"], "unknown-id"),       # its own output is not made yet
])
def test_group_faults(layers, code):
    report = analyze(yaml_spec("input: 8x8x1", *layers))
    assert codes(report) == ([code] if code else [])


def test_names_in_a_repeat_number_its_copies_from_0():
    text = yaml_spec("input: 4x4x2",
                     "- repeat: 2",
                     "  layers:",
                     "    - conv: {filters: 2, kernel: 1, name: 'layer{i}.conv'}",
                     "    - repeat: 3",                                     # {i} is the innermost copy's
                     "      layers: [relu: {name: 'act.{i}'}]",
                     "    - add: [[], []]",                                 # the outer copy's again
                     "      name: 'add{i}'",
                     "- relu: {name: '{i}'}")                               # outside a repeat, as written
    names = [r.name for r in valid(text).rows[1:]]
    assert names == ["layer0.conv", "act.0", "act.1", "act.2", "add0",
                     "layer1.conv", "act.0", "act.1", "act.2", "add1", "{i}"]


def test_multiply_and_group_from_python():
    from cnncalc.layers import Conv, GlobalPool, Group, Multiply, Network, Sigmoid

    assert cnncalc.Multiply is Multiply and cnncalc.Group is Group
    gate = [GlobalPool(), Conv(filters=4, kernel=1), Sigmoid()]
    network = Network(input=cnncalc.Volume(5, 3, 4), layers=[Group([Multiply([[], gate], name="se")], name="g")])
    report = cnncalc.analyze(network)
    assert [r.path for r in report.rows][-1] == "layers[0].group[0].multiply"
    assert report.output == (5, 3, 4) and report.rows[-1].name == "se"


# -- a parameter given twice ----------------------------------------------------------------------------
# An error, never an override (params.repeated, read by the compact parser and the YAML builder): positional
# and by key, one key twice, or a cs231n letter beside its long name. The compact notation, whether a whole
# line or a YAML list item, calls all of them `duplicate-parameter`; a YAML mapping calls a letter beside its
# long name that, and the same key twice `duplicate-key`.

@pytest.mark.parametrize("line, column, message", [
    # "INPUT(32x32x3) -> " is 18 characters: the layer's name starts at column 19
    ("INPUT(32x32x3) -> CONV(8, 5, kernel=3)", 30,
     "kernel is given twice: positionally at column 27 (5) and as kernel= at column 30"),
    ("INPUT(32x32x3) -> POOL(3, stride=2, S=1)", 37,
     "stride is given twice: as stride= at column 27 and as S= at column 37"),
    ("INPUT(32x32x3) -> DROPOUT(0.2, p=0.5)", 32,
     "p is given twice: positionally at column 27 (0.2) and as p= at column 32"),
    ("INPUT(32x32x3) -> CONV(K=8, filters=3, F=3)", 29,
     "filters is given twice: as K= at column 24 and as filters= at column 29"),
    ("INPUT(32x32x3) -> CONV(8, kernel=3, kernel=3)", 37,
     "kernel is given twice: as kernel= at column 27 and as kernel= at column 37"),
])
def test_compact_line(line, column, message, check_json, run_cli):
    assert brief(invalid(check_json, line)) == [("duplicate-parameter", 1, column, message)]
    lines = run_cli("check", line).stderr.splitlines()
    assert lines[0] == f"<string>:1:{column}: error[duplicate-parameter]: {message}"
    assert lines[2].index("^") - lines[1].index("I") == column - 1  # the caret under the second


def test_every_repeat_is_reported_against_the_first():
    line = "INPUT(32x32x3) -> CONV(8, 3, K=8, K=8)"
    assert [(d.code, d.span.column) for d in cnncalc.analyze(line).diagnostics] == [
        ("duplicate-parameter", 30), ("duplicate-parameter", 35)]


def test_yaml_mapping_letter_beside_long_name(check_json, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("input: 8x8x4", "- conv: {F: 3, kernel: 5, filters: 8}"))
    # `  - conv: {` puts F at column 12 and kernel at 18, on line 3
    assert brief(invalid(check_json, path)) == [
        ("duplicate-parameter", 3, 18, "kernel is given twice: as F at line 3, column 12 and as kernel at line 3, "
                                       "column 18")]


def test_yaml_mapping_letter_is_never_called_unknown_and_other_faults_still_show(check_json, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("input: 8x8x4", "- conv:", "    K: 8", "    filters: 8", "    F: 3", "    stride: 0"))
    diagnostics = invalid(check_json, path)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [
        ("duplicate-parameter", 5, 7), ("invalid-value", 7, 15)]
    assert diagnostics[0]["message"] == ("filters is given twice: as K at line 4, column 7 and as filters at "
                                         "line 5, column 7")


def test_yaml_mapping_same_key_twice_stays_duplicate_key(check_json, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("input: 8x8x4", "- conv: {filters: 8, kernel: 3, kernel: 5}"))
    [(code, line, column, _)] = brief(invalid(check_json, path))
    assert (code, line, column) == ("duplicate-key", 3, 35)  # `  - conv: {` 11, `filters: 8, ` 12, `kernel: 3, ` 11


@pytest.mark.parametrize("quote", ["", "'", '"'])
def test_compact_yaml_item(quote, check_json):
    # the item's text starts at column 5 + len(quote) of line 4; in it `5` stands at column 9, `kernel` at 12
    text = yaml_spec("input: 8x8x4", "- relu", f"- {quote}CONV(8, 5, kernel=3){quote}")
    at = 4 + len(quote)
    assert brief(invalid(check_json, "-", input=text)) == [
        ("duplicate-parameter", 4, at + 12, f"kernel is given twice: positionally at line 4, column {at + 9} (5) "
                                            f"and as kernel= at line 4, column {at + 12}")]
