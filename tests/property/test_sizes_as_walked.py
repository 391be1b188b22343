"""engine/sizes.py: `sizes` compiles a network once into plain arithmetic and runs that per size. Size
by size it must say exactly what a walk of the network at that size says (trace.output_volume, the
verdict of `check --input`): on every spec of specs/, on networks made to test each kind of step,
and on random networks."""
from __future__ import annotations

from collections.abc import Iterator
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc import load
from cnncalc.engine.sizes import AXES, NEAREST_REACH, Fit, Sizes, compile_sizes, find_sizes
from cnncalc.engine.trace import output_volume
from cnncalc.layers import (
    FC,
    LRN,
    AdaptivePool,
    Add,
    BatchNorm,
    ChannelShuffle,
    ChannelSlice,
    Concat,
    Conv,
    Crop,
    Deconv,
    Flatten,
    From,
    GlobalPool,
    Group,
    GroupNorm,
    Local,
    Multiply,
    Network,
    Pad,
    PixelShuffle,
    PixelUnshuffle,
    Pool,
    ReLU,
    Repeat,
    Residual,
    Upsample,
)
from cnncalc.model.arithmetic import Rounding
from cnncalc.model.geometry import Volume
from conftest import SPECS


def sized(volume: Volume, axis: str, size: int) -> Volume:
    """`volume` with `size` along `axis` ("both": along every spatial axis)."""
    if axis == "both":
        return Volume.of((size,) * volume.axes, volume.depth)
    index = AXES.index(axis) - 1
    return Volume.of((size if i == index else s for i, s in enumerate(volume.spatial)), volume.depth)


def walked(spec: Network, volume: Volume, rounding: Rounding | None) -> Volume | None:
    return output_volume(spec.with_input(volume), rounding)


def by_walks(spec: Network, low: int, high: int, axis: str = "both", rounding: Rounding | None = None) -> Sizes:
    """What `find_sizes` finds, the slow way: a whole walk for every size it tries."""
    def fit(size: int) -> Fit | None:
        volume = sized(spec.input, axis, size)
        out = walked(spec, volume, rounding)
        return Fit(size, volume, out) if out is not None else None

    own_size = spec.input[max(AXES.index(axis) - 1, 0)]
    own_out = walked(spec, spec.input, rounding)
    return Sizes(spec, "spec", axis, low, high, [f for size in range(low, high + 1) if (f := fit(size))],
                 Fit(own_size, spec.input, own_out) if own_out is not None else None,
                 next((f for s in range(own_size - 1, max(own_size - NEAREST_REACH, 0), -1) if (f := fit(s))), None),
                 next((f for s in range(own_size + 1, own_size + NEAREST_REACH + 1) if (f := fit(s))), None))


def assert_as_walked(spec: Network, low: int, high: int, axis: str = "both", rounding: Rounding | None = None) -> Sizes:
    found = find_sizes(spec, "spec", low, high, axis, rounding)
    assert found == by_walks(spec, low, high, axis, rounding)
    return found


# -- the specs of specs/ ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_spec_as_walked(path):
    spec = load(path.read_text(), source=str(path))
    own = spec.input.width
    assert_as_walked(spec, 1, 40)  # the smallest sizes, where windows outgrow their input
    assert_as_walked(spec, max(own - 40, 1), own + 40)
    near = max(own - 12, 1)  # a 1x1 input (dcgan_generator's latent vector) has no smaller sizes
    for axis in AXES[1:min(spec.input.axes, 2) + 1]:  # width and height, or the length of a 1-D signal
        assert_as_walked(spec, near, own + 12, axis)
    for rounding in (Rounding.FLOOR, Rounding.CEIL):  # --rounding over the spec's (a layer's own still wins)
        assert_as_walked(spec, near, own + 12, "both", rounding)


def test_a_spec_that_fits_everywhere_gives_every_size():
    # resnet50's stride-2 layers round down and the others keep the size: every size from 32 fits
    found = assert_as_walked(load((SPECS / "resnet50.yaml").read_text()), 32, 1031)
    assert [f.size for f in found.fits] == list(range(32, 1032))
    assert {f.output for f in found.fits} == {Volume(1, 1, 1000)}


# -- networks made to test each kind of step ----------------------------------------------------------------
def test_residual_branches_agree_for_even_sizes_only():
    # floor: the body's (W + 2 − 3)/2 + 1 = ⌈W/2⌉, the shortcut's pool ⌊W/2⌋: equal when W is even
    spec = load("input: 16x16x4\nrounding: floor\nlayers:\n"
                "  - residual: [conv: {filters: 4, kernel: 3, stride: 2, padding: 1}]\n"
                "    shortcut: [maxpool: 2]\n")
    found = assert_as_walked(spec, 1, 40)
    assert [f.size for f in found.fits] == list(range(2, 41, 2))
    assert found.fits[-1].output == Volume(20, 20, 4)


def test_concat_of_same_padding_a_ceil_pool_and_a_floor_conv():
    # same: ⌈W/2⌉; the ceil pool (W + 2 − 3)/2 + 1 rounded up: ⌈W/2⌉ for odd W, W/2 + 1 for even W;
    # the floor 1x1 conv: (W − 1)/2 + 1 rounded down = ⌈W/2⌉. They meet for odd W only.
    spec = load("input: 31x31x3\nlayers:\n"
                "  - concat:\n"
                "      - [conv: {filters: 4, kernel: 3, stride: 2, padding: same}]\n"
                "      - [maxpool: {kernel: 3, stride: 2, padding: 1, rounding: ceil}]\n"
                "      - [conv: {filters: 2, kernel: 1, stride: 2, rounding: floor}]\n")
    found = assert_as_walked(spec, 1, 60)
    assert [f.size for f in found.fits] == list(range(1, 61, 2))
    assert found.fits[-1].output == Volume(30, 30, 9)  # 4 + 3 + 2 deep
    assert_as_walked(spec, 1, 60, "height")


def test_add_of_three_branches_under_a_block_rounding():
    # ceil, the block's own: ⌈(W − 3)/3⌉ + 1 twice, and ⌈(W − 1)/3⌉ + 1, each cut to the windows that start
    # inside the input or its left padding; they agree for W = 3k + 1 only
    spec = load("input: 22x22x8\nlayers:\n"
                "  - add:\n"
                "      - [conv: {filters: 8, kernel: 3, stride: 3}]\n"
                "      - [avgpool: 3]\n"
                "      - [conv: {filters: 8, kernel: 5, stride: 3, padding: 2}]\n"
                "    rounding: ceil\n"
                "  - fc: 10\n")
    found = assert_as_walked(spec, 1, 80)
    assert [f.size for f in found.fits] == list(range(1, 81, 3))
    floor = assert_as_walked(spec, 1, 80, "both", Rounding.FLOOR)  # the block's own rounding wins over --rounding
    assert floor.fits == found.fits


def test_unet_like_skips_with_deconv_upsample_crop_and_from():
    spec = load("input: 44x44x1\nlayers:\n"
                "  - conv: {filters: 4, kernel: 3, id: enc}\n"
                "  - maxpool: 2\n"
                "  - conv: {filters: 8, kernel: 3}\n"
                "  - deconv: {filters: 4, kernel: 2, stride: 2}\n"
                "  - concat: [[from: enc, crop: {left: 2, right: 2, top: 2, bottom: 2}], []]\n"
                "  - upsample: 2\n"
                "  - crop: {size: 40}\n"
                "  - adaptive_pool: 3x2\n")
    found = assert_as_walked(spec, 1, 90)
    assert found.fits and all(f.output == Volume(3, 2, 8) for f in found.fits)
    assert_as_walked(spec, 30, 60, "width")


def test_a_deconv_padding_empties_small_inputs():
    # (W − 1)·1 − 6 + 2 = W − 5 rows: none left below 6
    found = assert_as_walked(load("INPUT(8x8x2) -> DECONV(2, 2, P=3)"), 1, 12)
    assert [f.size for f in found.fits] == list(range(6, 13))


def test_the_depth_after_a_flatten_follows_the_sizes():
    # flatten makes the depth 3·m² (m = ⌊(W − 3)/2⌋ + 1), and groups 2 must divide it: m even
    spec = load("input: 9x9x3\nrounding: floor\nlayers:\n"
                "  - conv: {filters: 3, kernel: 3, stride: 2}\n"
                "  - flatten\n"
                "  - conv: {filters: 2, kernel: 1, groups: 2}\n")
    found = assert_as_walked(spec, 3, 30)
    assert [f.size for f in found.fits] == [s for s in range(3, 31) if ((s - 3) // 2 + 1) % 2 == 0]


def test_one_d_signals():
    spec = load("input: 16000x1\nlayers:\n"
                "  - conv: {filters: 8, kernel: 80, stride: 4, padding: 38}\n"
                "  - maxpool: 4\n"
                "  - repeat: 2\n"
                "    layers: [conv: {filters: 8, kernel: 3, padding: same}, maxpool: {kernel: 4, rounding: ceil}]\n"
                "  - gap\n")
    found = assert_as_walked(spec, 15_950, 16_050)
    assert [f.size for f in found.fits] == [s for s in range(15_950, 16_051) if s % 16 == 0]
    assert_as_walked(spec, 15_990, 16_010, "width")


def test_three_d_clips():
    spec = load("input: 32x32x16x3\nlayers:\n"
                "  - conv: {filters: 4, kernel: 3, stride: 2, padding: 1, rounding: floor}\n"
                "  - pool: {kernel: 2x2x1}\n"
                "  - residual: [conv: {filters: 4, kernel: 3x3x1, padding: 1x1x0}]\n"
                "  - global_pool\n")
    for axis in ("both", "width", "height", "frames"):
        assert_as_walked(spec, 1, 40, axis)


@pytest.mark.parametrize("layer", [
    "conv: {filters: 2, kernel: 1, padding: 1}",  # grows every size by 2
    "conv: {filters: 2, kernel: 3, padding: 1}",  # keeps it
    "conv: {filters: 2, kernel: 3, padding: {left: 2, right: 1, top: 0, bottom: 1}, rounding: floor}",
    "conv: {filters: 2, kernel: 3, stride: 2, dilation: 2, padding: same}",
    "pool: {kernel: 3, stride: 1, padding: 1, rounding: ceil}",
    "pool: {kernel: 3, stride: 2, padding: 1, rounding: ceil}",
    "pool: {kernel: 2x3, stride: 3x2}",
    "deconv: {filters: 2, kernel: 3, stride: 2, padding: same}",
    "deconv: {filters: 2, kernel: 3, stride: 2, padding: 2, output_padding: 1}",
    "upsample: 3x2",
    "crop: {left: 1, right: 2, bottom: 3}",
    "crop: {size: 7x5}",
    "adaptive_pool: 4x3",
    "pad: {padding: 2x1}",
    "pad: {padding: 3, mode: reflect}",  # fits from 4 on
    "pad: {padding: {left: 5, top: 7}, mode: circular}",  # at least 5 wide and 7 high
    "upsample: {output: 5x7}",
    "upsample: {scale: 2, mode: bilinear}",
])
def test_each_kind_of_layer_as_walked(layer):
    spec = load(f"input: 12x12x2\nlayers:\n  - {layer}\n")
    for axis in ("both", "width", "height"):
        assert_as_walked(spec, 1, 30, axis)


@pytest.mark.parametrize("layers", [
    ["pixel_unshuffle: 3"],  # fits multiples of 3 only
    ["pixel_shuffle: 2", "pixel_unshuffle: 4"],  # 2W must divide by 4: W even
    ["conv: {filters: 3, kernel: 3, stride: 2, rounding: floor}", "flatten", "channel_shuffle: 2"],  # 3·m² even
    ["flatten", "pixel_shuffle: 2"],  # the depth W·H·8 is divisible by 4 for every size
    ["flatten", "channel_slice: {start: 10, stop: 100}"],  # the depth W·H·8 must reach 100: from 4x4 on
    ["channel_shuffle: 3"],  # 3 does not divide 8: no size fits
    ["groupnorm: 3"],  # nor for groupnorm
])
def test_channel_layers_as_walked(layers):
    spec = load("input: 12x12x8\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers))
    for axis in ("both", "width", "height"):
        assert_as_walked(spec, 1, 30, axis)


@pytest.mark.parametrize("line", [
    "INPUT(20x2) -> LRN",  # lrn works on 2-D volumes only
    "INPUT(20x2) -> CONV(2, 3x3)",  # a kernel of two axes on one
    "INPUT(20x20x2) -> CONV(4, 3, groups=4)",  # groups must divide the depth, 2
    "INPUT(20x2) -> UPSAMPLE(2, bilinear)",  # bilinear interpolates over 2 axes
])
def test_a_fault_that_no_size_avoids(line):
    found = assert_as_walked(load(line), 1, 30)
    assert found.fits == [] and found.own is found.below is found.above is None


# -- random networks ------------------------------------------------------------------------------------------
def _sometimes(draw) -> bool:  # one time in four
    return draw(st.sampled_from([False, False, False, True]))


def _rarely(draw) -> bool:  # one time in twenty; hypothesis prefers the first of the choices, not this one
    return draw(st.sampled_from([False] * 19 + [True]))


def _per_axis(draw, low: int, high: int, axes: int):
    """One number for every axis, mostly; else one per axis of the input, and now and then of another count."""
    if not _sometimes(draw):
        return draw(st.integers(low, high))
    count = draw(st.integers(1, 3)) if _rarely(draw) else axes
    return "x".join(str(draw(st.integers(low, high))) for _ in range(count))


_ROUNDING = st.sampled_from([None, None, "exact", "floor", "ceil"])


@st.composite
def _layer(draw, ids: list[str], names: Iterator[str], axes: int):
    kinds = ["conv", "conv", "conv", "pool", "pool", "deconv", "gap", "adaptive", "fc", "flatten", "upsample", "crop",
             "bn", "relu", "shuffle", "slice", "groupnorm", "pad"]
    two_d = ["local", "lrn", "pixel_shuffle", "pixel_unshuffle"]  # the walk refuses them on 1-D and 3-D
    kind = draw(st.sampled_from(kinds + two_d if axes == 2 or _rarely(draw) else kinds))
    common = {"rounding": draw(_ROUNDING)}
    if _sometimes(draw):
        common["id"] = next(names)
        ids.append(common["id"])
    sides = ["left", "right", "top", "bottom", "front", "back"][:2 * draw(st.integers(1, axes))]  # the rest 0
    padding = draw(st.one_of(st.integers(0, 2), st.just("same"),
                             st.fixed_dictionaries({side: st.integers(0, 2) for side in sides})))
    if kind in ("conv", "local"):
        return (Conv if kind == "conv" else Local)(
            filters=draw(st.sampled_from([2, 4])), kernel=_per_axis(draw, 1, 4, axes),
            stride=_per_axis(draw, 1, 3, axes), padding=padding, dilation=draw(st.sampled_from([1, 1, 2])), **common,
            **({"groups": draw(st.sampled_from([1, 1, 1, 2]))} if kind == "conv" else {}))
    if kind == "pool":
        kernel = draw(st.integers(1, 4))
        return Pool(kernel=kernel, stride=draw(st.one_of(st.none(), st.integers(1, 3))),
                    padding=draw(st.one_of(st.integers(0, kernel // 2), st.just("same"))),
                    mode=draw(st.sampled_from(["max", "avg"])), **common)
    if kind == "deconv":
        return Deconv(filters=2, kernel=_per_axis(draw, 1, 3, axes), stride=draw(st.integers(1, 3)),
                      padding=draw(st.one_of(st.integers(0, 3), st.just("same"))), **common)
    if kind == "crop":
        if draw(st.booleans()):
            return Crop(size=_per_axis(draw, 1, 8, axes), **common)
        sides = ["left", "right", "top", "bottom", "front", "back"][:6 if _rarely(draw) else 2 * axes]
        return Crop(**{side: draw(st.integers(0, 2)) for side in sides}, **common)
    simple = {"gap": GlobalPool, "flatten": Flatten, "bn": BatchNorm, "relu": ReLU, "lrn": LRN}
    if kind in simple:
        return simple[kind](**common)
    if kind == "adaptive":
        return AdaptivePool(output=_per_axis(draw, 1, 3, axes), **common)
    if kind == "fc":
        return FC(units=draw(st.sampled_from([2, 3])), **common)
    if kind in ("shuffle", "groupnorm"):  # the groups must divide the depth
        return (ChannelShuffle if kind == "shuffle" else GroupNorm)(groups=draw(st.integers(1, 3)), **common)
    if kind == "slice":
        start = draw(st.integers(0, 3))
        return ChannelSlice(start=start, stop=start + draw(st.integers(1, 3)), **common)
    if kind in ("pixel_shuffle", "pixel_unshuffle"):
        return (PixelShuffle if kind == "pixel_shuffle" else PixelUnshuffle)(factor=draw(st.integers(1, 3)),
                                                                             **common)
    if kind == "pad":
        sides = {"left": draw(st.integers(0, 6)), "top": draw(st.integers(0, 6))}
        return Pad(padding=sides if _sometimes(draw) else _per_axis(draw, 0, 3, axes),
                   mode=draw(st.sampled_from(["constant", "reflect", "replicate", "circular"])), **common)
    # nearest on any volume; the interpolating modes on theirs, and now and then on another
    mode = draw(st.sampled_from(["nearest", "nearest", ("linear", "bilinear", "trilinear")[axes - 1],
                                 "bicubic" if _rarely(draw) or axes == 2 else "nearest"]))
    if _sometimes(draw):
        return Upsample(output=_per_axis(draw, 1, 12, axes), mode=mode, **common)
    return Upsample(scale=_per_axis(draw, 1, 3, axes), mode=mode, **common)


@st.composite
def _sequence(draw, ids: list[str], names: Iterator[str], axes: int, depth: int = 0) -> tuple:
    """Layers and blocks; `ids` are those a from may refer to, `names` the ids not yet given."""
    nodes = []
    for _ in range(draw(st.integers(0 if depth else 1, 4))):
        blocks = ["residual", "add", "concat", "multiply", "repeat", "group"] if depth < 2 else []
        kind = draw(st.sampled_from(["layer"] * 5 + blocks + ["from"] * bool(ids)))
        if depth == 0 and _rarely(draw):
            kind = "nowhere"
        if kind == "layer":
            nodes.append(draw(_layer(ids, names, axes)))
        elif kind in ("from", "nowhere"):
            nodes.append(From(draw(st.sampled_from(ids)) if kind == "from" else "nowhere"))
        else:
            ident = next(names) if _sometimes(draw) else None
            inside = ident and _rarely(draw)  # its id known inside: a from there is refused
            if inside:
                ids.append(ident)
            options = {"id": ident, "rounding": draw(_ROUNDING)}
            if kind == "repeat":
                nodes.append(Repeat(draw(st.integers(1, 3)), draw(_sequence(ids, names, axes, depth + 1)), **options))
            elif kind == "group":
                nodes.append(Group(draw(_sequence(ids, names, axes, depth + 1)), **options))
            elif kind == "residual":
                body, shortcut = (draw(_sequence(ids, names, axes, depth + 1)) for _ in range(2))
                nodes.append(Residual(body, shortcut, **options))
            else:
                branches = [draw(_sequence(ids, names, axes, depth + 1)) for _ in range(draw(st.integers(1, 3)))]
                if kind == "multiply" and _sometimes(draw):  # a gate, to broadcast
                    branches.insert(draw(st.integers(0, len(branches))), (GlobalPool(),))
                nodes.append({"add": Add, "concat": Concat, "multiply": Multiply}[kind](branches, **options))
            if ident and not inside:
                ids.append(ident)
    return tuple(nodes)


@st.composite
def _network(draw) -> Network:
    axes = draw(st.sampled_from([1, 2, 2, 3]))
    spatial = [draw(st.integers(1, 24)) for _ in range(axes)]
    layers = draw(_sequence([], (f"n{i}" for i in count()), axes))
    return Network(input=Volume.of(spatial, draw(st.integers(1, 4))), layers=layers,
                   rounding=draw(st.sampled_from(["exact", "floor", "ceil"])))


@settings(derandomize=True, max_examples=200, deadline=None, database=None)
@given(spec=_network(), rounding=st.sampled_from([None, Rounding.FLOOR, Rounding.CEIL]))
def test_random_networks_as_walked(spec, rounding):
    program = compile_sizes(spec, rounding)
    for axis in AXES[:spec.input.axes + 1]:
        for size in range(1, 25):
            volume = sized(spec.input, axis, size)
            assert program(volume) == walked(spec, volume, rounding), (axis, size)
