"""Shared helpers for the benchmark scripts: paths, the release build, timing, and result files."""
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def __getattr__(name):
    """`CORPUS`, the test corpus folder, found (and assembled when missing) by the script the tests use.
    Resolved on first use, so scripts that never read it (replay.py, registry.py) start no fetch."""
    if name == "CORPUS":
        corpus = subprocess.run([os.path.join(ROOT, "scripts", "fetch-test-corpus"), "--quiet"], check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
        globals()["CORPUS"] = corpus
        return corpus
    raise AttributeError(name)


RESULTS = os.path.join(os.path.dirname(__file__), "results")


def run_in_venv(venv, packages, script):
    """Re-runs `script` (with this process's arguments) under the venv at `venv`, made and given the pinned `packages`
    on first use; returns when already running there. For checks whose clients come from PyPI."""
    python = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages], check=True)
    os.execv(python, [python, os.path.abspath(script), *sys.argv[1:]])


# The timing part of every onnxruntime worker script (a `session`, its `feeds` and `runs` defined
# before it): 3 warm-up runs, then `runs` timed ones, in milliseconds, into `times`.
ORT_TIMED_RUNS = r'''
for _ in range(3):
    session.run(None, feeds)
times = []
for _ in range(runs):
    start = time.perf_counter()
    session.run(None, feeds)
    times.append((time.perf_counter() - start) * 1000)
'''


def build_release(product):
    """Builds one product in release mode (what a user gets from a plain `swift build -c release`)."""
    subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    return os.path.join(out, product)


def wall_seconds(cmd, **kwargs):
    """Wall time of one run of a command, output discarded."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def alternate(commands, runs):
    """Runs each command `runs` times, interleaved so drift on a noisy machine hits all alike.
    Returns {name: median seconds}."""
    times = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(wall_seconds(cmd))
    return {name: statistics.median(values) for name, values in times.items()}


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def start_registry(binary, data_dir):
    """Starts a registry on a free loopback port; returns (process, base URL, admin token, enroll token)."""
    # Every simulated device enrolls from 127.0.0.1, where a real fleet comes from many addresses: the
    # per-address enrollment limit (120 a minute by default) would turn a 1,000-device set-up into 429s.
    environment = dict(os.environ, MODELFLEET_LIMITS_ENROLLMENTS_PER_MINUTE="1000000")
    process = subprocess.Popen([binary, "--data-dir", data_dir, "--bind", "127.0.0.1:0", "--log-level", "error"],
                               stdout=subprocess.PIPE, text=True, env=environment)
    line = process.stdout.readline()
    while "listening on" not in line:
        if not line:
            raise SystemExit("the registry exited before listening")
        line = process.stdout.readline()
    url = line.split("listening on ", 1)[1].split()[0]
    read = lambda name: open(os.path.join(data_dir, name)).read().strip()
    return process, url, read("admin.token"), read("enroll.token")


def stop_agent_and_registry(agent, registry, work):
    """Kills the agent (if it started), stops the registry gracefully and removes the scratch folder."""
    if agent:
        agent.send_signal(signal.SIGKILL)
    registry.send_signal(signal.SIGTERM)
    registry.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", token=None, body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as response:
        return response.status, response.read()


def wrk_run(url, duration, script=None, headers=(), connections=32):
    """One wrk run (1 thread, keep-alive connections): {"rps", "requests", "seconds", "cpu", "socket_errors"}, `cpu`
    being wrk's own user+system seconds and `socket_errors` its connect/read/write/timeout errors added up (a
    server closing a kept-alive connection shows as read errors). Exits on any error response."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", script]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses from {url}:\n{out}")
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "requests": int(done.group(1)),
            "seconds": float(done.group(2)) / (1000 if done.group(3) == "ms" else 1),
            "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0}


def wrk(url, duration, script=None, headers=()):
    """Requests per second of one wrk run (1 thread, 32 connections)."""
    return wrk_run(url, duration, script, headers)["rps"]


def checkin_script(path, devices, body):
    """Writes a wrk Lua script that POSTs `body` as the check-in of each device in turn, with that device's own
    token; `devices` are enrollment answers ({"deviceID", "token"})."""
    with open(path, "w") as f:
        f.write("local devices = {\n")
        for d in devices:
            f.write(f'  {{"{d["deviceID"]}", "{d["token"]}"}},\n')
        f.write("}\nlocal i = 0\n")
        f.write(f"local body = {json.dumps(body)}\n")
        f.write("request = function()\n  i = i % #devices + 1\n  local d = devices[i]\n"
                '  return wrk.format("POST", "/v1/devices/" .. d[1] .. "/checkin", '
                '{["Authorization"] = "Bearer " .. d[2], ["Content-Type"] = "application/json"}, body)\nend\n')


def cpu_seconds(pid):
    """User+system CPU seconds of one process (all its threads), from /proc/PID/stat; 0 for None."""
    if pid is None:
        return 0.0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid):
    """User+system CPU seconds of a process and all its descendants, living ones read directly and exited ones
    through the waited-for-children counters (cutime, cstime) of their parent: a delta of two readings counts the
    work of workers that came and went in between (PostgreSQL's backends, nginx's workers)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = open(f"/proc/{current}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(field) for field in fields[11:15])
        stack += children.get(current, [])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU seconds the whole machine spent busy (all cores, anything but idle and iowait), from /proc/stat."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def write_result(name, text):
    """Writes results/NAME and regenerates RESULTS.md, which gathers every result with its command."""
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, name)
    with open(path, "w") as f:
        f.write(text)
    sections = []
    for result in sorted(os.listdir(RESULTS)):
        if result.endswith(".md"):
            with open(os.path.join(RESULTS, result)) as f:
                sections.append(f.read().replace("\n# ", "\n## ").replace("# ", "## ", 1))
    with open(os.path.join(os.path.dirname(RESULTS), "RESULTS.md"), "w") as f:
        f.write("# Benchmark results\n\nGenerated by the scripts in this folder (each section names the command that made it); "
                "the per-benchmark files are in `results/`.\n\n" + "\n".join(sections))
    print(text)
    print(f"(written to {os.path.relpath(path, ROOT)} and integration/bench/RESULTS.md)", file=sys.stderr)
