#!/usr/bin/env bash
# Builds KEDA (its operator and its metrics adapter) from source, through the Go module proxy,
# once, for the peer benchmark (make bench-peers; never make test). KEDA's go.mod pins its
# Kubernetes libraries with replace directives, so the module's own tree is built as it is
# released: copied out of the module cache and built there.
#
#   hack/build-keda.sh            build if needed (progress on stderr), print the bin folder
#   hack/build-keda.sh --bin-dir  print the bin folder only (exit 1 if not built)
#   KEDA_VERSION=v2.20.2          the release to build (the one the benchmark was written against)
set -euo pipefail

version=${KEDA_VERSION:-v2.20.2}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swell/keda/$version"
bin="$cache/bin"

if [[ "${1:-}" == "--bin-dir" ]]; then
  [[ -f "$cache/.complete" ]] || { echo "KEDA not built: run $0" >&2; exit 1; }
  echo "$bin"; exit 0
fi
if [[ -f "$cache/.complete" ]]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "build-keda: Go is required (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$bin"
log="$cache/build.log"
: > "$log"
start=$(date +%s)
echo "build-keda: KEDA $version into $bin; a cold build downloads its modules and compiles for about 15 minutes on 2 cores (log: $log)" >&2

dir=$(cd /tmp && go mod download -json "github.com/kedacore/keda/v2@$version" | awk -F'"' '$2=="Dir" {print $4}')
[[ -d "$dir" ]] || { echo "build-keda: the module proxy gave no source for KEDA $version" >&2; exit 1; }
rm -rf "$cache/src" "$cache/crds"
cp -r "$dir" "$cache/src"
chmod -R u+w "$cache/src"
cp -r "$cache/src/config/crd/bases" "$cache/crds"

ldflags="-s -w -X=github.com/kedacore/keda/v2/version.Version=${version#v} -X=github.com/kedacore/keda/v2/version.GitCommit=swell"
for target in operator:keda adapter:keda-adapter; do
  t0=$(date +%s)
  printf 'build-keda: %s ' "${target#*:}" >&2
  ( cd "$cache/src" && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$ldflags" \
      -o "$bin/${target#*:}" "./cmd/${target%%:*}" ) >>"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null && printf '.' >&2
  done
  wait "$pid" || { echo " FAILED" >&2; tail -30 "$log" >&2; exit 1; }
  printf ' %ds\n' $(( $(date +%s) - t0 )) >&2
done
rm -rf "$cache/src"
touch "$cache/.complete"
echo "build-keda: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
