#!/usr/bin/env python3
"""Schemathesis (a property-based API tester nobody here wrote) against docs/openapi.yaml and a real registry.

Starts a release registry on a free loopback port with its own data folder, gives it something to talk about
(a publisher key, two pushed versions, an assignment, an enrolled device that checked in and reported, a
rollout, a token), then runs `schemathesis run` with an admin token. Fails on any 5xx, any status the document
does not list for the operation, any body that breaks its schema, and on the other checks listed in CHECKS.
Results and the reasoning behind the checks left out: integration/schemathesis/RESULTS.md.

Usage: integration/schemathesis/run.py [--bin DIR] [--max-examples N] [--seed N]
  --bin DIR   folder with modelfleet-registry and fleetctl (default: a release build made here)
Python packages go to a venv in /tmp (SCHEMATHESIS_VENV overrides), made on the first run.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "integration", "bench"))
import common  # noqa: E402  (release build, registry start)

SCHEMATHESIS = "schemathesis==4.32.5"
VENV = os.environ.get("SCHEMATHESIS_VENV", os.path.join(tempfile.gettempdir(), "modelfleet-schemathesis-venv"))
# Every check but two that do not fit an API whose rules go beyond what JSON Schema can say (RESULTS.md):
# positive_data_acceptance wants every schema-valid request accepted (a rollout's stages must increase, a
# version must exist), negative_data_rejection wants every schema-invalid one refused (JSON bodies ignore
# members they do not know, as Codable does, so old clients keep working).
EXCLUDED_CHECKS = "positive_data_acceptance,negative_data_rejection"


def venv_python():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    installed = subprocess.run([python, "-m", "pip", "show", "schemathesis"], capture_output=True, text=True).stdout
    if "Version: " + SCHEMATHESIS.split("==")[1] not in installed:
        subprocess.run([python, "-m", "pip", "install", "--quiet", SCHEMATHESIS], check=True)
    return python


def call(url, method, path, token, body=None):
    """One JSON request; the decoded answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def seed(bin_dir, url, admin, enroll, work):
    """State for the list and detail answers to be more than empty arrays."""
    env = dict(os.environ, MODELFLEET_REGISTRY=url, MODELFLEET_TOKEN=admin)
    fleetctl = os.path.join(bin_dir, "fleetctl")
    key = os.path.join(work, "publisher.key")
    run = lambda *args: subprocess.run([fleetctl, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    run("keys", "generate", "--out", key)
    run("keys", "register", key.replace(".key", ".pub"))
    sample = os.path.join(ROOT, "integration", "sample-model")
    run("push", os.path.join(sample, "v1.onnx"), "--model", "sample-mlp", "--version", "1.0.0", "--key", key)
    run("push", os.path.join(sample, "v2.onnx"), "--model", "sample-mlp", "--version", "1.1.0", "--key", key, "--hold")
    run("assign", "sample-mlp", "--select", "type=demo", "--version", "1.0.0")
    device = call(url, "POST", "/v1/devices/enroll", enroll,
                  {"arch": "x86_64", "ramBytes": 1 << 30, "diskBytes": 1 << 34, "engineVersion": "0.1.0", "labels": {"type": "demo"}})
    installed = [{"model": "sample-mlp", "version": "1.0.0", "variant": "fp32"}]
    call(url, "POST", f"/v1/devices/{device['deviceID']}/checkin", device["token"], {
        "installed": installed, "state": "idle",
        "stats": [{"model": "sample-mlp", "version": "1.0.0", "count": 10, "errors": 0, "latencyP95Milliseconds": 1.5}],
        "installs": [{"model": "sample-mlp", "version": "1.0.0", "result": "ok", "selfTest": "passed"}]})
    call(url, "POST", f"/v1/devices/{device['deviceID']}/events", device["token"],
         {"events": [{"kind": "install", "model": "sample-mlp", "version": "1.0.0", "result": "ok", "at": "2026-01-01T00:00:00Z"}]})
    call(url, "POST", "/v1/rollouts", admin, {"model": "sample-mlp", "version": "1.1.0", "selector": "type=demo", "stages": [50, 100],
                                              "soakSeconds": 3600, "gates": {"maxInstallFailureRatio": 0.02, "maxSelfTestFailureRatio": 0.02}})
    call(url, "POST", "/v1/tokens", admin, {"scopes": ["read"], "label": "dashboard", "expiresInSeconds": 86400})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", help="folder with modelfleet-registry and fleetctl")
    parser.add_argument("--max-examples", type=int, default=40, help="test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    bin_dir = args.bin or os.path.dirname(common.build_release("modelfleet-registry"))
    if not args.bin:
        common.build_release("fleetctl")
    python = venv_python()
    work = tempfile.mkdtemp(prefix="modelfleet-schemathesis-")
    # The admin token is never refused, but the ignored_auth check sends requests without one on purpose: so many
    # 401s would hold this address back (429) and turn the rest of the run into rate-limit answers.
    os.environ["MODELFLEET_LIMITS_AUTH_FAILURES_PER_MINUTE"] = "1000000"
    registry, url, admin, enroll = common.start_registry(os.path.join(bin_dir, "modelfleet-registry"), os.path.join(work, "registry"))
    try:
        seed(bin_dir, url, admin, enroll, work)
        command = [
            os.path.join(os.path.dirname(python), "schemathesis"), "run", os.path.join(ROOT, "docs", "openapi.yaml"),
            "--url", url, "--header", f"Authorization: Bearer {admin}",
            "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
            "--phases", "examples,coverage,fuzzing",  # not stateful: it would chain DELETE /v1/tokens/{id} onto the admin token's id
            "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--workers", "2",
            "--generation-database", "none", "--no-color", "--request-timeout", "30",
        ]
        print("+ " + " ".join(c if "Bearer" not in c else "Authorization: Bearer <admin token>" for c in command), flush=True)
        result = subprocess.run(command)
        alive = registry.poll() is None and urllib.request.urlopen(url + "/healthz").status == 200
        if not alive:
            print("the registry did not survive the run", file=sys.stderr)
        return result.returncode if alive else 1
    finally:
        common.stop_agent_and_registry(None, registry, work)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
