#!/usr/bin/env bash
# integration/s3/run-tests.sh: the S3 chunk store's tests against a real S3 server.
#
# Starts Ceph's RADOS Gateway (../shared/services/s3-ceph.sh beside the repository; root, Debian 12,
# ~20 s, plus ~45 s of apt the first time), exports MODELFLEET_TEST_S3_* for the tests (S3TestServer),
# runs the S3 suites, and stops Ceph whatever happened. Without this script those suites are disabled
# (a user's clone has no ../shared); the file store's half of the conformance suite always runs.
#
#   integration/s3/run-tests.sh            # from the repository root (.ci/run calls it)
#   S3_SERVICES=/path/to/services integration/s3/run-tests.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

services="${S3_SERVICES:-../shared/services}"
[ -x "$services/s3-ceph.sh" ] || { echo "run-tests: $services/s3-ceph.sh not found (set S3_SERVICES)" >&2; exit 1; }
# BlueStore needs a real filesystem (O_DIRECT): /var/tmp, not a tmpfs /tmp.
data="$(mktemp -d /var/tmp/modelfleet-s3.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() {
    "$services/s3-ceph.sh" stop "$data" >/dev/null 2>&1 || true
    rm -rf "$data"
}
trap cleanup EXIT

started=$SECONDS
settings="$("$services/s3-ceph.sh" start "$data" "$port")"
echo "run-tests: Ceph RGW ready on port $port after $((SECONDS - started)) s"
value() { printf '%s\n' "$settings" | sed -n "s/^$1=//p" | tail -1; }
export MODELFLEET_TEST_S3_ENDPOINT="$(value S3_ENDPOINT)"
export MODELFLEET_TEST_S3_ACCESS_KEY="$(value S3_ACCESS_KEY)"
export MODELFLEET_TEST_S3_SECRET_KEY="$(value S3_SECRET_KEY)"
export MODELFLEET_TEST_S3_REGION="$(value S3_REGION)"
[ -n "$MODELFLEET_TEST_S3_ENDPOINT" ] || { echo "run-tests: s3-ceph.sh printed no S3_ENDPOINT" >&2; exit 1; }

# Up to date after scripts/test in CI; a first build otherwise.
swift build --build-tests
swift test --skip-build --filter 'SigV4VectorTests|ChunkBlobStoreConformanceTests|S3ChunkStoreTests|S3StartupCheckTests|S3ChunkStoreProcessTests|S3EndpointRefusedProcessTests'
