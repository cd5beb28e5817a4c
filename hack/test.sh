#!/usr/bin/env bash
# `make test`: every layer on a bare machine. Installs Redis, builds the control plane once,
# starts the simulated cluster, runs unit (*Test), real-API-server (*IT) and cluster (*E2E)
# tests in one Maven run, and stops the cluster again whatever happens.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

hack/install-deps.sh
hack/build-controlplane.sh >/dev/null
# HpaDifferentialE2E steps the real HPA controller one sync at a time: a short sync keeps it quick
export SWELL_SIM_HPA_SYNC=${SWELL_SIM_HPA_SYNC:-2s}
started=0
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then
  hack/sim-cluster.sh up
  started=1
fi
cleanup() { if ((started)); then hack/sim-cluster.sh down; fi; }
trap cleanup EXIT
export KUBECONFIG="${SWELL_SIM_DIR:-$repo/.sim}/kubeconfig"
${MVN:-mvn -B -ntp} verify "$@"
