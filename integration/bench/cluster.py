#!/usr/bin/env python3
"""One registry on SQLite vs a cluster (issue #16), in the same run, on the same machine.

The single registry is started as registry.py and rollout.py start it (its defaults: SQLite WAL, chunks on
disk). The cluster is `integration/cluster/cluster.py up --replicas 2`: PostgreSQL, a Ceph RADOS Gateway for
the chunks, two replicas, nginx in front (round-robin, chunk GETs cached after an auth_request). Each is set
up alike: digits-mlp 1.0.0 and 2.0.0 pushed, 1.0.0 assigned, --devices devices enrolled (rollout.py's
`publish` and `enroll`, through the front), then:

1. Check-ins/s: wrk (1 thread, 32 keep-alive connections, --rounds runs of --duration s) posting check-ins
   of every enrolled device in turn, each with its own token (registry.py's script). Over the runs, CPU
   seconds per component from /proc/PID/stat (a process and its descendants, exited ones through their
   parent's cutime/cstime): the registry or replicas, PostgreSQL (the postmaster of the cluster's data folder
   and its backends), nginx (master and workers), Ceph (mon, osd, radosgw), wrk itself, and the whole machine
   (/proc/stat; what no component accounts for is other work on the machine). For PostgreSQL, per check-in:
   write transactions (transaction ids assigned), committed transactions and rows inserted/updated/deleted
   (pg_stat_database, read once the backends flushed their counters), and WAL bytes; each less the background
   rate of an idle window just before.
2. Chunk GETs/s: one 64 KiB incompressible chunk (stored as registry.py stores it), fetched with a device's
   token (what devices send; an operator's token makes a replica read through its caches to PostgreSQL):
   from the single registry, straight from one replica, and through nginx once its cache holds the chunk
   (a second GET answers X-Cache-Status: HIT, checked before the runs).
3. A staged rollout (5% -> 25% -> 100%, zero soak) of 2.0.0 over the enrolled devices, rollout.py's
   `staged_rollout`, through the single registry and through the cluster's front.

    python3 integration/bench/cluster.py [--bin .build/release] [--dir /var/tmp/mf-clusterbench] [--devices 10000]
                                         [--duration 10] [--rounds 3] [--replicas 2] [--threads 32]

Needs root, wrk, nginx, postgresql (psql), and what cluster.py needs. Writes results/cluster.md when the
binaries are a release build (a folder named release); otherwise only prints. The cluster is always brought down.
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from common import (ROOT, checkin_script, machine, machine_busy_seconds, request, start_registry, tree_cpu_seconds,
                    wrk_run, write_result)
from rollout import Client, enroll, publish, staged_rollout

CLUSTER = os.path.join(ROOT, "integration", "cluster", "cluster.py")
CHECKIN = {"installed": [{"model": "digits-mlp", "version": "1.0.0", "variant": "fp32"}], "state": "idle"}
# PostgreSQL backends publish their statistics when idle, at most 10 s late (PGSTAT_IDLE_INTERVAL).
STATS_SETTLE = 12


def cpu(groups):
    """CPU seconds so far of each component: {name: [root pids]}."""
    return {name: sum(tree_cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}


def load(url, args, groups, script=None, headers=()):
    """--rounds wrk runs against url, with the CPU each component spent over them."""
    before, busy, started = cpu(groups), machine_busy_seconds(), time.perf_counter()
    runs = [wrk_run(url, args.duration, script, headers) for _ in range(args.rounds)]
    after, busy, wall = cpu(groups), machine_busy_seconds() - busy, time.perf_counter() - started
    spent = {name: after[name] - before[name] for name in groups}
    spent["wrk (client)"] = sum(run["cpu"] for run in runs)
    return {"rps": statistics.median(run["rps"] for run in runs), "runs": [run["rps"] for run in runs],
            "requests": sum(run["requests"] for run in runs), "cpu": spent, "busy": busy, "wall": wall}


def psql(url, query):
    return subprocess.run(["psql", url, "-AtF", "\t", "-c", query], check=True, capture_output=True, text=True).stdout.split()


def pg_counters(url):
    """PostgreSQL's counters for the registry's database: next transaction id and WAL position (exact at once),
    committed transactions and rows written (pg_stat_database), and per table rows written and index scans
    (pg_stat_user_tables) as the backends have flushed them so far."""
    xid, lsn = psql(url, "SELECT pg_snapshot_xmax(pg_current_snapshot()), pg_current_wal_lsn() - '0/0'")
    commits, rows = psql(url, "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
                              "WHERE datname = current_database()")
    counters = {"xids": int(xid), "wal": float(lsn), "commits": int(commits), "rows": int(rows)}
    tables = psql(url, "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del, coalesce(idx_scan, 0) FROM pg_stat_user_tables")
    for table, written, scans in zip(tables[0::3], tables[1::3], tables[2::3]):
        counters[f"rows {table}"], counters[f"scans {table}"] = int(written), int(scans)
    return counters


def pg_per_checkin(url, run):
    """Runs `run` (returning a load() result) between PostgreSQL readings; returns its result with "pg": the
    counters' growth per check-in, less the background rate (leases, rollout checks) of an idle window before it."""
    time.sleep(STATS_SETTLE)
    idle_start, idle_started = pg_counters(url), time.perf_counter()
    time.sleep(STATS_SETTLE)
    idle_end, idle_seconds = pg_counters(url), time.perf_counter() - idle_started
    before, started = pg_counters(url), time.perf_counter()
    result = run()
    exact, exact_seconds = pg_counters(url), time.perf_counter() - started
    time.sleep(STATS_SETTLE)
    flushed, flushed_seconds = pg_counters(url), time.perf_counter() - started
    # Transaction ids and the WAL position are exact at once; pg_stat_database's counters only once flushed.
    after = {key: (exact if key in ("xids", "wal") else flushed).get(key, 0) for key in before}
    window = {key: exact_seconds if key in ("xids", "wal") else flushed_seconds for key in before}
    background = {key: (idle_end.get(key, 0) - idle_start.get(key, 0)) / idle_seconds for key in before}
    result["pg"] = {key: max(0.0, after[key] - before[key] - background[key] * window[key]) / result["requests"] for key in before}
    result["pg_background"] = background
    return result


def fetch(url, token):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as response:
        return response.status, response.headers.get("X-Cache-Status"), response.read()


def store_chunk(base, admin):
    """A 64 KiB incompressible chunk, stored as is (as registry.py stores it); returns its digest."""
    blob = os.urandom(65536)
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    request(f"{base}/v1/chunks/{digest}", "PUT", admin, blob,
            {"ModelFleet-Codec": "identity", "ModelFleet-Length": "65536", "Content-Type": "application/octet-stream"})
    return digest


def prepare(base, admin, enroll_token, fleetctl, work, args):
    """Models pushed, devices enrolled, the check-in script written, one check-in answer checked."""
    publish(fleetctl, base, admin, work)
    client = Client(base)
    devices, enroll_seconds = enroll(client, enroll_token, args.devices, args.threads)
    answer = client.request("POST", f"/v1/devices/{devices[0]['deviceID']}/checkin", devices[0]["token"], CHECKIN)
    assert any(d["model"] == "digits-mlp" for d in answer["desired"]), answer
    script = os.path.join(work, "checkin.lua")
    checkin_script(script, devices, json.dumps(CHECKIN))
    return client, devices, enroll_seconds, script


def single(args, fleetctl, stages):
    work = tempfile.mkdtemp(prefix="cluster-bench-single-", dir="/var/tmp")
    server, base, admin, enroll_token = start_registry(os.path.join(args.bin, "modelfleet-registry"), f"{work}/data")
    results = {}
    try:
        client, devices, results["enroll"], script = prepare(base, admin, enroll_token, fleetctl, work, args)
        groups = {"registry": [server.pid]}
        print("single registry: check-ins", file=sys.stderr)
        results["checkin"] = load(base + "/", args, groups, script=script)
        token = devices[0]["token"]
        digest = store_chunk(base, admin)
        assert fetch(f"{base}/v1/chunks/{digest}", token)[0] == 200
        print("single registry: chunk GETs", file=sys.stderr)
        results["chunk"] = load(f"{base}/v1/chunks/{digest}", args, groups, headers=[f"Authorization: Bearer {token}"])
        print("single registry: rollout", file=sys.stderr)
        results["rollout"] = staged_rollout(client, admin, devices, args.threads, stages)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return results


def pid_file(path):
    with open(path) as f:
        return int(f.readline())


def cluster(args, fleetctl, stages):
    work = os.path.abspath(args.dir)
    shutil.rmtree(work, ignore_errors=True)
    results = {}
    try:
        subprocess.run([sys.executable, CLUSTER, "up", "--bin", args.bin, "--dir", work, "--replicas", str(args.replicas)],
                       check=True, stdout=subprocess.DEVNULL)
        state = json.load(open(os.path.join(work, "cluster.json")))
        base, admin, postgres = state["url"], state["admin_token"], state["postgres"]
        replica = f"http://127.0.0.1:{state['replicas'][0]['port']}"
        client, devices, results["enroll"], script = prepare(base, admin, state["enroll_token"], fleetctl, work, args)
        groups = {"registry": [r["pid"] for r in state["replicas"]],
                  "PostgreSQL": [pid_file(os.path.join(work, "postgres", "data", "postmaster.pid"))],
                  "nginx": [state["nginx"]],
                  "Ceph": [pid_file(os.path.join(work, "s3", "run", f"{name}.pid")) for name in ("mon.a", "osd.0", "client.rgw.gw")]}
        print("cluster: check-ins (with PostgreSQL counters; idle windows of "
              f"{STATS_SETTLE} s around it)", file=sys.stderr)
        results["checkin"] = pg_per_checkin(postgres, lambda: load(base + "/", args, groups, script=script))
        token = devices[0]["token"]
        digest = store_chunk(base, admin)
        auth = [f"Authorization: Bearer {token}"]
        assert fetch(f"{replica}/v1/chunks/{digest}", token)[0] == 200
        print("cluster: chunk GETs straight from one replica", file=sys.stderr)
        results["chunk replica"] = load(f"{replica}/v1/chunks/{digest}", args, groups, headers=auth)
        fetch(f"{base}/v1/chunks/{digest}", token)
        status, cache, body = fetch(f"{base}/v1/chunks/{digest}", token)
        if status != 200 or cache != "HIT" or len(body) != 65536:
            raise SystemExit(f"the second chunk GET through nginx was not a cache hit: {status} X-Cache-Status {cache}")
        print("cluster: chunk GETs through nginx's cache", file=sys.stderr)
        results["chunk nginx"] = load(f"{base}/v1/chunks/{digest}", args, groups, headers=auth)
        print("cluster: rollout", file=sys.stderr)
        results["rollout"] = staged_rollout(client, admin, devices, args.threads, stages)
    except BaseException:
        for log in ["nginx-error.log"] + [f"replica-{index}.log" for index in range(args.replicas)]:
            path = os.path.join(work, log)
            if os.path.exists(path):
                tail = open(path, errors="replace").read().splitlines()[-15:]
                print(f"--- last lines of {path}:\n" + "\n".join(line[:400] for line in tail), file=sys.stderr)
        raise
    finally:
        subprocess.run([sys.executable, CLUSTER, "down", "--dir", work], stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    return results


COMPONENTS = ["registry", "PostgreSQL", "nginx", "Ceph", "wrk (client)"]


def cpu_rows(columns):
    """CPU ms per 1,000 requests and average cores busy, per component, for each (title, load result)."""
    rows = []
    for name in COMPONENTS + ["other processes", "whole machine"]:
        cells = []
        for _, result in columns:
            if name == "whole machine":
                seconds = result["busy"]
            elif name == "other processes":
                seconds = max(0.0, result["busy"] - sum(result["cpu"].values()))
            elif name in result["cpu"]:
                seconds = result["cpu"][name]
            else:
                cells.append("–")
                continue
            cells.append(f"{seconds * 1e6 / result['requests']:.0f} ms ({seconds / result['wall']:.2f} cores)")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def bottleneck(result):
    parts = sorted(((seconds, name) for name, seconds in result["cpu"].items()), reverse=True)
    cores = os.cpu_count()
    busy = result["busy"] / result["wall"]
    share = ", ".join(f"{name} {100 * seconds / result['busy']:.0f}%" for seconds, name in parts if seconds > 0)
    return f"machine {busy:.2f} of {cores} cores busy; of that: {share}"


def per_table(pg):
    tables = sorted({key.split(" ", 1)[1] for key in pg if " " in key})
    parts = [f"{table} {pg['rows ' + table]:.2f} rows written, {pg['scans ' + table]:.2f} index scans" for table in tables
             if pg.get("rows " + table, 0) >= 0.005 or pg.get("scans " + table, 0) >= 0.005]
    return "; ".join(parts) or "none"


def rollout_row(name, enroll_seconds, r, devices):
    stages = ", ".join(f"{percent}%: {count} at {at:.1f} s" for percent, count, at in r["reached"])
    return (f"| {name} | {enroll_seconds:.1f} s | **{r['seconds']:.1f} s** | {r['rounds']} | {r['checkins']} | "
            f"**{r['checkins'] / r['seconds']:.0f}** | {stages} | {'yes' if r['converged'] else 'NO'}, {r['outside']} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"), help="folder of modelfleet-registry and fleetctl")
    parser.add_argument("--dir", default="/var/tmp/mf-clusterbench", help="the cluster's folder (emptied first, removed after)")
    parser.add_argument("--devices", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per workload (median reported)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32, help="client threads enrolling and rolling out")
    parser.add_argument("--stages", default="5,25,100")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    stages = [int(s) for s in args.stages.split(",")]
    fleetctl = os.path.join(args.bin, "fleetctl")

    lone = single(args, fleetctl, stages)
    fleet = cluster(args, fleetctl, stages)

    release = os.path.basename(args.bin.rstrip("/")) == "release"
    one, two = lone["checkin"], fleet["checkin"]
    pg = two["pg"]
    mb = lambda r: r["rps"] * 65536 / 1e6
    chunk_rows = []
    for name, r, columns in [("single registry (SQLite, chunks on local disk)", lone["chunk"], ["registry"]),
                             ("one replica, straight (chunks in Ceph RGW, replica's memory cache)", fleet["chunk replica"], ["registry", "nginx", "Ceph"]),
                             ("through nginx, cache warm (X-Cache-Status: HIT; auth_request HEAD to a replica each)", fleet["chunk nginx"], ["registry", "nginx", "Ceph"])]:
        cpu_text = ", ".join(f"{component} {r['cpu'][component] * 1e6 / r['requests']:.0f}" for component in columns + ["wrk (client)"])
        chunk_rows.append(f"| {name} | {r['rps']:.0f} | {mb(r):.0f} | {cpu_text} | {[round(x) for x in r['runs']]} |")
    text = f"""# Cluster vs single registry (issue #16)

`python3 integration/bench/cluster.py --devices {args.devices} --duration {args.duration} --rounds {args.rounds} --replicas {args.replicas}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}; {'release build' if release else f'binaries from {args.bin}'}. Single: one registry on its defaults (SQLite WAL, chunks on disk). Cluster: `integration/cluster/cluster.py up --replicas {args.replicas}`: PostgreSQL 15 (fsync off), Ceph RGW for the chunks, {args.replicas} replicas, nginx (2 workers, access log on) round-robin in front. Everything, wrk included, shares the machine's {os.cpu_count()} cores, so the CPU split says where the time goes, not what each part could do on its own machine. wrk 1 thread, 32 keep-alive connections, {args.rounds} x {args.duration} s per workload (median req/s; CPU over all runs).

### Check-ins ({args.devices} enrolled devices, each with its own token, in turn)

| | single (SQLite) | cluster ({args.replicas} replicas + PostgreSQL behind nginx) |
|---|---:|---:|
| **check-ins/s** (median) | **{one['rps']:.0f}** | **{two['rps']:.0f}** |
| runs | {[round(x) for x in one['runs']]} | {[round(x) for x in two['runs']]} |
{chr(10).join(cpu_rows([('single', one), ('cluster', two)]))}

CPU per 1,000 check-ins (average cores busy over the runs); "registry" is the sum of the replicas in the cluster; "other processes" is what the machine spent beyond the listed components (other work on a shared machine, this script).

- Single: {bottleneck(one)}.
- Cluster: {bottleneck(two)}.

PostgreSQL per check-in (cluster; less an idle window's background of {two['pg_background']['xids']:.1f} write transactions/s): **{pg['xids']:.3f} write transactions** (transaction ids assigned), {pg['commits']:.3f} committed transactions (pg_stat_database.xact_commit, reads included), **{pg['rows']:.2f} rows written** (tup_inserted + tup_updated + tup_deleted), {pg['wal']:.0f} WAL bytes. By table (pg_stat_user_tables; index scans are the reads that missed the replicas' caches): {per_table(pg)}. Check-ins and token uses are written behind, in batches (one transaction per flush).

### 64 KiB chunk GETs (a device's token)

| path | GETs/s | MB/s | CPU ms per 1,000 GETs | runs |
|---|---:|---:|---|---|
{chr(10).join(chunk_rows)}

### Staged rollout of 2.0.0 over {args.devices} devices (rollout.py's, {' -> '.join(f'{s}%' for s in stages)}, zero soak, {args.threads} client threads)

| | enroll {args.devices} | rollout complete | rounds | check-ins | check-ins/s | stages reached (devices in cohort on 2.0.0, after) | all converged, outside cohort |
|---|---:|---:|---:|---:|---:|---|---|
{rollout_row('single (SQLite)', lone['enroll'], lone['rollout'], args.devices)}
{rollout_row(f'cluster ({args.replicas} replicas, through nginx)', fleet['enroll'], fleet['rollout'], args.devices)}

Devices are simulated in Python (one keep-alive connection per thread), so rollout check-in rates are bounded by the client as much as by the servers.
"""
    if release:
        write_result("cluster.md", text)
    else:
        print(text)
        print("(not written to results/: not a release build)", file=sys.stderr)


if __name__ == "__main__":
    main()
