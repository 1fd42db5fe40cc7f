#!/usr/bin/env bash
# Fuzzes every parser that takes outside bytes with libFuzzer + AddressSanitizer.
#   integration/fuzz/run.sh [SECONDS] [TARGET...]   (default: 600 s each, every target; 0: build only)
# Targets (entry points Fuzz<Name>.swift, seeds in seeds/<target>/):
#   model-loader    ONNX model files (Model(bytes:)), then one run on zero inputs
#   tensor-proto    serialized TensorProto files (Tensor.decode(protobuf:))
#   infer-request   the agent's infer request body (InferRequestReader)
#   json-wire       FleetCore's strict JSONParser + WireLimits.check + canonical JSON round trip
#   manifest-wire   manifests (TrustedPublishers.verify, ManifestCoding round trip) and JSONDecoder
#                   into every wire type; needs a SwiftPM debug build for swift-crypto (see below)
#   agent-config    agent.yaml (AgentConfigFile)
# swiftc, not SwiftPM: a libFuzzer binary has no main of its own. The engine is compiled once
# (-enable-testing, so entry points may reach internal API) into integration/fuzz/out/engine and
# linked into each engine target; binaries are rebuilt only when a source is newer. Each target runs
# for SECONDS from its seeds; new inputs go to out/corpus/<target> (not committed), crashes to
# out/<target>-crash-*. Exits non-zero if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
shift || true
all=(model-loader tensor-proto infer-request json-wire manifest-wire agent-config)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
out=integration/fuzz/out
fuzz=integration/fuzz
mkdir -p "$out"
flags=(-O -sanitize=fuzzer,address -parse-as-library)

# quiet COMMAND...: runs a build step, showing its output (warnings, the linker's notes on ASan's
# local symbols) only when it fails; the whole output stays in out/build.log.
quiet() {
    if ! "$@" > "$out/build.log" 2>&1; then
        grep -v 'Cannot export local symbol' "$out/build.log" >&2
        return 1
    fi
}

# stale OUTPUT INPUT...: true when OUTPUT is missing or older than an input. After changing the
# flags in this script, remove integration/fuzz/out to rebuild.
stale() {
    local output="$1"; shift
    [ -e "$output" ] || return 0
    [ -n "$(find "$@" -newer "$output" -print -quit)" ]
}

# The engine imports the C kernel target: compile it with the toolchain's clang (same sanitizers)
# and give swiftc a module map for it, which SwiftPM would otherwise generate.
build_engine() {
    local engine="$out/engine"
    mapfile -t engine_sources < <(find Sources/InferenceEngine -name '*.swift' | sort)
    if stale "$engine/InferenceEngine.o" Sources/InferenceEngine Sources/CKernels; then
        rm -rf "$engine"
        mkdir -p "$engine"
        printf 'module CKernels {\n    header "%s/Sources/CKernels/include/CKernels.h"\n    export *\n}\n' "$PWD" > "$engine/module.modulemap"
        for c in Sources/CKernels/*.c; do
            clang -O3 -fsanitize=fuzzer-no-link,address -I Sources/CKernels/include -c "$c" -o "$engine/ckernels-$(basename "$c" .c).o"
        done
        echo "compiling the engine (a few minutes)"
        quiet swiftc "${flags[@]}" -wmo -enable-testing -module-name InferenceEngine -I "$engine" \
            -emit-module -emit-module-path "$engine/InferenceEngine.swiftmodule" \
            -c "${engine_sources[@]}" -o "$engine/InferenceEngine.o"
    fi
}

build() {
    local target="$1" binary="$out/fuzz-$1"
    case "$target" in
    model-loader | tensor-proto | infer-request)
        build_engine
        local sources=()
        case "$target" in
        model-loader) sources=("$fuzz/FuzzModelLoader.swift") ;;
        tensor-proto) sources=("$fuzz/FuzzTensorProto.swift") ;;
        infer-request)
            sources=("$fuzz/FuzzInferRequest.swift" Sources/Agent/Serving/InferRequestReader.swift
                Sources/Agent/Serving/JSONCursor.swift Sources/Agent/Serving/Base64Decoding.swift) ;;
        esac
        if stale "$binary" "${sources[@]}" "$out/engine/InferenceEngine.o"; then
            echo "building $binary"
            quiet swiftc "${flags[@]}" -module-name "Fuzz_${target//-/_}" -I "$out/engine" "${sources[@]}" \
                "$out/engine"/*.o -o "$binary"
        fi
        ;;
    json-wire)
        local sources=("$fuzz/FuzzJSONWire.swift" Sources/FleetCore/JSON/*.swift Sources/FleetCore/Wire/WireLimits.swift)
        if stale "$binary" "${sources[@]}" Sources/FleetCore/Digest/Digest.swift; then
            echo "building $binary"
            # CanonicalJSON uses Hex from Digest.swift, whose SHA-256 needs swift-crypto: take the Hex
            # enum alone (from its line to the closing brace at column 0).
            sed -n '/^public enum Hex {/,/^}/p' Sources/FleetCore/Digest/Digest.swift > "$out/Hex.swift"
            quiet swiftc "${flags[@]}" -module-name FuzzJSONWire "${sources[@]}" "$out/Hex.swift" -o "$binary"
        fi
        ;;
    manifest-wire)
        # FleetCore is compiled whole (instrumented); it imports swift-crypto, which is linked
        # uninstrumented from a SwiftPM debug build (FUZZ_SWIFTPM_DIR/debug, default .build/debug, as
        # left by scripts/test), with the module maps of its C targets from FUZZ_SWIFTPM_DIR/checkouts.
        local build="${FUZZ_SWIFTPM_DIR:-.build}/debug"
        local checkouts="${FUZZ_SWIFTPM_DIR:-.build}/checkouts/swift-crypto/Sources"
        if [ ! -e "$build/Modules/Crypto.swiftmodule" ] || [ ! -d "$checkouts" ]; then
            echo "manifest-wire needs a SwiftPM debug build for swift-crypto: run 'swift build' or set FUZZ_SWIFTPM_DIR" >&2
            exit 2
        fi
        mapfile -t fleetcore < <(find Sources/FleetCore -name '*.swift' | sort)
        local sources=("$fuzz/FuzzManifestWire.swift" "${fleetcore[@]}")
        if stale "$binary" "${sources[@]}"; then
            echo "building $binary"
            local maps=() objects=()
            for map in $(find "$checkouts" -name module.modulemap); do maps+=(-Xcc "-fmodule-map-file=$map"); done
            mapfile -t objects < <(find "$build"/{Crypto,CryptoBoringWrapper,CCryptoBoringSSL,CCryptoBoringSSLShims,CXKCP,CXKCPShims}.build \
                -name '*.o' 2>/dev/null | sort)
            quiet swiftc "${flags[@]}" -module-name FuzzManifestWire -I "$build/Modules" -I Sources/CZlib -I Sources/CZstd \
                "${maps[@]}" "${sources[@]}" "${objects[@]}" -lz -lzstd -o "$binary"
        fi
        ;;
    agent-config)
        local sources=("$fuzz/FuzzAgentConfig.swift" Sources/Agent/Configuration/AgentConfigFile.swift
            Sources/Agent/Configuration/AgentConfigSchema.swift Sources/FleetCore/Support/Trimming.swift)
        if stale "$binary" "${sources[@]}"; then
            echo "building $binary"
            quiet swiftc "${flags[@]}" -module-name FuzzAgentConfig "${sources[@]}" -o "$binary"
        fi
        ;;
    *) echo "unknown target $target (targets: ${all[*]})" >&2; exit 2 ;;
    esac
}

for target in "${targets[@]}"; do build "$target"; done
[ "$seconds" != 0 ] || { echo "built: ${targets[*]} (SECONDS=0: not run)"; exit 0; }

status=0
summary=()
for target in "${targets[@]}"; do
    corpus="$out/corpus/$target"
    log="$out/$target.log"
    mkdir -p "$corpus"
    case "$target" in
    model-loader) extra=(-max_len=300000 -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=20) ;;
    *) extra=(-max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10) ;;
    esac
    echo "== $target: ${seconds} s"
    rc=0
    "$out/fuzz-$target" -max_total_time="$seconds" "${extra[@]}" -print_final_stats=1 \
        -artifact_prefix="$out/$target-" "$corpus" "$fuzz/seeds/$target" > "$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        grep -v '^stat::\|^"' "$log" | tail -n 60
    else
        grep -E '^#[0-9]+[[:space:]]+DONE|^Done ' "$log" || true
    fi
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
    [ "$rc" -eq 0 ] || status=1
    summary+=("$(printf '%-14s exit %-3s executions %-10s crash files %s' "$target" "$rc" "${execs:-?}" "$(ls "$out" | grep -c "^$target-\(crash\|leak\|timeout\|oom\)" || true)")")
done
echo "== summary (${seconds} s each)"
printf '%s\n' "${summary[@]}"
exit "$status"
