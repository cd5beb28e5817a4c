#!/usr/bin/env bash
# `make demo`: the whole story. With Docker and kind: a kind cluster from kind-config.yaml, the
# images, the operator and the shop sample, then a burst of jobs and HTTP load. Without Docker:
# the same story on the simulated cluster's real nodes (kubelet + containerd): the operator, the
# api, the workers and Redis all run in pods, from images built offline.
# Either way: a live view of backlog and replicas, and the timeline drawn to .demo/timeline.png.
set -euo pipefail
# shellcheck source=hack/demo/common.sh
source "$(dirname "$0")/demo/common.sh"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "${sim_started:-}" ]] && hack/sim-cluster.sh down || true
}
trap cleanup EXIT

if command -v docker >/dev/null && docker info >/dev/null 2>&1 && command -v kind >/dev/null; then
  exec hack/demo-kind.sh
fi
say "no Docker engine here: telling the story on the simulated cluster's real nodes"

say "1/6 dependencies, control plane and node binaries (built once, then cached), jars and images"
hack/install-deps.sh --bench
hack/build-controlplane.sh >/dev/null
hack/build-nodes.sh >/dev/null
hack/images/build.sh >/dev/null
${MVN:-mvn -B -ntp -q} -pl operator,sample-app -am -DskipTests -Djib.disableUpdateChecks=true package jib:buildTar
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then
  hack/sim-cluster.sh up # imports the images into the real nodes' containerd
  sim_started=1
else
  hack/sim-cluster.sh load-images target/images/redis.tar operator/target/jib-image.tar sample-app/target/jib-image.tar
fi
export KUBECONFIG=$repo/.sim/kubeconfig
kubectl="$(hack/build-controlplane.sh --bin-dir)/kubectl"
k() { "$kubectl" "$@"; }

# A component that does not come up stops the demo, naming what to read: at once when one of its
# pods is broken (crash loop, image not found, bad config), else after its time.
fail() {
  echo "demo: $1; read: $2" >&2
  k get pods -A -o wide >"$out/pods.txt" 2>&1 || true
  k -n swell-system logs deploy/swell-operator --tail=200 >"$out/operator.log" 2>&1 || true
  echo "demo: pods: $out/pods.txt, operator log: $out/operator.log" >&2
  exit 1
}
await() { # await <seconds> <what> <log hint> <namespace> <selector> <count>
  local seconds=$1 what=$2 hint=$3 ns=$4 selector=$5 count=$6 broken
  local deadline=$((SECONDS + seconds))
  until ready "$ns" "$selector" "$count"; do
    broken=$(k get pods -n "$ns" -l "$selector" -o jsonpath='{..waiting.reason}' 2>/dev/null \
      | grep -oE 'CrashLoopBackOff|ImagePullBackOff|ErrImagePull|ErrImageNeverPull|CreateContainerConfigError|CreateContainerError|InvalidImageName' | head -1 || true)
    [[ -n $broken ]] && fail "$what is broken ($broken)" "$hint"
    ((SECONDS >= deadline)) && fail "$what did not come up within ${seconds}s" "$hint"
    sleep 1
  done
}
ready() { # ready <namespace> <label selector> <count>: that many Ready pods
  local n
  n=$(k get pods -n "$1" -l "$2" -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)
  ((n >= $3))
}

say "2/6 the operator as users run it: manifests/ (2 replicas, leader election, its RBAC) in pods"
k apply --server-side --force-conflicts -k manifests/sim >/dev/null
await 120 "the operator" "kubectl -n swell-system logs deploy/swell-operator" \
  swell-system app.kubernetes.io/name=swell-operator 2

say "3/6 the shop: an api, queue workers (on the dedicated node) and a managed Redis"
k delete namespace demo --ignore-not-found --wait --timeout=120s >/dev/null # a fresh story every time
k create namespace demo >/dev/null
k apply --server-side --force-conflicts -n demo -f - >/dev/null <<YAML
apiVersion: swell.dev/v1alpha1
kind: ScalableService
metadata: {name: shop}
spec:
  image: swell/sample-app:0.1.0
  redis: {mode: Managed, managed: {maxMemory: 128Mi}}
  api:
    replicas: 2
    rateLimit: {requestsPerSecond: 5000, burst: 10000}
    placement:
      spread: [{topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}]
  worker:
    queue: {key: jobs, targetBacklogPerReplica: 100}
    autoscaling:
      minReplicas: 0
      maxReplicas: 4
      cooldown: 15s
      behavior:
        scaleUp:
          policies: [{type: Pods, value: 4, periodSeconds: 5}]
        scaleDown:
          stabilizationWindowSeconds: 0
          policies: [{type: Percent, value: 50, periodSeconds: 5}]
    placement:
      dedicatedNodes: {key: dedicated, value: workers}
YAML
await 90 "the managed Redis" "kubectl -n demo describe pod -l app.kubernetes.io/component=redis" \
  demo app.kubernetes.io/name=shop,app.kubernetes.io/component=redis 1
await 120 "the api pods" "kubectl -n demo logs -l app.kubernetes.io/component=api" \
  demo app.kubernetes.io/name=shop,app.kubernetes.io/component=api 2
api="http://$(k get svc -n demo shop-api -o jsonpath='{.spec.clusterIP}'):8080"
redis_ip=$(k get svc -n demo shop-redis -o jsonpath='{.spec.clusterIP}')
REDISCLI_AUTH=$(k get secret -n demo shop-redis-auth -o jsonpath='{.data.password}' | base64 -d)
export REDISCLI_AUTH
rcli() { redis-cli --no-auth-warning -h "$redis_ip" "$@"; }
k get pods -n demo -o wide

say "4/6 10 s of HTTP load on the cached product endpoint through the api Service, then a burst of 1500 jobs"
start=$(date +%s%N)
timeline=$out/timeline.csv
echo "seconds,backlog,desired,ready,processed" >"$timeline"
sample() {
  local now backlog desired ready processed
  now=$(awk -v n="$(date +%s%N)" -v s="$start" 'BEGIN {printf "%.1f", (n - s) / 1e9}')
  backlog=$(rcli llen jobs)
  desired=$(k get deploy -n demo shop-worker -o jsonpath='{.spec.replicas}' 2>/dev/null || echo 0)
  ready=$(k get deploy -n demo shop-worker -o jsonpath='{.status.readyReplicas}' 2>/dev/null || echo 0)
  processed=$(rcli get jobs:processed); processed=${processed:-0}
  printf '%s,%s,%s,%s,%s\n' "$now" "$backlog" "${desired:-0}" "${ready:-0}" "$processed" >>"$timeline"
  printf '  t=%5ss  backlog=%5s  workers desired=%-2s ready=%-2s  processed=%s\n' "$now" "$backlog" \
    "${desired:-0}" "${ready:-0}" "$processed"
}
if command -v wrk >/dev/null; then
  wrk -t1 -c20 -d10s --latency "$api/products/1" >"$out/wrk.txt" 2>&1
fi
for _ in 1 2 3; do sample; sleep 1; done
"$java" -cp "sample-app/target/swell-sample-app.jar" dev.swell.sample.Burst "$api" 1500 >"$out/burst.log" 2>&1 &
pids+=($!)

say "5/6 live view: the operator pod scales the worker pods from the backlog, then back to zero"
deadline=$((SECONDS + 300))
zero_since=0
while ((SECONDS < deadline)); do
  sample
  d=$(tail -1 "$timeline" | cut -d, -f3); b=$(tail -1 "$timeline" | cut -d, -f2)
  if [[ "$d" == 0 && "$b" == 0 && $(wc -l <"$timeline") -gt 20 ]]; then
    ((zero_since == 0)) && zero_since=$SECONDS
    ((SECONDS - zero_since > 3)) && break
  fi
  sleep 1
done
cat "$out/burst.log"
k get ssvc -n demo
k get events -n demo --field-selector involvedObject.name=shop --sort-by=.lastTimestamp | tail -8
k -n swell-system logs deploy/swell-operator --tail=500 >"$out/operator.log" 2>&1 || true

say "6/6 the timeline"
"$java" hack/demo/TimelineChart.java "$timeline" "$out/timeline.png"
[[ -f $out/wrk.txt ]] && grep -E 'Requests/sec|Latency' "$out/wrk.txt" || true
echo "timeline: $timeline, chart: $out/timeline.png, logs: $out/"
