"""Signature runners: a TFLite model with two SignatureDefs (tests/bindings/python/
write_signature_model.cc) gives the same signature list, the same details (the main subgraph's,
under the tensors' own names and indices, and each runner's) and the same answers through
outpost.lite as through TFLite's own interpreter."""

import json
import os
import subprocess

import numpy as np
import pytest

import outpost.lite as tflite
from conftest import python_env

SCRIPT = """
import json, sys
import numpy as np
if sys.argv[1] == "outpost":
    import outpost.lite as tflite
else:
    from ai_edge_litert import interpreter as tflite
interpreter = tflite.Interpreter(model_path=sys.argv[2])
add = interpreter.get_signature_runner("add")
double = interpreter.get_signature_runner("double")
lhs = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
def plain(details):
    return [details["name"], int(details["index"]), details["shape"].tolist()]
print(json.dumps({
    "list": interpreter.get_signature_list(),
    "main_inputs": [plain(d) for d in interpreter.get_input_details()],
    "main_outputs": [plain(d) for d in interpreter.get_output_details()],
    "add_inputs": {k: plain(d) for k, d in add.get_input_details().items()},
    "double_outputs": {k: plain(d) for k, d in double.get_output_details().items()},
    "add": add(lhs=lhs, rhs=10 * lhs)["total"].tolist(),
    "double": double(x=np.array([[1, -2, 3.5, 0]], np.float32))["twice"].tolist(),
}))
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    writer = os.environ.get("OUTPOST_SIGNATURE_MODEL_WRITER")
    if not writer or not os.path.exists(writer):
        pytest.skip("OUTPOST_SIGNATURE_MODEL_WRITER is not set (ctest sets it to "
                    "build-test/tests/outpost_write_signature_model)")
    path = str(tmp_path_factory.mktemp("signatures") / "two.tflite")
    subprocess.run([writer, path], check=True)
    return path


def answers(python, engine, model):
    done = subprocess.run([python, "-c", SCRIPT, engine, model], capture_output=True, text=True,
                          env=python_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_signature_runners_answer_as_the_signatures_say(model):
    interpreter = tflite.Interpreter(model_path=model, num_threads=1)
    assert interpreter.get_signature_list() == {
        "add": {"inputs": ["lhs", "rhs"], "outputs": ["total"]},
        "double": {"inputs": ["x"], "outputs": ["twice"]}}
    double = interpreter.get_signature_runner("double")
    assert list(double.get_input_details()) == ["x"]
    out = double(x=np.array([[1, -2, 3.5, 0]], np.float32))
    np.testing.assert_array_equal(out["twice"], [[2, -4, 7, 0]])
    with pytest.raises(ValueError, match="model has 2 Signatures"):
        interpreter.get_signature_runner()
    with pytest.raises(ValueError, match="Invalid signature_key provided: 'triple'"):
        interpreter.get_signature_runner("triple")
    with pytest.raises(ValueError, match="unknown input"):
        double(y=np.zeros((1, 4), np.float32))


def test_tflite_gives_the_same_signatures_and_answers(model, venv_python):
    ours = answers(venv_python, "outpost", model)
    theirs = answers(venv_python, "litert", model)
    assert ours == theirs
