"""What bench/tflite_runner.py and bench/openvino_runner.py share: the inputs and the statistics
of `outpost bench`, so that every engine in bench/compare-peers is fed and summarized alike."""
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
