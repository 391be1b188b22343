"""A validated spec -> a Report: volumes and receptive fields propagated layer by layer, counts,
shape diagnostics.

Blocks are flattened in the order they run: a residual's body, then its shortcut, then its `add`
row; the branches of `add` and `concat` in order, then the merge row.
"""
from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from . import budget, conventions
from .arithmetic import Rounding
from .budget import Limit
from .diagnostics import Diagnostic, error, warning
from .layers import Fields
from .memory import MemorySettings
from .receptive import INPUT_FIELD, widest
from .report import Report, Row
from .spec import Block, From, Node, Spec, Step, did_you_mean
from .volumes import Volume


class State(NamedTuple):
    """What flows between layers: the volume and the receptive field of one of its units."""

    volume: Volume
    fields: Fields


class _Stop(Exception):
    """The volume cannot be carried further: the analysis ends at this error."""


class _Walker:
    def __init__(self, spec: Spec, rounding: Rounding | None, rows: bool = True) -> None:
        self.spec = spec
        self.default_rounding = rounding or spec.rounding
        self.keep_rows = rows
        self.rows: list[Row] = []
        self.diagnostics: list[Diagnostic] = []
        self.outputs: dict[str, State] = {}  # id -> what that layer or block put out
        self.open_blocks: dict[str, str] = {}  # id -> kind of the blocks being walked: no output yet
        self.failed = False  # after the first error rows stop, but later faults are still sought

    def add_row(self, **fields) -> None:
        if self.keep_rows and not self.failed:
            self.rows.append(Row(index=len(self.rows), **fields))

    def report(self, diagnostic: Diagnostic, path: str, span) -> None:
        self.diagnostics.append(diagnostic._replace(path=path, span=span))
        if diagnostic.is_error:
            self.failed = True
            if not self.keep_rows:  # a yes/no question needs no further faults
                raise _Stop

    def sequence(self, nodes: tuple[Node, ...], state: State, prefix: str, rounding: Rounding | None) -> State:
        for i, node in enumerate(nodes):
            path = f"{prefix}[{i}]"
            if isinstance(node, Step):
                state = self.step(node, state, path, rounding)
            elif isinstance(node, From):
                state = self.follow_from(node, path)
            else:
                state = self.block(node, state, path, rounding)
        return state

    def step(self, step: Step, state: State, path: str, inherited: Rounding | None) -> State:
        layer, volume = step.layer, state.volume
        rounding = layer.rounding or inherited or self.default_rounding
        out, problems = layer.shape(volume, rounding)
        for problem in problems:
            self.report(problem, path, step.span)
        if out is None:
            if any(p.code == "non-integer-output" for p in problems):
                out, _ = layer.shape(volume, Rounding.FLOOR)  # carry on to find later faults too
            if out is None:
                raise _Stop
        fields = state.fields
        if self.keep_rows:  # a yes/no question (sizes) needs neither fields nor counts
            fields = layer.fields(volume, state.fields)
            self.add_row(path=path, type=layer.TYPE, label=layer.label(), input=volume, output=out,
                         weights=layer.weights(volume, out), biases=layer.biases(volume, out),
                         macs=layer.macs(volume, out), flops=layer.flops(volume, out),
                         buffers=layer.buffers(volume, out), field=fields, layer=layer)
        result = State(out, fields)
        if layer.id:
            self.outputs[layer.id] = result
        return result

    def follow_from(self, node: From, path: str) -> State:
        if node.ref not in self.outputs:
            if node.ref in self.open_blocks:
                message = (f"'{node.ref}' is the block this from is in, and its output is not made yet: from can "
                           "only refer to an earlier layer")
                hints = [] if self.open_blocks[node.ref] == "repeat" else [
                    "leave the from out: a branch starts from the block's input"]
            elif node.ref in self.spec.ids:
                message, hints = f"'{node.ref}' is defined later: from can only refer to an earlier layer", []
            else:
                message = f"no layer or block has the id '{node.ref}'"
                hints = [did_you_mean(node.ref, self.outputs)]
            self.report(error("unknown-id", message, suggestions=[h for h in hints if h]), path, node.span)
            raise _Stop
        return self.outputs[node.ref]

    def block(self, block: Block, state: State, path: str, inherited: Rounding | None) -> State:
        rounding = block.rounding or inherited
        if block.id:
            self.open_blocks[block.id] = block.kind
        if block.kind == "repeat":
            for k in range(1, block.count + 1):
                state = self.sequence(block.branches[0], state, f"{path}.repeat#{k}", rounding)
            out = state
        else:
            names = ("residual", "shortcut") if block.kind == "residual" else None
            ends = []
            for b, branch in enumerate(block.branches):
                prefix = f"{path}.{names[b]}" if names else f"{path}.{block.kind}[{b}]"
                ends.append((self.sequence(branch, state, prefix, rounding), prefix))
            out = self.merge(block, ends, path)
        if block.id:
            del self.open_blocks[block.id]
            self.outputs[block.id] = out
        return out

    def merge(self, block: Block, ends: list[tuple[State, str]], path: str) -> State:
        kind = "concat" if block.kind == "concat" else "add"
        (first, _), first_from = ends[0]
        for (other, _), other_from in ends[1:]:
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
        fields = tuple(widest([state.fields[axis] for state, _ in ends]) for axis in (0, 1))
        jumps = {state.fields[axis].jump for state, _ in ends for axis in (0, 1)}
        if len({(state.fields[0].jump, state.fields[1].jump) for state, _ in ends}) > 1:
            self.report(warning("mixed-strides", f"the branches of this {kind} see the input at different "
                                f"effective strides ({', '.join(sorted(map(str, jumps)))}); the receptive field "
                                "shown is the largest"), f"{path}.{kind}", block.span)
        out = first if kind == "add" else Volume(first.width, first.height, sum(s.volume.depth for s, _ in ends))
        flops = (len(ends) - 1) * out.elements if kind == "add" else 0
        self.add_row(path=f"{path}.{kind}", type=kind, label=kind.upper(), input=first, output=out, flops=flops,
                     field=fields)
        return State(out, fields)


def _start(spec: Spec) -> State:
    return State(spec.input, (INPUT_FIELD, INPUT_FIELD))


def analyze_spec(spec: Spec, source: str, rounding: Rounding | None = None,
                 memory: MemorySettings = MemorySettings(), limits: tuple[Limit, ...] = (),
                 convention: str = conventions.DEFAULT) -> Report:
    """Propagate `spec`'s input through every layer; `rounding` (the --rounding flag) overrides the
    spec's, `limits` (the --max-… flags) are checked beside the spec's own budget, and `flops`
    are counted as the tool named by `convention` counts them."""
    walker = _Walker(spec, rounding)
    walker.rows.append(Row(index=0, path="input", type="input", label="INPUT", input=None, output=spec.input,
                           field=(INPUT_FIELD, INPUT_FIELD)))
    out: State | None
    try:
        out = walker.sequence(spec.layers, _start(spec), "layers", None)
    except _Stop:
        out = None
    report = Report(spec.name, source, spec.input, None if walker.failed or out is None else out.volume,
                    conventions.apply(tuple(walker.rows), convention), tuple(walker.diagnostics), memory,
                    convention=convention)
    if report.valid and (spec.budget or limits):
        over = budget.check(report, [*spec.budget, *limits])
        report = replace(report, diagnostics=report.diagnostics + tuple(over))
    return report


def output_volume(spec: Spec, rounding: Rounding | None = None) -> Volume | None:
    """The output volume when every layer fits, else None: `check`'s verdict without rows or counts."""
    walker = _Walker(spec, rounding, rows=False)
    try:
        return walker.sequence(spec.layers, _start(spec), "layers", None).volume
    except _Stop:
        return None
