#!/bin/bash
# Runs INSIDE the clean build root (installer/build-deb.sh puts the source tree at
# /build/src): Debian's python3, a venv, the project and PyInstaller, and a one-folder
# bundle at /build/dist/station that carries its own Python and every dependency.
set -euo pipefail
SRC=/build/src VENV=/build/venv WORK=/build/work DIST=/build/dist
rm -rf "$VENV" "$WORK" "$DIST"
python3 --version
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "$SRC" "pyinstaller>=6.10,<7"
"$VENV/bin/pip" list --format=freeze > /build/pip-freeze.txt
# Our packages are imported by name at run time in places (CLI, store migrations,
# the hub's routes), so every submodule and every data file goes in. Libraries that
# load their own parts by name (holidays' countries, phonenumbers' metadata, stdnum's
# tables, pypinyin's dictionaries, ttkbootstrap's themes) go in whole; what needs a
# package that is not installed (twisted) stays out. ttkbootstrap draws its images
# through PIL.ImageTk, which finds Tk by a module PyInstaller does not see.
# Tcl modules (msgcat, which ttkbootstrap uses): Debian keeps them in the Tcl library's
# own tcl8/, where a frozen Tcl does not look; it looks in tcl8/8.6 beside that library.
TCL_MODULES=/usr/share/tcltk/tcl8.6/tcl8
[ -f "$TCL_MODULES/msgcat-1.6.1.tm" ] || ls "$TCL_MODULES"/msgcat-*.tm >/dev/null
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN --onedir --name station \
    --distpath "$DIST" --workpath "$WORK" --specpath "$WORK" \
    --copy-metadata bianmin-station \
    --collect-submodules station --collect-data station \
    --collect-submodules forms --collect-data forms \
    --collect-submodules keys --collect-data keys \
    --collect-submodules sync --collect-data sync \
    --collect-all ttkbootstrap --collect-all reportlab \
    --collect-all pyhanko --collect-all pyhanko_certvalidator \
    --collect-all holidays --collect-all chinese_calendar --collect-all stdnum \
    --collect-all pypinyin --collect-all phonenumbers \
    --collect-submodules waitress \
    --collect-submodules watchdog --collect-submodules prometheus_client \
    --collect-submodules http_message_signatures \
    --hidden-import PIL._tkinter_finder --hidden-import PIL.ImageTk \
    --add-data "$TCL_MODULES:tcl8/8.6" \
    --exclude-module prometheus_client.twisted \
    "$SRC/installer/deb/station_entry.py"
"$DIST/station/station" --version
