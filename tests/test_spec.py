"""The spec language (spec.py, source_yaml.py, source_compact.py, volumes.py): every written form of the
contract (spec-format.md §1–3, §7), and the errors, each with its code and its source position."""
from __future__ import annotations

import re

import pytest

import cnncalc
from cnncalc.limits import MAX_LAYERS
from conftest import diagnostics_in

KRIZHEVSKY = "- conv: {filters: 96, kernel: 11, stride: 4}\n"  # 227 -> (227 − 11)/4 + 1 = 55


def analyze(text: str, **options) -> cnncalc.Report:
    return cnncalc.analyze_text(text, **options)


def valid(text: str, **options) -> cnncalc.Report:
    report = analyze(text, **options)
    assert report.valid, [(d.code, d.message) for d in report.diagnostics]
    return report


def codes(report: cnncalc.Report) -> list[str]:
    return [d.code for d in report.diagnostics]


def errors(report: cnncalc.Report) -> list[str]:
    return [d.code for d in report.diagnostics if d.is_error]


def shape(report: cnncalc.Report) -> list[tuple]:
    """What two equivalent specs must agree on: each row's type, output and counts."""
    return [(r.type, tuple(r.output), r.weights, r.biases, r.macs, r.buffers) for r in report.rows]


def yaml_spec(input_line: str, *layers: str) -> str:
    return f"{input_line}\nlayers:\n" + "".join(f"  {layer}\n" for layer in layers)


# -- volumes: width × height × depth ------------------------------------------------------------

VOLUMES = [
    "input: 227x227x3",
    "input: 227×227×3",
    "input: 227 x 227 x 3",
    "input: [227, 227, 3]",
    "input: {width: 227, height: 227, depth: 3}",
    "input: {width: 227, height: 227, channels: 3}",
    "input: {depth: 3, height: 227, width: 227}",
]


@pytest.mark.parametrize("input_line", VOLUMES)
def test_every_volume_form(input_line):
    report = valid(yaml_spec(input_line, KRIZHEVSKY))
    assert report.input == (227, 227, 3)
    assert report.output == (55, 55, 96)


@pytest.mark.parametrize("line", ["INPUT(227x227x3)", "INPUT(227×227×3)", "INPUT(227, 227, 3)", "input(227x227x3)"])
def test_every_compact_input_form(line):
    report = valid(f"{line} -> CONV(96, 11, S=4)")
    assert report.input == (227, 227, 3)
    assert report.output == (55, 55, 96)


def test_input_with_three_arguments_equals_one_volume():
    a = valid("INPUT(32, 32, 3) -> CONV(8, 3) -> FC(10)")
    b = valid("INPUT(32x32x3) -> CONV(8, 3) -> FC(10)")
    assert shape(a) == shape(b)


def test_volumes_are_width_first():
    # 20 wide, 10 high: a 3x3 conv gives 18 wide, 8 high
    report = valid(yaml_spec("input: 20x10x3", "- conv: {filters: 4, kernel: 3}"))
    assert report.input.width == 20 and report.input.height == 10
    assert report.output == (18, 8, 4)
    assert valid(yaml_spec("input: {width: 20, height: 10, depth: 3}", "- relu")).input == (20, 10, 3)
    assert valid(yaml_spec("input: [20, 10, 3]", "- relu")).input == (20, 10, 3)


@pytest.mark.parametrize("input_line", [
    "input: 227x227",                      # a pair is not a volume
    "input: [227, 227]",
    "input: {width: 227, height: 227}",    # depth missing
    "input: {width: 227, height: 227, depth: 3, colour: 1}",
    "input: 0x227x3",                      # sizes are at least 1
    "input: [227, 227, 3.0]",              # a float where an integer is meant
    "input: [227, true, 3]",               # a boolean where an integer is meant
    "input: 227x227x3x1",
    "input: big",
])
def test_invalid_volumes(input_line):
    report = analyze(yaml_spec(input_line, "- relu"))
    assert codes(report) == ["invalid-value"]
    assert report.diagnostics[0].span.line == 1


# -- pairs: one integer, WxH (7x1 is 7 wide, 1 high), [w, h], {width, height} -------------------------

PAIRS = ["7x1", "7×1", "[7, 1]", "{width: 7, height: 1}", "{height: 1, width: 7}"]


@pytest.mark.parametrize("kernel", PAIRS)
def test_every_pair_form(kernel):
    # 7 wide, 1 high on 10x10: width (10 − 7) + 1 = 4, height (10 − 1) + 1 = 10; weights 7·1·2·3 = 42
    report = valid(yaml_spec("input: 10x10x2", f"- conv: {{filters: 3, kernel: {kernel}}}"))
    assert report.output == (4, 10, 3)
    assert report.rows[1].weights == 42


@pytest.mark.parametrize("key, value, expected", [
    # a kernel of 2 on 8x8, the pair set along one axis only
    ("stride", "2x1", (4, 7)),      # width (8 − 2)/2 + 1 = 4, height (8 − 2)/1 + 1 = 7
    ("stride", "[1, 2]", (7, 4)),
    ("padding", "1x0", (9, 7)),     # width (8 + 2 − 2) + 1 = 9, height (8 − 2) + 1 = 7
    ("padding", "{width: 0, height: 1}", (7, 9)),
    ("dilation", "1x3", (7, 5)),    # width (8 − 2) + 1 = 7, height span 3·1 + 1 = 4: (8 − 4) + 1 = 5
])
def test_pairs_for_each_windowed_parameter(key, value, expected):
    report = valid(yaml_spec("input: 8x8x1", f"- conv: {{filters: 1, kernel: 2, {key}: {value}}}"))
    assert report.output[:2] == expected


def test_scalar_pair_is_square():
    a = valid(yaml_spec("input: 9x9x1", "- conv: {filters: 1, kernel: 3}"))
    b = valid(yaml_spec("input: 9x9x1", "- conv: {filters: 1, kernel: 3x3}"))
    assert shape(a) == shape(b)


# -- the compact notation --------------------------------------------------------------------------

REFERENCE_YAML = yaml_spec("input: 32x32x3", "- conv: {filters: 16, kernel: 3, stride: 1, padding: 1}", "- relu",
                           "- pool: {kernel: 2, stride: 2}", "- fc: 10")

COMPACT_EQUIVALENTS = [
    "INPUT(32x32x3) -> CONV(16, 3, 1, 1) -> RELU -> POOL(2, 2) -> FC(10)",  # positional, in the table's order
    "INPUT(32x32x3) -> CONV(K=16, F=3, S=1, P=1) -> RELU -> POOL(F=2, S=2) -> FC(K=10)",  # the notes' letters
    "INPUT(32x32x3) -> CONV(filters=16, kernel=3, stride=1, padding=1) -> RELU -> POOL(kernel=2) -> FC(units=10)",
    "INPUT(32x32x3) → CONV(16, 3, P=1) → RELU → POOL(2) → FC(10)",        # the arrow character
    "INPUT(32x32x3) - CONV(16, 3, P=1) - RELU - POOL(2) - FC(10)",        # a plain dash
    "INPUT(32x32x3)->CONV(16,3,P=1)->RELU->POOL(2)->FC(10)",              # no spaces
    "input(32x32x3) -> conv(16, 3, P=1) -> Relu -> Pool(2) -> fc(10)",    # names are case-insensitive
    "INPUT(32, 32, 3) -> CONV(16, 3, P=1) -> RELU -> MAXPOOL(2) -> DENSE(10)",
    "INPUT(32x32x3) -> CONV(16, 3, padding=same) -> RELU -> POOL(2) -> LINEAR(10)",
]


@pytest.mark.parametrize("line", COMPACT_EQUIVALENTS)
def test_compact_forms_agree_with_yaml(line):
    assert shape(valid(line)) == shape(valid(REFERENCE_YAML))


def test_compact_repeat():
    # [CONV -> RELU]*2 expands in order: conv, relu, conv, relu
    report = valid("INPUT(32x32x3) -> [CONV(16, 3, P=1) -> RELU]*2 -> POOL(2) -> FC(10)")
    assert [r.type for r in report.rows] == ["input", "conv", "relu", "conv", "relu", "pool", "fc"]
    assert [r.path for r in report.rows][1:5] == ["layers[0].repeat#1[0]", "layers[0].repeat#1[1]",
                                                   "layers[0].repeat#2[0]", "layers[0].repeat#2[1]"]
    # the second conv sees 16 channels: 3·3·16·16 = 2,304 weights
    assert report.rows[3].weights == 2_304


def test_compact_nested_repeat():
    report = valid("INPUT(8x8x1) -> [[RELU]*2 -> TANH]*3")
    assert [r.type for r in report.rows[1:]] == ["relu", "relu", "tanh"] * 3


def test_compact_keys_are_case_sensitive():
    report = analyze("INPUT(32x32x3) -> CONV(8, 3, s=2)")
    assert codes(report) == ["unknown-key"]
    assert "did you mean 'S'?" in report.diagnostics[0].suggestions


def test_bare_pattern_names_each_missing_parameter_and_a_complete_line():
    report = analyze("INPUT-CONV-RELU-POOL-FC")
    text = "\n".join(d.message + "\n" + "\n".join(d.suggestions) for d in report.diagnostics)
    assert not report.valid
    for word in ("input", "filters", "kernel", "units"):
        assert word in text
    complete = re.search(r"INPUT\(\S+\) -> CONV\([^)]*\) -> RELU -> POOL(\([^)]*\))? -> FC\(\d+\)", text)
    assert complete, text
    assert valid(complete.group(0)).output.depth > 0  # the line it shows can be copied and runs


@pytest.mark.parametrize("line", [
    "INPUT(32x32x3) -> CONV(8, 3",           # unclosed
    "INPUT(32x32x3) -> -> RELU",             # a missing layer
    "INPUT(32x32x3) -> CONV(8, 3) RELU",     # a missing arrow
    "INPUT(32x32x3) -> [RELU]*",             # a missing count
    "INPUT(32x32x3) -> [RELU*2",
    "INPUT(32x32x3) -> CONV(8, 3) -> @",
    "INPUT(32x32x3) -> CONV(K=8, 3)",        # positional after key=value
    "INPUT(32x32x3) -> POOL(2, 2, 0, max, 1)",  # more positional arguments than the type takes
])
def test_compact_syntax_errors(line):
    report = analyze(line)
    assert not report.valid
    [diagnostic] = report.diagnostics
    assert diagnostic.span is not None and diagnostic.span.line == 1
    assert 1 <= diagnostic.span.column <= len(line) + 1


# -- the YAML forms of a layer ---------------------------------------------------------------------

YAML_EQUIVALENTS = [
    yaml_spec("input: 32x32x3", "- conv: {filters: 16, kernel: 3, padding: 1}", "- relu", "- pool: 2", "- fc: 10"),
    yaml_spec("input: 32x32x3", "- CONV(16, 3, P=1)", "- RELU", "- POOL(2)", "- FC(10)"),       # compact items
    yaml_spec("input: 32x32x3", "- 'CONV(16, 3, P=1)'", "- relu", "- pool: {kernel: 2}", "- fc: {units: 10}"),
    yaml_spec("input: 32x32x3", "- conv: {K: 16, F: 3, P: 1}", "- relu:", "- pool: {F: 2, S: 2}", "- fc: {K: 10}"),
    yaml_spec("input: 32x32x3", "- Conv: {filters: 16, kernel: 3, padding: 1}", "- ReLU", "- MaxPool: 2",
              "- Dense: 10"),
    "input: 32x32x3\nlayers: [\"CONV(16, 3, P=1)\", relu, pool: 2, fc: 10]\n",            # quoted in a flow list
    "input: 32x32x3\nlayers: ['CONV(16, 3, P=1)', relu, 'POOL(2)', {fc: 10}]\n",
    "input: 32x32x3\nlayers:\n- conv:\n    filters: 16\n    kernel: 3\n    padding: 1\n- relu\n- pool: 2\n- fc: 10\n",
    '{"input": "32x32x3", "layers": [{"conv": {"filters": 16, "kernel": 3, "padding": 1}}, "relu", '
    '{"pool": 2}, {"fc": 10}]}',                                                            # JSON is YAML
]


@pytest.mark.parametrize("text", YAML_EQUIVALENTS)
def test_yaml_layer_forms_agree(text):
    assert shape(valid(text)) == shape(valid(REFERENCE_YAML))


def test_an_unquoted_compact_item_in_a_flow_list_is_an_error_not_a_guess():
    # YAML splits `[CONV(16, 3, P=1), relu]` at its commas: the contract says to quote it there
    report = analyze("input: 32x32x3\nlayers: [CONV(16, 3, P=1), relu]\n")
    assert not report.valid
    assert all(d.span and d.span.line == 2 for d in report.diagnostics)


@pytest.mark.parametrize("item, value", [("fc: 4096", 4096), ("pool: 3", 3), ("dropout: 0.25", None),
                                         ("upsample: 3", 3), ("adaptive_pool: 7", 7)])
def test_one_key_mapping_to_a_scalar_is_the_first_parameter(item, value):
    report = valid(yaml_spec("input: 21x21x8", f"- {item}"))
    out = report.output
    if item.startswith("fc"):
        assert out == (1, 1, 4096)
    elif item.startswith("pool"):
        assert out == (7, 7, 8)     # kernel 3, stride 3: (21 − 3)/3 + 1 = 7
    elif item.startswith("upsample"):
        assert out == (63, 63, 8)   # 21·3 = 63
    elif item.startswith("adaptive"):
        assert out == (7, 7, 8)
    else:
        assert out == (21, 21, 8)


# -- type names and aliases ------------------------------------------------------------------------

ALIASES = [
    # (name as written, parameters, the type it is)
    ("conv", "{filters: 4, kernel: 1}", "conv"),
    ("convolution", "{filters: 4, kernel: 1}", "conv"),
    ("CONVOLUTION", "{filters: 4, kernel: 1}", "conv"),
    ("local", "{filters: 4, kernel: 1}", "local"),
    ("locally_connected", "{filters: 4, kernel: 1}", "local"),
    ("deconv", "{filters: 4, kernel: 1}", "deconv"),
    ("conv_transpose", "{filters: 4, kernel: 1}", "deconv"),
    ("pool", "2", "pool"),
    ("pooling", "2", "pool"),
    ("maxpool", "2", "pool"),
    ("avgpool", "2", "pool"),
    ("l2pool", "2", "pool"),
    ("global_pool", "{}", "global_pool"),
    ("gap", "{}", "global_pool"),
    ("gmp", "{}", "global_pool"),
    ("adaptive_pool", "2", "adaptive_pool"),
    ("fc", "10", "fc"),
    ("dense", "10", "fc"),
    ("linear", "10", "fc"),
    ("Linear", "10", "fc"),
    ("batchnorm", "{}", "batchnorm"),
    ("bn", "{}", "batchnorm"),
    ("BN", "{}", "batchnorm"),
    ("lrn", "{}", "lrn"),
    ("dropout", "0.5", "dropout"),
    ("upsample", "2", "upsample"),
    ("crop", "2", "crop"),
    ("flatten", "{}", "flatten"),
    *[(name, "{}", name) for name in ("relu", "relu6", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
                                       "identity")],
    ("RELU", "{}", "relu"),
    ("Leaky_ReLU", "{slope: 0.2}", "leaky_relu"),
]


@pytest.mark.parametrize("name, params, kind", ALIASES)
def test_type_names_and_aliases(name, params, kind):
    report = valid(yaml_spec("input: 4x4x4", f"- {name}: {params}"))
    assert report.rows[1].type == kind


@pytest.mark.parametrize("alias, mode_word", [("maxpool", "POOL"), ("avgpool", "AVG"), ("l2pool", "L2"),
                                              ("gap", "GAP"), ("gmp", "GMP")])
def test_pool_aliases_set_the_mode(alias, mode_word):
    report = valid(yaml_spec("input: 4x4x4", f"- {alias}: {{}}"))
    assert mode_word in report.rows[1].label


def test_avgpool_alias_really_is_average():
    # max pooling takes a dilation, average pooling has none in PyTorch: the alias decides which rule applies
    assert valid(yaml_spec("input: 9x9x1", "- maxpool: {kernel: 2, dilation: 2}")).output == (4, 4, 1)
    assert not analyze(yaml_spec("input: 9x9x1", "- avgpool: {kernel: 2, dilation: 2}")).valid


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


# -- errors: codes and positions --------------------------------------------------------------------

YAML_ERRORS = [
    # (text, code, line, column): the column is that of the offending key or value, 1-based
    (yaml_spec("input: 32x32x3", "- conv: {filters: 8, kernal: 3}"), "unknown-key", 3, 24),
    (yaml_spec("input: 32x32x3", "- covn: {filters: 8, kernel: 3}"), "unknown-layer", 3, 5),
    (yaml_spec("input: 32x32x3", "- relu", "- pool: {kernel: 2, s: 2}"), "unknown-key", 4, 23),
    ("input: 32x32x3\nlayer:\n  - relu\n", "unknown-key", 2, 1),
    (yaml_spec("input: 32x32x3", "- conv: {filters: 8, kernel: 3, dilation: 0}"), "invalid-value", 3, 45),
    (yaml_spec("input: 32x32x3", "- repeat: 0", "  layers: [relu]"), "invalid-value", 3, 13),
    (yaml_spec("input: 32x32x3", "- repeat: 2", "  layers: [relu: {id: r}]"), "id-in-repeat", 4, 21),
    (yaml_spec("input: 32x32x3", "- relu: {id: a}", "- tanh: {id: a}"), "duplicate-id", 4, 16),
    (yaml_spec("input: 32x32x3", "- conv: {filters: 8, kernel: 3.5}"), "invalid-value", 3, 32),
    (yaml_spec("input: 32x32x3", "- conv: {filters: true, kernel: 3}"), "invalid-value", 3, 21),
    (yaml_spec("input: 32x32x3", "- conv: {filters: 6, kernel: 3, groups: 2}"), "invalid-groups", 3, 5),
    ("input: 32x32x3\nlayers:\n  - relu\n  - conv: {filters: 8\n", "yaml-syntax", 5, 1),
    (yaml_spec("input: 7x7x1", "- relu", "- conv: {filters: 1, kernel: 3, stride: 3}"), "non-integer-output", 4, 5),
    (yaml_spec("input: 2x2x1", "- conv: {filters: 1, kernel: 3}"), "empty-output", 3, 5),
    (yaml_spec("input: 8x8x1", "- from: nowhere"), "unknown-id", 3, 11),
    (yaml_spec("input: 8x8x4", "- add: [[conv: {filters: 2, kernel: 1}], []]"), "shape-mismatch", 3, 5),
]


@pytest.mark.parametrize("text, code, line, column", YAML_ERRORS)
def test_yaml_error_positions(text, code, line, column, run_cli, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:{line}:{column}: error[{code}]: " in result.stderr
    assert result.stderr.startswith(f"{path}:")


COMPACT_ERRORS = [
    # (line, code, column)
    ("INPUT(32x32x3) -> CONV(8, 3, s=2)", "unknown-key", 30),
    ("INPUT(32x32x3) -> COVN(8, 3)", "unknown-layer", 19),
    ("INPUT(32x32x3) -> CONV(8, 3, dilation=0)", "invalid-value", 30),
    ("INPUT(32x32x3) -> [RELU]*0", "invalid-value", 26),
    ("INPUT(32x32x3) -> CONV(8, 3) -> @", "compact-syntax", 33),
    ("INPUT(10x10x3) -> CONV(8, 3, S=2)", "non-integer-output", 19),
    ("INPUT(32x32x3) -> RELU -> CONV(6, 3, groups=2)", "invalid-groups", 27),
]


@pytest.mark.parametrize("line, code, column", COMPACT_ERRORS)
def test_compact_error_positions_and_caret(line, code, column, run_cli):
    result = run_cli("check", line)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    head = f"<string>:1:{column}: error[{code}]: "
    [at] = [i for i, text in enumerate(lines) if text.startswith(head)]
    assert lines[at + 1].strip() == line                   # the source line
    caret = lines[at + 2]
    assert caret.strip() == "^"
    assert caret.index("^") - lines[at + 1].index(line[0]) == column - 1  # under the column


@pytest.mark.parametrize("layer, line, column", [("- conv:\n      <<: *base\n      stride: 2", 5, 7),
                                                 ("- conv: {<<: *base, stride: 2}", 4, 12)])
def test_yaml_merge_key_is_refused_by_its_name(layer, line, column, run_cli, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("input: 8x8x3", "- conv: &base {filters: 8, kernel: 3}", layer))
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (f"{path}:{line}:{column}: error[yaml-tag]: YAML's merge key '<<' is not "
                                             "allowed in a spec")
    assert "tag:yaml.org" not in result.stderr


@pytest.mark.parametrize("repeat, where, message, help_line", [
    # a chain is refused at the layer that passes the limit (line 2 + MAX_LAYERS: the input row counts)
    (False, f"{MAX_LAYERS + 2}:5", f"the spec is {MAX_LAYERS + 1:,} rows long by here", "split the network into "
     "specs of fewer layers"),
    # the repeat itself is within the limit; the first layer after it passes it
    (True, "6:5", f"the spec is {MAX_LAYERS + 1:,} rows long by here", "split the network into specs of fewer layers"),
])
def test_too_many_rows_suggest_what_the_spec_has(repeat, where, message, help_line, run_cli, tmp_path):
    path = tmp_path / "long.yaml"
    head = f"  - repeat: {MAX_LAYERS - 2}\n    layers: [relu]\n" if repeat else ""
    path.write_text("input: 8x8x1\nlayers:\n" + head + "  - relu\n" * (2 if repeat else MAX_LAYERS))
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:{where}: error[too-large]: {message} (the input row included, a from or an empty branch counted as "
        f"one), more than the limit of {MAX_LAYERS:,}", f"  help: {help_line}"]
    assert "repeat count" not in result.stderr


def test_a_repeat_past_the_row_limit_is_told_to_lower_its_count(run_cli, tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(f"input: 8x8x1\nlayers:\n  - repeat: {MAX_LAYERS}\n    layers: [relu]\n")
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert "error[too-large]: this repeat makes the spec" in result.stderr
    assert "help: lower the count" in result.stderr


LIST_NOT_A_SPEC = ("error[invalid-spec]: a spec is a mapping with 'input' and 'layers'; this list looks like the "
                   "layers: put it under 'layers:'")


@pytest.mark.parametrize("text", ["- conv: {filters: 8, kernel: 3}\n- relu\n", "- CONV(8, 3)\n- RELU\n",
                                  "- relu\n", "- CONV(8, 3)\n"])
def test_a_list_of_layers_is_read_as_yaml_and_told_to_go_under_layers(text, run_cli, tmp_path):
    # one line too: the compact notation's '-' is an arrow, and no compact line begins with one
    path = tmp_path / "layers.yaml"
    path.write_text(text)
    for args, source, stdin in (([str(path)], str(path), None), (["-"], "<stdin>", text)):
        result = run_cli("check", *args, input=stdin)
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [f"{source}:1:1: {LIST_NOT_A_SPEC}", "  help: write 'input: 32x32x3' "
                                              "and 'layers:' above the list, then indent the list"]


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


@pytest.mark.parametrize("params", ["{kernel: [[], 1]}", "{kernel: [1, []]}", "{kernel: [{}, 1]}",
                                    "{padding: [[1], 1]}", "{kernel: 2, dilation: [[], 1]}"])
def test_a_pair_holding_a_list_is_an_invalid_value(params):
    try:
        report = analyze(yaml_spec("input: 8x8x1", f"- pool: {params}"))
    except TypeError as exc:
        pytest.fail(f"TypeError: {exc}", pytrace=False)
    assert codes(report) == ["invalid-value"]


@pytest.mark.parametrize("text", ["INPUT(8x8x1) -> CONCAT", yaml_spec("input: 8x8x1", "- concat"),
                                  yaml_spec("input: 8x8x1", "- residual")])
def test_a_block_name_used_as_a_layer_does_not_suggest_itself(text):
    report = analyze(text)
    assert not report.valid
    [error] = report.diagnostics
    word = "residual" if "residual" in text else "concat"
    assert f"did you mean '{word}'?" not in error.suggestions


def test_local_takes_no_groups():
    report = analyze(yaml_spec("input: 8x8x4", "- local: {filters: 2, kernel: 3, groups: 2}"))
    assert codes(report) == ["unknown-key"]


@pytest.mark.parametrize("layer, expected", [
    ("- crop: 4x2", (4, 2)),                                          # a centre crop to 4 wide, 2 high
    ("- crop: {size: 6}", (6, 6)),
    ("- crop: {left: 1, right: 2, top: 3, bottom: 0}", (7, 7)),       # 10 − 1 − 2, 10 − 3 − 0
    ("- crop: {left: 1}", (9, 10)),
])
def test_crop_forms(layer, expected):
    assert valid(yaml_spec("input: 10x10x3", layer)).output == (*expected, 3)


@pytest.mark.parametrize("layer", ["- crop: 12", "- crop: {left: 5, right: 5}", "- crop: {size: 4, left: 1}"])
def test_impossible_crops(layer):
    report = analyze(yaml_spec("input: 10x10x3", layer))
    assert not report.valid and len(report.diagnostics) == 1
