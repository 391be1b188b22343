"""A validated spec -> a Report: volumes and receptive fields propagated layer by layer, counts,
shape diagnostics.

Blocks are flattened in the order they run: a residual's body, then its shortcut, then its `add`
row; the branches of `add` and `concat` in order, then the merge row.

Numbers are Python ints, exact at any size, but not every reader of the JSON holds them: a number
past 2^63 − 1 is a `huge-count` warning, and one too long to print (MAX_DIGITS) a `too-large`
error that ends the analysis, as does a receptive field whose fraction outgrows 64 bits.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import NamedTuple

from . import budget, conventions
from .arithmetic import Rounding
from .budget import Limit
from .diagnostics import Diagnostic, Severity, Span, error, warning
from .layers import Fields
from .limits import INT64_MAX, MAX_DIAGNOSTICS, MAX_DIGITS
from .memory import MemorySettings
from .receptive import INPUT_FIELD, widest
from .report import Report, Row, numbers
from .spec import Block, From, Node, Spec, Step, did_you_mean
from .volumes import Volume


class State(NamedTuple):
    """What flows between layers: the volume and the receptive field of one of its units."""

    volume: Volume
    fields: Fields


class _Stop(Exception):
    """The volume cannot be carried further: the analysis ends at this error."""


def _printed_digits() -> int:
    """The most digits a number may have: MAX_DIGITS, or fewer if Python is set to convert fewer to text."""
    return min(MAX_DIGITS, sys.get_int_max_str_digits() or MAX_DIGITS)


def _too_long(value: int) -> bool:
    digits = _printed_digits()
    # 3.32 < log2(10): fewer bits than 3.32 a digit is fewer digits, and saves computing 10**digits
    return abs(value).bit_length() > 3.32 * digits and abs(value) >= 10 ** digits


def _fits(fields: Fields) -> bool:
    """Whether every size, jump and start is an int64, or a fraction of int64s."""
    for field in fields:
        for value in field:
            if type(value) is int:  # the common case, directly
                if not -INT64_MAX <= value <= INT64_MAX:
                    return False
            elif not (-INT64_MAX <= value.numerator <= INT64_MAX and value.denominator <= INT64_MAX):
                return False
    return True


class _Walker:
    def __init__(self, spec: Spec, rounding: Rounding | None, rows: bool = True,
                 memory: MemorySettings = MemorySettings()) -> None:
        self.spec = spec
        self.default_rounding = rounding or spec.rounding
        self.keep_rows = rows
        self.memory = memory
        self.quick = INT64_MAX // memory.factor  # a row whose counts are at most this needs no closer look
        self.rows: list[Row] = []
        self.diagnostics: list[Diagnostic] = []
        self.left_out: list[Severity] = []  # of the diagnostics past MAX_DIAGNOSTICS
        self.huge: dict[str, list] = {}  # number's name -> [path, span, value, rows] where it first passes int64
        self.outputs: dict[str, State] = {}  # id -> what that layer or block put out
        self.open_blocks: dict[str, str] = {}  # id -> kind of the blocks being walked: no output yet
        self.failed = False  # after the first error rows stop, but later faults are still sought

    def add_row(self, span: Span | None, fits: bool = True, **fields) -> None:
        """Add a row (none after an error); `fits` says that its receptive field is int64s (_fits)."""
        if self.keep_rows and not self.failed:
            row = Row(index=len(self.rows), **fields)
            if not fits or max(row.weights + row.biases, row.macs, row.flops, row.buffers,
                               row.output.elements) > self.quick:
                self.measure(row, span)
            self.rows.append(row)

    def measure(self, row: Row, span: Span | None) -> None:
        """Every number of a row whose counts pass `quick`: huge ones noted, too long ones refused."""
        found = dict(numbers(row.to_dict(self.memory)))
        for name, value in found.items():
            if _too_long(value):
                self.report(error("too-large", f"the {name} of this layer has more than {_printed_digits():,} digits, "
                                  "more than cnncalc prints",
                                  suggestions=["make the input or the layers smaller"]), row.path, span)
                raise _Stop
        for name, value in found.items():
            if abs(value) > INT64_MAX:
                first = self.huge.setdefault(name, [row.path, span, value, 0])
                first[3] += 1

    def guard(self, volume: Volume, path: str, span: Span | None) -> None:
        """End the walk at a volume too large to print: past it, the numbers would only grow."""
        elements = volume.elements
        if elements > INT64_MAX and _too_long(elements):
            self.report(error("too-large", f"the output volume's element count has more than "
                              f"{_printed_digits():,} digits, more than cnncalc prints",
                              suggestions=["make the input or the upsampling smaller"]), path, span)
            raise _Stop

    def guard_fields(self, fields: Fields, path: str, span: Span | None) -> None:
        """End the walk at a receptive field that cannot be printed or kept exact: past it, the
        numbers would only grow, and fractions cost more with every layer."""
        for axis, field in zip(("width", "height"), fields):
            for name, value in zip(field._fields, field):
                numerator, denominator = value.as_integer_ratio()
                if denominator > 1 and max(abs(numerator), denominator) > INT64_MAX:
                    problem = "a fraction whose terms pass 2^63 − 1"
                elif _too_long(numerator):
                    problem = f"a number of more than {_printed_digits():,} digits"
                else:
                    continue
                self.report(error("too-large", f"the receptive field's {name} along the {axis} is {problem}; "
                                  "cnncalc keeps receptive fields exact only within that",
                                  suggestions=["fewer upsamplings, strides or layers"]), path, span)
                raise _Stop

    def report(self, diagnostic: Diagnostic, path: str, span) -> None:
        if diagnostic.is_error:
            self.failed = True
        if len(self.diagnostics) >= MAX_DIAGNOSTICS:
            self.left_out.append(diagnostic.severity)
            if diagnostic.is_error:  # enough errors: stop looking
                raise _Stop
            return
        self.diagnostics.append(diagnostic._replace(path=path, span=span))
        if diagnostic.is_error and not self.keep_rows:  # a yes/no question needs no further faults
            raise _Stop

    def closing_diagnostics(self) -> list[Diagnostic]:
        """Where numbers first pass int64, and how many diagnostics were left out."""
        rows_first: dict[str, list] = {}  # path -> [span, its numbers that pass first there, later rows]
        for name, (path, span, value, rows) in self.huge.items():
            first = rows_first.setdefault(path, [span, [], 0])
            first[1].append((name, value))
            first[2] = max(first[2], rows - 1)
        closing = [_huge(path, found, span, later) for path, (span, found, later) in rows_first.items()]
        if self.left_out:
            severity = Severity.ERROR if Severity.ERROR in self.left_out else Severity.WARNING
            closing.append(Diagnostic(severity, "too-many-diagnostics", f"{len(self.left_out):,} more errors and "
                                      f"warnings are not shown: cnncalc shows the first {MAX_DIAGNOSTICS:,}"
                                      + (" and stops looking at the next error" if severity is Severity.ERROR
                                         else "")))
        return closing

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
        self.guard(out, path, step.span)
        fields = state.fields
        if self.keep_rows:  # a yes/no question (sizes) needs neither fields nor counts
            fields = layer.fields(volume, state.fields)
            fits = fields is state.fields or _fits(fields)
            if not fits:
                self.guard_fields(fields, path, step.span)
            self.add_row(step.span, fits, path=path, type=layer.TYPE, label=layer.label(), input=volume, output=out,
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
        self.guard(out, f"{path}.{kind}", block.span)
        flops = (len(ends) - 1) * out.elements if kind == "add" else 0
        self.add_row(block.span, _fits(fields), path=f"{path}.{kind}", type=kind, label=kind.upper(), input=first,
                     output=out, flops=flops, field=fields)
        return State(out, fields)


def _start(spec: Spec) -> State:
    return State(spec.input, (INPUT_FIELD, INPUT_FIELD))


def analyze_spec(spec: Spec, source: str, rounding: Rounding | None = None,
                 memory: MemorySettings = MemorySettings(), limits: tuple[Limit, ...] = (),
                 convention: str = conventions.DEFAULT) -> Report:
    """Propagate `spec`'s input through every layer; `rounding` (the --rounding flag) overrides the
    spec's, `limits` (the --max-… flags) are checked beside the spec's own budget, and `flops`
    are counted as the tool named by `convention` counts them."""
    walker = _Walker(spec, rounding, memory=memory)
    walker.add_row(None, path="input", type="input", label="INPUT", input=None, output=spec.input,
                   field=(INPUT_FIELD, INPUT_FIELD))
    out: State | None
    try:
        out = walker.sequence(spec.layers, _start(spec), "layers", None)
    except _Stop:
        out = None
    report = Report(spec.name, source, spec.input, None if walker.failed or out is None else out.volume,
                    conventions.apply(tuple(walker.rows), convention),
                    tuple(walker.diagnostics + walker.closing_diagnostics()), memory, convention=convention)
    report = _check_totals(report)
    if report.valid and (spec.budget or limits):
        over = budget.check(report, [*spec.budget, *limits])
        report = replace(report, diagnostics=report.diagnostics + tuple(over))
    return report


def _check_totals(report: Report) -> Report:
    """The report with a warning for each total past int64, or, when one is too long to print, an
    error and no rows (nothing to add up under the table)."""
    found = dict(numbers(report.totals.to_dict(report.memory, report.rows)))
    huge = {name: value for name, value in found.items() if abs(value) > INT64_MAX}
    if not huge:
        return report
    too_long = [name for name, value in huge.items() if _too_long(value)]
    if too_long:
        return replace(report, rows=(), diagnostics=report.diagnostics + (error(
            "too-large", f"the total {too_long[0]} has more than {_printed_digits():,} digits, more than cnncalc "
            "prints", path="totals", suggestions=["make the input or the layers smaller"]),))
    return replace(report, diagnostics=report.diagnostics + (_huge("totals", list(huge.items())),))


def _huge(path: str, found: list[tuple[str, int]], span: Span | None = None, later: int = 0) -> Diagnostic:
    """`huge-count` for the numbers of a row (or the totals) past int64; `later` rows have some too."""
    return warning("huge-count", f"{path} has numbers past 2^63 − 1 ({INT64_MAX:,}), the most that int64 readers "
                   "(databases, most JSON parsers) hold exactly: " + ", ".join(f"{name} {_value(value)}"
                                                                             for name, value in found)
                   + (f"; so do {later:,} later rows" if later else ""), path, span)


def _value(value: int) -> str:
    """A number for a message: in full up to 40 digits, past that its order (the JSON has it in full)."""
    return f"{value:,}" if abs(value) < 10**40 else f"about 10^{int((abs(value).bit_length() - 1) * 0.30103)}"


def output_volume(spec: Spec, rounding: Rounding | None = None) -> Volume | None:
    """The output volume when every layer fits, else None: `check`'s verdict without rows or counts."""
    walker = _Walker(spec, rounding, rows=False)
    try:
        return walker.sequence(spec.layers, _start(spec), "layers", None).volume
    except _Stop:
        return None
