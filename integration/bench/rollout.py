#!/usr/bin/env python3
"""A 3-stage rollout over a simulated fleet, against the real registry.

N lightweight simulated devices (default 10,000: enrolled with their own tokens, each checking in over
HTTP keep-alive connections from a pool of threads) run 1.0.0; a rollout of 2.0.0 with stages 5% -> 25%
-> 100% and zero soak starts. A device "installs" whatever its check-in answer names and reports the
install result at its next check-in, as the agent does. The fleet checks in round after round until the
rollout completes. Reported: wall time from rollout creation to completion, the registry's check-in rate
during it, each stage's share of devices, and whether any device outside a stage received 2.0.0.

    python3 integration/bench/rollout.py [--devices 10000] [--threads 32] [--bin-dir .build/release]

Without --bin-dir it builds the release binaries; with one, it uses those (a debug build's numbers are
printed but not written to results/). `publish`, `enroll` and `staged_rollout` take any base URL: cluster.py
runs the same rollout through a cluster's nginx front.
"""
import argparse
import datetime
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from common import CORPUS, build_release, machine, start_registry, write_result


class Client:
    """One keep-alive HTTP connection per thread."""

    def __init__(self, base):
        parsed = urllib.parse.urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.local = threading.local()

    def connect(self):
        self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return self.local.connection

    def request(self, method, path, token, body=None):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        payload = None if body is None else json.dumps(body)
        connection = getattr(self.local, "connection", None)
        reused = connection is not None
        connection = connection or self.connect()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
        except ConnectionError:  # RemoteDisconnected too
            if not reused:
                raise
            # The server closed this connection while it sat idle (its keep-alive timeout): again on a new one.
            connection.close()
            connection = self.connect()
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data) if data else None


def in_parallel(threads, items, work):
    """Runs work(item) for every item on `threads` threads; returns the results in order."""
    results = [None] * len(items)
    def run(start):
        for index in range(start, len(items), threads):
            results[index] = work(items[index])
    pool = [threading.Thread(target=run, args=(start,)) for start in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def bucket(device_id, rollout_id):
    digest = hashlib.sha256(f"{rollout_id}\n{device_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10000


PROFILE = {"arch": "aarch64", "ramBytes": 1 << 30, "diskBytes": 8 << 30, "engineVersion": "0.0.0", "labels": {"fleet": "bench"}}


def publish(fleetctl, base, admin, work):
    """A publisher key, digits-mlp 1.0.0 and 2.0.0 pushed, and 1.0.0 assigned to the fleet=bench devices."""
    env = dict(os.environ, MODELFLEET_REGISTRY=base, MODELFLEET_TOKEN=admin)
    quiet = dict(check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([fleetctl, "keys", "generate", "--out", f"{work}/publisher.key"], **quiet)
    subprocess.run([fleetctl, "keys", "register", f"{work}/publisher.pub"], **quiet)
    for version, file in (("1.0.0", "v1.onnx"), ("2.0.0", "v2.onnx")):
        subprocess.run([fleetctl, "push", os.path.join(CORPUS, "models/digits-mlp", file), "--model", "digits-mlp",
                        "--version", version, "--key", f"{work}/publisher.key"], **quiet)
    subprocess.run([fleetctl, "assign", "digits-mlp", "--version", "1.0.0", "--select", "fleet=bench"], **quiet)


def enroll(client, enroll_token, count, threads):
    """Enrolls `count` fleet=bench devices on `threads` threads: (enrollment answers, seconds taken)."""
    started = time.perf_counter()
    devices = in_parallel(threads, list(range(count)), lambda _: client.request("POST", "/v1/devices/enroll", enroll_token, PROFILE))
    return devices, time.perf_counter() - started


def staged_rollout(client, admin, devices, threads, stages):
    """Brings the enrolled `devices` to 1.0.0, then rolls 2.0.0 out to them in `stages` (percentages) with zero soak,
    the fleet checking in round after round until the rollout completes. Returns its figures: seconds, rounds,
    check-ins, stages reached [(percent, devices in the cohort on 2.0.0, seconds)], devices served 2.0.0 outside
    their stage's cohort, whether all converged."""
    state = {d["deviceID"]: {"token": d["token"], "version": None, "report": None} for d in devices}
    ids = list(state)

    def checkin(device_id):
        device = state[device_id]
        installed = [{"model": "digits-mlp", "version": device["version"], "variant": "fp32"}] if device["version"] else []
        body = {"installed": installed, "state": "idle", "installs": [device["report"]] if device["report"] else []}
        answer = client.request("POST", f"/v1/devices/{device_id}/checkin", device["token"], body)
        for desired in answer["desired"]:
            if desired["version"] != device["version"]:
                device["version"] = desired["version"]
                device["report"] = {"model": "digits-mlp", "version": desired["version"], "result": "ok", "selfTest": "passed"}

    in_parallel(threads, ids, checkin)
    in_parallel(threads, ids, checkin)  # reports the 1.0.0 installs
    assert all(d["version"] == "1.0.0" for d in state.values())

    request = {"model": "digits-mlp", "version": "2.0.0", "selector": "fleet=bench", "stages": stages, "soakSeconds": 0,
               "gates": {"maxInstallFailureRatio": 0.02, "maxSelfTestFailureRatio": 0.02}}
    rollout = client.request("POST", "/v1/rollouts", admin, request)["rollout"]
    started = time.perf_counter()
    checkins, rounds, reached, outside = 0, 0, [], 0
    stage, status = 0, "active"
    while status == "active":
        round_start = time.perf_counter()
        in_parallel(threads, ids, checkin)
        checkins += len(ids)
        rounds += 1
        current = client.request("GET", f"/v1/rollouts/{rollout['id']}", admin)["rollout"]
        percent = stages[current["stage"]]
        on_v2 = [i for i, d in state.items() if d["version"] == "2.0.0"]
        outside += sum(1 for i in on_v2 if bucket(i, rollout["id"]) >= stages[max(stage, current["stage"])] * 100)
        while stage < current["stage"] or (current["state"] == "completed" and stage < len(stages)):
            reached.append((stages[stage], len([i for i in on_v2 if bucket(i, rollout["id"]) < stages[stage] * 100]),
                            time.perf_counter() - started))
            stage += 1
        status = current["state"]
        print(f"round {rounds}: stage {current['stage'] + 1} ({percent}%), {len(on_v2)} devices on 2.0.0, "
              f"{len(ids) / (time.perf_counter() - round_start):.0f} check-ins/s", file=sys.stderr)
        if rounds > 50:
            raise SystemExit(f"the rollout did not complete in 50 rounds: {current}")
    elapsed = time.perf_counter() - started
    if status != "completed":
        raise SystemExit(f"the rollout ended {status}: {current.get('reason')}")
    return {"seconds": elapsed, "rounds": rounds, "checkins": checkins, "reached": reached, "outside": outside,
            "converged": all(d["version"] == "2.0.0" for d in state.values())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--stages", default="5,25,100")
    parser.add_argument("--bin-dir", help="use these binaries instead of building release ones")
    args = parser.parse_args()
    stages = [int(s) for s in args.stages.split(",")]

    if args.bin_dir:
        registry_bin, fleetctl = (os.path.join(args.bin_dir, name) for name in ("modelfleet-registry", "fleetctl"))
    else:
        registry_bin, fleetctl = build_release("modelfleet-registry"), build_release("fleetctl")
    work = tempfile.mkdtemp(prefix="rollout-bench-")
    server, base, admin, enroll_token = start_registry(registry_bin, f"{work}/data")
    try:
        publish(fleetctl, base, admin, work)
        client = Client(base)
        devices, enroll_seconds = enroll(client, enroll_token, args.devices, args.threads)
        result = staged_rollout(client, admin, devices, args.threads, stages)
    finally:
        server.terminate()
        server.wait()

    build = "release build" if not args.bin_dir else f"binaries from {args.bin_dir}"
    rows = "\n".join(f"| {percent}% | {count} | {100 * count / args.devices:.2f}% | {at:.1f} s |" for percent, count, at in result["reached"])
    elapsed, checkins = result["seconds"], result["checkins"]
    text = f"""# Rollout over a simulated fleet

`python3 integration/bench/rollout.py --devices {args.devices} --threads {args.threads}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}; {build}; registry on its defaults (SQLite WAL, rollouts evaluated every second). Devices are simulated in Python (one keep-alive connection per thread), so the check-in rate is bounded by the client as much as by the registry.

- Enrolling {args.devices} devices: {enroll_seconds:.1f} s.
- Stages {' -> '.join(f'{s}%' for s in stages)}, zero soak: completed in **{elapsed:.1f} s** over {result['rounds']} check-in rounds; {checkins} check-ins, **{checkins / elapsed:.0f} check-ins/s** during the rollout (including the registry's stage evaluations).
- All devices on 2.0.0 at the end: {'yes' if result['converged'] else 'NO'}. Devices that received 2.0.0 outside their stage's cohort: {result['outside']}.

| stage | devices reached | share | stage done after |
|---|---:|---:|---:|
{rows}
"""
    if args.bin_dir and "release" not in args.bin_dir:
        print(text)
        print("(not written to results/: not a release build)", file=sys.stderr)
    else:
        write_result("rollout.md", text)


if __name__ == "__main__":
    main()
