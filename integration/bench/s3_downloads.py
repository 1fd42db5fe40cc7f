#!/usr/bin/env python3
"""Chunk downloads with chunks in S3: streamed through the registry vs redirected to presigned URLs.

One registry on a real S3 server (Ceph's RADOS Gateway from the s3-ceph.sh named by $MODELFLEET_TEST_S3_CEPH,
started here unless S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY are set), the corpus's OCR and digits models
pushed to a fresh bucket, then every stored chunk fetched whole by --clients threads (keep-alive
connections, one to the registry and one to S3 per thread), in three modes:

- stream, cold: a freshly started registry (empty memory cache) reads each chunk from S3, verifies it
  and serves it; every chunk once;
- stream, warm: the same chunks again, --rounds times (served from the registry's memory cache);
- redirect: `storage.chunk_downloads: redirect`; the registry answers 302 with a presigned URL and the
  client fetches it from S3; every chunk --rounds times.

For each: chunks/s, MB/s, median and p95 latency of one chunk (both hops for a redirect), and the CPU
seconds the registry and the gateway spent per 1,000 chunks (from /proc/PID/stat). Clients, registry
and Ceph share the machine, as they do in CI; the figures compare the modes, not absolute capacity.

    python3 integration/bench/s3_downloads.py [--debug] [--clients 4] [--rounds 3]

--debug uses .build/debug (what `swift build` made) instead of building release.
"""
import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

from common import CORPUS, ROOT, build_release, cpu_seconds, free_port, machine, write_result

CEPH = os.environ.get("MODELFLEET_TEST_S3_CEPH", "")
MODELS = ["models/rapidocr-onnxruntime-1.2.13/ch_PP-OCRv3_rec_infer.onnx", "models/rapidocr-onnxruntime-1.2.13/ch_PP-OCRv3_det_infer.onnx",
          "models/digits-mlp/v1.onnx"]


def s3_server(work):
    """(endpoint, access key, secret key, region, radosgw pid or None, stop function)."""
    if os.environ.get("S3_ENDPOINT"):
        return os.environ["S3_ENDPOINT"], os.environ["S3_ACCESS_KEY"], os.environ["S3_SECRET_KEY"], "us-east-1", None, lambda: None
    if not os.access(CEPH, os.X_OK):
        raise SystemExit("set S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY to a running S3 server, or MODELFLEET_TEST_S3_CEPH to an s3-ceph.sh")
    data = tempfile.mkdtemp(prefix="modelfleet-bench-s3.", dir="/var/tmp")
    port = free_port()
    out = subprocess.run([CEPH, "start", data, str(port)], check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    pid = int(open(os.path.join(data, "run", "client.rgw.gw.pid")).read())

    def stop():
        subprocess.run([CEPH, "stop", data], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
    return values["S3_ENDPOINT"], values["S3_ACCESS_KEY"], values["S3_SECRET_KEY"], values["S3_REGION"], pid, stop


def curl_s3(s3, method, path):
    endpoint, key, secret, region = s3[:4]
    return subprocess.run(["curl", "-sS", "-f", "-X", method, "--aws-sigv4", f"aws:amz:{region}:s3", "--user", f"{key}:{secret}",
                           "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", endpoint + path], check=True, capture_output=True, text=True).stdout


def start_registry(bin_dir, data, bucket, env, mode):
    env = dict(env, MODELFLEET_STORAGE_CHUNK_DOWNLOADS=mode)
    process = subprocess.Popen([os.path.join(bin_dir, "modelfleet-registry"), "--data-dir", data, "--bind", "127.0.0.1:0",
                                "--log-level", "error", "--chunks", f"s3://{bucket}"], stdout=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    while "listening on" not in line:
        if not line:
            raise SystemExit("the registry exited before listening")
        line = process.stdout.readline()
    return process, line.split("listening on ", 1)[1].split()[0]


class Client:
    """One thread's keep-alive connection to the registry, and its connections to S3 for redirects:
    a new one per request unless `s3_keepalive` (on Ceph Pacific's gateway a reused connection waits
    ~44 ms for every object below ~200 KB, a Nagle/delayed-ACK stall that a new connection avoids)."""

    def __init__(self, registry, token, s3_keepalive):
        self.registry = urllib.parse.urlsplit(registry)
        self.token = token
        self.s3_keepalive = s3_keepalive
        self.connections = {}

    def get(self, netloc, path, headers):
        keep = netloc == self.registry.netloc or self.s3_keepalive
        connection = (self.connections.get(netloc) if keep else None) or http.client.HTTPConnection(netloc, timeout=30)
        if keep:
            self.connections[netloc] = connection
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        answer = response.status, response.getheader("Location"), response.read()
        if not keep:
            connection.close()
        return answer

    def chunk(self, digest, length):
        status, location, body = self.get(self.registry.netloc, f"/v1/chunks/sha256:{digest}", {"Authorization": "Bearer " + self.token})
        if status == 302:
            target = urllib.parse.urlsplit(location)
            status, _, body = self.get(target.netloc, target.path + "?" + target.query, {})
        if status != 200 or len(body) != length:
            raise SystemExit(f"chunk {digest}: HTTP {status}, {len(body)} of {length} bytes")
        return len(body)


def run(registry, token, chunks, clients, pids, s3_keepalive=False):
    """Fetches every (digest, length) in `chunks` with `clients` threads; returns the figures."""
    work = list(chunks)
    lock = threading.Lock()
    latencies = []
    total = [0]

    def worker():
        client = Client(registry, token, s3_keepalive)
        while True:
            with lock:
                if not work:
                    return
                digest, length = work.pop()
            start = time.perf_counter()
            received = client.chunk(digest, length)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                total[0] += received

    cpu_before = [cpu_seconds(pid) for pid in pids]
    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    cpu = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]
    latencies.sort()
    return {"chunks": len(latencies), "seconds": seconds, "rate": len(latencies) / seconds, "mbps": total[0] / seconds / 1e6,
            "p50": latencies[len(latencies) // 2] * 1000, "p95": latencies[int(len(latencies) * 0.95)] * 1000,
            "registry_cpu": cpu[0] / len(latencies) * 1000, "gateway_cpu": cpu[1] / len(latencies) * 1000 if pids[1] else None}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--debug", action="store_true", help="use .build/debug instead of a release build")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.debug:
        bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    else:
        for product in ["fleetctl", "modelfleet-agent"]:
            build_release(product)
        bin_dir = os.path.dirname(build_release("modelfleet-registry"))

    work = tempfile.mkdtemp(prefix="modelfleet-bench-")
    s3 = s3_server(work)
    registry = None
    try:
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        curl_s3(s3, "PUT", f"/{bucket}")
        env = dict(os.environ, AWS_ENDPOINT_URL=s3[0], AWS_ACCESS_KEY_ID=s3[1], AWS_SECRET_ACCESS_KEY=s3[2], AWS_REGION=s3[3])
        data = os.path.join(work, "registry")
        registry, url = start_registry(bin_dir, data, bucket, env, "stream")
        token = open(os.path.join(data, "admin.token")).read().strip()
        fleetctl = [os.path.join(bin_dir, "fleetctl"), "--registry", url, "--token-file", os.path.join(data, "admin.token")]
        subprocess.run([os.path.join(bin_dir, "fleetctl"), "keys", "generate"], cwd=work, check=True, capture_output=True)
        subprocess.run(fleetctl + ["keys", "register", "publisher.pub"], cwd=work, check=True, capture_output=True)
        for index, model in enumerate(MODELS):
            subprocess.run(fleetctl + ["push", os.path.join(CORPUS, model), "--model", f"m{index}", "--version", "1.0.0"], cwd=work, check=True,
                           capture_output=True)
        listing = curl_s3(s3, "GET", f"/{bucket}?list-type=2&prefix=chunks%2F")
        keys = [part.split("</Key>")[0] for part in listing.split("<Key>")[1:]]
        sizes = [int(part.split("</Size>")[0]) for part in listing.split("<Size>")[1:]]
        chunks = [(key.rsplit("/", 1)[1][:64], size) for key, size in zip(keys, sizes)]
        if 'IsTruncated>true' in listing:
            raise SystemExit("more than 1,000 chunks: the listing needs continuation")

        results = {}
        for mode in ["stream", "redirect"]:
            registry.terminate()
            registry.wait(timeout=30)
            registry, url = start_registry(bin_dir, data, bucket, env, mode)
            pids = [registry.pid, s3[4]]
            if mode == "stream":
                results["stream, cold (registry reads S3, verifies, caches)"] = run(url, token, chunks, args.clients, pids)
                warm = chunks * args.rounds
                results["stream, warm (memory cache)"] = run(url, token, warm, args.clients, pids)
            else:
                results["redirect (302, then the client GETs S3 on a new connection)"] = run(url, token, chunks * args.rounds, args.clients, pids)
                results["redirect, S3 connections kept alive"] = run(url, token, chunks, args.clients, pids, s3_keepalive=True)

        stored = sum(size for _, size in chunks)
        lines = [
            "# S3 chunk downloads: stream through the registry vs redirect to presigned URLs",
            "",
            f"`python3 integration/bench/s3_downloads.py{' --debug' if args.debug else ''} --clients {args.clients} --rounds {args.rounds}`"
            f" on {machine()}, {time.strftime('%Y-%m-%d')}; {'debug' if args.debug else 'release'} build; "
            f"Ceph {'RGW from s3-ceph.sh' if s3[4] else 'at ' + s3[0]} on the same machine.",
            f"{len(chunks)} stored chunks ({stored / 1e6:.1f} MB, mean {stored / len(chunks) / 1024:.0f} KiB) of {len(MODELS)} corpus models; "
            f"{args.clients} client threads, each with a keep-alive connection to the registry.",
            "",
            "| mode | chunks | chunks/s | MB/s | p50 ms | p95 ms | registry CPU ms / 1000 chunks | gateway CPU ms / 1000 chunks |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r in results.items():
            gateway = f"{r['gateway_cpu'] * 1000:.0f}" if r["gateway_cpu"] is not None else "n/a"
            lines.append(f"| {name} | {r['chunks']} | {r['rate']:.0f} | {r['mbps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                         f"{r['registry_cpu'] * 1000:.0f} | {gateway} |")
        write_result("s3-downloads.md", "\n".join(lines) + "\n")
    finally:
        if registry:
            registry.kill()
        s3[5]()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
