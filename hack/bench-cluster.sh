# Sourced by the benchmark scripts (from the repository's root): the simulated cluster with the
# HPA controller at its default 15 s sync, as users run it. Starts one if none runs and stops it
# on exit; refuses a running one that syncs at another period (a test run's 1 s).
#
#   bench_cluster NAME [VAR=value...]    e.g. bench_cluster ScaleBench SWELL_SIM_REAL_NODES=none
bench_cluster() {
  local name=$1
  shift
  local dir=${SWELL_SIM_DIR:-$PWD/.sim}
  export SWELL_SIM_HPA_SYNC=15s KUBECONFIG="$dir/kubeconfig"
  bench_cluster_started=0
  if ! hack/sim-cluster.sh status >/dev/null 2>&1; then
    env "$@" hack/sim-cluster.sh up
    bench_cluster_started=1
  fi
  trap 'if ((bench_cluster_started)); then hack/sim-cluster.sh down; fi' EXIT
  local sync
  sync=$(cat "$dir/hpa-sync" 2>/dev/null || echo unknown)
  if [[ $sync != 15s ]]; then
    echo "$name: the running simulated cluster syncs its HPA every $sync, not 15s: stop it (hack/sim-cluster.sh down) first" >&2
    exit 1
  fi
}
