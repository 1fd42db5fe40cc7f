#!/usr/bin/env python3
"""Heap allocations per steady-state run (issue #7: "no allocation in the steady-state run loop"),
and peak resident memory, for each reference model: this build against a baseline build.

    python3 integration/bench/allocations.py [--baseline PATH_TO_OLD_modelfleet-agent] [--threads T]

Every allocator call of the agent is counted by an LD_PRELOAD shim (allocations/malloc_count.c,
built here with cc). `modelfleet-agent bench` runs the model with 3 warm-up runs and then N timed
runs; the difference between N=10 and N=30 divided by 20 is what one steady-state run allocates,
with loading and warm-up cancelled out. The outputs are allocated by every run (they leave it),
so their bytes are listed too. The baseline is the same command on another build, e.g. the commit
before the memory plan (build it in a worktree: git worktree add /tmp/base COMMIT && cd /tmp/base
&& swift build -c release --product modelfleet-agent).
"""
import argparse
import glob
import os
import re
import subprocess
import tempfile

from common import CORPUS, build_release, machine, write_result

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTHS = {"float32": 4, "float16": 2, "int64": 8, "int32": 4, "int8": 1, "uint8": 1, "bool": 1, "double": 8}


def shim():
    path = os.path.join(tempfile.gettempdir(), "modelfleet_malloc_count.so")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", path, os.path.join(HERE, "allocations", "malloc_count.c")], check=True)
    return path


def inputs(folder):
    return [f"--input={p}" for p in sorted(glob.glob(os.path.join(folder, "test_data_set_0", "input_*.pb")))]


def counted(agent, library, folder, runs, threads):
    with tempfile.NamedTemporaryFile(suffix=".count") as report:
        env = dict(os.environ, LD_PRELOAD=library, MALLOC_COUNT_FILE=report.name)
        out = subprocess.run([agent, "bench", os.path.join(folder, "model.onnx"), *inputs(folder), f"--runs={runs}",
                              f"--threads={threads}"], check=True, capture_output=True, text=True, env=env).stdout
        fields = dict(re.findall(r"(\w+)=(\d+)", open(report.name).read()))
    peak = int(re.search(r"peak_rss_bytes=(\d+)", out).group(1))
    return int(fields["calls"]), int(fields["bytes"]), peak


def per_run(agent, library, folder, threads):
    calls10, bytes10, _ = counted(agent, library, folder, 10, threads)
    calls30, bytes30, peak = counted(agent, library, folder, 30, threads)
    return (calls30 - calls10) / 20, (bytes30 - bytes10) / 20, peak


def output_bytes(agent, folder):
    out = subprocess.run([agent, "run", os.path.join(folder, "model.onnx"), *inputs(folder), "--show=0"],
                         check=True, capture_output=True, text=True).stdout
    total = 0
    for dtype, dims in re.findall(r"^\S+: (\w+) \[([\d, ]*)\]", out, re.M):
        count = 1
        for d in filter(None, dims.split(",")):
            count *= int(d)
        total += count * WIDTHS.get(dtype, 4)
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="an older modelfleet-agent binary to compare against")
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    agent = build_release("modelfleet-agent")
    library = shim()
    rows = []
    for model in sorted(glob.glob(os.path.join(CORPUS, "reference", "*", "*", "model.onnx"))):
        folder = os.path.dirname(model)
        name = os.path.relpath(folder, os.path.join(CORPUS, "reference"))
        calls, size, peak = per_run(agent, library, folder, args.threads)
        outputs = output_bytes(agent, folder)
        row = f"| {name} | {outputs:,} | {calls:,.0f} | {size:,.0f} | {size - outputs:,.0f} | {peak / 2**20:.1f}"
        if args.baseline:
            base_calls, base_size, base_peak = per_run(args.baseline, library, folder, args.threads)
            row += f" | {base_calls:,.0f} | {base_size:,.0f} | {base_peak / 2**20:.1f}"
        rows.append(row + " |")
        print(rows[-1], flush=True)
    header = ("| model | output bytes | calls / run | bytes / run | bytes / run besides outputs | peak RSS MiB (30 runs)"
              + (f" | {args.baseline_label}: calls / run | bytes / run | peak RSS MiB" if args.baseline else "") + " |\n")
    header += "|---" + "|---:" * (5 + (3 if args.baseline else 0)) + "|\n"
    text = (f"# Heap allocations per steady-state run\n\nCommand: `python3 integration/bench/allocations.py"
            f"{' --baseline OLD_AGENT' if args.baseline else ''} --threads {args.threads}`"
            f"{' with OLD_AGENT built from ' + args.baseline_label if args.baseline else ''} "
            f"(release build; {machine()}).\n\n"
            "Allocator calls and bytes one run makes once the session is warm (difference between 30 and 10 "
            "timed runs, over 20), counted by an LD_PRELOAD shim; a run's outputs leave it, so every run "
            "allocates them.\n\n" + header + "\n".join(rows) + "\n")
    write_result("allocations.md", text)


if __name__ == "__main__":
    main()
