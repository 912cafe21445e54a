#!/usr/bin/env bash
# Test the .deb as a county's PC would get it, as root:
#     bash installer/test-deb.sh build/deb/bianmin-station_0.1.0_amd64.deb [NEWER_DEB]
# In a fresh Debian 12 root made with mmdebstrap (no python3, pip, venv or source tree
# inside), through chroot:
#   1. apt installs the .deb (its Depends: come from the mirror), and every ELF file of the
#      bundle finds its shared libraries there;
#   2. `station --version`, `station demo --headless --json` (every check true), the
#      window of `station gui` on a virtual display (Xvfb on the host), and a hub
#      started with the installed unit's own ExecStart= line (systemd cannot run in a
#      chroot: %i, EnvironmentFile= and LoadCredential= are done as systemd does them,
#      as the unit's User=), answering GET /v1/health;
#   3. a newer package over it (NEWER_DEB, else the same bundle re-packed with a higher
#      version): the same cases are readable, the hub's data is unchanged and it serves
#      again; `apt-get remove` keeps /var/lib/bianmin and `apt-get purge` removes it.
# Prints a PASS/FAIL line per check and exits non-zero if any failed.
set -euo pipefail
started=$SECONDS
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=installer/deb/lib.sh
. "$here/installer/deb/lib.sh"
need_root test-deb.sh
need_tools mmdebstrap:mmdebstrap dpkg-deb:dpkg jq:jq curl:curl Xvfb:xvfb xwininfo:x11-utils
{ [ $# -ge 1 ] && [ -f "$1" ]; } || die "usage: bash installer/test-deb.sh DEB [NEWER_DEB]"
DEB=$(realpath "$1")
NEWER=${2:+$(realpath "$2")}
BUILD=${BUILD_DIR:-$here/build/deb}
R="$BUILD/test-root"
UNIT=/lib/systemd/system/bianmin-hub@.service
RESULTS=()
FAILED=0
HUB_PID=

pass() { RESULTS+=("PASS  $1"); echo "PASS: $1"; }
fail() { RESULTS+=("FAIL  $1"); echo "FAIL: $1${2:+ — $2}"; FAILED=1; }
# check NAME COMMAND…: one line of the summary
check() {
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
MAIN_SHELL=$BASHPID
summary() {
    local rc=$?
    [ "$BASHPID" = "$MAIN_SHELL" ] || return 0
    [ -n "$HUB_PID" ] && kill "$HUB_PID" 2>/dev/null && wait "$HUB_PID" 2>/dev/null
    umount_all
    [ "$rc" != 0 ] && RESULTS+=("FAIL  the test stopped early (exit code $rc)")
    echo
    echo "==== test-deb.sh summary ($(basename "$DEB")${NEWER:+ then $(basename "$NEWER")}) ===="
    printf '%s\n' "${RESULTS[@]}"
    if [ "$rc" != 0 ] || [ "$FAILED" != 0 ]; then
        echo "RESULT: FAIL (took $((SECONDS - started)) s)"
        echo "$(printf '%s\n' "${RESULTS[@]}" | grep -c '^PASS') passed, $(printf '%s\n' \
            "${RESULTS[@]}" | grep -c '^FAIL') failed"
        [ "$rc" != 0 ] && exit "$rc"
        exit 1
    fi
    echo "RESULT: PASS: ${#RESULTS[@]} checks (took $((SECONDS - started)) s)"
    echo "${#RESULTS[@]} passed, 0 failed"
}
trap summary EXIT

version_of() { dpkg-deb -f "$1" Version; }
# unit_value KEY: the installed unit's setting
unit_value() { sed -n "s/^$1=//p" "$R$UNIT" | head -n1; }

# expand LINE INSTANCE: systemd's rules for ExecStart= — %i is the instance; a word that
# is ${VAR} stays one word, $VAR splits on spaces; ${VAR} inside a word is replaced.
# The environment is what EnvironmentFile= gave (the HUB_* variables of this shell).
expand() {
    local line=${1//%i/$2} word name out=()
    set -f
    for word in $line; do
        if [[ $word =~ ^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$ ]]; then
            name=${BASH_REMATCH[1]}; out+=("${!name-}")
        elif [[ $word =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
            name=${BASH_REMATCH[1]}
            # shellcheck disable=SC2206
            out+=(${!name-})
        else
            while [[ $word =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
                name=${BASH_REMATCH[1]}; word=${word//"${BASH_REMATCH[0]}"/"${!name-}"}
            done
            out+=("$word")
        fi
    done
    set +f
    printf '%s\n' "${out[@]}"
}

# start_hub CODE: the unit's ExecStart= as its User=, with its credential; sets HUB_URL
start_hub() {
    local code=$1 user group envfile credential source credir log argv=()
    user=$(unit_value User) group=$(unit_value Group)
    envfile=$(unit_value EnvironmentFile) envfile=${envfile//%i/$code}
    credential=$(unit_value LoadCredential) source=${credential#*:} credential=${credential%%:*}
    source=${source//%i/$code}
    # EnvironmentFile=: KEY=VALUE lines, read as systemd reads them (no shell)
    while IFS='=' read -r key value; do
        [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && printf -v "$key" '%s' "$value"
    done < "$R$envfile"
    mapfile -t argv < <(expand "$(unit_value ExecStart)" "$code")
    echo "ExecStart, expanded: ${argv[*]}"
    # LoadCredential=: a private copy only the service's user can read
    credir="/run/credentials/bianmin-hub@$code.service"
    mkdir -p "$R$credir"
    install -m 0400 -o "$(chroot "$R" id -u "$user")" "$R$source" "$R$credir/$credential"
    log="$BUILD/test-hub-$code.log"
    : > "$log"
    chroot --userspec="$user:$group" "$R" /usr/bin/env -i LANG=C.UTF-8 \
        PATH=/usr/local/bin:/usr/bin:/bin HOME="$(chroot "$R" getent passwd "$user" | cut -d: -f6)" \
        CREDENTIALS_DIRECTORY="$credir" "${argv[@]}" </dev/null >/dev/null 2>"$log" &
    HUB_PID=$!
    HUB_URL=
    local deadline=$((SECONDS + 120))
    while [ -z "$HUB_URL" ] && kill -0 "$HUB_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
        # the address on the hub's start line (station/hubops/hub_banner.py), not the first
        # address in the log: a township hub may first say its county cannot be reached
        HUB_URL=$(grep -o -m1 '枢纽站已启动：https\?://[^ ,，]*' "$log" | sed 's/^枢纽站已启动：//' \
            || true)
        [ -n "$HUB_URL" ] || sleep 0.2
    done
    echo "hub says: $(head -n1 "$log")"
    [ -n "$HUB_URL" ] || { cat "$log"; return 1; }
}

stop_hub() {
    [ -n "$HUB_PID" ] || return 0
    kill "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
    HUB_PID=
}

health() { # the hub's answer to GET /v1/health
    curl -fsS --max-time 20 "$HUB_URL/v1/health"
}

hub_files() { # every file of the hubs' data, with its checksum
    (cd "$R/var/lib/bianmin" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

say "a fresh Debian $SUITE root for the test: $R"
make_root "$R" ca-certificates
mount_root "$R"
check "the root has no python3, pip, venv or source tree" \
    in_root "$R" sh -c '! command -v python3 && ! command -v pip && ! command -v pip3 &&
        ! ls /usr/lib/python3* && ! [ -e /build ] && ! [ -e /root/.cache/pip ]' >/dev/null 2>&1

say "1. apt installs $(basename "$DEB")"
mkdir -p "$R/tmp/pkg"
cp "$DEB" "$R/tmp/pkg/"
in_root "$R" apt-get update -q >/dev/null
check "apt-get install the .deb (Depends: $(dpkg-deb -f "$DEB" Depends))" \
    in_root "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    "/tmp/pkg/$(basename "$DEB")"
check "still no python3 after the install" in_root "$R" sh -c '! command -v python3'
unresolved=$(in_root "$R" sh -c 'cd /usr/lib/bianmin-station
    find . -type f \( -name "*.so*" -o -name station \) | while read -r f; do
        head -c4 "$f" | grep -q ELF || continue
        LD_LIBRARY_PATH=/usr/lib/bianmin-station/_internal ldd "$f" 2>/dev/null \
            | sed -n "s|^\s*\(\S*\) => not found|\1 (for $f)|p"
    done | sort -u')
if [ -z "$unresolved" ]; then pass "every ELF file in the bundle finds its shared libraries"
else fail "every ELF file in the bundle finds its shared libraries" "missing: $unresolved"; fi
check "the desktop entry 便民站, its icon and the hub unit are installed" \
    in_root "$R" sh -c 'grep -qx "Name=便民站" /usr/share/applications/bianmin-station.desktop &&
        test -s /usr/share/icons/hicolor/256x256/apps/bianmin-station.png &&
        test -s /usr/share/icons/hicolor/scalable/apps/bianmin-station.svg &&
        test -s '"$UNIT"' && test -s /usr/share/doc/bianmin-station/copyright'
check "the system user bianmin and /var/lib/bianmin exist" \
    in_root "$R" sh -c 'getent passwd bianmin && test "$(stat -c %U /var/lib/bianmin)" = bianmin'

say "2. the installed program"
v=$(in_root "$R" station --version || true)
echo "station --version: $v"
check "station --version says $(version_of "$DEB")" test "$v" = "station $(version_of "$DEB")"
in_root "$R" station demo --headless --json --workdir /root/demo > "$BUILD/test-demo.json" \
    2> "$BUILD/test-demo.err" || true
jq -c 'del(.nodes)' "$BUILD/test-demo.json" || cat "$BUILD/test-demo.err"
check "station demo --headless --json: every check in the summary is true" \
    jq -e '.audit_ok and .decided and .rated and (.signed_pdfs | length) > 0
        and .signed_pdfs_verified == (.signed_pdfs | length) and .filed > 0
        and .at_township > 0 and .at_county > 0 and .returned_to_village > 0
        and ([.. | booleans] | all)' "$BUILD/test-demo.json" >/dev/null
pdf=$(jq -r '.signed_pdfs[0] // ""' "$BUILD/test-demo.json")
check "the signed documents embed the CJK font (WenQuanYi Micro Hei)" \
    grep -aq 'WenQuanYi' "$R$pdf"
village() { jq -r ".nodes[] | select(.role == \"village\") | .$1" "$BUILD/test-demo.json"; }
township() { jq -r ".nodes[] | select(.role == \"township-hub\") | .$1" "$BUILD/test-demo.json"; }
case_list() {
    in_root "$R" env STATION_PASSPHRASE="$(village passphrase)" \
        station case list --json --data "$(village data)" --user "$(village user)"
}
case_list > "$BUILD/test-cases-before.json"
check "the village's cases are listed ($(jq length "$BUILD/test-cases-before.json") cases)" \
    jq -e 'length > 0' "$BUILD/test-cases-before.json" >/dev/null

say "the window: station gui on a virtual X display (Xvfb on this host)"
# A display number of its own: the test suite's Xvfb (tests/gui.py: :90 to :199) runs at the
# same time (tests/deb_check.py), so this one takes the first free number from :300 on.
number=300
while [ -e "/tmp/.X$number-lock" ] || [ -e "/tmp/.X11-unix/X$number" ]; do
    number=$((number + 1))
done
DISPLAY_NO=:$number
Xvfb "$DISPLAY_NO" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
deadline=$((SECONDS + 30))
while [ ! -S "/tmp/.X11-unix/X${DISPLAY_NO#:}" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
mkdir -p "$R/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$R/tmp/.X11-unix" && MOUNTED+=("$R/tmp/.X11-unix")
# chroot itself in the background, not a shell function: a forked shell would run the
# EXIT trap (the summary, the unmounting) when it ends
chroot "$R" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/bin:/bin DISPLAY="$DISPLAY_NO" \
    station gui --data "$(village data)" --user "$(village user)" >"$BUILD/test-gui.log" 2>&1 &
GUI_PID=$!
window=
deadline=$((SECONDS + 90))
while [ -z "$window" ] && kill -0 "$GUI_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
    window=$(xwininfo -display "$DISPLAY_NO" -root -tree 2>/dev/null | grep -F '"便民站"' || true)
    [ -n "$window" ] || sleep 0.5
done
if [ -n "$window" ]; then
    echo "window: $window"
    pass "station gui opens its window 便民站 (Tk, fonts and X libraries from the package)"
else
    cat "$BUILD/test-gui.log"
    fail "station gui opens its window 便民站 (Tk, fonts and X libraries from the package)"
fi
kill "$GUI_PID" 2>/dev/null || true
wait "$GUI_PID" 2>/dev/null || true
kill "$XVFB_PID" 2>/dev/null || true
wait "$XVFB_PID" 2>/dev/null || true
umount "$R/tmp/.X11-unix" && unset 'MOUNTED[-1]'

CODE=$(township code)
say "the township hub $CODE as the unit runs it"
cp -a "$R$(township data)" "$R/var/lib/bianmin/$CODE"
in_root "$R" chown -R bianmin:bianmin "/var/lib/bianmin/$CODE"
printf 'HUB_USER=%s\nHUB_LISTEN=127.0.0.1:0\nHUB_OPTIONS=--trusted-proxy 127.0.0.1\n' \
    "$(township user)" > "$R/etc/bianmin/hub-$CODE.env"
(umask 077 && township passphrase > "$R/etc/bianmin/hub-$CODE.passphrase")
if start_hub "$CODE"; then
    answer=$(health || true)
    echo "GET /v1/health: $answer"
    check "a hub under the unit's ExecStart= (as bianmin) answers GET /v1/health" test -n "$answer"
else
    fail "a hub under the unit's ExecStart= (as bianmin) answers GET /v1/health" "it did not start"
fi
stop_hub
hub_files > "$BUILD/test-hub-before.txt"

say "3. a newer package over it"
if [ -z "$NEWER" ]; then
    # no second build given: the same bundle, re-packed with a higher version
    repack="$BUILD/repack"
    rm -rf "$repack" && dpkg-deb -R "$DEB" "$repack"
    sed -i "s/^Version: .*/Version: $(version_of "$DEB")+repack1/" "$repack/DEBIAN/control"
    NEWER="$BUILD/bianmin-station_$(version_of "$DEB")+repack1_amd64.deb"
    dpkg-deb --root-owner-group -Zgzip --build "$repack" "$NEWER" >/dev/null
    echo "no NEWER_DEB: re-packed the same bundle as $(basename "$NEWER")"
fi
cp "$NEWER" "$R/tmp/pkg/"
check "apt-get install the newer .deb over it ($(version_of "$NEWER"))" \
    in_root "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    "/tmp/pkg/$(basename "$NEWER")"
check "dpkg says $(version_of "$NEWER") is installed" \
    test "$(in_root "$R" dpkg-query -W -f '${Version}' bianmin-station)" = "$(version_of "$NEWER")"
v=$(in_root "$R" station --version || true)
if [ -n "${repack:-}" ]; then
    check "station --version still says $(version_of "$DEB") (re-packed, not rebuilt)" \
        test "$v" = "station $(version_of "$DEB")"
else
    check "station --version says $(version_of "$NEWER")" \
        test "$v" = "station $(version_of "$NEWER")"
fi
hub_files > "$BUILD/test-hub-after.txt"
check "the upgrade left every hub file as it was ($(wc -l < "$BUILD/test-hub-before.txt") files)" \
    cmp -s "$BUILD/test-hub-before.txt" "$BUILD/test-hub-after.txt"
case_list > "$BUILD/test-cases-after.json" || true
check "the same cases are readable after the upgrade" \
    cmp -s "$BUILD/test-cases-before.json" "$BUILD/test-cases-after.json"
if start_hub "$CODE" && health >/dev/null; then
    pass "the hub serves its data again after the upgrade"
else
    fail "the hub serves its data again after the upgrade"
fi
stop_hub
hub_files > "$BUILD/test-hub-served.txt"

say "remove, then purge"
check "apt-get remove" in_root "$R" env DEBIAN_FRONTEND=noninteractive \
    apt-get remove -y -q bianmin-station
check "remove keeps /var/lib/bianmin (every file) and the user bianmin" \
    sh -c "[ ! -e '$R/usr/bin/station' ] && chroot '$R' getent passwd bianmin >/dev/null &&
        cd '$R/var/lib/bianmin' && find . -type f -print0 | sort -z | xargs -0 sha256sum |
        cmp -s - '$BUILD/test-hub-served.txt'"
check "apt-get purge" in_root "$R" env DEBIAN_FRONTEND=noninteractive \
    apt-get purge -y -q bianmin-station
check "purge removes /var/lib/bianmin, /etc/bianmin and the user, not /root/demo" \
    sh -c "[ ! -e '$R/var/lib/bianmin' ] && [ ! -e '$R/etc/bianmin' ] &&
        ! chroot '$R' getent passwd bianmin && [ -d '$R$(village data)' ]"
