"""outpost.bundle: keys, pack, verify and open, with the checks and errors of the CLI's."""

import os

import numpy as np
import pytest

import outpost
import outpost.bundle
from conftest import coral, reference_file

MODEL = "mobilenet_v1_0.25_128_quant.tflite"


@pytest.fixture
def keys(tmp_path):
    """A publisher's pair, its public key in a trust directory, and a device's pair."""
    secret_dir, trust = tmp_path / "secret", tmp_path / "trust"
    secret_dir.mkdir(mode=0o700)
    trust.mkdir(mode=0o700)
    secret, public = outpost.bundle.generate_keys("acme", secret_dir)
    os.rename(public, trust / os.path.basename(public))
    device_secret, device_public = outpost.bundle.generate_keys("camera-17", secret_dir, device=True)
    return {"secret": secret, "trust": str(trust), "device_secret": device_secret,
            "device_public": device_public, "dir": tmp_path}


def test_a_packed_bundle_verifies_and_opens_as_a_session(keys, tmp_path):
    out = outpost.bundle.pack(coral(MODEL), tmp_path / "m.opk", sign=keys["secret"],
                              name="classifier", version="1.2.3", labels=["background", "cat"])
    info = outpost.bundle.verify(out, trust_dir=keys["trust"])
    assert info["name"] == "classifier" and info["version"] == "1.2.3"
    assert info["publisher"] == "acme" and info["golden_checked"] and not info["encrypted"]
    assert info["labels"] == ["background", "cat"]
    session = outpost.bundle.open(out, trust_dir=keys["trust"], threads=1)
    assert session.model_info["name"] == "classifier"
    scores, = session.run(np.load(reference_file("mnv1q025_cat.input.npy")))
    assert scores.argmax() == 286


def test_an_encrypted_bundle_needs_the_device_key(keys, tmp_path):
    out = outpost.bundle.pack(coral(MODEL), tmp_path / "m.opk", sign=keys["secret"],
                              name="classifier", version="1.0.0",
                              encrypt_for=[keys["device_public"]])
    info = outpost.bundle.verify(out, trust_dir=keys["trust"])
    assert info["encrypted"] and not info["golden_checked"]
    with pytest.raises(outpost.DecryptFailed) as e:
        outpost.bundle.open(out, trust_dir=keys["trust"])
    assert e.value.code == 9
    session = outpost.bundle.open(out, trust_dir=keys["trust"], device_key=keys["device_secret"])
    assert session.model_info["encrypted"]


def test_trust_is_enforced(keys, tmp_path):
    out = outpost.bundle.pack(coral(MODEL), tmp_path / "m.opk", sign=keys["secret"],
                              name="classifier", version="1.0.0")
    empty = tmp_path / "empty-trust"
    empty.mkdir(mode=0o700)
    with pytest.raises(outpost.Untrusted):
        outpost.bundle.verify(out, trust_dir=str(empty))
    with pytest.raises(outpost.Untrusted, match="allow"):
        outpost.bundle.open(coral(MODEL), trust_dir=keys["trust"])
    assert outpost.bundle.open(coral(MODEL), trust_dir=keys["trust"], allow_unsigned=True).model_info is None
    with pytest.raises(outpost.Untrusted):
        outpost.bundle.open(out, trust_dir=keys["trust"], expect_name="detector")


def test_a_changed_byte_breaks_the_signature(keys, tmp_path):
    out = outpost.bundle.pack(coral(MODEL), tmp_path / "m.opk", sign=keys["secret"],
                              name="classifier", version="1.0.0")
    data = bytearray(open(out, "rb").read())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.opk"
    tampered.write_bytes(bytes(data))
    with pytest.raises((outpost.BadSignature, outpost.InvalidModel)):
        outpost.bundle.verify(tampered, trust_dir=keys["trust"])


def test_anti_rollback_refuses_an_older_bundle(keys, tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    for version in ("2.0.0", "1.0.0"):
        outpost.bundle.pack(coral(MODEL), tmp_path / f"{version}.opk", sign=keys["secret"],
                            name="classifier", version=version, golden=False)
    outpost.bundle.open(tmp_path / "2.0.0.opk", trust_dir=keys["trust"], state_dir=state)
    with pytest.raises(outpost.TooOld) as e:
        outpost.bundle.open(tmp_path / "1.0.0.opk", trust_dir=keys["trust"], state_dir=state)
    assert e.value.code == 13
    outpost.bundle.open(tmp_path / "1.0.0.opk", trust_dir=keys["trust"], state_dir=state,
                        allow_downgrade=True)


def test_bad_pack_arguments_name_the_problem(keys, tmp_path):
    with pytest.raises(outpost.UsageError):
        outpost.bundle.pack(coral(MODEL), tmp_path / "m.opk", sign=keys["secret"],
                            name="classifier", version="not-a-version")
    with pytest.raises(outpost.IoError):
        outpost.bundle.pack(coral(MODEL), tmp_path / "m.opk", sign=str(tmp_path / "absent.key"),
                            name="classifier", version="1.0.0")
