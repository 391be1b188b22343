"""Random valid specs, exported to PyTorch: torch agrees with cnncalc on every one.

A hypothesis strategy writes specs as YAML text on 1-D (L×D), 2-D (W×H×D) and 3-D (W×H×T×D) inputs
that use every layer type but `local` (which has no PyTorch module), every block (repeat, residual
with and without a shortcut, add, concat with an empty branch, multiply with gates that broadcast,
group, `from` with ids, crops), every padding form (per-axis values, sides with `front` and `back`),
and rounding set on the spec, on blocks and on layers. Types that take only 2-D volumes (lrn,
pixel_shuffle, pixel_unshuffle) are drawn on 2-D only, and upsample's modes on the axes they
interpolate over. The specs are valid by construction: the strategy carries the volume along as it
draws, with its own arithmetic written from the contract (/work/shared/spec-format.md, §2, §5, §7
and §8), and picks windows, strides, paddings and roundings that fit; branches that must meet are
brought together with a crop, an upsample, an adaptive pool, a `same` window or a 1×1 conv, or
squeezed by a global pool into a gate.

Each spec is analysed by cnncalc, exported by the CLI, and the module is run on one input in eval
mode. Torch must agree on the output shape, on the output of every module that stands for one layer
(as multisets: branches run in another order), on the parameter count and on the MACs (half of
FlopCounterMode's count). cnncalc must also agree with the strategy's own arithmetic.
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from math import prod

import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from cnncalc import analyze_text
from conftest import ONE_TO_ONE, build, run_export, stands_for_a_row, tensor_volume, torch_input, torch_modules

torch, nn, FlopCounterMode = torch_modules()

pytestmark = pytest.mark.torch

# examples per dimensionality: the 800 that the test drew on 2-D inputs alone, split, in about its time (14 s
# alone on this 2-core machine, 37 s beside a second copy of itself)
EXAMPLES = {1: 200, 2: 400, 3: 200}
MAX_SIDE = {1: 128, 2: 64, 3: 16}  # no axis is drawn larger than this, nor an fc or a flatten on a large volume
MAX_FC_INPUTS = 2048
ROUNDINGS = ("exact", "floor", "ceil")


# -- the contract's arithmetic, on the spec's own data (the strategy's reading, not cnncalc's) ------
class Invalid(Exception):
    """The spec would not be valid: the strategy drew something it should not have."""


AXIS_NAMES = ("width", "height", "frames")  # §8: the spatial axes, width first
AXIS_ALIASES = {"length": "width", "time": "frames", "slices": "frames"}
SIDES = (("left", "right"), ("top", "bottom"), ("front", "back"))  # the two sides of each axis
# the interpolating modes of upsample and the axes each works over (§8); nearest works on any
UPSAMPLE_AXES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def per_axis(value, axes: int, default: int | tuple | None = None) -> tuple[int, ...]:
    """A value per spatial axis as the YAML holds it: 3 (every axis), "5x3x2", [5, 3, 2] or
    {width: 5, height: 3, frames: 2}, width first; `default` when left out."""
    if value is None:
        return (default,) * axes if isinstance(default, int) else default
    if isinstance(value, int):
        return (value,) * axes
    if isinstance(value, str):
        values = tuple(int(v) for v in value.split("x"))
    elif isinstance(value, dict):
        named = {AXIS_ALIASES.get(k, k): v for k, v in value.items()}
        if set(named) != set(AXIS_NAMES[:axes]):
            raise Invalid(f"{value} on {axes} axes")
        values = tuple(named[n] for n in AXIS_NAMES[:axes])
    else:
        values = tuple(value)
    if len(values) != axes:
        raise Invalid(f"{value} on {axes} axes")
    return values


def sides(value, axes: int) -> list[tuple[int, int]] | None:
    """Padding as (before, after) per axis; None for `same`. In a mapping a side left out is 0."""
    if value in (None, "valid"):
        return [(0, 0)] * axes
    if value == "same":
        return None
    if isinstance(value, dict) and "width" not in value and "length" not in value:
        if any(side in value for pair in SIDES[axes:] for side in pair):
            raise Invalid(f"{value} on {axes} axes")
        return [(value.get(lo, 0), value.get(hi, 0)) for lo, hi in SIDES[:axes]]
    return [(p, p) for p in per_axis(value, axes)]


def slide(size: int, kernel: int, stride: int, lo: int, hi: int, dilation: int, rounding: str) -> int:
    """Contract §2 and §5: (W + P_lo + P_hi − d(F−1) − 1)/S + 1, rounded; under ceil "the last window
    must start inside the input or its left padding" (PyTorch's rule), rounded up or not: windows are
    dropped from the end until the last one does."""
    num = size + lo + hi - dilation * (kernel - 1) - 1
    if rounding == "ceil":
        out = -(-num // stride) + 1
        while out > 1 and (out - 1) * stride >= size + lo:
            out -= 1
    else:
        if rounding == "exact" and num % stride:
            raise Invalid(f"non-integer output: ({num})/{stride} + 1")
        out = num // stride + 1
    if out < 1:
        raise Invalid("empty output")
    return out


def transposed(size: int, kernel: int, stride: int, lo: int, hi: int, dilation: int, extra: int) -> int:
    """Contract §2: (W − 1)S − 2P + d(F−1) + output_padding + 1, with P_lo + P_hi for 2P."""
    return (size - 1) * stride - lo - hi + dilation * (kernel - 1) + extra + 1


# every name the strategy writes a layer with -> (type, the parameters that name presets)
ALIASES = {"conv": ("conv", {}), "convolution": ("conv", {}), "deconv": ("deconv", {}),
           "conv_transpose": ("deconv", {}), "pool": ("pool", {}), "pooling": ("pool", {}),
           "maxpool": ("pool", {"mode": "max"}), "avgpool": ("pool", {"mode": "avg"}),
           "l2pool": ("pool", {"mode": "l2"}), "global_pool": ("global_pool", {}),
           "gap": ("global_pool", {"mode": "avg"}), "gmp": ("global_pool", {"mode": "max"}),
           "adaptive_pool": ("adaptive_pool", {}), "fc": ("fc", {}), "dense": ("fc", {}), "linear": ("fc", {}),
           "flatten": ("flatten", {}), "batchnorm": ("batchnorm", {}), "bn": ("batchnorm", {}),
           "lrn": ("lrn", {}), "dropout": ("dropout", {}), "upsample": ("upsample", {}), "crop": ("crop", {}),
           "layernorm": ("layernorm", {}), "ln": ("layernorm", {}), "pad": ("pad", {}),
           **{a: (a, {}) for a in ("layer_scale", "channel_shuffle", "channel_slice", "pixel_shuffle",
                                   "pixel_unshuffle")},
           **{a: (a, {}) for a in ("relu", "relu6", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
                                   "identity")}}
FIRST = {"conv": "filters", "deconv": "filters", "pool": "kernel", "global_pool": "mode",
         "adaptive_pool": "output", "fc": "units", "batchnorm": "eps", "lrn": "size", "dropout": "p",
         "upsample": "scale", "crop": "size", "leaky_relu": "slope", "layernorm": "eps", "pad": "padding",
         "channel_shuffle": "groups", "channel_slice": "stop", "pixel_shuffle": "factor", "pixel_unshuffle": "factor"}
LETTERS = {"K": "filters", "F": "kernel", "S": "stride", "P": "padding"}
BLOCKS = ("repeat", "residual", "add", "concat", "multiply", "group")
DEFAULT_MODES = {"pool": "max", "global_pool": "avg", "adaptive_pool": "avg"}
TWO_D_ONLY = ("lrn", "pixel_shuffle", "pixel_unshuffle")  # §8: they may refuse other than 2-D (cnncalc does)


def run(nodes: list, vol: tuple, rounding: str, ids: dict) -> tuple[int, ...]:
    for node in nodes:
        vol = run_node(node, vol, rounding, ids)
    return vol


def run_node(node, vol: tuple, rounding: str, ids: dict) -> tuple[int, ...]:
    if isinstance(node, dict) and "from" in node:
        return ids[node["from"]]
    if isinstance(node, dict) and next(iter(node)) in BLOCKS:
        return run_block(node, vol, rounding, ids)
    name, value = (node, {}) if isinstance(node, str) else next(iter(node.items()))
    kind, preset = ALIASES[name.lower()]
    params = dict(value) if isinstance(value, dict) else {FIRST[kind]: value}
    params = {**preset, **{LETTERS.get(k, k): v for k, v in params.items()}}
    out = layer_output(kind, params, vol, params.get("rounding") or rounding)
    if "id" in params:
        ids[params["id"]] = out
    return out


def spatial_ones(vol: tuple) -> bool:
    return all(size == 1 for size in vol[:-1])


def run_block(node: dict, vol: tuple, rounding: str, ids: dict) -> tuple[int, ...]:
    rounding = node.get("rounding") or rounding
    kind = next(iter(node))
    if kind == "repeat":
        for _ in range(node["repeat"]):
            vol = run(node["layers"], vol, rounding, ids)
        out = vol
    elif kind == "group":
        out = run(node["group"], vol, rounding, ids)
    else:
        branches = [node["residual"], node.get("shortcut", [])] if kind == "residual" else node[kind]
        ends = [run(branch, vol, rounding, ids) for branch in branches]
        if kind == "concat":
            if len({end[:-1] for end in ends}) > 1:
                raise Invalid(f"concat of {ends}")
            out = (*ends[0][:-1], sum(end[-1] for end in ends))
        elif kind == "multiply":  # contract §8: a branch 1 on every spatial axis, of the same depth, broadcasts
            maps = {end for end in ends if not spatial_ones(end)} or set(ends)
            if len(maps) > 1 or any(end[-1] != ends[0][-1] for end in ends):
                raise Invalid(f"multiply of {ends}")
            out = maps.pop()
        else:
            if len(set(ends)) > 1:
                raise Invalid(f"{kind} of {ends}")
            out = ends[0]
    if "id" in node:
        ids[node["id"]] = out
    return out


def layer_output(kind: str, p: dict, vol: tuple, rounding: str) -> tuple[int, ...]:
    *spatial, d = vol
    axes = len(spatial)
    if kind in TWO_D_ONLY and axes != 2:
        raise Invalid(f"{kind} on {axes} axes")
    if kind in ("conv", "deconv"):
        groups = p.get("groups", 1)
        if d % groups or p["filters"] % groups:
            raise Invalid("groups")
    if kind in ("conv", "pool", "deconv"):
        kernel = per_axis(p.get("kernel"), axes, 2)  # a pool's kernel is 2 unless given; conv's is required
        stride = per_axis(p.get("stride"), axes, kernel if kind == "pool" else 1)  # a pool's follows its kernel
        dilation = per_axis(p.get("dilation"), axes, 1)
        pad = sides(p.get("padding"), axes)
    if kind in ("conv", "pool"):
        if pad is None:  # same: ⌈W/S⌉ whatever the window
            size = tuple(-(-n // s) for n, s in zip(spatial, stride))
        else:
            size = tuple(slide(n, k, s, lo, hi, dl, rounding)
                         for n, k, s, (lo, hi), dl in zip(spatial, kernel, stride, pad, dilation))
        return (*size, p["filters"] if kind == "conv" else d)
    if kind == "deconv":
        if pad is None:  # same: W·S
            return (*(n * s for n, s in zip(spatial, stride)), p["filters"])
        extra = per_axis(p.get("output_padding"), axes, 0)
        size = tuple(transposed(n, k, s, lo, hi, dl, e)
                     for n, k, s, (lo, hi), dl, e in zip(spatial, kernel, stride, pad, dilation, extra))
        if min(size) < 1:
            raise Invalid("empty deconv")
        return (*size, p["filters"])
    if kind == "global_pool":
        return (1,) * axes + (d,)
    if kind == "adaptive_pool":
        return (*per_axis(p["output"], axes), d)
    if kind == "fc":
        return (1,) * axes + (p["units"],)
    if kind == "flatten":
        return (1,) * axes + (prod(vol),)
    if kind == "upsample":
        mode = p.get("mode", "nearest")
        if UPSAMPLE_AXES.get(mode, axes) != axes:
            raise Invalid(f"upsample {mode} on {axes} axes")
        if p.get("output") is not None:
            return (*per_axis(p["output"], axes), d)
        return (*(n * s for n, s in zip(spatial, per_axis(p.get("scale"), axes, 2))), d)
    if kind == "pad":  # the strategy keeps to PyTorch's bounds for reflect and circular
        return (*(n + lo + hi for n, (lo, hi) in zip(spatial, sides(p["padding"], axes))), d)
    if kind == "channel_slice":
        return (*spatial, p["stop"] - p.get("start", 0))
    if kind == "pixel_shuffle":
        return (*(n * p["factor"] for n in spatial), d // p["factor"] ** 2)
    if kind == "pixel_unshuffle":
        return (*(n // p["factor"] for n in spatial), d * p["factor"] ** 2)
    if kind == "crop":
        if p.get("size") is not None:
            size = per_axis(p["size"], axes)
            if any(keep > n for keep, n in zip(size, spatial)):
                raise Invalid("crop")
            return (*size, d)
        size = tuple(n - lo - hi for n, (lo, hi) in zip(spatial, sides(p, axes)))
        if min(size) < 1:
            raise Invalid("crop")
        return (*size, d)
    return vol  # batchnorm, layernorm, lrn, dropout, activations, identity, layer_scale, channel_shuffle


# -- the strategy ---------------------------------------------------------------------------------
@dataclass
class Example:
    text: str
    output: tuple[int, ...]  # what the strategy's arithmetic expects
    features: Counter = field(default_factory=Counter, compare=False)  # what it holds, for coverage counts


class Writer:
    """Draws one spec: nodes as the YAML data holds them, with the volume carried along."""

    def __init__(self, draw, axes: int) -> None:
        self.draw = draw
        self.axes = axes  # the input's spatial axes, which every volume keeps
        self.max_side = MAX_SIDE[axes]
        self.ids: dict[str, tuple] = {}  # id -> the volume it names, in the order they run
        self.budget = draw(st.integers(6, 18))  # layers still to draw (fix-ups come on top)
        self.features: Counter = Counter()

    # small helpers
    def chance(self, p: float) -> bool:
        """True with probability p (to 1/20): sampled_from draws evenly, where integers(0, 999) favours
        small numbers; shrinks to False."""
        k = round(p * 20)
        return self.draw(st.sampled_from([False] * (20 - k) + [True] * k))

    def pick(self, *options):
        return self.draw(st.sampled_from(options))

    def num(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, max(lo, hi)))

    def note(self, *features: str) -> None:
        self.features.update(features)

    def write_axes(self, values: tuple[int, ...]):
        """A value per axis in one of its forms; an int when every axis agrees, mostly."""
        forms = ["list", "dict", "text"] + (["int", "int"] if len(set(values)) == 1 else [])
        form = self.pick(*forms)  # the text `0x1` too: 0 wide, 1 high; `5` on one axis is an int
        if form == "int":
            return values[0]
        if form == "text":
            return "x".join(map(str, values)) if len(values) > 1 else values[0]
        if form == "list":
            return list(values)
        return dict(zip(self.axis_keys(), values))

    def axis_keys(self) -> tuple[str, ...]:
        """The keys of a mapping per axis, now and then under another of the contract's names."""
        names = {"width": ("width", "length") if self.axes == 1 else ("width",),
                 "height": ("height",), "frames": ("frames", "time", "slices")}
        return tuple(self.pick(*names[n]) if self.chance(0.3) else n for n in AXIS_NAMES[:self.axes])

    def layer_node(self, kind: str, params: dict):
        """`relu`, `fc: 10` or `conv: {…}`, under one of the type's names, as the parameters allow."""
        names = [n for n, (k, preset) in ALIASES.items()
                 if k == kind and all(params.get(key) == value for key, value in preset.items())]
        name = self.pick(*names)
        preset = ALIASES[name][1]
        if name.startswith(("pool", "global", "adaptive")) and self.chance(0.5):
            preset = {"mode": DEFAULT_MODES[kind]}  # the default mode, left out
        params = {k: v for k, v in params.items() if preset.get(k, object()) != v}
        name = name.upper() if self.chance(0.05) else name
        if not params:
            return {name: {}} if self.chance(0.2) else name
        first = FIRST.get(kind)
        if list(params) == [first] and not isinstance(params[first], (list, dict)) and self.chance(0.5):
            return {name: params[first]}
        if kind in ("conv", "pool") and self.chance(0.15):  # the cs231n letters
            letter = {v: k for k, v in LETTERS.items()}
            params = {letter.get(k, k): v for k, v in params.items()}
        return {name: params}

    def own_rounding(self, p: float = 0.15) -> str | None:
        return self.pick(*ROUNDINGS) if self.chance(p) else None

    # sequences and items
    def sequence(self, vol, rounding: str, in_repeat: bool, nesting: int, low: int, high: int):
        nodes = []
        for _ in range(self.num(low, high)):
            if self.budget <= 0 and len(nodes) >= low:
                break
            node, vol = self.item(vol, rounding, in_repeat, nesting)
            nodes.append(node)
        return nodes, vol

    def item(self, vol, rounding: str, in_repeat: bool, nesting: int):
        choice = self.pick(*["layer"] * 6, *(["block"] * 2 if nesting < 2 else []),
                           *(["from"] if self.ids and nesting == 0 else []))
        if choice == "from":
            ref = self.pick(*self.ids)
            self.note("from (a top-level jump)")
            return {"from": ref}, self.ids[ref]
        if choice == "block":
            node, out = self.block(vol, rounding, in_repeat, nesting + 1)
        else:
            self.budget -= 1
            node, out = self.layer(vol, rounding)
        if not in_repeat and self.chance(0.2):
            ident = f"t{len(self.ids) + 1}"
            if isinstance(node, dict) and next(iter(node)) in BLOCKS:
                node["id"] = ident
            else:
                name, value = (node, {}) if isinstance(node, str) else next(iter(node.items()))
                kind = ALIASES[name.lower()][0]
                value = dict(value) if isinstance(value, dict) else {FIRST[kind]: value}
                node = {name: {**value, "id": ident}}
            self.ids[ident] = out
            self.note("id")
        return node, out

    # layers
    def layer(self, vol, rounding: str):
        kinds = {"conv": 20, "deconv": 8, "pool": 14, "global_pool": 2, "adaptive_pool": 3, "batchnorm": 4,
                 "lrn": 2, "dropout": 2, "upsample": 3, "crop": 4, "activation": 10, "layernorm": 2, "layer_scale": 1,
                 "channel_shuffle": 1, "channel_slice": 1, "pixel_shuffle": 1, "pixel_unshuffle": 1, "pad": 2}
        if self.axes != 2:
            kinds.update(dict.fromkeys(TWO_D_ONLY, 0))
        if prod(vol) <= MAX_FC_INPUTS:
            kinds.update(fc=3, flatten=1 if prod(vol) <= 512 else 0)
        if max(vol[:-1]) * 2 > self.max_side:
            kinds.update(pixel_shuffle=0)
        if min(vol[:-1]) * 2 > self.max_side:  # an upsample by 1 along the axes that cannot grow
            kinds.update(upsample=0)
        if max(vol[:-1]) + 6 > self.max_side:
            kinds.update(pad=0)
        kind = self.pick(*(k for k, n in kinds.items() for _ in range(n)))
        return getattr(self, kind)(vol, rounding)

    def activation(self, vol, rounding):
        kind = self.pick("relu", "relu6", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax", "identity")
        params = {"slope": self.pick(0.2, 0.01, 0.3)} if kind == "leaky_relu" and self.chance(0.5) else {}
        self.note(kind)
        return self.layer_node(kind, params), vol

    def groups_and_filters(self, depth: int) -> tuple[int, int]:
        divisors = [g for g in range(1, min(depth, 16) + 1) if depth % g == 0]
        groups = self.pick(*divisors) if self.chance(0.25) else 1
        return groups, groups * self.num(1, max(1, 16 // groups))

    def padding(self, limit: tuple[int, ...]) -> list[tuple[int, int]] | None:
        """(before, after) per axis, or None for same; each side at most the axis's limit."""
        form = self.pick("none", "int", "per axis", "sides", "same", "same")
        if form == "same":
            return None
        if form == "none":
            return [(0, 0)] * self.axes
        if form == "int":
            p = self.num(0, min(limit))
            return [(p, p)] * self.axes
        if form == "per axis":
            return [(p, p) for p in (self.num(0, most) for most in limit)]
        return [(self.num(0, most), self.num(0, most)) for most in limit]

    def write_sides(self, pad: list[tuple[int, int]], what: str) -> dict:
        """`{left: …, right: …, top: …, …}`, the sides of the input's axes, some 0s left out."""
        written = {side: p for pair, ps in zip(SIDES, pad) for side, p in zip(pair, ps)
                   if p or not self.chance(0.3)} or {"left": 0}
        self.note(f"{what}: {{{', '.join(written)}}}")
        return written

    def write_padding(self, pad, params: dict) -> None:
        if pad is None:
            params["padding"] = "same"
            self.note("padding: same")
        elif not any(map(any, pad)):
            form = self.pick("none", "valid", "zero")
            if form != "none":
                params["padding"] = "valid" if form == "valid" else 0
            self.note(f"padding: {'0 or none' if form != 'valid' else 'valid'}")
        elif all(lo == hi for lo, hi in pad):
            params["padding"] = self.write_axes(tuple(lo for lo, _ in pad))
            self.note("padding: int" if isinstance(params["padding"], int) else "padding: per axis")
        else:
            params["padding"] = self.write_sides(pad, "padding")

    def window(self, vol, rounding: str, kind: str):
        """A conv or a pool that fits `vol`: (its parameters but the padding, the padding's sides or None
        for same, the pool's mode)."""
        *spatial, d = vol
        n = self.axes
        mode = self.pick("max", "max", "avg", "l2") if kind == "pool" else None
        square = not self.chance(0.3)
        kernel = [self.num(1, 4 if kind == "pool" else 5)]
        kernel += [kernel[0] if square else self.num(1, 5) for _ in range(n - 1)]
        dilation = [1] * n
        if mode in (None, "max") and self.chance(0.2):
            dilation = [self.num(1, 3)] * n if square else [self.num(1, 3) for _ in range(n)]
        stride = None if kind == "pool" and self.chance(0.5) else (
            [self.num(1, 3) for _ in range(n)] if self.chance(0.2) else [self.num(1, 3)] * n)
        pad = self.padding(tuple(k // 2 for k in kernel) if kind == "pool" else (3,) * n)
        if pad is not None:  # shrink the window until it fits the padded input
            pad = [list(sides) for sides in pad]
            for axis, size in enumerate(spatial):
                while dilation[axis] * (kernel[axis] - 1) + 1 > size + sum(pad[axis]):
                    if dilation[axis] > 1:
                        dilation[axis] -= 1
                    else:
                        kernel[axis] -= 1
                        if kind == "pool":  # at most half the kernel
                            pad[axis] = [min(p, kernel[axis] // 2) for p in pad[axis]]
            pad = [tuple(sides) for sides in pad]
        own = self.own_rounding()
        effective = own or rounding
        if pad is not None and effective == "exact":
            steps = stride or kernel
            whole = [(size + sum(pad[a]) - dilation[a] * (kernel[a] - 1) - 1) % steps[a] == 0
                     for a, size in enumerate(spatial)]
            if not all(whole):
                if self.chance(0.7):
                    own = self.pick("floor", "ceil")
                else:  # a stride of 1 always divides
                    stride = [1 if not ok else s for ok, s in zip(whole, steps)]
        params = {}
        if kind == "conv":
            groups, filters = self.groups_and_filters(d)
            params["filters"] = filters
            if groups > 1:
                params["groups"] = groups
                self.note("conv: groups > 1")
        if kind == "conv" or kernel != [2] * n or self.chance(0.5):  # a pool's kernel is 2 unless given
            params["kernel"] = self.write_axes(tuple(kernel))
        if stride is not None and (kind == "pool" or stride != [1] * n or self.chance(0.3)):
            params["stride"] = self.write_axes(tuple(stride))
            if kind == "pool":
                self.note("pool: explicit stride")
        if dilation != [1] * n:
            params["dilation"] = self.write_axes(tuple(dilation))
            self.note(f"{kind}: dilation > 1")
        if pad is None:
            self.note(f"{kind}: same, stride {max(stride or kernel)}")
        if own:
            params["rounding"] = own
            self.note(f"rounding: {own} on a layer")
        return params, pad, mode

    def conv(self, vol, rounding):
        params, pad, _ = self.window(vol, rounding, "conv")
        self.write_padding(pad, params)
        if self.chance(0.2):
            params["bias"] = False
            self.note("conv: bias false")
        self.note("conv")
        return self.finish("conv", params, vol, rounding)

    def pool(self, vol, rounding):
        params, pad, mode = self.window(vol, rounding, "pool")
        self.write_padding(pad, params)
        params["mode"] = mode
        self.note(f"pool: {mode}")
        return self.finish("pool", params, vol, rounding)

    def deconv(self, vol, rounding):
        *spatial, d = vol
        n = self.axes
        groups, filters = self.groups_and_filters(d)
        kernel = [self.num(1, 4) for _ in range(n)] if self.chance(0.3) else [self.num(1, 4)] * n
        stride = [self.num(1, 3) for _ in range(n)] if self.chance(0.3) else [self.num(1, 3)] * n
        dilation = [self.num(1, 2) for _ in range(n)] if self.chance(0.2) else [1] * n
        pad = self.padding((2,) * n)
        extra = [0] * n
        if pad is not None and self.chance(0.4):
            extra = [self.num(0, max(s, dl) - 1) for s, dl in zip(stride, dilation)]

        def size(axis: int) -> int:
            if pad is None:
                return spatial[axis] * stride[axis]
            return transposed(spatial[axis], kernel[axis], stride[axis], *pad[axis], dilation[axis], extra[axis])
        for axis in range(n):  # too large: stride 1 and a kernel of 1; empty: no padding
            if size(axis) > self.max_side:
                stride[axis], kernel[axis], dilation[axis], extra[axis] = 1, 1, 1, 0
            if size(axis) < 1:
                pad[axis] = (0, 0)
        params = {"filters": filters, "kernel": self.write_axes(tuple(kernel))}
        if stride != [1] * n or self.chance(0.2):
            params["stride"] = self.write_axes(tuple(stride))
        if dilation != [1] * n:
            params["dilation"] = self.write_axes(tuple(dilation))
            self.note("deconv: dilation > 1")
        if groups > 1:
            params["groups"] = groups
            self.note("deconv: groups > 1")
        self.write_padding(pad, params)
        if extra != [0] * n:
            params["output_padding"] = self.write_axes(tuple(extra))
            self.note("deconv: output_padding")
        if pad is None:
            self.note(f"deconv: same, stride {max(stride)}")
        if self.chance(0.2):
            params["bias"] = False
        self.note("deconv")
        return self.finish("deconv", params, vol, rounding)

    def global_pool(self, vol, rounding):
        mode = self.pick("avg", "max")
        self.note(f"global_pool: {mode}")
        return self.finish("global_pool", {"mode": mode}, vol, rounding)

    def adaptive_pool(self, vol, rounding):
        out = ((self.num(1, 6),) * self.axes if self.chance(0.3) else
               tuple(self.num(1, min(size + 2, 8)) for size in vol[:-1]))
        params = {"output": self.write_axes(out)}
        if self.chance(0.5):
            params["mode"] = self.pick("avg", "max")
        self.note(f"adaptive_pool: {params.get('mode', 'avg')}")
        return self.finish("adaptive_pool", params, vol, rounding)

    def fc(self, vol, rounding):
        params = {"units": self.num(1, 16)}
        if self.chance(0.2):
            params["bias"] = False
        self.note("fc")
        return self.finish("fc", params, vol, rounding)

    def flatten(self, vol, rounding):
        self.note("flatten")
        return self.finish("flatten", {}, vol, rounding)

    def batchnorm(self, vol, rounding):
        params = {}
        if self.chance(0.3):
            params["eps"] = self.pick(0.001, 0.0001, "1e-3")
        if self.chance(0.3):
            params["momentum"] = self.pick(0.01, 0.3)
        if self.chance(0.3):
            params.update(scale=self.pick(True, False), center=self.pick(True, False))
            self.note(f"batchnorm: scale {params['scale']}, center {params['center']}")
        self.note("batchnorm")
        return self.finish("batchnorm", params, vol, rounding)

    def layernorm(self, vol, rounding):
        params = {"affine": False} if self.chance(0.3) else {}
        if self.chance(0.3):
            params["eps"] = self.pick(1e-6, "1e-6")
        self.note("layernorm" + (" (after fc or flatten)" if spatial_ones(vol) else ""))
        return self.finish("layernorm", params, vol, rounding)

    def layer_scale(self, vol, rounding):
        self.note("layer_scale")
        return self.finish("layer_scale", {}, vol, rounding)

    def channel_shuffle(self, vol, rounding):
        self.note("channel_shuffle")
        return self.finish("channel_shuffle", {"groups": self.pick(*(g for g in range(1, 9) if vol[-1] % g == 0))},
                           vol, rounding)

    def channel_slice(self, vol, rounding):
        start = self.num(0, vol[-1] - 1)
        params = {"stop": self.num(start + 1, vol[-1])}
        if start or self.chance(0.3):
            params["start"] = start
        self.note("channel_slice")
        return self.finish("channel_slice", params, vol, rounding)

    def pixel_shuffle(self, vol, rounding):
        w, h, d = vol
        factors = [r for r in (2, 3) if d % (r * r) == 0 and max(w, h) * r <= self.max_side]
        factor = self.pick(*factors) if factors and self.chance(0.8) else 1
        self.note(f"pixel_shuffle: {factor}")
        return self.finish("pixel_shuffle", {"factor": factor}, vol, rounding)

    def pixel_unshuffle(self, vol, rounding):
        w, h, _ = vol
        factors = [r for r in (2, 3) if w % r == 0 and h % r == 0]
        factor = self.pick(*factors) if factors and self.chance(0.8) else 1
        self.note(f"pixel_unshuffle: {factor}")
        return self.finish("pixel_unshuffle", {"factor": factor}, vol, rounding)

    def pad(self, vol, rounding):
        mode = self.pick("constant", "zeros", "reflect", "replicate", "circular")
        # PyTorch: a reflection pads less than the size, a circular pad at most the size
        most = [{"reflect": size - 1, "circular": size}.get(mode, 3) for size in vol[:-1]]
        pad = self.padding(tuple(min(m, 3) for m in most)) or [(0, 0)] * self.axes  # no `same` for a pad
        params = {"padding": self.write_axes(tuple(lo for lo, _ in pad)) if all(lo == hi for lo, hi in pad)
                  else self.write_sides(pad, "pad")}
        if mode != "constant" or self.chance(0.3):
            params["mode"] = mode
        if mode == "constant" and self.chance(0.3):
            params["value"] = self.pick(-1.5, 2.0)
        self.note(f"pad: {mode}")
        return self.finish("pad", params, vol, rounding)

    def lrn(self, vol, rounding):
        params = {}
        if self.chance(0.5):
            params["size"] = self.num(1, 5)
        if self.chance(0.3):
            params.update(alpha=0.001, beta=0.5, k=2)
        self.note("lrn")
        return self.finish("lrn", params, vol, rounding)

    def dropout(self, vol, rounding):
        self.note("dropout")
        return self.finish("dropout", {"p": self.pick(0.1, 0.3, 0.5)} if self.chance(0.5) else {}, vol, rounding)

    def upsample(self, vol, rounding):
        scale = tuple(self.num(1, min(3, self.max_side // size)) for size in vol[:-1])
        params = {}
        if scale != (2,) * self.axes or self.chance(0.3):
            params["scale"] = self.write_axes(scale)
        if self.chance(0.35):  # an output size instead, larger or smaller
            params = {"output": self.write_axes(tuple(self.num(1, min(3 * size, self.max_side)) for size in vol[:-1]))}
            self.note("upsample: output")
        if self.chance(0.5):  # the modes that interpolate over this many axes, mostly
            modes = [mode for mode, axes in UPSAMPLE_AXES.items() if axes == self.axes]
            params["mode"] = self.pick("nearest", *modes, *modes)
        self.note(f"upsample: {params.get('mode', 'nearest')}")
        return self.finish("upsample", params, vol, rounding)

    def crop(self, vol, rounding, target: tuple[int, ...] | None = None):
        """A crop, to `target` (the spatial sizes) when given, else to any smaller size."""
        spatial = vol[:-1]
        target = target or tuple(self.num(1, size) for size in spatial)
        if self.chance(0.5):
            params = {"size": self.write_axes(target)}
            self.note("crop: size")
        else:
            before = [self.num(0, size - keep) for size, keep in zip(spatial, target)]
            params = self.write_sides([(lo, size - keep - lo) for size, keep, lo in zip(spatial, target, before)],
                                      "crop")
        return self.finish("crop", params, vol, rounding)

    def finish(self, kind: str, params: dict, vol, rounding):
        node = self.layer_node(kind, params)
        return node, run_node(node, vol, rounding, {})

    # blocks
    def block(self, vol, rounding: str, in_repeat: bool, nesting: int):
        kind = self.pick("repeat", "residual", "add", "concat", "multiply", "group")
        own = self.own_rounding(0.25)
        if own:
            self.note(f"rounding: {own} on a block")
        inner = own or rounding
        self.note(kind)
        if kind == "repeat":
            count = self.num(1, 3)
            body, out = self.sequence(vol, inner, True, nesting, 1, 3)
            done = 1
            while done < count:  # as many more times as the body still fits
                try:
                    out = run(body, out, inner, dict(self.ids))
                except Invalid:
                    break
                if max(out[:-1]) > self.max_side:
                    break
                done += 1
            node = {"repeat": done, "layers": body}
            self.note(f"repeat: {done}")
        elif kind == "residual":
            body, end = self.sequence(vol, inner, in_repeat, nesting, 1, 3)
            if self.chance(0.5):
                shortcut, other = self.branch(vol, inner, in_repeat, nesting, 0, 2)
                shortcut += self.fit(other, end, inner, depth=True)
                node = {"residual": body, "shortcut": shortcut}
                self.note("residual: with a shortcut")
            else:
                body += self.fit(end, vol, inner, depth=True)
                node = {"residual": body}
                self.note("residual: identity shortcut")
        elif kind == "add":
            branches = []
            first, target = self.branch(vol, inner, in_repeat, nesting, 0, 3)
            branches.append(first)
            for _ in range(self.num(1, 2)):
                nodes, end = self.branch(vol, inner, in_repeat, nesting, 0, 2)
                branches.append(nodes + self.fit(end, target, inner, depth=True))
            node = {"add": branches}
        elif kind == "multiply":
            first, target = self.branch(vol, inner, in_repeat, nesting, 0, 2)
            branches, gates = [first], []
            for _ in range(self.num(1, 2)):
                if self.chance(0.6):  # a gate: squeezed by a global pool, excited to the map's depth
                    gate = [self.layer_node("global_pool", {})]
                    if vol[-1] != target[-1] or self.chance(0.5):
                        gate.append(self.layer_node("conv", {"filters": target[-1], "kernel": 1}) if self.chance(0.5)
                                    else self.layer_node("fc", {"units": target[-1]}))
                    gates.append(gate + [self.layer_node("sigmoid", {})])
                    self.note("multiply: a gate")
                else:
                    nodes, end = self.branch(vol, inner, in_repeat, nesting, 0, 2)
                    branches.append(nodes + self.fit(end, target, inner, depth=True))
            for gate in gates:  # anywhere: a gate holds no id and no from
                branches.insert(self.num(0, len(branches)), gate)
            node = {"multiply": branches}
        elif kind == "group":
            body, _ = self.sequence(vol, inner, in_repeat, nesting, 1, 3)
            node = {"group": body}
            if self.chance(0.5):
                node["name"] = self.pick("layer1", "features.0")
        else:
            count = self.num(2, 3)
            empty = self.num(0, count - 1) if self.chance(0.4) else None
            branches, target = [], vol if empty is not None else None
            for b in range(count):
                if b == empty:
                    branches.append([])
                    self.note("concat: an empty branch")
                    continue
                nodes, end = self.branch(vol, inner, in_repeat, nesting, 0 if target else 1, 3)
                if target is None:
                    target = end
                branches.append(nodes + self.fit(end, target, inner, depth=False))
            node = {"concat": branches}
        if own:
            node["rounding"] = own
        return node, run_block(node, vol, rounding, dict(self.ids))

    def branch(self, vol, rounding: str, in_repeat: bool, nesting: int, low: int, high: int):
        """A branch's layers, perhaps starting `from` an earlier id."""
        start = []
        if self.ids and self.chance(0.25):
            ref = self.pick(*self.ids)
            start, vol = [{"from": ref}], self.ids[ref]
            self.note("from (a branch's start)")
        nodes, end = self.sequence(vol, rounding, in_repeat, nesting, low, high)
        return start + nodes, end

    def fit(self, vol, target, rounding: str, depth: bool) -> list:
        """Layers that take `vol` to the spatial sizes of `target`, and to its depth if `depth`."""
        nodes = []
        (*spatial, d), (*goal, td) = vol, target
        if spatial != goal:
            ways = ["adaptive"]
            if all(n >= t for n, t in zip(spatial, goal)):
                ways += ["crop"] * 3
            if all(t % n == 0 for n, t in zip(spatial, goal)):
                ways += ["upsample"] * 2
            strides = [next((s for s in (1, 2, 3) if -(-n // s) == t), None) for n, t in zip(spatial, goal)]
            if None not in strides:
                ways += ["same"] * 2
            way = self.pick(*ways)
            self.note(f"fit: {way}")
            if way == "crop":
                node, _ = self.crop(vol, rounding, tuple(goal))
            elif way == "upsample":
                scale = tuple(t // n for n, t in zip(spatial, goal))
                node = self.layer_node("upsample", {"scale": self.write_axes(scale)})
            elif way == "same":
                kind = self.pick("conv", "pool")
                params = {"filters": d} if kind == "conv" else {}
                params.update(kernel=self.write_axes(tuple(self.num(1, 3) for _ in spatial)),
                              stride=self.write_axes(tuple(strides)), padding="same")
                node = self.layer_node(kind, params)
            else:
                node = self.layer_node("adaptive_pool", {"output": self.write_axes(tuple(goal))})
            nodes.append(node)
        if depth and d != td:
            kind = self.pick("conv", "conv", "deconv")
            node = self.layer_node(kind, {"filters": td, "kernel": 1})
            self.note(f"fit: 1x1 {kind}")
            nodes.append(node)
        vol = run(nodes, vol, rounding, {})
        assert vol[:-1] == target[:-1] and (vol == target or not depth), (vol, target)
        return nodes


# -- YAML text ------------------------------------------------------------------------------------
def flow(value) -> str:
    """`value` in YAML's flow style; every string the strategy writes is a plain scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return str(value)


def yaml_text(name: str, input_volume, rounding: str | None, layers: list, block_style: bool) -> str:
    lines = [f"name: {name}", f"input: {flow(input_volume)}"]
    if rounding:
        lines.append(f"rounding: {rounding}")
    if not block_style:
        return "\n".join(lines + [f"layers: {flow(layers)}"]) + "\n"
    lines.append("layers:")
    for node in layers:  # a mapping item as a block mapping: `- residual: […]` over `  shortcut: […]`
        if isinstance(node, dict):
            items = [f"{k}: {flow(v)}" for k, v in node.items()]
            lines += [f"  - {items[0]}", *(f"    {item}" for item in items[1:])]
        else:
            lines.append(f"  - {node}")
    return "\n".join(lines) + "\n"


@st.composite
def specs(draw, axes: int) -> Example:
    writer = Writer(draw, axes)
    largest = {1: 96, 2: 48, 3: 12}[axes]
    spatial = tuple(draw(st.integers(1, largest)) for _ in range(axes))
    d = draw(st.integers(1, 16))
    if writer.chance(0.8):  # mostly not tiny, so that windows have room
        spatial = tuple(max(size, 6) for size in spatial)
    vol = (*spatial, d)
    rounding = writer.pick(None, "exact", "floor", "floor", "ceil", "ceil")
    writer.note(f"rounding: {rounding or 'left out'} on the spec")
    layers, _ = writer.sequence(vol, rounding or "exact", False, 0, 2, 8)
    output = run(layers, vol, rounding or "exact", {})
    volume_text = writer.pick("x".join(map(str, vol)), list(vol),
                              {**dict(zip(writer.axis_keys(), spatial)), writer.pick("depth", "channels"): d})
    text = yaml_text("random", volume_text, rounding, layers, block_style=not writer.chance(0.3))
    return Example(text, output, writer.features)


# -- the check ------------------------------------------------------------------------------------
def recorded_shapes(model: nn.Module, axes: int) -> tuple[list, list]:
    """Hooks on the modules that stand for one row each: (fixed shapes, alternatives). A
    ConvTranspose that a Crop follows in its Sequential may be the exporter's way to write `same`
    or uneven padding, so its row is either its own output or the Crop's: a pair of alternatives."""
    fixed, alternatives = [], []
    followed = {}
    for module in model.modules():
        if isinstance(module, nn.Sequential):
            children = list(module)
            for first, then in zip(children, children[1:]):
                if type(first).__name__.startswith("ConvTranspose") and type(then).__name__ == "Crop":
                    followed[id(first)] = then
    for module in model.modules():
        if stands_for_a_row(module) and id(module) not in followed:
            module.register_forward_hook(lambda _m, _a, out: fixed.append(tensor_volume(out, axes)))
    for deconv_id, crop in followed.items():
        slot: list = []
        alternatives.append(slot)
        deconv = next(m for m in model.modules() if id(m) == deconv_id)
        deconv.register_forward_hook(lambda _m, _a, out, slot=slot: slot.insert(0, tensor_volume(out, axes)))
        crop.register_forward_hook(lambda _m, _a, out, slot=slot: slot.append(tensor_volume(out, axes)))
    return fixed, alternatives


def matches(rows: list, fixed: list, alternatives: list) -> bool:
    """Whether the rows' outputs are the modules' as multisets, each alternative taken one way."""
    if len(alternatives) > 10:
        return True  # not worth 2^k tries; never drawn
    for choice in itertools.product(*alternatives):
        if sorted(rows) == sorted(fixed + list(choice)):
            return True
    return False


def check_against_torch(example: Example, axes: int, directory) -> None:
    report = analyze_text(example.text)
    assume(report.valid)
    assert tuple(report.output) == example.output, "cnncalc disagrees with the contract's arithmetic"
    path = directory / "random.yaml"
    path.write_text(example.text)
    model = build(run_export(str(path)))
    fixed, alternatives = recorded_shapes(model, axes)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch_input(report.input))
    assert tensor_volume(out, axes) == tuple(report.output)
    rows = [tuple(r.output) for r in report.rows if r.type in ONE_TO_ONE[1]]
    assert matches(rows, fixed, alternatives), f"rows {sorted(rows)}, modules {sorted(fixed)} + {alternatives}"
    assert sum(p.numel() for p in model.parameters()) == report.totals.params
    assert counter.get_total_flops() == 2 * report.totals.macs


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    return tmp_path_factory.mktemp("random-specs")


@pytest.mark.parametrize("axes", sorted(EXAMPLES))
def test_random_spec_exports_to_an_equivalent_model(axes, directory):
    @settings(derandomize=True, max_examples=EXAMPLES[axes], deadline=None)
    @given(example=specs(axes))
    def run_one(example):
        note(example.text)
        check_against_torch(example, axes, directory)

    run_one()
