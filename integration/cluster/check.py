#!/usr/bin/env python3
"""The cluster of issue #16 under faults, with the real programs: `cluster.py up` (PostgreSQL, Ceph RGW, two
registry replicas, nginx), then through nginx:

1. push, assign, and a real agent installs the model; both replicas answered API requests; pushes whose
   requests follow each other on one pooled upstream connection (a commit, then new chunks) succeed;
2. a chunk GET is cached by nginx (X-Cache-Status: HIT), still refused without a token, and Range is cut
   from the cached chunk;
3. a staged rollout while the replica leading fleet-wide work is killed with -9: devices keep checking in
   through nginx, the other replica takes the lease, the rollout completes, and exactly once;
4. two pushes of one version racing through different replicas: one commits, the other gets 409;
5. S3 stopped: a push fails with 503 and commits nothing; chunks nginx cached are still served.

    python3 integration/cluster/check.py --bin .build/release [--dir /var/tmp/mf-cluster-check]

Prints one line per check and exits 1 at the first that fails. Needs root (s3-ceph.sh), postgresql, nginx.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.environ.get("MODELFLEET_CORPUS", os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
MODELS = os.path.join(CORPUS, "models", "digits-mlp")


def check(ok, what, detail=""):
    print(("ok     " if ok else "FAILED ") + what + (f": {detail}" if detail and not ok else ""), flush=True)
    if not ok:
        raise SystemExit(1)


def http(url, token=None, method="GET", headers=None, body=None):
    request = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Cluster:
    def __init__(self, binaries, work):
        self.bin, self.work = binaries, work
        subprocess.run([sys.executable, os.path.join(HERE, "cluster.py"), "up", "--bin", binaries, "--dir", work], check=True,
                       stdout=subprocess.DEVNULL)
        self.state = json.load(open(os.path.join(work, "cluster.json")))
        self.url, self.admin, self.enroll = self.state["url"], self.state["admin_token"], self.state["enroll_token"]

    def down(self):
        subprocess.run([sys.executable, os.path.join(HERE, "cluster.py"), "down", "--dir", self.work], stdout=subprocess.DEVNULL)

    def fleetctl(self, *arguments, check_status=True, url=None):
        env = dict(os.environ, MODELFLEET_REGISTRY=url or self.url, MODELFLEET_TOKEN=self.admin)
        result = subprocess.run([os.path.join(self.bin, "fleetctl"), *arguments], cwd=self.work, env=env, capture_output=True, text=True)
        if check_status and result.returncode != 0:
            raise SystemExit(f"fleetctl {' '.join(arguments)} failed: {result.stderr}")
        return result

    def agent(self, name, labels="type=cam"):
        return subprocess.run(
            [os.path.join(self.bin, "modelfleet-agent"), "daemon", "--once", "--data-dir", os.path.join(self.work, name),
             "--registry", self.url, "--enroll-token", self.enroll, "--trust", os.path.join(self.work, "publisher.pub"),
             "--labels", labels], capture_output=True, text=True)

    def replica_requests(self, index):
        port = self.state["replicas"][index]["port"]
        _, _, body = http(f"http://127.0.0.1:{port}/metrics", self.admin)
        return sum(float(line.rsplit(" ", 1)[1]) for line in body.decode().splitlines()
                   if line.startswith("modelfleet_http_requests_total{"))


def live_version(work, name):
    target = os.path.realpath(os.path.join(work, name, "models", "digits-mlp", "current"))
    return json.load(open(os.path.join(target, "manifest.json")))["version"] if os.path.exists(target) else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    parser.add_argument("--dir", default="/var/tmp/mf-cluster-check")
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    cluster = Cluster(os.path.abspath(args.bin), args.dir)
    try:
        run(cluster)
    finally:
        cluster.down()


def run(c):
    # 1. The whole loop through the front.
    c.fleetctl("keys", "generate", "--out", "publisher.key")
    c.fleetctl("keys", "register", "publisher.pub")
    c.fleetctl("push", os.path.join(MODELS, "v1.onnx"), "--model", "digits-mlp", "--version", "1.0.0")
    c.fleetctl("assign", "digits-mlp", "--select", "type=cam")
    devices = [f"agent-{i}" for i in range(4)]
    for name in devices:
        result = c.agent(name)
        check(result.returncode == 0 and live_version(c.work, name) == "1.0.0", f"{name} installs 1.0.0 through nginx", result.stdout + result.stderr)
    counts = [c.replica_requests(i) for i in range(2)]
    check(all(n > 0 for n in counts), "both replicas answered API requests (round-robin)", f"{counts}")

    # 1b. Requests of different pushes following each other on one pooled upstream connection.
    pooled_pushes(c)

    # 2. The chunk cache.
    manifest = json.loads(http(f"{c.url}/v1/models/digits-mlp/versions/1.0.0?variant=fp32", c.admin)[2])
    digest = manifest["manifest"]["files"][0]["chunks"][0]["digest"] if "manifest" in manifest else None
    if digest is None:
        access = open(os.path.join(c.work, "nginx-access.log")).read()
        digest = access.split("GET /v1/chunks/", 1)[1].split(" ", 1)[0]
    chunk_url = f"{c.url}/v1/chunks/{digest}"
    first = http(chunk_url, c.admin)
    second = http(chunk_url, c.admin)
    check(second[0] == 200 and second[1].get("X-Cache-Status") == "HIT" and second[2] == first[2],
          "a chunk GET is answered from nginx's cache", f"{second[0]} {second[1].get('X-Cache-Status')}")
    check(http(chunk_url)[0] == 401, "a cached chunk is still refused without a token")
    ranged = http(chunk_url, c.admin, headers={"Range": "bytes=0-9"})
    check(ranged[0] == 206 and ranged[2] == first[2][:10], "a Range is cut from the cached chunk")

    # 3. Kill -9 the leading replica mid-rollout.
    c.fleetctl("push", os.path.join(MODELS, "v2.onnx"), "--model", "digits-mlp", "--version", "1.1.0", "--hold")
    created = json.loads(c.fleetctl("rollout", "create", "digits-mlp", "--version", "1.1.0", "--select", "type=cam",
                                    "--stages", "50,100", "--soak", "0s", "--json").stdout)
    rollout = created.get("id") or created.get("rollout", {}).get("id")
    leader = leader_index(c)
    os.kill(c.state["replicas"][leader]["pid"], signal.SIGKILL)
    deadline = time.time() + 120
    state = None
    while time.time() < deadline:
        for name in devices:
            c.agent(name)
        state = json.loads(c.fleetctl("rollout", "status", rollout, "--json").stdout)
        if state.get("state") == "completed" or state.get("rollout", {}).get("state") == "completed":
            break
        time.sleep(1)
    completed = json.dumps(state).count('"completed"') > 0
    check(completed, f"the rollout completes after replica {leader}, the leader, was killed with -9", json.dumps(state)[:300])
    check(all(live_version(c.work, name) == "1.1.0" for name in devices), "every device converged on 1.1.0")
    audit = c.fleetctl("audit").stdout
    check(audit.count("rollout.completed") == 1, "the rollout completed exactly once (one audit line)", audit[-500:])

    # 4. Two pushes of one version racing through the front (round-robin: different replicas).
    results = []
    def push():
        results.append(c.fleetctl("push", os.path.join(MODELS, "v3.onnx"), "--model", "digits-mlp", "--version", "1.2.0", check_status=False))
    threads = [threading.Thread(target=push) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    codes = sorted(r.returncode for r in results)
    check(codes[0] == 0 and codes[1] != 0 and "409" in next(r.stderr for r in results if r.returncode != 0),
          "two pushes of one version at once: one commits, the other gets 409", str([r.stderr[-200:] for r in results]))

    # 5. S3 down.
    subprocess.run([os.path.join(os.path.dirname(ROOT), "shared", "services", "s3-ceph.sh"), "stop", os.path.join(c.work, "s3")],
                   check=True, stdout=subprocess.DEVNULL)
    failed = c.fleetctl("push", os.path.join(MODELS, "v1.onnx"), "--model", "other", "--version", "1.0.0", "--codec", "zstd:19",
                        check_status=False)
    check(failed.returncode != 0 and "503" in failed.stderr, "with S3 down a push fails with 503", failed.stderr[-300:])
    check("other" not in c.fleetctl("models", "ls").stdout, "and nothing of it was committed")
    cached = http(chunk_url, c.admin)
    check(cached[0] == 200 and cached[2] == first[2], "chunks nginx cached are still served with S3 down")


def pooled_pushes(c):
    """A commit, then another model's new chunks, on one kept-alive upstream connection (nginx's `keepalive`
    pool makes that happen; pooled_proxy makes it certain). A release build aborted at the first chunk PUT
    after a commit on the same connection, taking down every replica nginx retried it on."""
    sys.path.insert(0, HERE)
    import pooled_proxy
    replica = c.state["replicas"][0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = pooled_proxy.start(port, replica["port"])
    try:
        url = f"http://127.0.0.1:{port}"
        pushes = [c.fleetctl("push", os.path.join(MODELS, "v1.onnx"), "--model", "digits-mlp", "--version", "0.9.0", check_status=False, url=url)]
        for name, path in [("magika", "magika-0.6.1/standard_v3_2.onnx"), ("vad", "silero-vad-5.1.2/silero_vad.onnx")]:
            pushes.append(c.fleetctl("push", os.path.join(CORPUS, "models", path), "--model", name, "--version", "1.0.0", check_status=False, url=url))
    finally:
        proxy.shutdown()
    alive = os.path.exists(f"/proc/{replica['pid']}") and "freed pointer" not in open(os.path.join(c.work, "replica-0.log"), errors="replace").read()
    check(all(p.returncode == 0 for p in pushes) and alive, "a commit then new chunks on one pooled connection: pushed, and the replica lives",
          " | ".join(p.stderr[-200:] for p in pushes))


def leader_index(c):
    """The replica whose log says it leads fleet-wide work (the registries log at warning; the lease line is notice)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        for index in range(len(c.state["replicas"])):
            log = open(os.path.join(c.work, f"replica-{index}.log"), errors="replace").read()
            if "now leads fleet-wide work" in log:
                return index
        time.sleep(0.5)
    raise SystemExit("no replica logged that it leads fleet-wide work")


if __name__ == "__main__":
    main()
