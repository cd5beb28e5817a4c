#!/usr/bin/env bash
# `make test`: every layer on a bare machine. Installs what it needs, builds the control plane and
# the node binaries once, then runs the layers in two simulated clusters, stopping each whatever
# happens:
#   1. unit (*Test), real-API-server (*IT) and cluster (*E2E) tests in one Maven run, on a
#      cluster of KWOK nodes only (their pods are simulated, so the tests can set their CPU);
#   2. the real-pod layer (*OnRealNodes): the images built offline (`make images`), and a cluster
#      whose nodes of SWELL_SIM_REAL_NODES (default: every worker) run containerd and kubelet.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mvn_=${MVN:-mvn -B -ntp}

hack/install-deps.sh
hack/build-controlplane.sh >/dev/null
hack/build-nodes.sh >/dev/null
# HpaDifferentialE2E steps the real HPA controller one sync at a time: a short sync keeps it quick
export SWELL_SIM_HPA_SYNC=${SWELL_SIM_HPA_SYNC:-2s}
export KUBECONFIG="${SWELL_SIM_DIR:-$repo/.sim}/kubeconfig"
# the tests' kubectl is the control plane's (1.33), not whatever the machine may have
KUBECTL="$(hack/build-controlplane.sh --bin-dir)/kubectl"
export KUBECTL
started=0
cleanup() { if ((started)); then hack/sim-cluster.sh down; fi; }
trap cleanup EXIT

echo "test: 1/2 unit, API server and KWOK-cluster layers"
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then
  SWELL_SIM_REAL_NODES=none hack/sim-cluster.sh up
  started=1
fi
$mvn_ verify "$@"

echo "test: 2/2 real pods"
if ((started)); then hack/sim-cluster.sh down; started=0; fi
hack/images/build.sh >/dev/null
$mvn_ -q -pl operator,sample-app -am -DskipTests -Djib.disableUpdateChecks=true package jib:buildTar
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then
  hack/sim-cluster.sh up
  started=1
fi
rm -f operator/target/failsafe-reports/TEST-*OnRealNodes.xml
$mvn_ -pl operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test='*OnRealNodes' "$@"
# the other modules have no such tests (hence the flag above); the operator must have run them
ls operator/target/failsafe-reports/TEST-*OnRealNodes.xml >/dev/null 2>&1 \
  || { echo "test: no *OnRealNodes test ran" >&2; exit 1; }
