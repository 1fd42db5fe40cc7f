#!/usr/bin/env python3
"""int8 against fp32 in the engine, one thread, on the same shapes (issue #7, int8 part).

    pip install onnxruntime numpy onnx && python3 integration/bench/int8.py [--rounds 3] [--runs 20] [--no-write]

Generates one-node ONNX models with the `onnx` package: MatMul (fp32) against MatMulInteger and QLinearMatMul
(uint8 activations, int8 weights, per-column weight scales) on the same M, K, N; and Conv (fp32) against
QLinearConv (uint8 activations, int8 per-channel weights, int32 bias) on PP-OCR-like shapes, 3x3 and 1x1.
Weights are initializers, so both engines pack them once. Each model runs through `modelfleet-agent bench
--threads 1` (release build; 3 warm-up runs, --runs timed runs, median) in its own process, --rounds times
interleaved with the others, and the median of those medians is reported, as GOP/s (2 ops per multiply-add of
the node's GEMM) and as the ratio of int8 to fp32 time. onnxruntime (CPUExecutionProvider, 1 thread) runs the same
models as an anchor. Times are whole model runs: im2col, requantization and output allocation included.
Writes results/int8.md.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

from common import ORT_TIMED_RUNS, build_release, machine, write_result

ORT_WORKER = r'''
import json, sys, time
import numpy as np, onnxruntime as ort
model, runs = sys.argv[1], int(sys.argv[2])
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
rng = np.random.default_rng(42)
feeds = {}
for i in session.get_inputs():
    shape = [d if isinstance(d, int) else 1 for d in i.shape]
    if i.type == "tensor(float)":
        feeds[i.name] = rng.random(shape, dtype=np.float32)
    else:
        feeds[i.name] = rng.integers(0, 256, size=shape).astype(np.uint8)
''' + ORT_TIMED_RUNS + r'''print(json.dumps({"median_ms": sorted(times)[len(times) // 2]}))
'''

# (label, M, K, N)
MATMULS = [
    ("square 256", 256, 256, 256),
    ("square 512", 512, 512, 512),
    ("square 1024", 1024, 1024, 1024),
    ("tall: 1024 tokens x 768 -> 768", 1024, 768, 768),
]
# (label, channels, outputs, height, width, kernel)
CONVS = [
    ("PP-OCR-like 3x3 64->64, 80x80", 64, 64, 80, 80, 3),
    ("PP-OCR-like 1x1 64->64, 80x80", 64, 64, 80, 80, 1),
    ("3x3 32->64, 160x160", 32, 64, 160, 160, 3),
    ("1x1 256->256, 20x20", 256, 256, 20, 20, 1),
]


def make_models(workdir):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(7)
    models = []

    def save(graph, name):
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        path = os.path.join(workdir, name + ".onnx")
        onnx.save(model, path)
        return path

    def scalar(name, value, dtype):
        return numpy_helper.from_array(np.array(value, dtype=dtype), name)

    for label, m, k, n in MATMULS:
        ops = 2 * m * k * n
        w = rng.standard_normal((k, n)).astype(np.float32)
        fp32 = helper.make_graph([helper.make_node("MatMul", ["a", "w"], ["y"])], "mm",
                                 [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])],
                                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                                 [numpy_helper.from_array(w, "w")])
        wq = rng.integers(-127, 128, size=(k, n)).astype(np.int8)
        integer = helper.make_graph([helper.make_node("MatMulInteger", ["a", "w", "az"], ["y"])], "mmi",
                                    [helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])],
                                    [helper.make_tensor_value_info("y", TensorProto.INT32, None)],
                                    [numpy_helper.from_array(wq, "w"), scalar("az", 128, np.uint8)])
        qlinear = helper.make_graph(
            [helper.make_node("QLinearMatMul", ["a", "as", "az", "w", "ws", "wz", "ys", "yz"], ["y"])], "qmm",
            [helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])],
            [helper.make_tensor_value_info("y", TensorProto.UINT8, None)],
            [numpy_helper.from_array(wq, "w"), scalar("as", 0.02, np.float32), scalar("az", 128, np.uint8),
             numpy_helper.from_array((rng.random(n) * 0.01 + 0.001).astype(np.float32), "ws"),
             numpy_helper.from_array(np.zeros(n, np.int8), "wz"), scalar("ys", 0.5, np.float32),
             scalar("yz", 128, np.uint8)])
        name = f"mm{m}x{k}x{n}"
        models.append((f"MatMul {label} ({m}x{k}x{n})", ops, save(fp32, name + "_fp32"),
                       [("MatMulInteger", save(integer, name + "_int")), ("QLinearMatMul", save(qlinear, name + "_q"))]))

    for label, c, o, h, w_, kernel in CONVS:
        pad = kernel // 2
        ops = 2 * o * h * w_ * c * kernel * kernel
        attributes = dict(kernel_shape=[kernel, kernel], pads=[pad] * 4)
        weights = rng.standard_normal((o, c, kernel, kernel)).astype(np.float32)
        bias = rng.standard_normal(o).astype(np.float32)
        fp32 = helper.make_graph([helper.make_node("Conv", ["x", "w", "b"], ["y"], **attributes)], "conv",
                                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w_])],
                                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                                 [numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")])
        wq = rng.integers(-127, 128, size=(o, c, kernel, kernel)).astype(np.int8)
        qconv = helper.make_graph(
            [helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], **attributes)],
            "qconv", [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, c, h, w_])],
            [helper.make_tensor_value_info("y", TensorProto.UINT8, None)],
            [numpy_helper.from_array(wq, "w"), scalar("xs", 0.02, np.float32), scalar("xz", 128, np.uint8),
             numpy_helper.from_array((rng.random(o) * 0.01 + 0.001).astype(np.float32), "ws"),
             numpy_helper.from_array(np.zeros(o, np.int8), "wz"), scalar("ys", 0.5, np.float32),
             scalar("yz", 128, np.uint8),
             numpy_helper.from_array(rng.integers(-1000, 1000, size=o).astype(np.int32), "b")])
        name = f"conv{c}x{o}x{h}x{w_}k{kernel}"
        models.append((f"Conv {label}", ops, save(fp32, name + "_fp32"), [("QLinearConv", save(qconv, name + "_q"))]))
    return models


def ours(agent, model, runs):
    out = subprocess.run([agent, "bench", model, "--runs", str(runs), "--threads", "1"], check=True,
                         capture_output=True, text=True).stdout
    fields = dict(re.findall(r"(\w+)=(\S+)", out))
    return float(fields["median_ms"]), fields.get("kernel", "?"), fields.get("int8_kernel", "?")


def onnxruntime(model, runs):
    out = subprocess.run([sys.executable, "-c", ORT_WORKER, model, str(runs)], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-ort", action="store_true", help="skip the onnxruntime anchor")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    agent = build_release("modelfleet-agent")
    rows = []
    kernels = ("?", "?")
    with tempfile.TemporaryDirectory() as workdir:
        for label, ops, fp32, variants in make_models(workdir):
            paths = [("fp32", fp32)] + variants
            times = {name: [] for name, _ in paths}
            ort_times = {name: [] for name, _ in paths}
            for _ in range(args.rounds):
                for name, path in paths:
                    ms, sgemm, int8 = ours(agent, path, args.runs)
                    kernels = (sgemm, int8)
                    times[name].append(ms)
                    if not args.no_ort:
                        ort_times[name].append(onnxruntime(path, args.runs))
            base = statistics.median(times["fp32"])
            ort_base = statistics.median(ort_times["fp32"]) if not args.no_ort else float("nan")
            for name, _ in paths:
                ms = statistics.median(times[name])
                ort_ms = statistics.median(ort_times[name]) if not args.no_ort else float("nan")
                ratio = "" if name == "fp32" else f"{base / ms:.2f}x"
                rows.append(f"| {label} | {name} | {ms:.3f} | {ops / ms / 1e6:.0f} | {ratio} | {ort_ms:.3f} | "
                            f"{ms / ort_ms:.2f} |")
                print(rows[-1], flush=True)
            del ort_base
    text = (f"# int8 vs fp32 in the engine (1 thread)\n\n"
            f"Command: `python3 integration/bench/int8.py --rounds {args.rounds} --runs {args.runs}` ({machine()}). "
            f"One-node models generated with `onnx`; `modelfleet-agent bench --threads 1` (release build), median "
            f"of {args.rounds} process medians of {args.runs} runs each. Kernels: SGEMM `{kernels[0]}`, int8 GEMM "
            f"`{kernels[1]}`. GOP/s counts 2 ops per multiply-add of the node's product; times are whole runs "
            f"(im2col, requantization, output allocation included). `fp32 / this` is the speed-up over the fp32 "
            f"node on the same shape. onnxruntime: CPUExecutionProvider, 1 thread, same models. Other work shares "
            f"the machine's cores.\n\n"
            f"| shape | node | ms | GOP/s | fp32 / this | onnxruntime ms | ours / onnxruntime |\n"
            f"|---|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n")
    if args.no_write:
        print(text)
    else:
        write_result("int8.md", text)


if __name__ == "__main__":
    main()
