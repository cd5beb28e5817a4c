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
KUBECTL="$(hack/build-controlplane.sh --bin-dir)/kubectl"
export KUBECTL
hack/images/build.sh >/dev/null
$mvn_ -q -pl operator,sample-app -am -DskipTests -Djib.disableUpdateChecks=true package jib:buildTar
. hack/bench-cluster.sh
bench_cluster bench-api
$mvn_ -pl operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ApiLoadBench -Dfailsafe.failIfNoSpecifiedTests=false "$@"
