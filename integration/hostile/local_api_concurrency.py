#!/usr/bin/env python3
"""The agent's local API under a burst (issue #15 item 8): N clients connect at once and each sends
one GET /healthz; latency percentiles and status counts. The agent needs no model or registry
for this (its check-in fails and it serves anyway).

    python3 integration/hostile/local_api_concurrency.py [--clients 1000] [--agent PATH]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from common import ROOT, machine  # noqa: E402


def one(port, start, results, index):
    start.wait()
    began = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    except OSError as error:
        status = f"{type(error).__name__}"
    results[index] = (status, time.perf_counter() - began)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--agent", default=os.path.join(ROOT, ".build/release/modelfleet-agent"))
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, ".build/debug"), help="where fleetctl is")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="local-api-burst-")
    subprocess.run([os.path.join(args.bin_dir, "fleetctl"), "keys", "generate", "--out", f"{work}/p.key"], check=True, capture_output=True)
    agent = subprocess.Popen([args.agent, "daemon", "--data-dir", f"{work}/device", "--registry", "http://127.0.0.1:1",
                              "--enroll-token", "unused", "--trust", f"{work}/p.pub", "--listen", "127.0.0.1:0",
                              "--checkin-interval", "3600"], stdout=subprocess.PIPE, text=True)
    try:
        line = agent.stdout.readline()
        while "local API on http://" not in line:
            line = agent.stdout.readline()
        port = int(line.rsplit(":", 1)[1])
        start = threading.Barrier(args.clients)
        results = {}
        threads = [threading.Thread(target=one, args=(port, start, results, i)) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        times = sorted(t for _, t in results.values())
        counts = {}
        for status, _ in results.values():
            counts[status] = counts.get(status, 0) + 1
        with open(f"/proc/{agent.pid}/status") as f:
            threads_line = next(line for line in f if line.startswith("Threads:"))
        print(f"machine: {machine()}")
        print(f"{args.clients} clients at once, GET /healthz: statuses {counts}")
        print(f"latency p50 {statistics.median(times) * 1000:.1f} ms, p99 {times[int(len(times) * 0.99) - 1] * 1000:.1f} ms, "
              f"max {times[-1] * 1000:.1f} ms; agent {threads_line.strip()}")
    finally:
        agent.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
