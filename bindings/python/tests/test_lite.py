"""outpost.lite.Interpreter's TFLite semantics beyond the example: set_tensor's checks, tensor()
views, resizing, variables, what it refuses."""

import numpy as np
import pytest

import outpost
import outpost.lite as tflite
from conftest import coral, reference_file
from small_models import add_model


@pytest.fixture
def add_path(tmp_path):
    path = tmp_path / "add.onnx"
    add_model(path)
    return str(path)


def test_set_tensor_refuses_another_type_or_shape_as_tflite_does():
    interpreter = tflite.Interpreter(model_path=coral("mobilenet_v1_0.25_128_quant.tflite"))
    interpreter.allocate_tensors()
    index = interpreter.get_input_details()[0]["index"]
    with pytest.raises(ValueError, match="Got value of type FLOAT32 but expected type UINT8"):
        interpreter.set_tensor(index, np.zeros((1, 128, 128, 3), np.float32))
    with pytest.raises(ValueError, match="Dimension mismatch. Got 3 but expected 4"):
        interpreter.set_tensor(index, np.zeros((128, 128, 3), np.uint8))
    with pytest.raises(ValueError, match="Got 64 but expected 128"):
        interpreter.set_tensor(index, np.zeros((1, 64, 128, 3), np.uint8))
    with pytest.raises(ValueError, match="tensor index 7"):
        interpreter.get_tensor(7)


def test_tensor_gives_a_view_that_invoke_fills():
    interpreter = tflite.Interpreter(model_path=coral("mobilenet_v1_0.25_128_quant.tflite"),
                                     num_threads=1)
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    interpreter.tensor(input_index)()[...] = np.load(reference_file("mnv1q025_cat.input.npy"))
    interpreter.invoke()
    scores = interpreter.tensor(output_index)()
    assert scores.argmax() == 286  # Egyptian cat
    copy = interpreter.get_tensor(output_index)
    np.testing.assert_array_equal(copy, scores)
    np.testing.assert_array_equal(interpreter.get_tensor(input_index),
                                  np.load(reference_file("mnv1q025_cat.input.npy")))


def test_an_onnx_model_runs_through_the_interpreter_and_resizes(add_path):
    interpreter = tflite.Interpreter(model_path=add_path, num_threads=1)
    a, b = interpreter.get_input_details()
    assert list(a["shape_signature"]) == [-1, 3] and a["quantization"] == (0.0, 0)
    interpreter.resize_tensor_input(a["index"], [2, 3], strict=True)
    interpreter.resize_tensor_input(b["index"], [2, 3])
    interpreter.allocate_tensors()
    interpreter.set_tensor(a["index"], np.ones((2, 3), np.float32))
    interpreter.set_tensor(b["index"], np.full((2, 3), 2, np.float32))
    interpreter.invoke()
    out = interpreter.get_output_details()[0]
    assert out["index"] == 2 and list(out["shape"]) == [2, 3]
    np.testing.assert_array_equal(interpreter.get_tensor(out["index"]), np.full((2, 3), 3))
    with pytest.raises(ValueError, match="only allows mutating unknown dimensions"):
        interpreter.resize_tensor_input(a["index"], [2, 4], strict=True)


def test_model_content_is_the_model_path():
    path = coral("mobilenet_v1_0.25_128_quant.tflite")
    with open(path, "rb") as f:
        interpreter = tflite.Interpreter(model_content=f.read(), num_threads=1)
    assert interpreter.get_input_details()[0]["name"] == "input"


def test_what_outpost_lite_refuses_is_said():
    with pytest.raises(ValueError, match="model_path or model_content"):
        tflite.Interpreter()
    with pytest.raises(outpost.UnsupportedOp, match="no TFLite delegates"):
        tflite.load_delegate("libedgetpu.so.1")
    with pytest.raises(ValueError, match="num_threads"):
        tflite.Interpreter(model_path=coral("mobilenet_v1_0.25_128_quant.tflite"), num_threads=-5)


def test_a_model_without_signatures_has_no_runner():
    interpreter = tflite.Interpreter(model_path=coral("mobilenet_v1_0.25_128_quant.tflite"))
    assert interpreter.get_signature_list() == {}
    with pytest.raises(ValueError, match="model has 0 Signatures"):
        interpreter.get_signature_runner()


def test_tensors_are_numbered_as_the_file_numbers_them():
    interpreter = tflite.Interpreter(model_path=coral("mobilenet_v2_1.0_224_quant.tflite"))
    details = interpreter.get_tensor_details()
    # The input is tensor 0 of the file and the softmax tensor 173 (what TFLite's details say).
    assert [(d["index"], d["name"]) for d in details] == [
        (0, "input"), (173, "MobilenetV2/Predictions/Softmax")]
    interpreter.set_tensor(0, np.load(reference_file("mnv2q_cat.input.npy")))
    interpreter.invoke()
    assert interpreter.get_tensor(173).argmax() == 286
    with pytest.raises(ValueError, match=r"inputs and outputs \[0, 173\]"):
        interpreter.get_tensor(1)
