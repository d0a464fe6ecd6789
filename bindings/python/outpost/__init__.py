"""Outpost: run TFLite and ONNX models fast on small CPUs (docs/python.md).

    import outpost
    session = outpost.Session("model.tflite", threads=1)
    scores, = session.run(image)

``outpost.lite`` is TFLite's Interpreter (change one import line), ``outpost.pipeline`` runs
pipeline files, ``outpost.bundle`` packs, verifies and opens signed bundles, and
``outpost.agent`` talks to a device's agent.
"""

from . import _outpost
from .errors import (BadSignature, DecryptFailed, Error, GoldenMismatch, InternalError,
                     InvalidModel, IoError, NetworkError, RolloutAborted, ShapeMismatch, TooNew,
                     TooOld, UnsupportedOp, Untrusted, UsageError)
from .session import Session, TensorInfo

__version__ = _outpost.__version__

__all__ = [
    "Session", "TensorInfo", "Error", "InternalError", "UsageError", "IoError", "InvalidModel",
    "UnsupportedOp", "ShapeMismatch", "Untrusted", "BadSignature", "DecryptFailed",
    "GoldenMismatch", "TooNew", "NetworkError", "TooOld", "RolloutAborted", "__version__",
]
