#!/usr/bin/env bash
# The .deb's whole check, as root: build it, then test it in a fresh root.
#     bash installer/check-deb.sh              # the upgrade re-packs the same bundle
#     NEWER_BUILD=1 bash installer/check-deb.sh   # the upgrade is a second build
# Each step is timed. tests/test_deb.py runs it in the suite (it needs root, mmdebstrap and
# the Debian mirror; about 5 minutes from a clean clone: installer/README.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n1)
newer=()
echo "== build $version"
time bash installer/build-deb.sh
if [ "${NEWER_BUILD:-0}" = 1 ]; then
    echo "== build ${version}+rebuild1 (the newer package)"
    time VERSION="${version}+rebuild1" bash installer/build-deb.sh
    newer=("build/deb/bianmin-station_${version}+rebuild1_amd64.deb")
fi
echo "== test"
time bash installer/test-deb.sh "build/deb/bianmin-station_${version}_amd64.deb" "${newer[@]}"
