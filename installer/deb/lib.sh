# shellcheck shell=bash
# Shared by installer/build-deb.sh and installer/test-deb.sh (sourced, not run).
# Debian roots made with mmdebstrap, the host's Debian mirror, and chroot mounts that
# are always undone.

SUITE=${SUITE:-bookworm}

say() { printf '%s\n' "== $*" >&2; }
die() { printf '%s\n' "FAIL: $*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" = 0 ] || die "$1 must run as root (mmdebstrap, chroot, dpkg-deb)"
}

# Host tools, installed from the host's own apt sources when missing.
need_tools() {
    local missing=() tool package
    for pair in "$@"; do
        tool=${pair%%:*} package=${pair#*:}
        command -v "$tool" >/dev/null || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing on the host: ${missing[*]}"
        apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2
    fi
}

# The Debian mirror the host's apt uses (deb822 .sources first, then sources.list).
debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '/^URIs:/ {print $2}' | grep -v -- '-security' | grep '/debian' | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; break}}' \
            | grep -v -- '-security' | grep '/debian' | head -n1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# mmdebstrap ROOT_DIR PACKAGES…: a fresh minimal Debian root with those packages.
# Check-Valid-Until is off because a mirror pinned to a snapshot serves old Release files.
make_root() {
    local dir=$1; shift
    local mirror include
    mirror=$(debian_mirror)
    include=$(IFS=,; echo "$*")
    say "mmdebstrap $SUITE from $mirror into $dir (with ${include:-nothing more})"
    release_mounts "$dir"
    rm -rf --one-file-system "$dir"
    mmdebstrap --variant=minbase ${include:+--include="$include"} \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        --aptopt='APT::Install-Recommends "false"' \
        "$SUITE" "$dir" "$mirror" >&2
}

MOUNTED=()

# Undo mounts a killed run left under DIR, deepest first, before the folder is deleted.
release_mounts() {
    local dir
    dir=$(realpath -m "$1")
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r \
        | while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# Mount what a chroot needs; umount_all (in an EXIT trap) undoes it in reverse order.
mount_root() {
    local root=$1
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    mount -t proc proc "$root/proc" && MOUNTED+=("$root/proc")
    mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && MOUNTED+=("$root/dev")
    mount -t sysfs sysfs "$root/sys" && MOUNTED+=("$root/sys")
    mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
}

umount_all() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount -R "${MOUNTED[i]}" 2>/dev/null || umount -lR "${MOUNTED[i]}" 2>/dev/null || true
    done
    MOUNTED=()

# Undo mounts a killed run left under DIR, deepest first, before the folder is deleted.
release_mounts() {
    local dir
    dir=$(realpath -m "$1")
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r \
        | while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done
}
}

# in_root ROOT COMMAND…: run as root inside, with a clean environment.
in_root() {
    local root=$1; shift
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
