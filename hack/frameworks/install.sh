#!/usr/bin/env bash
# The job frameworks the queue-type contract tests run for real: a Python virtualenv with Celery
# and RQ (hack/frameworks/requirements.txt, every version pinned) and an npm project with BullMQ
# (hack/frameworks/node, its package-lock.json). Made once, then reused while the pins hold.
# Sidekiq (swell_jobs.rb) comes from Debian's ruby-sidekiq, which hack/install-deps.sh installs.
#   hack/frameworks/install.sh             install if missing
#   hack/frameworks/install.sh --python    print the virtualenv's python
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SWELL_CACHE:-$HOME/.cache/swell}/frameworks
pins=$(sha256sum "$here/requirements.txt" | cut -c1-12)
venv=$cache/venv-$pins
if [[ "${1:-}" == "--python" ]]; then echo "$venv/bin/python"; exit 0; fi

if [[ ! -x $venv/bin/celery || ! -x $venv/bin/rq ]]; then
  echo "frameworks: Python virtualenv with Celery and RQ in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
fi
if [[ ! -d $here/node/node_modules/bullmq || $here/node/package-lock.json -nt $here/node/node_modules/.package-lock.json ]]; then
  echo "frameworks: BullMQ (npm ci) in $here/node"
  (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error)
fi
