#!/usr/bin/env python3
"""ONNX opsets 18 to 21: small models of each op form these opsets changed, built with the
`onnx` package's helper, run by `outpost run` (--backend ref and auto) and by ONNX Runtime (CPU
execution provider, graph optimizations off); and the forms Outpost does not run, which it must
refuse at load with exit code 5 and a message naming what it lacks.

Held to ONNX Runtime by DESIGN.md's rule: float outputs within 1e-4 x the largest magnitude of
its output, integer and bool outputs exactly.

  onnx_newer_opsets.py OUTPOST WORK_DIR

Prints one line per case and `onnx-newer-opsets: N passed, N failed` last; exits 1 when a case
failed, 77 (ctest's skip) when the `onnx` package or ONNX Runtime is missing.
"""
import json
import os
import subprocess
import sys

import numpy as np

try:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper
except ImportError as missing:
    print(f"skipping: {missing} (scripts/setup-venv installs onnx and onnxruntime)")
    sys.exit(77)

F, I64 = TensorProto.FLOAT, TensorProto.INT64
NP = {TensorProto.FLOAT: np.float32, TensorProto.INT64: np.int64, TensorProto.INT32: np.int32,
      TensorProto.UINT8: np.uint8, TensorProto.BOOL: np.bool_}


def const(name, values, dtype=I64):
    array = np.array(values, dtype=NP[dtype])
    return helper.make_tensor(name, dtype, array.shape, array.flatten().tolist())


def model(opset, nodes, inputs, outputs, initializers=()):
    """A model of `nodes` at `opset`; inputs and outputs are (name, elem type, shape)."""
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(*i) for i in inputs],
        [helper.make_tensor_value_info(*o) for o in outputs], list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 10 if opset >= 21 else 8
    return m


def unary(opset, node, x_shape, y_type=F, y_shape=None, initializers=(), x_type=F):
    """One node reading `x` (and constants) writing `y`."""
    return model(opset, [node], [("x", x_type, x_shape)], [("y", y_type, y_shape)], initializers)


def reduce_case(op, opset, axes, keepdims=1, noop=None):
    inputs = ["x"] + (["axes"] if axes is not None else [])
    attrs = {"keepdims": keepdims}
    if noop is not None:
        attrs["noop_with_empty_axes"] = noop
    inits = [const("axes", axes)] if axes is not None else []
    return unary(opset, helper.make_node(op, inputs, ["y"], **attrs), [2, 3, 4], initializers=inits)


def split_case(opset, extent, parts):
    outs = [f"y{k}" for k in range(parts)]
    node = helper.make_node("Split", ["x"], outs, axis=1, num_outputs=parts)
    return model(opset, [node], [("x", F, [2, extent, 3])], [(o, F, None) for o in outs])


def scatter_case(op, reduction):
    if op == "ScatterElements":
        node = helper.make_node(op, ["x", "i", "u"], ["y"], axis=1, reduction=reduction)
        inits = [const("i", [[1, 0, 1], [2, 2, 0]])]
        upd = ("u", F, [2, 3])
    else:
        node = helper.make_node(op, ["x", "i", "u"], ["y"], reduction=reduction)
        inits = [const("i", [[0, 1], [1, 2], [0, 1]])]  # a repeated index: both reduce
        upd = ("u", F, [3, 4])
    return model(18, [node], [("x", F, [2, 3, 4] if op == "ScatterND" else [2, 3]), upd],
                 [("y", F, None)], inits)


def dft_case(axis_input):
    inputs = ["x", "", "axis"] if axis_input is not None else ["x"]
    inits = [const("axis", axis_input)] if axis_input is not None else []
    return unary(20, helper.make_node("DFT", inputs, ["y"]), [1, 6, 5, 1], initializers=inits)


def grid_sample_case(mode):
    node = helper.make_node("GridSample", ["x", "grid"], ["y"], mode=mode, align_corners=0)
    return model(20, [node], [("x", F, [1, 2, 5, 6]), ("grid", F, [1, 3, 4, 2])], [("y", F, None)])


def resize_case(opset, **attrs):
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], **attrs)
    return unary(opset, node, [1, 2, 4, 5], initializers=[const("scales", [1, 1, 2, 1.5], F)])


def quantize_round_trip(opset):
    blocks = {"block_size": 0} if opset >= 21 else {}  # 0: per tensor or per axis, as before
    q = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], **blocks)
    d = helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], **blocks)
    return model(opset, [q, d], [("x", F, [2, 5])], [("y", F, None)],
                 [const("s", 0.02, F), const("z", 128, TensorProto.UINT8)])


def pad_case(opset, mode, with_axes=False):
    """Pads x [2, 3, 4] by (0, 1, 0) before and (0, 2, 1) after; with axes [1, 2], the same pads
    for those two axes only."""
    inputs = ["x", "pads"]
    inits = [const("pads", [1, 0, 2, 1] if with_axes else [0, 1, 0, 0, 2, 1])]
    if mode == "constant":
        inputs.append("value")
        inits.append(const("value", 0.5, F))
    if with_axes:
        inputs += [""] * (3 - len(inputs)) + ["axes"]
        inits.append(const("axes", [1, 2]))
    return unary(opset, helper.make_node("Pad", inputs, ["y"], mode=mode), [2, 3, 4],
                 initializers=inits)


# (name, model): each runs on both backends and matches ONNX Runtime.
SUPPORTED = [
    ("Split-18 num_outputs, uneven (7 into 3)", lambda: split_case(18, 7, 3)),
    ("Split-18 num_outputs, even (6 into 2)", lambda: split_case(18, 6, 2)),
    ("ReduceMean-18 axes input", lambda: reduce_case("ReduceMean", 18, [1], keepdims=0)),
    ("ReduceMax-18 negative axis", lambda: reduce_case("ReduceMax", 18, [-1])),
    ("ReduceMin-18 two axes", lambda: reduce_case("ReduceMin", 18, [0, 2], keepdims=0)),
    ("ReduceProd-18 axes input", lambda: reduce_case("ReduceProd", 18, [2])),
    ("ReduceL1-18 axes input", lambda: reduce_case("ReduceL1", 18, [1])),
    ("ReduceL2-18 no axes: all", lambda: reduce_case("ReduceL2", 18, None, keepdims=0)),
    ("ReduceLogSum-18 axes input", lambda: reduce_case("ReduceLogSum", 18, [0])),
    ("ReduceLogSumExp-18 axes input", lambda: reduce_case("ReduceLogSumExp", 18, [1, 2])),
    ("ReduceSumSquare-18 empty axes, noop", lambda: reduce_case("ReduceSumSquare", 18, None, noop=1)),
    ("ReduceMax-20 axes input", lambda: reduce_case("ReduceMax", 20, [1])),
    ("ScatterElements-18 reduction max", lambda: scatter_case("ScatterElements", "max")),
    ("ScatterElements-18 reduction min", lambda: scatter_case("ScatterElements", "min")),
    ("ScatterND-18 reduction max", lambda: scatter_case("ScatterND", "max")),
    ("ScatterND-18 reduction min", lambda: scatter_case("ScatterND", "min")),
    ("Pad-18 constant value", lambda: pad_case(18, "constant")),
    ("Pad-19 reflect", lambda: pad_case(19, "reflect")),
    ("Pad-21 edge", lambda: pad_case(21, "edge")),
    ("Resize-18 linear, antialias 0, stretch",
     lambda: resize_case(18, mode="linear", antialias=0, keep_aspect_ratio_policy="stretch")),
    ("Resize-19 nearest half_pixel", lambda: resize_case(19, mode="nearest")),
    ("AveragePool-19 dilations 2", lambda: unary(19, helper.make_node(
        "AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2], pads=[1, 1, 1, 1]),
        [1, 2, 6, 7])),
    ("Cast-19 saturate to int32", lambda: unary(19, helper.make_node(
        "Cast", ["x"], ["y"], to=TensorProto.INT32, saturate=1), [3, 4], TensorProto.INT32)),
    ("QuantizeLinear-19 and DequantizeLinear-19", lambda: quantize_round_trip(19)),
    ("QuantizeLinear-21 and DequantizeLinear-21, block_size 0", lambda: quantize_round_trip(21)),
    ("GridSample-20 linear", lambda: grid_sample_case("linear")),
    ("GridSample-20 nearest", lambda: grid_sample_case("nearest")),
    ("GridSample-20 cubic", lambda: grid_sample_case("cubic")),
    ("DFT-20 default axis (-2)", lambda: dft_case(None)),
    ("DFT-20 axis input 1", lambda: dft_case(1)),
    ("IsNaN-20", lambda: unary(20, helper.make_node("IsNaN", ["x"], ["y"]), [3, 4],
                               TensorProto.BOOL)),
    ("ConstantOfShape-21 of a shape", lambda: model(21, [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("ConstantOfShape", ["s"], ["y"], value=const("v", [2.5], F))],
        [("x", F, [2, 3])], [("y", F, None)])),
    ("Flatten, Transpose, Squeeze, Unsqueeze, Reshape, Identity-21", lambda: model(21, [
        helper.make_node("Flatten", ["x"], ["f"], axis=2),
        helper.make_node("Transpose", ["f"], ["t"], perm=[1, 0]),
        helper.make_node("Unsqueeze", ["t", "ax"], ["u"]),
        helper.make_node("Squeeze", ["u", "ax"], ["s"]),
        helper.make_node("Reshape", ["s", "shape"], ["r"]),
        helper.make_node("Identity", ["r"], ["y"])],
        [("x", F, [2, 3, 4])], [("y", F, None)], [const("ax", [0]), const("shape", [4, -1])])),
]

# (name, model, what the refusal must say): each is refused at load with exit code 5.
REFUSED = [
    ("Pad-18 with an axes input", lambda: pad_case(18, "constant", with_axes=True), "axes input"),
    ("Pad-19 wrap", lambda: pad_case(19, "wrap"), "wrap"),
    ("Resize-18 antialias 1", lambda: resize_case(18, mode="linear", antialias=1), "antialias"),
    ("Resize-19 half_pixel_symmetric",
     lambda: resize_case(19, mode="linear", coordinate_transformation_mode="half_pixel_symmetric"),
     "half_pixel_symmetric"),
    ("DequantizeLinear-21 block_size 2", lambda: model(21, [helper.make_node(
        "DequantizeLinear", ["x", "s"], ["y"], axis=1, block_size=2)],
        [("x", TensorProto.UINT8, [2, 4])], [("y", F, None)],
        [const("s", [[0.1, 0.2], [0.3, 0.4]], F)]), "block_size"),
    ("Gelu-20", lambda: unary(20, helper.make_node("Gelu", ["x"], ["y"]), [3]), "op 'Gelu'"),
    ("GroupNormalization-21", lambda: model(21, [helper.make_node(
        "GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2)], [("x", F, [1, 4, 3])],
        [("y", F, None)], [const("s", [1, 1, 1, 1], F), const("b", [0, 0, 0, 0], F)]),
     "op 'GroupNormalization'"),
    ("Cast-19 to float8", lambda: unary(19, helper.make_node(
        "Cast", ["x"], ["y"], to=TensorProto.FLOAT8E4M3FN), [3], TensorProto.FLOAT8E4M3FN),
     "float8"),
    ("an opset 22 model", lambda: unary(22, helper.make_node("Relu", ["x"], ["y"]), [3]),
     "opset 22"),
]


def feeds_for(m):
    rng = np.random.default_rng(3)
    feeds = {}
    for i in m.graph.input:
        t = i.type.tensor_type
        shape = [d.dim_value for d in t.shape.dim]
        if t.elem_type == F:
            x = rng.uniform(-2, 2, shape).astype(np.float32)
            if i.name == "x" and x.size > 3:
                x.flat[3] = np.nan if any(n.op_type == "IsNaN" for n in m.graph.node) else x.flat[3]
            feeds[i.name] = x
        else:
            feeds[i.name] = rng.integers(0, 255, shape).astype(NP[t.elem_type])
    return feeds


def run_outpost(outpost, path, feeds, backend, work):
    flags = []
    for name, x in feeds.items():
        np.save(os.path.join(work, f"{name}.npy"), x)
        flags += ["--input", f"{name}={os.path.join(work, name + '.npy')}"]
    done = subprocess.run([outpost, "run", path, *flags, "--backend", backend, "--threads", "1",
                           "--json", "--output-dir", os.path.join(work, backend)],
                          capture_output=True, text=True)
    if done.returncode:
        try:
            message = json.loads(done.stdout)["error"]["message"]
        except (ValueError, KeyError):
            message = done.stderr.strip()
        return done.returncode, message, None
    return 0, "", {o["name"]: np.load(o["file"]) for o in json.loads(done.stdout)["outputs"]}


def compare(got, want):
    for name, w in want.items():
        g = got.get(name)
        if g is None:
            return f"output '{name}' missing"
        if g.shape != w.shape or g.dtype != w.dtype:
            return f"output '{name}': {g.dtype}{list(g.shape)}, ONNX Runtime gives {w.dtype}{list(w.shape)}"
        if w.dtype.kind == "f":
            allowed = 1e-4 * float(np.abs(w).max(initial=0))
            diff = float(np.abs(g.astype(np.float64) - w).max(initial=0))
            if diff > allowed:
                return f"output '{name}': off by {diff:.3g}, allowed {allowed:.3g}"
        elif not np.array_equal(g, w):
            return f"output '{name}' differs: {g.flatten()[:8]} vs {w.flatten()[:8]}"
    return ""


def check_supported(outpost, name, m, work):
    path = os.path.join(work, "model.onnx")
    onnx.save(m, path)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feeds = feeds_for(m)
    names = [o.name for o in session.get_outputs()]
    want = dict(zip(names, session.run(names, feeds)))
    for backend in ("ref", "auto"):
        code, message, got = run_outpost(outpost, path, feeds, backend, work)
        if code:
            return f"{backend}: outpost run exited {code}: {message.splitlines()[0][:300]}"
        why = compare(got, want)
        if why:
            return f"{backend}: {why}"
    return ""


def check_refused(outpost, name, m, work, says):
    path = os.path.join(work, "model.onnx")
    onnx.save(m, path)
    code, message, _ = run_outpost(outpost, path, feeds_for(m), "ref", work)
    if code != 5:
        return f"outpost run exited {code}, not 5 (unsupported): {message[:300]}"
    if says not in message:
        return f"the refusal does not say '{says}': {message[:300]}"
    return ""


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: onnx_newer_opsets.py OUTPOST WORK_DIR")
    outpost, work_root = sys.argv[1:]
    print(f"onnx {onnx.__version__}, ONNX Runtime {ort.__version__}")
    counts = {"passed": 0, "failed": 0}
    cases = [(n, b, None) for n, b in SUPPORTED] + list(REFUSED)
    for k, (name, build, says) in enumerate(cases):
        work = os.path.join(work_root, f"case{k}")
        os.makedirs(work, exist_ok=True)
        m = build()
        why = check_supported(outpost, name, m, work) if says is None else \
            check_refused(outpost, name, m, work, says)
        counts["failed" if why else "passed"] += 1
        verdict = "refused as expected" if says is not None else "matches ONNX Runtime"
        print(f"{'FAILED' if why else 'passed'} {name}: {why or verdict}", flush=True)
    print(f"onnx-newer-opsets: {counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
