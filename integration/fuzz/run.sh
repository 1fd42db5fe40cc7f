#!/usr/bin/env bash
# Fuzzes the ONNX loader with libFuzzer + AddressSanitizer.
#   integration/fuzz/run.sh [SECONDS]   (default 600)
# Compiles the engine's sources with the entry point in FuzzModelLoader.swift (swiftc, not SwiftPM:
# a libFuzzer binary has no main of its own), then runs from the committed seeds. New inputs go to
# integration/fuzz/out/corpus (not committed), crashes to integration/fuzz/out/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
out=integration/fuzz/out
mkdir -p "$out/corpus"
mapfile -t sources < <(find Sources/InferenceEngine -name '*.swift' | sort)
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name InferenceEngine \
    "${sources[@]}" integration/fuzz/FuzzModelLoader.swift -o "$out/fuzz-model-loader"
"$out/fuzz-model-loader" -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=2048 -max_len=300000 \
    -timeout=20 -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" integration/fuzz/seeds 2>&1 | tee "$out/last-run.log"
