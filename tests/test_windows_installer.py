"""The Windows files (installer/windows/, issue 17 item 2), checked where Windows is not.

- bianmin-station.nsi compiles with Debian's ``makensis`` (warnings are errors) against
  a stand-in of the PyInstaller folder, and the setup program carries the version and
  the name 便民站;
- the script names its shortcuts 便民站, and its uninstaller removes the data folder
  only in a section nobody ticks by default, in the folder station/paths.py uses;
- the spec's data list (datafiles.py) covers every non-.py file the packages ship;
- the runtime hook points printed documents at the bundled font; the windowed
  launcher shows what a failed start printed instead of losing it.

Nothing here runs the Windows build or the installer: see installer/README.md.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import platformdirs
import platformdirs.windows
import pytest

from station import paths
from station.documents import fonts
from station.paths import APP_NAME

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = ROOT / "installer" / "windows"
SCRIPT = WINDOWS / "bianmin-station.nsi"
SPEC = WINDOWS / "bianmin-station.spec"
PACKAGES = ("station", "forms", "keys", "sync")
SYSTEM_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"windows_{name}", WINDOWS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def _defines() -> dict[str, str]:
    text = SCRIPT.read_text(encoding="utf-8")
    return dict(re.findall(r'^\s*!define\s+(\w+)\s+"([^"]*)"', text, re.MULTILINE))


def _sections() -> list[tuple[str, list[str]]]:
    """Each ``Section`` header of the script with its lines."""
    found: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in SCRIPT.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("Section ") or stripped == "Section":
            current = []
            found.append((stripped, current))
        elif stripped == "SectionEnd":
            current = None
        elif current is not None and stripped and not stripped.startswith(";"):
            current.append(stripped)
    return found


def test_the_installer_compiles_against_a_stand_in_build(tmp_path: Path) -> None:
    makensis = shutil.which("makensis")
    assert makensis, "makensis is missing: `bash run.sh test` installs it (apt: nsis)"
    dist = tmp_path / "dist" / "bianmin-station"
    placed = _module("stand_in_dist").make(dist)
    setup = tmp_path / f"bianmin-station-{_version()}-setup.exe"  # as OUTFILE by default
    version = _version()
    done = subprocess.run(
        [makensis, "-WX", "-V4", f"-DVERSION={version}", f"-DDIST={dist}",
         f"-DOUTFILE={setup}", str(SCRIPT)],
        capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    # One install section; the uninstaller's data section is the only optional one
    # (the program's removal and the closing report are required).
    assert re.search(r"^Install: .* 1 section \(1 required\)", done.stdout, re.MULTILINE)
    assert re.search(r"^Uninstall: .* 3 sections \(2 required\)", done.stdout, re.MULTILINE)
    for path in placed:  # every file of the build goes into the installer
        assert f'File: "{path.name}"' in done.stdout, path
    program = setup.read_bytes()
    assert program[:2] == b"MZ"
    # The version resource (uncompressed, unlike the script's strings).
    assert "便民站".encode("utf-16-le") in program
    assert version.encode("utf-16-le") in program
    fixed = program.index(struct.pack("<I", 0xFEEF04BD))  # VS_FIXEDFILEINFO
    ms, ls = struct.unpack_from("<II", program, fixed + 16)  # product version
    numbers = [int(n) for n in version.split(".")] + [0]
    assert [ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF] == numbers


def test_the_installer_needs_a_version(tmp_path: Path) -> None:
    makensis = shutil.which("makensis")
    assert makensis, "makensis is missing: `bash run.sh test` installs it (apt: nsis)"
    done = subprocess.run([makensis, "-V1", f"-DOUTFILE={tmp_path / 'x.exe'}", str(SCRIPT)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode != 0 and "VERSION is not defined" in done.stdout + done.stderr


def test_shortcuts_are_named_bianmin_station_in_both_languages() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    defines = _defines()
    assert defines["APP_NAME"] == "便民站"
    for place in ("$SMPROGRAMS", "$DESKTOP"):
        assert re.search(rf'CreateShortcut "\{place}\\\${{APP_NAME}}\.lnk" '
                         r'"\$INSTDIR\\\$\{GUI_EXE\}"', text), place
        assert f'Delete "{place}\\${{APP_NAME}}.lnk"' in text, place
    assert defines["GUI_EXE"] == "bianmin-station-gui.exe"  # the spec's windowed program
    assert '"bianmin-station-gui"' in SPEC.read_text(encoding="utf-8")
    assert re.findall(r'MUI_LANGUAGE "(\w+)"', text) == ["SimpChinese", "English"]
    strings: dict[str, set[str]] = {}
    for name, language in re.findall(r"^LangString (\w+) \$\{LANG_(\w+)\}", text, re.MULTILINE):
        strings.setdefault(name, set()).add(language)
    assert strings and all(langs == {"SIMPCHINESE", "ENGLISH"} for langs in strings.values())
    used = set(re.findall(r"\$\((\w+)\)", text))
    assert used <= set(strings), used - set(strings)


def test_the_uninstaller_keeps_the_data_folder_unless_ticked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    defines = _defines()
    # The folder named in the script is the one station/paths.py picks on Windows.
    assert defines["DATA_FOLDER"] == APP_NAME
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    monkeypatch.setattr(platformdirs.windows, "_RESOLVE_WIN_FOLDER",
                        platformdirs.windows.get_win_folder_from_env_vars)
    monkeypatch.setenv("LOCALAPPDATA", "C:/Users/agent/AppData/Local")
    for name in ("STATION_DATA", "STATION_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    local = Path("C:/Users/agent/AppData/Local")
    assert paths.default_data_dir() == local / defines["DATA_FOLDER"]
    assert paths.default_config_dir() == local / defines["DATA_FOLDER"]

    data = r"$LOCALAPPDATA\${DATA_FOLDER}"
    removing = [(header, line) for header, lines in _sections() for line in lines
                if data in line and line.startswith(("RMDir", "Delete"))]
    assert removing, "no section removes the data folder at all"
    for header, line in removing:
        assert header.startswith('Section /o "un.'), (header, line)  # unticked by default
    (header, lines), = [(h, ls) for h, ls in _sections() if h.startswith('Section /o "un.')]
    confirm = next(line for line in lines if line.startswith("MessageBox"))
    assert "/SD IDNO" in confirm and "MB_DEFBUTTON2" in confirm  # silent and default: keep
    assert lines.index(confirm) < lines.index(next(line for _, line in removing))
    # Nothing else is removed recursively but the program's own folder.
    recursive = {line for _, lines in _sections() for line in lines if line.startswith("RMDir /r")}
    assert recursive == {r'RMDir /r "$INSTDIR\_internal"', f'RMDir /r "{data}"'}


def test_the_spec_carries_every_data_file_the_packages_ship() -> None:
    listed = subprocess.run(["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
    shipped = {path for path in listed if not path.endswith(".py")}
    assert shipped, "git ls-files found nothing"
    datafiles = _module("datafiles")
    assert datafiles.bundled_paths(ROOT) == shipped
    for source, folder in datafiles.our_data(ROOT):
        assert Path(source).relative_to(ROOT).parent.as_posix() == folder
    assert "datafiles.our_data()" in SPEC.read_text(encoding="utf-8")


def test_the_bundled_font_is_the_one_documents_use(tmp_path: Path) -> None:
    hook = _module("rthook_font")
    assert hook.ENV_VAR == fonts.ENV_VAR
    assert SYSTEM_FONT.is_file(), "the font is missing: `bash run.sh test` installs it " \
                                  "(apt: fonts-wqy-microhei)"
    bundle = tmp_path / "_internal"
    (bundle / hook.FONT_FOLDER).mkdir(parents=True)
    bundled = bundle / hook.FONT_FOLDER / hook.FONT_FILE
    shutil.copyfile(SYSTEM_FONT, bundled)
    probe = ("import runpy, sys; sys.frozen = True; sys._MEIPASS = sys.argv[1]; "
             f"runpy.run_path({str(WINDOWS / 'rthook_font.py')!r}); "
             "from station.documents.fonts import find_cjk_font; "
             "print(find_cjk_font(candidates=[]).path)")
    env = {k: v for k, v in os.environ.items() if k != fonts.ENV_VAR}
    found = subprocess.run([sys.executable, "-c", probe, str(bundle)], env=env,
                           capture_output=True, text=True, check=True, timeout=120)
    assert Path(found.stdout.strip()) == bundled
    env[fonts.ENV_VAR] = str(SYSTEM_FONT)  # a font the county configured still wins
    found = subprocess.run([sys.executable, "-c", probe, str(bundle)], env=env,
                           capture_output=True, text=True, check=True, timeout=120)
    assert Path(found.stdout.strip()) == SYSTEM_FONT


def test_the_windowed_launcher_shows_what_a_failed_start_printed() -> None:
    """Without a console, sys.stderr is None: the launcher keeps the text and shows it
    (a message box on Windows; on this machine, the real stderr)."""
    run = ("import runpy, sys; sys.stdout = None; sys.stderr = None; "
           "sys.argv = ['bianmin-station-gui', '--no-such-option']; "
           f"runpy.run_path({str(WINDOWS / 'launch_gui.py')!r}, run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 2
    assert "unrecognized arguments: --no-such-option" in done.stderr
