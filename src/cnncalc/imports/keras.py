"""Keras 3 models -> a spec, from the model's config alone: `config.json` inside a `.keras` file (its
weights are never read) or the JSON of `model.to_json()`. Neither TensorFlow nor Keras is needed.

A functional model is followed through its layers' inbound nodes; nested models and Sequentials are
read in place, their layers named `model/layer`. Keras rounds sizes down (`rounding: floor`). The
element-wise arithmetic Keras records for plain Python operators is read as what it computes:
`relu6(x + 3) / 6` is a hardsigmoid, `x * relu6(x + 3) / 6` and `x * hardsigmoid(x)` a hardswish;
other arithmetic with a constant (`x * 0.5`) changes no volume and learns nothing: an `identity`.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from ..diagnostics import ExitCode, Span, SpecError, error
from ..limits import MAX_FILE_BYTES
from ..model.geometry import Volume
from . import Imported
from .chains import Graph

ACTIVATIONS = {"relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax",
               "elu": "elu", "gelu": "gelu", "silu": "silu", "swish": "silu", "hard_silu": "hardswish",
               "hard_swish": "hardswish", "hardsilu": "hardswish", "hard_sigmoid": "hardsigmoid",
               "hardsigmoid": "hardsigmoid", "mish": "mish", "softplus": "softplus", "leaky_relu": "leaky_relu",
               "leakyrelu": "leaky_relu", "linear": "identity"}
MODELS = ("Functional", "Sequential", "Model")
_SCALAR_OPS = {"Add": "add", "Subtract": "subtract", "Multiply": "multiply", "TrueDivide": "divide",
               "Divide": "divide"}
_MERGES = {"Add": "add", "Multiply": "multiply", "Concatenate": "concat"}


def _unsupported(what: str, name: str, span: Span | None, *hints: str) -> SpecError:
    return SpecError([error("unsupported-operator", f"{what} (layer '{name}') has no equivalent in a cnncalc spec",
                            span=span, suggestions=list(hints))])


def _invalid(message: str, span: Span | None = None) -> SpecError:
    return SpecError([error("invalid-model", message, span=span)])


def _axes(value: Any) -> Any:
    """Keras' per-axis value (height first) as a spec writes it: one number, or one per axis width first."""
    if isinstance(value, (list, tuple)):
        return value[0] if len(set(value)) == 1 else list(reversed(value))
    return value


class _Op:
    """One operation of the model: a chain of spec layers, a merge, or arithmetic with a constant."""

    __slots__ = ("name", "kind", "items", "inputs", "span", "rank", "channels", "constant")

    def __init__(self, name: str, kind: str, items: list, inputs: list[int], span: Span | None, rank: int,
                 channels: int | None, constant: tuple[str, float] | None = None) -> None:
        self.name, self.kind, self.items, self.inputs, self.span = name, kind, items, inputs, span
        self.rank, self.channels, self.constant = rank, channels, constant


class _Model:
    def __init__(self, spans: dict[str, Span], channels_first: bool) -> None:
        self.spans = spans
        self.ops: list[_Op] = []
        self.channels_first = channels_first
        self.input_shape: list | None = None

    # -- the model's structure ---------------------------------------------------------------------
    def top(self, document: Any) -> int:
        if not isinstance(document, dict) or document.get("class_name") not in MODELS:
            raise _invalid("this is not a Keras model's config: it has no 'class_name' of Functional, Sequential "
                           "or Model", Span(1, 1) if self.spans else None)
        config = document.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise _invalid(f"the {document['class_name']} model's config lists no layers (a subclassed model does "
                           "not record them: build it as a functional or Sequential model)")
        return self.model(document, None, "")

    def model(self, document: dict, source: int | None, prefix: str) -> int:
        """The op that gives the output of a nested or top model, on the op `source` (None: its own input)."""
        config = document["config"]
        if document.get("class_name") == "Sequential":
            return self.sequential(config, source, prefix)
        return self.functional(config, source, prefix)

    def sequential(self, config: dict, source: int | None, prefix: str) -> int:
        current = source
        for layer in config["layers"]:
            name = str(layer.get("config", {}).get("name", "?"))
            if layer.get("class_name") == "InputLayer":
                if current is None:
                    current = self.input(layer, prefix + name)
                continue
            if current is None:  # no InputLayer: the first layer's input shape, if it was built
                shape = (layer.get("build_config") or {}).get("input_shape") or \
                    layer.get("config", {}).get("batch_input_shape")
                current = self.input({"config": {"batch_shape": shape, "name": "input"}}, prefix + "input")
            current = self.layer(layer, [current], [], prefix)
        if current is None:
            raise _invalid("the Sequential model has no layers")
        return current

    def functional(self, config: dict, source: int | None, prefix: str) -> int:
        produced: dict[str, int] = {}  # a layer's name -> the op that gives its output
        inputs, outputs = _tensor_list(config.get("input_layers")), _tensor_list(config.get("output_layers"))
        if len(inputs) != 1 or len(outputs) != 1:
            many = "inputs" if len(inputs) != 1 else "outputs"
            raise SpecError([error("unsupported-graph", f"the model has {len(inputs if many == 'inputs' else outputs)}"
                                   f" {many}; a spec has one input and one output")])
        for layer in config["layers"]:
            if not isinstance(layer, dict):
                raise _invalid("a layer of the config is not a mapping")
            name = str(layer.get("name") or layer.get("config", {}).get("name", "?"))
            if layer.get("class_name") == "InputLayer":
                produced[name] = source if source is not None else self.input(layer, prefix + name)
                continue
            nodes = layer.get("inbound_nodes") or []
            if len(nodes) != 1:
                raise _unsupported(f"a layer called {len(nodes)} times (its weights shared)", prefix + name,
                                   self.where(name))
            tensors, constants = _arguments(nodes[0])
            for tensor in tensors:
                if tensor not in produced:
                    raise _invalid(f"layer '{name}' reads the output of '{tensor}', which comes after it",
                                   self.where(name))
            produced[name] = self.layer(layer, [produced[t] for t in tensors], constants, prefix)
        if outputs[0] not in produced:
            raise _invalid(f"the output layer '{outputs[0]}' is not among the layers")
        return produced[outputs[0]]

    def input(self, layer: dict, name: str) -> int:
        if self.ops:
            raise SpecError([error("unsupported-graph", f"'{name}' is a second input; a spec has one",
                                   span=self.where(name))])
        shape = layer.get("config", {}).get("batch_shape") or layer.get("config", {}).get("batch_input_shape")
        if not isinstance(shape, list) or not 3 <= len(shape) <= 5:
            raise _invalid(f"the input '{name}' has no shape of 1 to 3 spatial axes and channels", self.where(name))
        self.input_shape = shape
        self.ops.append(_Op(name, "input", [], [], None, len(shape), self.channels_of(shape)))
        return 0

    def where(self, name: str) -> Span | None:
        return self.spans.get(name)

    # -- one layer ----------------------------------------------------------------------------------
    def add(self, name: str, items: list, source: int, span: Span | None, rank: int | None = None,
            channels: int | None = -1) -> int:
        before = self.ops[source]
        self.ops.append(_Op(name, "layers", items, [source], span, before.rank if rank is None else rank,
                            before.channels if channels == -1 else channels))
        return len(self.ops) - 1

    def layer(self, layer: dict, sources: list[int], constants: list, prefix: str) -> int:
        kind, config = str(layer.get("class_name")), layer.get("config") or {}
        bare = str(config.get("name") or layer.get("name") or "?")
        name, span = prefix + bare, self.where(bare)
        if kind in MODELS:
            if len(sources) != 1:
                raise _unsupported(f"a nested model of {len(sources)} inputs", name, span)
            return self.model(layer, sources[0], name + "/")
        module = str(layer.get("module", ""))
        if module.startswith("keras.src.ops"):
            return self.operation(kind, sources, constants, name, span)
        if kind in _MERGES:
            return self.merge(_MERGES[kind], config, sources, name, span)
        if len(sources) != 1:
            raise _unsupported(f"the {kind} layer of {len(sources)} inputs", name, span)
        return self.single(kind, config, sources[0], name, span)

    def channels_of(self, shape: list) -> int | None:
        return shape[1] if self.channels_first else shape[-1]

    def channel_axis(self, axis: Any, rank: int) -> bool:
        if isinstance(axis, list):
            if len(axis) != 1:
                return False
            axis = axis[0]
        axis = axis + rank if isinstance(axis, int) and axis < 0 else axis
        return axis == (1 if self.channels_first else rank - 1)

    def operation(self, kind: str, sources: list[int], constants: list, name: str, span: Span | None) -> int:
        """Arithmetic Keras records for Python operators and keras.ops calls."""
        if len(sources) == 2 and not constants and kind in ("Add", "Multiply"):
            return self.merge(_MERGES[kind], {}, sources, name, span)
        if len(sources) == 1 and len(constants) == 1 and kind in _SCALAR_OPS \
                and isinstance(constants[0], (int, float)):
            op = self.ops[sources[0]]
            self.ops.append(_Op(name, "scalar", [{"identity": {"name": name}}], sources, span, op.rank,
                                op.channels, (_SCALAR_OPS[kind], float(constants[0]))))
            return len(self.ops) - 1
        activation = ACTIVATIONS.get(re.sub(r"(?<=[a-z])(?=[A-Z])", "_", kind).lower())
        if len(sources) == 1 and not constants and activation:
            return self.add(name, [{activation: {"name": name}}], sources[0], span)
        raise _unsupported(f"the operation {kind}", name, span)

    def merge(self, kind: str, config: dict, sources: list[int], name: str, span: Span | None) -> int:
        ops = [self.ops[s] for s in sources]
        rank = max(op.rank for op in ops)
        channels = ops[0].channels
        if kind == "concat":
            if not self.channel_axis(config.get("axis", -1), rank):
                raise _unsupported(f"a Concatenate along axis {config.get('axis')} (not the channels)", name, span)
            known = [op.channels for op in ops]
            channels = sum(known) if None not in known else None
        self.ops.append(_Op(name, kind, [], list(sources), span, rank, channels))
        return len(self.ops) - 1

    def activation(self, config: dict, name: str, span: Span | None) -> list:
        """The layer an `activation=` option adds after a layer (none for linear)."""
        value = config.get("activation", "linear")
        if isinstance(value, dict):
            value = value.get("config", {}).get("name") or value.get("class_name")
        if value in (None, "linear"):
            return []
        if str(value) not in ACTIVATIONS:
            raise _unsupported(f"the activation {value}", name, span)
        return [self.activation_item(str(value), name)]

    @staticmethod
    def activation_item(value: str, name: str) -> dict:
        kind = ACTIVATIONS[value]
        return {kind: {"slope": 0.2, "name": name}} if kind == "leaky_relu" else {kind: {"name": name}}

    def single(self, kind: str, config: dict, source: int, name: str, span: Span | None) -> int:
        """A layer of one input."""
        op = self.ops[source]
        family = re.sub(r"[123]D$", "", kind)
        if family in ("Conv", "Convolution"):
            return self.conv(config, source, name, span, "conv")
        if family in ("Conv2DTranspose", "ConvTranspose", "Conv1DTranspose", "Conv3DTranspose") or \
                kind.endswith("Transpose"):
            return self.conv(config, source, name, span, "deconv")
        if family in ("DepthwiseConv", "SeparableConv"):
            return self.depthwise(config, source, name, span, separable=family == "SeparableConv")
        if family in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool", "AveragePool"):
            strides = config.get("strides") or config.get("pool_size")
            settings: dict[str, Any] = {"kernel": _axes(config.get("pool_size", 2)), "stride": _axes(strides)}
            if config.get("padding", "valid") == "same":
                settings["padding"] = "same"
            mode = "max" if family.startswith("Max") else "avg"
            return self.add(name, [{"pool": {**settings, "mode": mode, "name": name}}], source, span)
        if family in ("GlobalAveragePooling", "GlobalMaxPooling", "GlobalAvgPool", "GlobalMaxPool"):
            mode = "max" if "Max" in family else "avg"
            rank = op.rank if config.get("keepdims") else 2
            return self.add(name, [{"global_pool": {"mode": mode, "name": name}}], source, span, rank=rank)
        if kind == "Dense":
            settings = {"units": config.get("units")}
            if not config.get("use_bias", True):
                settings["bias"] = False
            if op.rank > 2:  # on every position of a feature map: a 1×1 convolution (contract §8)
                item = {"conv": {"filters": settings.pop("units"), "kernel": 1, **settings, "name": name}}
            else:
                item = {"fc": {**settings, "name": name}}
            return self.add(name, [item, *self.activation(config, name, span)], source, span,
                            channels=config.get("units"))
        if kind == "BatchNormalization":
            if not self.channel_axis(config.get("axis", -1), op.rank):
                raise _unsupported(f"a BatchNormalization over axis {config.get('axis')} (not the channels)", name,
                                   span)
            settings = {"eps": config.get("epsilon", 1e-3)}
            settings.update({key: False for key in ("scale", "center") if not config.get(key, True)})
            return self.add(name, [{"batchnorm": {**settings, "name": name}}], source, span)
        if kind == "LayerNormalization":
            if not self.channel_axis(config.get("axis", -1), op.rank):
                raise _unsupported(f"a LayerNormalization over axis {config.get('axis')} (not the channels)", name,
                                   span)
            scale, center = config.get("scale", True), config.get("center", True)
            if scale != center:
                raise _unsupported("a LayerNormalization with only one of scale and center", name, span)
            settings = {"eps": config.get("epsilon", 1e-3)}
            if not scale:
                settings["affine"] = False
            return self.add(name, [{"layernorm": {**settings, "name": name}}], source, span)
        if kind == "Normalization":
            if config.get("mean") is not None:  # fixed constants, not weights: it learns and keeps nothing
                return self.add(name, [{"identity": {"name": name}}], source, span)
            if not self.channel_axis(config.get("axis", -1), op.rank):
                raise _unsupported(f"a Normalization over axis {config.get('axis')} (not the channels)", name, span)
            return self.add(name, [{"normalization": {"name": name}}], source, span)
        if kind == "Activation":
            items = self.activation(config, name, span) or [{"identity": {"name": name}}]
            return self.add(name, items, source, span)
        if kind == "ReLU":
            return self.add(name, [self.relu(config, name, span)], source, span)
        if kind == "LeakyReLU":
            slope = config.get("negative_slope", config.get("alpha", 0.3))
            return self.add(name, [{"leaky_relu": {"slope": slope, "name": name}}], source, span)
        if kind in ("ELU", "Softmax"):
            return self.add(name, [{kind.lower(): {"name": name}}], source, span)
        if kind == "PReLU":
            shared = config.get("shared_axes") or []
            spatial = set(range(2, op.rank)) if self.channels_first else set(range(1, op.rank - 1))
            if set(shared) != spatial:
                raise _unsupported("a PReLU with a slope per position (shared_axes does not cover the spatial axes)",
                                   name, span, "shared_axes=[1, 2] gives one slope per channel")
            return self.add(name, [{"prelu": {"shared": False, "name": name}}], source, span)
        if family in ("ZeroPadding", "Cropping"):
            return self.padding(family, config, source, name, span)
        if family == "UpSampling":
            mode = config.get("interpolation", "nearest")
            if mode not in ("nearest", "bilinear"):
                raise _unsupported(f"an UpSampling with {mode} interpolation", name, span)
            settings = {"scale": _axes(config.get("size", 2))}
            if mode != "nearest":
                settings["mode"] = mode
            return self.add(name, [{"upsample": {**settings, "name": name}}], source, span)
        if kind == "Flatten":
            return self.add(name, [{"flatten": {"name": name}}], source, span, rank=2, channels=None)
        if kind == "Reshape":
            return self.reshape(config, source, name, span)
        if kind in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"):
            return self.add(name, [{"dropout": {"p": config.get("rate", 0.5), "name": name}}], source, span)
        if kind == "Rescaling":  # a fixed scale and offset: nothing learned or kept
            return self.add(name, [{"identity": {"name": name}}], source, span)
        if kind == "LayerScale":
            return self.add(name, [{"layer_scale": {"name": name}}], source, span)
        if kind == "StochasticDepth":
            return self.add(name, [{"drop_path": {"p": config.get("drop_path_rate", 0.0), "name": name}}],
                            source, span)
        raise _unsupported(f"the {kind} layer", name, span)

    def relu(self, config: dict, name: str, span: Span | None) -> dict:
        top, slope = config.get("max_value"), config.get("negative_slope") or 0
        if config.get("threshold"):
            raise _unsupported("a ReLU with a threshold", name, span)
        if top is None:
            return {"leaky_relu": {"slope": slope, "name": name}} if slope else {"relu": {"name": name}}
        if top == 6 and not slope:
            return {"relu6": {"name": name}}
        raise _unsupported(f"a ReLU capped at {top}" + (f" with a slope of {slope}" if slope else ""), name, span)

    def conv(self, config: dict, source: int, name: str, span: Span | None, kind: str) -> int:
        padding = config.get("padding", "valid")
        if padding not in ("valid", "same"):
            raise _unsupported(f"a convolution with {padding} padding", name, span)
        kernel, strides = config.get("kernel_size"), config.get("strides", 1)
        settings: dict[str, Any] = {"filters": config.get("filters"), "kernel": _axes(kernel)}
        if _axes(strides) != 1:
            settings["stride"] = _axes(strides)
        dilation = config.get("dilation_rate", 1)
        if kind == "deconv":
            settings.update(self.transposed_padding(config, kernel, strides, dilation))
        elif padding == "same":
            settings["padding"] = "same"
        if _axes(dilation) != 1:
            settings["dilation"] = _axes(dilation)
        if config.get("groups", 1) != 1:
            settings["groups"] = config["groups"]
        if not config.get("use_bias", True):
            settings["bias"] = False
        return self.add(name, [{kind: {**settings, "name": name}}, *self.activation(config, name, span)], source,
                        span, channels=config.get("filters"))

    @staticmethod
    def transposed_padding(config: dict, kernel: Any, strides: Any, dilation: Any) -> dict:
        """Keras' transposed-convolution sizes as padding and output_padding (PyTorch's terms): 'same' gives
        W·S; 'valid' gives W·S + max(F − S, 0); an output_padding pads ⌊F/2⌋ under 'same', 0 under 'valid'."""
        count = len(kernel) if isinstance(kernel, (list, tuple)) else 1

        def each(value: Any) -> list:
            return list(value) if isinstance(value, (list, tuple)) else [value] * count

        kernels = [d * (k - 1) + 1 for k, d in zip(each(kernel), each(dilation))]
        given = config.get("output_padding")
        same = config.get("padding") == "same"
        if given is None:
            if same:
                return {"padding": "same"}
            extra = [max(s - k, 0) for k, s in zip(kernels, each(strides))]
            return {"output_padding": _axes(extra)} if any(extra) else {}
        settings = {"output_padding": _axes(each(given))}
        if same:
            settings["padding"] = _axes([k // 2 for k in kernels])
        return settings

    def depthwise(self, config: dict, source: int, name: str, span: Span | None, separable: bool) -> int:
        channels = self.ops[source].channels
        if channels is None:
            raise _unsupported("a depthwise convolution whose input's channels the config does not say", name, span)
        padding = config.get("padding", "valid")
        if padding not in ("valid", "same"):
            raise _unsupported(f"a convolution with {padding} padding", name, span)
        multiplier = config.get("depth_multiplier", 1)
        settings: dict[str, Any] = {"filters": channels * multiplier, "kernel": _axes(config.get("kernel_size"))}
        if _axes(config.get("strides", 1)) != 1:
            settings["stride"] = _axes(config.get("strides"))
        if padding == "same":
            settings["padding"] = "same"
        if _axes(config.get("dilation_rate", 1)) != 1:
            settings["dilation"] = _axes(config.get("dilation_rate"))
        settings["groups"] = channels
        bias = config.get("use_bias", True)
        if separable:
            pointwise = {"filters": config.get("filters"), "kernel": 1}
            if not bias:
                pointwise["bias"] = False
            items = [{"conv": {**settings, "bias": False, "name": f"{name}/depthwise"}},
                     {"conv": {**pointwise, "name": f"{name}/pointwise"}}]
            out = config.get("filters")
        else:
            items = [{"conv": {**settings, **({} if bias else {"bias": False}), "name": name}}]
            out = channels * multiplier
        return self.add(name, [*items, *self.activation(config, name, span)], source, span, channels=out)

    def padding(self, family: str, config: dict, source: int, name: str, span: Span | None) -> int:
        rank = self.ops[source].rank
        axes = rank - 2
        value = config.get("cropping" if family == "Cropping" else "padding", 1 if family == "ZeroPadding" else 0)
        if isinstance(value, int):
            value = [[value, value]] * axes
        pairs = [list(p) if isinstance(p, (list, tuple)) else [p, p] for p in value]
        if len(pairs) != axes:
            raise _invalid(f"'{name}' gives {len(pairs)} axes of {family} for {axes}", span)
        sides = {}
        for (before, after), names in zip(reversed(pairs), (("left", "right"), ("top", "bottom"),
                                                            ("front", "back"))):
            sides[names[0]], sides[names[1]] = before, after
        if family == "ZeroPadding":
            return self.add(name, [{"pad": {"padding": sides, "name": name}}], source, span)
        return self.add(name, [{"crop": {**sides, "name": name}}], source, span)

    def reshape(self, config: dict, source: int, name: str, span: Span | None) -> int:
        """A reshape to 1×…×1×C (as squeeze-and-excitation does after a global pool) keeps the spec's
        volume: no row."""
        target = list(config.get("target_shape") or [])
        op = self.ops[source]
        channels, others = (target[0], target[1:]) if self.channels_first else (target[-1], target[:-1])
        if op.channels is not None and channels in (op.channels, -1) and all(d == 1 for d in others):
            self.ops.append(_Op(name, "alias", [], [source], span, len(target) + 1, op.channels))
            return len(self.ops) - 1
        raise _unsupported(f"a Reshape to {tuple(target)}", name, span,
                           "only a reshape to 1×…×1×C (as squeeze-and-excitation does) has a spec equivalent")

    # -- the graph ---------------------------------------------------------------------------------------
    def graph(self, output: int) -> tuple[list, dict]:
        _fuse(self.ops, output)
        live, stack = {output}, [output]
        while stack:
            for source in self.ops[stack.pop()].inputs:
                if source not in live:
                    live.add(source)
                    stack.append(source)
        graph, nodes = Graph(), {0: 0}
        for i in sorted(live - {0}):
            op = self.ops[i]
            sources = [nodes[s] for s in op.inputs]
            if op.kind == "alias":
                nodes[i] = sources[0]
            elif op.kind in ("add", "concat", "multiply"):
                nodes[i] = graph.merge(op.name, op.kind, sources, op.span)
            else:
                nodes[i] = graph.layer(op.name, op.items, sources[0], op.span)
        return graph.spec_layers(nodes[output])


def _consumers(ops: list[_Op]) -> list[int]:
    counts = [0] * len(ops)
    for op in ops:
        for source in op.inputs:
            counts[source] += 1
    return counts


def _is(op: _Op, kind: str) -> bool:
    return op.kind == "layers" and len(op.items) == 1 and kind in op.items[0]


def _sixth(op: _Op) -> bool:
    return op.kind == "scalar" and op.constant in (("divide", 6.0), ("multiply", 1 / 6))


def _fuse(ops: list[_Op], output: int) -> None:
    """Read hardsigmoid and hardswish where Keras recorded their arithmetic."""
    def only(i: int) -> bool:
        return i != output and uses[i] == 1

    uses = _consumers(ops)
    for op in ops:  # relu6(x + 3) / 6 -> hardsigmoid(x)
        if _sixth(op):
            relu6 = ops[op.inputs[0]]
            if _is(relu6, "relu6") and only(op.inputs[0]):
                plus = ops[relu6.inputs[0]]
                if plus.kind == "scalar" and plus.constant == ("add", 3.0) and only(relu6.inputs[0]):
                    op.kind, op.items, op.inputs = "layers", [{"hardsigmoid": {"name": op.name}}], plus.inputs
    uses = _consumers(ops)
    for op in ops:
        if op.kind == "multiply" and len(op.inputs) == 2:  # x * hardsigmoid(x) -> hardswish(x)
            for x, gate in (op.inputs, op.inputs[::-1]):
                if _is(ops[gate], "hardsigmoid") and ops[gate].inputs == [x] and only(gate):
                    op.kind, op.items, op.inputs = "layers", [{"hardswish": {"name": op.name}}], [x]
                    break
        elif _sixth(op) and ops[op.inputs[0]].kind == "multiply" and only(op.inputs[0]):  # x * relu6(x + 3) / 6
            product = ops[op.inputs[0]]
            for x, gate in (product.inputs, product.inputs[::-1]):
                relu6 = ops[gate]
                if _is(relu6, "relu6") and only(gate):
                    plus = ops[relu6.inputs[0]]
                    if plus.kind == "scalar" and plus.constant == ("add", 3.0) and plus.inputs == [x] \
                            and only(relu6.inputs[0]):
                        op.kind, op.items, op.inputs = "layers", [{"hardswish": {"name": op.name}}], [x]
                        break


def _tensor_list(value: Any) -> list[str]:
    """The layer names of a config's input_layers or output_layers: [name, 0, 0] or a list of them."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [value[0]]
    if isinstance(value, list):
        return [str(v[0]) for v in value if isinstance(v, list) and v]
    return []


def _arguments(node: Any) -> tuple[list[str], list]:
    """The layers whose outputs an inbound node reads, and the constants it is given, in order."""
    if not isinstance(node, dict):
        raise _invalid("an inbound node is not in Keras 3's form (a Keras 2 config? save the model with Keras 3)")
    tensors: list[str] = []
    constants: list = []

    def walk(value: Any) -> None:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            history = value.get("config", {}).get("keras_history") or ["?"]
            tensors.append(str(history[0]))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            constants.append(value)

    walk(node.get("args", []))
    return tensors, constants


def _spans(text: str) -> dict[str, Span]:
    """Where each layer's name first stands in a JSON text, for positioned errors."""
    spans: dict[str, Span] = {}
    line, line_start, at = 1, 0, 0
    for match in re.finditer(r'"name":\s*"((?:[^"\\]|\\.)*)"', text):
        line += text.count("\n", at, match.start())
        if line > 1:
            line_start = text.rfind("\n", 0, match.start()) + 1
        at = match.start()
        spans.setdefault(json.loads(f'"{match[1]}"'), Span(line, match.start() - line_start + 1))
    return spans


def _config_text(path: Path) -> tuple[str, bool]:
    """The model's config as text, and whether it is a JSON file of its own (whose positions mean something)."""
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".keras":
            raise _invalid(f"{path.name} is not a .keras file (a zip archive)")
        from ..api import read_file

        return read_file(path), True
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise _invalid(f"{path.name} has no config.json: is it a Keras 3 .keras file?") from None
            if info.file_size > MAX_FILE_BYTES:
                raise _invalid(f"config.json in {path.name} is larger than the limit of {MAX_FILE_BYTES // 2**20} MiB")
            with archive.open(info) as handle:  # read no further than the limit, whatever the header claims
                data = handle.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise _invalid(f"{path.name} is not a readable .keras file: {exc}") from None
    except OSError as exc:
        raise SpecError([error("unreadable", f"cannot read {path}: {exc.strerror or exc}")], ExitCode.USAGE) from None
    if len(data) > MAX_FILE_BYTES:
        raise _invalid(f"config.json in {path.name} is larger than the limit of {MAX_FILE_BYTES // 2**20} MiB")
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        raise _invalid(f"config.json in {path.name} is not UTF-8 text") from None


def read(path: Path, input: Volume | None = None) -> Imported:
    """The spec of the Keras model at `path` (a .keras file, or the JSON of model.to_json())."""
    text, positioned = _config_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        span = Span(exc.lineno, exc.colno) if positioned else None
        raise _invalid(f"the model's config is not valid JSON: {exc.msg}", span) from None
    except RecursionError:
        raise SpecError([error("too-deep", "the model's config nests too deep")]) from None
    # a model is channels_first or channels_last throughout, as the layers that have a data_format say
    model = _Model(_spans(text) if positioned else {}, '"channels_first"' in text)
    try:
        output = model.top(document)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:  # a config in no form Keras writes
        raise _invalid(f"the model's config is not in the form Keras 3 writes ({type(exc).__name__}: {exc})") from None
    items, locations = model.graph(output)
    data: dict[str, Any] = {"name": document["config"].get("name") or path.stem}
    shape = model.input_shape or []
    if input is not None:
        data["input"] = "x".join(map(str, input))
    elif shape and all(isinstance(d, int) for d in shape[1:]):
        spatial = shape[2:] if model.channels_first else shape[1:-1]
        data["input"] = "x".join(map(str, (*reversed(spatial), model.channels_of(shape))))
    else:
        raise SpecError([error("missing-input", f"the model's input shape {tuple(shape[1:])} is not fixed",
                               suggestions=["pass --input WxHxD, e.g. --input 224x224x3"])])
    data["rounding"] = "floor"
    data["layers"] = items
    return Imported(data, locations, None, path.name)
