#!/usr/bin/env bash
# Assembles docs/benchmarks.md from the sections the benchmarks wrote in docs/bench/, with
# docs/bench/notes.md (which run each section comes from) when sections come from different runs:
# a full `make bench` removes it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
{
  echo "# Benchmarks"
  echo
  echo "Reproduce with \`make bench\` (operator, api, sample app: about 30 minutes), \`make bench-scale\`"
  echo "(about 40 minutes) and \`make bench-peers\` (KEDA beside Swell: about 30 minutes). Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m),"
  echo "$("${JAVA_HOME:-$(hack/find-jdk.sh)}/bin/java" -version 2>&1 | head -1). Every number in a section comes"
  echo "from one run, and ratios compare against a baseline measured in that run on the same machine."
  echo
  if [[ -f docs/bench/notes.md ]]; then cat docs/bench/notes.md; echo; fi
  for f in docs/bench/operator.md docs/bench/api.md docs/bench/sample-app.md docs/bench/scale.md docs/bench/peers.md; do
    [[ -f $f ]] && { cat "$f"; echo; }
  done
} > docs/benchmarks.md
echo "bench: wrote docs/benchmarks.md"
