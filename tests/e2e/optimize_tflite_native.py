#!/usr/bin/env python3
"""`outpost optimize --quantize int8` on a TFLite model, checked against TFLite's own interpreter
(ai-edge-litert, the project's virtual environment): MediaPipe's short-range face detector,
calibrated on photos from Debian's python3-skimage, compared on other photos held out.

  optimize_tflite_native.py OUTPOST CACHE_DIR WORK_DIR

Checks: TFLite loads the int8 model, its input and outputs are float32 as the original's, its
outputs agree with the float model's in TFLite (cosine similarity per output, mean over the
photos, at least MIN_COSINE), and outpost computes from it what TFLite does, within twice TFLite's
own disagreement with itself (DESIGN.md's tolerance rule): TFLite's XNNPACK path and its built-in
kernels round int8 differently, and on this model differ by a cosine of up to 0.017 on the
logits. Exit 77 when the model or the photos are
missing. Prints the latency of both models in TFLite (not checked: speed is measured in
benchmarks, never asserted).
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from PIL import Image

MODEL = "npm/@mediapipe/face_detection@0.4.1657300184/face_detection_short_range.tflite"
CALIBRATION = ["debian/python3-skimage/astronaut.png", "debian/python3-skimage/chelsea.png",
               "debian/python3-skimage/coffee.png", "debian/python3-skimage-photos/rocket.jpg",
               "debian/python3-skimage-photos/motorcycle_left.png", "debian/python3-skimage-photos/ihc.png"]
HELD_OUT = ["debian/python3-skimage-photos/motorcycle_right.png", "debian/python3-skimage-photos/retina.jpg",
            "debian/python3-skimage-photos/gravel.png", "debian/python3-skimage-photos/camera.png"]
# Measured at this test's writing: regressors 0.994, classificators 0.975 (minmax, 8 photos).
MIN_COSINE = 0.95


def fail(message):
    print(f"optimize_tflite_native: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def tensor_of(photo, side):
    """MediaPipe's preprocessing: resized, [-1, 1], NHWC."""
    image = Image.open(photo).convert("RGB").resize((side, side), Image.BILINEAR)
    return ((np.asarray(image, np.float32) - 127.5) / 127.5)[None]


def tflite_outputs(path, x, resolver=OpResolverType.AUTO):
    it = Interpreter(str(path), num_threads=1, experimental_op_resolver_type=resolver)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return [it.get_tensor(o["index"]).ravel().copy() for o in it.get_output_details()], it


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def latency_ms(path, x, runs=100):
    it = Interpreter(str(path), num_threads=1)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    for _ in range(5):
        it.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        it.invoke()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def main():
    outpost, cache, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    model = cache / MODEL
    missing = [str(p) for p in [model, *(cache / f for f in CALIBRATION + HELD_OUT)] if not p.exists()]
    if missing:
        print("skipping: missing " + ", ".join(missing) + " (run scripts/fetch-data)")
        sys.exit(77)
    work.mkdir(parents=True, exist_ok=True)
    side = 128
    calibration, held_out = [], []
    for names, out, tag in ((CALIBRATION, calibration, "cal"), (HELD_OUT, held_out, "val")):
        for k, name in enumerate(names):
            path = work / f"{tag}{k}.npy"
            np.save(path, tensor_of(cache / name, side))
            out.append(path)
    quantized = work / "face.int8.tflite"
    r = subprocess.run([outpost, "optimize", str(model), "-o", str(quantized), "--json", "--threads", "1",
                        "--calibrate", *map(str, calibration)], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"outpost optimize exited {r.returncode}: {r.stderr.strip()}")
    report = json.loads(r.stdout)
    print(f"outpost optimize: {report['rewrite']}")
    per_output = []
    own_gap, our_gap = {}, {}  # per output: the largest 1 - cosine over the photos
    for k, path in enumerate(held_out):
        x = np.load(path)
        reference, _ = tflite_outputs(model, x)
        int8, it = tflite_outputs(quantized, x)
        for d in it.get_input_details() + it.get_output_details():
            if d["dtype"] != np.float32:
                fail(f"{d['name']} is {d['dtype'].__name__} in the int8 model; its input and outputs stay float32")
        per_output.append([cosine(a, b) for a, b in zip(reference, int8)])
        builtin, _ = tflite_outputs(quantized, x, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        out_dir = work / f"run{k}"
        run = subprocess.run([outpost, "run", str(quantized), "--threads", "1", "--input", str(path), "--output-dir",
                              str(out_dir)], capture_output=True, text=True)
        if run.returncode != 0:
            fail(f"outpost run of the int8 model exited {run.returncode}: {run.stderr.strip()}")
        names = [d["name"] for d in it.get_output_details()]
        for name, tflite_value, builtin_value in zip(names, int8, builtin):
            ours = np.load(out_dir / f"{name}.npy").ravel()
            own_gap[name] = max(own_gap.get(name, 0.0), 1 - cosine(builtin_value, tflite_value))
            our_gap[name] = max(our_gap.get(name, 0.0), 1 - cosine(ours, tflite_value))
    for name in own_gap:
        print(f"{name}: outpost vs TFLite 1 - cosine {our_gap[name]:.5f}; TFLite's two paths {own_gap[name]:.5f}")
        if our_gap[name] > 2 * own_gap[name] + 1e-6:
            fail(f"outpost and TFLite differ on the int8 model's {name} by 1 - cosine {our_gap[name]:.5f}, more "
                 f"than twice TFLite's own two paths ({own_gap[name]:.5f})")
    mean = np.mean(per_output, axis=0)
    print("cosine vs the float model in TFLite, per output: " + ", ".join(f"{c:.4f}" for c in mean))
    if min(mean) < MIN_COSINE:
        fail(f"the int8 model agrees with the float one with cosine {min(mean):.4f} < {MIN_COSINE}")
    x = np.load(held_out[0])
    print(f"TFLite latency (1 thread, median of 100): float {latency_ms(model, x):.3f} ms, "
          f"int8 {latency_ms(quantized, x):.3f} ms")


if __name__ == "__main__":
    main()
