"""ONNX models (contract §8, "Models made elsewhere"): an `.onnx` file as a spec.

The graph is read without its weights (onnx_file.py), its shapes come from the `onnx` package's
shape inference, and each operator becomes a layer, a merge or nothing (a layout change, an
Identity), with the PyTorch module path as its name where the exporter recorded one. A few
operator patterns that exporters write for one PyTorch module are read as that module: MatMul then
Add (a linear layer), x·sigmoid(x) (SiLU), x·hardsigmoid(x) (hard swish), Reshape–Transpose–Reshape
(a channel shuffle), Transpose around a LayerNormalization (ConvNeXt's channel LayerNorm), and
PyTorch's decomposition of LocalResponseNorm. Anything else the spec cannot say is an error,
`unsupported-operator`, never skipped. `graph.py` lays the units out as layers and blocks.

`onnx` is imported here only, and only when a model is read: it is the optional `cnncalc[onnx]`.
"""
from __future__ import annotations

import ast
import functools
import heapq
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..diagnostics import SpecError, error
from ..limits import MAX_INTEGER, MAX_LAYERS
from ..model.geometry import SIDES, Volume
from . import Imported
from .graph import Unit, structure
from .onnx_file import load_without_weights

FOLDED_NOTE = "BatchNorm folded into the convolutions"
MAX_NODES = 10 * MAX_LAYERS  # more operators than this cannot make a spec within the row limit
_PASS_THROUGH = ("Identity", "Cast")  # no row: the tensor is the same volume


def read(path: Path, input: Volume | None = None) -> Imported:
    """The spec of the ONNX model at `path`; `input` sets the input volume (needed when the model's
    input has dynamic sizes). Raises SpecError for a file that is not a model, or one that the spec
    language cannot express."""
    import onnx  # noqa: PLC0415 (the optional extra, imported only to read a model)

    path = Path(path)
    model = load_without_weights(path, onnx)
    try:
        graph = _Graph(onnx, model, input)
        translator = _Translator(graph)
        units = translator.run()
        layers = structure(units, graph.input_name, translator.resolve(graph.output_name))
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError) as exc:
        # protobuf takes a malformed model as it comes (a name that is not text, an attribute of a wrong
        # type, a value out of range …), and the checks above cannot foresee each
        raise _fail("invalid-model", f"the model is corrupt or malformed: {type(exc).__name__}: {exc}",
                    "check the model with onnx.checker.check_model") from None
    data = {"name": path.stem, "input": "x".join(map(str, graph.input_volume)), "rounding": "floor",
            "layers": layers}
    return Imported(data, {}, FOLDED_NOTE if translator.folded else None, path.name)


def _fail(code: str, message: str, *suggestions: str) -> SpecError:
    return SpecError([error(code, message, suggestions=[s for s in suggestions if s])])


class _Graph:
    """The model's nodes in run order, its constants and its inferred shapes, with the input fixed."""

    def __init__(self, onnx, model, volume: Volume | None) -> None:
        self.onnx = onnx
        graph = model.graph
        if len(graph.node) > MAX_NODES:
            raise _fail("too-large", f"the model has {len(graph.node):,} operators, more than the limit of "
                        f"{MAX_NODES:,}")
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        self.initializers = {t.name: t for t in graph.initializer}
        for sparse in graph.sparse_initializer:
            self.initializers[sparse.values.name] = sparse.values
        self.constants = dict(self.initializers)
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx") and node.output:
                tensor = self._constant_tensor(node)
                if tensor is not None:
                    self.constants[node.output[0]] = tensor
        inputs = [i for i in graph.input if i.name not in self.initializers]
        if len(inputs) != 1:
            names = ", ".join(i.name for i in inputs) or "none"
            raise _fail("unsupported-graph", f"the model takes {len(inputs)} inputs ({names}); a spec has one")
        if len(graph.output) != 1:
            names = ", ".join(o.name for o in graph.output)
            raise _fail("unsupported-graph", f"the model has {len(graph.output)} outputs ({names}); a spec has one")
        self.input_name, self.output_name = inputs[0].name, graph.output[0].name
        rank = len(inputs[0].type.tensor_type.shape.dim)
        to_first = [0, rank - 1, *range(1, rank - 1)]
        readers = [n for n in graph.node if self.input_name in n.input]
        self.channels_last = rank > 2 and bool(readers) and all(  # the model's first step makes it channels first
            n.op_type == "Transpose" and [a.ints for a in n.attribute if a.name == "perm"] == [to_first]
            for n in readers)
        self.input_volume = self._fix_input(inputs[0], volume, self.channels_last)
        order = _run_order(graph, self.input_name, set(self.constants))
        if order != sorted(order):  # shape inference takes the nodes in the file's order
            ordered = [onnx.NodeProto() for _ in order]
            for copy, index in zip(ordered, order):
                copy.CopyFrom(graph.node[index])
            graph.ClearField("node")
            graph.node.extend(ordered)
        self.nodes = list(graph.node)
        self.shapes = self._infer(model)
        for name, tensor in self.initializers.items():
            self._check_dims(name, tuple(tensor.dims))

    def _constant_tensor(self, node):
        """The tensor a Constant node holds (None for a kind no layer reads: strings)."""
        helper = self.onnx.helper
        for attribute in node.attribute:
            value = helper.get_attribute_value(attribute)
            if attribute.name == "value":
                return value
            if attribute.name == "sparse_value":
                return value.values
            kind = {"value_float": 1, "value_floats": 1, "value_int": 7, "value_ints": 7}.get(attribute.name)
            if kind is not None:
                values = value if isinstance(value, list) else [value]
                return helper.make_tensor(node.output[0], kind, [len(values)] if isinstance(value, list) else [],
                                          values)
        return None

    def _fix_input(self, value_info, volume: Volume | None, last: bool) -> Volume:
        """The input's volume (from `volume`, else the model), written into the model for shape inference;
        `last`: the input is channels last (N×H×W×C, as TensorFlow's models are)."""
        tensor_type = value_info.type.tensor_type
        dims = tensor_type.shape.dim
        rank = len(dims)
        if not tensor_type.HasField("shape") or not 2 <= rank <= 5:
            raise _fail("unsupported-operator", f"the model's input {value_info.name} has "
                        f"{'no known rank' if not tensor_type.HasField('shape') else f'rank {rank}'}; cnncalc "
                        "reads N×C, N×C×W, N×C×H×W or N×C×D×H×W inputs")
        sizes = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in dims]
        if last:  # worked out as N×C×…, then written back
            sizes = [sizes[0], sizes[-1], *sizes[1:-1]]
        spatial = rank - 2
        if volume is not None:
            if (volume.axes != spatial) if spatial else any(s != 1 for s in volume.spatial):
                example = "x".join(("W", "H", "T")[:spatial]) + "xC" if spatial else "1x1xC"
                raise _fail("invalid-value", f"--input {'x'.join(map(str, volume))} does not fit the model's "
                            f"{rank}-D input: give it as {example}")
            if sizes[1] is not None and sizes[1] != volume.depth:
                raise _fail("invalid-value", f"the model takes {sizes[1]} input channels, not {volume.depth}",
                            f"--input {'x'.join(map(str, (*volume.spatial, sizes[1])))}")
            wanted = [1, volume.depth, *reversed(volume.spatial[:spatial])]
        else:
            if any(s is None for s in sizes[1:]):
                shown = "×".join(str(s) if s is not None else (d.dim_param or "?") for s, d in zip(sizes, dims))
                example = "x".join(["224"] * spatial or ["1", "1"]) + f"x{sizes[1] or 3}"
                raise _fail("missing-input", f"the model's input {value_info.name} has dynamic sizes ({shown}): "
                            "pass --input to set them", f"--input {example} (width x height x channels)")
            wanted = [1, *sizes[1:]]
        for size in wanted:
            if size > MAX_INTEGER:
                raise _fail("too-large", f"the model's input claims a size of {size:,}, more than the limit of "
                            f"{MAX_INTEGER:,}")
        for dim, size in zip(dims, [wanted[0], *wanted[2:], wanted[1]] if last else wanted):
            dim.Clear()
            dim.dim_value = size
        if volume is not None:
            return volume
        return Volume(*reversed(wanted[2:]), wanted[1]) if spatial else Volume(1, 1, wanted[1])  # N×C: as after fc

    def _infer(self, model) -> dict[str, tuple[int, ...]]:
        onnx = self.onnx
        try:
            inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
        except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError, RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise _fail("invalid-model", f"ONNX shape inference fails: {first[:300]}",
                        "check the model with onnx.checker.check_model") from None
        shapes = {}
        graph = inferred.graph
        for info in (*graph.input, *graph.value_info, *graph.output):
            tensor_type = info.type.tensor_type
            if tensor_type.HasField("shape"):
                dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tensor_type.shape.dim)
                shapes[info.name] = dims
        return shapes

    def _check_dims(self, name: str, dims: tuple) -> None:
        if any(d < 0 or d > MAX_INTEGER for d in dims):
            raise _fail("too-large", f"tensor {name} claims the dimensions {list(dims)}, past the limit of "
                        f"{MAX_INTEGER:,}")

    def shape(self, tensor: str, node) -> tuple[int, ...]:
        """The inferred shape of `tensor`, every size known."""
        dims = self.shapes.get(tensor)
        if tensor in self.constants and dims is None:
            dims = tuple(self.constants[tensor].dims)
        if dims is None or any(d < 0 for d in dims):
            raise _fail("unsupported-operator", f"the shape of {tensor} ({node.op_type} node {_node_name(node)}) "
                        "cannot be inferred", "set the input's sizes with --input, or export with static shapes")
        self._check_dims(tensor, dims)
        return dims

    def values(self, tensor: str) -> list | None:
        """A constant's values as a flat list; None when `tensor` is not a constant, or its values are
        not in the file (a large tensor, or external data)."""
        proto = self.constants.get(tensor)
        if proto is None or proto.data_location == self.onnx.TensorProto.EXTERNAL:
            return None
        count = math.prod(proto.dims)
        fields = (proto.raw_data, proto.float_data, proto.int32_data, proto.int64_data, proto.double_data,
                  proto.uint64_data)
        if count and not any(len(f) for f in fields):
            return None  # left out of the read as too large
        try:
            return self.onnx.numpy_helper.to_array(proto).reshape(-1).tolist()
        except (ValueError, TypeError):
            return None


def _run_order(graph, source: str, constants: set[str]) -> list[int]:
    """The nodes' indexes in an order where each runs after those whose outputs it reads (the file's
    order where it is one already: ONNX asks for it, but does not enforce it)."""
    writer = {output: index for index, node in enumerate(graph.node) for output in node.output if output}
    known = {source, *constants, ""}
    waiting = [0] * len(graph.node)  # how many of its inputs each node still waits for
    readers: dict[int, list[int]] = {}
    for index, node in enumerate(graph.node):
        for tensor in dict.fromkeys(node.input):
            if tensor not in known and tensor in writer:
                waiting[index] += 1
                readers.setdefault(writer[tensor], []).append(index)
    ready = [i for i in range(len(graph.node)) if not waiting[i]]  # a heap: the earliest in the file first
    order = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for reader in readers.get(index, ()):
            waiting[reader] -= 1
            if not waiting[reader]:
                heapq.heappush(ready, reader)
    if len(order) < len(graph.node):
        stuck = next(node for i, node in enumerate(graph.node) if waiting[i])
        raise _fail("invalid-model", f"the graph has a cycle through node {_node_name(stuck)}")
    return order


def _node_name(node) -> str:
    return node.name or f"<{node.op_type} writing {node.output[0] if node.output else '?'}>"


def _module_path(node, initializers: dict) -> str:
    """The PyTorch module path of `node` where the exporter recorded one, else its ONNX name."""
    weight = node.input[1] if len(node.input) > 1 and node.input[1] in initializers else ""
    weight = weight[:-len(".weight")] if weight.endswith(".weight") else ""
    if weight and _folded(node):
        return weight  # the scope is the batchnorm's that was folded in; the weight is the conv's
    scopes = _listed(_metadata(node, "pkg.torch.onnx.name_scopes"))
    if len(scopes) >= 2 and scopes[-2]:
        return scopes[-2]
    if weight:  # a weight shared between equal layers is named after one of them, so it comes second
        return weight
    if node.name.startswith("/"):  # the TorchScript exporter: /layer1/layer1.0/conv1/Conv
        path = ""
        for part in node.name.split("/")[1:-1]:
            path = part if not path or part.startswith(path + ".") else f"{path}.{part}"
        if path:
            return path
    return _node_name(node)


def _folded(node) -> bool:
    """Whether the exporter folded a BatchNorm into this convolution: onnxscript's rewriter says so (the
    dynamo exporter), or the weight is a constant the TorchScript exporter computed (`onnx::Conv_12`)."""
    return "FuseBatchNorm" in _metadata(node, "pkg.onnxscript.rewriter.rule_name") or \
        (node.input[1].startswith("onnx::Conv") and len(node.input) > 2 and bool(node.input[2]))


def _torch_module(node) -> tuple[str, str] | None:
    """(class, path) of the innermost PyTorch module that `node` was exported from, if recorded."""
    classes = _listed(_metadata(node, "pkg.torch.onnx.class_hierarchy"))
    scopes = _listed(_metadata(node, "pkg.torch.onnx.name_scopes"))
    if len(classes) < 2 or len(scopes) < 2:
        return None
    return classes[-2], scopes[-2]


@functools.lru_cache(maxsize=4096)  # a module's class path repeats on each of its nodes
def _listed(text: str) -> tuple:
    """The Python list the exporter wrote as text in a node's metadata (() when there is none)."""
    if not text.startswith("["):
        return ()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return ()
    return tuple(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else ()


def _metadata(node, key: str) -> str:
    return next((p.value for p in node.metadata_props if p.key == key), "")


def _per_axis(values) -> int | list[int]:
    """ONNX's per-axis values (the last spatial axis last) as the spec writes them: width first."""
    values = [int(v) for v in values]
    return values[0] if len(set(values)) == 1 else list(reversed(values))


def _sides(begins, ends) -> dict[str, int]:
    """Padding or cropping given per ONNX axis (the first spatial axis first) as the spec's sides,
    width first: left, right, top, bottom, front, back."""
    count = len(begins)
    return {name: int(value) for k in range(count)
            for name, value in zip(SIDES[k], (begins[count - 1 - k], ends[count - 1 - k]))}


def _number(value: float) -> float | int:
    """A float32 attribute as the number it was written as (1e-05, not 9.999999747378752e-06)."""
    rounded = float(f"{value:.6g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded


class _Translator:
    """Turns the nodes into units, one operator (or one recognised pattern) at a time."""

    def __init__(self, graph: _Graph) -> None:
        self.g = graph
        self.units: list[Unit] = []
        self.alias: dict[str, str] = {}  # a tensor -> the data tensor it is (layout changes, Identity)
        self.data = {graph.input_name}  # tensors the network computes from its input
        self.layout = {graph.input_name: "last" if graph.channels_last else "first"}  # channels first (N×C×…) or last
        self.writer: dict[str, Unit] = {}  # data tensor -> the unit that writes it
        self.done: set[int] = set()  # nodes read as part of an earlier pattern
        self.readers: dict[str, list] = {}
        for node in graph.nodes:
            for tensor in dict.fromkeys(node.input):
                self.readers.setdefault(tensor, []).append(node)
        self.folded = False
        self.unsupported: dict[str, list[str]] = {}
        self.modules: dict[tuple[str, str], list] = {}  # (class, path) -> the nodes of a PyTorch module
        self.tried: set[tuple[str, str] | None] = {None}
        for node in graph.nodes:
            module = _torch_module(node)
            if module is not None and module[0].startswith("torch.nn.modules."):
                self.modules.setdefault(module, []).append(node)

    def run(self) -> list[Unit]:
        for node in self.g.nodes:
            if id(node) in self.done or not any(t in self.data for t in node.input):
                continue  # constants and shape arithmetic: nothing the network's volume goes through
            if node.domain not in ("", "ai.onnx"):
                self.refuse(node, f"{node.domain}.{node.op_type}")
                continue
            if self.module(node):
                continue
            handler = _HANDLERS.get(node.op_type)
            if handler is None or handler(self, node) is False:
                self.refuse(node)
        if self.unsupported:
            raise SpecError([error("unsupported-operator", f"{op} (node {nodes[0]}"
                                   f"{f', and {len(nodes) - 1} more' if len(nodes) > 1 else ''}) has no "
                                   "counterpart in cnncalc's spec language",
                                   suggestions=["README, 'Models made elsewhere', lists the operators cnncalc reads"])
                             for op, nodes in self.unsupported.items()])
        if self.resolve(self.g.output_name) == self.g.input_name:
            raise _fail("unsupported-graph", "the model computes nothing from its input that a spec could show")
        live, todo = set(), [self.resolve(self.g.output_name)]
        while todo:
            unit = self.writer.get(todo.pop())
            if unit is not None and id(unit) not in live:
                live.add(id(unit))
                todo.extend(unit.inputs)
        dead = [unit.name for unit in self.units if id(unit) not in live]
        if dead:
            more = f" (nor do {len(dead) - 1} more)" if len(dead) > 1 else ""
            raise _fail("unsupported-graph", f"{dead[0]} does not lead to the model's output{more}: a spec "
                        "follows one path to one output",
                        "remove what leads elsewhere, or export that part as a model of its own")
        return self.units

    def module(self, node) -> bool:
        """Read the PyTorch module that `node` begins, when the exporter wrote it as several operators
        (LocalResponseNorm, GroupNorm, an activation before its ONNX operator existed …) with one input
        and one output. Whether it was read."""
        module = _torch_module(node)
        nodes = self.modules.get(module, []) if module not in self.tried else []
        handler = _MODULES.get(module[0].rsplit(".", 1)[-1]) if len(nodes) > 1 else None
        if handler is None:
            return False
        self.tried.add(module)  # at the module's first node that reads the network's data, once
        written = {output for n in nodes for output in n.output}
        sources = {x for n in nodes for x in n.input if x in self.data and x not in written}
        outputs = [x for x in written if x == self.g.output_name or
                   any(r not in nodes for r in self.readers.get(x, []))]
        if len(sources) != 1 or len(outputs) != 1 or handler(self, nodes, sources.pop(), outputs[0]) is False:
            return False
        self.done.update(map(id, nodes))
        return True

    def refuse(self, node, what: str | None = None) -> None:
        self.unsupported.setdefault(what or node.op_type, []).append(_node_name(node))
        for output in node.output:  # carry on, to find every operator that cannot be read
            self.data.add(output)
            self.layout[output] = self.layout.get(self.first_data(node), "first")
            self.alias[output] = self.resolve(self.first_data(node))

    # -- what the handlers build ------------------------------------------------------------------
    def resolve(self, tensor: str) -> str:
        while tensor in self.alias:
            tensor = self.alias[tensor]
        return tensor

    def first_data(self, node) -> str:
        return next(t for t in node.input if t in self.data)

    def layer(self, node, kind: str, params: dict | None = None, *, source: str | None = None,
              output: str | None = None, layout: str | None = None) -> Unit:
        source = source or node.input[0]
        output = output or node.output[0]
        params = {k: v for k, v in (params or {}).items() if v is not None}
        name = _module_path(node, self.g.initializers)
        unit = Unit([self.resolve(source)], output, name, layer={kind: {**params, "name": name}})
        self.add(unit, layout or self.layout[source])
        return unit

    def merge(self, node, kind: str, sources: list[str]) -> None:
        unit = Unit([self.resolve(t) for t in sources], node.output[0], _module_path(node, self.g.initializers),
                    merge=kind)
        self.add(unit, self.layout[sources[0]])

    def add(self, unit: Unit, layout: str) -> None:
        self.units.append(unit)
        self.data.add(unit.output)
        self.layout[unit.output] = layout
        self.writer[unit.output] = unit

    def same(self, node, source: str | None = None, layout: str | None = None, output: str | None = None) -> None:
        """No row: the node's output is its input (a layout change, an Identity)."""
        source = source or node.input[0]
        output = output or node.output[0]
        self.alias[output] = self.resolve(source)
        self.data.add(output)
        self.layout[output] = layout or self.layout[source]

    # -- reading the graph --------------------------------------------------------------------------
    def attrs(self, node) -> dict[str, Any]:
        helper = self.g.onnx.helper
        values = {}
        for attribute in node.attribute:
            value = helper.get_attribute_value(attribute)
            values[attribute.name] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        return values

    def shape(self, tensor: str, node) -> tuple[int, ...]:
        return self.g.shape(tensor, node)

    def input(self, node, index: int) -> str | None:
        """The name of input `index`, None when it is left out."""
        return node.input[index] if len(node.input) > index and node.input[index] else None

    def constant(self, node, index: int, what: str) -> list | None:
        """The values of constant input `index` (None when it is left out); an error when it is computed."""
        tensor = self.input(node, index)
        if tensor is None:
            return None
        values = self.g.values(tensor)
        if values is None:
            raise _fail("unsupported-operator", f"{node.op_type} node {_node_name(node)} computes its {what} in "
                        "the graph: cnncalc reads them only as constants", "export the model with constant folding")
        return values

    def learned(self, node, index: int, role: str) -> bool:
        """Whether input `index` of a norm, its scale (`role` weight) or shift (bias), is learned. The
        dynamo exporter records the PyTorch call, which names a learned one (`%p_bn_weight`) or says
        None; elsewhere, a weight in the file is learned unless it is all ones (a scale) or zeros (a
        shift), what exporters write for a norm without one."""
        fx = _metadata(node, "pkg.torch.onnx.fx_node")
        if fx:
            return re.search(rf"%p_\w*_{role}\b", fx) is not None
        tensor = self.input(node, index)
        if tensor is None or tensor not in self.g.initializers:
            return False
        values = self.g.values(tensor)
        return values is None or any(v != (1.0 if role == "weight" else 0.0) for v in values)

    def only_reader(self, tensor: str, op_type: str):
        """The one node that reads `tensor`, when it is an `op_type` (and the graph does not output it)."""
        readers = self.readers.get(tensor, [])
        if len(readers) == 1 and readers[0].op_type == op_type and tensor != self.g.output_name:
            return readers[0]
        return None

    def volume(self, tensor: str, node) -> tuple[tuple[int, ...], int]:
        """(spatial sizes in ONNX's order, channels) of a data tensor, whatever its layout."""
        dims = self.shape(tensor, node)
        if len(dims) <= 2:
            return (), dims[-1] if dims else 1
        if self.layout.get(tensor) == "last":  # a tensor not yet written is channels first
            return dims[1:-1], dims[-1]
        return dims[2:], dims[1]

    def spec_volume(self, tensor: str, node) -> tuple[int, ...]:
        """The spec's volume of a data tensor (width first): N×C is 1×1×C, as after fc."""
        spatial, channels = self.volume(tensor, node)
        return (*reversed(spatial), channels) if spatial else (1,) * self.g.input_volume.axes + (channels,)

    def spatial_axes(self, tensor: str, node) -> set[int]:
        rank = len(self.shape(tensor, node))
        return set(range(1, rank - 1)) if self.layout[tensor] == "last" else set(range(2, rank))

    def channel_axis(self, tensor: str, node) -> int:
        rank = len(self.shape(tensor, node))
        return rank - 1 if self.layout[tensor] == "last" and rank > 2 else 1

    def axis(self, value: int, node, tensor: str) -> int:
        return value + len(self.shape(tensor, node)) if value < 0 else value


# -- the operators ------------------------------------------------------------------------------

def _padding(attrs: dict, spatial, kernel, strides, dilations) -> Any:
    """The spec's padding of a windowed operator (None for none)."""
    auto = attrs.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return None
    if auto == "SAME_UPPER":
        return "same"
    count = len(kernel)
    if auto == "SAME_LOWER":  # as `same`, with the odd one at the start
        totals = [max((math.ceil(w / s) - 1) * s + d * (k - 1) + 1 - w, 0)
                  for w, k, s, d in zip(spatial, kernel, strides, dilations)]
        begins, ends = [tot - tot // 2 for tot in totals], [tot // 2 for tot in totals]
    else:
        pads = list(attrs.get("pads", [0] * 2 * count))
        begins, ends = pads[:count], pads[count:]
    if begins == ends:
        return None if not any(begins) else _per_axis(begins)
    return _sides(begins, ends)


def _window(t: _Translator, node, kernel) -> tuple[dict, list, list, list]:
    attrs = t.attrs(node)
    count = len(kernel)
    strides = list(attrs.get("strides", [1] * count))
    dilations = list(attrs.get("dilations", [1] * count))
    spatial, _ = t.volume(node.input[0], node)
    return attrs, strides, dilations, _padding(attrs, spatial, kernel, strides, dilations)


def _only(value, default):
    return None if value == default else value


def _weighted_window(t: _Translator, node) -> tuple | None:
    """A Conv's or ConvTranspose's weight shape, kernel and window attributes; None when its input is not
    channels first or its weight is computed in the graph (not a layer the spec language has)."""
    if t.layout[node.input[0]] != "first" or node.input[1] in t.data:
        return None
    weight = t.shape(node.input[1], node)
    kernel = list(t.attrs(node).get("kernel_shape", weight[2:]))
    attrs, strides, dilations, padding = _window(t, node, kernel)
    t.folded |= _folded(node)
    return weight, kernel, attrs, strides, dilations, padding, attrs.get("group", 1)


def _conv(t: _Translator, node) -> bool | None:
    window = _weighted_window(t, node)
    if window is None:
        return False
    weight, kernel, _, strides, dilations, padding, group = window
    t.layer(node, "conv", {"filters": weight[0], "kernel": _per_axis(kernel), "stride": _only(_per_axis(strides), 1),
                           "padding": padding, "dilation": _only(_per_axis(dilations), 1), "groups": _only(group, 1),
                           "bias": None if t.input(node, 2) else False})


def _conv_transpose(t: _Translator, node) -> bool | None:
    window = _weighted_window(t, node)
    if window is None:
        return False
    weight, kernel, attrs, strides, dilations, padding, group = window
    count = len(kernel)
    extra = list(attrs.get("output_padding", [0] * count))
    spatial, _ = t.volume(node.input[0], node)
    if "output_shape" in attrs or attrs.get("auto_pad", "NOTSET").startswith("SAME") and any(extra):
        wanted = list(attrs["output_shape"])[-count:] if "output_shape" in attrs else [w * s for w, s in
                                                                                      zip(spatial, strides)]
        totals = [s * (w - 1) + e + (k - 1) * d + 1 - o
                  for w, s, e, k, d, o in zip(spatial, strides, extra, kernel, dilations, wanted)]
        if any(total < 0 for total in totals):
            return False
        lower = attrs.get("auto_pad") != "SAME_UPPER"  # ONNX puts the odd one at the end only for SAME_UPPER
        begins = [tot - tot // 2 if lower else tot // 2 for tot in totals]
        ends = [tot - b for tot, b in zip(totals, begins)]
        padding = None if begins == ends and not any(begins) else (_per_axis(begins) if begins == ends
                                                                     else _sides(begins, ends))
    t.layer(node, "deconv", {"filters": weight[1] * group, "kernel": _per_axis(kernel),
                             "stride": _only(_per_axis(strides), 1), "padding": padding,
                             "dilation": _only(_per_axis(dilations), 1), "groups": _only(group, 1),
                             "output_padding": _only(_per_axis(extra), 0),
                             "bias": None if t.input(node, 2) else False})


def _pool(mode: str) -> Callable:
    def pool(t: _Translator, node) -> bool | None:
        if t.layout[node.input[0]] != "first":
            return False
        kernel = list(t.attrs(node)["kernel_shape"])
        attrs, strides, dilations, padding = _window(t, node, kernel)
        if node.op_type == "LpPool" and attrs.get("p", 2) != 2:
            return False
        t.layer(node, "pool", {"kernel": _per_axis(kernel), "stride": _per_axis(strides), "padding": padding,
                               "dilation": _only(_per_axis(dilations), 1), "mode": _only(mode, "max"),
                               "rounding": "ceil" if attrs.get("ceil_mode") else None})
    return pool


def _global_pool(mode: str) -> Callable:
    def pool(t: _Translator, node) -> bool | None:
        if t.layout[node.input[0]] != "first":
            return False
        t.layer(node, "global_pool", {"mode": _only(mode, "avg")})
    return pool


def _reduce(mode: str) -> Callable:
    def reduce(t: _Translator, node) -> bool | None:
        attrs = t.attrs(node)
        axes = attrs.get("axes")
        if axes is None:
            axes = t.constant(node, 1, "axes")
        source = node.input[0]
        if axes is None or {t.axis(a, node, source) for a in axes} != t.spatial_axes(source, node):
            return False  # over the channels, or all of it: not a pooling
        t.layer(node, "global_pool", {"mode": _only(mode, "avg")}, layout="first")
    return reduce


def _gemm(t: _Translator, node) -> bool | None:
    attrs = t.attrs(node)
    if node.input[1] in t.data or attrs.get("transA", 0) or len(t.shape(node.input[0], node)) != 2:
        return False
    weight = t.shape(node.input[1], node)
    units = weight[0] if attrs.get("transB", 0) else weight[1]
    t.layer(node, "fc", {"units": units, "bias": None if t.input(node, 2) else False})


def _matmul(t: _Translator, node) -> bool | None:
    """A linear layer: on N×C it is fc; on a channels-last tensor (ConvNeXt's MLP), a 1×1 conv.
    An Add of a constant [units] that follows it is its bias."""
    source = node.input[0]
    if node.input[1] in t.data:
        return False
    weight = t.shape(node.input[1], node)
    rank = len(t.shape(source, node))
    if len(weight) != 2 or not (rank == 2 or t.layout[source] == "last"):
        return False
    output, bias = node.output[0], False
    add = t.only_reader(output, "Add")
    if add is not None:
        other = next((x for x in add.input if x != output), None)
        if other is not None and other not in t.data and math.prod(t.shape(other, add)) == weight[1]:
            t.done.add(id(add))
            output, bias = add.output[0], None
    if rank == 2:
        t.layer(node, "fc", {"units": weight[1], "bias": bias}, output=output)
    else:
        t.layer(node, "conv", {"filters": weight[1], "kernel": 1, "bias": bias}, output=output)


def _reshape(t: _Translator, node) -> bool | None:
    """Flatten to N×C; a reshape that keeps the spec's volume (N×C to N×C×1×1) is no row; the
    Reshape–Transpose–Reshape of a channel shuffle is one row."""
    source, output = node.input[0], node.output[0]
    before, after = t.shape(source, node), t.shape(output, node)
    if node.op_type == "Reshape" and _channel_shuffle(t, node, before, after):
        return None
    if node.op_type == "Flatten" and t.axis(t.attrs(node).get("axis", 1), node, source) != 1:
        return False
    t.layout[output] = t.layout[source] if len(after) == len(before) else "first"
    if len(after) == 2 and after[0] == before[0]:  # channels last too: the order changes no count
        if t.spec_volume(source, node) == t.spec_volume(output, node):
            t.same(node, layout="first")
        else:
            t.layer(node, "flatten", layout="first")
        return None
    if t.spec_volume(source, node) == t.spec_volume(output, node):
        t.same(node, layout=t.layout[output])
        return None
    return False


def _channel_shuffle(t: _Translator, node, before, after) -> bool:
    """N×C×… -> N×g×(C/g)×… -> transposed -> N×C×…: ShuffleNet's channel shuffle."""
    if t.layout[node.input[0]] != "first" or len(after) != len(before) + 1 or len(before) < 3:
        return False
    if after[0] != before[0] or after[1] * after[2] != before[1] or after[3:] != before[2:]:
        return False
    transpose = t.only_reader(node.output[0], "Transpose")
    if transpose is None or list(t.attrs(transpose).get("perm", [])) != [0, 2, 1, *range(3, len(after))]:
        return False
    back = t.only_reader(transpose.output[0], "Reshape")
    if back is None or t.shape(back.output[0], back) != before:
        return False
    t.done.update((id(transpose), id(back)))
    t.layer(node, "channel_shuffle", {"groups": after[1]}, output=back.output[0])
    return True


def _transpose(t: _Translator, node) -> bool | None:
    """Channels to the end or back (ConvNeXt's permutes around its LayerNorm and MLP): no row."""
    source = node.input[0]
    rank = len(t.shape(source, node))
    perm = list(t.attrs(node).get("perm", reversed(range(rank))))
    last = [0, *range(2, rank), 1]
    first = [0, rank - 1, *range(1, rank - 1)]
    if perm == list(range(rank)):
        t.same(node)
    elif rank > 2 and perm == last and t.layout[source] == "first":
        t.same(node, layout="last")
    elif rank > 2 and perm == first and t.layout[source] == "last":
        t.same(node, layout="first")
    else:
        return False
    return None


def _simple(kind: str, params: Callable | None = None) -> Callable:
    def simple(t: _Translator, node) -> bool | None:
        t.layer(node, kind, params(t, node) if params else None)
    return simple


def _clip(t: _Translator, node) -> bool | None:
    if t.g.opset < 11:
        attrs = t.attrs(node)
        low, high = attrs.get("min"), attrs.get("max")
    else:
        low = (t.constant(node, 1, "minimum") or [None])[0]
        high = (t.constant(node, 2, "maximum") or [None])[0]
    if low == 0 and high == 6:
        t.layer(node, "relu6")
    elif low == 0 and (high is None or math.isinf(high)):
        t.layer(node, "relu")
    else:
        return False
    return None


def _prelu(t: _Translator, node) -> bool | None:
    slopes = math.prod(t.shape(node.input[1], node))
    channels = t.volume(node.input[0], node)[1]
    if slopes == 1:
        t.layer(node, "prelu")
    elif slopes == channels:
        t.layer(node, "prelu", {"shared": False})
    else:
        return False
    return None


def _by_scalar(t: _Translator, node) -> bool | None:
    """The map plus, minus, times or divided by one constant number (a rescaling): an `identity` row,
    as the Keras reader writes Rescaling, for it changes no size and learns nothing."""
    constants = [x for x in node.input if x and x not in t.data]
    if len(node.input) != 2 or len(constants) != 1 or math.prod(t.shape(constants[0], node)) != 1:
        return False
    t.layer(node, "identity", source=t.first_data(node))
    return None


def _add(t: _Translator, node) -> bool | None:
    sources = [x for x in node.input if x]
    if not all(x in t.data for x in sources):
        return _by_scalar(t, node)  # a linear layer's bias was read with its MatMul
    if len(sources) == 1:
        t.same(node)
    else:
        t.merge(node, "add", sources)
    return None


def _mul(t: _Translator, node) -> bool | None:
    """x·sigmoid(x) is SiLU and x·hardsigmoid(x) hard swish; a per-channel constant is a layer scale;
    any other product of two tensors is a `multiply` block (squeeze-and-excitation's gate)."""
    a, b = node.input[0], node.input[1]
    if a in t.data and b in t.data:
        for x, gate in ((a, b), (b, a)):
            unit = t.writer.get(t.resolve(gate))
            kind = next(iter(unit.layer)) if unit is not None and unit.layer else None
            if kind in ("sigmoid", "hardsigmoid") and unit.inputs == [t.resolve(x)] and \
                    len(t.readers.get(gate, [])) == 1:
                unit.layer = {"silu" if kind == "sigmoid" else "hardswish": unit.layer[kind]}
                t.same(node, source=gate)
                return None
        t.merge(node, "multiply", [a, b])
        return None
    source, factor = (a, b) if a in t.data else (b, a)
    if t.only_reader(node.output[0], "Erf") is not None:
        return _erf_gelu(t, node)
    dims = list(t.shape(factor, node))
    rank = len(t.shape(source, node))
    dims = [1] * (rank - len(dims)) + dims
    axis = t.channel_axis(source, node)
    if math.prod(dims) == dims[axis] == t.volume(source, node)[1] and dims[axis] > 1:
        t.layer(node, "layer_scale", source=source)
        return None
    return _by_scalar(t, node)


def _erf_gelu(t: _Translator, node) -> bool | None:
    """x·½(1 + erf(x/√2)), GELU as exporters write it where ONNX has no Gelu (before opset 20): from the
    division (or product) of x by a constant that `node` is, Erf, an Add and two Muls, one of them by x."""
    source = t.first_data(node)
    erf = t.only_reader(node.output[0], "Erf")
    if erf is None or any(x in t.data for x in node.input if x != source):
        return False
    chain, current, by_source = [erf], erf.output[0], False
    while len(chain) < 4:
        step = t.only_reader(current, "Add") or t.only_reader(current, "Mul")
        others = [x for x in step.input if x != current] if step is not None else []
        if step is None or len(others) != 1 or (others[0] in t.data and others[0] != source):
            break
        by_source |= others[0] == source
        chain.append(step)
        current = step.output[0]
    if not by_source or [n.op_type for n in chain] != ["Erf", "Add", "Mul", "Mul"]:
        return False
    t.done.update(map(id, chain))
    t.layer(node, "gelu", source=source, output=current)
    return None


def _divide(t: _Translator, node) -> bool | None:
    if t.only_reader(node.output[0], "Erf") is not None:
        return _erf_gelu(t, node)
    return _by_scalar(t, node)


def _concat(t: _Translator, node) -> bool | None:
    sources = [x for x in node.input if x]
    if not all(x in t.data for x in sources):
        return False
    if t.axis(t.attrs(node)["axis"], node, sources[0]) != t.channel_axis(sources[0], node):
        return False
    if len(sources) == 1:
        t.same(node)
    else:
        t.merge(node, "concat", sources)
    return None


def _split(t: _Translator, node) -> bool | None:
    source = node.input[0]
    attrs = t.attrs(node)
    channels = t.volume(source, node)[1]
    if t.axis(attrs.get("axis", 0), node, source) != t.channel_axis(source, node):
        return False
    sizes = attrs.get("split") or t.constant(node, 1, "split sizes")
    if sizes is None:
        count = attrs.get("num_outputs", len(node.output))
        sizes = [math.ceil(channels / count)] * (count - 1)
        sizes.append(channels - sum(sizes))
    start = 0
    for output, size in zip(node.output, sizes):
        if output in t.readers or output == t.g.output_name:  # a part nothing reads is no layer
            t.layer(node, "channel_slice", {"start": _only(start, 0), "stop": start + int(size)}, output=output)
        start += int(size)
    return None


def _slice(t: _Translator, node) -> bool | None:
    """On the channels, a channel_slice; on the spatial axes, a crop (two in a row make one)."""
    source = node.input[0]
    shape = t.shape(source, node)
    if t.g.opset < 10:
        attrs = t.attrs(node)
        starts, ends = attrs["starts"], attrs["ends"]
        axes, steps = attrs.get("axes"), None
    else:
        starts, ends = t.constant(node, 1, "starts"), t.constant(node, 2, "ends")
        axes, steps = t.constant(node, 3, "axes"), t.constant(node, 4, "steps")
    axes = [t.axis(a, node, source) for a in (axes or range(len(starts)))]
    if any(s != 1 for s in steps or []):
        return False
    cuts = {}
    for axis, start, end in zip(axes, starts, ends):
        size = shape[axis]
        start, end = (min(max(v + size if v < 0 else v, 0), size) for v in (start, end))
        if (start, end) != (0, size):
            cuts[axis] = (start, end)
    channel, spatial = t.channel_axis(source, node), sorted(t.spatial_axes(source, node))
    if set(cuts) == {channel}:
        start, end = cuts[channel]
        t.layer(node, "channel_slice", {"start": _only(start, 0), "stop": end})
    elif cuts and set(cuts) <= set(spatial):
        begins = [cuts.get(a, (0, shape[a]))[0] for a in spatial]
        ends = [shape[a] - cuts.get(a, (0, shape[a]))[1] for a in spatial]
        sides = _sides(begins, ends)
        before = t.writer.get(t.resolve(source))
        if before is not None and "crop" in (before.layer or {}) and len(t.readers.get(source, [])) == 1 \
                and source != t.g.output_name:
            crop = before.layer["crop"]
            crop.update({side: crop[side] + cut for side, cut in sides.items()})
            t.same(node, source=source)
        else:
            t.layer(node, "crop", sides)
    elif not cuts:
        t.same(node)
    else:
        return False
    return None


def _pad(t: _Translator, node) -> bool | None:
    source = node.input[0]
    attrs = t.attrs(node)
    rank = len(t.shape(source, node))
    if t.g.opset < 11:
        pads, value = list(attrs["pads"]), attrs.get("value", 0.0)
    else:
        pads = t.constant(node, 1, "pads")
        value = (t.constant(node, 2, "constant value") or [0.0])[0]
        axes = t.constant(node, 3, "axes")
        if axes is not None:
            full = [0] * 2 * rank
            for j, axis in enumerate(t.axis(a, node, source) for a in axes):
                full[axis], full[rank + axis] = pads[j], pads[len(axes) + j]
            pads = full
    spatial = sorted(t.spatial_axes(source, node))
    if any(pads[a] or pads[rank + a] for a in range(rank) if a not in spatial) or any(p < 0 for p in pads):
        return False  # on the batch or the channels, or a crop
    begins, ends = [pads[a] for a in spatial], [pads[rank + a] for a in spatial]
    padding = _per_axis(begins) if begins == ends else _sides(begins, ends)
    mode = {"constant": None, "reflect": "reflect", "edge": "replicate", "wrap": "circular"}.get(
        attrs.get("mode", "constant"), "?")
    if mode == "?":
        return False
    t.layer(node, "pad", {"padding": padding, "mode": mode, "value": _only(_number(value or 0.0), 0)})
    return None


def _resize(t: _Translator, node) -> bool | None:
    source, output = node.input[0], node.output[0]
    before, after = t.shape(source, node), t.shape(output, node)
    spatial = sorted(t.spatial_axes(source, node))
    if any(before[a] != after[a] for a in range(len(before)) if a not in spatial) or not spatial:
        return False
    mode = t.attrs(node).get("mode", "nearest")
    axes = len(spatial)
    kind = {"nearest": "nearest", "linear": ("linear", "bilinear", "trilinear")[axes - 1],
            "cubic": "bicubic" if axes == 2 else None}.get(mode)
    if kind is None:
        return False
    if all(after[a] % before[a] == 0 for a in spatial):
        size = {"scale": _per_axis([after[a] // before[a] for a in spatial])}
    else:
        size = {"output": _per_axis([after[a] for a in spatial])}
    t.layer(node, "upsample", {**size, "mode": _only(kind, "nearest")})
    return None


def _batchnorm(t: _Translator, node) -> bool | None:
    if t.layout[node.input[0]] != "first":
        return False
    attrs = t.attrs(node)
    momentum = _number(1 - _number(attrs.get("momentum", 0.9)))  # ONNX's momentum is the old statistics' share
    t.layer(node, "batchnorm", {"eps": _only(_number(attrs.get("epsilon", 1e-5)), 1e-5),
                                "momentum": _only(momentum, 0.1), "scale": _only(t.learned(node, 1, "weight"), True),
                                "center": _only(t.learned(node, 2, "bias"), True)})
    return None


def _instancenorm(t: _Translator, node) -> bool | None:
    if t.layout[node.input[0]] != "first":
        return False
    if t.learned(node, 1, "weight") != t.learned(node, 2, "bias"):
        return False  # a learned scale without a learned shift: the spec's instancenorm has both or neither
    t.layer(node, "instancenorm", {"eps": _only(_number(t.attrs(node).get("epsilon", 1e-5)), 1e-5),
                                   "affine": _only(t.learned(node, 1, "weight"), False)})
    return None


def _layernorm(t: _Translator, node) -> bool | None:
    """LayerNormalization over the channels only: after fc (N×C), or channels last (ConvNeXt)."""
    source = node.input[0]
    attrs = t.attrs(node)
    rank = len(t.shape(source, node))
    axis = t.axis(attrs.get("axis", -1), node, source)
    if axis != rank - 1 or (rank > 2 and t.layout[source] != "last"):
        return False
    learned = t.learned(node, 1, "weight")
    if learned != t.learned(node, 2, "bias"):
        return False  # a learned scale without a learned shift: the spec's layernorm has both or neither
    t.layer(node, "layernorm", {"eps": _only(_number(attrs.get("epsilon", 1e-5)), 1e-5),
                                "affine": _only(learned, True)})
    return None


def _groupnorm(t: _Translator, node) -> bool | None:
    attrs = t.attrs(node)
    channels = t.volume(node.input[0], node)[1]
    if t.layout[node.input[0]] != "first" or math.prod(t.shape(node.input[1], node)) != channels:
        return False  # opset 18's scale per group has no counterpart
    affine = t.learned(node, 1, "weight")
    if affine != t.learned(node, 2, "bias"):
        return False
    t.layer(node, "groupnorm", {"groups": attrs["num_groups"], "affine": _only(affine, True),
                                "eps": _only(_number(attrs.get("epsilon", 1e-5)), 1e-5)})
    return None


def _lrn(t: _Translator, node) -> bool | None:
    attrs = t.attrs(node)
    t.layer(node, "lrn", {"size": attrs["size"], "alpha": _only(_number(attrs.get("alpha", 1e-4)), 1e-4),
                          "beta": _only(_number(attrs.get("beta", 0.75)), 0.75),
                          "k": _only(_number(attrs.get("bias", 1.0)), 1)})
    return None


def _scalar(t: _Translator, nodes: list, op_type: str) -> float | None:
    """The constant scalar that the first `op_type` of `nodes` reads (None if none does)."""
    for node in nodes:
        if node.op_type == op_type:
            for tensor in node.input:
                values = t.g.values(tensor)
                if values is not None and len(values) == 1:
                    return _number(values[0])
    return None


def _first(nodes: list, op_type: str):
    return next((n for n in nodes if n.op_type == op_type), None)


def _lrn_module(t: _Translator, nodes: list, source: str, output: str) -> bool | None:
    """PyTorch's LocalResponseNorm: x / (k + alpha·avg(x²))^beta, the average a 3-D pooling of `size`
    channels."""
    pool = _first(nodes, "AveragePool")
    if pool is None:
        return False
    t.layer(nodes[0], "lrn", {"size": _only(t.attrs(pool)["kernel_shape"][0], 5),
                              "alpha": _only(_scalar(t, nodes, "Mul"), 1e-4),
                              "beta": _only(_scalar(t, nodes, "Pow"), 0.75), "k": _only(_scalar(t, nodes, "Add"), 1)},
            source=source, output=output)
    return None


def _groupnorm_module(t: _Translator, nodes: list, source: str, output: str) -> bool | None:
    """PyTorch's GroupNorm: an InstanceNormalization of the channels reshaped into groups, then the
    learned scale and shift per channel (Mul and Add)."""
    norm = _first(nodes, "InstanceNormalization")
    if norm is None:
        return False
    scale, shift = _first(nodes, "Mul"), _first(nodes, "Add")
    affine = scale is not None and shift is not None and t.learned(scale, 1, "weight") and t.learned(shift, 1, "bias")
    t.layer(nodes[0], "groupnorm", {"groups": math.prod(t.shape(norm.input[1], norm)),
                                    "eps": _only(_number(t.attrs(norm).get("epsilon", 1e-5)), 1e-5),
                                    "affine": None if affine else False}, source=source, output=output)
    return None


def _lppool_module(t: _Translator, nodes: list, source: str, output: str) -> bool | None:
    """PyTorch's LPPool: (sum of x^p over the window)^(1/p), the sum an AveragePool times its size."""
    pool = _first(nodes, "AveragePool")
    if pool is None or _scalar(t, nodes, "Pow") != 2:
        return False
    kernel = list(t.attrs(pool)["kernel_shape"])
    attrs, strides, dilations, padding = _window(t, pool, kernel)
    t.layer(nodes[0], "pool", {"kernel": _per_axis(kernel), "stride": _per_axis(strides), "padding": padding,
                               "mode": "l2", "rounding": "ceil" if attrs.get("ceil_mode") else None},
            source=source, output=output)
    return None


def _adaptive_module(mode: str) -> Callable:
    def adaptive(t: _Translator, nodes: list, source: str, output: str) -> bool | None:
        spatial, _ = t.volume(output, nodes[-1])
        if all(size == 1 for size in spatial):
            t.layer(nodes[0], "global_pool", {"mode": _only(mode, "avg")}, source=source, output=output)
        else:
            t.layer(nodes[0], "adaptive_pool", {"output": _per_axis(spatial), "mode": _only(mode, "avg")},
                    source=source, output=output)
        return None
    return adaptive


def _factor_module(kind: str) -> Callable:
    """pixel_shuffle or pixel_unshuffle, the factor read from the sizes."""
    def factor(t: _Translator, nodes: list, source: str, output: str) -> bool | None:
        before, after = t.volume(source, nodes[0])[0], t.volume(output, nodes[-1])[0]
        if not before or not after:
            return False
        ratio = after[-1] // before[-1] if kind == "pixel_shuffle" else before[-1] // after[-1]
        t.layer(nodes[0], kind, {"factor": ratio}, source=source, output=output)
        return None
    return factor


def _channel_shuffle_module(t: _Translator, nodes: list, source: str, output: str) -> bool | None:
    reshape = _first(nodes, "Reshape")
    if reshape is None or len(t.shape(reshape.output[0], reshape)) < 4:
        return False
    t.layer(nodes[0], "channel_shuffle", {"groups": t.shape(reshape.output[0], reshape)[1]}, source=source,
            output=output)
    return None


def _activation_module(kind: str) -> Callable:
    def activation(t: _Translator, nodes: list, source: str, output: str) -> bool | None:
        t.layer(nodes[0], kind, source=source, output=output)
        return None
    return activation


def _depth_space(kind: str) -> Callable:
    """DepthToSpace (PyTorch's PixelShuffle) and SpaceToDepth (PixelUnshuffle)."""
    def move(t: _Translator, node) -> bool | None:
        if t.layout[node.input[0]] != "first":
            return False
        t.layer(node, kind, {"factor": t.attrs(node)["blocksize"]})
        return None
    return move


def _dropout(t: _Translator, node) -> bool | None:
    ratio = t.attrs(node).get("ratio")
    if ratio is None and t.g.opset >= 12:
        ratio = (t.constant(node, 1, "ratio") or [0.5])[0]
    t.layer(node, "dropout", {"p": _only(_number(ratio if ratio is not None else 0.5), 0.5)}, output=node.output[0])
    return None


def _pass(t: _Translator, node) -> bool | None:
    t.same(node)
    return None


# PyTorch modules (by class name, in torch.nn) that the exporter writes as several operators, read as one layer
_MODULES: dict[str, Callable] = {
    "LocalResponseNorm": _lrn_module, "GroupNorm": _groupnorm_module,
    **dict.fromkeys(("LPPool1d", "LPPool2d", "LPPool3d"), _lppool_module),
    **dict.fromkeys(("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d"), _adaptive_module("avg")),
    **dict.fromkeys(("AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d"), _adaptive_module("max")),
    "PixelShuffle": _factor_module("pixel_shuffle"), "PixelUnshuffle": _factor_module("pixel_unshuffle"),
    "ChannelShuffle": _channel_shuffle_module,
    **{name: _activation_module(kind) for name, kind in (
        ("GELU", "gelu"), ("SiLU", "silu"), ("Hardswish", "hardswish"), ("Hardsigmoid", "hardsigmoid"),
        ("Mish", "mish"), ("Softplus", "softplus"), ("ELU", "elu"), ("ReLU6", "relu6"))},
}

_HANDLERS: dict[str, Callable] = {
    "Conv": _conv, "ConvTranspose": _conv_transpose,
    "MaxPool": _pool("max"), "AveragePool": _pool("avg"), "LpPool": _pool("l2"),
    "GlobalAveragePool": _global_pool("avg"), "GlobalMaxPool": _global_pool("max"),
    "ReduceMean": _reduce("avg"), "ReduceMax": _reduce("max"),
    "Gemm": _gemm, "MatMul": _matmul,
    "Flatten": _reshape, "Reshape": _reshape, "Squeeze": _reshape, "Unsqueeze": _reshape,
    "Transpose": _transpose,
    "Relu": _simple("relu"), "Clip": _clip, "PRelu": _prelu, "Sigmoid": _simple("sigmoid"),
    "LeakyRelu": _simple("leaky_relu", lambda t, n: {"slope": _only(_number(t.attrs(n).get("alpha", 0.01)), 0.01)}),
    "HardSigmoid": _simple("hardsigmoid"), "HardSwish": _simple("hardswish"), "Tanh": _simple("tanh"),
    "Softmax": _simple("softmax"), "Gelu": _simple("gelu"), "Elu": _simple("elu"), "Softplus": _simple("softplus"),
    "Mish": _simple("mish"),
    "Add": _add, "Sum": _add, "Mul": _mul, "Div": _divide, "Sub": _by_scalar,
    "Concat": _concat, "Split": _split, "Slice": _slice,
    "Pad": _pad, "Resize": _resize, "Upsample": _resize,
    "BatchNormalization": _batchnorm, "InstanceNormalization": _instancenorm,
    "LayerNormalization": _layernorm, "GroupNormalization": _groupnorm, "LRN": _lrn,
    "DepthToSpace": _depth_space("pixel_shuffle"), "SpaceToDepth": _depth_space("pixel_unshuffle"),
    "Dropout": _dropout, **dict.fromkeys(_PASS_THROUGH, _pass),
}
