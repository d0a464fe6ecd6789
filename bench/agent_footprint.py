#!/usr/bin/env python3
"""The device agent's footprint (issue 14): resident memory of an idle `outpost agent` that runs
one serve module, and the size of the binary. Everything is done as a user would, with the CLI:
a publisher key, a signed bundle of MODEL, a signed manifest dropped into the agent's manifest
directory; then the agent is left idle for --idle seconds and sampled from /proc.

  bench/agent_footprint.py --outpost build-test/outpost --model MODEL.tflite [--idle 20]
                           [--port 8791] [--agent build-test/outpost-agent | --agent outpost]

The agent measured is `outpost-agent` beside OUTPOST (the executable devices run), or
`outpost agent` with `--agent outpost`. Prints, in one JSON object: the agent's RSS (median
of the samples, its anonymous part, and its peak VmHWM), the serve module's RSS, and the agent
binary's size as built and stripped (`strip` on a copy). Standard library only.
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def wait_for_last_good(state_dir, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with open(os.path.join(state_dir, "status.json")) as f:
                s = json.load(f)
            if s.get("last_good") and s.get("agent") == "idle" and s["modules"][0]["pid"] > 0:
                return s
        except (OSError, ValueError, KeyError, IndexError):
            pass
        time.sleep(0.2)
    raise RuntimeError("the agent did not deploy the manifest in time; see its log")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--outpost", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--idle", type=float, default=20)
    p.add_argument("--port", type=int, default=8791)
    p.add_argument("--agent", default=None, help="outpost-agent executable, or 'outpost'")
    a = p.parse_args()
    outpost = os.path.abspath(a.outpost)
    if a.agent == "outpost":
        agent_cmd, agent_binary = [outpost, "agent"], outpost
    else:
        agent_binary = os.path.abspath(a.agent or os.path.join(os.path.dirname(outpost), "outpost-agent"))
        agent_cmd = [agent_binary]
    work = tempfile.mkdtemp(prefix="outpost-agent-footprint-")
    try:
        for d in ("keys", "trust", "repo", "manifests"):
            os.makedirs(os.path.join(work, d), mode=0o700)
        run(outpost, "keys", "gen", "--publisher", "acme", "--output-dir", f"{work}/keys")
        shutil.copy(f"{work}/keys/acme.publisher.pub", f"{work}/trust/")
        os.chmod(f"{work}/trust/acme.publisher.pub", 0o600)
        bundle = f"{work}/repo/model.opk"
        run(outpost, "pack", a.model, "--name", "model", "--bundle-version", "1.0.0",
            "--sign", f"{work}/keys/acme.publisher.key", "-o", bundle)
        data = open(bundle, "rb").read()
        manifest = {"deployment_id": "footprint", "version": 1, "expires": "2099-01-01T00:00:00Z",
                    "modules": [{"name": "model", "run": "serve",
                                 "bundles": [{"url": "file://" + bundle,
                                              "sha256": hashlib.sha256(data).hexdigest(),
                                              "size": len(data), "name": "model",
                                              "version": "1.0.0"}],
                                 "config": {"port": a.port},
                                 "health": {"probation_s": 1}}]}
        with open(f"{work}/m.json", "w") as f:
            json.dump(manifest, f)
        run(outpost, "manifest", "sign", f"{work}/m.json", "--key",
            f"{work}/keys/acme.publisher.key", "-o", f"{work}/manifests/m.json")
        config = {"state_dir": f"{work}/state", "manifest_dir": f"{work}/manifests",
                  "trust_dir": f"{work}/trust", "poll_interval_s": 2}
        with open(f"{work}/agent.json", "w") as f:
            json.dump(config, f)
        log = open(f"{work}/agent.log", "w")
        agent = subprocess.Popen(agent_cmd + ["--config", f"{work}/agent.json"],
                                 stdout=log, stderr=subprocess.STDOUT)
        try:
            s = wait_for_last_good(f"{work}/state", 60)
            module_pid = s["modules"][0]["pid"]
            samples, anon, module_samples = [], [], []
            end = time.time() + a.idle
            while time.time() < end:
                samples.append(status_kb(agent.pid, "VmRSS"))
                anon.append(status_kb(agent.pid, "RssAnon"))
                module_samples.append(status_kb(module_pid, "VmRSS"))
                time.sleep(1)
            peak = status_kb(agent.pid, "VmHWM")
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(60)
        stripped = f"{work}/outpost.stripped"
        shutil.copy(agent_binary, stripped)
        run("strip", stripped)
        print(json.dumps({
            "model": os.path.basename(a.model),
            "agent_rss_mib_median": round(statistics.median(samples) / 1024, 1),
            "agent_rss_anon_mib_median": round(statistics.median(anon) / 1024, 1),
            "agent_rss_mib_peak": round(peak / 1024, 1),
            "module_rss_mib_median": round(statistics.median(module_samples) / 1024, 1),
            "samples": len(samples),
            "agent": " ".join(os.path.basename(c) for c in agent_cmd),
            "binary_mib": round(os.path.getsize(agent_binary) / 2**20, 2),
            "binary_stripped_mib": round(os.path.getsize(stripped) / 2**20, 2),
            "agent_exit_code": agent.returncode,
        }, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
