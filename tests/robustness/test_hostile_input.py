"""Whatever the input, cnncalc answers with an exit status of 0, 1 or 2 and positioned diagnostics,
never a traceback (spec-format.md §4). Property tests feed it random text and random YAML documents
made of the spec's own words; explicit cases feed it hostile files."""
from __future__ import annotations

import json
import re
import time

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.cli import cli
from cnncalc.limits import MAX_NESTING, MAX_YAML_NODES
from conftest import analyze, assert_no_crash, diagnostics_in, refusal

EXAMPLES = settings(derandomize=True, max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RUNNER = CliRunner()

def check(*args: str, input: bytes | str | None = None):
    result = RUNNER.invoke(cli, ["check", *args], input=input)
    assert_no_crash(result)
    return result


def assert_answered(result, source: str) -> None:
    """Exit 0, 1 or 2; a nonzero exit explains itself on stderr as `SOURCE:LINE:COL: error[` or `SOURCE: error[`."""
    assert result.exit_code in (0, 1, 2)
    if result.exit_code:
        errors = [d for d in diagnostics_in(result.stderr) if d["severity"] == "error"]
        assert errors, result.stderr
        assert all(d["source"] == source for d in diagnostics_in(result.stderr))


def assert_report(report: cnncalc.Report) -> None:
    assert isinstance(report, cnncalc.Report)
    if not report.valid:
        assert report.output is None
    json.dumps(report.to_dict())  # always serialisable


# -- strategies ------------------------------------------------------------------------------------------

WORDS = ["name", "input", "rounding", "layers", "repeat", "residual", "shortcut", "add", "concat", "from", "id",
         "conv", "convolution", "local", "deconv", "conv_transpose", "pool", "maxpool", "avgpool", "l2pool",
         "global_pool", "gap", "gmp", "adaptive_pool", "fc", "dense", "linear", "flatten", "batchnorm", "bn", "lrn",
         "dropout", "upsample", "crop", "relu", "relu6", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
         "identity", "input", "filters", "kernel", "stride", "padding", "dilation", "groups", "bias",
         "output_padding", "mode", "units", "eps", "momentum", "size", "alpha", "beta", "k", "p", "scale", "output",
         "slope", "left", "right", "top", "bottom", "width", "height", "depth", "channels", "K", "F", "S", "P",
         "exact", "floor", "ceil", "same", "valid", "max", "avg", "nearest", "true", "false", "s", "kernal", "covn",
         "layernorm", "ln", "layer_scale", "channel_shuffle", "channel_slice", "pixel_shuffle", "pixel_unshuffle",
         "pad", "affine", "center", "start", "stop", "factor", "value", "reflect", "circular", "trilinear",
         "align_corners", "1e-6", "nan", "-inf",

         "multiply", "group"]

INTEGERS = st.one_of(st.integers(-2, 40), st.sampled_from([0, 1, 64, 2 ** 31 - 1, 2 ** 31, 10 ** 100]))
SCALARS = st.one_of(
    st.none(), st.booleans(), INTEGERS,
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from(WORDS),
    st.sampled_from(["32x32x3", "7x1", "3×3", "227×227×3", "0x0x0", "CONV(8, 3, P=1)", "POOL(2)", "FC(10)",
                     "[RELU]*2", "INPUT(8x8x1) -> RELU", "->", "x", ""]),
    st.text(max_size=12),
)
KEYS = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(KEYS, inner, max_size=4)), max_leaves=14)
LAYER = st.one_of(
    st.sampled_from(WORDS),
    st.dictionaries(st.sampled_from(WORDS), VALUES, min_size=1, max_size=1),
    st.dictionaries(st.sampled_from(WORDS), st.dictionaries(st.sampled_from(WORDS), SCALARS, max_size=4),
                    min_size=1, max_size=3),
    VALUES,
)
BLOCK = st.recursive(LAYER, lambda inner: st.one_of(
    st.fixed_dictionaries({"repeat": st.one_of(st.integers(0, 3), SCALARS), "layers": st.lists(inner, max_size=3)}),
    st.fixed_dictionaries({"residual": st.lists(inner, max_size=3)},
                          optional={"shortcut": st.lists(inner, max_size=2), "id": st.sampled_from(["a", "b"])}),
    st.fixed_dictionaries({"concat": st.lists(st.lists(inner, max_size=2), max_size=3)}),
    st.fixed_dictionaries({"add": st.lists(st.lists(inner, max_size=2), max_size=3)}),
    st.fixed_dictionaries({"multiply": st.lists(st.lists(inner, max_size=2), max_size=3)}),
    st.fixed_dictionaries({"group": st.one_of(st.lists(inner, max_size=3), SCALARS)}, optional={"name": SCALARS}),
    st.fixed_dictionaries({"from": st.one_of(st.sampled_from(["a", "b", "enc1"]), SCALARS)}),
), max_leaves=10)
DOCUMENTS = st.one_of(
    st.fixed_dictionaries({"input": st.one_of(st.sampled_from(["32x32x3", "8x8x1", "227x227x3"]), VALUES),
                           "layers": st.lists(BLOCK, max_size=6)},
                          optional={"rounding": st.one_of(st.sampled_from(["exact", "floor", "ceil"]), SCALARS),
                                    "name": SCALARS,
                                    "extra": VALUES}),
    st.dictionaries(KEYS, VALUES, max_size=5),
    VALUES,
)


def dump(document) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=None)


# -- properties ------------------------------------------------------------------------------------------

@EXAMPLES
@given(document=DOCUMENTS, flow=st.booleans())
def test_random_yaml_documents_through_the_cli(document, flow, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "random.yaml"
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=flow)
    path.write_text(text, encoding="utf-8")
    result = check("--format", "json", str(path))
    assert_answered(result, str(path))
    data = json.loads(result.stdout)
    assert data["valid"] == (result.exit_code == 0)
    # the same text as a SPEC argument (a multi-line argument is read as YAML, a one-line one as compact)
    source = _argument(text)
    result = check("--format", "json", "--", text)
    if source is None:
        assert result.exit_code in (0, 1, 2)
    else:
        assert_answered(result, source)
        assert json.loads(result.stdout)["valid"] == (result.exit_code == 0)


@EXAMPLES
@given(document=DOCUMENTS)
def test_random_yaml_documents_through_the_api(document):
    assert_report(analyze(dump(document)))


@EXAMPLES
@given(text=st.text(max_size=200))
def test_random_text_as_a_file(text, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "random.txt"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    assert_answered(check(str(path)), str(path))


@EXAMPLES
@given(data=st.binary(max_size=200))
def test_random_bytes_as_a_file(data, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "random.bin"
    path.write_bytes(data)
    assert_answered(check(str(path)), str(path))


COMPACT_PIECES = st.sampled_from(["INPUT", "CONV", "POOL", "FC", "RELU", "LOCAL", "DECONV", "BN", "GAP", "CROP",
                                  "UPSAMPLE", "(", ")", "[", "]", "*", ",", "=", "->", "→", "-", " ", "32x32x3",
                                  "3", "0", "2", "1.5", "10", "K", "F", "S", "P", "s", "same", "true", "x", "×",
                                  "99999999999", "@", "'", '"', ":", "#", "{", "}", "\t"])
COMPACT_TEXT = st.one_of(st.lists(COMPACT_PIECES, max_size=30).map("".join), st.text(max_size=60))


def _argument(text: str) -> str | None:
    """The source name cnncalc gives a command-line argument, or None when it names a file."""
    if "\x00" in text or text == "-":
        return None
    reads_as_path = "(" not in text and ("/" in text or text.lower().endswith((".yaml", ".yml", ".json")))
    return None if reads_as_path else "<string>"


@EXAMPLES
@given(text=COMPACT_TEXT)
def test_random_compact_strings_on_the_command_line(text):
    source = _argument(text)
    result = check("--", text)
    if source is None:
        assert result.exit_code in (0, 1, 2)
    else:
        assert_answered(result, source)


@EXAMPLES
@given(text=COMPACT_TEXT)
def test_random_compact_strings_through_the_api(text):
    assert_report(analyze(text))


@EXAMPLES
@given(data=st.one_of(st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200)))
def test_random_input_on_standard_input(data):
    assert_answered(check("-", input=data), "<stdin>")


# -- hostile files ----------------------------------------------------------------------------------------

def _billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefghi", "bcdefghij"):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    return "\n".join(lines) + "\n"  # 9**10 = 3,486,784,401 "lol"s when expanded


def _marker(tmp_path) -> str:
    return str(tmp_path / "pwned")


HOSTILE = [
    # (name, file content as bytes or a function of tmp_path, expected codes (any of))
    ("billion-laughs", _billion_laughs().encode(), {"too-large"}),
    ("billion-laughs-in-layers", ("input: 8x8x1\nlayers: &l [relu, relu, relu, relu, relu, relu, relu, relu]\n"
                                  + "".join(f"x{i}: &x{i} [*{'l' if i == 0 else f'x{i - 1}'}] \n" for i in range(3))
                                  ).encode(), {"too-large", "unknown-key"}),
    ("python-object", lambda tmp: f'!!python/object/apply:os.system ["touch {_marker(tmp)}"]\n'.encode(),
     {"yaml-tag"}),
    ("python-object-in-layers",
     lambda tmp: f'input: 8x8x1\nlayers:\n  - !!python/object/apply:os.system ["touch {_marker(tmp)}"]\n'.encode(),
     {"yaml-tag"}),
    ("python-name", b"input: !!python/name:os.system 8x8x1\nlayers: [relu]\n", {"yaml-tag"}),
    ("tab-indentation", b"input: 8x8x1\nlayers:\n\t- relu\n", {"yaml-syntax"}),
    ("bom-only", b"\xef\xbb\xbf", None),
    ("bom-then-a-fault", b"\xef\xbb\xbfinput: 8x8x1\nlayers:\n  - rleu\n", {"unknown-layer"}),
    ("latin-1", b"input: 8x8x1\nlayers:\n  - r\xe9lu\n", {"not-utf8"}),
    ("utf-16", "input: 8x8x1\nlayers: [relu]\n".encode("utf-16"), {"not-utf8", "yaml-syntax", "compact-syntax"}),
    ("empty", b"", None),
    ("blank", b"\n \n", None),
    ("comment-only", b"# nothing here\n", None),
    ("deep-list-in-yaml", b"input: 8x8x1\nlayers: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", {"too-deep"}),
    ("deep-mapping", b"input: 8x8x1\nlayers: " + b"{a: " * 10_000 + b"1" + b"}" * 10_000 + b"\n", {"too-deep"}),
    ("deep-block-yaml", ("input: 8x8x1\nlayers:\n" + "".join("  " * i + "- \n" for i in range(1000))).encode(),
     {"too-deep", "yaml-syntax"}),
    ("nul-escaped-in-a-string", b'input: 8x8x1\nlayers:\n  - "re\\0lu"\n', {"invalid-value"}),
    ("repeat-a-billion", b"input: 8x8x1\nlayers:\n  - repeat: 1000000000\n    layers: [relu]\n", {"too-large"}),
    ("nested-repeats", b"input: 8x8x1\nlayers:\n  - repeat: 100000\n    layers:\n      - repeat: 100000\n"
                       b"        layers: [relu]\n", {"too-large"}),
    ("compact-repeat-a-billion", b"INPUT(8x8x1) -> [RELU]*1000000000\n", {"too-large"}),
    ("duplicate-keys", b"input: 8x8x1\ninput: 9x9x1\nlayers: [relu]\n", {"duplicate-key"}),
    ("a-list-document", b"- relu\n- tanh\n", {"invalid-spec"}),
    ("two-documents", b"input: 8x8x1\nlayers: [relu]\n---\ninput: 8x8x1\n", {"yaml-syntax"}),
    ("a-binary-tag", b"input: !!binary aGVsbG8=\nlayers: [relu]\n", {"yaml-tag"}),
    ("a-set", b"input: 8x8x1\nlayers: !!set {relu}\n", {"yaml-tag"}),
    ("long-line", b"input: 8x8x1\nlayers: [" + b"relu, " * 5_000 + b"relu]\n", None),
]

def _hostile(name, content, expected):
    return pytest.param(name, content, expected, id=name)


@pytest.mark.parametrize("name, content, expected", [_hostile(*case) for case in HOSTILE])
def test_hostile_file(name, content, expected, tmp_path):
    if callable(content):
        content = content(tmp_path)
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content)
    started = time.perf_counter()
    result = check("--format", "json", str(path))
    took = time.perf_counter() - started
    assert took < 5
    assert not (tmp_path / "pwned").exists()          # nothing in the file ran
    if name == "long-line":
        assert result.exit_code == 0                   # 5,001 relus on one line is long but legal
        return
    assert result.exit_code in (1, 2)
    found = diagnostics_in(result.stderr)
    assert found and found[0]["source"] == str(path)
    assert found[0]["line"] and found[0]["column"], result.stderr.splitlines()[0]  # FILE:LINE:COL
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    if expected is None:
        assert "empty-spec" in codes                   # an empty spec is called that
    else:
        assert codes & expected, codes


def test_a_bom_is_harmless(tmp_path):
    plain, marked = tmp_path / "plain.yaml", tmp_path / "marked.yaml"
    text = "input: 8x8x1\nlayers:\n  - conv: {filters: 2, kernel: 3}\n"
    plain.write_text(text)
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode())
    a, b = json.loads(check("--format", "json", str(plain)).stdout), json.loads(check("--format", "json",
                                                                                            str(marked)).stdout)
    assert a["valid"] and b["valid"]
    assert a["layers"] == b["layers"]


def test_a_bom_does_not_shift_positions(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfinput: 8x8x1\nlayers:\n  - rleu\n")
    assert f"{path}:3:5: error[unknown-layer]" in check(str(path)).stderr


def test_non_utf8_names_the_byte_and_its_position(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"input: 8x8x1\nlayers:\n  - r\xe9lu\n")
    result = check(str(path))
    assert result.exit_code == 1
    assert f"{path}:3:6: error[not-utf8]" in result.stderr
    assert "0xe9" in result.stderr


def test_tab_indentation_hints_at_spaces(tmp_path):
    path = tmp_path / "tab.yaml"
    path.write_bytes(b"input: 8x8x1\nlayers:\n\t- relu\n")
    result = check(str(path))
    assert f"{path}:3:1: error[yaml-syntax]" in result.stderr
    assert "tab" in result.stderr and "spaces" in result.stderr


@pytest.mark.parametrize("content", [b'input: 8x8x1\nlayers:\n  - "re\x00lu"\n', b"a: \x00\n",
                                     b"input: 8x8x1\nlayers: [relu]\n# \x07\n"])
def test_raw_control_characters_are_positioned(content, tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(content)
    result = check(str(path))
    assert result.exit_code == 1
    [found] = diagnostics_in(result.stderr)
    assert found["line"] and found["column"]
    assert "<unicode string>" not in result.stderr


DEEP = "[" * 10_000 + "]" * 10_000


@pytest.mark.parametrize("how", ["file", "argument", "api"])
def test_ten_thousand_deep_brackets(how, tmp_path):
    if how == "api":
        try:
            report = cnncalc.analyze_text(DEEP)
        except RecursionError:
            pytest.fail("RecursionError", pytrace=False)
        assert report.exit_code == 1 and report.diagnostics[0].span is not None
        return
    if how == "file":
        path = tmp_path / "deep.yaml"
        path.write_text(DEEP + "\n")
        source, argument = str(path), str(path)
    else:
        source, argument = "<string>", DEEP
    result = check(argument)
    assert result.exit_code == 1
    assert re.match(rf"{re.escape(source)}:\d+:\d+: error\[", result.stderr)


def test_a_hundred_nested_repeats_in_compact_are_answered():
    # 100 levels: deep, but within any reasonable parser's reach; 2**100 layers is too many
    report = cnncalc.analyze_text("INPUT(8x8x1) -> " + "[" * 100 + "RELU" + "]*2" * 100)
    assert report.exit_code == 1
    assert [d.code for d in report.diagnostics] == ["too-large"]


# -- cnncalc's own YAML limits, whatever the parser ---------------------------------------------------------
# Measured on the text before PyYAML reads it, so every release that pyproject allows answers alike (PyYAML
# 6.0.4's libyaml refuses 1,000 flow levels as a syntax error of its own; its pure-Python composer recurses).

def first_too_deep(node: yaml.Node, depth: int = 0) -> tuple[int, int] | None:
    """(line, column) of the first node of a composed tree, in document order, deeper than MAX_NESTING."""
    if depth > MAX_NESTING:
        return node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    else:
        children = node.value if isinstance(node, yaml.SequenceNode) else []
    return next(filter(None, (first_too_deep(child, depth + 1) for child in children)), None)


@EXAMPLES
@given(document=DOCUMENTS, wrappers=st.lists(st.sampled_from(["list", "mapping"]), min_size=MAX_NESTING - 8,
                                             max_size=MAX_NESTING + 4),
       flow=st.sampled_from([None, True, False]))
def test_nesting_is_measured_as_the_parser_nests(document, wrappers, flow):
    # about MAX_NESTING levels, well within every parser's reach: the first node past the limit is refused
    for wrapper in wrappers:
        document = [document] if wrapper == "list" else {"layers": document}
    text = yaml.safe_dump(document, sort_keys=False, default_flow_style=flow, width=60)
    expected = first_too_deep(yaml.compose(text, Loader=yaml.SafeLoader))
    problems = refusal(text)
    if expected is None:
        assert "too-deep" not in {p.code for p in problems}
    else:
        assert problems[0].code == "too-deep" and f"{MAX_NESTING} levels" in problems[0].message
        assert (problems[0].span.line, problems[0].span.column) == expected


# each form: its text with `levels` collections, one inside the other, and a scalar in the innermost;
# where the first node past MAX_NESTING stands when it has more than MAX_NESTING levels. A second line
# keeps a line without a colon from reading as the compact notation.
DEEP_FORMS = {
    # the n-th '[' is n − 1 deep, the scalar `levels` deep
    "flow lists": (lambda levels: "[" * levels + "x" + "]" * levels + "\n# deep\n", (1, MAX_NESTING + 2)),
    # each mapping's key is one deeper than it, 4 columns on
    "flow mappings": (lambda levels: "{a: " * levels + "x" + "}" * levels, (1, 4 * MAX_NESTING + 2)),
    # a list of one `key: value` pair holds a mapping, so each '[a: ' nests two levels
    "pairs in flow lists": (lambda levels: "[a: " * (levels // 2) + "x" + "]" * (levels // 2),
                            (1, 2 * MAX_NESTING + 2)),
    "block lists on one line": (lambda levels: "- " * levels + "x\n# deep\n", (1, 2 * MAX_NESTING + 3)),
    "block lists": (lambda levels: "".join("  " * n + "-\n" for n in range(levels - 1)) + "  " * (levels - 1)
                    + "- x\n", (MAX_NESTING + 2, 2 * MAX_NESTING + 3)),
    # a mapping starts where its first key does
    "block mappings": (lambda levels: "".join("  " * n + "a:\n" for n in range(levels - 1)) + "  " * (levels - 1)
                       + "a: x\n", (MAX_NESTING + 1, 2 * MAX_NESTING + 1)),
    "lists in a spec": (lambda levels: "input: 8x8x1\nlayers: " + "[" * (levels - 1) + "relu" + "]" * (levels - 1),
                        (2, 8 + MAX_NESTING + 1)),
}


@pytest.mark.parametrize("form", DEEP_FORMS)
def test_nesting_at_the_limit_is_read(form):
    make, _ = DEEP_FORMS[form]
    assert "too-deep" not in {p.code for p in refusal(make(MAX_NESTING))}


INDENTED = ("block lists", "block mappings")  # 10,000 levels of these would be 100 MB of spaces: 1,500


@pytest.mark.parametrize("form, levels", [(form, levels) for form in DEEP_FORMS
                                          for levels in (MAX_NESTING + 2, 1_500, 10_000)
                                          if levels <= 1_500 or form not in INDENTED])
def test_nesting_past_the_limit_is_refused_where_it_passes(form, levels):
    make, position = DEEP_FORMS[form]
    problems = refusal(make(levels))
    assert problems[0].code == "too-deep", problems
    assert (problems[0].span.line, problems[0].span.column) == position


def test_values_past_the_limit_are_refused_before_the_parser():
    # the list and MAX_YAML_NODES + 1 numbers: the number at index MAX_YAML_NODES − 1 is the value past the limit
    [problem] = refusal("[" + "1, " * MAX_YAML_NODES + "1]\n# many\n")
    assert problem.code == "too-large" and f"{MAX_YAML_NODES:,} values" in problem.message
    assert (problem.span.line, problem.span.column) == (1, 2 + 3 * (MAX_YAML_NODES - 1))
    [problem] = refusal("- 1\n" * (MAX_YAML_NODES + 1))
    assert problem.code == "too-large" and (problem.span.line, problem.span.column) == (MAX_YAML_NODES, 3)
