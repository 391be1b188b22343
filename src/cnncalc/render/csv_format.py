"""--format csv: one line per layer of every spec, with the spec's name first.

A 1-D volume leaves the height empty; the frames of a 3-D volume come last, so that the columns of
width, height and depth keep their places, and the level in the tree of blocks after them. With
--depth, the blocks at that level are a line each: its type the block's kind, its index the first
and last of its rows' (`5-16`), its counts their sums, its input its first row's and its output the
block's; no receptive field."""
from __future__ import annotations

import csv
import io

from ..engine.outline import outline
from ..model.geometry import AXIS_NAMES

COLUMNS = ("spec", "index", "path", "type", "label", "input_width", "input_height", "input_depth", "output_width",
           "output_height", "output_depth", "params", "weights", "biases", "macs", "flops", "activations",
           "buffers", "receptive_field_width", "receptive_field_height", "input_frames", "output_frames",
           "receptive_field_frames", "level")


def _volume(volume) -> tuple:
    """(width, height, depth, frames), empty where the volume has no such axis."""
    sizes = volume.to_dict() if volume else {}
    return tuple(sizes.get(k, "") for k in ("width", "height", "depth", "frames"))


def _field(row) -> tuple:
    sizes = dict(zip(AXIS_NAMES, (f.to_dict()["size"] for f in row.field))) if row.field else {}
    return tuple(sizes.get(k, "") for k in AXIS_NAMES)


def render(reports: list, *, depth: int | None = None, **_options) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for report in reports:
        if depth is None:
            writer.writerows(_row(report.name, row) for row in report.rows)
            continue
        for line in outline(report, depth):
            if line.row is not None:
                writer.writerow(_row(report.name, line.row))
            elif line.folded:  # an open block's line says nothing its rows do not
                writer.writerow(_folded(report, line))
    return buffer.getvalue().rstrip("\n")


def _row(spec: str, row) -> tuple:
    *volume_in, frames_in = _volume(row.input)
    *volume_out, frames_out = _volume(row.output)
    *field, field_frames = _field(row)
    return (spec, row.index, row.path, row.type, row.label, *volume_in, *volume_out, row.params, row.weights,
            row.biases, row.macs, row.flops, row.activations, row.buffers, *field, frames_in, frames_out,
            field_frames, row.level)


def _folded(report, line) -> tuple:
    *volume_in, frames_in = _volume(report.rows[line.rows.start].input)
    *volume_out, frames_out = _volume(line.output)
    t = line.totals
    return (report.name, f"{line.rows.start}-{line.rows.stop - 1}", line.path, line.type, line.label, *volume_in,
            *volume_out, t.params, t.weights, t.biases, t.macs, t.flops, t.activations, t.buffers, "", "",
            frames_in, frames_out, "", line.level)
