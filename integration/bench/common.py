"""Shared helpers for the benchmark scripts: paths, the release build, timing, and result files."""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.environ.get("MODELFLEET_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
RESULTS = os.path.join(os.path.dirname(__file__), "results")


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


def write_result(name, text):
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, name)
    with open(path, "w") as f:
        f.write(text)
    print(text)
    print(f"(written to {os.path.relpath(path, ROOT)})", file=sys.stderr)
