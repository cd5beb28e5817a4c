#!/usr/bin/env bash
# The api load-step benchmark (ApiLoadBench): Swell on concurrency beside the HPA on CPU, on the
# real nodes, with the HPA syncing every 15 s as users run it. `make bench` runs it after the
# operator's KWOK benchmarks; alone: hack/bench-api.sh (about 15 minutes). Writes docs/bench/api.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mvn_=${MVN:-mvn -B -ntp}
hack/install-deps.sh
hack/build-controlplane.sh >/dev/null
hack/build-nodes.sh >/dev/null
export SWELL_SIM_HPA_SYNC=15s
export KUBECONFIG="${SWELL_SIM_DIR:-$repo/.sim}/kubeconfig"
KUBECTL="$(hack/build-controlplane.sh --bin-dir)/kubectl"
export KUBECTL
hack/images/build.sh >/dev/null
$mvn_ -q -pl operator,sample-app -am -DskipTests -Djib.disableUpdateChecks=true package jib:buildTar
started=0
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then hack/sim-cluster.sh up; started=1; fi
cleanup() { if ((started)); then hack/sim-cluster.sh down; fi; }
trap cleanup EXIT
running_sync=$(cat "${SWELL_SIM_DIR:-$repo/.sim}/hpa-sync" 2>/dev/null || echo unknown)
if [[ $running_sync != 15s ]]; then
  echo "bench-api: the running simulated cluster syncs its HPA every $running_sync, not 15s: stop it (hack/sim-cluster.sh down) first" >&2
  exit 1
fi
$mvn_ -pl operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ApiLoadBench -Dfailsafe.failIfNoSpecifiedTests=false "$@"
