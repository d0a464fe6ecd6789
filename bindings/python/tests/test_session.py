"""outpost.Session: inputs and outputs described, arrays in and out, errors as exceptions that
carry the CLI's exit codes."""

import gc

import numpy as np
import pytest

import outpost
from conftest import coral, reference_file
from small_models import add_model, cast_model


@pytest.fixture
def add_path(tmp_path):
    path = tmp_path / "add.onnx"
    add_model(path)
    return str(path)


def test_a_model_describes_its_inputs_and_outputs(add_path):
    session = outpost.Session(add_path, threads=1)
    assert [i.name for i in session.inputs] == ["a", "b"]
    a = session.inputs[0]
    assert a.index == 0 and a.dtype == np.float32 and a.shape_signature == (-1, 3)
    assert a.scales == () and a.zero_points == ()
    assert [o.name for o in session.outputs] == ["y"]
    assert session.stats["format"] == "onnx"


def test_run_takes_a_list_or_a_dict_and_gives_new_arrays(add_path):
    session = outpost.Session(add_path, threads=1)
    a = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    b = np.full((2, 3), 0.5, np.float32)
    y, = session.run([a, b])
    np.testing.assert_array_equal(y, a + b)
    assert session.outputs[0].shape == (2, 3)
    by_name = session.run_dict({"b": b, "a": 2 * a})
    np.testing.assert_array_equal(by_name["y"], 2 * a + b)
    # The first result is a copy: the second run did not change it.
    np.testing.assert_array_equal(y, a + b)


def test_input_views_write_into_the_session_without_a_copy(tmp_path):
    path = tmp_path / "add.onnx"
    add_model(path, batch=2)
    session = outpost.Session(str(path), threads=1)
    a, b = session.input_view("a"), session.input_view(1)
    assert a.flags.writeable and a.shape == (2, 3)
    a[...] = 1.0
    b[...] = np.arange(6, dtype=np.float32).reshape(2, 3)
    session.run()
    out = session.output_view("y")
    assert not out.flags.writeable
    np.testing.assert_array_equal(out, 1.0 + np.arange(6).reshape(2, 3))


def test_a_view_keeps_its_memory_after_the_session_is_closed(tmp_path):
    path = tmp_path / "add.onnx"
    add_model(path, batch=1)
    session = outpost.Session(str(path), threads=1)
    session.run([np.ones((1, 3), np.float32), np.ones((1, 3), np.float32)])
    out = session.output_view(0)
    session.close()
    del session
    gc.collect()
    np.testing.assert_array_equal(out, [[2, 2, 2]])


def test_a_model_from_bytes_runs_as_from_its_file(add_path):
    with open(add_path, "rb") as f:
        session = outpost.Session(f.read(), threads=1)
    y, = session.run([np.ones((1, 3), np.float32), np.ones((1, 3), np.float32)])
    np.testing.assert_array_equal(y, [[2, 2, 2]])


def test_a_wrong_dtype_is_refused_naming_both_types(tmp_path):
    path = tmp_path / "cast.onnx"
    cast_model(path)
    session = outpost.Session(str(path), threads=1)
    with pytest.raises(outpost.ShapeMismatch, match="got int32, the model takes int64") as e:
        session.run(np.array([1, 2], np.int32))
    assert e.value.code == 6 and isinstance(e.value, ValueError)
    y, = session.run(np.array([1, 2], np.int64))
    np.testing.assert_array_equal(y, [1.0, 2.0])


def test_a_shape_the_model_fixes_is_refused(tmp_path):
    path = tmp_path / "add.onnx"
    add_model(path, batch=1)
    session = outpost.Session(str(path), threads=1)
    with pytest.raises(outpost.ShapeMismatch):
        session.run([np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)])


def test_bad_names_and_indices_are_usage_errors(add_path):
    session = outpost.Session(add_path, threads=1)
    with pytest.raises(outpost.UsageError, match="no input named 'c'; its inputs: \\['a', 'b'\\]"):
        session.set_input("c", np.ones((1, 3), np.float32))
    with pytest.raises(outpost.UsageError, match="out of range"):
        session.input_view(2)
    with pytest.raises(outpost.UsageError, match="1 inputs given, the model takes 2"):
        session.run([np.ones((1, 3), np.float32)])
    with pytest.raises(outpost.UsageError, match="threads"):
        outpost.Session(add_path, threads=-1)


def test_files_that_are_not_models_raise_with_their_exit_code(tmp_path):
    with pytest.raises(outpost.IoError) as missing:
        outpost.Session(str(tmp_path / "absent.tflite"))
    assert missing.value.code == 3 and isinstance(missing.value, OSError)
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"\x00" * 64)
    with pytest.raises(outpost.InvalidModel) as invalid:
        outpost.Session(str(garbage))
    assert invalid.value.code == 4 and "garbage.tflite" in str(invalid.value)


def test_every_exit_code_has_its_class():
    for code in range(1, 15):
        cls = outpost.errors.class_for_code(code)
        assert issubclass(cls, outpost.Error) and cls.code == code
    assert outpost.errors.class_for_code(99) is outpost.InternalError


def test_a_quantized_model_gives_its_quantization(tmp_path):
    session = outpost.Session(coral("mobilenet_v2_1.0_224_quant.tflite"), threads=1)
    info = session.inputs[0]
    assert info.dtype == np.uint8 and info.scales == (0.0078125,) and info.zero_points == (128,)
    scores, = session.run(np.load(reference_file("mnv2q_cat.input.npy")))
    assert scores.argmax() == 286  # Egyptian cat
    assert session.profile(runs=2)[0]["ms"] > 0


def test_the_version_is_the_clis(outpost_bin):
    import subprocess
    done = subprocess.run([outpost_bin, "--version"], capture_output=True, text=True)
    assert done.stdout.split()[:2] == ["outpost", outpost.__version__]
