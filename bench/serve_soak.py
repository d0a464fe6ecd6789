#!/usr/bin/env python3
"""Soak test of `outpost serve` (issue 14): requests from client threads for --minutes while the
model is swapped every --swap-every seconds, resident memory sampled from /proc; prints
requests/s, p50/p99 latency, failed requests, swaps and RSS at start, after warm-up and at the
end. RSS that keeps growing with the swaps is a leak; flat after warm-up is the goal.

  bench/serve_soak.py --outpost build-test/outpost --model MODEL.tflite [--model-b OTHER.tflite]
                      [--minutes 10] [--clients 4] [--swap-every 0.6] [--port 8790]

The input is zeros of each input's shape and datatype (variable dimensions become 1), sent as
binary tensor data. Standard library only.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

SIZES = {"FP32": 4, "FP16": 2, "BF16": 2, "FP64": 8, "INT8": 1, "UINT8": 1, "INT16": 2,
         "UINT16": 2, "INT32": 4, "UINT32": 4, "INT64": 8, "UINT64": 8, "BOOL": 1}


def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def post(url, body, headers, timeout=60):
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def make_request(base, name):
    with urllib.request.urlopen(f"{base}/v2/models/{name}", timeout=30) as r:
        meta = json.load(r)
    inputs, blobs = [], []
    for t in meta["inputs"]:
        shape = [d if d >= 0 else 1 for d in t["shape"]]
        n = 1
        for d in shape:
            n *= d
        size = n * SIZES[t["datatype"]]
        inputs.append({"name": t["name"], "datatype": t["datatype"], "shape": shape,
                       "parameters": {"binary_data_size": size}})
        blobs.append(bytes(size))
    head = json.dumps({"inputs": inputs, "parameters": {"binary_data_output": True}}).encode()
    return head + b"".join(blobs), {"Inference-Header-Content-Length": str(len(head)),
                                    "Content-Type": "application/octet-stream"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--outpost", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--model-b", help="swap between --model and this (default: reload --model)")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--swap-every", type=float, default=0.6, help="seconds between swaps (0: none, for the server's overhead alone)")
    ap.add_argument("--port", type=int, default=8790)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    server = subprocess.Popen([args.outpost, "serve", args.model, "--name", "m", "--port",
                               str(args.port), "--threads", str(args.threads)],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if "listening" not in line:
        sys.exit(f"outpost serve did not start: {line!r}")
    base = f"http://127.0.0.1:{args.port}"
    body, headers = make_request(base, "m")
    stop = threading.Event()
    lock = threading.Lock()
    latencies, failures = [], [0]

    def client():
        while not stop.is_set():
            start = time.perf_counter()
            try:
                status, _ = post(f"{base}/v2/models/m/infer", body, headers)
                ok = status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            with lock:
                if ok:
                    latencies.append(time.perf_counter() - start)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    rss = [(0.0, rss_bytes(server.pid))]
    swaps, swap_failures = 0, 0
    begin = time.time()
    end = begin + args.minutes * 60
    next_sample = begin + 10
    files = [args.model, args.model_b or args.model]
    while time.time() < end:
        time.sleep(max(0.0, min(args.swap_every if args.swap_every > 0 else 1.0, end - time.time())))
        if args.swap_every <= 0 or time.time() >= end:
            if time.time() >= next_sample:
                rss.append((time.time() - begin, rss_bytes(server.pid)))
                next_sample += 10
            continue
        path = os.path.abspath(files[(swaps + 1) % 2])
        try:
            status, _ = post(f"{base}/v2/repository/models/m/load",
                             json.dumps({"parameters": {"path": path}}).encode(),
                             {"Content-Type": "application/json"})
            swap_failures += status != 200
        except (urllib.error.URLError, OSError):
            swap_failures += 1
        swaps += 1
        if time.time() >= next_sample:
            rss.append((time.time() - begin, rss_bytes(server.pid)))
            next_sample += 10
    stop.set()
    for t in threads:
        t.join()
    rss.append((time.time() - begin, rss_bytes(server.pid)))
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=60)

    latencies.sort()
    n = len(latencies)
    elapsed = time.time() - begin
    warm = rss[min(len(rss) - 1, 6)]  # after about a minute
    print(f"requests: {n} ok, {failures[0]} failed, {n / elapsed:.1f}/s over {elapsed:.0f} s")
    if n:
        print(f"latency: p50 {latencies[n // 2] * 1e3:.2f} ms, p99 {latencies[int(n * 0.99)] * 1e3:.2f} ms")
    print(f"swaps: {swaps}, {swap_failures} failed")
    print(f"rss: start {rss[0][1] / 2**20:.1f} MiB, after {warm[0]:.0f} s {warm[1] / 2**20:.1f} MiB, "
          f"end {rss[-1][1] / 2**20:.1f} MiB (growth after warm-up {(rss[-1][1] - warm[1]) / 2**20:+.1f} MiB)")
    print("rss samples (s: MiB): " + ", ".join(f"{t:.0f}: {b / 2**20:.1f}" for t, b in rss))
    print(f"outpost serve exit code after SIGTERM: {code}")
    return 0 if failures[0] == 0 and swap_failures == 0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
