#!/usr/bin/env bash
# One benchmark class on the simulated cluster's KWOK nodes, with the HPA controller at its default
# 15 s sync as users run it: starts the cluster if none runs (and stops it after), then writes
# docs/benchmarks.md from docs/bench/. `make bench-scale` and `make bench-peers` run through it.
#
#   hack/bench-kwok.sh BenchClass [maven -D flags...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bench=${1:?usage: hack/bench-kwok.sh BenchClass [maven flags...]}
shift
mvn_=${MVN:-mvn -B -ntp}
# Maven and the operator need Java >= 21, as the Makefile sets it, when run by hand too
JAVA_HOME=$(hack/find-jdk.sh)
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
hack/install-deps.sh
hack/build-controlplane.sh >/dev/null
. hack/bench-cluster.sh
bench_cluster "$bench" SWELL_SIM_REAL_NODES=none
$mvn_ -pl operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test="$bench" -Dfailsafe.failIfNoSpecifiedTests=false "$@"
hack/bench-report.sh
