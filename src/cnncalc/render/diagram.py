"""The network drawn as the cs231n notes draw it: one 3-D box per volume, as an SVG.

Each volume is an oblique-projection cuboid whose front face is f(W) wide and f(H) high and whose
depth recedes up and to the right by f(D), f a clamped log scale, so that 224×224×3, 7×7×512 and
1×1×4096 all stay visible. The layer that made a volume is named above its box and the volume is
written under it. Elementwise layers (ReLU and the other activations, BN, dropout, LRN, and a
flatten that changes nothing) make no box of their own: they are folded into the label of the box
they follow ("CONV3-64" over "+ BN + RELU"), or of the box they precede when nothing comes before
them in their branch ("BN + RELU +" over "CONV1-128"). Boxes run left to right and wrap into
several rows; the branches of a residual, add, concat or multiply block are stacked one above the
other between the fork of the block's input and the box of its merge; a repeat's copies and a
group's layers run on in the chain.

Pure standard library, deterministic: the same spec and report always give the same bytes.
"""
from __future__ import annotations

import math
from html import escape

from ..engine.report import Report, Row
from ..engine.trace import Step
from ..model.geometry import Volume
from ..model.layers import Layer
from ..model.network import MERGES, From, Network
from .numbers import si

__all__ = ["diagram_svg"]


# -- geometry (pixels) ----------------------------------------------------------------------------
MARGIN = 28            # around the drawing
SEQ_GAP = 30           # between two items of a chain (room for the arrow)
ROW_GAP = 44           # between two rows of the wrapped network (room for the return line)
FORK_GAP = 22          # from a block's fork to the start of its branches
JOIN_GAP = 18          # from the longest branch to the join, and from the join to the merge box
BRANCH_GAP = 18        # between two stacked branches
LANE_WIDTH = 60        # the least width of a branch (an identity branch is a bare line)
DEPTH_DX, DEPTH_DY = 0.8, 0.6   # the receding direction of the depth (about 37° above the horizontal)

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "sans-serif"
LABEL_SIZE, FOLD_SIZE, DIMS_SIZE, NOTE_SIZE = 12, 11, 11, 10
LINE_STEP = {LABEL_SIZE: 15, FOLD_SIZE: 13, NOTE_SIZE: 12}
INK, SOFT_INK, LINE = "#222222", "#666666", "#555555"

# fill colours of the front face, by what made the volume
COLORS = (("input", "#d9d9d9"), ("conv", "#9ecae1"), ("pool", "#fdae6b"), ("fc", "#bcbddc"),
          ("merge", "#a1d99b"), ("other", "#f6e08f"))
_LEGEND = {"input": "input", "conv": "conv", "pool": "pool", "fc": "fc", "other": "other"}  # and merges by type


BAR_PX = 6.0  # the height of a 1-D volume's bar: a height of 1 unit


def spatial_px(n: int) -> float:
    """Pixels for a width or a height of n units: 1 -> 6, 7 -> 45, 56 -> 87, 224 -> 115, at most 130."""
    return min(130.0, max(6.0, 6.0 + 14.0 * math.log2(max(n, 1))))


def depth_px(n: int) -> float:
    """Length of the receding edge for a depth of n: 1 -> 4, 3 -> 15, 64 -> 47, 4096 -> 90, at most 96."""
    return min(96.0, max(4.0, 4.0 + 7.2 * math.log2(max(n, 1))))


# Advance widths (in em) of DejaVu Sans, the usual sans-serif of Linux and among the widest: text laid
# out with them fits in narrower faces (Arial, Helvetica, Liberation Sans) too.
_EM = {**dict.fromkeys("0123456789", 0.636), **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0.72),
       **dict.fromkeys("abcdefghijklmnopqrstuvwxyz", 0.6), "I": 0.295, "J": 0.295, "M": 0.863, "W": 0.989,
       "f": 0.352, "i": 0.278, "j": 0.278, "l": 0.278, "r": 0.411, "t": 0.392, "m": 0.974, "w": 0.818,
       " ": 0.318, "-": 0.361, "/": 0.337, ",": 0.318, ".": 0.318, ":": 0.337, "(": 0.39, ")": 0.39,
       "+": 0.838, "×": 0.838, "→": 0.838, "·": 0.318, "#": 0.838, "_": 0.5}


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(_EM.get(c, 0.7) for c in text) * size * (1.1 if bold else 1.0)


def _n(value: float) -> str:
    """A coordinate, deterministic and short: one decimal at most."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else ("0" if text == "-0" else text)


def _shade(color: str, factor: float) -> str:
    """Lighter toward white (factor > 0) or darker toward black (factor < 0)."""
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    if factor >= 0:
        rgb = [round(c + (255 - c) * factor) for c in rgb]
    else:
        rgb = [round(c * (1 + factor)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in rgb)


class _Canvas:
    """What is drawn, in three layers: lines under the boxes, boxes, text over everything."""

    def __init__(self, marker: str) -> None:
        self.marker = marker  # the arrowhead's id
        self.lines: list[str] = []
        self.boxes: list[str] = []
        self.texts: list[str] = []
        self.kinds: set[str] = set()
        self.merges: set[str] = set()  # the types of the merge boxes drawn
        self.drawn: list = []  # the boxes drawn

    def path(self, points: list[tuple[float, float]], arrow: bool = True) -> None:
        d = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in points)
        marker = f' marker-end="url(#{self.marker})"' if arrow else ""
        self.lines.append(f'<path d="{d}"{marker}/>')

    def dot(self, x: float, y: float) -> None:
        self.lines.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.5" fill="{LINE}"/>')

    def text(self, x: float, y: float, text: str, size: int, color: str = INK, bold: bool = False,
             anchor: str = "middle", italic: bool = False) -> None:
        style = (' font-weight="bold"' if bold else "") + (' font-style="italic"' if italic else "")
        self.texts.append(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{color}" '
                          f'text-anchor="{anchor}"{style}>{escape(text)}</text>')


# -- the items of a chain: boxes, references and blocks -----------------------------------------------
class _Box:
    """One volume: the row that made it, with the elementwise rows folded before and after it."""

    connected = True   # a line comes in from the item before
    arrow_in = True

    def __init__(self, row: Row, prefix: list[Row] | None = None, ids: tuple[str, ...] = ()) -> None:
        self.row = row
        self.prefix = list(prefix or [])
        self.suffix: list[Row] = []
        self.block_ids = ids  # the id of the block whose merge this box is

    @property
    def ids(self) -> list[str]:
        """The ids (for `from:`) that name this box's volume."""
        layers = [r.layer for r in (*self.prefix, self.row, *self.suffix)]
        return [*self.block_ids, *(layer.id for layer in layers if getattr(layer, "id", None))]

    @property
    def volume(self) -> Volume:
        return (self.suffix[-1] if self.suffix else self.row).output

    def fold(self, row: Row) -> None:
        self.suffix.append(row)

    def lines(self) -> list[tuple[str, int, bool, str]]:
        """The label above the box, top line first: (text, size, bold, colour)."""
        lines = []
        if self.prefix:
            lines.append((" + ".join(r.label for r in self.prefix) + " +", FOLD_SIZE, False, SOFT_INK))
        lines.append((self.row.label, LABEL_SIZE, True, INK))
        if self.suffix:
            lines.append(("+ " + " + ".join(r.label for r in self.suffix), FOLD_SIZE, False, SOFT_INK))
        return lines

    def layout(self) -> None:
        v = self.volume
        # a 1-D volume is a bar: its length across, no height; a 3-D one the box of its width and height
        self.w, self.h = spatial_px(v.width), BAR_PX if v.height is None else spatial_px(v.height)
        depth = depth_px(v.depth)
        self.dx, self.dy = depth * DEPTH_DX, depth * DEPTH_DY
        self.dims = str(v)
        self.id_text = "id: " + ", ".join(self.ids) if self.ids else ""
        label_w = max(text_width(t, s, b) for t, s, b, _ in self.lines())
        dims_w = max(text_width(self.dims, DIMS_SIZE), text_width(self.id_text, NOTE_SIZE))
        # positions with the front face's left edge at 0, then shifted so that the cell starts at 0
        body_center = (self.w + self.dx) / 2
        front_center = self.w / 2
        left = min(0.0, body_center - label_w / 2, front_center - dims_w / 2)
        right = max(self.w + self.dx, body_center + label_w / 2, front_center + dims_w / 2)
        self.front = -left               # the front face's left edge, from the cell's left
        self.width = right - left
        label_h = sum(LINE_STEP[s] for _, s, _, _ in self.lines())
        self.ascent = self.h / 2 + self.dy + 6 + label_h
        self.descent = self.h / 2 + 5 + DIMS_SIZE + 2 + (LINE_STEP[NOTE_SIZE] if self.id_text else 0)
        self.enter = self.front
        self.exit = self.front + self.w / 2

    def draw(self, canvas: _Canvas, x: float, axis: float) -> None:
        kind = _kind(self.row)
        kind = kind if kind in dict(COLORS) else "other"
        canvas.kinds.add(kind)
        if kind == "merge":
            canvas.merges.add(self.row.type)
        canvas.drawn.append(self)
        fill = dict(COLORS)[kind]
        fx, top, w, h, dx, dy = x + self.front, axis - self.h / 2, self.w, self.h, self.dx, self.dy

        def poly(points, color):
            pts = " ".join(f"{_n(px)},{_n(py)}" for px, py in points)
            return f'<polygon points="{pts}" fill="{color}"/>'

        rows = [*self.prefix, self.row, *self.suffix]
        tip = "\n".join(f"{r.path}: {r.label}, {r.input or '—'} → {r.output}, {r.params:,} params, "
                        f"{r.macs:,} MACs" for r in rows)
        canvas.boxes.append(
            f"<g><title>{escape(tip)}</title>"
            + poly([(fx, top), (fx + dx, top - dy), (fx + w + dx, top - dy), (fx + w, top)], _shade(fill, 0.45))
            + poly([(fx + w, top), (fx + w + dx, top - dy), (fx + w + dx, top + h - dy), (fx + w, top + h)],
                   _shade(fill, -0.18))
            + poly([(fx, top), (fx + w, top), (fx + w, top + h), (fx, top + h)], fill)
            + "</g>")
        y = top - dy - 6
        for text, size, bold, color in reversed(self.lines()):
            canvas.text(fx + (w + dx) / 2, y - 3, text, size, color, bold)
            y -= LINE_STEP[size]
        canvas.text(fx + w / 2, top + h + 5 + DIMS_SIZE - 1, self.dims, DIMS_SIZE, INK)
        if self.id_text:
            canvas.text(fx + w / 2, top + h + 5 + DIMS_SIZE - 1 + LINE_STEP[NOTE_SIZE], self.id_text, NOTE_SIZE,
                        SOFT_INK, italic=True)


class _Ref:
    """`from: ID`: the chain starts again from an earlier layer's output."""

    connected = False
    arrow_in = False

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.text = f"from {ref}"

    def layout(self) -> None:
        self.width = text_width(self.text, NOTE_SIZE) + 16
        self.ascent = self.descent = 9
        self.enter, self.exit = 0.0, self.width

    def draw(self, canvas: _Canvas, x: float, axis: float) -> None:
        canvas.boxes.append(f'<rect x="{_n(x)}" y="{_n(axis - 9)}" width="{_n(self.width)}" height="18" '
                            f'rx="9" fill="#ffffff" stroke="{LINE}" stroke-dasharray="3 2"/>')
        canvas.text(x + self.width / 2, axis + 3.5, self.text, NOTE_SIZE, SOFT_INK, italic=True)


class _Chain:
    """Items left to right, each joined to the next by an arrow."""

    def __init__(self, items: list) -> None:
        self.items = items

    def layout(self) -> None:
        for item in self.items:
            item.layout()
        if not self.items:
            self.width, self.ascent, self.descent, self.enter, self.exit = LANE_WIDTH, 13.0, 4.0, 0.0, 0.0
            return
        self.width = sum(i.width for i in self.items) + SEQ_GAP * (len(self.items) - 1)
        self.ascent = max(i.ascent for i in self.items)
        self.descent = max(i.descent for i in self.items)
        self.enter = self.items[0].enter
        self.exit = self.width - self.items[-1].width + self.items[-1].exit

    def draw(self, canvas: _Canvas, x: float, axis: float) -> None:
        previous = None
        for item in self.items:
            if previous is not None and item.connected:
                canvas.path([(previous, axis), (x + item.enter, axis)], arrow=item.arrow_in)
            item.draw(canvas, x, axis)
            previous = x + item.exit
            x += item.width + SEQ_GAP


class _Block:
    """residual, add, concat or multiply: branches stacked between the fork and the merge box."""

    connected = True
    arrow_in = False  # the line ends at the fork, a dot

    def __init__(self, kind: str, branches: list[_Chain], merge: _Box) -> None:
        self.kind = kind
        self.branches = branches
        self.merge = merge

    def layout(self) -> None:
        for branch in self.branches:
            branch.layout()
        self.merge.layout()
        offsets = [0.0]
        for above, below in zip(self.branches, self.branches[1:]):
            offsets.append(offsets[-1] + above.descent + BRANCH_GAP + below.ascent)
        if self.kind != "residual":  # a residual keeps its body on the axis, its shortcut below
            middle = (offsets[0] + offsets[-1]) / 2
            offsets = [o - middle for o in offsets]
        self.offsets = offsets
        inner = max(b.width for b in self.branches)
        self.join = FORK_GAP + inner + JOIN_GAP
        self.merge_left = self.join + JOIN_GAP
        self.width = self.merge_left + self.merge.width
        self.ascent = max([b.ascent - o for b, o in zip(self.branches, offsets)] + [self.merge.ascent])
        self.descent = max([b.descent + o for b, o in zip(self.branches, offsets)] + [self.merge.descent])
        self.enter = 0.0
        self.exit = self.merge_left + self.merge.exit

    def draw(self, canvas: _Canvas, x: float, axis: float) -> None:
        canvas.dot(x, axis)
        join = x + self.join
        for branch, offset in zip(self.branches, self.offsets):
            y = axis + offset
            start = x + FORK_GAP
            if not branch.items:  # the identity: a bare line from the fork to the join
                canvas.path([(x, axis), (x, y), (join, y), (join, axis)], arrow=False)
                canvas.text((start + join) / 2, y - 4, "identity", NOTE_SIZE, SOFT_INK, italic=True)
                continue
            if branch.items[0].connected:
                canvas.path([(x, axis), (x, y), (start + branch.enter, y)], arrow=branch.items[0].arrow_in)
            branch.draw(canvas, start, y)
            canvas.path([(start + branch.exit, y), (join, y), (join, axis)], arrow=False)
        canvas.dot(join, axis)
        canvas.path([(join, axis), (x + self.merge_left + self.merge.enter, axis)])
        self.merge.draw(canvas, x + self.merge_left, axis)

    def fold(self, row: Row) -> None:
        self.merge.suffix.append(row)


# -- from the spec's tree and the report's rows to items ---------------------------------------------
class _Missing(Exception):
    """The report has no row here: the analysis stopped at an error before this point."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _target(items: list):
    """The item an elementwise row may fold into: the last box (not the input) or block, if any."""
    last = items[-1] if items else None
    if isinstance(last, _Block) or (isinstance(last, _Box) and last.row.type != "input"):
        return last
    return None


def _flush(items: list, pending: list[Row]) -> None:
    """Elementwise rows that no box came after: into the item before them, else a box of their own."""
    if not pending:
        return
    target = _target(items)
    if target is None:
        target = _Box(pending.pop(0))
        items.append(target)
    for row in pending:
        target.fold(row)
    pending.clear()


def _kind(row: Row) -> str:
    """What made the row's volume, as the layer type declares it (DIAGRAM)."""
    if row.layer is None:
        return "input" if row.type == "input" else "merge"
    return row.layer.DIAGRAM


def _foldable(row: Row) -> bool:
    """Layers that keep the volume are folded into the label of a neighbouring box."""
    return _kind(row) == "elementwise" or (row.type == "flatten" and row.output == row.input)


def _row(step: Step) -> Row:
    if step.row is None:
        raise _Missing(step.path)
    return step.row


class _Builder:
    def chain(self, steps, items: list | None = None) -> list:
        """The items of `steps`, appended to `items`, which grows as it goes: what was built before a
        missing row is kept.

        Elementwise rows fold into the box before them, unless the chain opens with one (a
        pre-activation branch, BN-ReLU-Conv as DenseNet's): then each folds into the box after it.
        """
        items = [] if items is None else items
        first = next((step for step in steps if step.node is not None), None)  # the input is drawn apart
        before = first is not None and isinstance(first.node, Layer) and first.row is not None \
            and _foldable(first.row)
        pending: list[Row] = []  # elementwise rows waiting for the next box
        try:
            self._chain(steps, items, pending, before)
        finally:
            _flush(items, pending)
        return items

    def _chain(self, steps, items: list, pending: list[Row], before: bool) -> None:
        for step in steps:
            node = step.node
            if node is None:  # the input, drawn by the caller
                continue
            if isinstance(node, Layer):
                row = _row(step)
                if not _foldable(row):
                    items.append(_Box(row, pending))
                    pending.clear()
                elif not before and not pending and _target(items) is not None:
                    _target(items).fold(row)
                else:
                    pending.append(row)
            elif isinstance(node, From):
                _flush(items, pending)
                items.append(_Ref(node.ref))
            elif node.MERGE is None:  # a repeat's copies, a group's layers
                for copy in step.branches:
                    self._chain(copy, items, pending, before)
            else:
                _flush(items, pending)
                items.append(self.block(step))

    def block(self, step: Step) -> _Block:
        branches = [_Chain(self.chain(branch)) for branch in step.branches]
        merge_box = _Box(_row(step), ids=(step.node.id,) if step.node.id else ())
        return _Block(step.node.KIND, branches, merge_box)


# -- the page ------------------------------------------------------------------------------------------
def _greedy(items: list, max_width: float) -> list[list]:
    rows: list[list] = []
    width = 0.0
    for item in items:
        needed = width + SEQ_GAP + item.width if rows and rows[-1] else item.width
        if rows and needed <= max_width:
            rows[-1].append(item)
            width = needed
        else:
            rows.append([item])
            width = item.width
    return rows


def _rows_of(items: list, max_width: float) -> list[list]:
    """Wrap the top-level items into rows no wider than max_width (an item wider than that is alone),
    as few rows as that allows, and of widths as even as they can be for that many rows."""
    count = len(_greedy(items, max_width))
    low = math.floor(max((i.width for i in items), default=0.0))
    high = math.ceil(max_width)
    while low < high:  # the narrowest width that needs no more rows
        middle = (low + high) // 2
        if len(_greedy(items, middle)) <= count:
            high = middle
        else:
            low = middle + 1
    return _greedy(items, high)


def _header(spec: Network | Report, report: Report, stopped: str | None) -> list[tuple[str, int, bool, str]]:
    totals = report.totals
    output = str(report.output) if report.output else "?"

    def count(n: int, what: str) -> str:
        return f"{n:,} {what}" + (f" ({si(n)})" if n >= 1000 else "")

    lines = [(spec.name, 16, True, INK),
             (f"{spec.input} → {output}   ·   {count(totals.params, 'params')}   ·   {count(totals.macs, 'MACs')}",
              12, False, INK)]
    if stopped is not None or not report.valid:
        errors = [d for d in report.diagnostics if d.is_error]
        message = errors[0].message if errors else "the analysis stopped"
        where = errors[0].path if errors and errors[0].path else stopped
        lines.append((f"drawn up to the first error{f' at {where}' if where else ''}: {message}", 12, False,
                      "#b00020"))
    return lines


def diagram_svg(spec: Network | Report, report: Report, *, max_width: int = 1400, marker: str = "cnncalc-arrow"
                ) -> str:
    """The network of `spec` (with the volumes of `report`, its analysis) as a self-contained SVG.
    Of `spec`, only the name and the input volume are read: the report, which carries both, may stand in.

    `max_width` is the width, in pixels, past which the chain of boxes wraps into a new row; `marker` the
    id of the arrowhead, which must differ between diagrams that share one HTML page.
    """
    items: list = []
    stopped = None
    if report.trace is not None:
        items.append(_Box(report.trace.steps[0].row))
        try:
            _Builder().chain(report.trace.steps, items)
        except _Missing as missing:
            stopped = missing.path
    for item in items:
        item.layout()
    rows = _rows_of(items, max_width)

    canvas = _Canvas(marker)
    header = _header(spec, report, stopped)
    y = MARGIN
    for text, size, bold, color in header:
        y += size + 4
        canvas.text(MARGIN, y, text, size, color, bold, anchor="start")
    legend_y = y + 22
    y = legend_y + 16 + ROW_GAP / 2

    content_right = MARGIN
    placed = []  # (items, axis, bottom) of each row
    for row in rows:
        ascent = max(i.ascent for i in row)
        descent = max(i.descent for i in row)
        axis = y + ascent
        placed.append((row, axis, axis + descent))
        y = axis + descent + ROW_GAP
        content_right = max(content_right, MARGIN + sum(i.width for i in row) + SEQ_GAP * (len(row) - 1))

    previous = None  # (exit x, right edge, axis, bottom) of the row above
    for row, axis, bottom in placed:
        if previous is not None and row[0].connected:  # the line back from the end of the row above
            exit_x, right, above_axis, above_bottom = previous
            gap_y = above_bottom + ROW_GAP / 2
            canvas.path([(exit_x, above_axis), (right + 12, above_axis), (right + 12, gap_y),
                         (MARGIN - 14, gap_y), (MARGIN - 14, axis), (MARGIN + row[0].enter, axis)],
                        arrow=row[0].arrow_in)
        _Chain(row).draw(canvas, MARGIN, axis)
        last_left = MARGIN + sum(item.width + SEQ_GAP for item in row[:-1])
        previous = (last_left + row[-1].exit, last_left + row[-1].width, axis, bottom)

    # the legend: a swatch per kind of box drawn, and what the folded labels mean
    x = MARGIN
    for kind, color in COLORS:
        if kind not in canvas.kinds:
            continue
        canvas.boxes.append(f'<rect x="{_n(x)}" y="{_n(legend_y - 10)}" width="12" height="12" fill="{color}" '
                            f'stroke="{LINE}" stroke-width="0.8"/>')
        name = " / ".join(m for m in MERGES if m in canvas.merges) if kind == "merge" else _LEGEND[kind]
        canvas.text(x + 17, legend_y, name, 11, INK, anchor="start")
        x += 17 + text_width(name, 11) + 18
    legend_right = x
    if any(box.prefix or box.suffix for box in canvas.drawn):
        note = "“+ RELU”: elementwise layers, folded into the box they follow"
        if any(box.prefix for box in canvas.drawn):
            note = "“+ RELU”, “BN + RELU +”: elementwise layers, folded into the box they follow or precede"
        canvas.text(x + 6, legend_y, note, 11, SOFT_INK, anchor="start")
        legend_right = x + 6 + text_width(note, 11)

    header_right = max(MARGIN + text_width(t, s, b) for t, s, b, _ in header)
    width = math.ceil(max(content_right + 16, header_right, legend_right) + MARGIN)
    height = math.ceil((placed[-1][2] if placed else y) + MARGIN)
    title = f"{spec.name}: {spec.input} → {report.output or '?'}"
    arrow = (f'<marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{LINE}"/></marker>')
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="{SVG_NS}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<defs>{arrow}</defs>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<g fill="none" stroke="{LINE}" stroke-width="1.2">', *canvas.lines, "</g>",
        '<g stroke="#333333" stroke-width="0.8" stroke-linejoin="round">', *canvas.boxes, "</g>",
        "<g>", *canvas.texts, "</g>",
        "</svg>",
        "",
    ])
