#!/usr/bin/env bash
# The whole suite (bash run.sh test) while stress-ng keeps the CPUs busy, as CI's
# shared machine may be: a test that passes only on a quiet machine fails here.
#   bash tests/under_load.sh [pytest options]
# STRESS_CPU sets how many busy workers (default 4, on this 2-core machine twice
# as many as there are cores).  Prints how long the run took.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v stress-ng >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "under_load.sh: installing the Debian package stress-ng" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends stress-ng >&2
fi

stress-ng --cpu "${STRESS_CPU:-4}" --timeout 0 --quiet &
stress=$!
trap 'kill "$stress" 2>/dev/null || true; wait "$stress" 2>/dev/null || true' EXIT

start=$(date +%s)
status=0
bash run.sh test "$@" || status=$?
echo "under_load.sh: exit $status after $(( $(date +%s) - start )) s with stress-ng --cpu ${STRESS_CPU:-4}; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exit "$status"
