"""The one walk: a network -> its trace. For every node, the path where it stands, its resolved
rounding, its input and output volumes, its receptive field and counts (as a Row), and for a block
the traces of its branches. Everything else (the report, export, the diagram, explain, the
conventions) reads the trace; nothing walks the spec tree again or rebuilds a path. `sizes` walks it
with the same Walker, carrying a program of plain arithmetic instead of volumes (engine/sizes.py).

Blocks run in order: a residual's body, then its shortcut, then its `add` row; the branches of
`add`, `concat` and `multiply` in order, then the merge row; a repeat's copies one after the other,
a group's layers once (neither makes a row of its own). Inside a repeat, `{i}` in a row's name
is the number of the innermost repeat's copy, from 0.
"""
from __future__ import annotations

from typing import NamedTuple

from ..diagnostics import Diagnostic, Severity, Span, error, warning
from ..limits import INT64_MAX, MAX_DIAGNOSTICS
from ..model.arithmetic import Rounding
from ..model.geometry import AXIS_NAMES, Volume
from ..model.layers import Layer
from ..model.network import Block, From, Group, Network, Repeat, did_you_mean
from ..model.receptive import INPUT_FIELD, widest
from .huge import fits, huge_count, printed_digits, too_long
from .memory import MemorySettings
from .report import Row, numbers


class State(NamedTuple):
    """What flows between layers: the volume and the receptive field of one of its units."""

    volume: Volume
    fields: tuple


class Step(NamedTuple):
    """The trace of one node of the tree."""

    node: Layer | Block | From | None  # None for the input
    path: str
    span: Span | None
    rounding: Rounding | None
    row: Row | None  # the layer's row, or a merge block's merge row; None for from and a failed node
    branches: tuple[tuple["Step", ...], ...] = ()  # a block's branches (a repeat's copies)
    source: str | None = None  # a from: the path of the node it continues from


class Trace(NamedTuple):
    steps: tuple[Step, ...]  # the top level, the input first
    rows: tuple[Row, ...]  # every row in the order it runs (the report's rows)
    output: Volume | None  # None when a fault stopped the walk
    diagnostics: tuple[Diagnostic, ...]
    failed: bool


class Stop(Exception):
    """The volume cannot be carried further: the walk ends at this error."""


class Made(NamedTuple):
    """What made the volume that flows (a layer or block), until something takes it; `ids` name it."""

    path: str
    span: Span | None
    label: str
    ids: frozenset


def references(nodes) -> set[str]:
    """The ids that the `from`s among `nodes` (blocks' insides included) refer to."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, From):
            found.add(node.ref)
        elif isinstance(node, Block):
            for branch in node.branches:
                found |= references(branch)
    return found


class Walker:
    """The walk over the tree: the order of nodes, the rounding each inherits, the ids `from` refers to.
    What a layer does to what flows (`carry`) and what a merge makes of its branches (`merge`) are
    the methods a subclass replaces."""

    def __init__(self, network: Network, rounding: Rounding | None, rows: bool = True,
                 memory: MemorySettings = MemorySettings()) -> None:
        self.network = network
        self.flag_rounding = rounding  # --rounding: what it makes is no choice of the spec's own
        self.default_rounding = rounding or network.rounding
        self.keep_rows = rows
        self.memory = memory
        self.quick = INT64_MAX // memory.factor  # a row whose counts are at most this needs no closer look
        self.rows: list[Row] = []
        self.diagnostics: list[Diagnostic] = []
        self.left_out: list[Severity] = []  # of the diagnostics past MAX_DIAGNOSTICS
        self.huge: dict[str, list] = {}  # number's name -> [path, span, value, rows] where it first passes int64
        self.outputs: dict[str, tuple[State, str]] = {}  # id -> what that layer or block put out, and its path
        self.open_blocks: dict[str, Block] = {}  # id -> a block being walked: no output yet
        self.failed = False  # after the first error rows stop, but later faults are still sought
        self.copies: list[int] = []  # the copy of each repeat being walked, from 0, the innermost last
        self.level = 1  # the rows' level: 1 at the top, one more inside each block (a block's merge row included)
        self.referenced = references(network.layers)
        self.made: Made | None = None  # what made the volume that flows, while nothing has taken it
        self.unused: set[int] = set()  # the froms already found to leave an output unused (once per from)

    def add_row(self, span: Span | None, fields_fit: bool = True, **fields) -> Row | None:
        """Add a row (none after an error); `fields_fit`: its receptive field is int64s (huge.fits)."""
        if not self.keep_rows or self.failed:
            return None
        if self.copies and fields.get("name"):
            fields["name"] = fields["name"].replace("{i}", str(self.copies[-1]))
        row = Row(index=len(self.rows), level=self.level, **fields)
        if not fields_fit or max(row.weights + row.biases, row.macs, row.flops, row.buffers,
                                 row.output.elements) > self.quick:
            self.measure(row, span)
        self.rows.append(row)
        return row

    def measure(self, row: Row, span: Span | None) -> None:
        """Every number of a row whose counts pass `quick`: huge ones noted, too long ones refused."""
        found = dict(numbers(row.to_dict(self.memory)))
        for name, value in found.items():
            if too_long(value):
                self.report(error("too-large", f"the {name} of this layer has more than {printed_digits():,} digits, "
                                  "more than cnncalc prints",
                                  suggestions=["make the input or the layers smaller"]), row.path, span)
                raise Stop
        for name, value in found.items():
            if abs(value) > INT64_MAX:
                first = self.huge.setdefault(name, [row.path, span, value, 0])
                first[3] += 1

    def guard(self, volume: Volume, path: str, span: Span | None) -> None:
        """End the walk at a volume too large to print: past it, the numbers would only grow."""
        elements = volume.elements
        if elements > INT64_MAX and too_long(elements):
            self.report(error("too-large", f"the output volume's element count has more than "
                              f"{printed_digits():,} digits, more than cnncalc prints",
                              suggestions=["make the input or the upsampling smaller"]), path, span)
            raise Stop

    def guard_fields(self, fields, path: str, span: Span | None) -> None:
        """End the walk at a receptive field that cannot be printed or kept exact: past it, the
        numbers would only grow, and fractions cost more with every layer."""
        for axis, field in zip(AXIS_NAMES, fields):
            for name, value in zip(field._fields, field):
                numerator, denominator = value.as_integer_ratio()
                if denominator > 1 and max(abs(numerator), denominator) > INT64_MAX:
                    problem = "a fraction whose terms pass 2^63 − 1"
                elif too_long(numerator):
                    problem = f"a number of more than {printed_digits():,} digits"
                else:
                    continue
                self.report(error("too-large", f"the receptive field's {name} along the {axis} is {problem}; "
                                  "cnncalc keeps receptive fields exact only within that",
                                  suggestions=["fewer upsamplings, strides or layers"]), path, span)
                raise Stop

    def report(self, diagnostic: Diagnostic, path: str, span) -> None:
        if diagnostic.is_error:
            self.failed = True
        if len(self.diagnostics) >= MAX_DIAGNOSTICS:
            self.left_out.append(diagnostic.severity)
            if diagnostic.is_error:  # enough errors: stop looking
                raise Stop
            return
        self.diagnostics.append(diagnostic._replace(path=path, span=span))
        if diagnostic.is_error and not self.keep_rows:  # a yes/no question needs no further faults
            raise Stop

    def closing_diagnostics(self) -> list[Diagnostic]:
        """Where numbers first pass int64, and how many diagnostics were left out."""
        rows_first: dict[str, list] = {}  # path -> [span, its numbers that pass first there, later rows]
        for name, (path, span, value, rows) in self.huge.items():
            first = rows_first.setdefault(path, [span, [], 0])
            first[1].append((name, value))
            first[2] = max(first[2], rows - 1)
        closing = [huge_count(path, found, span, later) for path, (span, found, later) in rows_first.items()]
        if self.left_out:
            severity = min(self.left_out, key=list(Severity).index)  # the gravest of them
            closing.append(Diagnostic(severity, "too-many-diagnostics", f"{len(self.left_out):,} more errors and "
                                      f"warnings are not shown: cnncalc shows the first {MAX_DIAGNOSTICS:,}"
                                      + (" and stops looking at the next error" if severity is Severity.ERROR
                                         else "")))
        return closing

    def sequence(self, nodes, state: State, prefix: str, rounding: Rounding | None,
                 steps: list[Step]) -> State:
        for i, node in enumerate(nodes):
            path = f"{prefix}[{i}]"
            if isinstance(node, Layer):
                state = self.layer(node, state, path, rounding, steps)
            elif isinstance(node, From):
                state = self.follow_from(node, path, steps)
            else:
                state = self.block(node, state, path, rounding, steps)
        return state

    def layer(self, layer: Layer, state: State, path: str, inherited: Rounding | None, steps: list[Step]) -> State:
        written = layer.rounding or inherited or (None if self.flag_rounding else self.network.rounding)
        result = self.carry(layer, state, path, written or self.default_rounding, steps,
                            asked=written is Rounding.FLOOR)
        if layer.id:
            self.outputs[layer.id] = (result, path)
        self.made = Made(path, self.network.span(layer), layer.label(), frozenset({layer.id} - {None}))
        return result

    def carry(self, layer: Layer, state: State, path: str, rounding: Rounding, steps: list[Step],
              asked: bool = False) -> State:
        """`asked`: the spec wrote the floor rounding itself, so the border it drops is a note, not a warning."""
        volume, span = state.volume, self.network.span(layer)
        if volume.axes not in layer.AXES:
            self.report(error("wrong-axes", f"{layer.TYPE} works on {_axes_text(layer.AXES)} volumes, not on "
                              f"{volume} ({volume.axes} spatial ax{'is' if volume.axes == 1 else 'es'})"), path, span)
            raise Stop
        out, problems = layer.shape(volume, rounding)
        for problem in problems:
            if asked and problem.code == "dropped-border":
                problem = problem._replace(severity=Severity.NOTE)
            self.report(problem, path, span)
        if out is None:
            if any(p.code == "non-integer-output" for p in problems):
                out, _ = layer.shape(volume, Rounding.FLOOR)  # carry on to find later faults too
            if out is None:
                raise Stop
        self.guard(out, path, span)
        fields = state.fields
        row = None
        if self.keep_rows:  # a yes/no question (output_volume) needs neither fields nor counts
            fields = layer.fields(volume, state.fields)
            fields_fit = fields is state.fields or fits(fields)
            if not fields_fit:
                self.guard_fields(fields, path, span)
            row = self.add_row(span, fields_fit, path=path, type=layer.TYPE, label=layer.label(), input=volume,
                               output=out,
                               weights=layer.weights(volume, out), biases=layer.biases(volume, out),
                               macs=layer.macs(volume, out), flops=layer.flops(volume, out),
                               buffers=layer.buffers(volume, out), field=fields, layer=layer, name=layer.name)
        steps.append(Step(layer, path, span, rounding, row))
        return State(out, fields)

    def follow_from(self, node: From, path: str, steps: list[Step]) -> State:
        span = self.network.span(node)
        if node.ref not in self.outputs:
            if node.ref in self.open_blocks:
                message = (f"'{node.ref}' is the block this from is in, and its output is not made yet: from can "
                           "only refer to an earlier layer")
                hints = [] if self.open_blocks[node.ref].MERGE is None else [
                    "leave the from out: a branch starts from the block's input"]
            elif node.ref in self.network.ids:
                message, hints = f"'{node.ref}' is defined later: from can only refer to an earlier layer", []
            else:
                message = f"no layer or block has the id '{node.ref}'"
                hints = [did_you_mean(node.ref, self.outputs)]
            self.report(error("unknown-id", message, suggestions=[h for h in hints if h]), path, span)
            raise Stop
        made = self.made
        if made is not None and not made.ids & self.referenced and id(node) not in self.unused:
            self.unused.add(id(node))
            where = f", line {made.span.line}, column {made.span.column}" if made.span else ""
            self.report(warning("unused-branch", f"from: {node.ref} leaves the output of {made.label} ({made.path}"
                                f"{where}) unused: nothing after it takes it, and no from refers to it",
                                suggestions=[f"to go on from {made.label}'s output, leave this from out",
                                             f"to keep it for later, give {made.label} an id and refer to it with "
                                             "from:; else remove what makes it"]), path, span)
        self.made = None  # what the from continues from is taken, by the from itself
        state, source = self.outputs[node.ref]
        steps.append(Step(node, path, span, None, None, source=source))
        return state

    def block(self, block: Block, state: State, path: str, inherited: Rounding | None, steps: list[Step]) -> State:
        rounding = block.rounding or inherited
        span = self.network.span(block)
        if block.id in self.open_blocks:  # only a Network built in Python can nest it: the validator refuses it
            self.report(error("duplicate-id", f"the id '{block.id}' is already the id of a block this one is in",
                              suggestions=["give each layer and block its own id"]), path, span)
            raise Stop
        if block.id:
            self.open_blocks[block.id] = block
        branches: list[tuple[Step, ...]] = []
        self.level += 1
        if isinstance(block, Repeat):
            for k in range(block.count):
                self.copies.append(k)
                copy: list[Step] = []
                state = self.sequence(block.layers, state, f"{path}.repeat#{k + 1}", rounding, copy)
                branches.append(tuple(copy))
                self.copies.pop()
            out, row = state, None
        elif isinstance(block, Group):
            inner: list[Step] = []
            out, row = self.sequence(block.layers, state, f"{path}.group", rounding, inner), None
            branches.append(tuple(inner))
        else:
            names = ("residual", "shortcut") if block.KIND == "residual" else None
            ends = []
            for b, nodes in enumerate(block.branches):
                prefix = f"{path}.{names[b]}" if names else f"{path}.{block.KIND}[{b}]"
                branch: list[Step] = []
                self.made = None  # the block's input: every branch takes it
                ends.append((self.sequence(nodes, state, prefix, rounding, branch), prefix))
                branches.append(tuple(branch))
            out, row = self.merge(block, ends, path, span)
            self.made = Made(path, span, block.KIND.upper(), frozenset())  # the branches' ends: the merge took them
        if self.made is not None and block.id:  # a sequence's output is also its last node's
            self.made = self.made._replace(ids=self.made.ids | {block.id})
        self.level -= 1
        steps.append(Step(block, path, span, rounding, row, tuple(branches)))
        if block.id:
            del self.open_blocks[block.id]
            self.outputs[block.id] = (out, path)
        return out

    def merge(self, block: Block, ends: list[tuple[State, str]], path: str, span) -> tuple[State, Row | None]:
        kind = block.MERGE
        volumes = [state.volume for state, _ in ends]
        first = block.reference(volumes)
        for b, volume in enumerate(volumes):
            if not block.meets(volumes[first], volume):
                self.report(error("shape-mismatch", f"{kind} needs branches of the same {block.AGREE}: "
                                  f"{volumes[first]} from {ends[first][1]} but {volume} from {ends[b][1]}",
                                  suggestions=[block.hint(volumes[first], volume)]), f"{path}.{kind}", span)
                raise Stop
        axes = volumes[0].axes
        fields = tuple(widest([state.fields[axis] for state, _ in ends]) for axis in range(axes))
        if len({tuple(f.jump for f in state.fields) for state, _ in ends}) > 1:
            jumps = {str(f.jump) for state, _ in ends for f in state.fields}
            self.report(warning("mixed-strides", f"the branches of this {kind} see the input at different "
                                f"effective strides ({', '.join(sorted(jumps))}); the receptive field "
                                "shown is the largest"), f"{path}.{kind}", span)
        out = Volume(*block.merged(volumes))
        self.guard(out, f"{path}.{kind}", span)
        row = self.add_row(span, fits(fields), path=f"{path}.{kind}", type=kind, label=kind.upper(),
                           input=volumes[first], output=out, flops=block.flops(volumes, out), field=fields,
                           name=block.name, branches=tuple(volumes))
        return State(out, fields), row


def _axes_text(axes: tuple[int, ...]) -> str:
    return " or ".join(f"{n}-D" for n in axes)


def trace(network: Network, rounding: Rounding | None = None, memory: MemorySettings = MemorySettings()) -> Trace:
    """Walk `network` once; `rounding` (the --rounding flag) overrides the spec's, `memory` says
    which byte counts to look at for numbers past int64."""
    walker = Walker(network, rounding, memory=memory)
    fields = (INPUT_FIELD,) * network.input.axes
    input_row = walker.add_row(None, path="input", type="input", label="INPUT", input=None, output=network.input,
                               field=fields)
    steps = [Step(None, "input", None, None, input_row)]
    out: State | None
    try:
        out = walker.sequence(network.layers, State(network.input, fields), "layers", None, steps)
    except Stop:
        out = None
    output = None if walker.failed or out is None else out.volume
    return Trace(tuple(steps), tuple(walker.rows), output, tuple(walker.diagnostics + walker.closing_diagnostics()),
                 walker.failed)


def output_volume(network: Network, rounding: Rounding | None = None) -> Volume | None:
    """The output volume when every layer fits, else None: `check`'s verdict without rows or counts."""
    walker = Walker(network, rounding, rows=False)
    try:
        return walker.sequence(network.layers, State(network.input, (INPUT_FIELD,) * network.input.axes),
                               "layers", None, []).volume
    except Stop:
        return None
