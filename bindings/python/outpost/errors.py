"""Outpost's errors as Python exceptions.

Every failure of the native code raises a subclass of :class:`Error` whose ``code`` is the exit
code the ``outpost`` command gives the same failure (docs/cli.md, "Exit codes"). Where a
built-in exception means the same thing, the class derives from it too, so that code written
for TFLite's interpreter (which raises ``ValueError``) keeps working.
"""


class Error(Exception):
    """Any failure reported by Outpost."""

    code = 1
    category = "internal"


class InternalError(Error):
    code, category = 1, "internal"


class UsageError(Error, ValueError):
    """A bad argument: an index out of range, an unknown option or name."""

    code, category = 2, "usage"


class IoError(Error, OSError):
    """A file is missing or unreadable."""

    code, category = 3, "io"


class InvalidModel(Error, ValueError):
    """The model or bundle is invalid, truncated or corrupt."""

    code, category = 4, "invalid-model"


class UnsupportedOp(Error):
    """The model needs an op or a type Outpost does not run (every one is named)."""

    code, category = 5, "unsupported"


class ShapeMismatch(Error, ValueError):
    """A tensor of the wrong shape or type."""

    code, category = 6, "shape-mismatch"


class Untrusted(Error):
    """The model's publisher is not trusted (or the model is not signed)."""

    code, category = 7, "untrusted"


class BadSignature(Error):
    """A bundle's signature does not verify."""

    code, category = 8, "bad-signature"


class DecryptFailed(Error):
    """An encrypted bundle could not be decrypted (no device key, or the wrong one)."""

    code, category = 9, "decrypt-failed"


class GoldenMismatch(Error):
    """A bundle's model does not reproduce its golden vectors."""

    code, category = 10, "golden-mismatch"


class TooNew(Error):
    """The format or the required Outpost version is newer than this one."""

    code, category = 11, "too-new"


class NetworkError(Error, ConnectionError):
    """A network or broker failure."""

    code, category = 12, "network"


class TooOld(Error):
    """A bundle older than the newest one installed (a replay)."""

    code, category = 13, "too-old"


class RolloutAborted(Error):
    """A fleet rollout stopped: its failure rate passed the bound."""

    code, category = 14, "rollout-aborted"


_BY_CODE = {cls.code: cls for cls in (
    InternalError, UsageError, IoError, InvalidModel, UnsupportedOp, ShapeMismatch, Untrusted,
    BadSignature, DecryptFailed, GoldenMismatch, TooNew, NetworkError, TooOld, RolloutAborted)}


def class_for_code(code):
    """The exception class of an exit code (InternalError for one Outpost does not define)."""
    return _BY_CODE.get(code, InternalError)
