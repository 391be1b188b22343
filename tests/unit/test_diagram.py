"""cnncalc diagram (render/diagram.py): the network drawn as the cs231n notes draw it, as an SVG.

The SVG is checked as XML (size, labels, volumes, every mark inside the canvas, determinism) and,
when Chromium is installed, rendered headless to a PNG that is decoded with the standard library
to check that something was drawn, to the edges of the drawing and not past them.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from cnncalc.api import Settings, load, read_file
from cnncalc.engine.analysis import analyze_network
from cnncalc.render.diagram import depth_px, diagram_svg, spatial_px, text_width
from conftest import ROOT, SPECS, read_png, screenshot

SVG = "{http://www.w3.org/2000/svg}"
DOCS = ROOT / "docs"
ALL_SPECS = sorted(p.stem for p in SPECS.glob("*.yaml"))


def analysed(name: str):
    path = str(SPECS / f"{name}.yaml")
    spec = load(read_file(path), source=path)
    return spec, analyze_network(spec, path, Settings())


def parse(svg: str) -> tuple[ET.Element, int, int]:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    return root, width, height


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def volume_boxes(root: ET.Element) -> list[ET.Element]:
    """The cuboids: a group of three polygons (top, side, front) with a tooltip."""
    return [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None
            and len(g.findall(f"{SVG}polygon")) == 3]


# -- through the command line -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["vgg16", "resnet18", "googlenet", "unet"])
def test_cli_diagram_writes_an_svg_with_every_layer_and_the_output(run_cli, tmp_path, name):
    out = tmp_path / f"{name}.svg"
    result = run_cli("diagram", SPECS / f"{name}.yaml", "-o", out)
    assert result.exit_code == 0, result.stderr
    root, width, height = parse(out.read_text(encoding="utf-8"))
    assert width > 0 and height > 0
    shown = "\n".join(texts(root))
    _, report = analysed(name)
    for row in report.rows:
        if row.type in ("conv", "fc"):
            assert row.label in shown, f"{row.path}: {row.label} is not drawn"
    assert str(report.output) in texts(root), f"the output volume {report.output} is not written"


def test_cli_diagram_prints_the_svg_without_output(run_cli):
    result = run_cli("diagram", "INPUT(32x32x3) -> CONV(16, 3, P=1) -> RELU -> POOL(2) -> FC(10)")
    assert result.exit_code == 0, result.stderr
    root, _, _ = parse(result.stdout)
    assert {"CONV3-16", "+ RELU", "POOL2", "FC-10", "1×1×10"} <= set(texts(root))


# -- the drawing itself ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL_SPECS)
def test_every_spec_draws_every_row_inside_the_canvas(name):
    spec, report = analysed(name)
    svg = diagram_svg(spec, report)
    assert svg == diagram_svg(spec, report), "the SVG is not deterministic"
    root, width, height = parse(svg)
    assert root.get("font-family") == "sans-serif"
    assert not re.search(r"(?i)<(script|image|foreignObject|style)|@import|href=\"http", svg), "not self-contained"
    background = root.find(f"{SVG}rect")
    assert (background.get("width"), background.get("height"), background.get("fill")) == \
        (str(width), str(height), "#ffffff")
    assert root.find(f"{SVG}title").text.startswith(f"{spec.name}: {spec.input} → {report.output}")

    shown = "\n".join(texts(root))
    for row in report.rows:  # folded rows are named in the label of a neighbouring box
        assert row.label in shown, f"{row.path}: {row.label} is not drawn"
    assert f"{report.totals.params:,} params" in shown and f"{report.totals.macs:,} MACs" in shown

    def inside(x: float, y: float, what: str) -> None:
        assert 0 <= x <= width and 0 <= y <= height, f"{what} at ({x}, {y}) is off the {width}×{height} canvas"

    for element in root.iter():
        tag = element.tag.removeprefix(SVG)
        if tag == "polygon":
            for pair in element.get("points").split():
                inside(*map(float, pair.split(",")), what="a box corner")
        elif tag == "path" and element.get("d", "").startswith("M"):
            for pair in re.findall(r"-?[\d.]+,-?[\d.]+", element.get("d")):
                inside(*map(float, pair.split(",")), what="a line")
        elif tag == "text":
            x, y, size = float(element.get("x")), float(element.get("y")), float(element.get("font-size"))
            extent = text_width(element.text, size, element.get("font-weight") == "bold")
            left = x - extent / 2 if element.get("text-anchor") == "middle" else x
            inside(left, y - size, f"the text {element.text!r}")
            inside(left + extent, y, f"the text {element.text!r}")


def test_vgg16_is_the_notes_column_of_volumes():
    spec, report = analysed("vgg16")
    root, _, _ = parse(diagram_svg(spec, report))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"][1:]  # after the name
    assert labels == ["INPUT"] + ["CONV3-64"] * 2 + ["POOL2"] + ["CONV3-128"] * 2 + ["POOL2"] \
        + ["CONV3-256"] * 3 + ["POOL2"] + ["CONV3-512"] * 3 + ["POOL2"] + ["CONV3-512"] * 3 + ["POOL2"] \
        + ["FC-4096", "FC-4096", "FC-1000"]
    assert len(volume_boxes(root)) == 22


def test_elementwise_layers_fold_into_a_neighbouring_box():
    spec, report = analysed("resnet18")
    root, _, _ = parse(diagram_svg(spec, report))
    shown = texts(root)
    # boxes: the input, 20 convs (17 in the bodies and the stem, 3 downsamples), the max pool, 8 adds,
    # the adaptive pool and the fc; BN, ReLU and flatten fold into a neighbouring box
    assert len(volume_boxes(root)) == 1 + 20 + 1 + 8 + 1 + 1
    assert shown.count("+ BN + RELU") == 9 and shown.count("+ RELU") == 8  # stem and block bodies; adds
    assert shown.count("identity") == 5  # the identity shortcuts; the other three are drawn convs
    spec, report = analysed("densenet121")  # BN-ReLU-Conv: folded into the conv after them
    assert "BN + RELU +" in texts(parse(diagram_svg(spec, report))[0])


def test_branches_and_references():
    spec, report = analysed("googlenet")
    shown = texts(parse(diagram_svg(spec, report))[0])
    assert shown.count("CONCAT") == 9
    spec, report = analysed("unet")
    shown = texts(parse(diagram_svg(spec, report))[0])
    assert {"from enc1", "from enc4", "id: enc1", "id: enc4"} <= set(shown)


def test_a_multiply_is_drawn_as_a_block_and_a_group_in_line():
    spec = load("input: 16x12x8\nlayers:\n"
                "  - group: [conv: {filters: 8, kernel: 3, padding: 1}, relu]\n"
                "    name: stem\n"
                "  - multiply: [[], [gap, conv: {filters: 8, kernel: 1}, sigmoid]]\n"
                "  - residual: [conv: {filters: 8, kernel: 1}]\n")
    root, _, _ = parse(diagram_svg(spec, analyze_network(spec, "<string>", Settings())))
    shown = texts(root)
    # boxes: the input, the group's conv (its ReLU folded), the gate's pool and conv (the sigmoid folded),
    # the multiply, the residual's conv and its add
    assert len(volume_boxes(root)) == 7
    assert {"CONV3-8", "+ RELU", "GAP", "CONV1-8", "+ SIGMOID", "MULTIPLY", "ADD", "16×12×8", "1×1×8"} <= set(shown)
    assert shown.count("identity") == 2  # the multiply's map and the residual's shortcut
    assert "add / multiply" in shown  # the legend names the merges drawn


def test_a_signal_is_a_bar_and_a_clip_a_box_with_its_frames():
    spec = load("INPUT(16000x1) -> PAD(left=2) -> CONV(16, 3) -> RELU -> POOL(4)")
    root, _, _ = parse(diagram_svg(spec, analyze_network(spec, "<string>", Settings())))
    fronts = [g.findall(f"{SVG}polygon")[2] for g in volume_boxes(root)]
    heights = {round(max(ys) - min(ys), 3) for ys in ([float(p.split(",")[1]) for p in f.get("points").split()]
                                                       for f in fronts)}
    assert heights == {spatial_px(1)}  # every 1-D volume as high as one unit: a bar
    assert {"16000×1", "16002×1", "16000×16", "4000×16"} <= set(texts(root))
    spec = load("INPUT(112x112x16x3) -> CONV(8, 3x3x3, P=1)")
    assert "112×112×16×8" in texts(parse(diagram_svg(spec, analyze_network(spec, "<string>", Settings())))[0])


def test_the_log_scale_keeps_every_volume_visible():
    assert 6 <= spatial_px(1) < spatial_px(7) < spatial_px(56) < spatial_px(224) <= 130
    assert spatial_px(100_000) == spatial_px(10_000) == 130
    assert 4 <= depth_px(1) < depth_px(3) < depth_px(512) < depth_px(4096) <= 96
    spec = load("INPUT(4096x4096x3) -> CONV(8192, 1) -> GAP -> FC(1)")
    _, width, height = parse(diagram_svg(spec, analyze_network(spec, "<string>", Settings())))
    assert width < 1000 and height < 600


def test_an_invalid_spec_is_drawn_up_to_its_first_error():
    spec = load("INPUT(10x10x3) -> CONV(8, 3, P=1) -> RELU -> CONV(8, 3, S=2) -> FC(10)")
    report = analyze_network(spec, "<string>", Settings())
    assert not report.valid
    root, _, _ = parse(diagram_svg(spec, report))
    shown = texts(root)
    assert "CONV3-8" in shown and "FC-10" not in shown
    assert any(t.startswith("drawn up to the first error at layers[2]") for t in shown)


def test_names_are_escaped():
    spec = load("INPUT(8x8x3) -> CONV(4, 3, P=1)", name='a<b & "c"')
    svg = diagram_svg(spec, analyze_network(spec, "<string>", Settings()))
    assert texts(parse(svg)[0])[0] == 'a<b & "c"'


@pytest.mark.parametrize("name", ["vgg16", "resnet18"])
def test_the_committed_pictures_are_up_to_date(name):
    spec, report = analysed(name)
    assert (DOCS / f"{name}.svg").read_text(encoding="utf-8") == diagram_svg(spec, report), \
        f"regenerate with: cnncalc diagram specs/{name}.yaml -o docs/{name}.svg"


# -- rendered by a browser ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["vgg16", "resnet18"])
def test_chromium_renders_the_diagram(chromium, tmp_path, name):
    spec, report = analysed(name)
    svg_path = tmp_path / f"{name}.svg"
    svg_path.write_text(diagram_svg(spec, report), encoding="utf-8")
    _, width, height = parse(svg_path.read_text(encoding="utf-8"))
    png_width, png_height, rows, bpp = read_png(screenshot(chromium, svg_path, width, height))
    assert (png_width, png_height) == (width, height)

    def ink(line: bytearray) -> list[bool]:
        return [min(line[i:i + 3]) < 240 for i in range(0, len(line), bpp)]

    marks = [ink(line) for line in rows]
    inked = sum(map(sum, marks))
    assert inked > 0.05 * width * height, f"only {inked} of {width * height} pixels are not white"
    assert any(any(row) for row in marks[int(height * 0.8):]), "nothing drawn in the bottom fifth"
    frame = marks[:4] + marks[-4:] + [row[:4] + row[-4:] for row in marks]
    assert not any(any(row) for row in frame), "something touches the edge: drawn past the canvas?"
    blue = sum(1 for line in rows for i in range(0, len(line), bpp)
               if abs(line[i] - 0x9e) < 8 and abs(line[i + 1] - 0xca) < 8 and abs(line[i + 2] - 0xe1) < 8)
    assert blue > 0.01 * width * height, "the conv boxes' fronts are not drawn"
