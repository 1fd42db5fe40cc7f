#!/usr/bin/env python3
"""Device-side footprint: the agent's binary size (release, --static-swift-stdlib, stripped) and its
resident memory while idle between check-ins, after syncing a model.

Goals (issue #4): binary <= 25 MB, idle RSS <= 20 MB. The agent must stay on FoundationEssentials:
full Foundation (ICU) alone is ~47 MB of a static binary.

    python3 integration/bench/agent.py
"""
import datetime
import os
import re
import shutil
import subprocess
import tempfile
import time

from common import ROOT, machine, start_registry, stop_agent_and_registry, write_result


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def main():
    scratch = os.path.join(ROOT, ".build-static")
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path", scratch,
                    "--product", "modelfleet-agent"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["swift", "build", "-c", "release", "--product", "modelfleet-registry"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["swift", "build", "-c", "release", "--product", "fleetctl"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    release = run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT).strip()
    agent_bin = os.path.join(run(["swift", "build", "-c", "release", "--scratch-path", scratch, "--show-bin-path"], cwd=ROOT).strip(), "modelfleet-agent")

    work = tempfile.mkdtemp(prefix="agent-bench-")
    stripped = os.path.join(work, "modelfleet-agent")
    shutil.copy(agent_bin, stripped)
    subprocess.run(["strip", stripped], check=True)
    size = os.path.getsize(stripped)
    libs = run(["ldd", stripped])
    foundation = "libFoundation.so" in libs or "ICU" in libs
    symbols = run(["sh", "-c", f"strings {agent_bin} | grep -c 'icudt' || true"]).strip()

    registry, url, admin, enroll = start_registry(os.path.join(release, "modelfleet-registry"), f"{work}/registry")
    agent = None
    try:
        env = dict(os.environ, MODELFLEET_REGISTRY=url, MODELFLEET_TOKEN=admin)
        fleetctl = os.path.join(release, "fleetctl")
        run([fleetctl, "keys", "generate", "--out", f"{work}/p.key"], env=env)
        run([fleetctl, "keys", "register", f"{work}/p.pub"], env=env)
        run([fleetctl, "push", os.path.join(ROOT, "integration/sample-model/v1.onnx"), "--model", "sample", "--version", "1.0.0", "--key", f"{work}/p.key"], env=env)
        run([fleetctl, "assign", "sample", "--select", "type=bench"], env=env)
        agent = subprocess.Popen([stripped, "daemon", "--data-dir", f"{work}/device", "--registry", url, "--enroll-token",
                                  enroll, "--trust", f"{work}/p.pub",
                                  "--labels", "type=bench", "--checkin-interval", "3600", "--listen", "127.0.0.1:0"],
                                 stdout=subprocess.PIPE, text=True)
        synced = agent.stdout.readline()
        while synced and "activated" not in synced and "failed" not in synced:
            synced = agent.stdout.readline()
        time.sleep(3)
        with open(f"/proc/{agent.pid}/status") as f:
            status = f.read()
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
        hwm = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        anon = int(re.search(r"RssAnon:\s+(\d+) kB", status).group(1))
        filed = int(re.search(r"RssFile:\s+(\d+) kB", status).group(1))
    finally:
        stop_agent_and_registry(agent, registry, work)

    dynamic = ", ".join(sorted(set(re.findall(r"(lib[\w+-]+)\.so", libs))))
    lines = [
        "# Agent footprint",
        "",
        f"`python3 integration/bench/agent.py` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}.",
        "",
        "| measure | value | goal |",
        "|---|---:|---:|",
        f"| binary size (release, --static-swift-stdlib, stripped) | {size / 1e6:.1f} MB | <= 25 MB |",
        f"| idle RSS, 3 s after syncing, self-testing and loading a model (peak during the sync) | {rss / 1024:.1f} MiB ({hwm / 1024:.1f} MiB) | <= 20 MB |",
        f"| of which anonymous (heap, stacks) / file-backed (binary and libraries) | {anon / 1024:.1f} MiB / {filed / 1024:.1f} MiB | |",
        "",
        f"Dynamic libraries: {dynamic}. "
        f"Full Foundation linked: {'yes' if foundation else 'no'}; ICU data strings in the binary: {symbols}.",
        "",
        f"First sync line: `{synced.strip()}`",
    ]
    write_result("agent.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
