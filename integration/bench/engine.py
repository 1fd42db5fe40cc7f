#!/usr/bin/env python3
"""Engine speed against onnxruntime (issue #7), on every reference model with the same inputs and thread count.

    pip install onnxruntime numpy onnx && python3 integration/bench/engine.py [--rounds 3] [--runs 20]

For each model (the test corpus's `reference` folders, found by scripts/fetch-test-corpus: the models with their reference inputs) and for
1 and 2 threads, runs `modelfleet-agent bench` (release build) and onnxruntime (CPUExecutionProvider, sequential,
same thread count) in separate processes, alternating them for --rounds rounds so drift hits both alike; each
process does 3 warm-up runs and --runs timed runs and reports its median and peak RSS. Prints per model the median
of each, the ratio ours/onnxruntime and the geometric mean ratio per thread count.
"""
import argparse
import glob
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

from common import CORPUS, ORT_TIMED_RUNS, build_release, machine, write_result

ORT_WORKER = r'''
import json, resource, sys, time
import numpy as np, onnx, onnxruntime as ort
from onnx import numpy_helper
model, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
feeds = {}
for path in sys.argv[4:]:
    tensor = onnx.load_tensor(path)
    feeds[tensor.name] = numpy_helper.to_array(tensor)
options = ort.SessionOptions()
options.intra_op_num_threads = threads
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
start = time.perf_counter()
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
load_ms = (time.perf_counter() - start) * 1000
names = [i.name for i in session.get_inputs()]
if set(feeds) != set(names):  # tensor files without names: model order
    feeds = dict(zip(names, feeds.values()))
''' + ORT_TIMED_RUNS + r'''print(json.dumps({"median_ms": sorted(times)[len(times) // 2], "load_ms": load_ms,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
'''


def ours(agent, model, inputs, threads, runs):
    out = subprocess.run([agent, "bench", model, "--runs", str(runs), "--threads", str(threads)]
                         + [f"--input={p}" for p in inputs], check=True, capture_output=True, text=True).stdout
    fields = dict(re.findall(r"(\w+)=(\S+)", out))
    return float(fields["median_ms"]), float(fields["load_ms"]), int(fields["peak_rss_bytes"]), fields.get("kernel", "?")


def onnxruntime(model, inputs, threads, runs):
    out = subprocess.run([sys.executable, "-c", ORT_WORKER, model, str(threads), str(runs)] + inputs,
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["median_ms"], result["load_ms"], result["peak_rss_bytes"]


def cases():
    """(name, model, input files, counted in the geometric mean) for every run of the table."""
    found = []
    for model in sorted(glob.glob(os.path.join(CORPUS, "reference", "*", "*", "model.onnx"))):
        folder = os.path.dirname(model)
        inputs = sorted(glob.glob(os.path.join(folder, "test_data_set_0", "input_*.pb")))
        found.append((os.path.relpath(folder, os.path.join(CORPUS, "reference")), model, inputs, True))
    det = [c for c in found if "PP-OCRv3_det" in c[0]]
    if det:
        found.append((det[0][0] + " @640x640", det[0][1], [large_det_input()], False))
    return found


def large_det_input():
    """A 1x3x640x640 float input with seeded random values in [0, 1), written once as a TensorProto."""
    path = os.path.join(tempfile.gettempdir(), "modelfleet_det_640.pb")
    if not os.path.exists(path):
        import numpy as np
        from onnx import numpy_helper
        values = np.random.default_rng(640).random((1, 3, 640, 640), dtype=np.float32)
        with open(path, "wb") as file:
            file.write(numpy_helper.from_array(values, "x").SerializeToString())
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    import onnxruntime as ort_module
    agent = build_release("modelfleet-agent")
    rows, ratios, kernel = [], {1: [], 2: []}, "?"
    medians = {}
    for name, model, inputs, counted in cases():
        for threads in (1, 2):
            mine, theirs = [], []
            for _ in range(args.rounds):
                mine.append(ours(agent, model, inputs, threads, args.runs))
                theirs.append(onnxruntime(model, inputs, threads, args.runs))
            m = statistics.median(x[0] for x in mine)
            t = statistics.median(x[0] for x in theirs)
            kernel = mine[0][3]
            ratio = m / t
            medians[(name, threads)] = (m, t)
            if counted:
                ratios[threads].append(ratio)
            rows.append(f"| {name} | {threads} | {m:.3f} | {t:.3f} | {ratio:.2f} | "
                        f"{statistics.median(x[1] for x in mine):.1f} / {statistics.median(x[1] for x in theirs):.1f} | "
                        f"{max(x[2] for x in mine) / 2**20:.1f} / {max(x[2] for x in theirs) / 2**20:.1f} |")
            print(rows[-1], flush=True)
    geo = {t: math.exp(sum(math.log(r) for r in v) / len(v)) for t, v in ratios.items() if v}
    scaling = [f"| {name} | {medians[(name, 1)][0] / medians[(name, 2)][0]:.2f} | {medians[(name, 1)][1] / medians[(name, 2)][1]:.2f} |"
               for name, _, _, _ in cases() if "PP-OCR" in name]
    text = (f"# Engine speed vs onnxruntime\n\nCommand: `python3 integration/bench/engine.py --rounds {args.rounds} --runs {args.runs}` "
            f"(release build, kernel `{kernel}`; onnxruntime {ort_module.__version__}; {machine()}). Inputs: each reference "
            "folder's test_data_set_0 (PP-OCR det at 320x320, rec 48x320), plus PP-OCR det at 640x640 (the input of the "
            "onnxruntime anchor, seeded random values; not in the geometric mean, which stays one entry per model).\n\n"
            "| model | threads | ours median ms | onnxruntime median ms | ours / ort | load ms ours / ort | peak RSS MiB ours / ort |\n"
            "|---|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
            + "\n".join(f"Geometric mean ratio ours/onnxruntime, {t} thread{'s' if t > 1 else ''}: **{g:.2f}**" for t, g in geo.items())
            + "\n\nSpeedup of 2 threads over 1 (median 1-thread time / median 2-thread time) on the conv-heavy models:\n\n"
            "| model | ours | onnxruntime |\n|---|---:|---:|\n" + "\n".join(scaling) + "\n")
    write_result("engine-speed.md", text)


if __name__ == "__main__":
    main()
