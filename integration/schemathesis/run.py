#!/usr/bin/env python3
"""Schemathesis (a property-based API tester nobody here wrote) against docs/openapi.yaml and a real registry.

Starts a registry from --bin on a free loopback port with its own data folder, gives it something to talk about
(a publisher key, two pushed versions, an assignment, an enrolled device that checked in and reported, a
rollout, a token), then runs `schemathesis run` with schemathesis.toml beside this file: the admin token on
every operation, the enrollment and device tokens (and the seeded ids) where those are what the operation
serves. Fails on any 5xx, any status the document does not list for the operation, any body or header that
breaks its schema, and on every other schemathesis check but the two in EXCLUDED_CHECKS; also fails if the
registry did not survive the run. The last line sums it up (cases, seconds, verdict).
Results and the reasoning behind the checks left out: integration/schemathesis/RESULTS.md.

Usage: integration/schemathesis/run.py [--bin DIR] [--max-examples N] [--seed N]
  --bin DIR   folder with modelfleet-registry and fleetctl (default: a release build made here)
Schemathesis (pinned) goes to a venv in /tmp (SCHEMATHESIS_VENV overrides), made from PyPI on the first run.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
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
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", SCHEMATHESIS], check=True)
    return python


def call(url, method, path, token, body=None):
    """One JSON request; the decoded answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def seed(bin_dir, url, admin, enroll, work):
    """State for the list and detail answers to be more than empty arrays; returns the MODELFLEET_ST_*
    variables schemathesis.toml reads (tokens, and the ids of what was created)."""
    env = dict(os.environ, MODELFLEET_REGISTRY=url, MODELFLEET_TOKEN=admin)
    fleetctl = os.path.join(bin_dir, "fleetctl")
    key = os.path.join(work, "publisher.key")

    def run(*args):
        subprocess.run([fleetctl, *args], env=env, check=True, stdout=subprocess.DEVNULL)

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
    rollout = call(url, "POST", "/v1/rollouts", admin, {
        "model": "sample-mlp", "version": "1.1.0", "selector": "type=demo", "stages": [50, 100], "soakSeconds": 3600,
        "gates": {"maxInstallFailureRatio": 0.02, "maxSelfTestFailureRatio": 0.02}})
    call(url, "POST", "/v1/tokens", admin, {"scopes": ["read"], "label": "dashboard", "expiresInSeconds": 86400})
    manifest = call(url, "GET", "/v1/models/sample-mlp/versions/1.0.0", admin)
    return {
        "MODELFLEET_ST_ADMIN_TOKEN": admin, "MODELFLEET_ST_ENROLL_TOKEN": enroll,
        "MODELFLEET_ST_DEVICE_TOKEN": device["token"], "MODELFLEET_ST_DEVICE_ID": device["deviceID"],
        "MODELFLEET_ST_ROLLOUT_ID": rollout["rollout"]["id"], "MODELFLEET_ST_CHUNK": manifest["files"][0]["chunks"][0]["digest"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", help="folder with modelfleet-registry and fleetctl")
    parser.add_argument("--max-examples", type=int, default=150, help="test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    bin_dir = args.bin or os.path.dirname(common.build_release("modelfleet-registry"))
    if not args.bin:
        common.build_release("fleetctl")
    python = venv_python()
    work = tempfile.mkdtemp(prefix="modelfleet-schemathesis-")
    # The admin token is never refused, but the ignored_auth check sends requests without one on purpose, and
    # enrollment is tested with the enrollment token: so many 401s and enrollments would hold this address back
    # (429) and turn the rest of the run into rate-limit answers. (429 itself: OpenAPIConformanceTests.)
    os.environ["MODELFLEET_LIMITS_AUTH_FAILURES_PER_MINUTE"] = "1000000"
    os.environ["MODELFLEET_LIMITS_ENROLLMENTS_PER_MINUTE"] = "1000000"
    registry, url, admin, enroll = common.start_registry(os.path.join(bin_dir, "modelfleet-registry"), os.path.join(work, "registry"))
    try:
        variables = seed(bin_dir, url, admin, enroll, work)
        command = [
            os.path.join(os.path.dirname(python), "schemathesis"), "--config-file", os.path.join(HERE, "schemathesis.toml"),
            "run", os.path.join(ROOT, "docs", "openapi.yaml"), "--url", url,
            "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
            # Not stateful: its chains of links (none are declared) would add minutes and no check the others lack.
            "--phases", "examples,coverage,fuzzing",
            # One worker: with two, hypothesis parsing lambdas on two threads trips CPython 3.11.7's "AST constructor
            # recursion depth mismatch" (a runtime error in the tester, not an answer of the registry).
            "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--workers", "1",
            "--generation-database", "none", "--no-color", "--request-timeout", "30",
        ]
        print("+ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in command), flush=True)
        started = time.monotonic()
        # From the scratch folder, so schemathesis's own cache (.schemathesis/) is not left in the clone.
        result = subprocess.run(command, env=dict(os.environ, **variables), cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(result.stdout, flush=True)
        alive = registry.poll() is None and urllib.request.urlopen(url + "/healthz").status == 200
        if not alive:
            print("the registry did not survive the run", file=sys.stderr)
        cases = re.search(r"Test cases:\s*\n\s*(.+)", result.stdout)
        verdict = "passed" if result.returncode == 0 and alive else f"FAILED (schemathesis exit {result.returncode}, registry alive: {alive})"
        print(f"schemathesis {SCHEMATHESIS.split('==')[1]}: {cases.group(1) if cases else 'no test case count'}; "
              f"{time.monotonic() - started:.0f} s; {verdict}", flush=True)
        return result.returncode if alive else 1
    finally:
        common.stop_agent_and_registry(None, registry, work)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
