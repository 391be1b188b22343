"""--format csv: one line per layer of every spec, with the spec's name first.

A 1-D volume leaves the height empty; the frames of a 3-D volume come last, so that the columns of
width, height and depth keep their places."""
from __future__ import annotations

import csv
import io

from ..model.geometry import AXIS_NAMES

COLUMNS = ("spec", "index", "path", "type", "label", "input_width", "input_height", "input_depth", "output_width",
           "output_height", "output_depth", "params", "weights", "biases", "macs", "flops", "activations",
           "buffers", "receptive_field_width", "receptive_field_height", "input_frames", "output_frames",
           "receptive_field_frames")


def _volume(volume) -> tuple:
    """(width, height, depth, frames), empty where the volume has no such axis."""
    sizes = volume.to_dict() if volume else {}
    return tuple(sizes.get(k, "") for k in ("width", "height", "depth", "frames"))


def _field(row) -> tuple:
    sizes = dict(zip(AXIS_NAMES, (f.to_dict()["size"] for f in row.field))) if row.field else {}
    return tuple(sizes.get(k, "") for k in AXIS_NAMES)


def render(reports: list, **_options) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for report in reports:
        for row in report.rows:
            *volume_in, frames_in = _volume(row.input)
            *volume_out, frames_out = _volume(row.output)
            *field, field_frames = _field(row)
            writer.writerow((report.name, row.index, row.path, row.type, row.label, *volume_in, *volume_out,
                             row.params, row.weights, row.biases, row.macs, row.flops, row.activations, row.buffers,
                             *field, frames_in, frames_out, field_frames))
    return buffer.getvalue().rstrip("\n")
