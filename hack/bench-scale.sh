#!/usr/bin/env bash
# `make bench-scale`: thousands of worker-only ScalableServices on one operator (ScaleBench), on
# the simulated cluster's KWOK nodes: convergence, idle cost, burst reaction, status latency and
# restart, per size. Sizes: SWELL_BENCH_SCALE_SIZES (default 100,1000,5000); about 40 minutes at
# the default sizes on 2 cores. Writes docs/bench/scale.md, then docs/benchmarks.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mvn_=${MVN:-mvn -B -ntp}
hack/install-deps.sh
hack/build-controlplane.sh >/dev/null
export KUBECONFIG="${SWELL_SIM_DIR:-$repo/.sim}/kubeconfig"
started=0
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then SWELL_SIM_REAL_NODES=none hack/sim-cluster.sh up; started=1; fi
cleanup() { if ((started)); then hack/sim-cluster.sh down; fi; }
trap cleanup EXIT
$mvn_ -pl operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ScaleBench -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dswell.bench.scale.sizes="${SWELL_BENCH_SCALE_SIZES:-100,1000,5000}" "$@"
hack/bench-report.sh
