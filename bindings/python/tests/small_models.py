"""Small ONNX models built in the test with Debian's python3-onnx: every input and output is
known, so a test can state exactly what a run must give."""

import onnx
from onnx import TensorProto, helper


def add_model(path, batch="N"):
    """y = a + b, both float32 [batch, 3] (batch symbolic when a string)."""
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [batch, 3])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [batch, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 3])
    graph = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"])], "add", [a, b], [y])
    _save(graph, path)


def cast_model(path):
    """y = float(x): int64 [2] in, float32 [2] out."""
    x = helper.make_tensor_value_info("x", TensorProto.INT64, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    graph = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
                              "cast", [x], [y])
    _save(graph, path)


def _save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.save(model, str(path))
    return str(path)
