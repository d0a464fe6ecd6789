"""TFLite's Python Interpreter on Outpost: code written for ``tf.lite.Interpreter`` (or
``tflite_runtime.interpreter`` / ``ai_edge_litert.interpreter``) runs by changing one line:

    import outpost.lite as tflite
    interpreter = tflite.Interpreter(model_path="mobilenet_v2_1.0_224_quant.tflite")
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
    interpreter.invoke()
    scores = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])

It runs ONNX models too. What differs from TFLite (docs/python.md, "outpost.lite"): tensor
indices are Outpost's (the inputs, then the outputs, numbered from 0), not the file's, so only
the model's inputs and outputs have one and get_tensor_details() lists those; delegates are
refused (Outpost picks its backends itself); num_threads=None means every core this process
may use.
"""

import os

import numpy

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
        self._runners = {}

    # --- tensors ---------------------------------------------------------------------------

    def allocate_tensors(self):
        """Plans the tensors. Outpost plans at load, and again at the first invoke() after a
        resize, so there is nothing left to do here."""

    def get_input_details(self):
        return [_details(info) for info in self._session.inputs]

    def get_output_details(self):
        outputs = self._session.outputs
        base = self._session._native.num_inputs
        return [_details(info._replace(index=base + info.index)) for info in outputs]

    def get_tensor_details(self):
        """The inputs and outputs (Outpost keeps no other tensors once a model is planned)."""
        return self.get_input_details() + self.get_output_details()

    def _locate(self, tensor_index):
        """("input" | "output", position) of a tensor index."""
        index = int(tensor_index)
        inputs = self._session._native.num_inputs
        outputs = self._session._native.num_outputs
        if 0 <= index < inputs:
            return "input", index
        if inputs <= index < inputs + outputs:
            return "output", index - inputs
        raise ValueError(f"Tensor with no shape found: tensor index {index} is none of the model's "
                         f"{inputs} inputs (0-{inputs - 1}) or {outputs} outputs; Outpost numbers "
                         "only those (docs/python.md)")

    def set_tensor(self, tensor_index, value):
        """Copies ``value`` into an input; its dtype and shape must be the input's."""
        kind, position = self._locate(tensor_index)
        if kind != "input":
            raise ValueError(f"Cannot set tensor: tensor {tensor_index} is an output; set inputs only")
        info = self._session.inputs[position]
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
        kind, position = self._locate(tensor_index)
        if kind == "input":
            return self._session.input_view(position)
        return self._session.output_view(position)

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        """Gives an input another shape (then allocate_tensors(), as in TFLite). ``strict``:
        only the dimensions the model declares -1 may change."""
        kind, position = self._locate(input_index)
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
                Session(self._model, threads=self._threads, signature=signature_key))
        return self._runners[signature_key]


class SignatureRunner:
    """One of a model's signatures, called with its inputs by name: ``runner(x=array)`` returns
    ``{output name: array}``, as TFLite's SignatureRunner."""

    def __init__(self, session):
        self._session = session

    def get_input_details(self):
        return {info.name: _details(info) for info in self._session.inputs}

    def get_output_details(self):
        return {info.name: _details(info) for info in self._session.outputs}

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
