"""outpost.agent.Client against a real agent (`outpost agent`) running a real `outpost serve`
module: deploy a signed manifest, wait until it runs healthy, read the modules' status; a
manifest the agent refuses shows in its status."""

import hashlib
import json
import os
import signal
import socket
import subprocess
import urllib.request

import pytest

import outpost.agent
import outpost.bundle
from conftest import coral


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world(tmp_path, outpost_bin):
    for d in ("secret", "trust", "manifests", "state", "repo"):
        (tmp_path / d).mkdir(mode=0o700)
    secret, public = outpost.bundle.generate_keys("acme", tmp_path / "secret")
    os.rename(public, tmp_path / "trust" / os.path.basename(public))
    bundle = outpost.bundle.pack(coral("mobilenet_v1_0.25_128_quant.tflite"),
                                 tmp_path / "repo" / "classifier-1.0.0.opk", sign=secret,
                                 name="classifier", version="1.0.0")
    config = tmp_path / "agent.json"
    config.write_text(json.dumps({
        "state_dir": "state", "manifest_dir": "manifests", "trust_dir": "trust",
        "poll_interval_s": 0.1, "health_interval_s": 0.2, "outpost_binary": outpost_bin}))
    agent = subprocess.Popen([outpost_bin, "agent", "--config", str(config)],
                             stdout=subprocess.DEVNULL, stderr=open(tmp_path / "agent.log", "w"))
    yield {"dir": tmp_path, "secret": secret, "bundle": bundle, "config": config,
           "outpost": outpost_bin}
    agent.send_signal(signal.SIGTERM)
    agent.wait(timeout=30)


def signed_manifest(world, version, port, sha256=None):
    data = open(world["bundle"], "rb").read()
    manifest = {
        "deployment_id": "lobby", "version": version, "expires": "2099-01-01T00:00:00Z",
        "modules": [{
            "name": "classifier", "run": "serve", "config": {"port": port},
            "bundles": [{"url": "file://" + os.path.abspath(world["bundle"]),
                         "sha256": sha256 or hashlib.sha256(data).hexdigest(), "size": len(data),
                         "name": "classifier", "version": "1.0.0"}],
            "health": {"probation_s": 1}}]}
    path = world["dir"] / f"lobby-{version}.json"
    path.write_text(json.dumps(manifest))
    done = subprocess.run([world["outpost"], "manifest", "sign", str(path), "--key", world["secret"],
                           "-o", str(path) + ".signed"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return str(path) + ".signed"


def test_a_deployed_manifest_runs_and_its_modules_report(world):
    client = outpost.agent.Client(world["config"])
    port = free_port()
    written = client.deploy(signed_manifest(world, 1, port))
    assert written == os.path.join(client.manifest_dir, "lobby-1.json.signed.json")
    status = client.wait_for_deployment("lobby", 1, timeout=60)
    module = client.modules()["classifier"]
    assert module["process"] == "running" and module["health"] == "healthy"
    assert module["endpoint"] == f"http://127.0.0.1:{port}"
    assert status["current"]["version"] == 1
    # The module really serves the bundle's model.
    with urllib.request.urlopen(module["endpoint"] + "/v2/health/ready", timeout=10) as r:
        assert r.status == 200


def test_a_manifest_the_agent_refuses_is_in_its_status(world):
    client = outpost.agent.Client(world["config"])
    client.deploy(signed_manifest(world, 1, free_port()))
    client.wait_for_deployment("lobby", 1, timeout=60)
    client.deploy(signed_manifest(world, 2, free_port(), sha256="0" * 64), name="bad")
    with pytest.raises(outpost.agent.DeploymentFailed, match="version 2 refused at fetch.*SHA-256"):
        client.wait_for_deployment("lobby", 2, timeout=60)
    assert client.status()["current"]["version"] == 1


def test_a_missing_configuration_or_status_is_an_io_error(tmp_path):
    with pytest.raises(outpost.IoError, match="no agent configuration"):
        outpost.agent.Client(tmp_path / "absent.json")
    config = tmp_path / "agent.json"
    config.write_text(json.dumps({"state_dir": "state", "manifest_dir": "m", "trust_dir": "t"}))
    with pytest.raises(outpost.IoError, match="has not reported yet"):
        outpost.agent.Client(config).status()
