#!/usr/bin/env bash
# Installs the system libraries ModelFleet builds against (Debian/Ubuntu), with sudo unless already root.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends \
    libcurl4-openssl-dev libsqlite3-dev zlib1g-dev libzstd-dev pkg-config openssl >/dev/null
# The tests' corpus fetch (scripts/fetch-test-corpus): pip download, and a venv for onnxruntime.
$sudo apt-get install -y -qq --no-install-recommends python3 python3-pip python3-venv >/dev/null
# The metadata store tests run against a real PostgreSQL 15 (integration/postgres/start.sh starts a private one).
$sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The cluster (integration/cluster): nginx in front of the replicas, curl to create the bucket.
$sudo apt-get install -y -qq --no-install-recommends nginx-light curl >/dev/null
# CI scores the agent's systemd unit (systemd-analyze security --offline).
$sudo apt-get install -y -qq --no-install-recommends systemd >/dev/null
echo "system libraries installed"
