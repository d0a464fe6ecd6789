"""outpost.lite against the C++ API and against TFLite's own Python interpreter, on every case of
the shared data's TFLite reference outputs (data/reference/summary.json).

- Its outputs are the C++ API's, byte for byte (`outpost run`, one thread each), and its details
  name the inputs and outputs the reference names, with their dtypes and shapes.
- The same script (tflite_details_script.py) run against ai-edge-litert and against outpost.lite
  gives the same details (the tensor indices included) and the same outputs within the
  tolerance rule of DESIGN.md: float outputs within 1e-4 x the largest
  magnitude of TFLite's; quantized ones within the gap TFLite's own two CPU paths show on that
  case (data/reference/README.md), with the same top-1.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import model_path, python_env, reference_cases, reference_file, require

SCRIPT = os.path.join(os.path.dirname(__file__), "tflite_details_script.py")


def available_cases():
    cases = []
    for name, case in reference_cases():
        model = model_path(case["model"])
        if os.path.exists(model):
            cases.append({"name": name, "model": model, "input": reference_file(case["input"]),
                          "summary": case})
    return cases


@pytest.fixture(scope="module")
def cases():
    found = available_cases()
    if not found:
        pytest.skip("no reference case has its model here (../shared/data and scripts/fetch-data)")
    return found


def run_script(python, engine, cases, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    cases_file = os.path.join(out_dir, "cases.json")
    with open(cases_file, "w") as f:
        json.dump([{k: c[k] for k in ("name", "model", "input")} for c in cases], f)
    done = subprocess.run([python, SCRIPT, engine, cases_file, out_dir], capture_output=True,
                          text=True, env=python_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    with open(os.path.join(out_dir, "details.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def ours(cases, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("outpost"))
    return out, run_script(sys.executable, "outpost", cases, out)


def output(out_dir, case, i):
    return np.load(os.path.join(out_dir, f"{case}.output{i}.npy"))


def test_every_case_has_the_reference_inputs_and_outputs(cases, ours):
    _, details = ours
    for case in cases:
        summary = case["summary"]
        got = details[case["name"]]
        assert [(d["name"], d["dtype"], d["shape"]) for d in got["inputs"]] == \
            [(d["name"], d["dtype"], d["shape"]) for d in summary["inputs"]], case["name"]
        assert [(d["name"], d["dtype"], d["shape"]) for d in got["outputs"]] == \
            [(d["name"], d["dtype"], d["shape"]) for d in summary["outputs"]], case["name"]


def test_outputs_are_the_cpp_apis_byte_for_byte(cases, ours, outpost_bin, tmp_path):
    out_dir, details = ours
    for case in cases:
        input_name = details[case["name"]]["inputs"][0]["name"]
        cli_dir = tmp_path / case["name"]
        done = subprocess.run([outpost_bin, "run", case["model"], "--threads", "1", "--json",
                               "--input", f"{input_name}={case['input']}",
                               "--output-dir", str(tmp_path / case["name"])],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        files = {o["name"]: o["file"] for o in json.loads(done.stdout)["outputs"]}
        for i, d in enumerate(details[case["name"]]["outputs"]):
            theirs = np.load(files[d["name"]])
            mine = output(out_dir, case["name"], i)
            assert mine.dtype == theirs.dtype and mine.shape == theirs.shape, case["name"]
            assert mine.tobytes() == theirs.tobytes(), (case["name"], d["name"])


def quantized_gap(summary, i):
    """Steps TFLite's two CPU paths differ by on this output (at least 1)."""
    default = np.load(reference_file(summary["outputs"][i]["file"])).astype(np.int64)
    builtin_files = summary.get("builtin_outputs") or []
    if i >= len(builtin_files):
        return 1
    builtin = np.load(reference_file(builtin_files[i])).astype(np.int64)
    return max(1, int(np.abs(default - builtin).max()))


def test_the_same_script_on_tflite_gives_the_same_details_and_outputs(cases, ours, venv_python,
                                                                        tmp_path):
    out_dir, our_details = ours
    their_details = run_script(venv_python, "litert", cases, str(tmp_path / "litert"))
    for case in cases:
        name = case["name"]
        for kind in ("inputs", "outputs"):
            # Every field, the tensor indices included (TFLite's numbering of the file).
            assert our_details[name][kind] == their_details[name][kind], (name, kind)
        for i, d in enumerate(our_details[name]["outputs"]):
            mine = output(out_dir, name, i)
            theirs = output(str(tmp_path / "litert"), name, i)
            assert mine.dtype == theirs.dtype and mine.shape == theirs.shape, (name, i)
            if mine.dtype == np.float32:
                bound = 1e-4 * float(np.abs(theirs).max())
                assert float(np.abs(mine - theirs).max()) <= bound, (name, i)
            else:
                gap = quantized_gap(case["summary"], i)
                steps = int(np.abs(mine.astype(np.int64) - theirs.astype(np.int64)).max())
                assert steps <= gap, (name, i, steps, gap)
                assert mine.argmax() == theirs.argmax(), (name, i)
