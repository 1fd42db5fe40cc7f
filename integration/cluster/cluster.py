#!/usr/bin/env python3
"""A ModelFleet cluster on one machine, from the parts an operator runs: PostgreSQL (Debian's, own data
folder and port), a Ceph RADOS Gateway for the chunks (the `s3-ceph.sh` named by $MODELFLEET_TEST_S3_CEPH), N registry
replicas sharing both, and nginx in front (round-robin for the API, a cache for chunk GETs).

    python3 integration/cluster/cluster.py up --bin .build/release --dir /tmp/mf-cluster [--replicas 2] [--port 8080]
    python3 integration/cluster/cluster.py down --dir /tmp/mf-cluster

`up` prints the front's URL and the admin and enrollment tokens, and writes DIR/cluster.json (ports, pids,
URLs) for `down` and for tests. Every process is started by this script and stopped by `down`; nothing is
installed beyond Debian's packages (`postgresql`, `nginx-light`, and what s3-ceph.sh installs).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nginx_conf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A script that starts a Ceph RGW (`start DIR PORT`, printing S3_ENDPOINT= and the keys; `stop DIR`). .ci/run
# exports it; a clone has none of its own.
S3_SCRIPT = os.environ.get("MODELFLEET_TEST_S3_CEPH", "")
BUCKET = "modelfleet-chunks"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def key_values(text):
    """`NAME=value` lines, as start.sh and s3-ceph.sh print them."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and line.split("=", 1)[0].isupper())


def wait_healthy(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not become healthy in {seconds} s")


def start_postgres(work):
    out = subprocess.run([os.path.join(ROOT, "integration/postgres/start.sh"), f"{work}/postgres", str(free_port())],
                         check=True, capture_output=True, text=True).stdout
    return key_values(out)["POSTGRES_URL"]


def start_s3(work):
    out = subprocess.run([S3_SCRIPT, "start", f"{work}/s3", str(free_port())], check=True, capture_output=True, text=True).stdout
    s3 = key_values(out)
    # The bucket, with curl's own SigV4 (a client nobody here wrote).
    # (curl 7.88 does not send the payload hash S3 wants: it is given as a header, which curl then signs.)
    empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    subprocess.run(["curl", "-sf", "-o", "/dev/null", "-X", "PUT", "--aws-sigv4", f"aws:amz:{s3['S3_REGION']}:s3",
                    "--user", f"{s3['S3_ACCESS_KEY']}:{s3['S3_SECRET_KEY']}", "-H", f"x-amz-content-sha256: {empty_sha256}",
                    f"{s3['S3_ENDPOINT']}/{BUCKET}"], check=True)
    return s3


def registry_environment(s3):
    return dict(os.environ, AWS_ENDPOINT_URL=s3["S3_ENDPOINT"], AWS_ACCESS_KEY_ID=s3["S3_ACCESS_KEY"],
                AWS_SECRET_ACCESS_KEY=s3["S3_SECRET_KEY"], AWS_REGION=s3["S3_REGION"],
                # nginx (on 127.0.0.1) names each client in X-Forwarded-For; the per-address limits count those.
                MODELFLEET_HTTP_TRUSTED_PROXIES="127.0.0.1",
                # Every simulated device of a test runs on this machine, so they share one address after all.
                MODELFLEET_LIMITS_ENROLLMENTS_PER_MINUTE="1000000")


def start_replica(binaries, work, index, port, postgres, s3, extra=()):
    data = f"{work}/replica-{index}"
    os.makedirs(data, exist_ok=True)
    log = open(f"{data}.log", "ab")
    process = subprocess.Popen(
        [os.path.join(binaries, "modelfleet-registry"), "serve", "--data-dir", data, "--bind", f"127.0.0.1:{port}",
         "--metadata", postgres, "--chunks", f"s3://{BUCKET}", "--log-level", "notice", *extra],
        env=registry_environment(s3), stdout=log, stderr=log, start_new_session=True)
    wait_healthy(f"http://127.0.0.1:{port}")
    return process.pid


def up(args):
    if not os.access(S3_SCRIPT, os.X_OK):
        raise SystemExit("set MODELFLEET_TEST_S3_CEPH to an s3-ceph.sh (start DIR PORT / stop DIR) to start the cluster's S3 server")
    work = os.path.abspath(args.dir)
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)  # the postgres and nginx users must reach their folders
    state = {"dir": work, "bin": os.path.abspath(args.bin)}
    state["postgres"] = start_postgres(work)
    state["s3"] = start_s3(work)
    state["replicas"] = []
    for index in range(args.replicas):
        port = free_port()
        # The first replica creates the schema and the first tokens; the others find them.
        pid = start_replica(state["bin"], work, index, port, state["postgres"], state["s3"])
        state["replicas"].append({"port": port, "pid": pid})
    state["port"] = args.port or free_port()
    conf = f"{work}/nginx.conf"
    with open(conf, "w") as f:
        f.write(nginx_conf.render(work, state["port"], [r["port"] for r in state["replicas"]]))
    nginx = subprocess.Popen(["nginx", "-c", conf, "-e", f"{work}/nginx-error.log"], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state["nginx"] = nginx.pid
    state["url"] = f"http://127.0.0.1:{state['port']}"
    wait_healthy(state["url"])
    first = f"{work}/replica-0"
    state["admin_token"] = open(f"{first}/admin.token").read().strip()
    state["enroll_token"] = open(f"{first}/enroll.token").read().strip()
    with open(f"{work}/cluster.json", "w") as f:
        json.dump(state, f, indent=2)
    print(f"front {state['url']} -> {len(state['replicas'])} replica(s) on PostgreSQL + s3://{BUCKET}")
    print(f"MODELFLEET_REGISTRY={state['url']}")
    print(f"MODELFLEET_TOKEN={state['admin_token']}")
    print(f"ENROLL_TOKEN={state['enroll_token']}")


def running(pid):
    """True while `pid` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def down(args):
    work = os.path.abspath(args.dir)
    try:
        state = json.load(open(f"{work}/cluster.json"))
    except FileNotFoundError:
        state = {"replicas": []}
    pids = [pid for pid in [state.get("nginx")] + [r["pid"] for r in state["replicas"]] if pid]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    # The replicas write their buffered check-ins and give up the lease as they stop: PostgreSQL stays until they have.
    deadline = time.time() + 15
    while time.time() < deadline and any(running(pid) for pid in pids):
        time.sleep(0.2)
    if S3_SCRIPT:
        subprocess.run([S3_SCRIPT, "stop", f"{work}/s3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([os.path.join(ROOT, "integration/postgres/stop.sh"), f"{work}/postgres"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"stopped the cluster in {work}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("up")
    start.add_argument("--bin", default=os.path.join(ROOT, ".build/release"))
    start.add_argument("--dir", required=True)
    start.add_argument("--replicas", type=int, default=2)
    start.add_argument("--port", type=int)
    stop = sub.add_parser("down")
    stop.add_argument("--dir", required=True)
    args = parser.parse_args()
    (up if args.command == "up" else down)(args)


if __name__ == "__main__":
    main()
