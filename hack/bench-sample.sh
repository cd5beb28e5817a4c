#!/usr/bin/env bash
# The sample app's throughput, each beside a redis-benchmark baseline from the same run:
# cached GET /products/1 under wrk at 400 connections vs redis-benchmark GET at 400 clients, and
# the worker's drain rate with batches of 10 and of 1 vs redis-benchmark LPUSH/RPOP.
# Writes docs/bench/sample-app.md. Loopback only; about 3 minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export JAVA_HOME=${JAVA_HOME:-$(hack/find-jdk.sh)}
java=$JAVA_HOME/bin/java
jar=sample-app/target/swell-sample-app.jar
[[ -f $jar ]] || ${MVN:-mvn -B -ntp -q} -pl sample-app -am -DskipTests package
hack/install-deps.sh --bench
work=$(mktemp -d)
redis_port=16397
api_port=16396
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
sleep 0.5
SWELL_COMPONENT=api PORT=$api_port REDIS_URL=redis://127.0.0.1:$redis_port/0 RATE_LIMIT_RPS=1000000 \
  RATE_LIMIT_BURST=1000000 "$java" -jar "$jar" >"$work/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$api_port/products/1" >/dev/null && break; sleep 0.5; done

echo "bench-sample: cached GET, wrk -t2 -c400 -d10s, 3 runs (after a 30 s warm-up for the JIT)"
wrk -t2 -c400 -d30s "http://127.0.0.1:$api_port/products/1" >/dev/null
for i in 1 2 3; do
  wrk -t2 -c400 -d10s --latency "http://127.0.0.1:$api_port/products/1" >"$work/wrk$i.txt"
  awk '/Requests\/sec/ {print $2}' "$work/wrk$i.txt" >>"$work/wrk-rps"
  awk '$1=="50%" {print $2}' "$work/wrk$i.txt" >>"$work/wrk-p50"
  awk '$1=="99%" {print $2}' "$work/wrk$i.txt" >>"$work/wrk-p99"
  echo "  run $i: $(tail -1 "$work/wrk-rps") req/s, p50 $(tail -1 "$work/wrk-p50"), p99 $(tail -1 "$work/wrk-p99")"
done
echo "bench-sample: redis-benchmark GET at 400 clients, 3 runs"
for i in 1 2 3; do
  redis-benchmark -p $redis_port -c 400 -n 200000 -t get -q 2>/dev/null | tr '\r' '\n' | grep -E '^GET' | tail -1 \
    | awk '{print $2}' >>"$work/redis-get"
  echo "  run $i: $(tail -1 "$work/redis-get") req/s"
done
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}'; }
wrk_rps=$(median <"$work/wrk-rps")
wrk_p50=$(to_ms <"$work/wrk-p50" | median)
wrk_p99=$(to_ms <"$work/wrk-p99" | median)
redis_get=$(median <"$work/redis-get")

drain() { # batch size -> items per second for 20000 jobs, one worker
  local batch=$1 n=20000 key=drain$1
  redis-cli -p $redis_port eval "for i=1,tonumber(ARGV[1]) do redis.call('LPUSH', KEYS[1], '{\"id\":\"'..i..'\",\"payload\":1,\"workMillis\":0}') end" 1 "$key" $n >/dev/null
  SWELL_COMPONENT=worker PORT=0 REDIS_URL=redis://127.0.0.1:$redis_port/0 QUEUE_KEY=$key POD_NAME=bench \
    WORKER_IO_MILLIS=0 WORKER_BATCH_SIZE="$batch" "$java" -jar "$jar" >"$work/worker$batch.log" 2>&1 &
  local pid=$!
  until [[ "$(redis-cli -p $redis_port get "$key:processed")" != "" ]]; do sleep 0.05; done
  local t0 p0
  t0=$(date +%s%N); p0=$(redis-cli -p $redis_port get "$key:processed")
  until [[ "$(redis-cli -p $redis_port get "$key:processed")" -ge $n ]]; do sleep 0.05; done
  local t1; t1=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v n=$n -v p0="$p0" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.0f", (n - p0) / ((t1 - t0) / 1e9)}'
}
echo "bench-sample: worker drain of 20000 jobs, batches of 10 and of 1"
drain10=$(drain 10); echo "  batch 10: $drain10 jobs/s"
drain1=$(drain 1); echo "  batch 1: $drain1 jobs/s"
lpush=$(redis-benchmark -p $redis_port -c 50 -n 200000 -t lpush -q 2>/dev/null | tr '\r' '\n' | grep -E '^LPUSH' | tail -1 | awk '{print $2}')
rpop=$(redis-benchmark -p $redis_port -c 50 -n 200000 -t rpop -q 2>/dev/null | tr '\r' '\n' | grep -E '^RPOP' | tail -1 | awk '{print $2}')

mkdir -p docs/bench
cat >docs/bench/sample-app.md <<MD
## Sample app: cached reads and queue drain

Measured by \`hack/bench-sample.sh\` (part of \`make bench\`): the api jar and one redis-server on
loopback, wrk and redis-benchmark from Debian, medians of 3 runs.

| what | result | baseline in the same run | ratio |
|---|---|---|---|
| \`GET /products/1\` (local tier hit), wrk -t2 -c400 -d10s | $wrk_rps req/s, p50 ${wrk_p50} ms, p99 ${wrk_p99} ms | redis-benchmark GET -c 400: $redis_get req/s | $(awk -v a="$wrk_rps" -v b="$redis_get" 'BEGIN {printf "%.2f", a / b}') |
| worker drain, batches of 10, 1 worker, no simulated work | $drain10 jobs/s | redis-benchmark LPUSH $lpush/s, RPOP $rpop/s | $(awk -v a="$drain10" -v b="$rpop" 'BEGIN {printf "%.3f", a / b}') of RPOP |
| worker drain, batches of 1 | $drain1 jobs/s | batches of 10 | $(awk -v a="$drain10" -v b="$drain1" 'BEGIN {printf "%.2f", a / b}')x with batching |

On 2 cores, wrk, the api and Redis share the CPU, so the api's throughput here is a floor.
A batch costs about 5 Redis round trips whatever its size (BLMOVE, one script for the rest of the
batch, one MULTI to read the jobs' status, one to mark them processing, one to complete, count and
acknowledge them), so batching divides the round trips per job by the batch size.
MD
echo "bench-sample: wrote docs/bench/sample-app.md"
