"""outpost.Session: a model loaded, checked, planned and ready to run (the C++ Session)."""

import os
from typing import NamedTuple

import numpy

from . import _outpost
from .errors import ShapeMismatch, UsageError


class TensorInfo(NamedTuple):
    """An input or output of a model: what it is called and what it holds."""

    name: str
    index: int
    dtype: numpy.dtype
    shape: tuple  # as planned now (after any resize)
    shape_signature: tuple  # as declared: -1 where a dimension may vary
    scales: tuple  # quantization: one per tensor, or one per channel; () when not quantized
    zero_points: tuple
    quantized_dimension: int


def _info(details):
    return TensorInfo(details["name"], details["index"], numpy.dtype(details["dtype"]),
                      tuple(details["shape"]), tuple(details["shape_signature"]),
                      tuple(details["scales"]), tuple(details["zero_points"]),
                      details["quantized_dimension"])


def _array_of(buffer, shape):
    # numpy.asarray over the buffer protocol: no copy, and the array keeps the session alive.
    # A 0-d tensor comes back 0-d.
    return numpy.asarray(buffer).reshape(shape)


class Session:
    """A model ready to run.

    ``model`` is a path (``.tflite`` or ``.onnx``) or the model's bytes. ``threads``: 0 for
    every core this process may use, 1 for the caller's thread alone. ``backend``: ``"auto"``,
    ``"ref"``, or one backend's name (``outpost --version`` lists them). ``signature``: a
    TFLite SignatureDef key. ``input_shapes``: ``{name: shape}`` for dimensions the model lets
    vary. ``max_arena_bytes``: refuse models whose activations would need more.
    """

    def __init__(self, model, *, threads=0, backend="auto", signature="", input_shapes=None,
                 max_arena_bytes=0):
        shapes = {name: list(shape) for name, shape in (input_shapes or {}).items()}
        options = dict(threads=threads, backend=backend, signature=signature,
                       input_shapes=shapes, max_arena_bytes=max_arena_bytes)
        if isinstance(model, (bytes, bytearray, memoryview)):
            self._native = _outpost.Session.from_bytes(bytes(model), **options)
        else:
            self._native = _outpost.Session(os.fspath(model), **options)

    @classmethod
    def _wrap(cls, native):
        session = cls.__new__(cls)
        session._native = native
        return session

    # --- what the model takes and gives ---------------------------------------------------

    @property
    def inputs(self):
        """The inputs, in the model's order (list of TensorInfo)."""
        return [_info(self._native.input_details(i)) for i in range(self._native.num_inputs)]

    @property
    def outputs(self):
        """The outputs, in the model's order (list of TensorInfo); shapes as of the last run."""
        return [_info(self._native.output_details(i)) for i in range(self._native.num_outputs)]

    def input_index(self, key):
        """The index of an input given by index or name (UsageError naming the inputs)."""
        return self._index(key, self._native.num_inputs, self._native.input_index, "input")

    def output_index(self, key):
        return self._index(key, self._native.num_outputs, self._native.output_index, "output")

    def _index(self, key, count, by_name, what):
        if isinstance(key, str):
            index = by_name(key)
            if index < 0:
                names = [self._details(what, i)["name"] for i in range(count)]
                raise UsageError(f"the model has no {what} named '{key}'; its {what}s: {names}")
            return index
        index = int(key)
        if not 0 <= index < count:
            raise UsageError(f"{what} index {index} is out of range: the model has {count}")
        return index

    def _details(self, what, index):
        get = self._native.input_details if what == "input" else self._native.output_details
        return get(index)

    # --- inputs -----------------------------------------------------------------------------

    def set_input(self, key, value):
        """Copies ``value`` into an input, resizing it first where the model lets it vary.

        The dtype must be the input's (ShapeMismatch naming both otherwise: Outpost does not
        convert silently).
        """
        index = self.input_index(key)
        details = self._native.input_details(index)
        array = numpy.asarray(value)
        if array.dtype != numpy.dtype(details["dtype"]):
            raise ShapeMismatch(
                f"input '{details['name']}': got {array.dtype}, the model takes "
                f"{details['dtype']} (convert with .astype(numpy.{details['dtype']}))")
        if list(array.shape) != details["shape"]:
            self._native.resize_input(index, list(array.shape))
        self._native.set_input(index, numpy.ascontiguousarray(array))

    def input_view(self, key):
        """A writable array over an input's memory in the session: fill it, then run() (no copy).

        Valid until the input is resized.
        """
        index = self.input_index(key)
        return _array_of(self._native.input_buffer(index), self._native.input_details(index)["shape"])

    def resize_input(self, key, shape):
        """Gives an input another shape where the model lets its dimensions vary."""
        self._native.resize_input(self.input_index(key), [int(d) for d in shape])

    # --- running ----------------------------------------------------------------------------

    def run(self, inputs=None):
        """Runs the model; returns every output as a new array, in the model's order.

        ``inputs``: one array (a model of one input), a list of arrays in the model's order, or
        a dict by input name; None runs on what set_input / input_view put there.
        """
        self._set_inputs(inputs)
        self._native.run()
        return [numpy.array(self.output_view(i)) for i in range(self._native.num_outputs)]

    def run_dict(self, inputs=None):
        """As run(), the outputs by name."""
        outputs = self.run(inputs)
        return {self._native.output_details(i)["name"]: array for i, array in enumerate(outputs)}

    def _set_inputs(self, inputs):
        if inputs is None:
            return
        if isinstance(inputs, dict):
            for key, value in inputs.items():
                self.set_input(key, value)
        elif isinstance(inputs, (list, tuple)):
            if len(inputs) != self._native.num_inputs:
                raise UsageError(f"{len(inputs)} inputs given, the model takes {self._native.num_inputs}")
            for index, value in enumerate(inputs):
                self.set_input(index, value)
        else:
            if self._native.num_inputs != 1:
                raise UsageError(f"one array given, the model takes {self._native.num_inputs} inputs "
                                 "(pass a list or a dict by name)")
            self.set_input(0, inputs)

    def output_view(self, key):
        """A read-only array over an output's memory (no copy); valid until the next run()."""
        index = self.output_index(key)
        return _array_of(self._native.output_buffer(index), self._native.output_details(index)["shape"])

    def reset_state(self):
        """Sets a stateful model's variables back to their start (TFLite's ResetVariableTensors)."""
        self._native.reset_state()

    def profile(self, runs=10):
        """Runs ``runs`` times timing every node: the median ms per (op, backend), slowest first."""
        return self._native.profile(runs)

    @property
    def stats(self):
        """Facts about the loaded model: format, op counts, parameters, MACs, arena, backends."""
        return self._native.stats

    @property
    def model_info(self):
        """For a session opened from a bundle: its signed metadata and publisher; else None."""
        return self._native.model_info or None

    def close(self):
        """Frees the model now (arrays that view it keep their memory alive)."""
        self._native.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
