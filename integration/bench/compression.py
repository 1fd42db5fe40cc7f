#!/usr/bin/env python3
"""Stored size of every corpus model under each chunk codec, next to gzip -9 and zstd -19 of the whole file.

Chunked compression loses some ratio against whole-file compression (each chunk starts a fresh
window) but buys dedup across versions; byte-shuffling tensor chunks wins part of it back.

    python3 integration/bench/compression.py
"""
import datetime
import glob
import json
import os
import subprocess

from common import CORPUS, build_release, machine, write_result

CODECS = [
    ("zlib:6", False), ("zlib:6", True), ("zlib:9", True),
    ("zstd:3", False), ("zstd:3", True), ("zstd:9", True), ("zstd:15", False), ("zstd:15", True), ("zstd:19", True),
]


def whole_file(cmd, path):
    return len(subprocess.run(cmd + [path], check=True, capture_output=True).stdout)


def main():
    fleetctl = build_release("fleetctl")
    models = sorted(glob.glob(os.path.join(CORPUS, "models", "**", "*.onnx"), recursive=True))
    header = ["model", "bytes", "gzip -9", "zstd -19"] + [f"{c}{'+shuffle' if s else ''}" for c, s in CODECS]
    rows, speeds = [], {h: [] for h in header[4:]}
    totals = [0] * (len(header) - 1)
    for model in models:
        size = os.path.getsize(model)
        sizes = [size, whole_file(["gzip", "-9", "-n", "-c"], model), whole_file(["zstd", "-19", "-q", "-c"], model)]
        for (codec, shuffle), name in zip(CODECS, header[4:]):
            cmd = [fleetctl, "chunk", model, "--codec", codec, "--json"] + ([] if shuffle else ["--no-shuffle"])
            report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            sizes.append(report["storedSize"])
            speeds[name].append(report["megabytesPerSecond"])
        totals = [t + s for t, s in zip(totals, sizes)]
        rel = os.path.relpath(model, os.path.join(CORPUS, "models"))
        rows.append([rel, str(size)] + [f"{s / size:.3f}" for s in sizes[1:]])
    rows.append(["**all models**", str(totals[0])] + [f"**{t / totals[0]:.3f}**" for t in totals[1:]])
    median_speed = ["", "", "", ""] + [f"{sorted(v)[len(v) // 2]:.0f}" for v in speeds.values()]

    lines = [
        "# Compressed size of the corpus models (stored bytes / original bytes; lower is better)",
        "",
        f"`python3 integration/bench/compression.py` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{machine()}; release build. `gzip -9` and `zstd -19` compress the whole file in one stream; the other "
        "columns are ModelFleet's chunked, tensor-aware storage (each chunk compressed on its own, stored raw when "
        "that is smaller), with and without the byte-shuffle filter on tensor chunks.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("| median MB/s (chunk+hash+compress, single thread) | " + " | ".join(median_speed[1:]) + " |")
    write_result("compression.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
