"""imports/onnx_file.py: an ONNX file's graph is loaded without the values of its large tensors, wherever
they stand (initializers, Constant nodes, subgraphs), and the small ones keep theirs."""
from __future__ import annotations

import pytest

from cnncalc.diagnostics import SpecError
from cnncalc.imports.onnx_file import KEEP_BYTES, MAX_DEPTH, load_without_weights

pytestmark = pytest.mark.onnx
onnx = pytest.importorskip("onnx")
helper, TensorProto = onnx.helper, onnx.TensorProto

BIG = KEEP_BYTES // 4 + 1  # floats: one more than is kept


def save(tmp_path, graph) -> object:
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph), str(path))
    return path


def test_large_tensors_lose_their_values_and_keep_their_dims(tmp_path):
    big = helper.make_tensor("big", TensorProto.FLOAT, [BIG], [0.5] * BIG)
    small = helper.make_tensor("small", TensorProto.INT64, [2], [1, -1])
    constant = helper.make_node("Constant", [], ["c"], value=helper.make_tensor("cv", TensorProto.FLOAT, [BIG],
                                                                                   [0.25] * BIG))
    graph = helper.make_graph([constant, helper.make_node("Add", ["x", "c"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [BIG])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [BIG])], [big, small])
    model = load_without_weights(save(tmp_path, graph), onnx)
    kept = {t.name: t for t in model.graph.initializer}
    assert list(kept["big"].dims) == [BIG] and not kept["big"].raw_data and not kept["big"].float_data
    assert list(onnx.numpy_helper.to_array(kept["small"])) == [1, -1]
    value = model.graph.node[0].attribute[0].t
    assert (value.name, list(value.dims), len(value.float_data) + len(value.raw_data)) == ("cv", [BIG], 0)


def test_tensors_inside_subgraphs_are_trimmed_too(tmp_path):
    inner = helper.make_graph([helper.make_node("Identity", ["w"], ["o"])], "inner", [],
                              [helper.make_tensor_value_info("o", TensorProto.FLOAT, [BIG])],
                              [helper.make_tensor("w", TensorProto.FLOAT, [BIG], [1.0] * BIG)])
    branch = helper.make_node("If", ["cond"], ["y"], then_branch=inner, else_branch=inner)
    graph = helper.make_graph([branch], "g", [helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [BIG])])
    model = load_without_weights(save(tmp_path, graph), onnx)
    for attribute in model.graph.node[0].attribute:
        (weight,) = attribute.g.initializer
        assert list(weight.dims) == [BIG] and not weight.float_data and not weight.raw_data


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    length, size = bytearray(), len(payload)
    while size >= 0x80:
        length.append(size & 0x7F | 0x80)
        size >>= 7
    length.append(size)
    return bytes([number << 3 | 2]) + bytes(length) + payload


def test_messages_nested_too_deep_are_refused(tmp_path):
    # a graph's node's attribute's graph … (GraphProto.node 1, NodeProto.attribute 5, AttributeProto.g 6),
    # three levels a round, past MAX_DEPTH; then the ModelProto's graph (7)
    graph = b""
    for _ in range(MAX_DEPTH // 3 + 2):
        graph = field(1, field(5, field(6, graph)))
    path = tmp_path / "deep.onnx"
    path.write_bytes(field(7, graph))
    with pytest.raises(SpecError) as caught:
        load_without_weights(path, onnx)
    assert caught.value.diagnostics[0].code == "invalid-model"
    assert f"nested more than {MAX_DEPTH} deep" in caught.value.diagnostics[0].message
