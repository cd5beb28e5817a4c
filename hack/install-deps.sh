#!/usr/bin/env bash
# Installs the system packages the tests and benchmarks use, once: redis-server (real Redis for
# the queue and cache tests, and the binary the simulated cluster's Redis image is made of),
# redis-tools (redis-cli, redis-benchmark), and what the simulated cluster's real nodes run on
# besides hack/build-nodes.sh's binaries: runc, the CNI plugins (bridge, host-local, loopback,
# portmap), iptables and conntrack (kube-proxy), nftables (to inspect and clean up) and gcc (the
# static pause binary).
# With --bench, also wrk. Then the job frameworks of the queue-type contract tests: Sidekiq from
# Debian (ruby-sidekiq, 6.4.1 on bookworm, with ruby-redis-namespace for its namespaced layout),
# and Celery, RQ and BullMQ, pinned (hack/frameworks/install.sh).
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

pkgs=()
command -v redis-server >/dev/null || pkgs+=(redis-server)
command -v redis-cli >/dev/null || pkgs+=(redis-tools)
# real nodes (hack/sim-cluster.sh, SWELL_SIM_REAL_NODES)
command -v runc >/dev/null || pkgs+=(runc)
[[ -x /usr/lib/cni/bridge ]] || pkgs+=(containernetworking-plugins)
command -v iptables >/dev/null || pkgs+=(iptables)
command -v conntrack >/dev/null || pkgs+=(conntrack)
command -v nft >/dev/null || pkgs+=(nftables)
command -v ip >/dev/null || pkgs+=(iproute2)
command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)  # the static pause binary
# Sidekiq's own worker and client (FrameworkQueuesTest)
command -v sidekiq >/dev/null || pkgs+=(ruby-sidekiq)
ruby -e 'require "redis/namespace"' >/dev/null 2>&1 || pkgs+=(ruby-redis-namespace)
if [[ "${1:-}" == "--bench" ]]; then
  command -v wrk >/dev/null || pkgs+=(wrk)
fi
frameworks() { "$(dirname "$0")/frameworks/install.sh"; }
if [[ ${#pkgs[@]} -eq 0 ]]; then frameworks; exit 0; fi

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-deps: installing ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
# packages must not start system-wide daemons (redis) where an init system runs: the tests and
# the simulated cluster start their own
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null && $sudo chmod +x $policy && made_policy=1
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
((made_policy)) && $sudo rm -f $policy
service redis-server stop >/dev/null 2>&1 || true
echo "install-deps: done"
frameworks
