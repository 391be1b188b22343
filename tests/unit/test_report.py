"""The Report (engine/report.py): totals, backward FLOPs and the breakdown by layer type, and its forms
(to_dict, to_json, to_markdown, _repr_html_), each what the command line prints."""
from __future__ import annotations

import pytest

import cnncalc
from conftest import SMALL, SPECS, WALKTHROUGH, analyze


def test_totals_are_the_sums_of_the_rows():
    # the walkthrough: 336 + 0 + 0 + 30,730 = 31,066 params; 331,776 + 30,720 = 362,496 MACs
    report = analyze("INPUT(32x32x3) -> CONV(12, 3, P=1) -> RELU -> POOL(2) -> FC(10)")
    assert report.totals.params == 31_066
    assert report.totals.macs == 362_496
    for key in ("params", "weights", "biases", "macs", "flops", "activations", "buffers"):
        assert getattr(report.totals, key) == sum(getattr(r, key) for r in report.rows)


def test_report_to_dict_is_the_json(check_json):
    _, data = check_json(WALKTHROUGH)
    assert cnncalc.analyze(WALKTHROUGH).to_dict() == data


def test_backward_flops(check_json):
    # conv 8·8·4 outputs · 3·3·3 taps = 6,912 MACs, 13,824 forward FLOPs; backward: the input's gradient and
    # the weights' gradient, each as costly as the forward pass: 27,648. relu: 256 elements once each way.
    # fc: 2,560 MACs, 5,120 FLOPs forward, 10,240 backward
    _, data = check_json(SMALL, "--training")
    conv, relu, fc = data["layers"][1:]
    assert (conv["flops"], conv["backward_flops"]) == (13_824, 27_648)
    assert (relu["flops"], relu["backward_flops"]) == (256, 256)
    assert (fc["flops"], fc["backward_flops"]) == (5_120, 10_240)
    assert data["totals"]["backward_flops"] == 27_648 + 256 + 10_240


@pytest.mark.parametrize("name", ["resnet50", "googlenet", "mobilenet_v2"])
def test_by_type_sums_to_the_totals(check_json, name):
    _, data = check_json(str(SPECS / f"{name}.yaml"), "--by-type")
    by_type = data["by_type"]
    for key in ("params", "macs", "flops"):
        assert sum(group[key] for group in by_type.values()) == data["totals"][key], key
    assert sum(group["layers"] for group in by_type.values()) == len(data["layers"])
    for kind, group in by_type.items():
        rows = [row for row in data["layers"] if row["type"] == kind]
        assert group["layers"] == len(rows)
        assert group["params"] == sum(row["params"] for row in rows)


def test_report_to_json_is_the_cli_output(run_cli):
    spec = str(SPECS / "resnet18.yaml")
    cli_output = run_cli("check", spec, "--format", "json").stdout
    assert cnncalc.analyze(spec).to_json() == cli_output.rstrip("\n")


def test_report_to_markdown_is_the_cli_output(run_cli):
    spec = str(SPECS / "lenet5.yaml")
    cli_output = run_cli("check", spec, "--format", "markdown").stdout
    assert cnncalc.analyze(spec).to_markdown() == cli_output.rstrip("\n")


def test_repr_html_is_a_table_with_every_label():
    from html import escape

    report = cnncalc.analyze(str(SPECS / "googlenet.yaml"))
    html = report._repr_html_()
    assert "<table" in html and "</table>" in html
    assert html.count("<tr>") == 2  # the header and the totals
    assert html.count('<tr class="row"') == len(report.rows)  # a line per row, each block's line besides
    assert html.count('<tr class="block"') == 3 + 9  # a line per block: the stem's three groups, the Inception modules
    for row in report.rows:
        assert f"{escape(row.label)}</td>" in html
    assert "<script" not in html and "<svg" not in html  # a notebook's cell: no script, no diagram
