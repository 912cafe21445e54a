#!/usr/bin/env bash
# Build the .deb of Bianmin Station (便民站) for Debian 12 and alike, as root:
#     bash installer/build-deb.sh            # version from pyproject.toml
#     VERSION=0.1.1 bash installer/build-deb.sh
# Everything is built inside a clean Debian 12 root made with mmdebstrap (cached under
# build/deb/, so a second build is quicker), never in this machine's own Python: Debian's
# python3, a venv, the project from `git archive HEAD` (commit first: uncommitted changes
# are not built) and PyInstaller, giving a one-folder bundle with its own Python.
# Writes build/deb/bianmin-station_VERSION_amd64.deb and prints its path, its size and
# the glibc floor (the newest GLIBC_x.y symbol version any ELF file in the bundle needs).
set -euo pipefail
started=$SECONDS
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=installer/deb/lib.sh
. "$here/installer/deb/lib.sh"
need_root build-deb.sh
need_tools mmdebstrap:mmdebstrap dpkg-deb:dpkg objdump:binutils git:git
cd "$here"

BUILD=${BUILD_DIR:-$here/build/deb}
VERSION=${VERSION:-$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n1)}
[ -n "$VERSION" ] || die "no version in pyproject.toml"
DEB="$BUILD/bianmin-station_${VERSION}_amd64.deb"
# Debian's fonts-wqy-microhei is the CJK font the documents embed (station/documents/
# fonts.py looks for it first); its licence comes with it. fontconfig: the window (Tk
# through Xft) finds that font through it. The bundle carries Tcl/Tk, libX11 and the
# rest itself except libxcb (PyInstaller leaves it out): installer/test-deb.sh checks
# every ELF file of the bundle with ldd in a bare root.
DEPENDS=${DEPENDS:-"fonts-wqy-microhei, fontconfig, libxcb1"}
BUILD_PACKAGES=(python3 libpython3.11 python3-venv python3-tk binutils ca-certificates librsvg2-bin)

mkdir -p "$BUILD"
ROOT="$BUILD/root-$SUITE"
STAMP="$BUILD/root-$SUITE.packages"
trap umount_all EXIT
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "${BUILD_PACKAGES[*]}" ]; then
    make_root "$ROOT" "${BUILD_PACKAGES[@]}"
    echo "${BUILD_PACKAGES[*]}" > "$STAMP"
else
    say "reusing the build root $ROOT (delete $STAMP for a new one)"
fi

say "source: git archive HEAD ($(git rev-parse --short HEAD)), version $VERSION"
rm -rf "$ROOT/build"
SRC="$ROOT/build/src"  # every file of the package comes from here, as committed
mkdir -p "$SRC"
git archive --format=tar HEAD | tar -x -C "$SRC"
sed -i "0,/^version = \".*\"$/s//version = \"$VERSION\"/" "$SRC/pyproject.toml"
# pip in the root trusts what the host trusts (a host behind a TLS-inspecting proxy)
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/build/host-ca.crt"

mount_root "$ROOT"
say "freezing inside the root (pip install, PyInstaller)"
in_root "$ROOT" PIP_CERT=/build/host-ca.crt PIP_DEFAULT_TIMEOUT=120 \
    bash /build/src/installer/deb/freeze.sh >&2
say "icons"
for size in 48 128 256; do
    in_root "$ROOT" rsvg-convert -w $size -h $size -o "/build/icon-$size.png" \
        /build/src/installer/deb/bianmin-station.svg
done
umount_all

BUNDLE="$ROOT/build/dist/station"
say "checking that every data file of the source tree is in the bundle"
absent=0
while IFS= read -r file; do
    if [ ! -f "$BUNDLE/_internal/$file" ]; then
        echo "not in the bundle: $file" >&2
        absent=1
    fi
done < <(git ls-tree -r --name-only HEAD station forms keys sync | grep -v '\.py$')
[ "$absent" = 0 ] || die "data files missing from the bundle"

say "glibc floor"
floor=$(find "$BUNDLE" -type f -print0 | while IFS= read -r -d '' f; do
    if [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = "177ELF" ]; then
        objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u \
            | sed "s|\$| ${f#"$BUNDLE"/}|"
    fi
done | sort -V -k1,1 | tail -n1)
GLIBC_FLOOR=${floor%% *}
echo "glibc floor: ${GLIBC_FLOOR#GLIBC_} (${GLIBC_FLOOR}, needed by ${floor#* })"

say "assembling the package"
PKG="$BUILD/pkg"
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN" "$PKG/usr/lib" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/lib/systemd/system" "$PKG/usr/share/doc/bianmin-station" \
    "$PKG/usr/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$PKG/usr/lib/bianmin-station"
ln -s ../lib/bianmin-station/station "$PKG/usr/bin/station"
install -m 0644 "$SRC/installer/deb/bianmin-station.desktop" "$PKG/usr/share/applications/"
install -m 0644 "$SRC/installer/deb/bianmin-station.svg" "$PKG/usr/share/icons/hicolor/scalable/apps/"
for size in 48 128 256; do
    install -D -m 0644 "$ROOT/build/icon-$size.png" \
        "$PKG/usr/share/icons/hicolor/${size}x${size}/apps/bianmin-station.png"
done
install -m 0644 "$SRC/installer/systemd/bianmin-hub@.service" "$PKG/lib/systemd/system/"
doc="$PKG/usr/share/doc/bianmin-station"
install -m 0644 "$SRC/docs/operations.md" "$SRC/installer/README.md" "$doc/"
{
    echo "Bianmin Station (便民站) $VERSION, built from $(git rev-parse HEAD)"
    echo "Licence: Apache-2.0 (below). The bundle under /usr/lib/bianmin-station carries"
    echo "Python $(in_root "$ROOT" python3 -c 'import sys; print(sys.version.split()[0])') (PSF licence) and these Python packages, each under its own licence:"
    sed 's/^/  /' "$ROOT/build/pip-freeze.txt"
    echo "The CJK font is Debian's fonts-wqy-microhei (see its own copyright file)."
    echo
    cat "$SRC/LICENSE"
} > "$doc/copyright"
chmod 0644 "$doc/copyright"
for script in postinst prerm postrm; do
    install -m 0755 "$SRC/installer/deb/$script" "$PKG/DEBIAN/$script"
done
size=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@DEPENDS@/$DEPENDS/" -e "s/@SIZE@/$size/" \
    "$SRC/installer/deb/control.in" > "$PKG/DEBIAN/control"
rm -f "$DEB"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$PKG" "$DEB" >&2
echo "$GLIBC_FLOOR" > "$BUILD/glibc-floor.txt"
echo "package: $DEB ($(du -h "$DEB" | cut -f1), $(stat -c %s "$DEB") bytes)"
echo "installed size: $((size / 1024)) MiB; depends: $DEPENDS"
echo "build took $((SECONDS - started)) s"
