"""OpenVINO's side of bench/compare-peers: one model, one thread count, timed the way
`outpost bench` times ours (reading and compiling the model, first inference, then `runs` timed
inferences after `warmup` untimed ones), printed as one JSON line with the fields of
bench/ort_runner.js.

  .cache/bench-venv/bin/python bench/openvino_runner.py MODEL THREADS RUNS WARMUP

The CPU plugin with the latency hint and INFERENCE_NUM_THREADS = THREADS, one synchronous infer
request. Inputs follow `outpost bench`'s deterministic pattern (bench/runner_common.py);
dynamic dimensions are taken as 1.
"""
import sys
import time

import numpy as np
import openvino as ov

from runner_common import deterministic_input, one_line, report, timed


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: openvino_runner.py MODEL THREADS RUNS WARMUP")
    model, threads, runs, warmup = sys.argv[1], *map(int, sys.argv[2:])
    start = time.perf_counter()
    core = ov.Core()
    network = core.read_model(model)
    if any(i.get_partial_shape().is_dynamic for i in network.inputs):
        network.reshape({i.get_any_name(): ov.PartialShape(
            [d.get_length() if d.is_static else 1 for d in i.get_partial_shape()]) for i in network.inputs})
    compiled = core.compile_model(network, "CPU", {"PERFORMANCE_HINT": "LATENCY",
                                                   "INFERENCE_NUM_THREADS": threads})
    request = compiled.create_infer_request()
    init_ms = (time.perf_counter() - start) * 1e3
    feeds = {i.get_any_name(): deterministic_input(i.get_shape(), np.dtype(i.get_element_type().to_dtype()))
             for i in compiled.inputs}

    start = time.perf_counter()
    request.infer(feeds)
    first_ms = (time.perf_counter() - start) * 1e3
    for _ in range(warmup):
        request.infer(feeds)
    times = timed(lambda: request.infer(feeds), runs)
    report("openvino", "openvino", model, threads, runs, init_ms, first_ms, times)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the suite's table, not a traceback
        sys.exit(f"openvino_runner: {one_line(e, last=True)}")
