#!/usr/bin/env bash
# The demo on kind (Docker required): cluster, images, operator, shop sample, load, live view, chart.
set -euo pipefail
# shellcheck source=hack/demo/common.sh
source "$(dirname "$0")/demo/common.sh"

say "1/6 kind cluster from kind-config.yaml, metrics-server and ingress-nginx"
make kind-up
say "2/6 images (Jib) loaded into kind"
make images
say "3/6 the operator (2 replicas, leader election) and the shop sample"
make deploy
kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply --server-side -n demo -f manifests/samples/shop.yaml
kubectl wait -n demo --for=condition=Ready ssvc/shop --timeout=300s
kubectl port-forward -n demo svc/shop-api 18081:8080 >"$out/port-forward.log" 2>&1 &
pf=$!
trap 'kill $pf 2>/dev/null || true' EXIT
sleep 3

say "4/6 a burst of 3000 jobs and 30 s of HTTP load"
"$java" -cp sample-app/target/swell-sample-app.jar dev.swell.sample.Burst http://127.0.0.1:18081 3000 >"$out/burst.log" 2>&1 &
if command -v wrk >/dev/null; then wrk -t2 -c50 -d30s http://127.0.0.1:18081/products/1 >"$out/wrk.txt" 2>&1 & fi

say "5/6 live view"
timeline=$out/timeline.csv
echo "seconds,backlog,desired,ready,processed" >"$timeline"
start=$(date +%s%N)
for _ in $(seq 1 240); do
  now=$(awk -v n="$(date +%s%N)" -v s="$start" 'BEGIN {printf "%.1f", (n - s) / 1e9}')
  read -r backlog desired ready < <(kubectl get ssvc -n demo shop \
    -o jsonpath='{.status.worker.backlog} {.status.worker.desiredReplicas} {.status.worker.readyReplicas}')
  echo "$now,${backlog:-0},${desired:-0},${ready:-0},0" >>"$timeline"
  printf '  t=%5ss  backlog=%5s  workers desired=%-2s ready=%-2s\n' "$now" "${backlog:-0}" "${desired:-0}" "${ready:-0}"
  [[ "${desired:-0}" == 0 && "${backlog:-0}" == 0 && $(wc -l <"$timeline") -gt 30 ]] && break
  sleep 1
done
kubectl get ssvc -n demo

say "6/6 the timeline"
"$java" hack/demo/TimelineChart.java "$timeline" "$out/timeline.png"
