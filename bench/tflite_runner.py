"""Native TFLite's side of bench/compare-peers: one model, one thread count, timed the way
`outpost bench` times ours (interpreter creation with tensor allocation, first inference, then
`runs` timed inferences after `warmup` untimed ones), printed as one JSON line with the fields
of bench/ort_runner.js.

  .cache/venv/bin/python bench/tflite_runner.py MODEL.tflite THREADS RUNS WARMUP

The interpreter is ai-edge-litert's with its default op resolver, which applies TFLite's
XNNPACK delegate (the path people get by default), at `num_threads` THREADS. Inputs follow
`outpost bench`'s deterministic pattern (sin(0.01 i + 0.5), scaled to the input's dtype), so
both engines see the same values; dynamic dimensions are taken as 1.
"""
import sys
import time

import numpy as np
from ai_edge_litert import interpreter as litert

from runner_common import deterministic_input, one_line, report, timed


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: tflite_runner.py MODEL.tflite THREADS RUNS WARMUP")
    model, threads, runs, warmup = sys.argv[1], *map(int, sys.argv[2:])
    start = time.perf_counter()
    interpreter = litert.Interpreter(model_path=model, num_threads=threads)
    details = interpreter.get_input_details()
    for d in details:
        if any(int(n) <= 0 for n in d["shape_signature"]):
            interpreter.resize_tensor_input(d["index"], [max(int(n), 1) for n in d["shape_signature"]])
    interpreter.allocate_tensors()
    init_ms = (time.perf_counter() - start) * 1e3
    for d in interpreter.get_input_details():
        interpreter.set_tensor(d["index"], deterministic_input(d["shape"], np.dtype(d["dtype"])))

    start = time.perf_counter()
    interpreter.invoke()
    first_ms = (time.perf_counter() - start) * 1e3
    for _ in range(warmup):
        interpreter.invoke()
    times = timed(lambda: interpreter.invoke(), runs)
    report("tflite", "ai-edge-litert", model, threads, runs, init_ms, first_ms, times)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the suite's table, not a traceback
        sys.exit(f"tflite_runner: {one_line(e)}")
