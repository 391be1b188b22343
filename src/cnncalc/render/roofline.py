"""The roofline as a picture: the device's roof, and each layer a point under it, as an SVG.

Both axes are logarithmic: arithmetic intensity (FLOP per byte) across, the attainable rate
(FLOP/s) up. The roof is the memory bandwidth's slope up to the ridge, then the compute ceiling
at the dtype's peak. Each layer with FLOPs is a point on the roof at its intensity (its rate is
min(peak, bandwidth × intensity), since its bound is all that is known of it), of an area that
grows with its bound on time, coloured by its type; the ten with the largest bounds are named
beside the plot, each with a line to its point. Layers without FLOPs (a concat, a flatten) have
no intensity to place them at and are counted in a note.

Pure standard library, deterministic: the same report always gives the same bytes.
"""
from __future__ import annotations

import math
from html import escape

from .diagram import FONT, INK, SOFT_INK, SVG_NS, text_width
from .diagram import _n as coordinate
from .numbers import gbps, intensity, seconds, tflops

__all__ = ["roofline_svg"]

MARGIN = 24
PLOT_LEFT, PLOT_TOP = 96, 92  # the plot's corner: room for the title and the rate axis's labels
PLOT_WIDTH, PLOT_HEIGHT = 560, 420
LABELS = 10  # the layers named beside the plot
LABEL_SIZE, TICK_SIZE, NOTE_SIZE = 12, 11, 11
LABEL_STEP = 30  # between two names beside the plot
ROOF, GRID = "#b00020", "#e6e6e6"
# Tableau 10: colours told apart by most readers, in the order the layer types first appear
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")
_PREFIXES = {0: "", 3: "K", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}


def _decade(k: int, unit: str = "") -> str:
    """10**k as a tick label: 0.01, 1, 1,000; with a unit, SI-prefixed: 100 TFLOP/s."""
    if not unit:
        return f"{10.0 ** k:,.{max(0, -k)}f}"
    if k < 0 or k // 3 * 3 not in _PREFIXES:
        return f"1e{k} {unit}"
    return f"{10 ** (k % 3)} {_PREFIXES[k // 3 * 3]}{unit}"


class _Axis:
    """A logarithmic axis: whole decades from `low` to `high`, drawn over `length` pixels."""

    def __init__(self, low: float, high: float, start: float, length: float, flip: bool) -> None:
        self.first = math.floor(math.log10(low))
        self.last = max(math.ceil(math.log10(high)), self.first + 1)
        self.start, self.length, self.flip = start, length, flip

    @property
    def decades(self) -> range:
        return range(self.first, self.last + 1)

    @property
    def per_decade(self) -> float:
        return self.length / (self.last - self.first)

    def __call__(self, value: float) -> float:
        share = (math.log10(value) - self.first) / (self.last - self.first)
        return self.start + (self.length * (1 - share) if self.flip else self.length * share)


def roofline_svg(report) -> str:
    """The rows of `report` (analysed with a device) on that device's roofline, as a self-contained SVG."""
    roofline = report.roofline
    peak, bandwidth, ridge = roofline.peak, roofline.bandwidth, roofline.ridge
    points = [(row, roof) for row, roof in zip(report.rows, roofline.rows) if roof is not None and roof.flops]
    idle = sum(1 for roof in roofline.rows if roof is not None and not roof.flops)

    def attainable(roof) -> float:
        return min(peak, bandwidth * roof.intensity)

    lowest_intensity = min([ridge, *(roof.intensity for _, roof in points)])
    x = _Axis(lowest_intensity, max([ridge, *(roof.intensity for _, roof in points)]) * 1.0001,
              PLOT_LEFT, PLOT_WIDTH, flip=False)
    y = _Axis(min([peak, bandwidth * 10.0 ** x.first, *(attainable(roof) for _, roof in points)]), peak * 2,
              PLOT_TOP, PLOT_HEIGHT, flip=True)
    lines, marks, texts = [], [], []

    def text(px: float, py: float, content: str, size: int, color: str = INK, anchor: str = "start",
             bold: bool = False, extra: str = "") -> str:
        weight = ' font-weight="bold"' if bold else ""
        return (f'<text x="{coordinate(px)}" y="{coordinate(py)}" font-size="{size}" fill="{color}" '
                f'text-anchor="{anchor}"{weight}{extra}>{escape(content)}</text>')

    # the grid and the axes' labels
    bottom, right = PLOT_TOP + PLOT_HEIGHT, PLOT_LEFT + PLOT_WIDTH
    for k in x.decades:
        px = x(10.0 ** k)
        lines.append(f'<path d="M{coordinate(px)},{PLOT_TOP} L{coordinate(px)},{bottom}" stroke="{GRID}"/>')
        texts.append(text(px, bottom + 16, _decade(k), TICK_SIZE, SOFT_INK, "middle"))
    for k in y.decades:
        py = y(10.0 ** k)
        lines.append(f'<path d="M{PLOT_LEFT},{coordinate(py)} L{right},{coordinate(py)}" stroke="{GRID}"/>')
        texts.append(text(PLOT_LEFT - 8, py + 4, _decade(k, "FLOP/s"), TICK_SIZE, SOFT_INK, "end"))
    lines.append(f'<rect x="{PLOT_LEFT}" y="{PLOT_TOP}" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" fill="none" '
                 f'stroke="{SOFT_INK}"/>')
    texts.append(text(PLOT_LEFT + PLOT_WIDTH / 2, bottom + 36, "arithmetic intensity (FLOP per byte moved)",
                      LABEL_SIZE, INK, "middle"))
    texts.append(text(MARGIN, PLOT_TOP - 14, "attainable rate", LABEL_SIZE, INK))

    # the roof: the bandwidth's slope from the plot's left edge (or floor) to the ridge, then the peak
    start = max(10.0 ** x.first, 10.0 ** y.first / bandwidth)
    roof_points = [(x(start), y(bandwidth * start)), (x(ridge), y(peak)), (right, y(peak))]
    lines.append(f'<path d="M{" L".join(f"{coordinate(a)},{coordinate(b)}" for a, b in roof_points)}" '
                 f'stroke="{ROOF}" stroke-width="2.2"/>')
    lines.append(f'<path d="M{coordinate(x(ridge))},{coordinate(y(peak))} L{coordinate(x(ridge))},{bottom}" '
                 f'stroke="{ROOF}" stroke-dasharray="4 3"/>')
    texts.append(text(right - 6, y(peak) - 8, f"peak {tflops(peak)} ({roofline.dtype})", LABEL_SIZE, ROOF, "end"))
    texts.append(text(x(ridge) + 5, bottom - 8, f"ridge {intensity(ridge)} FLOP/B", NOTE_SIZE, ROOF))
    # the bandwidth written along its slope, halfway to the ridge and clear of the points on it
    angle = math.atan2(y.per_decade, x.per_decade)
    middle = math.sqrt(start * ridge)
    sx, sy = x(middle) - 14 * math.sin(angle), y(bandwidth * middle) - 14 * math.cos(angle)
    texts.append(text(sx, sy, f"memory {gbps(bandwidth)}", LABEL_SIZE, ROOF,
                      anchor="middle",
                      extra=f' transform="rotate({-math.degrees(angle):.1f} {coordinate(sx)} {coordinate(sy)})"'))

    # the layers: a colour per type, in order of appearance; the largest bounds drawn first, under the rest
    colors: dict[str, str] = {}
    for row, _ in points:
        colors.setdefault(row.type, PALETTE[len(colors) % len(PALETTE)])
    longest = max((roof.time_s for _, roof in points), default=0) or 1
    placed = {}
    for row, roof in sorted(points, key=lambda p: (-p[1].time_s, p[0].index)):
        px, py = x(roof.intensity), y(attainable(roof))
        radius = 2.5 + 8 * math.sqrt(roof.time_s / longest)
        placed[row.index] = (px, py, radius)
        tip = (f"#{row.index} {row.name or row.label} ({row.path}): {intensity(roof.intensity)} FLOP/B, at least "
               f"{seconds(roof.time_s)}, {roof.bound}-bound")
        marks.append(f'<circle cx="{coordinate(px)}" cy="{coordinate(py)}" r="{coordinate(radius)}" '
                     f'fill="{colors[row.type]}" fill-opacity="0.8" stroke="#ffffff" stroke-width="0.8">'
                     f"<title>{escape(tip)}</title></circle>")

    # the ten largest bounds, named beside the plot in the order of their points from the top
    named = sorted(points, key=lambda p: (-p[1].time_s, p[0].index))[:LABELS]
    named.sort(key=lambda p: (placed[p[0].index][1], placed[p[0].index][0], p[0].index))
    label_x = right + 40
    label_top = PLOT_TOP + max(0.0, (PLOT_HEIGHT - LABEL_STEP * len(named)) / 2) + LABEL_STEP / 2
    names = []
    widest = 0.0
    for i, (row, roof) in enumerate(named):
        px, py, radius = placed[row.index]
        ly = label_top + i * LABEL_STEP
        title = f"#{row.index} {row.name or row.label}"
        note = f"{seconds(roof.time_s)}, {roof.bound}-bound"
        widest = max(widest, text_width(title, LABEL_SIZE, True), text_width(note, NOTE_SIZE))
        lines.append(f'<path d="M{coordinate(px + radius)},{coordinate(py)} L{coordinate(label_x - 6)},'
                     f'{coordinate(ly - 4)}" stroke="{SOFT_INK}" stroke-width="0.7"/>')
        names.append(text(label_x, ly, title, LABEL_SIZE, INK, bold=True))
        names.append(text(label_x, ly + 13, note, NOTE_SIZE, SOFT_INK))

    # the legend of types, and what is not drawn, under the plot
    legend_y = bottom + 64
    lx = PLOT_LEFT
    for kind, color in colors.items():
        marks.append(f'<circle cx="{coordinate(lx + 5)}" cy="{coordinate(legend_y - 4)}" r="5" fill="{color}"/>')
        texts.append(text(lx + 14, legend_y, kind, NOTE_SIZE))
        lx += 14 + text_width(kind, NOTE_SIZE) + 16
    notes = ["a point's area grows with its bound on time; its height is the rate the roof allows it"]
    if idle:
        notes.append(f"{idle} layer{'s' * (idle != 1)} without FLOPs (no intensity) not drawn")
    for i, note in enumerate(notes):
        texts.append(text(PLOT_LEFT, legend_y + 20 + 15 * i, note, NOTE_SIZE, SOFT_INK))

    settings = report.memory
    header = [(f"{report.name}: roofline on {roofline.device.label}", 16, True),
              (f"{roofline.dtype}, batch {settings.batch}: at least {seconds(roofline.time_s())} a batch, "
               f"{roofline.memory_share:.0%} of it memory-bound (a lower bound on time, not a prediction)", 12, False)]
    y_text = MARGIN
    for content, size, bold in header:
        y_text += size + 4
        texts.append(text(MARGIN, y_text, content, size, INK, bold=bold))

    width = math.ceil(max(label_x + widest, lx, MARGIN + max(text_width(c, s, b) for c, s, b in header),
                          PLOT_LEFT + max(text_width(n, NOTE_SIZE) for n in notes)) + MARGIN)
    height = math.ceil(legend_y + 20 + 15 * (len(notes) - 1) + MARGIN)
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="{SVG_NS}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">',
        f"<title>{escape(f'{report.name}: roofline on {roofline.device.label}, {roofline.dtype}')}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        '<g fill="none">', *lines, "</g>",
        "<g>", *marks, "</g>",
        "<g>", *texts, "</g>",
        '<g id="labels">', *names, "</g>",
        "</svg>",
        "",
    ])
