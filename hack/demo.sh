#!/usr/bin/env bash
# `make demo`: the whole story. With Docker and kind: a kind cluster from kind-config.yaml, the
# images, the operator and the shop sample, then a burst of jobs and HTTP load. Without Docker:
# the same story on the simulated cluster, with the operator, the sample api and one real worker
# process per worker pod (named after it) running locally against a local redis-server.
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
say "no Docker engine here: telling the story on the simulated cluster"

say "1/6 dependencies, control plane (built once, then cached) and jars"
hack/install-deps.sh --bench
hack/build-controlplane.sh >/dev/null
${MVN:-mvn -B -ntp -q} -DskipTests package
if ! hack/sim-cluster.sh status >/dev/null 2>&1; then SWELL_SIM_REAL_NODES=${SWELL_SIM_REAL_NODES:-none} hack/sim-cluster.sh up; sim_started=1; fi
export KUBECONFIG=$repo/.sim/kubeconfig
kubectl="$(hack/build-controlplane.sh --bin-dir)/kubectl"
k() { "$kubectl" "$@"; }

say "2/6 a local redis-server, the operator (as its Deployment would run it) and the CRD"
redis_port=16399
redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$out/redis.log" 2>&1 &
pids+=($!)
sleep 0.5
k apply --server-side --force-conflicts -f crds/scalableservices.swell.dev.yaml >/dev/null
LEADER_ELECTION=false HTTP_PORT=18080 "$java" -cp "operator/target/swell-operator-0.1.0-SNAPSHOT.jar:operator/target/lib/*" \
  dev.swell.operator.SwellOperator >"$out/operator.log" 2>&1 &
pids+=($!)

say "3/6 the shop: an api and queue workers (on the dedicated node), Redis at 127.0.0.1:$redis_port"
k delete namespace demo --ignore-not-found --wait --timeout=120s >/dev/null # a fresh story every time
k create namespace demo --dry-run=client -o yaml | k apply -f - >/dev/null
k apply --server-side --force-conflicts -n demo -f - >/dev/null <<YAML
apiVersion: swell.dev/v1alpha1
kind: ScalableService
metadata: {name: shop}
spec:
  image: swell/sample-app:0.1.0
  redis: {mode: External, external: {url: "redis://127.0.0.1:$redis_port/0"}}
  api:
    autoscaling: {minReplicas: 2, maxReplicas: 6, cpuUtilization: 70}
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
api_port=18081
SWELL_COMPONENT=api PORT=$api_port REDIS_URL=redis://127.0.0.1:$redis_port/0 QUEUE_KEY=jobs RATE_LIMIT_RPS=100000 \
  RATE_LIMIT_BURST=100000 "$java" -jar sample-app/target/swell-sample-app.jar >"$out/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$api_port/healthz" >/dev/null && break; sleep 0.5; done

# a local "kubelet" for the worker pods: one real worker process per pod, with the pod's name
declare -A workers=()
sync_workers() {
  local want
  want=$(k get pods -n demo -l app.kubernetes.io/name=shop,app.kubernetes.io/component=worker \
    --field-selector=status.phase=Running -o jsonpath='{.items[*].metadata.name}' 2>/dev/null || true)
  for pod in $want; do
    if [[ -n "${workers[$pod]:-}" ]] && ! kill -0 "${workers[$pod]}" 2>/dev/null; then
      unset "workers[$pod]" # it died: start it again, as the kubelet would
    fi
    if [[ -z "${workers[$pod]:-}" ]]; then
      SWELL_COMPONENT=worker PORT=0 REDIS_URL=redis://127.0.0.1:$redis_port/0 QUEUE_KEY=jobs POD_NAME=$pod \
        WORKER_IO_MILLIS=20 "$java" -Xmx128m -XX:TieredStopAtLevel=1 -jar sample-app/target/swell-sample-app.jar >>"$out/workers.log" 2>&1 &
      workers[$pod]=$!
      pids+=($!)
    fi
  done
  for pod in "${!workers[@]}"; do
    if [[ " $want " != *" $pod "* ]]; then kill -TERM "${workers[$pod]}" 2>/dev/null || true; unset "workers[$pod]"; fi
  done
}

say "4/6 10 s of HTTP load on the cached product endpoint, then a burst of 1500 jobs"
start=$(date +%s%N)
timeline=$out/timeline.csv
echo "seconds,backlog,desired,ready,processed" >"$timeline"
sample() {
  local now backlog desired ready processed
  now=$(awk -v n="$(date +%s%N)" -v s="$start" 'BEGIN {printf "%.1f", (n - s) / 1e9}')
  backlog=$(redis-cli -p $redis_port llen jobs)
  desired=$(k get deploy -n demo shop-worker -o jsonpath='{.spec.replicas}' 2>/dev/null || echo 0)
  ready=${#workers[@]}
  processed=$(redis-cli -p $redis_port get jobs:processed); processed=${processed:-0}
  printf '%s,%s,%s,%s,%s\n' "$now" "$backlog" "${desired:-0}" "$ready" "$processed" >>"$timeline"
  printf '  t=%5ss  backlog=%5s  workers desired=%-2s running=%-2s  processed=%s\n' "$now" "$backlog" \
    "${desired:-0}" "$ready" "$processed"
}
if command -v wrk >/dev/null; then
  wrk -t1 -c20 -d10s --latency "http://127.0.0.1:$api_port/products/1" >"$out/wrk.txt" 2>&1
fi
for _ in 1 2 3; do sync_workers; sample; sleep 1; done
"$java" -cp "sample-app/target/swell-sample-app.jar" dev.swell.sample.Burst "http://127.0.0.1:$api_port" 1500 \
  >"$out/burst.log" 2>&1 &
pids+=($!)

say "5/6 live view: the operator scales the workers from the backlog, then back to zero"
deadline=$((SECONDS + 240))
zero_since=0
while ((SECONDS < deadline)); do
  sync_workers
  sample
  d=$(tail -1 "$timeline" | cut -d, -f3); b=$(tail -1 "$timeline" | cut -d, -f2)
  if [[ "$d" == 0 && "$b" == 0 && $(wc -l <"$timeline") -gt 20 ]]; then
    ((zero_since == 0)) && zero_since=$SECONDS
    ((SECONDS - zero_since > 3)) && break
  fi
  sleep 1
done
k get ssvc -n demo
k get events -n demo --field-selector involvedObject.name=shop --sort-by=.lastTimestamp | tail -8

say "6/6 the timeline"
"$java" hack/demo/TimelineChart.java "$timeline" "$out/timeline.png"
[[ -f $out/wrk.txt ]] && grep -E 'Requests/sec|Latency' "$out/wrk.txt" || true
echo "timeline: $timeline, chart: $out/timeline.png, logs: $out/"
