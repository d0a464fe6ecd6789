#!/usr/bin/env python3
"""TFLite's own answers for the TFLite conformance suite (tflite_conformance.cc).

For every case folder under DIR (model.tflite, input_0.npy, ...), runs the model on the native
TFLite interpreter from PyPI (ai-edge-litert) twice:
  - with its built-in reference kernels (OpResolverType.BUILTIN_REF), the exact arithmetic that
    Outpost's reference backend must equal: ref_output_<i>.npy;
  - with its default op resolver and XNNPACK, the path that Outpost's fast backends are measured
    against: xnnpack_output_<i>.npy.
A model TFLite refuses leaves <label>_refused.txt with its error instead. A case with
invocations.txt (N) is invoked N times on one interpreter, its inputs set each time, and the
last invocation's outputs are kept: how a model's state (variable tensors) carries over.

  python tflite_reference.py DIR
"""
import os
import sys

import numpy as np
from ai_edge_litert import interpreter as litert

RESOLVERS = (
    ("ref", litert.OpResolverType.BUILTIN_REF),
    ("xnnpack", litert.OpResolverType.AUTO),
)


def inputs_of(case):
    arrays = []
    while os.path.exists(os.path.join(case, f"input_{len(arrays)}.npy")):
        arrays.append(np.load(os.path.join(case, f"input_{len(arrays)}.npy")))
    return arrays


def invocations_of(case):
    path = os.path.join(case, "invocations.txt")
    return int(open(path).read()) if os.path.exists(path) else 1


def run(model, inputs, resolver, invocations=1):
    interpreter = litert.Interpreter(
        model_path=model, experimental_op_resolver_type=resolver, num_threads=1
    )
    interpreter.allocate_tensors()
    details = interpreter.get_input_details()
    if len(details) != len(inputs):
        raise ValueError(f"the model has {len(details)} inputs, the case {len(inputs)}")
    for _ in range(invocations):
        for detail, x in zip(details, inputs):
            interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tflite_reference.py DIR")
    cases = []
    for root, _, files in os.walk(sys.argv[1]):
        if "model.tflite" in files:
            cases.append(root)
    for case in sorted(cases):
        inputs = inputs_of(case)
        for label, resolver in RESOLVERS:
            try:
                outputs = run(os.path.join(case, "model.tflite"), inputs, resolver,
                              invocations_of(case))
            except Exception as error:  # TFLite's refusal is the case's answer
                with open(os.path.join(case, f"{label}_refused.txt"), "w") as f:
                    f.write(f"{type(error).__name__}: {error}\n")
                continue
            for i, y in enumerate(outputs):
                np.save(os.path.join(case, f"{label}_output_{i}.npy"), y)
    print(f"tflite_reference: {len(cases)} cases run on ai-edge-litert")


if __name__ == "__main__":
    main()
