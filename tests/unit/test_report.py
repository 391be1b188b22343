"""The Report (engine/report.py): totals, backward FLOPs and the breakdown by layer type, and its forms
(to_dict, to_json, to_markdown, _repr_html_), each what the command line prints."""
from __future__ import annotations

import cnncalc
from conftest import WALKTHROUGH, analyze


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
