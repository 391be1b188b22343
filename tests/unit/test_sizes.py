"""`cnncalc sizes` (engine/sizes.py, render/views.py): the input sizes a network fits, along both axes or one,
against published figures and `check --input`. Size by size against a walk of the network:
property/test_sizes_as_walked.py."""
from __future__ import annotations

import json

from conftest import SPECS, volume

# U-Net (Ronneberger et al. 2015) fits a square input S when every pooled map is even: with S = 16k + 12 the
# contracting path goes S − 4 = 16k + 8 -> 8k + 4 − 4 = 8k -> 4k − 4 -> 2k − 6 -> k − 3 − 4 = k − 7 and the
# expansive path doubles and takes 4 off four times: 16k − 172 = S − 184 (572 -> 388, the paper's tile)

UNET_FITS = [s for s in range(500, 601) if s % 16 == 12]  # 508, 524, 540, 556, 572, 588


def test_unet_sizes(run_cli):
    result = run_cli("sizes", str(SPECS / "unet.yaml"), "--range", "500:600", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    listed = {entry["size"]: entry for entry in data["sizes"]}
    assert sorted(listed) == UNET_FITS
    assert volume(listed[572]["output"]) == [388, 388, 2]
    for size, entry in listed.items():
        assert volume(entry["input"]) == [size, size, 1]
        assert volume(entry["output"]) == [size - 184, size - 184, 2]


def test_unet_sizes_agree_with_check(run_cli):
    listed = {e["size"] for e in json.loads(run_cli("sizes", str(SPECS / "unet.yaml"), "--range", "500:600",
                                                    "--format", "json").stdout)["sizes"]}
    accepted = set()
    for size in range(500, 601):
        result = run_cli("check", str(SPECS / "unet.yaml"), "--input", f"{size}x{size}x1", "--format", "json")
        assert result.exit_code in (0, 1)
        if result.exit_code == 0:
            accepted.add(size)
            assert volume(json.loads(result.stdout)["output"]) == [size - 184, size - 184, 2]
    assert accepted == listed


# (W − 3)/2 is whole for odd W only, (H − 2)/2 for even H only: no square input fits
ODD_BY_EVEN = "INPUT(33x32x3) -> CONV(8, 3x2, S=2)"


def test_sizes_says_when_no_size_fits(run_cli):
    data = json.loads(run_cli("sizes", ODD_BY_EVEN, "--range", "10:15", "--format", "json").stdout)
    assert data["sizes"] == []
    text = run_cli("sizes", ODD_BY_EVEN, "--range", "10:15")
    assert text.exit_code == 0
    assert "no size from 10 to 15 fits" in text.stdout


def test_sizes_width_and_height_vary_one_side(run_cli):
    # widths 11, 13, 15 (height stays 32): (W − 3)/2 + 1 = 5, 6, 7 wide, (32 − 2)/2 + 1 = 16 high
    data = json.loads(run_cli("sizes", ODD_BY_EVEN, "--range", "10:15", "--width", "--format", "json").stdout)
    assert [(e["size"], volume(e["input"]), volume(e["output"])) for e in data["sizes"]] == [
        (11, [11, 32, 3], [5, 16, 8]), (13, [13, 32, 3], [6, 16, 8]), (15, [15, 32, 3], [7, 16, 8])]
    # heights 10, 12, 14 (width stays 33): (H − 2)/2 + 1 = 5, 6, 7 high, (33 − 3)/2 + 1 = 16 wide
    data = json.loads(run_cli("sizes", ODD_BY_EVEN, "--range", "10:15", "--height", "--format", "json").stdout)
    assert [(e["size"], volume(e["input"]), volume(e["output"])) for e in data["sizes"]] == [
        (10, [33, 10, 3], [16, 5, 8]), (12, [33, 12, 3], [16, 6, 8]), (14, [33, 14, 3], [16, 7, 8])]


def test_sizes_own_input_of_a_non_square_spec(run_cli):
    # INPUT(3x2x1) -> CONV(1, 3x2, S=2): (3 − 3)/2 + 1 = 1 wide, (2 − 2)/2 + 1 = 1 high: check accepts it
    spec = "INPUT(3x2x1) -> CONV(1, 3x2, S=2)"
    assert run_cli("check", spec).exit_code == 0
    data = json.loads(run_cli("sizes", spec, "--range", "1:4", "--format", "json").stdout)
    assert volume(data["own"]["output"]) == [1, 1, 1]


def test_resnet50_sizes_over_a_thousand_sizes(run_cli):
    # every stride-2 layer of the spec rounds down (rounding: floor) and every other layer keeps the size,
    # so every input from 100 to 1099 fits; the global pool makes each output 1x1x1000
    result = run_cli("sizes", str(SPECS / "resnet50.yaml"), "--range", "100:1099", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [e["size"] for e in data["sizes"]] == list(range(100, 1100))
    assert {tuple(volume(e["output"])) for e in data["sizes"]} == {(1, 1, 1000)}


def test_sizes_refuses_a_bad_range(run_cli):
    for span in ("600:500", "0:10", "abc", "1:100001"):
        result = run_cli("sizes", str(SPECS / "unet.yaml"), "--range", span)
        assert result.exit_code == 2, span
        assert "--range" in result.stderr and result.stdout == ""


def test_a_gate_that_is_1x1_for_one_size_only(run_cli):
    # the map keeps W (3×3, padding 1); the gate, an 8×8 window, leaves W − 7: it meets the map only as 1×1,
    # at W = 8, where it broadcasts; below 8 it is empty, above it neither W wide nor 1
    spec = ("input: 8x8x4\nlayers:\n"
            "  - multiply: [[conv: {filters: 4, kernel: 3, padding: 1}], [conv: {filters: 4, kernel: 8}]]\n")
    data = json.loads(run_cli("sizes", "-", "--range", "1:20", "--format", "json", input=spec).stdout)
    assert [(e["size"], volume(e["output"])) for e in data["sizes"]] == [(8, [8, 8, 4])]


def test_a_squeeze_excitation_fits_every_size_and_a_group_changes_nothing(run_cli):
    # the gate is 1×1×6 whatever the width; the group's pool halves the height, 8, to 4 and an even width
    # exactly: 2, 4, …, 12 fit
    spec = ("input: 10x8x6\nlayers:\n"
            "  - multiply: [[], [gap, conv: {filters: 6, kernel: 1}, sigmoid]]\n"
            "  - group: [maxpool: 2]\n")
    data = json.loads(run_cli("sizes", "-", "--range", "1:12", "--width", "--format", "json", input=spec).stdout)
    assert [(e["size"], volume(e["output"])) for e in data["sizes"]] == [(w, [w // 2, 4, 6]) for w in range(2, 13, 2)]


def test_a_signal_varies_its_length_and_a_clip_all_three_axes(run_cli):
    # 1-D: (L + 2 − 3)/1 + 1 = L, then (L − 4)/4 + 1 is whole for L divisible by 4
    text = run_cli("sizes", "INPUT(64x2) -> PAD(left=2) -> CONV(8, 3) -> POOL(4)", "--range", "60:70").stdout
    assert text.splitlines()[0].endswith("lengths W, depth 2, from 60 to 70")
    assert "  64 -> 16×8" in text and "  68 -> 17×8" in text and "  65 ->" not in text
    # 3-D: a 2×2×2 pool halves each axis, whole for even W
    text = run_cli("sizes", "INPUT(8x8x8x3) -> POOL(2)", "--range", "8:11").stdout
    assert "cubic inputs W×W×W" in text.splitlines()[0]
    assert "  10 -> 5×5×5×3" in text and "  9 ->" not in text
