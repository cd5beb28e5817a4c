#!/usr/bin/env bash
# Builds the simulated cluster's control plane from source, through the Go module proxy, once:
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl (Kubernetes 1.33), etcd 3.5,
# kwok and metrics-server. The binaries go to a cache folder keyed by the pinned versions (in the
# user's cache dir, not the repo), and kube-apiserver, etcd and kubectl are also laid out where
# fabric8 kube-api-test looks for them offline (~/.kubeapitest/k8s/<version>-linux-amd64/).
#
#   hack/build-controlplane.sh            build if needed (progress on stderr), print the bin folder
#   hack/build-controlplane.sh --bin-dir  print the bin folder only (exit 1 if not built)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src="$here/controlplane"
k8s_version=$(awk '$1=="k8s.io/kubernetes" {print $2; exit}' "$src/kubernetes/go.mod" | sed 's/^v//')
[[ -n "$k8s_version" ]] || k8s_version=$(grep -m1 -o 'k8s.io/kubernetes v[0-9.]*' "$src/kubernetes/go.mod" | sed 's/.* v//')
key=$(cat "$src"/*/go.mod "$src"/*/go.sum "$src"/*/*.go | sha256sum | cut -c1-12)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swell/controlplane/k8s-$k8s_version-$key"
bin="$cache/bin"

if [[ "${1:-}" == "--bin-dir" ]]; then
  [[ -f "$cache/.complete" ]] || { echo "control plane not built: run $0" >&2; exit 1; }
  echo "$bin"; exit 0
fi

layout_kube_api_test() {
  local dir="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/$k8s_version-linux-amd64"
  mkdir -p "$dir"
  for b in kube-apiserver etcd kubectl; do
    ln -f "$bin/$b" "$dir/$b" 2>/dev/null || cp -f "$bin/$b" "$dir/$b"
  done
}

if [[ -f "$cache/.complete" ]]; then
  layout_kube_api_test
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "build-controlplane: Go is required (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$bin"
log="$cache/build.log"
: > "$log"
start=$(date +%s)

# The version the binaries report (/version, kubectl version): the component-base and client-go
# defaults are placeholders unless set at link time.
commit=$(printf '%s' "$k8s_version" | sha1sum | cut -c1-40)
pkg=k8s.io/component-base/version
cpkg=k8s.io/client-go/pkg/version
minor=$(echo "$k8s_version" | cut -d. -f2)
k8s_ldflags="-s -w"
for p in $pkg $cpkg; do
  k8s_ldflags+=" -X $p.gitVersion=v$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  k8s_ldflags+=" -X $p.gitCommit=$commit -X $p.gitTreeState=clean -X $p.buildDate=2025-01-01T00:00:00Z"
done

step=0
total=7
build() { # name module-dir package [ldflags]
  local name=$1 dir=$2 package=$3 flags=${4:-"-s -w"}
  step=$((step + 1))
  local t0=$(date +%s)
  printf 'build-controlplane: [%d/%d] %s ' "$step" "$total" "$name" >&2
  ( cd "$src/$dir" && nice -n 5 go build -trimpath -ldflags "$flags" -o "$bin/$name" "$package" ) >>"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null && printf '.' >&2
  done
  if ! wait "$pid"; then
    echo " FAILED" >&2; tail -30 "$log" >&2; exit 1
  fi
  printf ' %ds (total %ds)\n' $(( $(date +%s) - t0 )) $(( $(date +%s) - start )) >&2
}

echo "build-controlplane: building Kubernetes v$k8s_version, etcd, kwok and metrics-server into $bin" >&2
echo "build-controlplane: a cold build takes 20-40 minutes on 2 cores; later runs take seconds" >&2
build kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build kube-controller-manager kubernetes k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build kube-scheduler kubernetes k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
build kubectl kubernetes k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
build etcd etcd .
build kwok kwok sigs.k8s.io/kwok/cmd/kwok "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v0.7.0"
build metrics-server metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server \
  "-s -w -X sigs.k8s.io/metrics-server/pkg/version.gitVersion=v0.9.0"

"$bin/kube-apiserver" --version >&2
touch "$cache/.complete"
layout_kube_api_test
echo "build-controlplane: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
