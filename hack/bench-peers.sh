#!/usr/bin/env bash
# `make bench-peers`: KEDA beside Swell (PeerBench) on the simulated cluster's KWOK nodes, the
# same Redis bursts for both in the same run. Builds KEDA from source once (hack/build-keda.sh,
# about 15 minutes cold on 2 cores, cached); the run takes about 30 minutes at the default 8
# rounds (SWELL_BENCH_PEERS_ROUNDS). Writes docs/bench/peers.md, then docs/benchmarks.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
keda_bin=$("$repo/hack/build-keda.sh")
exec "$repo/hack/bench-kwok.sh" PeerBench \
  -Dswell.keda.home="$(dirname "$keda_bin")" -Dswell.keda.version="$(basename "$(dirname "$keda_bin")")" \
  -Dswell.sim.pki="${SWELL_SIM_DIR:-$repo/.sim}/pki" -Dswell.bench.peers.rounds="${SWELL_BENCH_PEERS_ROUNDS:-8}" "$@"
