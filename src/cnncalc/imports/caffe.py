"""Caffe's deploy.prototxt -> a spec, read as Netscope reads it: no Caffe, no protobuf schema.

The network's input comes from `input` with `input_shape` or `input_dim`, an `Input` layer, or a data
layer that carries `input_param`; layers are `layer { type: "Convolution" }` or the older
`layers { type: CONVOLUTION }`. Blobs are followed by name, so in-place layers (top == bottom) chain.
A BatchNorm followed by a Scale is one `batchnorm` (the Scale's γ and β are learned; BatchNorm's mean
and variance are buffers, its third blob, a single moving-average factor, is not counted); a BatchNorm
alone has neither γ nor β. Convolutions round down, as Caffe does; pools round up (`rounding: ceil`):
Caffe's rule, like PyTorch's ceil_mode, drops a last window that would start in the right padding.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..diagnostics import Span, SpecError, error
from ..model.geometry import Volume
from ..source import prototxt
from ..source.prototxt import Message
from . import Imported
from .chains import Graph

# the older `layers` form names its types with an enum
V1_TYPES = {"CONVOLUTION": "Convolution", "DECONVOLUTION": "Deconvolution", "POOLING": "Pooling",
            "INNER_PRODUCT": "InnerProduct", "RELU": "ReLU", "SIGMOID": "Sigmoid", "TANH": "TanH", "LRN": "LRN",
            "DROPOUT": "Dropout", "CONCAT": "Concat", "ELTWISE": "Eltwise", "SOFTMAX": "Softmax",
            "FLATTEN": "Flatten", "SPLIT": "Split", "DATA": "Data", "IMAGE_DATA": "ImageData",
            "MEMORY_DATA": "MemoryData", "HDF5_DATA": "HDF5Data", "DUMMY_DATA": "DummyData",
            "WINDOW_DATA": "WindowData", "SOFTMAX_LOSS": "SoftmaxWithLoss", "ACCURACY": "Accuracy",
            "EUCLIDEAN_LOSS": "EuclideanLoss"}
DATA_TYPES = {"Input", "Data", "ImageData", "MemoryData", "HDF5Data", "DummyData", "WindowData", "Python"}
LOSS_TYPES = {"SoftmaxWithLoss", "Accuracy", "EuclideanLoss", "SigmoidCrossEntropyLoss", "HingeLoss",
              "InfogainLoss", "MultinomialLogisticLoss", "ContrastiveLoss", "Silence"}
ACTIVATIONS = {"Sigmoid": "sigmoid", "TanH": "tanh", "Softmax": "softmax", "Flatten": "flatten", "ELU": "elu"}


def _true(value: Any) -> bool:
    return value in (True, 1, "true", "True", "t", "T", "1")


def _unsupported(what: str, name: str, span: Span | None, *hints: str) -> SpecError:
    return SpecError([error("unsupported-operator", f"{what} (layer '{name}') has no equivalent in a cnncalc spec",
                            span=span, suggestions=list(hints))])


def _per_axis(param: Message, name: str, default: int) -> int | list[int]:
    """A kernel, stride, pad or dilation as a spec writes it: one number, or one per axis width first
    (Caffe lists them height first, or gives `name_h` and `name_w`)."""
    if f"{name}_h" in param or f"{name}_w" in param:
        height, width = param.get(f"{name}_h", default), param.get(f"{name}_w", default)
        return height if height == width else [width, height]
    values = param.all(name) or param.all(f"{name}_size")
    if not values:
        return default
    if len(set(values)) == 1:
        return values[0]
    return list(reversed(values))


def _volume(dims: list, span: Span) -> str:
    """N×C×(D×)H×W dimensions -> a volume's text, width first."""
    if not 3 <= len(dims) <= 5 or not all(isinstance(d, int) and d > 0 for d in dims):
        raise SpecError([error("invalid-model", f"the input's shape {dims} is not N×C×H×W (or N×C×W, N×C×D×H×W) "
                               "in whole numbers", span=span)])
    return "x".join(str(d) for d in (*reversed(dims[2:]), dims[1]))


class _Net:
    def __init__(self, net: Message, path: Path, input: Volume | None) -> None:
        self.net, self.path, self.override = net, path, input
        self.graph = Graph()
        self.blobs: dict[str, int] = {}  # blob name -> the node that last wrote it
        self.input: str | None = None
        self.last: int | None = None
        self.fusable: tuple[int, str, str] | None = None  # the BatchNorm just read: (node, its top, its name)

    def imported(self) -> Imported:
        self.top_level_input()
        layers = [(key, value) for key, value, _ in self.net.fields if key in ("layer", "layers")]
        if not layers:
            raise SpecError([error("invalid-model", f"{self.path.name} has no layers: is it a Caffe prototxt?",
                                   span=Span(1, 1))])
        for index, (key, layer) in enumerate(layers):
            if not isinstance(layer, Message):
                raise SpecError([error("invalid-model", f"'{key}' must be a message: {key} {{ … }}",
                                       span=self.net.span)])
            later = [other for _, other in layers[index + 1:] if isinstance(other, Message)]
            self.layer(layer, key == "layers", later)
        if self.last is None:
            raise SpecError([error("invalid-model", "the network has no layer after its input", span=Span(1, 1))])
        items, locations = self.graph.spec_layers(self.last)
        data: dict[str, Any] = {"name": self.net.get("name") or self.path.stem}
        if self.override is not None or self.input is not None:
            data["input"] = "x".join(map(str, self.override)) if self.override is not None else self.input
        data["rounding"] = "floor"
        data["layers"] = items
        return Imported(data, locations, None, self.path.name)

    def top_level_input(self) -> None:
        names = self.net.all("input")
        if not names:
            return
        if len(names) > 1:
            raise SpecError([error("unsupported-graph", f"the network has {len(names)} inputs; a spec has one",
                                   span=self.net.where("input"))])
        shape = self.net.get("input_shape")
        dims = shape.all("dim") if isinstance(shape, Message) else self.net.all("input_dim")
        if dims:
            self.input = _volume(dims, self.net.where("input_shape" if shape else "input_dim"))
        self.blobs[str(names[0])] = 0

    def bottoms(self, layer: Message, name: str, span: Span) -> list[int]:
        sources = []
        for blob in layer.all("bottom"):
            if blob not in self.blobs:
                raise SpecError([error("invalid-model", f"layer '{name}' reads the blob '{blob}', which no layer "
                                       "before it writes", span=layer.where("bottom"))])
            sources.append(self.blobs[blob])
        if not sources:
            raise SpecError([error("invalid-model", f"layer '{name}' has no bottom", span=span)])
        return sources

    def layer(self, layer: Message, v1: bool, later: list[Message]) -> None:
        kind, name = str(layer.get("type", "")), str(layer.get("name", "?"))
        kind = V1_TYPES.get(kind, kind) if v1 else kind
        span = layer.where("name") if "name" in layer else layer.span
        tops = [str(t) for t in layer.all("top")]
        if any(str(rule.get("phase", "")) == "TRAIN" for rule in layer.all("include") if isinstance(rule, Message)):
            return  # not part of the network at inference
        fusable, self.fusable = self.fusable, None
        if kind in DATA_TYPES:
            self.data_layer(layer, kind, name, span, tops)
            return
        if kind in LOSS_TYPES:
            raise _unsupported(f"the {kind} layer", name, span, "import the deploy prototxt, which has no loss layers")
        sources = self.bottoms(layer, name, span)
        if kind == "Split":
            for top in tops:
                self.blobs[top] = sources[0]
            return
        if kind == "Scale" and fusable and fusable[0] == sources[0] and self.reads_only_here(fusable, layer, later):
            self.fuse(fusable[0], layer, name)
            node = fusable[0]
        elif kind in ("Concat", "Eltwise"):
            node = self.graph.merge(name, self.merge_kind(layer, kind, name, span), sources, span)
        else:
            if len(sources) > 1:
                raise _unsupported(f"the {kind} layer of {len(sources)} bottoms", name, span)
            node = self.graph.layer(name, [self.convert(layer, kind, name, span)], sources[0], span)
            if kind == "BatchNorm":
                self.fusable = (node, tops[0] if tops else "", name)
        if len(tops) != 1:
            raise _unsupported(f"the {kind} layer of {len(tops)} tops", name, span)
        self.blobs[tops[0]] = node
        self.last = node

    def reads_only_here(self, fusable: tuple[int, str, str], scale: Message, later: list[Message]) -> bool:
        """The BatchNorm's output is read by this Scale alone: in place, or no later layer reads its blob."""
        _, top, _ = fusable
        return top in scale.all("top") or not any(top in other.all("bottom") for other in later)

    def fuse(self, node: int, scale: Message, name: str) -> None:
        param = scale.get("scale_param") or Message(scale.span)
        bn = self.graph.nodes[node]
        settings = bn.layers[0]["batchnorm"]
        settings.pop("scale")
        if _true(param.get("bias_term", False)):
            settings.pop("center")
        else:
            settings["center"] = False
        settings["name"] = f"{bn.name}+{name}"

    def data_layer(self, layer: Message, kind: str, name: str, span: Span, tops: list[str]) -> None:
        if self.blobs or self.input:
            raise SpecError([error("unsupported-graph", f"'{name}' is a second input; a spec has one", span=span)])
        param = layer.get("input_param") or layer.get("dummy_data_param")
        shape = param.get("shape") if isinstance(param, Message) else None
        memory = layer.get("memory_data_param")
        if isinstance(shape, Message):
            self.input = _volume(shape.all("dim"), layer.where("input_param"))
        elif isinstance(memory, Message):
            self.input = _volume([memory.get("batch_size", 1), memory.get("channels"), memory.get("height"),
                                  memory.get("width")], layer.where("memory_data_param"))
        elif self.override is None:
            raise SpecError([error("missing-input", f"the {kind} layer '{name}' gives no input shape", span=span,
                                   suggestions=["pass --input WxHxD, e.g. --input 227x227x3"])])
        if not tops:
            raise SpecError([error("invalid-model", f"layer '{name}' has no top", span=span)])
        self.blobs[tops[0]] = 0  # a label top, if any, feeds only loss layers

    def merge_kind(self, layer: Message, kind: str, name: str, span: Span) -> str:
        if kind == "Concat":
            param = layer.get("concat_param") or Message(span)
            axis = param.get("axis", param.get("concat_dim", layer.get("concat_dim", 1)))
            if axis != 1:
                raise _unsupported(f"a Concat along axis {axis} (not the channels)", name, span)
            return "concat"
        param = layer.get("eltwise_param") or Message(span)
        operation = str(param.get("operation", "SUM"))
        if operation in ("SUM", "1"):
            return "add"
        if operation in ("PROD", "0"):
            return "multiply"
        raise _unsupported(f"an Eltwise {operation}", name, span)

    def convert(self, layer: Message, kind: str, name: str, span: Span) -> dict:
        """The spec layer of one Caffe layer of one bottom."""
        if kind in ("Convolution", "Deconvolution"):
            param = layer.get("convolution_param") or Message(span)
            settings: dict[str, Any] = {"filters": param.get("num_output"), "kernel": _per_axis(param, "kernel", 1)}
            for key, caffe, default in (("stride", "stride", 1), ("padding", "pad", 0), ("dilation", "dilation", 1)):
                value = _per_axis(param, caffe, default)
                if value != default:
                    settings[key] = value
            if param.get("group", 1) != 1:
                settings["groups"] = param.get("group")
            if not _true(param.get("bias_term", True)):
                settings["bias"] = False
            return {"conv" if kind == "Convolution" else "deconv": {**settings, "name": name}}
        if kind == "Pooling":
            return self.pooling(layer, name, span)
        if kind == "InnerProduct":
            param = layer.get("inner_product_param") or Message(span)
            if param.get("axis", 1) != 1:
                raise _unsupported(f"an InnerProduct along axis {param.get('axis')}", name, span)
            settings = {"units": param.get("num_output")}
            if not _true(param.get("bias_term", True)):
                settings["bias"] = False
            return {"fc": {**settings, "name": name}}
        if kind == "ReLU":
            param = layer.get("relu_param") or Message(span)
            slope = param.get("negative_slope", 0)
            return {"leaky_relu": {"slope": slope, "name": name}} if slope else {"relu": {"name": name}}
        if kind == "PReLU":
            param = layer.get("prelu_param") or Message(span)
            return {"prelu": {"shared": _true(param.get("channel_shared", False)), "name": name}}
        if kind == "LRN":
            param = layer.get("lrn_param") or Message(span)
            if str(param.get("norm_region", "ACROSS_CHANNELS")) not in ("ACROSS_CHANNELS", "0"):
                raise _unsupported("an LRN within channels", name, span)
            return {"lrn": {"size": param.get("local_size", 5), "alpha": param.get("alpha", 1.0),
                            "beta": param.get("beta", 0.75), "k": param.get("k", 1.0), "name": name}}
        if kind == "Dropout":
            param = layer.get("dropout_param") or Message(span)
            return {"dropout": {"p": param.get("dropout_ratio", 0.5), "name": name}}
        if kind == "BatchNorm":  # γ and β come from a Scale after it (fuse), if one follows
            param = layer.get("batch_norm_param") or Message(span)
            return {"batchnorm": {"eps": param.get("eps", 1e-5), "scale": False, "center": False, "name": name}}
        if kind == "Scale":
            param = layer.get("scale_param") or Message(span)
            if _true(param.get("bias_term", False)):
                raise _unsupported("a Scale with a bias that does not follow a BatchNorm", name, span)
            return {"layer_scale": {"name": name}}
        if kind in ACTIVATIONS:
            return {ACTIVATIONS[kind]: {"name": name}}
        raise _unsupported(f"the {kind or 'untyped'} layer", name, layer.where("type"))

    def pooling(self, layer: Message, name: str, span: Span) -> dict:
        param = layer.get("pooling_param") or Message(span)
        mode = {"MAX": "max", "AVE": "avg", "0": "max", "1": "avg"}.get(str(param.get("pool", "MAX")))
        if mode is None:
            raise _unsupported(f"a {param.get('pool')} pooling", name, span)
        if _true(param.get("global_pooling", False)):
            return {"global_pool": {"mode": mode, "name": name}}
        kernel, stride, pad = (_per_axis(param, key, default) for key, default in (("kernel", 1), ("stride", 1),
                                                                                  ("pad", 0)))
        if pad == 0 and any(k < s for k, s in zip(_pair(kernel), _pair(stride))):
            # Caffe keeps a last window that starts past the input when there is no padding; cnncalc's ceil
            # (PyTorch's) drops it: the two agree whenever the kernel is at least the stride
            raise _unsupported("a pooling whose kernel is smaller than its stride, without padding, rounded up as "
                               "Caffe does", name, span)
        settings: dict[str, Any] = {"kernel": kernel, "stride": stride}
        if pad:
            settings["padding"] = pad
        if mode == "avg":
            settings["mode"] = mode
        return {"pool": {**settings, "rounding": "ceil", "name": name}}


def _pair(value: int | list[int]) -> list[int]:
    return value if isinstance(value, list) else [value, value]


def read(path: Path, input: Volume | None = None) -> Imported:
    """The spec of the Caffe prototxt at `path`; `input` over the shape it declares."""
    from ..api import read_file  # the same reading (size limit, UTF-8) as a spec's

    return _Net(prototxt.parse(read_file(path)), path, input).imported()
