#!/usr/bin/env python3
"""The agent's local API (a hand-written HTTP/1.1 server over POSIX sockets) against SwiftNIO, in the same run:
should the agent keep its own server or adopt NIO?

The NIO side is `nio_probe/` (nio-probe: the smallest NIO HTTP/1.1 server answering GET /v2/health/live with
200 and keep-alive, 404 otherwise; a real port of the local API would carry more, so its figures are a lower
bound) and, to tell NIO's own share from the Swift runtime's, swift-baseline (an empty Swift program).

1. Binary size, stripped, of the agent, nio-probe and swift-baseline. The probe is built with the agent's
   linkage (static with --static-swift-stdlib, as agent.py builds the agent, or dynamic), and its size is
   also given in the other linkage.
2. Resident memory (VmRSS, anonymous/file-backed, peak, threads) of the agent and the probe, idle 3 s after
   start and idle 3 s after the load. The agent runs as agent.py runs it (`daemon --listen`, enrolled in a
   local registry, the sample model synced and loaded).
3. GET /v2/health/live requests/s with wrk (1 thread, --connections keep-alive connections, --duration s),
   --rounds rounds alternating agent/probe, median; the server's CPU time per request (median), wrk's
   socket errors.

Without --bin-dir it builds the agent as agent.py does (release, --static-swift-stdlib, in .build-static) and
the registry and fleetctl in release; with --bin-dir it takes all three from there (`.build/release` holds a
dynamic agent: the probe is then dynamic too). Needs `apt-get install wrk`.

    python3 integration/bench/local_api.py [--bin-dir .build/release] [--rounds 3] [--duration 10] [--connections 32] [--no-write]
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time

from common import (ROOT, build_release, cpu_seconds, free_port, machine, machine_busy_seconds, start_registry,
                    stop_agent_and_registry, wrk_run, write_result)

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nio_probe")
PATH = "/v2/health/live"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def build_probe(static):
    """Builds nio-probe and swift-baseline in release, static or dynamic, each linkage in its own scratch folder
    (switching linkage in one folder rebuilds NIO). Returns the folder holding both binaries."""
    flags = ["-c", "release", "--package-path", PROBE, "--scratch-path", os.path.join(PROBE, ".build-static" if static else ".build")]
    flags += ["--static-swift-stdlib"] if static else []
    subprocess.run(["swift", "build"] + flags, check=True, stdout=subprocess.DEVNULL)
    return run(["swift", "build"] + flags + ["--show-bin-path"]).strip()


def is_static(binary):
    """Whether the Swift runtime is linked in (--static-swift-stdlib) rather than loaded from libswiftCore.so."""
    return "libswiftCore.so" not in run(["readelf", "-d", binary])


def stripped_size(binary, work):
    copy = os.path.join(work, "stripped-" + os.path.basename(binary) + ("-static" if is_static(binary) else "-dynamic"))
    shutil.copy(binary, copy)
    subprocess.run(["strip", copy], check=True)
    return os.path.getsize(copy), copy


def memory(pid):
    """VmRSS, RssAnon, RssFile, VmHWM (KiB) and Threads of a process, from /proc/PID/status."""
    status = open(f"/proc/{pid}/status").read()
    return {key: int(re.search(rf"{key}:\s+(\d+)", status).group(1)) for key in ("VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads")}


def drain(stream):
    """Reads a server's remaining output so that it never blocks on a full pipe."""
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()


def wait_for_line(process, words, what):
    line = process.stdout.readline()
    while line and not any(word in line for word in words):
        line = process.stdout.readline()
    if not line:
        raise SystemExit(f"{what} exited before saying {' or '.join(words)}")
    return line.strip()


def start_agent(agent_bin, registry_url, admin, enroll, fleetctl, work):
    """The agent as agent.py runs it: a publisher key, the sample model pushed and assigned, then
    `daemon --listen 127.0.0.1:0`; returns (process, local API base URL, first sync line) once the model is active."""
    env = dict(os.environ, MODELFLEET_REGISTRY=registry_url, MODELFLEET_TOKEN=admin)
    run([fleetctl, "keys", "generate", "--out", f"{work}/p.key"], env=env)
    run([fleetctl, "keys", "register", f"{work}/p.pub"], env=env)
    run([fleetctl, "push", os.path.join(ROOT, "integration/sample-model/v1.onnx"), "--model", "sample", "--version", "1.0.0",
         "--key", f"{work}/p.key"], env=env)
    run([fleetctl, "assign", "sample", "--select", "type=bench"], env=env)
    agent = subprocess.Popen([agent_bin, "daemon", "--data-dir", f"{work}/device", "--registry", registry_url, "--enroll-token", enroll,
                              "--trust", f"{work}/p.pub", "--labels", "type=bench", "--checkin-interval", "3600",
                              "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    listening = wait_for_line(agent, ["local API on"], "the agent")
    url = listening.split("local API on ", 1)[1].split()[0]
    synced = wait_for_line(agent, ["activated", "failed"], "the agent")
    if "activated" not in synced:
        raise SystemExit(f"the agent did not sync the sample model: {synced}")
    drain(agent.stdout)
    return agent, url, synced


def start_probe(binary):
    process = subprocess.Popen([binary, str(free_port())], stdout=subprocess.PIPE, text=True)
    line = wait_for_line(process, ["listening on"], os.path.basename(binary))
    drain(process.stdout)
    return process, "http://" + line.split("listening on ", 1)[1].split()[0]


def start_baseline(binary):
    process = subprocess.Popen([binary], stdout=subprocess.PIPE, text=True)
    wait_for_line(process, ["ready"], "swift-baseline")
    drain(process.stdout)
    return process


def check(url):
    """One request on the route, and one off it: 200 and 404 with empty bodies, as wrk will expect."""
    out = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url + PATH])
    if out != "200 0":
        raise SystemExit(f"GET {url}{PATH} answered {out}, not 200 with an empty body")
    off = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/nowhere"])
    if off != "404":
        raise SystemExit(f"GET {url}/nowhere answered {off}, not 404")


def mb(size):
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e6:.2f} MB"


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", help="take modelfleet-agent, modelfleet-registry and fleetctl from here instead of building them")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-write", action="store_true", help="print the result without writing results/local-api.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    if args.bin_dir:
        agent_bin, registry_bin, fleetctl = (os.path.join(os.path.abspath(args.bin_dir), name)
                                             for name in ("modelfleet-agent", "modelfleet-registry", "fleetctl"))
    else:
        scratch = os.path.join(ROOT, ".build-static")
        flags = ["-c", "release", "--static-swift-stdlib", "--scratch-path", scratch]
        subprocess.run(["swift", "build"] + flags + ["--product", "modelfleet-agent"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        agent_bin = os.path.join(run(["swift", "build"] + flags + ["--show-bin-path"], cwd=ROOT).strip(), "modelfleet-agent")
        registry_bin, fleetctl = build_release("modelfleet-registry"), build_release("fleetctl")
    static = is_static(agent_bin)
    # One Swift build at a time: the probe in the agent's linkage (measured throughout), then in the other (size only).
    probe_dirs = {static: build_probe(static)}
    probe_dirs[not static] = build_probe(not static)

    work = tempfile.mkdtemp(prefix="local-api-bench-")
    sizes = {}
    for linkage in (True, False):
        for name in ("nio-probe", "swift-baseline"):
            sizes[name, linkage], _ = stripped_size(os.path.join(probe_dirs[linkage], name), work)
    sizes["agent", static], agent_stripped = stripped_size(agent_bin, work)
    probe_stripped = os.path.join(work, f"stripped-nio-probe-{'static' if static else 'dynamic'}")
    baseline_stripped = os.path.join(work, f"stripped-swift-baseline-{'static' if static else 'dynamic'}")

    registry, registry_url, admin, enroll = start_registry(registry_bin, f"{work}/registry")
    agent = probe = baseline = None
    try:
        agent, agent_url, synced = start_agent(agent_stripped, registry_url, admin, enroll, fleetctl, work)
        probe, probe_url = start_probe(probe_stripped)
        baseline = start_baseline(baseline_stripped)
        time.sleep(3)
        servers = {"agent": (agent, agent_url), "probe": (probe, probe_url)}
        at_start = {name: memory(process.pid) for name, (process, _) in servers.items()}
        baseline_memory = memory(baseline.pid)
        for _, url in servers.values():
            check(url)

        runs = {name: [] for name in servers}
        busy_before = machine_busy_seconds()
        ours = 0.0
        started = time.perf_counter()
        for _ in range(args.rounds):
            for name, (process, url) in servers.items():
                cpu_before = cpu_seconds(process.pid)
                result = wrk_run(url + PATH, args.duration, connections=args.connections)
                result["server_cpu"] = cpu_seconds(process.pid) - cpu_before
                ours += result["server_cpu"] + result["cpu"]
                runs[name].append(result)
        # Other work on the machine meanwhile (a build, say), in cores: it competes with both servers alike.
        others = max(0.0, machine_busy_seconds() - busy_before - ours) / (time.perf_counter() - started)
        time.sleep(3)
        after_load = {name: memory(process.pid) for name, (process, _) in servers.items()}
    finally:
        for process in (probe, baseline):
            if process:
                process.send_signal(signal.SIGKILL)
                process.wait()
        stop_agent_and_registry(agent, registry, work)
        if agent:
            agent.wait()

    rps = {name: statistics.median(r["rps"] for r in results) for name, results in runs.items()}
    per_request = {name: statistics.median(r["server_cpu"] / r["requests"] * 1e6 for r in results) for name, results in runs.items()}
    errors = {name: sum(r["socket_errors"] for r in results) for name, results in runs.items()}
    linkage = "static (--static-swift-stdlib)" if static else "dynamic (Swift runtime and Foundation in shared libraries)"
    other = "dynamic" if static else "static (--static-swift-stdlib)"

    def row(measure, agent_value, probe_value, fmt, ratio=True):
        share = f"{probe_value / agent_value:.2f}x" if ratio and agent_value else ""
        return f"| {measure} | {fmt(agent_value)} | {fmt(probe_value)} | {share} |"

    a, p = at_start["agent"], at_start["probe"]
    la, lp = after_load["agent"], after_load["probe"]
    command = "python3 integration/bench/local_api.py" + (f" --bin-dir {args.bin_dir}" if args.bin_dir else "")
    for flag, value, default in (("--rounds", args.rounds, 3), ("--duration", args.duration, 10), ("--connections", args.connections, 32)):
        command += f" {flag} {value}" if value != default else ""
    nio_share = sizes["nio-probe", static] - sizes["swift-baseline", static]
    lines = [
        "# Local API: the agent's hand-written server against SwiftNIO",
        "",
        f"`{command}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}. "
        f"Agent binary: {agent_bin if args.bin_dir else 'release, built as agent.py builds it'}, {linkage}; nio-probe "
        f"(`integration/bench/nio_probe`: SwiftNIO, {PATH} only, one event loop per core) built in release with the same linkage. "
        f"Each binary runs stripped.",
        "",
        "| measure | modelfleet-agent (hand-written, POSIX sockets) | nio-probe (SwiftNIO) | probe / agent |",
        "|---|---:|---:|---:|",
        row("binary size, stripped", sizes["agent", static], sizes["nio-probe", static], mb),
        row("idle RSS 3 s after start (agent: after syncing and loading the sample model)", a["VmRSS"], p["VmRSS"], mib),
        f"| of which anonymous / file-backed | {mib(a['RssAnon'])} / {mib(a['RssFile'])} | {mib(p['RssAnon'])} / {mib(p['RssFile'])} | |",
        row("idle RSS 3 s after the load", la["VmRSS"], lp["VmRSS"], mib),
        f"| of which anonymous / file-backed | {mib(la['RssAnon'])} / {mib(la['RssFile'])} | {mib(lp['RssAnon'])} / {mib(lp['RssFile'])} | |",
        row("peak RSS (VmHWM, whole run)", la["VmHWM"], lp["VmHWM"], mib),
        row("threads", la["Threads"], lp["Threads"], str, ratio=False),
        row(f"GET {PATH} requests/s (wrk, 1 thread, {args.connections} keep-alive connections, {args.duration} s; median of {args.rounds})",
            rps["agent"], rps["probe"], lambda v: f"{v:,.0f}"),
        row("server CPU per request (user+system, median)", per_request["agent"], per_request["probe"], lambda v: f"{v:.1f} µs"),
        row(f"wrk socket errors (connect/read/write/timeout, all {args.rounds} runs)", errors["agent"], errors["probe"], str, ratio=False),
        "",
        "Requests/s per run, in run order: "
        + "; ".join(f"{name} " + ", ".join(f"{r['rps']:,.0f}" for r in results) for name, results in runs.items())
        + f". Other load on the machine during the runs (busy CPU not spent by the servers or wrk): {others:.2f} cores.",
        "",
        "What NIO adds to a Swift program, stripped sizes (swift-baseline is an empty Swift program built the same way):",
        "",
        f"| binary | {'static' if static else 'dynamic'} (this run's linkage) | {other} |",
        "|---|---:|---:|",
        f"| nio-probe | {mb(sizes['nio-probe', static])} | {mb(sizes['nio-probe', not static])} |",
        f"| swift-baseline | {mb(sizes['swift-baseline', static])} | {mb(sizes['swift-baseline', not static])} |",
        f"| NIO's share (probe - baseline) | {mb(nio_share)} | {mb(sizes['nio-probe', not static] - sizes['swift-baseline', not static])} |",
        f"| modelfleet-agent | {mb(sizes['agent', static])} | not built in this run |",
        "",
        f"swift-baseline idle: {mib(baseline_memory['VmRSS'])} RSS ({mib(baseline_memory['RssAnon'])} anonymous / "
        f"{mib(baseline_memory['RssFile'])} file-backed), {baseline_memory['Threads']} thread(s). "
        f"The agent serves with a fixed pool of worker threads (16 by default) and answers `Connection: close` when "
        f"other connections wait for a worker: with more connections than workers most requests open a new connection.",
        "",
        f"Agent's first sync line: `{synced}`",
    ]
    text = "\n".join(lines) + "\n"
    if args.no_write:
        print(text)
    else:
        write_result("local-api.md", text)


if __name__ == "__main__":
    main()
