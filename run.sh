#!/usr/bin/env bash
# The two set-up commands of README.md:
#   bash run.sh demo   set up a demo station, file sample cases, print receipts
#   bash run.sh test   the whole test suite (ruff, mypy, lint-imports, pytest)
# Each installs what it needs: Debian packages (with apt-get, as root or via
# sudo), a virtual environment in .venv, and the Python packages.
set -euo pipefail
cd "$(dirname "$0")"

DEMO_DEBS=(fonts-wqy-microhei)
TEST_DEBS=(fonts-wqy-microhei xvfb xauth poppler-utils zbar-tools iproute2 nftables xdotool curl faketime chromium nginx nsis mmdebstrap jq x11-utils
           swift-proxy swift-object swift-container swift-account)
PYTHON=${PYTHON:-python3}

need_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "run.sh: please install these packages first: ${missing[*]}" >&2
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "run.sh: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

need_venv() {
  local stamp=.venv/.installed want
  want=$(cat pyproject.toml | sha256sum | cut -c1-16)
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "run.sh: installing Python packages into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip >&2
    .venv/bin/python -m pip install -q -e ".[test]" >&2
    echo "$want" > "$stamp"
  fi
}

case "${1:-}" in
  demo)
    shift
    need_debs "${DEMO_DEBS[@]}"
    need_venv
    exec .venv/bin/station demo --workdir demo "$@"
    ;;
  test)
    shift
    need_debs "${TEST_DEBS[@]}"
    need_venv
    .venv/bin/ruff check station forms keys sync tests bench docs
    .venv/bin/mypy
    .venv/bin/lint-imports --no-cache --no-logo
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: bash run.sh demo | test" >&2
    exit 2
    ;;
esac
