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
# The engine imports the C kernel target: compile it with the toolchain's clang (same sanitizers)
# and give swiftc a module map for it, which SwiftPM would otherwise generate.
ckernels="$out/ckernels"
mkdir -p "$ckernels"
printf 'module CKernels {\n    header "%s/Sources/CKernels/include/CKernels.h"\n    export *\n}\n' "$PWD" > "$ckernels/module.modulemap"
objects=()
for c in Sources/CKernels/*.c; do
    object="$ckernels/$(basename "$c" .c).o"
    clang -O3 -fsanitize=fuzzer-no-link,address -I Sources/CKernels/include -c "$c" -o "$object"
    objects+=("$object")
done
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name InferenceEngine -I "$ckernels" \
    "${sources[@]}" integration/fuzz/FuzzModelLoader.swift "${objects[@]}" -o "$out/fuzz-model-loader"
"$out/fuzz-model-loader" -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=2048 -max_len=300000 \
    -timeout=20 -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" integration/fuzz/seeds 2>&1 | tee "$out/last-run.log"
