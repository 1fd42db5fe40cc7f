#!/usr/bin/env python3
"""Replays hostile and unlucky requests (issue #15) against release builds of the registry and the agent
on loopback, and checks every answer. Each check prints `ok` or `FAILED` with what it saw; the last line
is `N passed, N failed`, and the exit status is non-zero on any failure.

    python3 integration/hostile/replay.py [--bin DIR] [--only SUBSTRING]

Builds `swift build -c release` first unless --bin names a folder holding the three programs. Every
request loop is bounded in count and time; nothing leaves 127.0.0.1.
"""
import argparse
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "integration", "bench"))
import common  # noqa: E402  (release build, registry start, CPU model)

RESULTS = []


def check(name, ok, seen):
    RESULTS.append((name, ok))
    print(f"{'ok    ' if ok else 'FAILED'} {name}: {' '.join(str(seen).split())}", flush=True)


def request(base, method, path, body=None, headers=None, timeout=30):
    """(status, headers, body bytes) of one request on a fresh connection; status None (and the error as
    the body) when the connection failed, e.g. because the server died."""
    host, port = base.replace("http://", "").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    payload = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    try:
        connection.request(method, path, body=payload, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except (OSError, http.client.HTTPException) as error:
        return None, {}, repr(error).encode()
    finally:
        connection.close()


def raw(base, data, timeout=10):
    """Sends raw bytes on a new connection; returns what came back before the server closed or went quiet."""
    host, port = base.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), None)
                    if length is not None and len(rest) >= length:
                        break
        except socket.timeout:
            pass
    return b"".join(chunks)


def json_error(data):
    """(code, message) of a JSON error body; the agent's local API sends a message without a code."""
    try:
        error = json.loads(data)["error"]
        return error.get("code"), error["message"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def healthz_ms(base):
    start = time.perf_counter()
    status, _, _ = request(base, "GET", "/healthz", timeout=10)
    return (time.perf_counter() - start) * 1000 if status == 200 else float("inf"), status


class Fleet:
    """A registry with sample-mlp 1.0.0 published and an agent daemon serving it on its local API."""

    def __init__(self, bin_dir, work):
        self.bin = bin_dir
        self.work = work
        self.registry, self.url, self.admin, enroll = common.start_registry(
            os.path.join(bin_dir, "modelfleet-registry"), os.path.join(work, "registry"))
        env = dict(os.environ, MODELFLEET_REGISTRY=self.url, MODELFLEET_TOKEN=self.admin)
        fleetctl = os.path.join(bin_dir, "fleetctl")
        key = os.path.join(work, "publisher.key")
        for args in (["keys", "generate", "--out", key], ["keys", "register", key.replace(".key", ".pub")],
                     ["push", os.path.join(ROOT, "integration/sample-model/v1.onnx"), "--model", "sample-mlp",
                      "--version", "1.0.0", "--key", key],
                     ["assign", "sample-mlp", "--select", "type=hostile"]):
            subprocess.run([fleetctl] + args, env=env, check=True, stdout=subprocess.DEVNULL)
        self.agent_log = open(os.path.join(work, "agent.log"), "w+")
        self.agent = subprocess.Popen(
            [os.path.join(bin_dir, "modelfleet-agent"), "daemon", "--data-dir", os.path.join(work, "device"),
             "--registry", self.url, "--enroll-token", enroll, "--trust", key.replace(".key", ".pub"),
             "--labels", "type=hostile", "--listen", "127.0.0.1:0", "--checkin-interval", "3600"],
            stdout=self.agent_log, stderr=subprocess.STDOUT)
        self.api = self._wait_for_api()

    def _wait_for_api(self):
        deadline = time.time() + 60
        while time.time() < deadline:
            self.agent_log.seek(0)
            for line in self.agent_log:
                if "local API on" in line:
                    api = line.split("local API on ", 1)[1].split()[0]
                    # Wait until the model is live, so the checks exercise a real model.
                    while time.time() < deadline:
                        status, _, body = request(api, "GET", "/v1/models")
                        if status == 200 and b"sample-mlp" in body:
                            return api
                        time.sleep(0.2)
            time.sleep(0.2)
        raise SystemExit("the agent did not serve sample-mlp within 60 s; see " + self.agent_log.name)

    def stop(self):
        for process in (self.agent, self.registry):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def agent_checks(fleet):
    api = fleet.api
    infer = "/v1/models/sample-mlp/infer"
    for name, tensor in (
        ("agent: JSON shape whose element count overflows", {"shape": [4294967296, 4294967296], "dtype": "float32", "data": []}),
        ("agent: base64 shape whose byte count overflows", {"shape": [4611686018427387904], "dtype": "float32", "base64": ""}),
        ("agent: negative dimension", {"shape": [-1, 64], "dtype": "float32", "data": []}),
    ):
        status, _, body = request(api, "POST", infer, {"inputs": {"x": tensor}})
        alive = request(api, "GET", "/v1/models")[0] == 200
        check(name, status == 400 and json_error(body) is not None and alive, f"{status} {body[:120]!r}, agent alive: {alive}")

    # A valid request still works afterwards.
    values = [0.0] * 64
    status, _, body = request(api, "POST", infer, {"inputs": {"x": {"shape": [1, 64], "dtype": "float32", "data": values}}})
    check("agent: a valid inference after the hostile ones", status == 200, f"{status} {body[:80]!r}")

    # Many concurrent requests on the local API: all answered, none waits seconds.
    latencies, failures = [], []

    def one():
        start = time.perf_counter()
        status, _, _ = request(api, "GET", "/v1/models", timeout=20)
        (latencies if status == 200 else failures).append(time.perf_counter() - start)

    threads = [threading.Thread(target=one) for _ in range(300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("inf")
    check("agent: 300 concurrent local-API requests", not failures and p99 < 2.0,
          f"{len(latencies)} answered, {len(failures)} failed, p99 {p99 * 1000:.0f} ms")

    # A registry URL that is not http(s) is refused at start, with a message.
    result = subprocess.run([os.path.join(fleet.bin, "modelfleet-agent"), "daemon", "--once", "--data-dir",
                             os.path.join(fleet.work, "device-file"), "--registry", "file:///etc/passwd",
                             "--enroll-token", "x", "--trust", os.path.join(fleet.work, "publisher.pub")],
                            capture_output=True, text=True, timeout=30)
    check("agent: file:// registry URL refused", result.returncode != 0 and "file" in result.stderr,
          f"exit {result.returncode}: {result.stderr.strip()[:160]}")


def registry_checks(fleet):
    url, token = fleet.url, {"Authorization": f"Bearer {fleet.admin}"}

    digests = [f"sha256:{i:064x}" for i in range(100_000)]
    start = time.perf_counter()
    status, _, body = request(url, "POST", "/v1/chunks/missing", {"digests": digests}, token, timeout=60)
    seconds = time.perf_counter() - start
    check("registry: 100k digests to /v1/chunks/missing in < 1 s", status == 200 and seconds < 1.0, f"{status} in {seconds:.2f} s")

    # Two large requests at once must not stall /healthz.
    worst = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            worst.append(healthz_ms(url)[0])
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    big = [threading.Thread(target=request, args=(url, "POST", "/v1/chunks/missing", {"digests": digests[:60_000]}, token, 60))
           for _ in range(2)]
    for thread in big:
        thread.start()
    for thread in big:
        thread.join()
    stop.set()
    watcher.join()
    check("registry: /healthz < 100 ms during two 60k-digest requests", max(worst) < 100, f"worst {max(worst):.0f} ms over {len(worst)} probes")

    for name, body in (("selector a=b=c", "a=b=c"), ("selector a==b", "a==b"), ("selector ','", ",")):
        status, _, data = request(url, "PUT", "/v1/assignments", {"model": "sample-mlp", "selector": body}, token)
        check(f"registry: {name} refused", status == 400 and json_error(data) is not None, f"{status} {data[:120]!r}")

    enroll = {"Authorization": f"Bearer {open(os.path.join(fleet.work, 'registry', 'enroll.token')).read().strip()}"}
    profile = {"arch": "x" * 10_000, "ramBytes": 1 << 30, "diskBytes": 1 << 30, "engineVersion": "0.1.0"}
    status, _, data = request(url, "POST", "/v1/devices/enroll", {"profile": profile}, enroll)
    check("registry: 10,000-character arch refused", status == 400 and json_error(data) is not None, f"{status} {data[:120]!r}")
    profile = {"arch": "x86_64", "ramBytes": 1e30, "diskBytes": 1 << 30, "engineVersion": "0.1.0"}
    status, _, data = request(url, "POST", "/v1/devices/enroll", {"profile": profile}, enroll)
    error = json_error(data)
    check("registry: ramBytes 1e30 refused naming the field", status == 400 and error is not None and "ramBytes" in error[1],
          f"{status} {data[:160]!r}")

    digest = "sha256:" + "0" * 64
    status, _, data = request(url, "GET", "/v1/chunks/" + digest.replace(":", "%3A"), headers=token)
    check("registry: percent-encoded digest in a path is decoded", status == 404 and json_error(data) is not None
          and "not valid" not in json_error(data)[1], f"{status} {data[:120]!r}")

    for name, payload in (("duplicate keys", b'{"model":"a","model":"b","selector":""}'),
                          ("a byte-order mark", b'\xef\xbb\xbf{"model":"sample-mlp","selector":""}')):
        status, _, data = request(url, "PUT", "/v1/assignments", payload, dict(token, **{"Content-Type": "application/json"}))
        check(f"registry: body with {name} refused", status == 400 and json_error(data) is not None, f"{status} {data[:120]!r}")

    status, headers, data = request(url, "TRACE", "/v1/models", headers=token)
    check("registry: TRACE answered 405 with Allow", status == 405 and "Allow" in headers, f"{status} {headers.get('Allow')}")

    for name, data in (("non-ASCII path bytes", b"GET /v1/models/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ("control characters in a header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n"),
                       ("a 1 MB header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")):
        answer = raw(url, data)
        head, _, body = answer.partition(b"\r\n\r\n")
        status = head.split(b" ")[1].decode() if head.count(b" ") >= 1 else "none"
        check(f"registry: {name} answered with a JSON 4xx", status.startswith("4") and json_error(body) is not None,
              f"{status} {body[:100]!r}")


def slow_client_checks(fleet, connections=300, seconds=6):
    """Idle and half-sent connections while /healthz is probed: it must stay under 100 ms."""
    host, port = fleet.url.replace("http://", "").split(":")
    sockets = []
    for index in range(connections):
        try:
            sock = socket.create_connection((host, int(port)), timeout=5)
            if index % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
            else:
                sock.sendall(b"PUT /v1/chunks/sha256:" + b"0" * 64 + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"a" * 10)
            sockets.append(sock)
        except OSError:
            break
    worst = 0.0
    deadline = time.time() + seconds
    while time.time() < deadline:
        worst = max(worst, healthz_ms(fleet.url)[0])
        time.sleep(0.05)
    for sock in sockets:
        sock.close()
    check(f"registry: /healthz < 100 ms beside {len(sockets)} idle and half-sent connections", worst < 100, f"worst {worst:.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", help="folder with release builds of the three programs (default: build them)")
    parser.add_argument("--only", help="run only the groups whose name contains this (agent, registry, slow)")
    args = parser.parse_args()
    bin_dir = args.bin or os.path.dirname(common.build_release("modelfleet-registry"))
    if not args.bin:
        common.build_release("modelfleet-agent")
        common.build_release("fleetctl")
    print(f"# {common.machine()}; programs from {bin_dir}")
    with tempfile.TemporaryDirectory() as work:
        fleet = Fleet(bin_dir, work)
        try:
            for name, group in (("agent", agent_checks), ("registry", registry_checks), ("slow", slow_client_checks)):
                if not args.only or args.only in name:
                    group(fleet)
        finally:
            fleet.stop()
    passed = sum(1 for _, ok in RESULTS if ok)
    print(f"{passed} passed, {len(RESULTS) - passed} failed")
    return 0 if passed == len(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
