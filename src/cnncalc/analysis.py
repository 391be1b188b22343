"""A validated spec -> a Report: volumes propagated layer by layer, counts, shape diagnostics.

Blocks are flattened in the order they run: a residual's body, then its shortcut, then its `add`
row; the branches of `add` and `concat` in order, then the merge row.
"""
from __future__ import annotations

from .arithmetic import Rounding
from .diagnostics import Diagnostic, error
from .report import Report, Row
from .spec import Block, From, Node, Spec, Step, did_you_mean
from .volumes import Volume


class _Stop(Exception):
    """The volume cannot be carried further: the analysis ends at this error."""


class _Walker:
    def __init__(self, spec: Spec, rounding: Rounding | None) -> None:
        self.spec = spec
        self.default_rounding = rounding or spec.rounding
        self.rows: list[Row] = []
        self.diagnostics: list[Diagnostic] = []
        self.outputs: dict[str, Volume] = {}  # id -> the volume that layer or block put out
        self.failed = False  # after the first error rows stop, but later faults are still sought

    def add_row(self, **fields) -> None:
        if not self.failed:
            self.rows.append(Row(index=len(self.rows), **fields))

    def report(self, diagnostic: Diagnostic, path: str, span) -> None:
        self.diagnostics.append(diagnostic._replace(path=path, span=span))
        if diagnostic.is_error:
            self.failed = True

    def sequence(self, nodes: tuple[Node, ...], volume: Volume, prefix: str, rounding: Rounding | None) -> Volume:
        for i, node in enumerate(nodes):
            path = f"{prefix}[{i}]"
            if isinstance(node, Step):
                volume = self.step(node, volume, path, rounding)
            elif isinstance(node, From):
                volume = self.jump(node, path)
            else:
                volume = self.block(node, volume, path, rounding)
        return volume

    def step(self, step: Step, volume: Volume, path: str, inherited: Rounding | None) -> Volume:
        layer = step.layer
        rounding = layer.rounding or inherited or self.default_rounding
        out, problems = layer.shape(volume, rounding)
        for problem in problems:
            self.report(problem, path, step.span)
        if out is None:
            if any(p.code == "non-integer-output" for p in problems):
                out, _ = layer.shape(volume, Rounding.FLOOR)  # carry on to find later faults too
            if out is None:
                raise _Stop
        self.add_row(path=path, type=layer.TYPE, label=layer.label(), input=volume, output=out,
                     weights=layer.weights(volume, out), biases=layer.biases(volume, out),
                     macs=layer.macs(volume, out), flops=layer.flops(volume, out), buffers=layer.buffers(volume, out))
        if layer.id:
            self.outputs[layer.id] = out
        return out

    def jump(self, node: From, path: str) -> Volume:
        if node.ref not in self.outputs:
            known = node.ref in self.spec.ids
            message = (f"'{node.ref}' is defined later: from can only refer to an earlier layer" if known
                       else f"no layer or block has the id '{node.ref}'")
            self.report(error("unknown-id", message, suggestions=[did_you_mean(node.ref, self.outputs)] if not known
                              else []), path, node.span)
            raise _Stop
        return self.outputs[node.ref]

    def block(self, block: Block, volume: Volume, path: str, inherited: Rounding | None) -> Volume:
        rounding = block.rounding or inherited
        if block.kind == "repeat":
            for k in range(1, block.count + 1):
                volume = self.sequence(block.branches[0], volume, f"{path}.repeat#{k}", rounding)
            out = volume
        else:
            names = ("residual", "shortcut") if block.kind == "residual" else None
            ends = []
            for b, branch in enumerate(block.branches):
                prefix = f"{path}.{names[b]}" if names else f"{path}.{block.kind}[{b}]"
                ends.append((self.sequence(branch, volume, prefix, rounding), prefix))
            out = self.merge(block, ends, path)
        if block.id:
            self.outputs[block.id] = out
        return out

    def merge(self, block: Block, ends: list[tuple[Volume, str]], path: str) -> Volume:
        kind = "concat" if block.kind == "concat" else "add"
        first, first_from = ends[0]
        for other, other_from in ends[1:]:
            agree = other == first if kind == "add" else other[:2] == first[:2]
            if not agree:
                what = "volume" if kind == "add" else "width and height"
                self.report(error("shape-mismatch", f"{kind} needs branches of the same {what}: {first} from "
                                  f"{first_from} but {other} from {other_from}",
                                  suggestions=["give the shortcut a 1x1 conv with the body's depth and stride"
                                               if block.kind == "residual" else
                                               "make the branches' strides and paddings agree"]),
                            f"{path}.{kind}", block.span)
                raise _Stop
        out = first if kind == "add" else Volume(first.width, first.height, sum(v.depth for v, _ in ends))
        flops = (len(ends) - 1) * out.elements if kind == "add" else 0
        self.add_row(path=f"{path}.{kind}", type=kind, label=kind.upper(), input=first, output=out, flops=flops)
        return out


def analyze_spec(spec: Spec, source: str, rounding: Rounding | None = None,
                 warnings: tuple[Diagnostic, ...] = ()) -> Report:
    """Propagate `spec`'s input through every layer; `rounding` (the --rounding flag) overrides the spec's."""
    walker = _Walker(spec, rounding)
    walker.rows.append(Row(index=0, path="input", type="input", label="INPUT", input=None, output=spec.input))
    out: Volume | None
    try:
        out = walker.sequence(spec.layers, spec.input, "layers", None)
    except _Stop:
        out = None
    return Report(spec.name, source, spec.input, None if walker.failed else out, tuple(walker.rows),
                  tuple(warnings) + tuple(walker.diagnostics))
