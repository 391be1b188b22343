"""A checked spec and its report -> the text of a self-contained PyTorch module.

cnncalc never imports torch: only the text it writes does. The generated model reproduces the
report's volumes layer by layer, so every size decision (padding, rounding) is taken from the
report's rows rather than recomputed. Volumes and pairs are width first here and (height, width)
in torch: every pair is swapped when it is written.
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .arithmetic import Rounding, slide
from .diagnostics import Diagnostic, SpecError, error
from .layers import (
    ELU,
    FC,
    GELU,
    LRN,
    AdaptivePool,
    BatchNorm,
    Conv,
    Crop,
    Deconv,
    Dropout,
    Flatten,
    GlobalPool,
    Identity,
    Layer,
    LeakyReLU,
    Local,
    Pool,
    ReLU,
    ReLU6,
    Sigmoid,
    Softmax,
    Tanh,
    Upsample,
)
from .report import Report, Row
from .spec import Block, From, Node, Spec, Step
from .volumes import Pair, Volume

# Layers that run as well on the N×C tensor that fc and flatten leave; the others need N×C×H×W.
_ANY_RANK = (FC, Flatten, BatchNorm, Dropout, ReLU, ReLU6, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, Identity)
_ACTIVATIONS = {ReLU: "nn.ReLU()", ReLU6: "nn.ReLU6()", ELU: "nn.ELU()", GELU: "nn.GELU()",
                Sigmoid: "nn.Sigmoid()", Tanh: "nn.Tanh()", Softmax: "nn.Softmax(dim=1)", Identity: "nn.Identity()"}
_POOLS = {"max": "nn.MaxPool2d", "avg": "nn.AvgPool2d"}
_ADAPTIVE = {"max": "nn.AdaptiveMaxPool2d", "avg": "nn.AdaptiveAvgPool2d"}
_ZERO, _ONE = Pair(0, 0), Pair(1, 1)

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
    "Concat": '''class Concat(nn.Module):
    """The branches' outputs, each run on the same input, stacked along the channels."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)''',
    "Crop": '''class Crop(nn.Module):
    """Cuts columns away at the left and right, rows at the top and bottom."""

    def __init__(self, left, right, top, bottom):
        super().__init__()
        self.left, self.right, self.top, self.bottom = left, right, top, bottom

    def forward(self, x):
        height, width = x.shape[-2:]
        return x[..., self.top:height - self.bottom, self.left:width - self.right]''',
}


def export_pytorch(spec: Spec, report: Report, rounding: Rounding | None = None) -> str:
    """The text of a Python module defining `spec` as an nn.Module, runnable as a script;
    `rounding` is the --rounding the report was made with, over the spec's own.

    Raises SpecError (`export-unsupported`) for layers PyTorch has no module for, and with the
    report's errors when the report is not valid: no code is written for an invalid spec.
    """
    if not report.valid:
        raise SpecError([d for d in report.diagnostics if d.is_error])
    writer = _Writer(spec, report)
    lane = _Lane(source="x", volume=spec.input, flat=False, variable="x")
    writer.sequence(spec.layers, "layers", rounding or spec.rounding, lane)
    if writer.unsupported:
        raise SpecError(list(writer.unsupported.values()))
    writer.place(lane)
    return _module_text(spec, report, writer, lane.source)


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
    """Walks the spec as the analysis does (same paths), collecting modules and forward() lines.

    Without `from`, the model is one nn.Sequential, blocks included (as Residual, Add and Concat
    modules). With `from`, forward() keeps the referred tensors in variables named after their ids,
    and blocks that hold a `from` or a referred id are written out in forward().
    """

    def __init__(self, spec: Spec, report: Report) -> None:
        self.rows = {row.path: row for row in report.rows}
        nodes = list(_descendants(spec.layers))
        self.referenced = {node.ref for node in nodes if isinstance(node, From)}
        self.split = bool(self.referenced)  # whether forward() needs more than one call
        self.tangled = {id(node) for node in nodes if isinstance(node, Block) and any(
            isinstance(inner, From) or _ident(inner) in self.referenced for inner in _descendants(node.branches))}
        self.saved: dict[str, tuple[str, Volume, bool]] = {}  # id -> (variable, volume, flat)
        self.names = {"x", "self", "torch", "nn"}
        self.attributes: list[tuple[str, _Module]] = []
        self.statements: list[str] = []
        self.unsupported: dict[int, Diagnostic] = {}  # by the spec's layer (one Step, however often it runs)

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

    # -- the tree -------------------------------------------------------------------------------
    def sequence(self, nodes: tuple[Node, ...], prefix: str, rounding: Rounding | None, lane: _Lane) -> None:
        for i, node in enumerate(nodes):
            path = f"{prefix}[{i}]"
            if isinstance(node, From):
                self.jump(node, lane)
                continue
            ident = _ident(node)
            keep = self.fresh(ident) if ident in self.referenced else None  # the variable that holds it
            if isinstance(node, Step):
                self.step(node, path, node.layer.rounding or rounding, lane)
            elif node.kind == "repeat":
                for k in range(1, node.count + 1):
                    self.sequence(node.branches[0], f"{path}.repeat#{k}", node.rounding or rounding, lane)
            elif id(node) in self.tangled:
                self.written_out(node, path, node.rounding or rounding, lane, keep)
            else:
                self.merge_module(node, path, node.rounding or rounding, lane)
            if keep:
                if lane.source != keep:
                    self.place(lane)
                    self.assign(lane, lane.source, keep, f"{path} ({ident}): {lane.volume}")
                self.saved[ident] = (keep, lane.volume, lane.flat)

    def jump(self, node: From, lane: _Lane) -> None:
        self.place(lane)
        if lane.source not in self.names:  # layers whose output `from` discards still run, as cnncalc counts them
            self.statements.append(f"{lane.source}  # its output is not used: from: {node.ref} follows")
        lane.source, lane.volume, lane.flat = self.saved[node.ref]

    def branches(self, block: Block, path: str, rounding: Rounding | None, lane: _Lane) -> list[_Lane]:
        """Each branch of `block` walked on a lane of its own, all ending in the same rank."""
        names = ("residual", "shortcut") if block.kind == "residual" else None
        lanes = []
        for b, nodes in enumerate(block.branches):
            branch = _Lane(lane.source, lane.volume, lane.flat)
            self.sequence(nodes, f"{path}.{names[b]}" if names else f"{path}.{block.kind}[{b}]", rounding, branch)
            lanes.append(branch)
        if not all(branch.flat for branch in lanes):
            for branch in lanes:
                if branch.flat:
                    branch.pending.append(_unflatten(branch.volume))
                    branch.flat = False
        return lanes

    def merge_module(self, block: Block, path: str, rounding: Rounding | None, lane: _Lane) -> None:
        """A block as one module of the chain: Residual, Add or Concat of its branches."""
        lanes = self.branches(block, path, rounding, lane)
        merged = self.merge_row(block, path)
        if block.kind == "residual":
            body, shortcut = lanes
            parts = [_chain(body.pending)] + ([_chain(shortcut.pending)] if shortcut.pending else [])
            module = _Module("Residual", parts)
        else:
            module = _Module(block.kind.capitalize(), [_chain(branch.pending) for branch in lanes])
        module.comment = f"{path}: {merged.output}"
        lane.pending.append(module)
        lane.volume, lane.flat = merged.output, lanes[0].flat

    def written_out(self, block: Block, path: str, rounding: Rounding | None, lane: _Lane,
                    keep: str | None) -> None:
        """A block that holds a `from` or a referred id: its merge is a line of forward()."""
        self.place(lane)
        if lane.source not in self.names:
            self.assign(lane, lane.source)
        lanes = self.branches(block, path, rounding, lane)
        for branch in lanes:
            self.place(branch)
        ends = [branch.source for branch in lanes]
        merged = self.merge_row(block, path)
        expression = f"torch.cat([{', '.join(ends)}], dim=1)" if block.kind == "concat" else " + ".join(ends)
        self.assign(lane, expression, keep or lane.variable, f"{path}: {merged.output}")
        lane.volume, lane.flat = merged.output, lanes[0].flat

    def merge_row(self, block: Block, path: str) -> Row:
        return self.rows[f"{path}.{'concat' if block.kind == 'concat' else 'add'}"]

    # -- layers ---------------------------------------------------------------------------------
    def step(self, step: Step, path: str, rounding: Rounding | None, lane: _Lane) -> None:
        layer, row = step.layer, self.rows[path]
        if isinstance(layer, Local):
            self.unsupported.setdefault(id(step), error(  # once, though a repeat runs it many times
                "export-unsupported", "a local (locally connected) layer has no PyTorch module, so it cannot be "
                "exported", path=path, span=step.span,
                suggestions=["conv shares one filter across positions and exports as nn.Conv2d",
                             "write it by hand: torch.nn.functional.unfold, then a weight per output position"]))
            lane.volume = row.output
            return
        if lane.flat and not isinstance(layer, _ANY_RANK):
            lane.pending.append(_unflatten(row.input))
            lane.flat = False
        modules = _modules(layer, row, lane.flat, rounding is Rounding.CEIL)
        if row.output != row.input or isinstance(layer, (Conv, FC)):
            modules[-1].comment = f"{path}: {row.output}"
        lane.pending.extend(modules)
        lane.volume = row.output
        lane.flat = isinstance(layer, (FC, Flatten)) or (lane.flat and isinstance(layer, _ANY_RANK))


def _descendants(nodes) -> Iterator[Node]:
    """Every node under `nodes` (a sequence, or a tuple of branches), depth first."""
    for node in nodes:
        if isinstance(node, tuple) and not isinstance(node, (Step, From, Block)):
            yield from _descendants(node)
            continue
        yield node
        if isinstance(node, Block):
            yield from _descendants(node.branches)


def _ident(node: Node) -> str | None:
    return node.layer.id if isinstance(node, Step) else getattr(node, "id", None)


def _unflatten(volume: Volume) -> _Module:
    return _Module(f"nn.Unflatten(1, ({volume.depth}, 1, 1))")


# -- one layer -> its modules ---------------------------------------------------------------------
def _modules(layer: Layer, row: Row, flat: bool, ceil: bool) -> list[_Module]:
    """The modules for one layer, given its row; `ceil` when its own or its block's rounding is ceil."""
    if isinstance(layer, Deconv):
        return _deconv(layer, row)
    if isinstance(layer, Conv):
        return _conv(layer, row)
    if isinstance(layer, Pool):
        return _pool(layer, row, ceil)
    if isinstance(layer, FC):
        linear = _Module(_call("nn.Linear", row.input.elements, layer.units, bias=(layer.bias, True)))
        return [linear] if flat else [_Module("nn.Flatten()"), linear]
    if isinstance(layer, BatchNorm):
        kind = "nn.BatchNorm1d" if flat else "nn.BatchNorm2d"
        return [_Module(_call(kind, row.input.depth, eps=(layer.eps, 1e-5), momentum=(layer.momentum, 0.1)))]
    if isinstance(layer, GlobalPool):
        return [_Module(f"{_ADAPTIVE[layer.mode]}(1)")]
    if isinstance(layer, AdaptivePool):
        return [_Module(_call(_ADAPTIVE[layer.mode], layer.output))]
    if isinstance(layer, Crop):
        return [_Module(f"Crop{tuple(layer.cut(row.input)[:4])}")]
    if isinstance(layer, Upsample):
        return [_Module(_call("nn.Upsample", scale_factor=(layer.scale, None), mode=(layer.mode, "nearest")))]
    if isinstance(layer, LRN):
        return [_Module(_call("nn.LocalResponseNorm", layer.size, alpha=(layer.alpha, 1e-4),
                              beta=(layer.beta, 0.75), k=(layer.k, 1.0)))]
    if isinstance(layer, Dropout):
        return [_Module(_call("nn.Dropout", *([layer.p] if layer.p != 0.5 else [])))]
    if isinstance(layer, Flatten):
        return [_Module("nn.Flatten()")]
    if isinstance(layer, LeakyReLU):
        return [_Module(_call("nn.LeakyReLU", *([layer.slope] if layer.slope != 0.01 else [])))]
    return [_Module(_ACTIVATIONS[type(layer)])]


def _conv(layer: Conv, row: Row) -> list[_Module]:
    sides, why = _window_sides(layer, row)
    modules, padding = _explicit_padding(sides, why)
    modules.append(_Module(_call(
        "nn.Conv2d", row.input.depth, layer.filters, layer.kernel, stride=(layer.stride, _ONE),
        padding=(padding, _ZERO), dilation=(layer.dilation, _ONE), groups=(layer.groups, 1),
        bias=(layer.bias, True))))
    return modules


def _pool(layer: Pool, row: Row, ceil: bool) -> list[_Module]:
    axes = layer.axes(row.input)
    kernel, stride = layer.kernel, (layer.stride, layer.kernel)
    if layer.mode != "l2" and all(a.pad_lo == a.pad_hi <= a.kernel // 2 for a in axes):
        # PyTorch's own padding (at most half the undilated kernel) and ceil_mode round exactly as
        # cnncalc does (arithmetic.slide)
        floor = Pair(*(slide(a, Rounding.FLOOR).size for a in axes))
        ceil = ceil or floor != (row.output.width, row.output.height)
        padding = Pair(axes[0].pad_lo, axes[1].pad_lo)
        return [_Module(_call(_POOLS[layer.mode], kernel, stride=stride, padding=(padding, _ZERO),
                              dilation=(layer.dilation, _ONE), ceil_mode=(ceil, False)))]
    # asymmetric, `same` or wider padding, or LPPool2d (which takes none): pad first, to the sides
    # that give the row's size under PyTorch's floor rounding
    sides, why = _window_sides(layer, row)
    fill = "nn.ConstantPad2d" if layer.mode == "max" else "nn.ZeroPad2d"  # max pooling pads with -inf
    modules = [_pad(sides, why, fill)] if any(sides) else []
    if layer.mode == "l2":
        modules.append(_Module(_call("nn.LPPool2d", 2, kernel, stride=stride)))
    else:
        modules.append(_Module(_call(_POOLS[layer.mode], kernel, stride=stride, dilation=(layer.dilation, _ONE))))
    return modules


def _window_sides(layer: Conv | Pool, row: Row) -> tuple[tuple[int, int, int, int], str]:
    """Padding per side (left, right, top, bottom) that gives the row's output under PyTorch's floor,
    and why it is explicit: `same` padding, or ceil rounding (the right or bottom side moved to
    where the last window ends)."""
    sides: list[int] = []
    rounded = False
    for axis, out in zip(layer.axes(row.input), (row.output.width, row.output.height)):
        end = axis.pad_hi
        if slide(axis, Rounding.FLOOR).size != out:
            # where the last window ends; before the input's end when ceil dropped a whole window
            # (then no right padding gives the same count: every window left lies inside the input)
            end, rounded = max(0, (out - 1) * axis.stride + axis.span - axis.size - axis.pad_lo), True
        sides += [axis.pad_lo, end]
    left, right, top, bottom = sides
    return (left, right, top, bottom), "ceil rounding" if rounded else "'same' padding" if layer.padding.same else ""


def _explicit_padding(sides: tuple[int, int, int, int], why: str) -> tuple[list[_Module], Pair]:
    """The layer's own padding argument when the sides agree, else a padding module before it."""
    left, right, top, bottom = sides
    if left == right and top == bottom:
        return [], Pair(left, top)
    return [_pad(sides, why, "nn.ZeroPad2d")], _ZERO


def _pad(sides: tuple[int, int, int, int], why: str, fill: str) -> _Module:
    value = ', float("-inf")' if fill == "nn.ConstantPad2d" else ""
    return _Module(f"{fill}({sides}{value})", comment=why)


def _deconv(layer: Deconv, row: Row) -> list[_Module]:
    """ConvTranspose2d pads both sides alike and adds output_padding at the end only: `same` and
    asymmetric padding are written as the padding and output_padding that give the row's size,
    with a crop of one at the end where output_padding cannot be used (stride and dilation 1)."""
    axes = layer.axes(row.input)
    if not layer.padding.same and all(a.pad_lo == a.pad_hi for a in axes):
        padding, output_padding, crop = Pair(axes[0].pad_lo, axes[1].pad_lo), layer.output_padding, (0, 0)
    else:
        fitted = [_transposed_fit(a.size, a.stride, a.span, a.dilation, out)
                  for a, out in zip(axes, (row.output.width, row.output.height))]
        padding, output_padding, crop = (Pair(*values) for values in zip(*fitted))
    modules = [_Module(_call(
        "nn.ConvTranspose2d", row.input.depth, layer.filters, layer.kernel, stride=(layer.stride, _ONE),
        padding=(padding, _ZERO), output_padding=(output_padding, _ZERO), groups=(layer.groups, 1),
        bias=(layer.bias, True), dilation=(layer.dilation, _ONE)))]
    if any(crop):
        modules.append(_Module(f"Crop(0, {crop[0]}, 0, {crop[1]})"))
    return modules


def _transposed_fit(size: int, stride: int, span: int, dilation: int, out: int) -> tuple[int, int, int]:
    """(padding, output_padding, crop at the end) for one axis of ConvTranspose2d to give `out`."""
    cut = (size - 1) * stride + span - out  # what padding must take away from the full output
    if cut <= 0:
        return 0, -cut, 0
    padding = (cut + 1) // 2
    if 2 * padding - cut < max(stride, dilation):  # PyTorch's bound on output_padding
        return padding, 2 * padding - cut, 0
    return cut // 2, 0, 1


# -- text -----------------------------------------------------------------------------------------
def _hw(pair: Pair) -> str:
    """A pair as torch takes it: one number when square, else (height, width)."""
    return str(pair.width) if pair.width == pair.height else f"({pair.height}, {pair.width})"


def _call(name: str, *args, **options: tuple) -> str:
    """`name(args, key=value)`, leaving out each option equal to its default: options are (value, default)."""
    shown = [_literal(a) for a in args]
    shown += [f"{key}={_literal(value)}" for key, (value, default) in options.items() if value != default]
    return f"{name}({', '.join(shown)})"


def _literal(value) -> str:
    if isinstance(value, Pair):
        return _hw(value)
    return f'"{value}"' if isinstance(value, str) else repr(value)


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


def _module_text(spec: Spec, report: Report, writer: _Writer, result: str) -> str:
    name, volume, out = _class_name(spec.name), spec.input, report.output
    shape = f"1, {volume.depth}, {volume.height}, {volume.width}"
    totals = report.totals
    used = {re.match(r"\w+", call).group() for _, module in writer.attributes for call in module.calls()}
    parts = [
        f'"""{_escape(spec.name)}: a PyTorch module written by cnncalc from {_escape(report.source)}.\n\n'
        f"Input volume {volume} (width × height × depth). PyTorch tensors are N×C×H×W, so the input\n"
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
