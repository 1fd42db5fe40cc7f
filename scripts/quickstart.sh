#!/usr/bin/env bash
# Builds ModelFleet and runs what works today: the three programs' help, then the artifact format
# end to end on a real corpus model (key, chunking, signed manifest, verification).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build
bin="$(swift build --show-bin-path)"
for program in modelfleet-registry modelfleet-agent fleetctl; do
    echo "== $program --help"
    "$bin/$program" --help
    echo
done

corpus=$(scripts/fetch-test-corpus --quiet)   # found or assembled as the tests do
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
model="$corpus/models/digits-mlp/v1.onnx"
vectors="$corpus/reference/digits-mlp/v1/test_data_set_0"

echo "== publisher key"
"$bin/fleetctl" keys generate --out "$work/publisher.key"
echo
echo "== how $model is chunked and stored"
"$bin/fleetctl" chunk "$model"
echo
echo "== signed manifest (with self-test vectors)"
"$bin/fleetctl" manifest "$model" --model digits-mlp --version 1.0.0 --variant fp32 \
    --key "$work/publisher.key" --self-test "$vectors" --out "$work/manifest.json"
mkdir -p "$work/files/self-test"
cp "$model" "$work/files/"
cp "$vectors"/*.pb "$work/files/self-test/"
echo
echo "== verification against the pinned public key"
"$bin/fleetctl" verify "$work/manifest.json" --trust "$work/publisher.pub" --files "$work/files"
