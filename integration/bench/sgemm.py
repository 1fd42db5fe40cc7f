#!/usr/bin/env python3
"""SGEMM throughput, 1 thread: the engine's C micro-kernels (each one this CPU runs) against the
Swift SIMD kernel they replaced, on square matrices and on the GEMMs PP-OCR's convolutions issue.

    python3 integration/bench/sgemm.py [--seconds S] [--kc N --mc N --nc N] [--no-write]

Compiles like `swift build -c release` compiles the engine (swiftc -O -wmo, no -target-cpu; the C
target with clang -O3): integration/bench/sgemm/main.swift, the engine's Sgemm.swift and
SgemmKernel.swift, and the Swift kernel as of commit BASELINE (renamed SwiftSgemm).
Also measures the machine's FMA ceiling (sgemm/peak.c) and runs the randomized correctness check.
Figures are GFLOP/s per second of the benchmark thread's CPU time (other work shares the machine).
Writes results/sgemm.md.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from common import ROOT, machine, write_result

BASELINE = "3d16356"  # the last commit with the pure-Swift micro-kernel
LINALG = "Sources/InferenceEngine/Operators/LinearAlgebra"

# (label, M, K, N, ldc): what Sgemm.multiply receives. The im2col GEMMs are one slice of
# ConvKernel's column budget (2^19 floats / K positions), written into rows of the full output.
SHAPES = [
    ("square", 256, 256, 256, None),
    ("square", 512, 512, 512, None),
    ("square", 1024, 1024, 1024, None),
    ("det 3x3 conv 3->8, 320x320 (im2col slice)", 8, 27, 19416, 102400),
    ("det 3x3 conv 96->24, 160x160 (im2col slice), 58% of det FLOPs", 24, 864, 600, 25600),
    ("det 1x1 conv 16->96, 160x160", 96, 16, 25600, None),
    ("det 1x1 conv 56->336, 40x40", 336, 56, 1600, None),
    ("det 1x1 conv 80->480, 20x20", 480, 80, 400, None),
    ("rec 1x1 conv 256->256, 1x960 (x5, 50% of rec FLOPs)", 256, 256, 960, None),
    ("rec 1x1 conv 256->512, 1x480", 512, 256, 480, None),
    ("rec 1x1 conv 512->512, 1x240", 512, 512, 240, None),
    ("rec 1x1 conv 128->128, 1x1920", 128, 128, 1920, None),
    ("rec 3x3 conv 1024->64, 1x40 (im2col)", 64, 9216, 40, None),
]


def build(workdir):
    include = os.path.join(ROOT, "Sources/CKernels/include")
    with open(os.path.join(workdir, "module.modulemap"), "w") as f:
        f.write(f'module CKernels {{\n    header "{include}/CKernels.h"\n    export *\n}}\n')
    obj = os.path.join(workdir, "sgemm.o")
    subprocess.run(["clang", "-O3", "-c", os.path.join(ROOT, "Sources/CKernels/sgemm.c"), "-I", include, "-o", obj],
                   check=True)
    old = subprocess.run(["git", "show", f"{BASELINE}:{LINALG}/Sgemm.swift"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    old = (old.replace("enum Sgemm", "enum SwiftSgemm").replace("StridedMatrix", "OldStridedMatrix")
           .replace("FloatMatrix", "OldFloatMatrix"))
    old_path = os.path.join(workdir, "SwiftSgemm.swift")
    with open(old_path, "w") as f:
        f.write(old)
    binary = os.path.join(workdir, "sgemm-bench")
    subprocess.run(["swiftc", "-O", "-wmo", "-module-name", "SgemmBench", "-I", workdir,
                    os.path.join(ROOT, "integration/bench/sgemm/main.swift"), os.path.join(ROOT, LINALG, "Sgemm.swift"),
                    os.path.join(ROOT, LINALG, "SgemmKernel.swift"), old_path, obj, "-o", binary], check=True)
    peak = os.path.join(workdir, "peak")
    subprocess.run(["clang", "-O3", os.path.join(ROOT, "integration/bench/sgemm/peak.c"), "-o", peak], check=True)
    return binary, peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", default="0.5")
    parser.add_argument("--kc")
    parser.add_argument("--mc")
    parser.add_argument("--nc")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        binary, peak = build(workdir)
        ceiling = subprocess.run([peak], check=True, capture_output=True, text=True).stdout.split()
        check = subprocess.run([binary, "--check"], check=True, capture_output=True, text=True).stdout.splitlines()[-1]
        command = [binary, "--seconds", args.seconds]
        for flag in ("kc", "mc", "nc"):
            if getattr(args, flag):
                command += [f"--{flag}", getattr(args, flag)]
        command += [f"{m},{k},{n}" + (f",{ldc}" if ldc else "") for _, m, k, n, ldc in SHAPES]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()
    header = out[0].split()
    kernels = header[2:-2]
    current = header[-1].split("=")[1]
    peak_current = float(ceiling[1] if current == "avx512" else ceiling[3]) if current != "portable" else float("nan")
    rows = []
    for (label, m, k, n, _), line in zip(SHAPES, out[1:]):
        fields = line.split()
        swift = float(fields[1])
        values = [float(v) for v in fields[2:2 + len(kernels)]]
        best = values[kernels.index(current)]
        rows.append(f"| {label} | {m} | {k} | {n} | {swift:.1f} | " + " | ".join(f"{v:.1f}" for v in values)
                    + f" | {best / swift:.1f}x | {100 * best / peak_current:.0f}% | {float(fields[-1]):.1e} |")
    text = (f"# SGEMM throughput (GFLOP/s, 1 thread)\n\n"
            f"Command: `python3 integration/bench/sgemm.py` ({machine()}). Other work shares the cores, so each "
            f"figure is per second of the benchmark thread's CPU time, best of 5 timed batches. `swift` is the Swift SIMD8 micro-kernel the C kernels replaced "
            f"(commit {BASELINE}), compiled as `swift build -c release` compiles it (no -target-cpu); the other "
            f"columns are `Sgemm.multiply` with each C micro-kernel this CPU runs; the engine picks `{current}` here. "
            f"Packing is included as the engine pays it: A (the weights, for a conv) is packed on every call, B "
            f"is packed or, when M <= 96, read in place. Shapes are M x K x N as Sgemm "
            f"receives them; max rel diff is against the Swift kernel's result.\n\n"
            f"FMA ceiling of this machine, one thread (integration/bench/sgemm/peak.c, 12 independent FMA chains): "
            f"{ceiling[1]} GFLOP/s with 512-bit vectors, {ceiling[3]} with 256-bit. Correctness sweep "
            f"(`sgemm-bench --check`: random shapes, transposes, strides, alpha/beta against a double-precision "
            f"triple loop): {check.removeprefix('check: ')}.\n\n"
            f"| shape | M | K | N | swift | " + " | ".join(kernels) + f" | {current} / swift | {current} / FMA ceiling | max rel diff |\n"
            f"|---|---:|---:|---:|---:|" + "---:|" * len(kernels) + "---:|---:|---:|\n" + "\n".join(rows) + "\n")
    if args.no_write or args.kc or args.mc or args.nc:
        print(text)
    else:
        write_result("sgemm.md", text)


if __name__ == "__main__":
    main()
