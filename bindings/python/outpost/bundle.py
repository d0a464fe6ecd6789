"""Signed, optionally encrypted model bundles (docs/bundles.md, docs/security.md).

    secret, public = outpost.bundle.generate_keys("acme", "keys/")
    outpost.bundle.pack("model.tflite", "model.opk", sign=secret, name="detector", version="1.0.0")
    info = outpost.bundle.verify("model.opk", trust_dir="trust/")
    session = outpost.bundle.open("model.opk", trust_dir="trust/")

The same functions as ``outpost keys``, ``outpost pack`` and ``outpost verify``, with the same
checks and errors (``outpost.Untrusted``, ``outpost.BadSignature``, ...).
"""

import json
import os

from . import _outpost
from .session import Session

__all__ = ["generate_keys", "pack", "verify", "open"]


def _path(p):
    return None if p is None else os.fspath(p)


def generate_keys(name, directory, *, device=False):
    """Writes NAME.publisher.key + .pub (a publisher's Ed25519 pair, which signs bundles) or,
    with ``device``, NAME.device.key + .pub (a device's X25519 pair, which bundles are
    encrypted for) in ``directory``; the secret file is owner-only. Returns (secret, public)."""
    secret, public = _outpost.generate_keys(name, os.fspath(directory), device)
    return secret, public


def pack(model, out, *, sign, name, version, labels=None, preprocess=None, encrypt_for=(),
         golden=True):
    """Packs ``model`` into the bundle ``out``, signed with the publisher secret key file
    ``sign``: ``name`` and semantic ``version``, optional ``labels`` (a list of strings),
    ``preprocess`` (a dict, docs/bundles.md), encrypted for the device public key files in
    ``encrypt_for``; golden vectors computed by running the model unless ``golden`` is False.
    Returns ``out``."""
    preprocess_json = "" if preprocess is None else json.dumps(preprocess)
    _outpost.pack_bundle(os.fspath(model), os.fspath(out), os.fspath(sign), name, version,
                         list(labels or []), preprocess_json, [os.fspath(k) for k in encrypt_for],
                         golden)
    return os.fspath(out)


def verify(path, *, trust_dir, device_key=None):
    """Checks a bundle as ``outpost verify`` does: a trusted publisher, its signature, its
    metadata, and (when it can be decrypted) its model's hash and golden vectors. Returns the
    signed metadata with ``publisher``, ``encrypted`` and ``golden_checked``; raises on any
    failure (``outpost.Untrusted``, ``outpost.BadSignature``, ``outpost.GoldenMismatch``...)."""
    return _outpost.verify_bundle(os.fspath(path), os.fspath(trust_dir), _path(device_key))


def open(path, *, trust_dir=None, device_key=None, allow_unsigned=False, expect_name="",
         state_dir="", allow_downgrade=False, threads=0, backend="auto"):
    """Loads a bundle (or, without ``trust_dir`` or with ``allow_unsigned``, a plain model)
    under the trust policy every command uses, as an outpost.Session whose ``model_info`` is
    the bundle's signed metadata. ``expect_name`` binds the bundle's signed name;
    ``state_dir`` turns on anti-rollback (a bundle older than one loaded before is
    ``outpost.TooOld`` unless ``allow_downgrade``)."""
    native = _outpost.open_trusted(os.fspath(path), _path(trust_dir), _path(device_key),
                                   allow_unsigned, expect_name, _path(state_dir) or "",
                                   allow_downgrade, threads, backend)
    return Session._wrap(native)
