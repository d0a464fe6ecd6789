"""TFLite's Python Interpreter on Outpost: code written for ``tf.lite.Interpreter`` (or
``tflite_runtime.interpreter`` / ``ai_edge_litert.interpreter``) runs by changing one line:

    import outpost.lite as tflite
    interpreter = tflite.Interpreter(model_path="mobilenet_v2_1.0_224_quant.tflite")
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
    interpreter.invoke()
    scores = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])

It runs ONNX models too. Tensors are numbered and named as TFLite numbers and names them (the
file's tensor indices; for an ONNX model, the inputs and then the outputs from 0). What differs
from TFLite (docs/python.md, "outpost.lite"): only the model's inputs and outputs have an index
(get_tensor_details() lists those); delegates are refused (Outpost picks its backends itself);
num_threads=None means every core this process may use.
"""

import os

import numpy

from . import _outpost
from .errors import ShapeMismatch, UnsupportedOp, UsageError
from .session import Session

__all__ = ["Interpreter", "SignatureRunner", "load_delegate", "OpResolverType"]


class OpResolverType:
    """Accepted for compatibility; Outpost has one set of kernels per backend."""

    AUTO = 0
    BUILTIN = 1
    BUILTIN_REF = 2
    BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


def load_delegate(library, options=None):
    """TFLite delegates do not exist in Outpost: it chooses its backends per node itself."""
    raise UnsupportedOp(f"delegate '{library}': Outpost runs no TFLite delegates; it picks its "
                        "own backends per node (omit experimental_delegates)")


def _details(info):
    """One tensor's details, spelled as TFLite spells them."""
    scales = numpy.array(info.scales, dtype=numpy.float32)
    zero_points = numpy.array(info.zero_points, dtype=numpy.int32)
    per_tensor = len(info.scales) == 1
    return {
        "name": info.name,
        "index": info.index,
        "shape": numpy.array(info.shape, dtype=numpy.int32),
        "shape_signature": numpy.array(info.shape_signature, dtype=numpy.int32),
        "dtype": info.dtype.type,
        "quantization": (float(scales[0]), int(zero_points[0])) if per_tensor else (0.0, 0),
        "quantization_parameters": {
            "scales": scales,
            "zero_points": zero_points,
            "quantized_dimension": info.quantized_dimension if len(info.scales) > 1 else 0,
        },
        "sparsity_parameters": {},
    }


def _layout_of(model):
    """TFLite's numbering of the file (_outpost.tflite_layout), or None for an ONNX model. The
    file is read, not mapped: a mapping of a file cut short while it is read would kill the
    process (SIGBUS). The session reads it too, for now (~4 ms for a 3.5 MB model here)."""
    if not isinstance(model, bytes):
        with open(model, "rb") as f:
            if f.read(8)[4:8] != b"TFL3":
                return None
            f.seek(0)
            model = f.read()
    return _outpost.tflite_layout(model) if model[4:8] == b"TFL3" else None


def _numbering(session, layout):
    """(TFLite's index, TFLite's name, the session's position) of each input and each output, in
    TFLite's order: the file's main subgraph's, which the session runs under the names of the
    model's first signature when it has signatures. Outpost's own numbering (the inputs, then
    the outputs) where the file gives none or the session runs another subgraph."""
    ours_in = [t.name for t in session.inputs]
    ours_out = [t.name for t in session.outputs]
    own = ([(i, name, i) for i, name in enumerate(ours_in)],
           [(len(ours_in) + j, name, j) for j, name in enumerate(ours_out)])
    if layout is None:
        return own
    signatures = layout["signatures"]
    if signatures and signatures[0]["subgraph"] != 0:
        return own

    def match(file_io, ours, signature_io):
        key_of = {t["index"]: t["key"] for t in signature_io} if signatures else None
        out = []
        for t in file_io:
            name = key_of.get(t["index"]) if key_of is not None else t["name"]
            if name not in ours:
                return None
            out.append((t["index"], t["name"], ours.index(name)))
        return out if len(out) == len(ours) else None

    first = signatures[0] if signatures else {"inputs": [], "outputs": []}
    inputs = match(layout["inputs"], ours_in, first["inputs"])
    outputs = match(layout["outputs"], ours_out, first["outputs"])
    if inputs is None or outputs is None or \
            len({t[0] for t in inputs + outputs}) != len(inputs) + len(outputs):
        return own
    return inputs, outputs


class Interpreter:
    """A model, as TFLite's Interpreter presents it."""

    def __init__(self, model_path=None, model_content=None, experimental_delegates=None,
                 num_threads=None, experimental_op_resolver_type=OpResolverType.AUTO,
                 experimental_preserve_all_tensors=False, **unused):
        if (model_path is None) == (model_content is None):
            raise ValueError("give model_path or model_content (one of them)")
        if experimental_delegates:
            load_delegate(getattr(experimental_delegates[0], "_library", "given"))
        if num_threads is not None and (not isinstance(num_threads, int) or num_threads < -1):
            raise ValueError("num_threads should be >= -1 (None or -1: every core available)")
        self._model = os.fspath(model_path) if model_path is not None else bytes(model_content)
        self._threads = 0 if num_threads in (None, -1) else num_threads
        self._session = Session(self._model, threads=self._threads)
        self._layout = _layout_of(self._model)
        self._inputs, self._outputs = _numbering(self._session, self._layout)
        self._runners = {}

    # --- tensors ---------------------------------------------------------------------------

    def allocate_tensors(self):
        """Plans the tensors. Outpost plans at load, and again at the first invoke() after a
        resize, so there is nothing left to do here."""

    def get_input_details(self):
        infos = self._session.inputs
        return [_details(infos[pos]._replace(index=index, name=name)) for index, name, pos in self._inputs]

    def get_output_details(self):
        infos = self._session.outputs
        return [_details(infos[pos]._replace(index=index, name=name)) for index, name, pos in self._outputs]

    def get_tensor_details(self):
        """The inputs and outputs (Outpost keeps no other tensors once a model is planned)."""
        return self.get_input_details() + self.get_output_details()

    def _locate(self, tensor_index):
        """("input" | "output", the session's position, the name) of a tensor index."""
        index = int(tensor_index)
        for kind, table in (("input", self._inputs), ("output", self._outputs)):
            for tensor, name, pos in table:
                if tensor == index:
                    return kind, pos, name
        known = sorted(t[0] for t in self._inputs + self._outputs)
        raise ValueError(f"Tensor with no shape found: tensor index {index} is none of the model's "
                         f"inputs and outputs {known}; Outpost keeps only those (docs/python.md)")

    def set_tensor(self, tensor_index, value):
        """Copies ``value`` into an input; its dtype and shape must be the input's."""
        kind, position, name = self._locate(tensor_index)
        if kind != "input":
            raise ValueError(f"Cannot set tensor: tensor {tensor_index} is an output; set inputs only")
        info = self._session.inputs[position]._replace(name=name)
        array = numpy.asarray(value)
        if array.dtype != info.dtype:
            raise ShapeMismatch(
                f"Cannot set tensor: Got value of type {array.dtype.name.upper()} but expected type "
                f"{info.dtype.name.upper()} for input {tensor_index}, name: {info.name} ")
        if array.shape != info.shape:
            if array.ndim != len(info.shape):
                raise ShapeMismatch(f"Cannot set tensor: Dimension mismatch. Got {array.ndim} but "
                                    f"expected {len(info.shape)} for input {tensor_index}.")
            for got, expected in zip(array.shape, info.shape):
                if got != expected:
                    raise ShapeMismatch(f"Cannot set tensor: Dimension mismatch. Got {got} but "
                                        f"expected {expected} for dimension of input {tensor_index}.")
        self._session._native.set_input(position, numpy.ascontiguousarray(array))

    def get_tensor(self, tensor_index, subgraph_index=0):
        """A copy of an input or output."""
        return numpy.array(self._view(tensor_index))

    def tensor(self, tensor_index):
        """A function giving an array over the tensor's memory (no copy), as TFLite's: do not
        keep the array across invoke() or resize_tensor_input()."""
        return lambda: self._view(tensor_index)

    def _view(self, tensor_index):
        kind, position, _ = self._locate(tensor_index)
        if kind == "input":
            return self._session.input_view(position)
        return self._session.output_view(position)

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        """Gives an input another shape (then allocate_tensors(), as in TFLite). ``strict``:
        only the dimensions the model declares -1 may change."""
        kind, position, _ = self._locate(input_index)
        if kind != "input":
            raise ValueError(f"tensor {input_index} is not an input")
        shape = [int(d) for d in numpy.asarray(tensor_size).reshape(-1)]
        if strict:
            signature = self._session.inputs[position].shape_signature
            for got, declared in zip(shape, signature):
                if declared != -1 and got != declared:
                    raise ShapeMismatch(f"ResizeInputTensorStrict only allows mutating unknown "
                                        f"dimensions identified by -1 (input {input_index}: "
                                        f"{list(signature)} -> {shape})")
        self._session.resize_input(position, shape)

    # --- running ---------------------------------------------------------------------------

    def invoke(self):
        self._session._native.run()

    def reset_all_variables(self):
        self._session.reset_state()

    # --- signatures ------------------------------------------------------------------------

    def get_signature_list(self):
        return {s["key"]: {"inputs": list(s["inputs"]), "outputs": list(s["outputs"])}
                for s in self._session.stats["signatures"]}

    def get_signature_runner(self, signature_key=None):
        signatures = self.get_signature_list()
        if signature_key is None:
            if len(signatures) != 1:
                raise ValueError(f"SignatureDef signature_key is None and model has "
                                 f"{len(signatures)} Signatures. None is only allowed when the "
                                 "model has 1 SignatureDef")
            signature_key = next(iter(signatures))
        if signature_key not in signatures:
            raise ValueError(f"Invalid signature_key provided: '{signature_key}'; the model's: "
                             f"{sorted(signatures)}")
        if signature_key not in self._runners:
            self._runners[signature_key] = SignatureRunner(
                Session(self._model, threads=self._threads, signature=signature_key),
                self._signature_tensors(signature_key))
        return self._runners[signature_key]

    def _signature_tensors(self, key):
        """{signature name: (TFLite's index, tensor name)} of a signature's inputs and outputs."""
        for s in (self._layout or {}).get("signatures", []):
            if s["key"] == key:
                return {t["key"]: (t["index"], t["name"]) for t in s["inputs"] + s["outputs"]}
        return {}


class SignatureRunner:
    """One of a model's signatures, called with its inputs by name: ``runner(x=array)`` returns
    ``{output name: array}``, as TFLite's SignatureRunner."""

    def __init__(self, session, tensors=None):
        self._session = session
        self._tensors = tensors or {}  # signature name -> (TFLite's index, tensor name)

    def _details_by_name(self, infos):
        out = {}
        for info in infos:
            index, name = self._tensors.get(info.name, (info.index, info.name))
            out[info.name] = _details(info._replace(index=index, name=name))
        return out

    def get_input_details(self):
        return self._details_by_name(self._session.inputs)

    def get_output_details(self):
        return self._details_by_name(self._session.outputs)

    def allocate_tensors(self):
        pass

    def __call__(self, **inputs):
        names = {info.name for info in self._session.inputs}
        unknown = sorted(set(inputs) - names)
        if unknown:
            raise UsageError(f"unknown input(s) {unknown}; the signature's inputs: {sorted(names)}")
        for name, value in inputs.items():
            self._session.set_input(name, value)
        return self._session.run_dict()
