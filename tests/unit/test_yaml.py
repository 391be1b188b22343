"""The YAML forms of a spec (source/yaml.py; contract §1–3): every way of writing a layer agrees, and a
fault is told at the line and column of the key or value at fault."""
from __future__ import annotations

import pytest

from conftest import REFERENCE_YAML, analyze, shape, valid, yaml_spec

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
