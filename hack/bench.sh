#!/usr/bin/env bash
# `make bench`: the operator's reaction and idle cost on the simulated cluster, the api's load
# step on the real nodes (Swell on concurrency beside the HPA on CPU), and the sample app's
# throughput, each beside a baseline measured in the same run. Results: docs/benchmarks.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
hack/install-deps.sh --bench
hack/build-controlplane.sh >/dev/null
# the HPA is measured as users run it: the default 15 s sync (make test's cluster runs at 2 s)
export SWELL_SIM_HPA_SYNC=15s
started=0
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then SWELL_SIM_REAL_NODES=${SWELL_SIM_REAL_NODES:-none} hack/sim-cluster.sh up; started=1; fi
running_sync=$(cat "${SWELL_SIM_DIR:-$repo/.sim}/hpa-sync" 2>/dev/null || echo unknown)
if [[ $running_sync != 15s ]]; then
  echo "bench: the running simulated cluster syncs its HPA every $running_sync, not 15s: stop it (hack/sim-cluster.sh down) first" >&2
  exit 1
fi
cleanup() { if ((started)); then hack/sim-cluster.sh down; fi; }
trap cleanup EXIT
export KUBECONFIG="${SWELL_SIM_DIR:-$repo/.sim}/kubeconfig"
mkdir -p docs/bench
${MVN:-mvn -B -ntp} -pl operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ReactionBench -Dfailsafe.failIfNoSpecifiedTests=false
if [[ -x hack/bench-sample.sh ]]; then hack/bench-sample.sh; fi
# the api's load step needs real nodes and its own cluster
cleanup
started=0
MVN="${MVN:-mvn -B -ntp}" hack/bench-api.sh

# every section of make bench now comes from this one run
rm -f docs/bench/notes.md
hack/bench-report.sh
