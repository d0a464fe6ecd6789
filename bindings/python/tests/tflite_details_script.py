"""One TFLite-interpreter script, run against TFLite's own interpreter (ai-edge-litert) and
against outpost.lite by test_lite_compat.py: for each case it loads the model, records the
input and output details, runs the case's input and saves the outputs.

    python3 tflite_details_script.py {outpost|litert} CASES.json OUT_DIR
"""

import json
import os
import sys

import numpy as np

engine, cases_file, out_dir = sys.argv[1:4]
if engine == "outpost":
    import outpost.lite as tflite
else:
    from ai_edge_litert import interpreter as tflite


def plain(details):
    """Details as JSON: arrays as lists, the dtype by name."""
    params = details["quantization_parameters"]
    return {
        "name": details["name"],
        "index": int(details["index"]),
        "shape": details["shape"].tolist(),
        "shape_signature": details["shape_signature"].tolist(),
        "dtype": np.dtype(details["dtype"]).name,
        "quantization": [float(details["quantization"][0]), int(details["quantization"][1])],
        "scales": params["scales"].tolist(),
        "zero_points": params["zero_points"].tolist(),
        "quantized_dimension": int(params["quantized_dimension"]),
    }


with open(cases_file) as f:
    cases = json.load(f)
report = {}
for case in cases:
    interpreter = tflite.Interpreter(model_path=case["model"], num_threads=1)
    interpreter.allocate_tensors()
    inputs = interpreter.get_input_details()
    interpreter.set_tensor(inputs[0]["index"], np.load(case["input"]))
    interpreter.invoke()
    outputs = interpreter.get_output_details()
    for i, details in enumerate(outputs):
        np.save(os.path.join(out_dir, f"{case['name']}.output{i}.npy"),
                interpreter.get_tensor(details["index"]))
    report[case["name"]] = {"inputs": [plain(d) for d in inputs],
                            "outputs": [plain(d) for d in outputs]}
with open(os.path.join(out_dir, "details.json"), "w") as f:
    json.dump(report, f, indent=1)
