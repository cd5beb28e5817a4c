# Real nodes for hack/sim-cluster.sh (sourced by it, not run): per node a containerd and a kubelet,
# and once for all of them a bridge, kube-proxy and CoreDNS. All nodes share the host's network
# namespace, so one kube-proxy programs the Services for every node, and the pods of every node
# sit on one bridge, each node handing out addresses from its own slice of 10.244.0.0/16.
#
# Everything a real node changes outside $state is recorded in $state/host/ before `up` touches it
# and put back by `down` (realnodes_down): sysctls, nftables tables, iptables KUBE-* chains, the
# bridge and its veths, pod network namespaces, mounts, cgroups, and the folders containerd,
# kubelet and the CNI plugins write to on their own (/run/containerd, /var/run/netns,
# /var/lib/cni, /var/log/containers).

bridge=swell0
bridge_ip=10.244.0.1
pod_cidr=10.244.0.0/16
service_cidr=10.96.0.0/16
cluster_dns=$bridge_ip
nodes_state=$state/nodes
host_state=$state/host
cgroup_root_name=swell-sim-$base
# the sysctls kubelet, kube-proxy and the bridge plugin may change
host_sysctls=(net.ipv4.ip_forward net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables
  net.bridge.bridge-nf-call-ip6tables vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)
# folders written outside $state; those that did not exist before `up` are removed by `down`
host_dirs=(/run/containerd /var/run/netns /var/lib/cni /var/log/containers)

kube_proxy_healthz_port=$((base + 45))
kube_proxy_metrics_port=$((base + 46))
coredns_health_port=$((base + 47))
netpol_metrics_port=$((base + 49))
netpol_queue=100 # the nfqueue kube-network-policies reads new pod-to-pod connections from
coredns_ready_port=$((base + 48))
kubelet_port() { echo $((base + 50 + 2 * $1)); }         # $1: the node's position among the real nodes
kubelet_healthz_port() { echo $((base + 51 + 2 * $1)); }

# The real nodes: SWELL_SIM_REAL_NODES, comma-separated kind node names, or `none`. The default
# makes every worker real (zone-a, zone-b, zone-c and the dedicated, tainted node), so spread,
# anti-affinity and dedicated placement land on running pods; the control plane stays KWOK's.
real_node_names() {
  local v=${SWELL_SIM_REAL_NODES:-swell-worker,swell-worker2,swell-worker3,swell-worker4}
  [[ $v == none || -z $v ]] && return 0
  tr ',' '\n' <<<"$v" | sed '/^$/d'
}

# what `up` started with, so `down` and `status` need no environment
recorded_real_nodes() { [[ -f $state/real-nodes ]] && cat "$state/real-nodes"; return 0; }

node_components() { # the processes of the real nodes, in start order
  local names=("$@") n
  ((${#names[@]})) || return 0
  for n in "${names[@]}"; do echo "containerd-$n"; echo "kubelet-$n"; done
  echo kube-proxy; echo coredns; echo kube-network-policies
}

node_port_of() { # component -> port shown by status ("-" for none)
  local c=$1 i=0 n
  case $c in
    kube-proxy) echo "$kube_proxy_healthz_port"; return ;;
    coredns) echo "$coredns_health_port"; return ;;
    kube-network-policies) echo "$netpol_metrics_port"; return ;;
    containerd-*) echo "-"; return ;;
  esac
  while read -r n; do
    [[ $c == "kubelet-$n" ]] && { kubelet_port "$i"; return; }
    i=$((i + 1))
  done < <(recorded_real_nodes)
  echo "-"
}

# Splits kindnodes' YAML stream. The real nodes lose the KWOK annotation, the type=kwok label and
# the simulated status, so their kubelets adopt them (kubelet keeps the labels, taints and podCIDR
# of a Node that already exists). The KWOK nodes of a cluster with real nodes get one more taint,
# kwok.x-k8s.io/node=fake:NoSchedule, so that only pods that ask for a fake node (a toleration)
# land where nothing runs.
split_nodes() { # nodes.yaml real-node-name...
  local file=$1; shift
  awk -v real="$*" '
    BEGIN { n = split(real, r, " "); for (i = 1; i <= n; i++) isreal[r[i]] = 1 }
    function flush() { if (doc != "") printf "%s", doc; doc = "" }
    /^---$/ { flush(); doc = "---\n"; name = ""; skip = 0; tainted = 0; next }
    /^  name: / && name == "" { name = $2 }
    /^  taints:/ { tainted = 1 }
    /^status:/ {
      if (isreal[name]) skip = 1
      else if (n > 0) {
        if (!tainted) doc = doc "  taints:\n"
        doc = doc "  - key: kwok.x-k8s.io/node\n    value: \"fake\"\n    effect: NoSchedule\n"
      }
    }
    {
      if (isreal[name] && ($0 ~ /kwok.x-k8s.io\/node: fake/ || $0 ~ /^    type: "kwok"$/ || $0 ~ /resource-metrics-path/)) next
      if (!skip) doc = doc $0 "\n"
    }
    END { flush() }
  ' "$file"
}

record_host_state() {
  [[ -d $host_state ]] && return 0   # recorded by an earlier `up` that `down` has not undone yet
  mkdir -p "$host_state"
  local s
  for s in "${host_sysctls[@]}"; do
    local v; v=$(sysctl -n "$s" 2>/dev/null) && printf '%s=%s\n' "$s" "$v"
  done >"$host_state/sysctls"
  nft list tables 2>/dev/null | sort >"$host_state/nft-tables" || true
  local d
  for d in "${host_dirs[@]}"; do [[ -e $d ]] && echo "$d"; done >"$host_state/dirs"
  ls /var/run/netns 2>/dev/null | sort >"$host_state/netns" || true
}

# One cluster with real nodes per machine: the bridge, its addresses, the Service route and the
# nft table are the host's. The bridge's alias names the cluster (its state folder) that made it.
bridge_owner() { cat "/sys/class/net/$bridge/ifalias" 2>/dev/null || true; }

check_host_free() {
  if ip link show "$bridge" >/dev/null 2>&1 && [[ "$(bridge_owner)" != "$state" ]]; then
    say "bridge $bridge belongs to the simulated cluster in $(bridge_owner): stop it first (hack/sim-cluster.sh down there)"
    exit 1
  fi
}

setup_network() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip link set "$bridge" alias "$state"
    ip addr add "$bridge_ip/16" dev "$bridge"
    ip link set "$bridge" up
  fi
  # Service IPs go to the bridge, never out of the host's own interface, also before kube-proxy runs
  ip route replace "$service_cidr" dev "$bridge" src "$bridge_ip"
  modprobe br_netfilter 2>/dev/null || true
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.ipv4.ip_forward=1 >/dev/null
  # pods talk to each other, to Services and to the host; nothing from the bridge leaves the machine
  nft -f - <<EOF
table inet swell_sim
delete table inet swell_sim
table inet swell_sim {
  chain forward {
    type filter hook forward priority -5; policy accept;
    iifname "$bridge" oifname != "$bridge" drop
  }
}
EOF
}

node_dir() { echo "$nodes_state/$1"; }

node_pki() { # node: a client certificate system:node:<node> in system:nodes, for the Node authorizer
  local n=$1
  [[ -f $pki/node-$n.crt ]] && return 0
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:nodes/CN=system:node:$n" \
    -keyout "$pki/node-$n.key" -out "$pki/node-$n.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$pki/node-$n.ext"
  openssl x509 -req -in "$pki/node-$n.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
    -extfile "$pki/node-$n.ext" -out "$pki/node-$n.crt" 2>/dev/null
}

make_cgroup_root() { # node: kubelet's cgroupRoot must exist in every hierarchy it uses
  local n=$1 h
  for h in /sys/fs/cgroup/*/; do
    [[ -d $h && ! -L ${h%/} ]] || continue
    mkdir -p "$h$cgroup_root_name/$n"
    if [[ -f ${h}cpuset.cpus ]]; then # a new cpuset group starts empty: give it the parent's
      for f in cpuset.cpus cpuset.mems; do
        cat "$h$f" >"$h$cgroup_root_name/$f"; cat "$h$f" >"$h$cgroup_root_name/$n/$f"
      done
    fi
  done
}

containerd_config() { # node index
  local n=$1 i=$2 d; d=$(node_dir "$n")
  mkdir -p "$d/cni/net.d" "$d/containerd"
  cat >"$d/cni/net.d/10-swell.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "swell", "plugins": [
  {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$d/cni/ipam",
            "ranges": [[{"subnet": "$pod_cidr", "rangeStart": "10.244.$i.2", "rangeEnd": "10.244.$i.254",
                         "gateway": "$bridge_ip"}]],
            "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
EOF
  # restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, so runc cannot set the negative
  # oom_score_adj the CRI asks for (every sandbox would fail); it is clamped to containerd's own
  cat >"$d/containerd/config.toml" <<EOF
version = 3
root = "$d/containerd/root"
state = "$d/containerd/state"
oom_score = 0
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = "$d/containerd-debug.sock"
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$pause_image"
[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
        Root = "$d/containerd/runc-root"
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$d/cni/net.d"
    max_conf_num = 1
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
  printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 10\n' \
    "$d/containerd.sock" "$d/containerd.sock" >"$d/crictl.yaml"
}

kubelet_config() { # node position taints-yaml
  local n=$1 k=$2 d; d=$(node_dir "$n")
  mkdir -p "$d/kubelet"
  : >"$d/resolv.conf"  # pods get only the cluster DNS: the host's resolvers are not theirs to use
  cat >"$d/kubelet/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: swell-sim
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$pki/ca.crt"}
users:
- name: $n
  user: {client-certificate: "$pki/node-$n.crt", client-key: "$pki/node-$n.key"}
contexts:
- name: swell-sim
  context: {cluster: swell-sim, user: $n}
current-context: swell-sim
EOF
  cat >"$d/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$d/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /$cgroup_root_name/$n
cgroupsPerQOS: true
failSwapOn: false
failCgroupV1: false
address: $bridge_ip
port: $(kubelet_port "$k")
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $(kubelet_healthz_port "$k")
# only the CA's clients (the apiserver, metrics-server: the admin certificate) reach the kubelet API
authentication: {anonymous: {enabled: false}, webhook: {enabled: false}, x509: {clientCAFile: "$pki/ca.crt"}}
authorization: {mode: AlwaysAllow}
clusterDNS: [$cluster_dns]
clusterDomain: cluster.local
resolvConf: $d/resolv.conf
podLogsDir: $d/pod-logs
volumePluginDir: $d/volume-plugins
serializeImagePulls: false
# images come from tarballs, not a registry: never collect them
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
maxPods: 110
EOF
}

start_node() { # node position kind-index
  local n=$1 k=$2 i=$3 d; d=$(node_dir "$n")
  node_pki "$n"
  make_cgroup_root "$n"
  containerd_config "$n" "$i"
  kubelet_config "$n" "$k"
  PATH="$nodebin:$PATH" start "containerd-$n" "$containerd_bin" --config "$d/containerd/config.toml"
  wait_for "containerd-$n" 30 "$ctr_bin" -a "$d/containerd.sock" version
  # the sandbox and Redis images, and our Jib images where `make images` built them
  import_images "$n" "$images_dir/pause.tar" "$images_dir/redis.tar" "$images_dir/frameworks.tar" \
    "$repo/operator/target/jib-image.tar" "$repo/sample-app/target/jib-image.tar"
  start "kubelet-$n" nice -n 5 "$nodebin/kubelet" --config "$d/kubelet/config.yaml" \
    --kubeconfig "$d/kubelet/kubeconfig" --root-dir "$d/kubelet/root" --cert-dir "$d/kubelet/pki" \
    --hostname-override "$n" --node-ip "$bridge_ip" -v=1
}

import_images() { # node tarball...
  local n=$1; shift
  local sock; sock="$(node_dir "$n")/containerd.sock"
  local t
  for t in "$@"; do
    [[ -f $t ]] || continue
    "$ctr_bin" -a "$sock" -n k8s.io images import "$t" >>"$logs/images.log" 2>&1 \
      || { say "importing $t into $n failed"; return 1; }
  done
}

start_kube_proxy() { # first real node
  cat >"$nodes_state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$kubeconfig"}
mode: iptables
clusterCIDR: $pod_cidr
hostnameOverride: $1
healthzBindAddress: 127.0.0.1:$kube_proxy_healthz_port
metricsBindAddress: 127.0.0.1:$kube_proxy_metrics_port
nodePortAddresses: [$bridge_ip/32]
# leave the host's conntrack sysctls and route_localnet alone
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 1s}
EOF
  start kube-proxy "$nodebin/kube-proxy" --config "$nodes_state/kube-proxy.yaml" -v=1
}

start_coredns() {
  cat >"$nodes_state/Corefile" <<EOF
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
  bind $bridge_ip
  errors
  health 127.0.0.1:$coredns_health_port
  ready 127.0.0.1:$coredns_ready_port
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $kubeconfig swell-sim
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 30
  loadbalance
}
EOF
  start coredns "$nodebin/coredns" -conf "$nodes_state/Corefile"
}

# NetworkPolicy, as kind enforces it: kube-network-policies judges the first packet of every new
# connection between pods. This kernel has no nftables queue (CONFIG_NFT_QUEUE), so the packets
# reach it from an iptables NFQUEUE rule on the bridge's forwarding path instead of its own nft
# rules (which it fails to install, logs, and goes on without). It only knows in-cluster
# credentials: a private mount namespace gives it a ServiceAccount token where pods have theirs.
# Traffic from the host (probes, tests, CoreDNS on the bridge address) is not forwarded: unjudged.
start_netpol() { # first real node
  local sa=$nodes_state/netpol-sa k="$bin/kubectl --kubeconfig $kubeconfig" # bin: cmd_up's
  mkdir -p "$sa"
  $k apply --server-side -f "$repo/hack/nodes/netpol/rbac.yaml" >/dev/null
  $k -n kube-system create token kube-network-policies --duration=48h >"$sa/token"
  cp "$pki/ca.crt" "$sa/ca.crt"
  echo kube-system >"$sa/namespace"
  start kube-network-policies unshare -m --propagation private sh -c '
    mount -t tmpfs -o size=1m,mode=755 tmpfs /run &&
    mkdir -p /run/secrets/kubernetes.io/serviceaccount &&
    cp "$1"/* /run/secrets/kubernetes.io/serviceaccount/ &&
    shift && exec "$@"' sh "$sa" \
    env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$api_port" \
    "$nodebin/kube-network-policies" --hostname-override "$1" --nfqueue-id "$netpol_queue" \
    --netfilter-bug-1766-fix=false --metrics-bind-address "127.0.0.1:$netpol_metrics_port" -v=2
  wait_for kube-network-policies 30 curl -sf "http://127.0.0.1:$netpol_metrics_port/metrics"
  iptables -t mangle -I FORWARD 1 -i "$bridge" -m conntrack --ctstate NEW \
    -m comment --comment swell-sim-netpol -j NFQUEUE --queue-num "$netpol_queue" --queue-bypass
}

realnodes_up() { # node names...
  ((${#@})) || return 0
  printf '%s\n' "$@" >"$state/real-nodes"
  local k=0 n i
  for n in "$@"; do
    i=$(awk -v n="$n" '/^---$/ {doc++} $1=="name:" && $2==n {print doc - 1; exit}' "$state/nodes.yaml")
    [[ -n $i ]] || { say "SWELL_SIM_REAL_NODES names $n, which is not a node of kind-config.yaml"; exit 1; }
    say "starting real node $n: containerd and kubelet on $bridge_ip:$(kubelet_port "$k") (pods 10.244.$i.0/24)"
    start_node "$n" "$k" "$i"
    k=$((k + 1))
  done
  k=0
  for n in "$@"; do
    wait_for "kubelet-$n" 60 curl -sf "http://127.0.0.1:$(kubelet_healthz_port "$k")/healthz"
    k=$((k + 1))
  done
  say "starting kube-proxy (iptables) and CoreDNS on $bridge_ip:53"
  start_kube_proxy "$1"
  start_coredns
  wait_for kube-proxy 30 curl -sf "http://127.0.0.1:$kube_proxy_healthz_port/healthz"
  wait_for coredns 30 curl -sf "http://127.0.0.1:$coredns_ready_port/ready"
  say "starting kube-network-policies (NetworkPolicy, on new connections between pods)"
  start_netpol "$1"
}

stop_pid() { # pid: TERM its group (or it), wait up to 5 s, then KILL
  local pid=$1
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

# Stops every real-node process and puts the host back as record_host_state found it.
realnodes_down() {
  local names=() n
  mapfile -t names < <(recorded_real_nodes)
  local p
  while iptables -t mangle -D FORWARD -i "$bridge" -m conntrack --ctstate NEW \
    -m comment --comment swell-sim-netpol -j NFQUEUE --queue-num "$netpol_queue" --queue-bypass 2>/dev/null; do :; done
  for c in kube-network-policies coredns kube-proxy; do p=$(pid_of "$c"); [[ -n $p ]] && stop_pid "$p"; rm -f "$state/$c.pid"; done
  for n in "${names[@]}"; do p=$(pid_of "kubelet-$n"); [[ -n $p ]] && stop_pid "$p"; rm -f "$state/kubelet-$n.pid"; done
  for n in "${names[@]}"; do
    local d; d=$(node_dir "$n")
    if [[ -n "$(pid_of "containerd-$n")" && -x ${crictl_bin:-} ]]; then
      # stops and removes every pod sandbox: the CNI plugins delete their veths, netns and addresses
      timeout 60 "$crictl_bin" --config "$d/crictl.yaml" rmp -af >/dev/null 2>&1 || true
    fi
    p=$(pid_of "containerd-$n"); [[ -n $p ]] && stop_pid "$p"; rm -f "$state/containerd-$n.pid"
    # shims outlive containerd by design: those of this node's socket go too
    local s
    for s in $(pgrep -f "containerd-shim-runc-v2 .*-address $d/containerd.sock" 2>/dev/null); do stop_pid "$s"; done
  done
  [[ -x ${nodebin:-}/kube-proxy ]] && "$nodebin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  cleanup_host
  rm -f "$state/real-nodes"
}

cleanup_host() {
  [[ -d $host_state ]] || return 0
  local m
  # mounts: kubelet's root bind mount, volumes, containerd's overlays and shm, pod netns
  for _ in 1 2 3; do
    while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
      findmnt -rn -o TARGET | grep -E "^($nodes_state/|/run/containerd/|/var/run/netns/|/run/netns/)" | sort -r || true)
  done
  # pod network namespaces made since `up`
  local ns
  for ns in $(ls /var/run/netns 2>/dev/null); do
    grep -qx "$ns" "$host_state/netns" 2>/dev/null || ip netns delete "$ns" 2>/dev/null || rm -f "/var/run/netns/$ns"
  done
  if ip link show "$bridge" >/dev/null 2>&1 && [[ "$(bridge_owner)" == "$state" ]]; then
    local v
    for v in $(ip -o link show master "$bridge" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link delete "$v" 2>/dev/null || true
    done
    ip link delete "$bridge"
  fi
  nft delete table inet swell_sim 2>/dev/null || true
  nft delete table inet kube-network-policies 2>/dev/null || true
  clean_kube_chains
  # the nftables tables iptables-nft made for those chains, where they were not there before and
  # hold no rule now
  local fam tab ipt
  while read -r _ fam tab; do
    [[ -n $tab ]] || continue
    grep -qxF "table $fam $tab" "$host_state/nft-tables" && continue
    case $fam in ip) ipt=iptables ;; ip6) ipt=ip6tables ;; *) continue ;; esac
    case $tab in filter|nat|mangle|raw|security) ;; *) continue ;; esac
    if [[ $($ipt -t "$tab" -S 2>/dev/null | grep -c '^-A') == 0 ]]; then nft delete table "$fam" "$tab" 2>/dev/null || true; fi
  done < <(nft list tables 2>/dev/null)
  # cgroups, deepest first
  local h
  for h in /sys/fs/cgroup/*/"$cgroup_root_name"; do
    [[ -d $h ]] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  # sysctls
  local kv
  while IFS= read -r kv; do sysctl -qw "$kv" >/dev/null 2>&1 || true; done <"$host_state/sysctls"
  # folders that did not exist before
  local dir
  for dir in "${host_dirs[@]}"; do
    grep -qxF "$dir" "$host_state/dirs" || rm -rf "$dir"
  done
  # what kubelet linked into /var/log/containers, where that folder was there before
  if grep -qxF /var/log/containers "$host_state/dirs"; then
    find /var/log/containers -maxdepth 1 -type l -lname "$nodes_state/*" -delete 2>/dev/null || true
  fi
  rm -rf "$nodes_state" "$host_state"
}

clean_kube_chains() { # KUBE-* chains of kubelet and kube-proxy, in iptables and ip6tables
  local ipt t
  for ipt in iptables ip6tables; do
    command -v $ipt >/dev/null || continue
    for t in filter nat mangle; do
      { $ipt -t $t -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -vE '^-A KUBE-' | sed 's/^-A /-D /' |
        while read -r rule; do eval "$ipt -t $t $rule" 2>/dev/null || true; done; } || true
      local chains; chains=$($ipt -t $t -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^KUBE-/ {print $2}')
      for c in $chains; do $ipt -t $t -F "$c" 2>/dev/null || true; done
      for c in $chains; do $ipt -t $t -X "$c" 2>/dev/null || true; done
    done
  done
}

realnodes_status() { # prints rows like cmd_status; returns 1 if one is not running
  local rc=0 c
  mapfile -t names < <(recorded_real_nodes)
  ((${#names[@]})) || return 0
  for c in $(node_components "${names[@]}"); do
    local pid st; pid=$(pid_of "$c")
    if [[ -z $pid ]]; then st=stopped; rc=1; else st=running; fi
    printf '%-24s %-8s %-6s %s\n' "$c" "${pid:--}" "$(node_port_of "$c")" "$st"
  done
  return $rc
}
