"""`cnncalc diff` (engine/diff.py, render/views.py): the totals of two specs and their difference, in JSON,
markdown and the table."""
from __future__ import annotations

import json

import pytest

from conftest import SPECS

# torchvision's model pages (pytorch.org/vision/stable/models/generated/torchvision.models.resnet18.html and
# …resnet50.html): resnet18 num_params 11,689,512, GFLOPS 1.81; resnet50 25,557,032, 4.09. Their MACs by hand:
#   resnet18: conv1 112·112·64·7·7·3 = 118,013,952; layer1 4 convs 56·56·64·3·3·64 = 4·115,605,504;
#     layers 2–4 each: a strided 3x3 (57,802,752) + three 3x3 (3·115,605,504) + a 1x1 downsample (6,422,528)
#     = 411,041,792; fc 512,000 -> 118,013,952 + 462,422,016 + 3·411,041,792 + 512,000 = 1,814,073,344
#   resnet50: conv1 118,013,952; layer1 231,211,008 + 2·218,365,952 = 667,942,912;
#     layer2 372,506,624 + 3·218,365,952 = 1,027,604,480; layer3 372,506,624 + 5·218,365,952 = 1,464,336,384;
#     layer4 372,506,624 + 2·218,365,952 = 809,238,528; fc 2,048,000 -> 4,089,184,256
#   (a bottleneck that keeps the size: 1x1 in, 3x3, 1x1 out = 51,380,224 + 115,605,504 + 51,380,224 at
#   every stage; a first block with its downsample: 102,760,448 + 115,605,504 + 51,380,224 + 102,760,448)


def test_diff_resnet18_resnet50_json(run_cli):
    result = run_cli("diff", str(SPECS / "resnet18.yaml"), str(SPECS / "resnet50.yaml"), "--format", "json")
    assert result.exit_code == 1  # they differ
    totals = json.loads(result.stdout)["totals"]
    assert totals["params"] == {"a": 11_689_512, "b": 25_557_032, "delta": 25_557_032 - 11_689_512}
    assert totals["macs"] == {"a": 1_814_073_344, "b": 4_089_184_256, "delta": 4_089_184_256 - 1_814_073_344}
    assert totals["params"]["delta"] == 13_867_520 and totals["macs"]["delta"] == 2_275_110_912


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_diff_markdown_and_table(run_cli, fmt):
    result = run_cli("diff", str(SPECS / "resnet18.yaml"), str(SPECS / "resnet50.yaml"), "--format", fmt)
    assert result.exit_code == 1
    assert "+13,867,520" in result.stdout and "+2,275,110,912" in result.stdout
    if fmt == "markdown":
        assert "| params | 11,689,512 | 25,557,032 | +13,867,520 |" in result.stdout


def test_diff_of_a_spec_with_itself_is_empty(run_cli):
    spec = str(SPECS / "lenet5.yaml")
    result = run_cli("diff", spec, spec, "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and not data["differ"] and data["weighted"] == []
    assert data["layers"] == []
    assert all(entry["delta"] == 0 for entry in data["totals"].values())


def test_diff_with_a_squeeze_excitation_added_to_a_group(run_cli, tmp_path):
    # B adds a gate in the group: its pool, 16·4 + 4 = 68 and 4·16 + 16 = 80 params, and the multiply row
    a = tmp_path / "a.yaml"
    a.write_text("input: 8x8x16\nlayers:\n  - group: [conv: {filters: 16, kernel: 1}]\n    name: layer1\n")
    b = tmp_path / "b.yaml"
    b.write_text("input: 8x8x16\nlayers:\n  - group:\n      - conv: {filters: 16, kernel: 1}\n"
                 "      - multiply: [[], [gap, conv: {filters: 4, kernel: 1}, conv: {filters: 16, kernel: 1}]]\n"
                 "    name: layer1\n")
    data = json.loads(run_cli("diff", str(a), str(b), "--format", "json").stdout)
    assert data["totals"]["params"]["delta"] == 68 + 80
    changed = [(entry["path"], entry["a"], entry["b"]["type"]) for entry in data["layers"]]
    assert changed == [("layers[0].group[1].multiply[1][0]", None, "global_pool"),
                       ("layers[0].group[1].multiply[1][1]", None, "conv"),
                       ("layers[0].group[1].multiply[1][2]", None, "conv"),
                       ("layers[0].group[1].multiply", None, "multiply")]
