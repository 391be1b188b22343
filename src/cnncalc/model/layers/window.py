"""What the layers that slide a window share (conv, local, deconv, pool): the axes of the window
over a volume, the rounded output size, and the diagnostics of sizes that do not divide."""
from __future__ import annotations

from typing import ClassVar

from ...diagnostics import Diagnostic, error, warning
from .. import receptive
from ..arithmetic import Axis, Rounding, same_padding, same_size, slide, suggest_fixes
from ..geometry import AXIS_NAMES, SIDES, Padding, PerAxis, Volume, shown_axes, uniform
from ..params import DILATION, PADDING, PER_AXIS, Param
from .base import COMMON, AxisMap, Fields, Layer, Term, Torch, any_volume, axis_symbols, axis_word, torch_dims

WINDOW = {
    **COMMON,
    "kernel": Param(PER_AXIS, letter="F", doc="F: the window's size, one number or one per axis (WxH)"),
    "stride": Param(PER_AXIS, uniform(1), letter="S", doc="S"),
    "padding": Param(PADDING, Padding(), letter="P", doc="P: a number, WxH, same, valid or {left, right, top, bottom}"),
    "dilation": Param(DILATION, uniform(1), doc="1 is an ordinary window"),
}


class AxesError(ValueError):
    """A per-axis value whose number of axes is not the input's."""


class Windowed(Layer):
    PYTORCH_FLOORS: ClassVar[bool] = True  # PyTorch has the layer and floors its sizes: floor is what a port expects

    kernel: PerAxis
    stride: PerAxis
    padding: Padding
    dilation: PerAxis

    def axes(self, volume: Volume) -> tuple[Axis, ...]:
        """One Axis per spatial axis of `volume`; AxesError when a value has another number of axes."""
        count = volume.axes
        try:
            kernel = self.kernel.resolve(count, "kernel")
            stride = self.stride.resolve(count, "stride")
            dilation = self.dilation.resolve(count, "dilation")
            if self.padding.same:
                before, after = zip(*(same_padding(*args) for args in zip(volume.spatial, kernel, stride, dilation)))
            else:
                before, after = self.padding.resolve(count)
        except ValueError as exc:
            raise AxesError(f"{exc} for a volume of {count} spatial ax{'is' if count == 1 else 'es'} ({volume})")
        return tuple(Axis(*values) for values in zip(volume.spatial, kernel, stride, before, after, dilation))

    def resolved_axes(self, volume: Volume) -> tuple[tuple[Axis, ...] | None, list[Diagnostic]]:
        try:
            return self.axes(volume), []
        except AxesError as exc:
            return None, [axes_error(exc)]

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        window = self.axes(any_volume(axes))[axis]  # every value resolved; the size is left to the map
        if window.stride == 1 and (self.padding.same or window.pad_lo + window.pad_hi == window.span - 1):
            return None  # every size kept: ⌈W/1⌉ = W, or (W + P − span)/1 + 1 = W with a padding P of span − 1
        if self.padding.same:
            stride = window.stride
            return lambda size: same_size(size, stride)
        rest, exact = window[1:], rounding is Rounding.EXACT

        def output(size: int) -> int | None:  # `spatial`'s errors: an empty output, or not whole under exact
            result = slide(Axis(size, *rest), rounding)
            return result.size if result.size >= 1 and (result.exact or not exact) else None
        return output

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.window(f, a.span, a.stride, a.pad_lo) for f, a in zip(fields, self.axes(volume)))

    def suggest(self, axis: Axis) -> list[tuple[str, int, Axis]]:
        """Verified changes that make `axis` whole (arithmetic.suggest_fixes), within this layer's rules."""
        return suggest_fixes(axis)

    def size_terms(self, volume: Volume, out: Volume) -> list[Term]:
        """A term per output axis, and `rounded` when the division was not whole."""
        axes = self.axes(volume)
        kind = "same-padding" if self.padding.same else "size"
        terms = [Term(kind, name, axis, size) for name, axis, size in zip(axis_symbols(volume.axes, 2), axes, out)]
        if not self.padding.same and not all(a.is_exact for a in axes):
            terms.append(Term("rounded", value=out.spatial))
        return terms

    def spatial(self, volume: Volume, rounding: Rounding) -> tuple[tuple[int, ...] | None, list[Diagnostic]]:
        """Output sizes per spatial axis, or None with the diagnostics that say why not."""
        axes, problems = self.resolved_axes(volume)
        if axes is None:
            return None, problems
        if self.padding.same:  # TensorFlow's rule: ⌈W/S⌉ whatever the kernel and the rounding
            size = tuple(same_size(a.size, a.stride) for a in axes)
            return size, self.same_dropped(axes) if rounding is Rounding.FLOOR else []
        results = [slide(a, rounding) for a in axes]
        if any(r.size < 1 for r in results):
            empty = [_named(i) + f"{a.formula()} (the window, {a.span}, is larger than the padded input, "
                     f"{a.size + a.pad_lo + a.pad_hi})" for i, a in _failing(axes, [r.size >= 1 for r in results])]
            problems.append(error("empty-output", f"the output is empty: {'; '.join(empty)}",
                                  suggestions=["use a smaller kernel or stride, more padding, or a larger input"]))
            return None, problems
        if rounding is Rounding.EXACT and not all(r.exact for r in results):
            problems.append(_non_integer(axes, [r.exact for r in results], self.suggest, self.PYTORCH_FLOORS))
            return None, problems
        dropped = [r.dropped for r in results]
        if any(dropped):
            problems.append(_dropped_border("floor rounding", dropped, [_rounding_hint(axes, Rounding.CEIL)]))
        return tuple(r.size for r in results), problems

    def same_dropped(self, axes: tuple[Axis, ...]) -> list[Diagnostic]:
        """`dropped-border` for same padding. Its output ⌈W/S⌉ is also the floored slide over its padding,
        which reads every input column unless the stride is wider than the window: then the padding
        max((⌈W/S⌉ − 1)·S + d(F−1) + 1 − W, 0) clamps at 0 and the windows stop short of the end."""
        dropped = [slide(a, Rounding.FLOOR).dropped for a in axes]
        if not any(dropped):
            return []
        # d more per kernel step: ⌈n/d⌉ steps make the window reach n columns further
        kernel = shown_axes([a.kernel - (-n // a.dilation) for a, n in zip(axes, dropped)])
        return [_dropped_border(f"same padding (the stride {self.stride} is wider than the window)", dropped,
                                [f"kernel: {kernel} makes the windows reach the end of the input"])]


def _dropped_border(cause: str, dropped: list[int], suggestions: list[str]) -> Diagnostic:
    where = " and ".join(axis_word(i) if n == 1 else f"{n} {axis_word(i, plural=True)}"
                         for i, n in enumerate(dropped) if n)
    return warning("dropped-border", f"{cause} leaves the last {where} of the input uncovered by any window",
                   suggestions=suggestions)


def _failing(axes: tuple[Axis, ...], ok: list[bool]) -> list[tuple[int | None, Axis]]:
    """(index, axis) of each axis that is not `ok`; one (None, axis) when every axis is alike."""
    if len(set(axes)) == 1:
        return [(None, axes[0])]
    return [(i, a) for i, a in enumerate(axes) if not ok[i]]


def _named(index: int | None) -> str:
    """'width: ' or 'height: ' before one axis's arithmetic; nothing when it stands for every axis."""
    return "" if index is None else f"{AXIS_NAMES[index]}: "


def torch_sides(layer: Windowed, row) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Padding before and after each axis that gives the row's output under PyTorch's floor, and why
    it is explicit: `same` padding, or ceil rounding (the end moved to where the last window ends)."""
    before, after, rounded = [], [], False
    for axis, out in zip(layer.axes(row.input), row.output.spatial):
        end = axis.pad_hi
        if slide(axis, Rounding.FLOOR).size != out:
            # where the last window ends; before the input's end when ceil dropped a whole window
            # (then no end padding gives the same count: every window left lies inside the input)
            end, rounded = max(0, (out - 1) * axis.stride + axis.span - axis.size - axis.pad_lo), True
        before.append(axis.pad_lo)
        after.append(end)
    return tuple(before), tuple(after), "ceil rounding" if rounded else "'same' padding" if layer.padding.same else ""


def pad_module(row, before, after, why: str = "", fill: str = "ZeroPad", value: str = "") -> Torch:
    """nn.ZeroPad2d((left, right, top, bottom)), or another of PyTorch's pads: nn.ConstantPad2d(…, value)
    (max pooling pads with float("-inf")), nn.ReflectionPad2d(…). The sides go in PyTorch's order, the last
    axis's (the width's) first, and there from the 1-D to the 3-D module alike."""
    sides = tuple(side for pair in zip(before, after) for side in pair)
    return Torch(f"nn.{fill}{torch_dims(row.input)}({sides}{', ' + value if value else ''})", why)


def axes_error(exc: ValueError) -> Diagnostic:
    return error("wrong-axes", str(exc), suggestions=["give one number for every axis, or one per spatial axis "
                                                      "of the input, width first"])


def _rounding_hint(axes: tuple[Axis, ...], rounding: Rounding) -> str:
    """What `rounding` makes of the axes: `112` when every axis gives the same, else `112×56`."""
    sizes = [slide(a, rounding).size for a in axes]
    shown = str(sizes[0]) if len(set(sizes)) == 1 else "×".join(map(str, sizes))
    if rounding is Rounding.FLOOR:
        return f"rounding: floor — PyTorch's rule — gives {shown}"
    return f"rounding: ceil gives {shown} (as Caffe and ceil_mode=True do)"


def _non_integer(axes: tuple[Axis, ...], exact: list[bool], suggest, pytorch: bool) -> Diagnostic:
    """`non-integer-output` with the arithmetic and verified suggestions, per failing axis. Where PyTorch
    has the layer, floor (what it computes) comes first: a port from PyTorch wants it, not a new size."""
    failing = _failing(axes, exact)
    arithmetic = "; ".join(_named(i) + a.formula() for i, a in failing)
    fixes = [_describe_fix(what, i, axes, fixed, out) for i, a in failing for what, out, fixed in suggest(a)]
    floor, ceil = _rounding_hint(axes, Rounding.FLOOR), _rounding_hint(axes, Rounding.CEIL)
    suggestions = [floor, *fixes, ceil] if pytorch else [*fixes, floor.replace(" — PyTorch's rule —", ""), ceil]
    return error("non-integer-output", f"the output size is not a whole number: {arithmetic}",
                 suggestions=suggestions)


def _describe_fix(what: str, index: int | None, axes: tuple[Axis, ...], new: Axis, out: int) -> str:
    """A suggestion in the spec's own words; `index` None means every axis changes alike."""
    old = axes[0 if index is None else index]
    where = "" if index is None else f" in {AXIS_NAMES[index]}"
    if what == "input size":  # `an input of 9`, `an input width of 9`, `an input of 9 frames`
        given = f"of {new.size} frames" if index == 2 else f"{where.replace(' in ', '')} of {new.size}".lstrip()
        return f"an input {given} instead of {old.size} to this layer gives {out}"
    changed = [new] * len(axes) if index is None else [new if i == index else a for i, a in enumerate(axes)]
    if what == "padding":
        if all(a.pad_lo == a.pad_hi for a in changed):
            value = shown_axes([a.pad_lo for a in changed])
        else:
            value = "{" + ", ".join(f"{lo}: {a.pad_lo}, {hi}: {a.pad_hi}" for (lo, hi), a in zip(SIDES, changed)) + "}"
    else:
        value = shown_axes([getattr(a, what) for a in changed])
    follows = " (its stride follows the kernel)" if what == "kernel" and new.stride != old.stride else ""
    return f"{what}: {value} gives {out}{where}{follows}"


def window_label(name: str, kernel: PerAxis, stride: PerAxis | None, suffix: str = "") -> str:
    """The notes' style: CONV3-64, POOL2; a stride other than the default is shown as /2."""
    text = f"{name}{kernel}{suffix}"
    return f"{text}/{stride}" if stride is not None and set(stride.values) != {1} else text


def kernel_symbols(kernel: tuple[int, ...]) -> str:
    """`F·F` for a square kernel, `Fw·Fh` for another (`F·F·F`, `Fw·Fh·Ft` in 3-D)."""
    if len(set(kernel)) == 1:
        return "·".join("F" * len(kernel))
    return "·".join(f"F{n}" for n in "wht"[:len(kernel)])


__all__ = ["WINDOW", "Windowed", "window_label", "kernel_symbols"]
