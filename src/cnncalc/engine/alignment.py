"""channels-not-aligned: the conv, deconv and fc layers whose channel counts keep tensor cores idle.

NVIDIA's tensor cores run a convolution or a GEMM at full rate only when its channels in and out
are multiples of 16 bytes' worth of elements: 4 at TF32, 8 at FP16 and BF16, 16 at INT8 (NVIDIA's
"Matrix Multiplication Background" and "Convolutional Layers" user's guides; devices.py cites
them). A grouped convolution is judged per group. Not judged: depthwise convolutions (one input
channel per group, which no tensor core path takes), and channels that come straight from the
network's input (an image's 3), which nothing in the network can change.
"""
from __future__ import annotations

from ..diagnostics import Diagnostic, warning
from ..limits import MAX_DIAGNOSTICS
from ..model.layers import Layer
from ..model.network import Repeat
from .devices import Device

JUDGED = ("conv", "deconv", "fc")


def check(report, device: Device) -> list[Diagnostic]:
    """A warning for each judged row of `report` whose channels are not aligned on `device` at its dtype."""
    multiple = device.multiple(report.memory.dtype)
    if multiple is None or report.trace is None or not report.rows:
        return []
    found = []
    layers: list = []
    _walk(report.trace.steps, True, {}, layers)
    for step, from_input in layers:
        if step.row.type in JUDGED:
            found += _judge(step, from_input, multiple, device, report.memory.dtype)
    room = max(0, MAX_DIAGNOSTICS - len(report.diagnostics))
    if len(found) > room:
        more = len(found) - room
        found = found[:room] + [warning("too-many-diagnostics", f"{more:,} more channels-not-aligned warnings are "
                                        f"not shown: cnncalc shows the first {MAX_DIAGNOSTICS:,} diagnostics")]
    return found


def _walk(steps, from_input: bool, outputs: dict[str, bool], layers: list) -> bool:
    """Append (step, its channels come from the network's input) for each layer of `steps`, in the order
    they run; return whether the channels after the steps still are the input's: a layer without
    MACs (batchnorm, relu, a pool, a flatten…) passes them on, as does a merge of branches that all do."""
    for step in steps:
        node = step.node
        if node is None:  # the input row
            continue
        if isinstance(node, Layer):
            if step.row is None:  # the walk stopped here
                return False
            layers.append((step, from_input))
            from_input = from_input and step.row.macs == 0
        elif step.source is not None:  # from: ID
            from_input = outputs.get(step.source, False)
        elif isinstance(node, Repeat):
            for copy in step.branches:
                from_input = _walk(copy, from_input, outputs, layers)
        else:
            ends = [_walk(branch, from_input, outputs, layers) for branch in step.branches]
            from_input = step.row is not None and all(ends)
        outputs[step.path] = from_input
    return from_input


def _judge(step, from_input: bool, multiple: int, device: Device, dtype: str) -> list[Diagnostic]:
    row = step.row
    groups = getattr(row.layer, "groups", 1)
    channels_in = (row.input.elements if row.type == "fc" else row.input.depth) // groups
    channels_out = row.output.depth // groups
    if groups > 1 and channels_in == 1:  # depthwise
        return []
    wrong = [(side, count) for side, count, judged in (("input", channels_in, not from_input),
                                                        ("output", channels_out, True))
             if judged and count % multiple]
    if not wrong:
        return []
    counts = " and ".join(f"{count:,} {side}" for side, count in wrong)
    where = f" in each of its {groups} groups" if groups > 1 else ""
    message = (f"{row.label} has {counts} channels{where}: at {dtype}, the tensor cores of the {device.label} want "
               f"multiples of {multiple} (NVIDIA's guidance), and other counts leave them partly idle or unused")
    hints = []
    for side, count in wrong:
        nearest = " or ".join(f"{n * groups:,}" for n in _nearest(count, multiple))
        if side == "output":
            hints.append(f"{'units' if row.type == 'fc' else 'filters'}: {nearest}")
        elif row.type == "fc":
            hints.append(f"an input of {nearest} values (W·H·D of the layer before)")
        else:
            hints.append(f"{nearest} input channels (the depth the layer before puts out)")
    return [warning("channels-not-aligned", message, row.path, step.span, hints)]


def _nearest(count: int, multiple: int) -> list[int]:
    below = count // multiple * multiple
    return [n for n in (below, below + multiple) if n > 0]
