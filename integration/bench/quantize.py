#!/usr/bin/env python3
"""Quantize on push (issue #19): what the int8 variant of each corpus model costs and saves.

    pip install onnxruntime numpy onnx && python3 integration/bench/quantize.py [--rounds 3] [--runs 20]

For every reference model of the corpus (scripts/fetch-test-corpus), `fleetctl quantize` (release build) makes the
int8 variant the way `fleetctl push --quantize int8 --calibration test_data_set_0` would, with the limit lifted so
every model gets a file to measure; the table says whether it passes the push's default limits. Then, per model:
- stored size: `fleetctl chunk --json` (tensor-aware chunks, the registry's default zstd + byte-shuffle) of the int8
  file over that of the float file, and the plain file sizes;
- latency, 1 thread, reference inputs: `modelfleet-agent bench` on the int8 file over the float file (alternating,
  --rounds processes each, median of medians), and ours over onnxruntime on the same int8 file;
- the measured deviation of the worst output (relative RMS for float outputs, share of differing labels);
- digits-mlp: test-set accuracy (450 held-out digits) of both variants in our engine, and of the int8 file in
  onnxruntime.
Writes results/quantize.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from common import CORPUS, build_release, machine, write_result
from engine import cases, onnxruntime, ours


def quantize(fleetctl, model, calibration, out):
    result = subprocess.run([fleetctl, "quantize", model, "-o", out, "--calibration", calibration, "--max-quant-error", "1e9",
                             "--json"], capture_output=True, text=True)
    if result.returncode != 0:
        return None, result.stderr.strip()
    return json.loads(result.stdout), None


def stored_size(fleetctl, path):
    return json.loads(subprocess.run([fleetctl, "chunk", path, "--json"], check=True, capture_output=True, text=True).stdout)["storedSize"]


def digits_accuracy(agent, model, workdir):
    """Accuracy on the 450 held-out digits, our engine (`modelfleet-agent run`) and onnxruntime."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    folder = os.path.join(CORPUS, "models", "digits-mlp")
    x = np.load(os.path.join(folder, "X_test.npy"))
    y = np.load(os.path.join(folder, "y_test.npy"))
    features = os.path.join(workdir, "digits_x.pb")
    with open(features, "wb") as file:
        file.write(numpy_helper.from_array(x, "input").SerializeToString())
    out = os.path.join(workdir, "digits_out")
    subprocess.run([agent, "run", model, "--input", "input=" + features, "--output-dir", out], check=True, capture_output=True)
    labels = None
    for name in sorted(os.listdir(out)):
        tensor = onnx.load_tensor(os.path.join(out, name))
        if tensor.name == "label":
            labels = numpy_helper.to_array(tensor)
    ours_accuracy = float((labels == y).mean())
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    ort_labels = session.run(["label"], {"input": x})[0]
    return ours_accuracy, float((ort_labels == y).mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import onnxruntime as ort_module
    agent = build_release("modelfleet-agent")
    fleetctl = build_release("fleetctl")
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as workdir:
        for name, model, inputs, counted in cases():
            if not counted:
                continue
            calibration = os.path.dirname(inputs[0])
            int8 = os.path.join(workdir, name.replace("/", "_") + ".int8.onnx")
            report, refusal = quantize(fleetctl, model, calibration, int8)
            if report is None:
                rows.append(f"| {name} | - | - | - | - | - | not made: {refusal} |")
                print(rows[-1], flush=True)
                continue
            sizes = (os.path.getsize(model), report["bytes"], stored_size(fleetctl, model), stored_size(fleetctl, int8))
            float_ms, int8_ms, ort_ms = [], [], []
            for _ in range(args.rounds):
                float_ms.append(ours(agent, model, inputs, 1, args.runs)[0])
                int8_ms.append(ours(agent, int8, inputs, 1, args.runs)[0])
                ort_ms.append(onnxruntime(int8, inputs, 1, args.runs)[0])
            f, q, o = statistics.median(float_ms), statistics.median(int8_ms), statistics.median(ort_ms)
            worst = max(report["deviations"], key=lambda d: d["value"] / (0.05 if d["measure"] == "relative_rms" else 0.02))
            limit = 0.05 if worst["measure"] == "relative_rms" else 0.02
            verdict = "passes" if worst["value"] <= limit else "refused"
            quantized = len(report["report"]["quantized"])
            kept = len(report["report"]["skipped"])
            rows.append(f"| {name} | {sizes[0] / 1e6:.2f} → {sizes[1] / 1e6:.2f} MB | {sizes[3] / sizes[2]:.2f} | "
                        f"{f:.3f} → {q:.3f} ms | {q / f:.2f} | {q / o:.2f} | {worst['output']}: {worst['value']:.4g} "
                        f"({worst['measure'].replace('_', ' ')}, {verdict} at {limit}); {quantized} int8 / {kept} float nodes |")
            print(rows[-1], flush=True)
            if "digits-mlp/v1" in name:
                fa, _ = digits_accuracy(agent, model, workdir)
                qa, qo = digits_accuracy(agent, int8, workdir)
                notes.append(f"digits-mlp v1 on its 450 held-out digits: float {fa:.4f}, int8 {qa:.4f} in our engine "
                             f"({(qa - fa) * 100:+.2f} points), int8 {qo:.4f} in onnxruntime.")
                print(notes[-1], flush=True)
    text = (f"# Quantize on push: int8 variants of the corpus models\n\n"
            f"Command: `python3 integration/bench/quantize.py --rounds {args.rounds} --runs {args.runs}` (release builds; "
            f"onnxruntime {ort_module.__version__}; {machine()}). Calibration and latency inputs: each reference folder's "
            f"test_data_set_0 (one sample). Stored size: `fleetctl chunk --json` (the registry's chunks: zstd:15 + byte "
            f"shuffle). Latency: `modelfleet-agent bench --threads 1`, median of {args.rounds} process medians of "
            f"{args.runs} runs; onnxruntime on the same int8 file, CPUExecutionProvider, 1 thread. Deviation: the worst "
            f"output against float on the calibration sample, and whether `push --quantize int8` would publish it at its "
            f"default limits (0.05 relative RMS, 2 % differing labels). Other work shares the machine's cores.\n\n"
            f"| model | file size | stored int8 / fp32 | latency fp32 → int8 | int8 / fp32 | int8 ours / onnxruntime | "
            f"deviation |\n|---|---|---:|---|---:|---:|---|\n" + "\n".join(rows) + "\n\n" + "\n".join(notes) + "\n")
    if args.no_write:
        print(text)
    else:
        write_result("quantize.md", text)


if __name__ == "__main__":
    sys.exit(main())
