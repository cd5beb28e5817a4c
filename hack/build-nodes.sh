#!/usr/bin/env bash
# Builds what the simulated cluster's real nodes run, through the Go module proxy, once:
# kubelet and kube-proxy (the Kubernetes of hack/controlplane, 1.33), containerd 2 with its runc
# shim and ctr, crictl, CoreDNS (the plugins a cluster DNS uses), kube-network-policies (the
# NetworkPolicy enforcer kind uses) and a static pause binary.
# runc and the CNI plugins come from Debian (hack/install-deps.sh). The binaries go to a cache
# folder keyed by hack/nodes/ and this script; the Go build cache the control plane filled
# serves most of kubelet's packages.
#
#   hack/build-nodes.sh            build if needed (progress on stderr), print the bin folder
#   hack/build-nodes.sh --bin-dir  print the bin folder only (exit 1 if not built)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src="$here/nodes"
k8s_version=$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3; exit}' "$src/kubernetes/go.mod" | sed 's/^v//')
[[ -n "$k8s_version" ]] || { echo "build-nodes: no k8s.io/kubernetes in $src/kubernetes/go.mod" >&2; exit 1; }
key=$(cat "$src"/*/go.mod "$src"/*/go.sum "$src"/*/*.go "$0" | sha256sum | cut -c1-12)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swell/nodes/k8s-$k8s_version-$key"
bin="$cache/bin"

if [[ "${1:-}" == "--bin-dir" ]]; then
  [[ -f "$cache/.complete" ]] || { echo "node binaries not built: run $0" >&2; exit 1; }
  echo "$bin"; exit 0
fi
if [[ -f "$cache/.complete" ]]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "build-nodes: Go is required (https://go.dev/dl)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "build-nodes: gcc is required: run hack/install-deps.sh" >&2; exit 1; }
mkdir -p "$bin"
log="$cache/build.log"
: > "$log"
start=$(date +%s)

# the same version ldflags as hack/build-controlplane.sh, so the nodes report v$k8s_version
commit=$(printf '%s' "$k8s_version" | sha1sum | cut -c1-40)
minor=$(echo "$k8s_version" | cut -d. -f2)
k8s_ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $p.gitVersion=v$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  k8s_ldflags+=" -X $p.gitCommit=$commit -X $p.gitTreeState=clean -X $p.buildDate=2025-01-01T00:00:00Z"
done
version_of() { awk -v m="$2" '$1=="require" && $2==m {print $3; exit} $1==m {print $2; exit}' "$src/$1/go.mod"; }
containerd_version=$(version_of containerd github.com/containerd/containerd/v2)
crictl_version=$(version_of crictl sigs.k8s.io/cri-tools)
coredns_version=$(version_of coredns github.com/coredns/coredns)
netpol_version=$(version_of netpol sigs.k8s.io/kube-network-policies)

step=0
total=9
run_step() { # name command...: runs in the background, a dot every 15 s
  local name=$1; shift
  step=$((step + 1))
  local t0=$(date +%s)
  printf 'build-nodes: [%d/%d] %s ' "$step" "$total" "$name" >&2
  ( "$@" ) >>"$log" 2>&1 &
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
gobuild() { # module-dir output package ldflags [env...]
  local dir=$1 out=$2 package=$3 flags=$4; shift 4
  cd "$src/$dir" && env "$@" nice -n 10 go build -trimpath -ldflags "$flags" -o "$bin/$out" "$package"
}
pause() { # kubelet's pause container, from the Kubernetes module's own source, linked statically
  local dir
  dir=$(cd "$src/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)
  gcc -Os -static -DVERSION="v3.10-swell" -o "$bin/pause" "$dir/build/pause/linux/pause.c" && strip "$bin/pause"
}

echo "build-nodes: building kubelet, kube-proxy (v$k8s_version), containerd $containerd_version, crictl $crictl_version, CoreDNS $coredns_version, kube-network-policies $netpol_version and pause into $bin" >&2
echo "build-nodes: a cold build takes about 10 minutes on 2 cores after the control plane's; later runs take seconds" >&2
run_step kubelet gobuild kubernetes kubelet k8s.io/kubernetes/cmd/kubelet "$k8s_ldflags"
run_step kube-proxy gobuild kubernetes kube-proxy k8s.io/kubernetes/cmd/kube-proxy "$k8s_ldflags"
cd_ldflags="-s -w -X github.com/containerd/containerd/v2/version.Version=$containerd_version -X github.com/containerd/containerd/v2/version.Revision=swell"
# CGO off: no btrfs snapshotter (overlayfs is what the nodes use), static binaries
run_step containerd gobuild containerd containerd github.com/containerd/containerd/v2/cmd/containerd "$cd_ldflags" CGO_ENABLED=0
run_step containerd-shim-runc-v2 gobuild containerd containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 "$cd_ldflags" CGO_ENABLED=0
run_step ctr gobuild containerd ctr github.com/containerd/containerd/v2/cmd/ctr "$cd_ldflags" CGO_ENABLED=0
run_step crictl gobuild crictl crictl sigs.k8s.io/cri-tools/cmd/crictl "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$crictl_version"
run_step coredns gobuild coredns coredns . "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$coredns_version" CGO_ENABLED=0
run_step kube-network-policies gobuild netpol kube-network-policies sigs.k8s.io/kube-network-policies/cmd "-s -w"
run_step pause pause

"$bin/kubelet" --version >&2
"$bin/containerd" --version >&2
touch "$cache/.complete"
echo "build-nodes: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
