"""A checked spec and its report -> the text of a self-contained PyTorch module.

cnncalc never imports torch: only the text it writes does. The generated model reproduces the
report's volumes layer by layer, so every size decision (padding, rounding) is taken from the
report's rows rather than recomputed. Volumes and pairs are width first here and (height, width)
in torch: every pair is swapped when it is written.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, SpecError, error
from ..engine.report import Report
from ..engine.trace import Step
from ..model.arithmetic import Rounding
from ..model.geometry import Volume
from ..model.layers import Layer
from ..model.layers.base import Unexportable
from ..model.network import Block, From, Network

_HELPERS = {
    "Residual": '''class Residual(nn.Module):
    """body(x) + shortcut(x); the shortcut is the identity unless one is given."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.body(x) + self.shortcut(x)''',
    "Add": '''class Add(nn.Module):
    """The sum of the branches, each run on the same input."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return sum(branch(x) for branch in self.branches)''',
    "Multiply": '''class Multiply(nn.Module):
    """The product of the branches, each run on the same input; a branch of N×C×1×1 broadcasts."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        product = self.branches[0](x)
        for branch in self.branches[1:]:
            product = product * branch(x)
        return product''',
    "Concat": '''class Concat(nn.Module):
    """The branches' outputs, each run on the same input, stacked along the channels."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)''',
    "Crop": '''class Crop(nn.Module):
    """Cuts away before and after each spatial axis, given width first: (left, top), (right, bottom)."""

    def __init__(self, before, after):
        super().__init__()
        self.before, self.after = before, after

    def forward(self, x):
        for axis, (before, after) in enumerate(zip(self.before, self.after)):
            dim = x.dim() - 1 - axis  # the width is the last dimension of a tensor
            x = x.narrow(dim, before, x.shape[dim] - before - after)
        return x''',
    "ChannelSlice": '''class ChannelSlice(nn.Module):
    """The channels from start up to stop (exclusive)."""

    def __init__(self, start, stop):
        super().__init__()
        self.start, self.stop = start, stop

    def forward(self, x):
        return x[:, self.start:self.stop]''',
    "ChannelLayerNorm": '''class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels at each position of an N×C×… tensor (ConvNeXt's LayerNorm2d)."""

    def forward(self, x):
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)''',
    "LayerScale": '''class LayerScale(nn.Module):
    """Each channel times a learned factor (ConvNeXt's layer scale)."""

    def __init__(self, channels):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))

    def forward(self, x):
        return x * self.gamma.view(-1, *[1] * (x.dim() - 2))''',
    "ChannelAffine": '''class ChannelAffine(nn.Module):
    """A learned scale and a learned shift per channel, either of which may be left out: BatchNorm's
    gamma and beta when only one is kept (Keras' scale and center)."""

    def __init__(self, channels, scale=True, center=True):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels)) if scale else None
        self.bias = nn.Parameter(torch.zeros(channels)) if center else None

    def forward(self, x):
        shape = (-1, *[1] * (x.dim() - 2))
        if self.weight is not None:
            x = x * self.weight.view(shape)
        if self.bias is not None:
            x = x + self.bias.view(shape)
        return x''',
}


def export_pytorch(network: Network, report: Report) -> str:
    """The text of a Python module defining `network` as an nn.Module, runnable as a script, written
    from the report's trace (its volumes and resolved roundings).

    Raises SpecError (`export-unsupported`) for layers PyTorch has no module for, and with the
    report's errors when the report is not valid: no code is written for an invalid spec.
    """
    if not report.valid:
        raise SpecError([d for d in report.diagnostics if d.is_error])
    writer = _Writer(report.trace.steps)
    lane = _Lane(source="x", volume=network.input, flat=False, variable="x")
    writer.sequence(report.trace.steps, lane)
    if writer.unsupported:
        raise SpecError(list(writer.unsupported.values()))
    writer.place(lane)
    return _module_text(network, report, writer, lane.source)


@dataclass
class _Module:
    """One constructor call of the generated code; a container lists its submodules."""

    call: str
    children: list[_Module] | None = None
    comment: str = ""

    def lines(self, indent: int, lead: str = "", end: str = "") -> list[str]:
        pad = " " * indent
        note = f"  # {self.comment}" if self.comment else ""
        if self.children is None:
            return [f"{pad}{lead}{self.call}{end}{note}"]
        inner = [line for child in self.children for line in child.lines(indent + 4, end=",")]
        return [f"{pad}{lead}{self.call}({note}", *inner, f"{pad}){end}"]

    def calls(self) -> list[str]:
        return [self.call] + [call for child in self.children or () for call in child.calls()]


def _chain(modules: list[_Module]) -> _Module:
    """Modules run one after the other: the identity, the one module, or an nn.Sequential."""
    if not modules:
        return _Module("nn.Identity()")
    return modules[0] if len(modules) == 1 else _Module("nn.Sequential", modules)


@dataclass
class _Lane:
    """A chain of layers being written: the tensor so far, as a Python expression, and the modules
    that still have to be applied to it."""

    source: str
    volume: Volume
    flat: bool  # the tensor is N×C, as fc and flatten leave it, rather than N×C×H×W
    variable: str | None = None  # where this chain keeps a result it needs by name
    pending: list[_Module] = field(default_factory=list)


class _Writer:
    """Follows the trace, collecting modules and forward() lines.

    Without `from`, the model is one nn.Sequential, blocks included (as Residual, Add, Concat and
    Multiply modules; a repeat's and a group's layers in line). With `from`, forward() keeps the
    referred tensors in variables named after their ids, and blocks that hold a `from` or a
    referred id are written out in forward().
    """

    def __init__(self, steps: tuple[Step, ...]) -> None:
        every = list(_descendants(steps))
        self.referenced = {step.node.ref for step in every if isinstance(step.node, From)}
        self.split = bool(self.referenced)  # whether forward() needs more than one call
        self.tangled = {id(step) for step in every if isinstance(step.node, Block) and any(
            isinstance(inner.node, From) or _ident(inner) in self.referenced
            for branch in step.branches for inner in _descendants(branch))}
        self.saved: dict[str, tuple[str, Volume, bool]] = {}  # id -> (variable, volume, flat)
        self.names = {"x", "self", "torch", "nn"}
        self.attributes: list[tuple[str, _Module]] = []
        self.statements: list[str] = []
        self.unsupported: dict[int, Diagnostic] = {}  # by the spec's layer (once, however often it runs)

    # -- names ----------------------------------------------------------------------------------
    def fresh(self, wanted: str) -> str:
        name = re.sub(r"\W", "_", wanted, flags=re.ASCII)
        if not name.isidentifier() or keyword.iskeyword(name):
            name = f"t_{name}"
        unique, n = name, 1
        while unique in self.names:
            n += 1
            unique = f"{name}_{n}"
        self.names.add(unique)
        return unique

    def place(self, lane: _Lane) -> None:
        """Make the lane's pending modules an attribute and apply it to the lane's tensor."""
        if not lane.pending:
            return
        name = f"stage{len(self.attributes) + 1}" if self.split else "layers"
        self.attributes.append((name, _chain(lane.pending)))
        lane.source, lane.pending = f"self.{name}({lane.source})", []

    def assign(self, lane: _Lane, expression: str, name: str | None = None, comment: str = "") -> None:
        if name is None:
            lane.variable = lane.variable or self.fresh("branch")
            name = lane.variable
        note = f"  # {comment}" if comment else ""
        self.statements.append(f"{name} = {expression}{note}")
        lane.source = name

    # -- the trace ------------------------------------------------------------------------------
    def sequence(self, steps, lane: _Lane) -> None:
        for step in steps:
            node = step.node
            if node is None:  # the input
                continue
            if isinstance(node, From):
                self.jump(node, lane)
                continue
            ident = _ident(step)
            keep = self.fresh(ident) if ident in self.referenced else None  # the variable that holds it
            if isinstance(node, Layer):
                self.layer(step, lane)
            elif node.MERGE is None:  # a repeat's copies, a group's layers: one after the other
                for copy in step.branches:
                    self.sequence(copy, lane)
            elif id(step) in self.tangled:
                self.written_out(step, lane, keep)
            else:
                self.merge_module(step, lane)
            if keep:
                if lane.source != keep:
                    self.place(lane)
                    self.assign(lane, lane.source, keep, f"{step.path} ({ident}): {lane.volume}")
                self.saved[ident] = (keep, lane.volume, lane.flat)

    def jump(self, node: From, lane: _Lane) -> None:
        self.place(lane)
        if lane.source not in self.names:  # layers whose output `from` discards still run, as cnncalc counts them
            self.statements.append(f"{lane.source}  # its output is not used: from: {node.ref} follows")
        lane.source, lane.volume, lane.flat = self.saved[node.ref]

    def branches(self, step: Step, lane: _Lane) -> list[_Lane]:
        """Each branch of the block walked on a lane of its own, all ending in the same rank."""
        lanes = []
        for branch_steps in step.branches:
            branch = _Lane(lane.source, lane.volume, lane.flat)
            self.sequence(branch_steps, branch)
            lanes.append(branch)
        if not all(branch.flat for branch in lanes):
            for branch in lanes:
                if branch.flat:
                    branch.pending.append(_unflatten(branch.volume))
                    branch.flat = False
        return lanes

    def merge_module(self, step: Step, lane: _Lane) -> None:
        """A block as one module of the chain: Residual, Add, Concat or Multiply of its branches."""
        lanes = self.branches(step, lane)
        kind = step.node.KIND
        if kind == "residual":
            body, shortcut = lanes
            parts = [_chain(body.pending)] + ([_chain(shortcut.pending)] if shortcut.pending else [])
            module = _Module("Residual", parts)
        else:
            module = _Module(kind.capitalize(), [_chain(branch.pending) for branch in lanes])
        module.comment = f"{step.path}: {step.row.output}"
        lane.pending.append(module)
        lane.volume, lane.flat = step.row.output, lanes[0].flat

    def written_out(self, step: Step, lane: _Lane, keep: str | None) -> None:
        """A block that holds a `from` or a referred id: its merge is a line of forward()."""
        self.place(lane)
        if lane.source not in self.names:
            self.assign(lane, lane.source)
        lanes = self.branches(step, lane)
        for branch in lanes:
            self.place(branch)
        ends = [branch.source for branch in lanes]
        merge = step.node.MERGE
        expression = f"torch.cat([{', '.join(ends)}], dim=1)" if merge == "concat" else \
            (" * " if merge == "multiply" else " + ").join(ends)
        self.assign(lane, expression, keep or lane.variable, f"{step.path}: {step.row.output}")
        lane.volume, lane.flat = step.row.output, lanes[0].flat

    # -- layers ---------------------------------------------------------------------------------
    def layer(self, step: Step, lane: _Lane) -> None:
        layer, row = step.node, step.row
        if lane.flat and not layer.FLAT_OK:
            lane.pending.append(_unflatten(row.input))
            lane.flat = False
        try:
            modules = [_Module(m.call, comment=m.comment) for m in layer.torch(row, step.rounding is Rounding.CEIL,
                                                                               lane.flat)]
        except Unexportable as exc:
            self.unsupported.setdefault(id(layer), error(  # once, though a repeat runs it many times
                "export-unsupported", f"a {layer.TYPE} layer has no PyTorch module, so it cannot be exported",
                path=step.path, span=step.span, suggestions=list(exc.args)))
            lane.volume = row.output
            return
        if modules and (row.output != row.input or layer.DIAGRAM in ("conv", "fc")):
            modules[-1].comment = f"{step.path}: {row.output}"
        lane.pending.extend(modules)
        lane.volume = row.output
        lane.flat = layer.FLATTENS or (lane.flat and layer.FLAT_OK)


def _descendants(steps):
    """Every step under `steps`, depth first."""
    for step in steps:
        yield step
        for branch in step.branches:
            yield from _descendants(branch)


def _ident(step: Step) -> str | None:
    return getattr(step.node, "id", None)


def _unflatten(volume: Volume) -> _Module:
    return _Module(f"nn.Unflatten(1, {(volume.depth,) + (1,) * volume.axes})")


# -- text -----------------------------------------------------------------------------------------
def _class_name(name: str) -> str:
    """`vgg16` -> Vgg16, `mobilenet_v2` -> MobilenetV2, `squeezenet1_0` -> Squeezenet1_0."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]
    text = ""
    for word in words:
        glue = "_" if text[-1:].isdigit() and word[0].isdigit() else ""
        text += glue + word[0].upper() + word[1:]
    if not text or text[0].isdigit():
        text = "Net" + text
    return text + "Net" if text in _HELPERS or keyword.iskeyword(text) else text


def _escape(text: str) -> str:
    """`text` as it can stand in a docstring: backslashes, quotes and unprintables escaped."""
    return repr(text)[1:-1].replace('"', '\\"')


def _module_text(spec: Network, report: Report, writer: _Writer, result: str) -> str:
    name, volume, out = _class_name(spec.name), spec.input, report.output
    shape = ", ".join(map(str, (1, volume.depth, *reversed(volume.spatial))))
    axes = ("W", "H", "T")[:volume.axes]
    totals = report.totals
    used = {re.match(r"\w+", call).group() for _, module in writer.attributes for call in module.calls()}
    parts = [
        f'"""{_escape(spec.name)}: a PyTorch module written by cnncalc from {_escape(report.source)}.\n\n'
        f"Input volume {volume} ({' × '.join(('width', 'height', 'frames')[:volume.axes])} × depth). PyTorch "
        f"tensors are N×C×{'×'.join(reversed(axes))}, so the input\n"
        f"is torch.randn({shape}). Output volume {out}; cnncalc counts {totals.params:,} parameters\n"
        f'and {totals.macs:,} multiply-accumulates.\n"""\n'
        "import torch\nfrom torch import nn",
        *(_HELPERS[helper] for helper in _HELPERS if helper in used),
    ]
    body = [f"class {name}(nn.Module):", "    def __init__(self):", "        super().__init__()"]
    for attribute, module in writer.attributes:
        body += module.lines(8, lead=f"self.{attribute} = ")
    body += ["", "    def forward(self, x):", *(f"        {line}" for line in writer.statements),
             f"        return {result}"]
    parts.append("\n".join(body))
    parts.append(
        'if __name__ == "__main__":\n'
        f"    model = {name}().eval()\n"
        f"    x = torch.randn({shape})\n"
        "    with torch.no_grad():\n"
        "        y = model(x)\n"
        '    print("output shape:", tuple(y.shape))\n'
        '    print("parameters:", sum(p.numel() for p in model.parameters()))')
    return "\n\n\n".join(parts) + "\n"
