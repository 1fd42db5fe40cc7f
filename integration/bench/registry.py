#!/usr/bin/env python3
"""Registry throughput against nginx on the same machine, in the same run.

1. Device check-ins per second with 1,000 enrolled devices (each request authenticated with its own
   device token, answered with the desired state), next to nginx serving a static JSON file of the
   same size. Goal (issue #3): >= 0.3x nginx.
2. 64 KiB chunk GETs per second and MB/s, next to nginx serving the same bytes. Goal: >= 0.7x nginx.
3. Peak RSS of the registry during the run.

wrk (1 thread, 32 connections, 10 s per run) drives both servers; runs alternate registry/nginx,
and the median of --rounds runs is reported. nginx runs with as many workers as the registry has
event loops (one per core). Needs `apt-get install wrk nginx-light`.

    python3 integration/bench/registry.py [--rounds 3] [--duration 10]
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

from common import CORPUS, build_release, checkin_script, free_port, machine, request, start_registry, wrk, write_result


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--perf", metavar="PREFIX", help="also record `perf record -g` of the registry during each workload's first run into PREFIX-<workload>.data")
    args = parser.parse_args()

    registry_bin = build_release("modelfleet-registry")
    fleetctl = build_release("fleetctl")
    work = tempfile.mkdtemp(prefix="registry-bench-")
    nginx_port = free_port()
    server, base, admin, enroll = start_registry(registry_bin, f"{work}/data")
    nginx = None
    try:
        env = dict(os.environ, MODELFLEET_REGISTRY=base, MODELFLEET_TOKEN=admin)
        subprocess.run([fleetctl, "keys", "generate", "--out", f"{work}/publisher.key"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([fleetctl, "keys", "register", f"{work}/publisher.pub"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([fleetctl, "push", os.path.join(CORPUS, "models/digits-mlp/v1.onnx"), "--model", "digits-mlp",
                        "--version", "1.0.0", "--key", f"{work}/publisher.key"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([fleetctl, "assign", "digits-mlp", "--select", "fleet=bench"], check=True, env=env, stdout=subprocess.DEVNULL)

        profile = {"arch": "aarch64", "ramBytes": 536870912, "diskBytes": 4294967296, "engineVersion": "0.0.0",
                   "supportedOps": [], "labels": {"fleet": "bench"}}
        devices = []
        for _ in range(args.devices):
            _, body = request(base + "/v1/devices/enroll", "POST", enroll, json.dumps(profile).encode(), {"Content-Type": "application/json"})
            devices.append(json.loads(body))
        checkin_body = json.dumps({"installed": [{"model": "digits-mlp", "version": "1.0.0", "variant": "fp32"}], "state": "idle"})
        _, answer = request(f"{base}/v1/devices/{devices[0]['deviceID']}/checkin", "POST", devices[0]["token"],
                            checkin_body.encode(), {"Content-Type": "application/json"})
        assert b"digits-mlp" in answer, answer

        lua = os.path.join(work, "checkin.lua")
        checkin_script(lua, devices, checkin_body)

        # A 64 KiB incompressible chunk, stored as is.
        blob = os.urandom(65536)
        digest = "sha256:" + __import__("hashlib").sha256(blob).hexdigest()
        request(f"{base}/v1/chunks/{digest}", "PUT", admin, blob,
                {"ModelFleet-Codec": "identity", "ModelFleet-Length": "65536", "Content-Type": "application/octet-stream"})

        root = os.path.join(work, "www")
        os.makedirs(root)
        os.chmod(work, 0o755)  # nginx workers run as an unprivileged user
        os.chmod(f"{work}/data", 0o700)
        with open(os.path.join(root, "checkin.json"), "wb") as f:
            f.write(answer)
        with open(os.path.join(root, "chunk.bin"), "wb") as f:
            f.write(blob)
        workers = os.cpu_count()
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes {workers};
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{nginx_port};
    root {root};
    location / {{ default_type application/json; }}
  }}
}}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work], stderr=subprocess.DEVNULL)
        time.sleep(0.5)

        auth = f"Authorization: Bearer {admin}"
        results = {name: [] for name in ["checkin", "nginx json", "chunk", "nginx chunk"]}
        if args.perf:
            for name, run in [("checkin", lambda: wrk(base + "/", args.duration, script=lua)),
                              ("chunk", lambda: wrk(f"{base}/v1/chunks/{digest}", args.duration, headers=[auth]))]:
                perf = subprocess.Popen(["perf", "record", "-g", "-p", str(server.pid), "-o", f"{args.perf}-{name}.data", "--", "sleep", str(args.duration)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                run()
                perf.wait()
        for _ in range(args.rounds):
            results["checkin"].append(wrk(base + "/", args.duration, script=lua))
            results["nginx json"].append(wrk(f"http://127.0.0.1:{nginx_port}/checkin.json", args.duration))
            results["chunk"].append(wrk(f"{base}/v1/chunks/{digest}", args.duration, headers=[auth]))
            results["nginx chunk"].append(wrk(f"http://127.0.0.1:{nginx_port}/chunk.bin", args.duration))
        rss = peak_rss_kib(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in results.items()}
    lines = [
        "# Registry throughput vs nginx",
        "",
        f"`python3 integration/bench/registry.py --rounds {args.rounds} --duration {args.duration}` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}; release build; "
        f"wrk 1 thread, 32 connections, {args.duration} s per run, median of {args.rounds} alternating rounds; "
        f"nginx {workers} worker(s), sendfile on; registry on its defaults (SQLite WAL, one event loop per core).",
        "",
        "| workload | registry req/s | nginx req/s | ratio | goal |",
        "|---|---:|---:|---:|---:|",
        f"| device check-in ({args.devices} enrolled devices, own token each, {len(answer)}-byte answer) vs static JSON of that size "
        f"| {med['checkin']:.0f} | {med['nginx json']:.0f} | {med['checkin'] / med['nginx json']:.2f}x | >= 0.3x |",
        f"| 64 KiB chunk GET ({med['chunk'] * 65536 / 1e6:.0f} MB/s vs {med['nginx chunk'] * 65536 / 1e6:.0f} MB/s) "
        f"| {med['chunk']:.0f} | {med['nginx chunk']:.0f} | {med['chunk'] / med['nginx chunk']:.2f}x | >= 0.7x |",
        "",
        f"Registry peak RSS over the whole run: {rss / 1024:.1f} MiB.",
        "",
        "All runs: " + ", ".join(f"{k} {[round(x) for x in v]}" for k, v in results.items()),
    ]
    write_result("registry.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
