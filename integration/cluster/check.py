#!/usr/bin/env python3
"""The cluster of issue #16 under faults, with the real programs: `cluster.py up` (PostgreSQL, Ceph RGW, two
registry replicas, nginx), then through nginx:

1. push, assign, and a real agent installs the model; both replicas answered API requests; pushes whose
   requests follow each other on one pooled upstream connection (a commit, then new chunks) succeed;
2. a chunk GET is cached by nginx (X-Cache-Status: HIT), still refused without a token, and Range is cut
   from the cached chunk;
3. PostgreSQL restarted under load (a fast shutdown, ~5 s down, started again on its folder and port): while
   it is down, device check-ins and operator reads through nginx and at each replica are answered at once,
   with 200 from the replicas' 2 s caches or 503 `metadata_unreachable` saying the database cannot be reached,
   never a 500, a hang or a reset; a check-in answered 200 meanwhile is written once it is back; then every
   kind of request succeeds again through both replicas, which were not restarted, and exactly one of them
   holds the fleet-wide lease. (Before the kill -9, so both replicas live through it; step 4's rollout then
   shows fleet-wide work runs again after the restart.)
4. a staged rollout while the replica leading fleet-wide work is killed with -9: devices keep checking in
   through nginx, the other replica takes the lease, the rollout completes, and exactly once;
5. two pushes of one version racing through different replicas: one commits, the other gets 409;
6. S3 stopped: a push fails with 503 and commits nothing; chunks nginx cached are still served.

    python3 integration/cluster/check.py --bin .build/release [--dir /var/tmp/mf-cluster-check]

Prints one line per check and exits 1 at the first that fails. Needs root (s3-ceph.sh), postgresql (server and psql), nginx, ss.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import cluster  # this folder is on sys.path when check.py runs
import pooled_proxy

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

    # 3. PostgreSQL restarted under load.
    postgres_restart(c)

    # 4. Kill -9 the leading replica mid-rollout.
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

    # 5. Two pushes of one version racing through the front (round-robin: different replicas).
    results = []
    def push():
        results.append(c.fleetctl("push", os.path.join(MODELS, "v3.onnx"), "--model", "digits-mlp", "--version", "1.2.0", check_status=False))
    threads = [threading.Thread(target=push) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    codes = sorted(r.returncode for r in results)
    check(codes[0] == 0 and codes[1] != 0 and "409" in next(r.stderr for r in results if r.returncode != 0),
          "two pushes of one version at once: one commits, the other gets 409", str([r.stderr[-200:] for r in results]))

    # 6. S3 down.
    subprocess.run([cluster.S3_SCRIPT, "stop", os.path.join(c.work, "s3")],
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
    replica = c.state["replicas"][0]
    port = cluster.free_port()
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


# PostgresLocks.leadership, ("MFLT" << 32) | 6: PostgreSQL shows a bigint advisory key as classid (high half),
# objid (low half), objsubid 1.
LEASE_SQL = ("SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory'"
             " AND l.granted AND l.classid = 1296452692 AND l.objid = 6 AND l.objsubid = 1")


def lease_holders(c):
    """The replicas holding the fleet-wide lease as PostgreSQL sees it: the sessions holding its advisory lock,
    matched by their client port to the replica processes (ss). An index per replica, or 'pid N' for a stranger."""
    ports = subprocess.run(["psql", c.state["postgres"], "-Atc", LEASE_SQL], capture_output=True, text=True, check=True).stdout.split()
    server_port = postgres_port(c)
    holders = []
    for port in ports:
        line = subprocess.run(["ss", "-tnpH", f"sport = :{port} and dport = :{server_port}"], capture_output=True, text=True).stdout
        pid = int(line.split("pid=", 1)[1].split(",", 1)[0]) if "pid=" in line else None
        holders.append(next((i for i, r in enumerate(c.state["replicas"]) if r["pid"] == pid), f"pid {pid}"))
    return holders


def postgres_port(c):
    return c.state["postgres"].rsplit(":", 1)[1].split("/", 1)[0]


def leader_index(c, seconds=10):
    """The one replica leading fleet-wide work, once exactly one holds the lease (the scheduler asks every second)."""
    deadline, holders = time.time() + seconds, None
    while time.time() < deadline:
        try:
            holders = lease_holders(c)
        except subprocess.CalledProcessError:
            holders = None  # PostgreSQL not answering (yet)
        if holders is not None and len(holders) == 1 and isinstance(holders[0], int):
            return holders[0]
        time.sleep(0.5)
    raise SystemExit(f"no single replica held the fleet-wide lease within {seconds} s: {holders}")


def request(url, token, method="GET", body=None, timeout=15):
    """(status, body, seconds); status None when no HTTP answer came (a reset, a timeout): the text of the error."""
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, method=method, data=data, headers={"Content-Type": "application/json"} if data else {})
    call.add_header("Authorization", "Bearer " + token)
    started = time.time()
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:
            return response.status, response.read(), time.time() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.time() - started
    except Exception as error:  # noqa: BLE001 - every failure to answer is a result here
        return None, repr(error).encode(), time.time() - started


def checkin(base, device, installed=()):
    return request(f"{base}/v1/devices/{device['deviceID']}/checkin", device["token"], "POST", {"installed": list(installed), "state": "idle"})


class Load:
    """Device check-ins and operator reads in a loop, through nginx and at each replica directly, until stopped.
    Every answer is kept as (started, target, kind, status, body, seconds)."""

    def __init__(self, c, devices):
        self.records, self.stopping, self.lock = [], threading.Event(), threading.Lock()
        targets = [("nginx", c.url)] + [(f"replica {i}", f"http://127.0.0.1:{r['port']}") for i, r in enumerate(c.state["replicas"])]
        # Through nginx four devices check in and four operators list models; at each replica, one of each.
        jobs = [(targets[0], "check-in", d) for d in devices[:4]] + [(t, "check-in", d) for t, d in zip(targets[1:], devices[4:])]
        jobs += [(targets[0], "admin read", None)] * 4 + [(t, "admin read", None) for t in targets[1:]]
        self.series = sorted({(target[0], kind) for target, kind, _ in jobs})
        self.threads = [threading.Thread(target=self.loop, args=(job, c.admin), daemon=True) for job in jobs]
        for thread in self.threads:
            thread.start()

    def loop(self, job, admin):
        (target, base), kind, device = job
        while not self.stopping.is_set():
            started = time.time()
            status, body, seconds = checkin(base, device) if device else request(base + "/v1/models", admin)
            with self.lock:
                self.records.append((started, target, kind, status, body, seconds))
            time.sleep(0.05)

    def snapshot(self):
        with self.lock:
            return list(self.records)

    def recovered_since(self, since, answers=5):
        """True once every series has `answers` answers in a row, all 200, started after `since`."""
        records = [r for r in self.snapshot() if r[0] >= since]
        return all(len(tail := [r for r in records if (r[1], r[2]) == series][-answers:]) == answers and all(r[3] == 200 for r in tail)
                   for series in self.series)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def postgres_restart(c):
    """Step 3: see the module's docstring."""
    profile = {"arch": "aarch64", "ramBytes": 1 << 30, "diskBytes": 8 << 30, "engineVersion": "0.0.0", "labels": {"type": "load"}}
    enrolled = []
    for _ in range(8):
        status, body, _ = request(c.url + "/v1/devices/enroll", c.enroll, "POST", profile)
        if status != 201:
            check(False, "a load device enrolls through nginx", f"{status} {body[:200]}")
        enrolled.append(json.loads(body))
    load_devices, witnesses = enrolled[:6], enrolled[6:]
    replicas = [f"http://127.0.0.1:{r['port']}" for r in c.state["replicas"]]
    pids = [r["pid"] for r in c.state["replicas"]]
    leader_before = leader_index(c)
    load = Load(c, load_devices)
    time.sleep(3)
    baseline = load.snapshot()
    check(baseline and all(r[3] == 200 for r in baseline),
          f"under load ({len(load.series)} series of check-ins and operator reads, nginx and each replica): all 200",
          str([r[1:5] for r in baseline if r[3] != 200][:3]))

    # One witness device per replica checks in there just before the stop, and once more with a marker just
    # after it: that check-in is answered from the replica's caches (2 s), and what it reported must be written
    # once PostgreSQL is back (check-ins are buffered and written every second). An operator's reads refresh the
    # replica's caches of what a check-in reads besides its token and device (rollouts, assignments, trust).
    marker = {"model": "outage-witness", "version": "1.0.0", "variant": "fp32"}
    for base, witness in zip(replicas, witnesses):
        for path in ("/v1/rollouts", "/v1/assignments", "/v1/trust"):
            request(base + path, c.admin)
        checkin(base, witness)
    folder, port = os.path.join(c.work, "postgres"), postgres_port(c)
    stopping = time.time()
    subprocess.run([os.path.join(ROOT, "integration/postgres/stop.sh"), folder], check=True)  # pg_ctl stop -m fast
    down = time.time()
    witnessed = [checkin(base, witness, [marker]) for base, witness in zip(replicas, witnesses)]
    time.sleep(max(0.0, down + 5 - time.time()))
    starting = time.time()
    # start.sh on an existing folder starts that server again: same data, port and password.
    subprocess.run([os.path.join(ROOT, "integration/postgres/start.sh"), folder, port], check=True, stdout=subprocess.DEVNULL)
    up = time.time()
    deadline = up + 30
    while time.time() < deadline and not load.recovered_since(up):
        time.sleep(0.5)
    load.stop()
    records = load.snapshot()

    def series(record):
        return f"{record[2]} via {record[1]}"

    unanswered = [r for r in records if r[3] is None]
    check(not unanswered, f"PostgreSQL stopped (fast shutdown) {down - stopping:.1f} s, down {starting - down:.1f} s, started again: "
          f"every one of {len(records)} requests got an HTTP answer (no reset, no timeout)",
          "; ".join(f"{series(r)} at +{r[0] - stopping:.1f} s: {r[4][:150]}" for r in unanswered[:5]))
    odd = [r for r in records if r[3] not in (200, 503)]
    check(not odd, "every answer was 200 or 503 (no 500, no 502 from nginx)",
          "; ".join(f"{series(r)} at +{r[0] - stopping:.1f} s: {r[3]} {r[4][:200]}" for r in odd[:5]))
    outage = [r for r in records if down <= r[0] < starting]
    slowest = max((r for r in records if r[0] >= stopping), key=lambda r: r[5])
    check(slowest[5] < 3, f"requests from the stop on were answered at once (slowest {slowest[5]:.2f} s), not held",
          f"{series(slowest)} took {slowest[5]:.1f} s")
    refusals = [r for r in records if r[3] == 503]
    unclear = []
    for r in refusals:
        try:
            answer = json.loads(r[4]).get("error", {})
        except (ValueError, AttributeError):
            answer = {}
        if answer.get("code") != "metadata_unreachable" or "metadata database" not in answer.get("message", ""):
            unclear.append(r)
    check(refusals, "requests were refused with 503 while it was down")
    check(not unclear, f"every 503 ({len(refusals)}) is JSON, code metadata_unreachable, naming the metadata database",
          "; ".join(f"{series(r)}: {r[4][:200]}" for r in unclear[:3]))
    example = next((r for r in refusals if r[2] == "check-in"), refusals[0])
    print(f"       e.g. a {series(example)}: {example[3]} {example[4].decode(errors='replace')}", flush=True)
    # An operator's reads go to PostgreSQL. (Those started in its last second may get a connection once it is back.)
    reads = {target: [r for r in outage if r[1:3] == (target, "admin read") and r[0] < starting - 1] for target, _ in load.series}
    check(all(during and all(r[3] == 503 for r in during) for during in reads.values()),
          "operator reads during the outage: all 503 (" + ", ".join(f"{len(during)} via {target}" for target, during in reads.items()) + ")",
          str({target: [r[3] for r in during] for target, during in reads.items()}))
    # A device's check-in is answered from the replica's caches while they last (2 s), then with 503 (again: but
    # those started in its last second may get a connection once it is back).
    checkins_during = [r for r in outage if r[2] == "check-in" and r[0] < starting - 1]
    served = [r for r in checkins_during if r[3] == 200]
    check(checkins_during and all(r[0] < stopping + 2.5 for r in served) and any(r[3] == 503 for r in checkins_during),
          f"check-ins during the outage: {len(served)} answered from the 2 s caches (all in its first "
          f"{max([r[0] - stopping for r in served], default=0):.1f} s), {len(checkins_during) - len(served)} with 503",
          str([(round(r[0] - stopping, 1), r[3]) for r in checkins_during]))

    after = [r for r in records if r[0] >= up]
    failing = [r for r in after if r[3] != 200]
    recovered = max([r[0] + r[5] for r in failing], default=up) - up
    check(load.recovered_since(up) and recovered < 10,
          "once it is back every kind of request succeeds again, through nginx and at each replica ("
          + (f"{len(failing)} failed after start.sh returned, the last ending {recovered:.1f} s after it)" if failing
             else "all 200 from when start.sh returned)"),
          "; ".join(f"{s}: {[r[3] for r in after if (r[1], r[2]) == s][-8:]}" for s in load.series))
    alive = [cluster.running(pid) and open(os.path.join(c.work, f"replica-{index}.log"), errors="replace").read().count(" listening on ") == 1
             for index, pid in enumerate(pids)]
    check(all(alive), f"no replica was restarted (pids {pids} alive, each started once)", str(alive))
    leader_after = leader_index(c)
    check(len(lease_holders(c)) == 1, f"exactly one replica holds the fleet-wide lease again (replica {leader_before} "
          f"before, replica {leader_after} after)")

    answered = [(witness, w) for witness, w in zip(witnesses, witnessed) if w[0] == 200]
    check(answered, "a check-in just after the stop was answered from a replica's caches",
          str([(w[0], w[1][:150]) for w in witnessed]))
    deadline, missing = time.time() + 10, answered
    while missing and time.time() < deadline:
        time.sleep(0.5)
        missing = [(witness, w) for witness, w in answered
                   if marker not in json.loads(request(f"{c.url}/v1/devices/{witness['deviceID']}", c.admin)[1] or b"{}")
                   .get("device", {}).get("installed", [])]
    check(not missing, f"and what it reported was written once PostgreSQL was back ({len(answered)} of {len(witnesses)} witnesses)",
          str([w["deviceID"] for w, _ in missing]))


if __name__ == "__main__":
    main()
