#!/usr/bin/env bash
# The simulated cluster: a real Kubernetes 1.33 control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler) with the nodes of kind-config.yaml, built from source
# by hack/build-controlplane.sh and hack/build-nodes.sh. No Docker, no registry, no network.
# Some nodes are real (a containerd and a kubelet each, pods on the bridge swell0, kube-proxy and
# CoreDNS: hack/nodes/realnodes.sh); the others are KWOK fakes, with metrics-server reading
# KWOK's simulated pod CPU.
#
#   hack/sim-cluster.sh up                 start it (idempotent); prints `export KUBECONFIG=...`
#   hack/sim-cluster.sh down               stop every process; leaves no process, port, mount,
#                                          netns, bridge, iptables rule or cgroup behind
#   hack/sim-cluster.sh status             each component's pid, port and health
#   hack/sim-cluster.sh load-images TAR..  import image tarballs into every real node's containerd
#
# Settings (environment): SWELL_SIM_DIR (state, default <repo>/.sim), SWELL_SIM_PORT_BASE
# (default 16440: apiserver +3, etcd +10/+11, controller-manager +20, scheduler +21, kwok +30,
# metrics-server +40, kube-proxy +45/+46, CoreDNS health/ready +47/+48, kubelets +50.. (two
# each)), SWELL_SIM_HPA_SYNC (HPA sync period, default 15s as in Kubernetes; make test uses 2s),
# SWELL_SIM_REAL_NODES (comma-separated node names, or `none` for KWOK nodes only; default
# every worker: swell-worker, swell-worker2, swell-worker3 (zones a, b, c) and swell-worker4, the
# dedicated node; the KWOK nodes of such a cluster get a kwok.x-k8s.io/node=fake:NoSchedule taint).
# Feature gate on in the apiserver and controller-manager: HPAConfigurableTolerance.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
state=${SWELL_SIM_DIR:-$repo/.sim}
# the port base `up` used, unless set: so `status` and `down` find the same cluster
base=${SWELL_SIM_PORT_BASE:-$(cat "$state/port-base" 2>/dev/null || echo 16440)}
api_port=$((base + 3))
etcd_port=$((base + 10))
etcd_peer_port=$((base + 11))
kcm_port=$((base + 20))
sched_port=$((base + 21))
kwok_port=$((base + 30))
ms_port=$((base + 40))
hpa_sync=${SWELL_SIM_HPA_SYNC:-15s}
# the HPA's per-direction tolerance (KEP-4951, alpha in 1.33), which the worker's behavior also takes
feature_gates=HPAConfigurableTolerance=true
pki=$state/pki
logs=$state/logs
kubeconfig=$state/kubeconfig
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok metrics-server)
images_dir=$repo/target/images
pause_image=docker.io/swell/pause:3.10
# shellcheck source=hack/nodes/realnodes.sh
source "$repo/hack/nodes/realnodes.sh"

say() { echo "sim-cluster: $*"; }

port_of() {
  case $1 in
    etcd) echo "$etcd_port" ;; kube-apiserver) echo "$api_port" ;; kube-controller-manager) echo "$kcm_port" ;;
    kube-scheduler) echo "$sched_port" ;; kwok) echo "$kwok_port" ;; metrics-server) echo "$ms_port" ;;
    *) node_port_of "$1" ;;
  esac
}

pid_of() { # pid of a running component, or nothing
  local f="$state/$1.pid"
  [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
  return 0
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fail_with_log() {
  say "$1 failed to start; the end of $logs/$1.log:"
  tail -25 "$logs/$1.log" >&2 || true
  exit 1
}

start() { # name command...
  local name=$1; shift
  if [[ -n "$(pid_of "$name")" ]]; then return 0; fi
  local port; port=$(port_of "$name")
  if [[ $port != - ]] && port_busy "$port"; then
    say "port $port (for $name) is taken by another process; set SWELL_SIM_PORT_BASE to move the cluster"
    exit 1
  fi
  setsid "$@" >"$logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$state/$name.pid"
}

wait_for() { # name seconds probe...
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [[ -n "$(pid_of "$name")" ]] || fail_with_log "$name"
    if ((SECONDS > deadline)); then say "$name not healthy after ${seconds}s"; fail_with_log "$name"; fi
    sleep 0.5
  done
}

https_ok() { curl -sf --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$1"; }
https_ok_insecure() { curl -skf --max-time 2 "$1"; }

make_pki() {
  # an earlier cluster's PKI without the bridge address (the apiserver as pods reach it) is renewed
  [[ -f $pki/admin.crt ]] && grep -q "IP:$bridge_ip" "$pki/apiserver.ext" 2>/dev/null && return 0
  rm -rf "$pki"
  command -v openssl >/dev/null || { say "installing openssl"; apt-get update -qq && apt-get install -y -qq openssl >/dev/null; }
  mkdir -p "$pki"
  local o="-loglevel error"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=swell-sim-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  sign() { # name subject extensions
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
    printf '%s\n' "$3" >"$pki/$1.ext"
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
      -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:$bridge_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  # the admin identity (system:masters) is also the serving cert of kwok and metrics-server and
  # the apiserver's proxy client for the metrics API, as kwokctl sets them up
  sign admin "/O=system:masters/CN=admin" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=clientAuth,serverAuth"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  : "$o"
}

write_kubeconfig() {
  cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: swell-sim
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: swell-sim
  context: {cluster: swell-sim, user: admin}
current-context: swell-sim
EOF
}

kwok_module_dir() { # where the Go module cache keeps kwok's CRDs and metric configs
  (cd "$repo/hack/controlplane/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
}

node_tools() { # the node binaries, where they are needed (real nodes) or built (down, status)
  nodebin=$("$repo/hack/build-nodes.sh" --bin-dir 2>/dev/null) || nodebin=""
  containerd_bin=$nodebin/containerd
  ctr_bin=$nodebin/ctr
  crictl_bin=$nodebin/crictl
}

cmd_up() {
  local bin
  bin=$("$repo/hack/build-controlplane.sh" | tail -1)
  mkdir -p "$state" "$logs"
  local k="$bin/kubectl --kubeconfig $kubeconfig"
  local real=()
  mapfile -t real < <(real_node_names)
  if [[ -f $state/real-nodes ]]; then mapfile -t real < <(recorded_real_nodes); fi
  local all_up=1
  for c in "${components[@]}" $(node_components "${real[@]}"); do [[ -n "$(pid_of "$c")" ]] || all_up=0; done
  if ((all_up)); then
    say "already running"
    echo "export KUBECONFIG=$kubeconfig"
    return 0
  fi
  local t0=$SECONDS
  # where pods can reach the apiserver (the `kubernetes` Service): the bridge's address
  local api_bind=127.0.0.1 api_advertise=127.0.0.1 reconciler=none api_extra=()
  if ((${#real[@]})); then
    "$repo/hack/build-nodes.sh" >/dev/null
    "$repo/hack/images/build.sh" "$images_dir" >/dev/null
    node_tools
    check_host_free
    record_host_state
    setup_network
    api_bind=0.0.0.0 api_advertise=$bridge_ip reconciler=lease
    # the real nodes' names are not in any DNS: exec, logs and port-forward go to their address
    api_extra=(--kubelet-preferred-address-types InternalIP,Hostname)
  fi
  echo "$base" >"$state/port-base"
  make_pki
  write_kubeconfig

  say "starting etcd on 127.0.0.1:$etcd_port"
  start etcd "$bin/etcd" --name sim --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "sim=http://127.0.0.1:$etcd_peer_port" --listen-metrics-urls "" \
    --quota-backend-bytes 4294967296 --unsafe-no-fsync
  wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

  say "starting kube-apiserver on $api_bind:$api_port"
  start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address "$api_bind" --advertise-address "$api_advertise" --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --proxy-client-cert-file "$pki/admin.crt" --proxy-client-key-file "$pki/admin.key" \
    --requestheader-client-ca-file "$pki/ca.crt" --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group --requestheader-extra-headers-prefix X-Remote-Extra- \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode Node,RBAC --allow-privileged=true \
    --feature-gates "$feature_gates" \
    --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
    --endpoint-reconciler-type "$reconciler" "${api_extra[@]}"
  wait_for kube-apiserver 90 https_ok "https://127.0.0.1:$api_port/readyz"

  say "starting kube-controller-manager and kube-scheduler"
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
    --root-ca-file "$pki/ca.crt" --service-account-private-key-file "$pki/sa.key" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --controllers '*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle-controller' \
    --horizontal-pod-autoscaler-sync-period "$hpa_sync" --kube-api-qps 200 --kube-api-burst 400 \
    --feature-gates "$feature_gates" \
    --authorization-always-allow-paths /healthz,/readyz,/livez,/metrics
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false \
    --authorization-always-allow-paths /healthz,/readyz,/livez,/metrics
  wait_for kube-controller-manager 60 https_ok_insecure "https://127.0.0.1:$kcm_port/healthz"
  echo "$hpa_sync" >"$state/hpa-sync" # what a reused cluster runs with (bench.sh checks it)
  wait_for kube-scheduler 60 https_ok_insecure "https://127.0.0.1:$sched_port/healthz"

  local kwokdir
  kwokdir=$(kwok_module_dir)
  say "installing KWOK's metric and usage resources"
  $k apply --server-side -f "$kwokdir/kustomize/crd/bases/kwok.x-k8s.io_metrics.yaml" \
    -f "$kwokdir/kustomize/crd/bases/kwok.x-k8s.io_clusterresourceusages.yaml" \
    -f "$kwokdir/kustomize/crd/bases/kwok.x-k8s.io_resourceusages.yaml" >/dev/null
  $k wait --for condition=Established --timeout 30s crd/metrics.kwok.x-k8s.io \
    crd/clusterresourceusages.kwok.x-k8s.io crd/resourceusages.kwok.x-k8s.io >/dev/null
  $k apply --server-side -f "$kwokdir/kustomize/metrics/resource/metrics-resource.yaml" \
    -f "$kwokdir/kustomize/metrics/usage/usage-from-annotation.yaml" >/dev/null

  say "starting kwok on 127.0.0.1:$kwok_port"
  start kwok "$bin/kwok" --kubeconfig "$kubeconfig" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port" \
    --tls-cert-file "$pki/admin.crt" --tls-private-key-file "$pki/admin.key" \
    --node-lease-duration-seconds 40 --enable-crds Metric,ClusterResourceUsage,ResourceUsage
  wait_for kwok 30 https_ok_insecure "https://127.0.0.1:$kwok_port/healthz"

  say "creating the nodes of kind-config.yaml"
  local nodes="$state/kindnodes"
  (cd "$repo/hack/sim/kindnodes" && go build -o "$nodes" .)
  "$nodes" "$repo/kind-config.yaml" >"$state/nodes.yaml"
  split_nodes "$state/nodes.yaml" "${real[@]}" | $k apply --server-side -f - >/dev/null

  say "starting metrics-server on 127.0.0.1:$ms_port"
  start metrics-server "$bin/metrics-server" --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$ms_port" \
    --tls-cert-file "$pki/admin.crt" --tls-private-key-file "$pki/admin.key" \
    --kubelet-preferred-address-types InternalIP --kubelet-use-node-status-port --kubelet-insecure-tls \
    --metric-resolution 15s
  wait_for metrics-server 60 https_ok_insecure "https://127.0.0.1:$ms_port/livez"
  # the aggregator reaches metrics-server only on loopback: an ExternalName Service "localhost"
  $k apply --server-side -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: metrics-server, namespace: kube-system}
spec: {type: ExternalName, externalName: localhost}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  insecureSkipTLSVerify: true
  service: {name: metrics-server, namespace: kube-system, port: $ms_port}
EOF

  realnodes_up "${real[@]}"

  say "waiting for the nodes to be Ready"
  $k wait --for condition=Ready --timeout 120s node --all >/dev/null
  $k get nodes -o wide -L topology.kubernetes.io/zone,dedicated
  say "up in $((SECONDS - t0))s"
  echo "export KUBECONFIG=$kubeconfig"
}

cmd_down() {
  local any=0
  node_tools
  [[ -f $state/real-nodes || -d $host_state ]] && { realnodes_down; any=1; }
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    local c=${components[i]} pid
    pid=$(pid_of "$c")
    if [[ -n "$pid" ]]; then
      any=1
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$state/$c.pid"
  done
  rm -rf "$state/etcd" "$state/port-base"
  for c in "${components[@]}"; do
    if port_busy "$(port_of "$c")"; then say "warning: port $(port_of "$c") ($c) is still in use"; fi
  done
  ((any)) && say "stopped" || say "not running"
}

cmd_status() {
  local rc=0
  printf '%-24s %-8s %-6s %s\n' COMPONENT PID PORT STATE
  for c in "${components[@]}"; do
    local pid state_
    pid=$(pid_of "$c")
    if [[ -z "$pid" ]]; then state_=stopped; rc=1
    elif port_busy "$(port_of "$c")"; then state_=running
    else state_=starting; rc=1
    fi
    printf '%-24s %-8s %-6s %s\n' "$c" "${pid:--}" "$(port_of "$c")" "$state_"
  done
  realnodes_status || rc=1
  [[ $rc -eq 0 ]] && echo "export KUBECONFIG=$kubeconfig"
  return $rc
}

cmd_load_images() { # tarball...
  node_tools
  local n
  while read -r n; do
    [[ -n "$(pid_of "containerd-$n")" ]] || { say "real node $n is not running"; exit 1; }
    import_images "$n" "$@"
    say "imported $# image(s) into $n"
  done < <(recorded_real_nodes)
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  load-images) shift; cmd_load_images "$@" ;;
  *) echo "usage: $0 up|down|status|load-images TAR..." >&2; exit 2 ;;
esac
