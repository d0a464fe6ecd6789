"""What bench/tflite_runner.py and bench/openvino_runner.py share: the inputs and the statistics
of `outpost bench`, so that every engine in bench/compare-peers is fed and summarized alike."""
import json
import resource
import time
from importlib.metadata import version

import numpy as np


def deterministic_input(shape, dtype):
    """`outpost bench`'s fill (tools/outpost/tensor_summary.cc): element i is sin(0.01 i + 0.5),
    scaled to the dtype's range and rounded half away from zero as lround does."""
    shape = [int(n) for n in shape]
    i = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.float64)
    phase = np.sin(0.01 * i + 0.5)
    lround = lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5)
    if dtype == np.float32 or dtype == np.float64:
        values = phase
    elif dtype == np.uint8:
        values = lround(127.5 + 127.5 * phase)
    elif dtype == np.int8:
        values = lround(127 * phase)
    elif dtype == np.int16:
        values = lround(32767 * phase)
    elif dtype == np.int32 or dtype == np.int64:
        values = i.astype(np.int64) % 7
    else:
        values = np.zeros_like(i)
    return values.astype(dtype).reshape(shape)


def latency_summary(times_ms):
    """Mean, p50, p90 and min, percentiles interpolated linearly as `outpost bench` does."""
    t = np.asarray(times_ms, np.float64)
    return {"mean": float(t.mean()), "p50": float(np.percentile(t, 50)),
            "p90": float(np.percentile(t, 90)), "min": float(t.min())}


def one_line(error, last=False):
    """An exception as one line for the suite's table: its message's first line, or its last
    (OpenVINO's messages open with the source lines that raised and end with what went wrong)."""
    lines = [l.strip() for l in str(error).splitlines() if l.strip()] or [""]
    return f"{type(error).__name__}: {lines[-1] if last else lines[0]}"


def timed(infer, runs):
    """The wall time of each of `runs` calls of `infer`, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        infer()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def report(engine, package, model, threads, runs, init_ms, first_ms, times):
    """Prints the JSON line bench/compare-peers reads, with the fields of bench/ort_runner.js."""
    print(json.dumps({
        "engine": engine, "version": version(package), "model": model, "threads": threads,
        "runs": runs, "init_ms": init_ms, "first_ms": first_ms, "latency_ms": latency_summary(times),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
