#!/usr/bin/env python3
"""Sync time of a 10 MB model over a slow, far link, next to the ideal (bytes carried / bandwidth).

A link simulator (throttle_proxy.py: 1 MB/s shared by all transfers, +100 ms before every response)
sits between the agent and the registry. The agent syncs the PP-OCRv3 recognition model (10.7 MB)
from nothing; the time is wall clock from the agent's start to its exit with the model live.
Goal (issue #4): <= 1.15x ideal.

    python3 integration/bench/sync.py [--rate 1000000] [--latency-ms 100] [--parallel 4 8 16]
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from common import CORPUS, build_release, machine, start_registry, write_result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 4, 8, 16])
    args = parser.parse_args()

    registry_bin, fleetctl, agent_bin = (build_release(p) for p in ("modelfleet-registry", "fleetctl", "modelfleet-agent"))
    model = os.path.join(CORPUS, "models/rapidocr-onnxruntime-1.2.13/ch_PP-OCRv3_rec_infer.onnx")
    work = tempfile.mkdtemp(prefix="sync-bench-")
    registry, url, admin, enroll = start_registry(registry_bin, f"{work}/registry")
    rows = []
    try:
        env = dict(os.environ, MODELFLEET_REGISTRY=url, MODELFLEET_TOKEN=admin)
        run = lambda cmd: subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        run([fleetctl, "keys", "generate", "--out", f"{work}/p.key"])
        run([fleetctl, "keys", "register", f"{work}/p.pub"])
        pushed = json.loads(run([fleetctl, "push", model, "--model", "ocr-rec", "--version", "1.0.0", "--key", f"{work}/p.key", "--json"]))
        run([fleetctl, "assign", "ocr-rec", "--select", "link=slow"])
        for parallel in args.parallel:
            link = subprocess.Popen(["python3", os.path.join(os.path.dirname(__file__), "throttle_proxy.py"), url.rsplit(":", 1)[1],
                                     str(args.rate), str(args.latency_ms)], stdout=subprocess.PIPE, text=True)
            try:
                proxied = "http://127.0.0.1:" + link.stdout.readline().split()[-1]
                device = f"{work}/device-{parallel}"
                started = time.monotonic()
                out = subprocess.run([agent_bin, "daemon", "--once", "--data-dir", device, "--registry", proxied, "--enroll-token", enroll,
                                      "--trust", f"{work}/p.pub", "--labels", "link=slow", "--parallel-downloads", str(parallel)],
                                     check=True, capture_output=True, text=True).stdout
                seconds = time.monotonic() - started
                stats = json.loads(urllib.request.urlopen(proxied + "/link-stats").read())
                assert "activated" in out, out
                assert open(f"{device}/models/ocr-rec/current/ch_PP-OCRv3_rec_infer.onnx", "rb").read() == open(model, "rb").read()
                ideal = stats["bytes"] / args.rate
                rows.append((parallel, seconds, stats["bytes"], stats["requests"], ideal))
            finally:
                link.send_signal(signal.SIGTERM)
                link.wait()
    finally:
        registry.send_signal(signal.SIGTERM)
        registry.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        "# Sync time over a slow link",
        "",
        f"`python3 integration/bench/sync.py --rate {args.rate} --latency-ms {args.latency_ms}` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}; release build. "
        f"PP-OCRv3 rec ({os.path.getsize(model)} bytes; {pushed['uploadedBytes']} bytes stored as pushed by `fleetctl push`), "
        f"synced from nothing through a link of {args.rate / 1e6:g} MB/s shared by all transfers with {args.latency_ms} ms "
        "added before every response. Ideal = bytes the link carried / bandwidth. Time = agent start to exit with the model live "
        "(enrollment and check-in included).",
        "",
        "| parallel downloads | sync s | bytes over the link | requests | ideal s | ratio | goal |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for parallel, seconds, carried, requests, ideal in rows:
        lines.append(f"| {parallel} | {seconds:.2f} | {carried} | {requests} | {ideal:.2f} | {seconds / ideal:.2f}x | <= 1.15x |")
    write_result("sync.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
