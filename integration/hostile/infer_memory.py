#!/usr/bin/env python3
"""Agent memory on large inference bodies (issue #15 item 4): a real agent serving digits-mlp gets a
~57 MB JSON body of numbers, alone and eight at once; peak (VmHWM) and resident (VmRSS) memory of
the agent process are read from /proc before, during and after.

Goal: peak growth <= 3x the body per admitted request, and back to idle RSS afterwards; requests
over the agent's large-body budget get 503 with Retry-After instead of memory.

    swift build -c release --product modelfleet-agent   # the agent measured
    swift build --product modelfleet-registry --product fleetctl   # helpers (debug is fine)
    python3 integration/hostile/infer_memory.py [--body-mb 57] [--parallel 8] [--agent PATH] [--bin-dir DIR]
"""
import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from common import CORPUS, ROOT, machine, start_registry, stop_agent_and_registry  # noqa: E402


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        text = f.read()
    field = lambda name: int(re.search(rf"{name}:\s+(\d+) kB", text).group(1)) / 1024
    return {"rss": field("VmRSS"), "hwm": field("VmHWM")}


def reset_peak(pid):
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+)."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def body_of(megabytes, seed=7):
    """{"inputs":{"input":{"shape":[N,64],"dtype":"float32","data":[...]}}} of about `megabytes` MB."""
    rng = random.Random(seed)
    rows = int(megabytes * 1e6 / (64 * 9))
    numbers = ",".join(f"{rng.random():.6f}" for _ in range(rows * 64))
    text = '{"inputs":{"input":{"shape":[%d,64],"dtype":"float32","data":[%s]}}}' % (rows, numbers)
    return text.encode(), rows


def post(port, body, results, index, model="digits"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("POST", f"/v1/models/{model}/infer", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    results[index] = (response.status, response.getheader("Retry-After"), payload[:200])
    connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--body-mb", type=float, default=57)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--agent", default=os.path.join(ROOT, ".build/release/modelfleet-agent"))
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, ".build/debug"), help="where fleetctl and modelfleet-registry are")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless one request peaks at <= 3x the body and RSS 2 s after is within 16 MiB of idle")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="infer-memory-")
    registry, url, admin, enroll = start_registry(os.path.join(args.bin_dir, "modelfleet-registry"), f"{work}/registry")
    agent = None
    try:
        env = dict(os.environ, MODELFLEET_REGISTRY=url, MODELFLEET_TOKEN=admin)
        fleetctl = os.path.join(args.bin_dir, "fleetctl")
        run = lambda cmd: subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
        run([fleetctl, "keys", "generate", "--out", f"{work}/p.key"])
        run([fleetctl, "keys", "register", f"{work}/p.pub"])
        run([fleetctl, "push", os.path.join(CORPUS, "models/digits-mlp/v1.onnx"), "--model", "digits", "--version", "1.0.0", "--key", f"{work}/p.key"])
        run([fleetctl, "assign", "digits", "--select", "type=bench"])
        token_file = f"{work}/enroll.token"
        with open(token_file, "w") as f:
            f.write(enroll)
        agent = subprocess.Popen([args.agent, "daemon", "--data-dir", f"{work}/device", "--registry", url,
                                  "--enroll-token-file", token_file, "--trust", f"{work}/p.pub", "--labels", "type=bench",
                                  "--checkin-interval", "3600", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        port = None
        line = agent.stdout.readline()
        while line and "activated" not in line:
            if "local API on http://" in line:
                port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))
            if "failed" in line:
                raise SystemExit(f"the agent did not activate the model: {line}")
            line = agent.stdout.readline()
        body, rows = body_of(args.body_mb)
        size_mib = len(body) / 2**20

        # Warm up with a small request (first inference allocates the session's buffers), then settle.
        small = {}
        post(port, json.dumps({"inputs": {"input": {"shape": [1, 64], "dtype": "float32", "data": [0.5] * 64}}}).encode(), small, 0)
        assert small[0][0] == 200, small
        time.sleep(2)
        idle = status(agent.pid)["rss"]

        # The request alone: the body is read and decoded into the input tensor, then the model
        # name is not live (404). What the engine needs on top depends on the model.
        reset_peak(agent.pid)
        decode_only = {}
        post(port, body, decode_only, 0, model="not-live")
        decode_peak = status(agent.pid)["hwm"]
        time.sleep(2)

        reset_peak(agent.pid)
        single = {}
        started = time.perf_counter()
        post(port, body, single, 0)
        single_seconds = time.perf_counter() - started
        single_peak = status(agent.pid)["hwm"]
        time.sleep(2)
        after_single = status(agent.pid)["rss"]

        reset_peak(agent.pid)
        results = {}
        threads = [threading.Thread(target=post, args=(port, body, results, i)) for i in range(args.parallel)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        parallel_seconds = time.perf_counter() - started
        parallel_peak = status(agent.pid)["hwm"]
        time.sleep(2)
        after_parallel = status(agent.pid)["rss"]
        codes = [results[i][0] for i in range(args.parallel)]
        retry_after = sorted({results[i][1] for i in range(args.parallel) if results[i][0] == 503})

        print(f"machine: {machine()}")
        print(f"agent: {args.agent}")
        print(f"body: {len(body)} bytes ({size_mib:.1f} MiB), {rows} rows x 64 float32 as JSON numbers")
        print(f"idle RSS before: {idle:.1f} MiB")
        print(f"request handling alone (decoded, then 404 for a model that is not live): HTTP {decode_only[0][0]}; peak RSS {decode_peak:.1f} MiB "
              f"(+{decode_peak - idle:.1f} MiB = {(decode_peak - idle) / size_mib:.2f}x the body)")
        print(f"one request: HTTP {single[0][0]} in {single_seconds:.2f} s; peak RSS {single_peak:.1f} MiB "
              f"(+{single_peak - idle:.1f} MiB = {(single_peak - idle) / size_mib:.2f}x the body); RSS 2 s after: {after_single:.1f} MiB")
        print(f"{args.parallel} at once: statuses {codes} (Retry-After {retry_after}) in {parallel_seconds:.2f} s; "
              f"peak RSS {parallel_peak:.1f} MiB (+{parallel_peak - idle:.1f} MiB); RSS 2 s after: {after_parallel:.1f} MiB")
        if single[0][0] != 200:
            print(f"single request answer: {single[0][2]!r}")
        if args.check:
            problems = []
            if single[0][0] != 200:
                problems.append(f"the request was answered {single[0][0]}")
            if (single_peak - idle) > 3 * size_mib:
                problems.append(f"peak growth {(single_peak - idle) / size_mib:.2f}x the body is over 3x")
            if after_single - idle > 16:
                problems.append(f"RSS 2 s after is {after_single - idle:.1f} MiB over idle (more than 16)")
            if 200 not in codes or any(code not in (200, 503) for code in codes):
                problems.append(f"parallel statuses {codes}: expected 200s and 503s only")
            print("check: " + ("; ".join(problems) if problems else "ok"))
            if problems:
                sys.exit(1)
    finally:
        stop_agent_and_registry(agent, registry, work)


if __name__ == "__main__":
    main()
