#!/usr/bin/env bash
# Installs the system packages the tests and benchmarks use, once: redis-server (real Redis for
# the queue and cache tests), redis-tools (redis-cli, redis-benchmark) and, with --bench, wrk.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

pkgs=()
command -v redis-server >/dev/null || pkgs+=(redis-server)
command -v redis-cli >/dev/null || pkgs+=(redis-tools)
if [[ "${1:-}" == "--bench" ]]; then
  command -v wrk >/dev/null || pkgs+=(wrk)
fi
[[ ${#pkgs[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-deps: installing ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
# the package starts a system-wide server on 6379 where an init system runs; tests start their own
service redis-server stop >/dev/null 2>&1 || true
echo "install-deps: done"
