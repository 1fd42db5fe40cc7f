#!/usr/bin/env python3
"""Chunk + hash throughput of `fleetctl chunk` against sha256sum and openssl on the same 256 MiB file.

The hash alone is the floor: content-defined chunking also runs a gear hash over every byte and
hashes every chunk and the whole file. Goal (issue #2): chunk+hash >= 0.7x sha256sum's speed.

    python3 integration/bench/chunking.py [--size-mib 256] [--runs 5]
"""
import argparse
import datetime
import os
import tempfile

from common import ROOT, alternate, build_release, machine, write_result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    fleetctl = build_release("fleetctl")
    size = args.size_mib << 20
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "blob.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(size))
        with open(path, "rb") as f:  # warm the page cache so every tool reads from memory
            while f.read(1 << 24):
                pass
        commands = {
            "sha256sum": ["sha256sum", path],
            "openssl dgst -sha256": ["openssl", "dgst", "-sha256", path],
            "fleetctl chunk (CDC + chunk hashes + file hash)": [fleetctl, "chunk", path, "--plain", "--codec", "identity"],
        }
        medians = alternate(commands, args.runs)

    floor = medians["sha256sum"]
    lines = [
        "# Chunking + hashing throughput",
        "",
        f"`python3 integration/bench/chunking.py --size-mib {args.size_mib} --runs {args.runs}` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}; release build; "
        f"random {args.size_mib} MiB file in page cache; wall time per process (start-up included), median of {args.runs} alternating runs.",
        "",
        "| tool | median s | MB/s | speed vs sha256sum |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in medians.items():
        lines.append(f"| {name} | {seconds:.3f} | {size / 1e6 / seconds:.0f} | {floor / seconds:.2f}x |")
    write_result("chunking.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
