"""The roofline (engine/roofline.py, render/roofline.py): each row's bytes, FLOPs, intensity, bound on
time and what binds it, on a device; its totals, JSON and table columns; and its picture.

The expected numbers are worked by hand from the rule README states: bytes = (elements read +
elements written) · batch · size + (params + buffers) · size; FLOPs = cnncalc's count · batch;
time = max(FLOPs / peak, bytes / bandwidth), with the peaks and bandwidths of the datasheets
(A100 SXM 80GB at FP16: 312 TFLOP/s and 2,039 GB/s; H100 SXM: 1,979 / 2 = 989.5 TFLOP/s dense and
3,350 GB/s).
"""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import cnncalc
from cnncalc.engine.memory import MemorySettings
from cnncalc.render.roofline import roofline_svg
from conftest import SPECS, read_png, screenshot

A100_FP16, A100_BW = 312e12, 2039e9  # ridge 312e12 / 2.039e12 = 153.0 FLOP/B
H100_FP16, H100_BW = 989.5e12, 3350e9  # ridge 989.5e12 / 3.35e12 = 295.4 FLOP/B
SVG = "{http://www.w3.org/2000/svg}"


def on(spec: str, device: str, dtype: str = "float16", batch: int = 1, **options) -> cnncalc.Report:
    report = cnncalc.analyze(spec, memory=MemorySettings(batch, dtype), device=device, **options)
    assert report.roofline is not None
    return report


def roofs(report) -> list:
    """(row, its roof) of every row that runs something (all but the input)."""
    return [(row, roof) for row, roof in zip(report.rows, report.roofline.rows) if roof is not None]


# -- three layers by hand, on two devices ------------------------------------------------------------------
# A 3×3 conv, 56×56×64 -> 56×56×64 (padding 1, biases), at float16 (2 bytes), batch 1:
#   FLOPs = 2 · 56·56·64 · 3·3·64                       = 231,211,008
#   bytes = (56·56·64 + 56·56·64) · 2 + (3·3·64·64 + 64) · 2 = 802,816 + 73,856 = 876,672
#   intensity = 231,211,008 / 876,672                    = 263.73 FLOP/B
# A depthwise 3×3 conv on it (groups 64: one input channel a filter):
#   FLOPs = 2 · 56·56·64 · 3·3·1                         = 3,612,672
#   bytes = (200,704 + 200,704) · 2 + (3·3·1·64 + 64) · 2    = 802,816 + 1,280 = 804,096
#   intensity = 3,612,672 / 804,096                      = 4.49 FLOP/B
# An fc, 1×1×2048 -> 1000 (ResNet-50's classifier):
#   FLOPs = 2 · 2048 · 1000                              = 4,096,000
#   bytes = (2048 + 1000) · 2 + (2048·1000 + 1000) · 2   = 6,096 + 4,098,000 = 4,104,096
#   intensity = 4,096,000 / 4,104,096                    = 0.998 FLOP/B
CONV = "INPUT(56x56x64) -> CONV(64, 3, P=1) -> CONV(64, 3, P=1, groups=64)"
FC = "INPUT(1x1x2048) -> FC(1000)"
BY_HAND = {  # (bytes, FLOPs) of each layer
    "conv": (876_672, 231_211_008), "depthwise": (804_096, 3_612_672), "fc": (4_104_096, 4_096_000)}


@pytest.mark.parametrize("device, peak, bandwidth, expected", [
    # A100: the conv, at 263.7 FLOP/B, is past the ridge of 153.0: 231,211,008 / 312e12 = 741 ns;
    # the depthwise conv and the fc are under it: 804,096 / 2.039e12 = 394 ns and 4,104,096 / 2.039e12 = 2.01 µs
    ("a100", A100_FP16, A100_BW, {"conv": "compute", "depthwise": "memory", "fc": "memory"}),
    # H100: the ridge is 295.4, so the same conv is memory-bound there: 876,672 / 3.35e12 = 262 ns
    ("h100", H100_FP16, H100_BW, {"conv": "memory", "depthwise": "memory", "fc": "memory"}),
])
def test_three_layers_worked_by_hand_on_two_devices(device, peak, bandwidth, expected):
    conv, depthwise = roofs(on(CONV, device))
    (fc,) = roofs(on(FC, device))
    for name, (row, roof) in zip(("conv", "depthwise", "fc"), (conv, depthwise, fc)):
        data, flops = BY_HAND[name]
        assert (roof.bytes, roof.flops) == (data, flops), name
        assert roof.intensity == pytest.approx(flops / data, rel=1e-12)
        assert roof.bound == expected[name], name
        time = flops / peak if expected[name] == "compute" else data / bandwidth
        assert roof.time_s == pytest.approx(time, rel=1e-12), name
        assert roof.time_s == pytest.approx(max(flops / peak, data / bandwidth), rel=1e-12)
    assert conv[1].time_s == pytest.approx({"a100": 741.061e-9, "h100": 261.693e-9}[device], rel=1e-5)


def test_the_batch_multiplies_activations_and_flops_not_weights():
    ((_, conv),) = roofs(on("INPUT(56x56x64) -> CONV(64, 3, P=1)", "a100", batch=8))
    # the conv above, 8 images: (200,704 + 200,704) · 8 · 2 + 36,928 · 2 = 6,422,528 + 73,856 bytes
    assert (conv.bytes, conv.flops) == (6_496_384, 8 * 231_211_008)


def test_the_rows_json_and_totals():
    report = on("INPUT(8x8x8) -> CONV(16, 3, P=1) -> RELU -> FC(10)", "a100", batch=2)
    data = report.to_dict()
    assert data["schema_version"] == 1
    layers = data["layers"]
    assert layers[0]["roofline"] is None  # the input runs nothing
    # relu: 8·8·16 = 1,024 elements read and written, 2 images, 2 bytes: 8,192 bytes; 1 FLOP each: 2,048
    assert layers[2]["roofline"] == {"bytes": 8192, "flops": 2048, "intensity": 0.25, "time_s": 8192 / A100_BW,
                                     "bound": "memory"}
    totals = data["totals"]["roofline"]
    assert totals["bytes"] == sum(r["roofline"]["bytes"] for r in layers[1:])
    assert totals["flops"] == sum(r["roofline"]["flops"] for r in layers[1:])
    assert totals["time_s"] == pytest.approx(sum(r["roofline"]["time_s"] for r in layers[1:]), rel=1e-12)
    memory_bound = sum(r["roofline"]["time_s"] for r in layers[1:] if r["roofline"]["bound"] == "memory")
    assert totals["memory_bound_time_s"] == pytest.approx(memory_bound, rel=1e-12)
    assert totals["memory_bound_share"] == pytest.approx(memory_bound / totals["time_s"], rel=1e-12)
    assert data["device"]["name"] == "a100" and data["device"]["dtype"] == "float16"
    assert data["device"]["peak"] == 312 * 10**12 and data["device"]["ridge"] == pytest.approx(312 / 2.039)


def test_without_a_device_every_row_has_roofline_null(check_json):
    result, data = check_json(str(SPECS / "resnet18.yaml"))
    assert result.exit_code == 0
    assert data["device"] is None and data["totals"]["roofline"] is None
    assert all("roofline" in row and row["roofline"] is None for row in data["layers"])


def test_with_a_device_the_json_has_a_roofline_on_every_row_but_the_input(check_json):
    result, data = check_json(str(SPECS / "resnet18.yaml"), "--device", "h100", "--dtype", "bfloat16")
    assert result.exit_code == 0, result.stderr
    assert data["schema_version"] == 1 and data["device"]["label"] == "NVIDIA H100 SXM 80GB"
    assert data["layers"][0]["roofline"] is None
    for row in data["layers"][1:]:
        assert set(row["roofline"]) == {"bytes", "flops", "intensity", "time_s", "bound"}
        assert row["roofline"]["bound"] in ("compute", "memory")


def test_merges_read_every_branch():
    report = on("input: 8x8x16\nlayers:\n  - residual: [relu]\n  - concat: [[relu], []]\n", "a100")
    by_type = {row.type: roof for row, roof in roofs(report)}
    # add: two branches of 8·8·16 = 1,024 read, 1,024 written, 2 bytes each
    assert by_type["add"].bytes == (2 * 1024 + 1024) * 2
    # concat: reads its branches, 1,024 + 1,024, and writes the 2,048 it makes
    assert by_type["concat"].bytes == (2048 + 2048) * 2 and by_type["concat"].flops == 0


def test_the_flops_are_cnncalcs_own_whatever_the_convention():
    spec = str(SPECS / "resnet18.yaml")
    own, torchvision = on(spec, "a100"), on(spec, "a100", convention="torchvision")
    assert own.roofline.rows == torchvision.roofline.rows
    assert own.totals.flops != torchvision.totals.flops  # the table's FLOPs do change


# -- the acceptance cases, with their arithmetic ------------------------------------------------------------
def test_resnet50s_3x3_convolutions_are_compute_bound_on_an_a100_at_float16_batch_64():
    report = on(str(SPECS / "resnet50.yaml"), "a100", batch=64)
    ridge = A100_FP16 / A100_BW  # 153.0 FLOP/B
    threes = [(row, roof) for row, roof in roofs(report) if row.label.startswith("CONV3-")]
    assert len(threes) == 16  # one in each of the 3 + 4 + 6 + 3 bottlenecks
    for row, roof in threes:
        channels_in, filters, positions = row.input.depth, row.output.depth, row.output.elements // row.output.depth
        flops = 2 * positions * filters * 3 * 3 * channels_in * 64
        data = (row.input.elements + row.output.elements) * 64 * 2 + 3 * 3 * channels_in * filters * 2  # no biases
        assert (roof.flops, roof.bytes) == (flops, data), row.path
        assert flops / data > ridge and roof.bound == "compute", row.path
    # the least intense is layer2's first, at stride 2: 56×56×128 -> 28×28×128,
    # 2·28·28·128·9·128·64 / ((401,408 + 100,352)·64·2 + 9·128·128·2) = 14,797,504,512 / 64,520,192 = 229.3
    lowest = min(roof.intensity for _, roof in threes)
    assert lowest == pytest.approx(14_797_504_512 / 64_520_192) and lowest > ridge


def test_mobilenet_v2s_depthwise_convolutions_are_memory_bound_on_an_a100_at_float16_batch_64():
    report = on(str(SPECS / "mobilenet_v2.yaml"), "a100", batch=64)
    depthwise = [(row, roof) for row, roof in roofs(report)
                 if row.type == "conv" and row.layer.groups == row.input.depth > 1]
    assert len(depthwise) == 17  # one in each inverted residual
    for row, roof in depthwise:
        # each output element costs 3·3 MACs of one input channel: 2·9 FLOPs; each element read or
        # written costs 2 bytes, so intensity < 2·9·out / ((in + out)·2) = 9·out / (in + out) <= 4.5
        flops = 2 * row.output.elements * 9 * 64
        data = (row.input.elements + row.output.elements) * 64 * 2 + row.params * 2
        assert (roof.flops, roof.bytes) == (flops, data), row.path
        assert roof.intensity < 9 * row.output.elements / (row.input.elements + row.output.elements) <= 4.5
        assert roof.bound == "memory", row.path


def test_at_batch_1_every_layer_of_mobilenet_v2_is_memory_bound_on_an_a100():
    report = on(str(SPECS / "mobilenet_v2.yaml"), "a100", batch=1)
    rows = roofs(report)
    assert len(rows) == 153 and all(roof.bound == "memory" for _, roof in rows)
    assert report.roofline.memory_share == 1.0
    # the most intense is a 1×1 expansion at 14×14, 96 -> 576 channels:
    # 2·14·14·576·96 = 21,676,032 FLOPs over (14·14·96 + 14·14·576 + 96·576)·2 = 374,016 bytes: 58.0 < 153.0
    row, roof = max(rows, key=lambda pair: pair[1].intensity)
    assert (row.label, roof.flops, roof.bytes) == ("CONV1-576", 21_676_032, 374_016)
    assert roof.intensity < A100_FP16 / A100_BW


# -- the table ----------------------------------------------------------------------------------------------
def test_the_table_gains_columns_and_a_summary_with_a_device(run_cli):
    spec = "INPUT(56x56x64) -> CONV(64, 3, P=1) -> CONV(64, 3, P=1, groups=64)"
    plain = run_cli("check", spec).stdout
    assert "FLOP/B" not in plain and "roofline" not in plain
    result = run_cli("check", spec, "--device", "a100", "--dtype", "float16")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split()[-4:] == ["FLOP/B", "Time", "≥", "Bound"]
    conv = lines[4].split()
    assert conv[-4:] == ["264", "741", "ns", "compute"]  # 263.7 FLOP/B; 231,211,008 / 312e12 = 741 ns
    depthwise = lines[5].split()
    assert depthwise[-4:] == ["4.49", "394", "ns", "memory"]  # 804,096 / 2.039e12 = 394 ns
    # totals: (231,211,008 + 3,612,672) / (876,672 + 804,096) = 139.7 FLOP/B; 741 + 394 = 1,135 ns, 394 of it
    # (35%) memory-bound
    assert lines[7].split()[-5:] == ["140", "1.14", "µs", "35%", "memory"]
    assert ("roofline on a100 (NVIDIA A100 SXM 80GB) at float16: peak 312 TFLOP/s, memory 2,039 GB/s, ridge 153 "
            "FLOP/B; at least 1.14 µs a batch of 1, 35% of it memory-bound (a lower bound on time, not a "
            "prediction)") in result.stdout


def test_without_a_device_nothing_of_the_roofline_is_imported():
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print(sorted(m for m in sys.modules if m.rsplit('.', 1)[-1] in "
            "('roofline', 'devices', 'alignment')), file=sys.stderr))\n"
            "from cnncalc.cli import main\n"
            f"sys.argv = ['cnncalc', 'check', {str(SPECS / 'vgg16.yaml')!r}]\n"
            "main()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip() == "[]"


# -- the picture ----------------------------------------------------------------------------------------------
def labelled(svg: str) -> list[int]:
    """The row indices named beside the plot, top to bottom."""
    root = ET.fromstring(svg.encode("utf-8"))
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "labels")
    return [int(t.text.split()[0].lstrip("#")) for t in group.iter(f"{SVG}text") if t.get("font-weight") == "bold"]


def test_cli_roofline_of_resnet50_names_the_ten_largest_bounds(run_cli, tmp_path, chromium):
    out = tmp_path / "r.svg"
    result = run_cli("roofline", SPECS / "resnet50.yaml", "--device", "a100", "-o", out)
    assert result.exit_code == 0, result.stderr
    svg = out.read_text(encoding="utf-8")
    report = on(str(SPECS / "resnet50.yaml"), "a100", dtype="float32")
    assert svg == roofline_svg(report), "not the library's picture, or not deterministic"
    named = labelled(svg)
    assert len(named) == len(set(named)) == 10
    bounds = {row.index: roof.time_s for row, roof in roofs(report)}
    assert min(bounds[i] for i in named) >= max(t for i, t in bounds.items() if i not in named)
    # among equal bounds (resnet50 repeats its blocks), the rows that come first
    largest = sorted(bounds, key=lambda i: (-bounds[i], i))[:10]
    assert sorted(named) == sorted(largest)

    root = ET.fromstring(svg.encode("utf-8"))
    width, height = int(root.get("width")), int(root.get("height"))
    png_width, png_height, rows, bpp = read_png(screenshot(chromium, out, width, height))
    assert (png_width, png_height) == (width, height)
    inked = sum(1 for line in rows for i in range(0, len(line), bpp) if min(line[i:i + 3]) < 240)
    assert inked > 0.02 * width * height, "next to nothing drawn"
    frame = [line[:4 * bpp] + line[-4 * bpp:] for line in rows] + rows[:4] + rows[-4:]
    assert all(min(line[i:i + 3]) >= 240 for line in frame for i in range(0, len(line), bpp)), \
        "something touches the edge: drawn past the canvas?"
    roof = sum(1 for line in rows for i in range(0, len(line), bpp)
               if abs(line[i] - 0xb0) < 24 and line[i + 1] < 40 and abs(line[i + 2] - 0x20) < 24)
    assert roof > 200, "the roof is not drawn"


@pytest.mark.parametrize("name", sorted(p.stem for p in SPECS.glob("*.yaml")))
def test_every_spec_is_drawn_inside_the_plot(name):
    report = on(str(SPECS / f"{name}.yaml"), "t4", batch=8)
    svg = roofline_svg(report)
    assert svg == roofline_svg(report)
    root = ET.fromstring(svg.encode("utf-8"))
    frame = next(r for r in root.iter(f"{SVG}rect") if r.get("stroke"))
    left, top = float(frame.get("x")), float(frame.get("y"))
    right, bottom = left + float(frame.get("width")), top + float(frame.get("height"))
    points = [c for c in root.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None]
    assert len(points) == sum(1 for _, roof in roofs(report) if roof.flops)
    for point in points:
        x, y = float(point.get("cx")), float(point.get("cy"))
        assert left - 0.1 <= x <= right + 0.1 and top - 0.1 <= y <= bottom + 0.1, point.find(f"{SVG}title").text
    assert len(labelled(svg)) == min(10, len(points))


def test_the_roofline_json_survives_the_cli(check_json):
    result, data = check_json("INPUT(8x8x8) -> CONV(8, 1)", "--device", "epyc-9654")
    assert result.exit_code == 0
    assert json.loads(json.dumps(data))["device"]["peak"] == 11_366_400_000_000
