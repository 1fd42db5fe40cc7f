#!/usr/bin/env python3
"""`POST /v1/chunks/missing` with 100,000 digests against a release registry (issue #15, item 2).

1. 100k digests the registry lacks (every one looked up in SQLite), and 100k it holds (rows inserted
   straight into registry.sqlite while the registry is stopped; the answer then carries 100k stored
   forms). Median wall time of --runs requests each, client-side, over loopback. Goal: < 1 s.
2. `/healthz` latency, probed every 20 ms while two 100k-digest queries run at once (before the fix,
   two 60k queries stalled every route for ~50 s).

    python3 integration/bench/missing_chunks.py [--runs 5] [--digests 100000]
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
import urllib.request

from common import build_release, machine, start_registry, write_result


def post(url, token, body):
    request = urllib.request.Request(url + "/v1/chunks/missing", method="POST", data=body,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        answer = json.loads(response.read())
    return time.perf_counter() - start, answer


def digests(count, salt):
    return ["sha256:" + hashlib.sha256(f"{salt}-{i}".encode()).hexdigest() for i in range(count)]


def health_during_two_queries(url, token, bodies):
    """Latencies of /healthz probes answered while both queries were still running."""
    running = [len(bodies)]
    lock = threading.Lock()

    def query(body):
        post(url, token, body)
        with lock:
            running[0] -= 1

    threads = [threading.Thread(target=query, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    probes = []
    while True:
        with lock:
            if running[0] < len(bodies):
                break
        start = time.perf_counter()
        urllib.request.urlopen(url + "/healthz").read()
        elapsed = time.perf_counter() - start
        with lock:
            if running[0] == len(bodies):
                probes.append(elapsed)
        time.sleep(0.02)
    for thread in threads:
        thread.join()
    return probes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--digests", type=int, default=100_000)
    args = parser.parse_args()
    binary = build_release("modelfleet-registry")
    data = tempfile.mkdtemp(prefix="missing-bench-")
    try:
        absent = json.dumps({"digests": digests(args.digests, "absent")}).encode()
        held = digests(args.digests, "held")
        process, url, admin, _ = start_registry(binary, data)
        process.terminate()
        process.wait()
        with sqlite3.connect(os.path.join(data, "registry.sqlite")) as db:
            db.executemany("INSERT INTO chunks (digest, length, storedLength, codec) VALUES (?, 65536, 30000, 'zstd')",
                           [(d,) for d in held])
        process, url, admin, _ = start_registry(binary, data)
        present = json.dumps({"digests": held}).encode()
        results = {}
        for name, body, key in [("absent", absent, "missing"), ("present", present, "present")]:
            post(url, admin, body)  # warm-up (fills the registry's chunk cache for "present")
            times = []
            for _ in range(args.runs):
                elapsed, answer = post(url, admin, body)
                assert len(answer[key]) == args.digests, f"{name}: expected {args.digests} {key}"
                times.append(elapsed)
            results[name] = statistics.median(times)
        probes = health_during_two_queries(url, admin, [absent, json.dumps({"digests": digests(args.digests, "other")}).encode()])
        process.terminate()
        process.wait()
    finally:
        shutil.rmtree(data, ignore_errors=True)

    worst = max(probes) if probes else float("nan")
    write_result("missing-chunks.md", f"""# POST /v1/chunks/missing, {args.digests:,} digests (issue #15, item 2)

{datetime.date.today()}, {machine()}, release build, loopback, median of {args.runs} requests (goal: < 1 s).
Command: `python3 integration/bench/missing_chunks.py --runs {args.runs} --digests {args.digests}`

| query | median wall time |
|---|---|
| {args.digests:,} digests, none stored (each looked up in SQLite) | {results['absent']:.3f} s |
| {args.digests:,} digests, all stored (answer lists {args.digests:,} stored forms) | {results['present']:.3f} s |

`/healthz` while two {args.digests:,}-digest queries ran at once: {len(probes)} probes, slowest {worst * 1000:.0f} ms.
""")


if __name__ == "__main__":
    main()
