"""--format csv: one line per layer of every spec, with the spec's name first."""
from __future__ import annotations

import csv
import io

COLUMNS = ("spec", "index", "path", "type", "label", "input_width", "input_height", "input_depth", "output_width",
           "output_height", "output_depth", "params", "weights", "biases", "macs", "flops", "activations",
           "buffers", "receptive_field_width", "receptive_field_height")


def render(reports: list, **_options) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for report in reports:
        for row in report.rows:
            volume_in = tuple(row.input) if row.input else ("", "", "")
            field = [f.to_dict()["size"] for f in row.field] if row.field else ["", ""]
            writer.writerow((report.name, row.index, row.path, row.type, row.label, *volume_in, *row.output,
                             row.params, row.weights, row.biases, row.macs, row.flops, row.activations, row.buffers,
                             *field))
    return buffer.getvalue().rstrip("\n")
