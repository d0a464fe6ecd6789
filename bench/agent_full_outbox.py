#!/usr/bin/env python3
"""The agent's memory with a full outbox (issue 15): `outpost-agent` with an uplink to a broker
that is not there, filled through its uplink socket (what a pipeline's uplink sink uses) with
events until its outbox (outbox_max_mb) holds all it may and evicts; then its resident memory is
read from /proc, beside its idle memory before the fill.

  bench/agent_full_outbox.py --agent build-test/outpost-agent [--outbox-mb 64] [--event-bytes 2000]

Prints one JSON object: idle and full RSS (VmRSS) and peak (VmHWM) in MiB, the events stored and
evicted, the fill rate, and the outbox file's size. Standard library only.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import tempfile
import time


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agent", required=True, help="the outpost-agent executable")
    p.add_argument("--outbox-mb", type=int, default=64)
    p.add_argument("--event-bytes", type=int, default=2000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="outpost-full-outbox-") as d:
        for sub in ("trust", "manifests", "state"):
            os.makedirs(os.path.join(d, sub), mode=0o700)
        config = os.path.join(d, "agent.json")
        with open(config, "w") as f:
            json.dump({"state_dir": "state", "manifest_dir": "manifests", "trust_dir": "trust",
                       "uplink": {"device_id": "bench", "broker": "tcp://127.0.0.1:1",
                                  "outbox_max_mb": args.outbox_mb, "backoff_max_s": 5}}, f)
        log = open(os.path.join(d, "agent.log"), "w")
        agent = subprocess.Popen([args.agent, "--config", config], stdout=log, stderr=log)
        sock_path = os.path.join(d, "state", "uplink.sock")
        try:
            for _ in range(200):
                if os.path.exists(sock_path):
                    break
                time.sleep(0.05)
            time.sleep(2)
            idle_rss = status_kb(agent.pid, "VmRSS")
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock_path)
            reader = s.makefile("r")
            body = {"type": "detection", "pad": "x" * max(0, args.event_bytes - 40)}
            stored = 0
            start = time.time()
            # Past the bound the outbox evicts its oldest: fill to twice the bound, so that it is
            # full and has been evicting for a while.
            target = 2 * args.outbox_mb * (1 << 20) // args.event_bytes
            line = (json.dumps({"class": "events", "body": body}) + "\n").encode()
            for _ in range(target):
                s.sendall(line)
                answer = json.loads(reader.readline())
                stored += 1 if answer.get("id") else 0
            seconds = time.time() - start
            time.sleep(1)
            full_rss = status_kb(agent.pid, "VmRSS")
            peak = status_kb(agent.pid, "VmHWM")
            db = os.path.join(d, "state", "outbox.db")
            size = sum(os.path.getsize(x) for x in (db, db + "-wal") if os.path.exists(x))
            print(json.dumps({"outbox_max_mb": args.outbox_mb, "event_bytes": args.event_bytes,
                              "events_put": target, "stored": stored,
                              "put_per_s": round(target / seconds),
                              "idle_rss_mb": round(idle_rss / 1024, 1),
                              "full_rss_mb": round(full_rss / 1024, 1),
                              "peak_rss_mb": round(peak / 1024, 1),
                              "outbox_file_mb": round(size / (1 << 20), 1)}))
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)


if __name__ == "__main__":
    main()
