"""备份 in the window, under Xvfb, on a real station filed through the real command.

设置 → 备份 → 立即备份 writes a file that restores; 每天自动备份 writes today's copy into
the chosen folder, keeps at most seven, says plainly when the folder (a USB stick) is
not there and takes the copy by itself once it is; on a new PC's first run 从备份恢复
ends at the login screen, and the cases are there after login.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from cli import station
from conftest import PASSPHRASE
from gui import pump, screenshot, sign_in, text_of
from test_station_backup import Filer, check_restored, env_for, init

from station.backup import restore
from station.backup.daily import KEEP, daily_copies, file_name
from station.ui import backup_runner
from station.ui.app import StationApp
from station.ui.login import LoginView
from station.ui.main_window import MainWindow
from station.ui.restore_view import RestoreView
from station.ui.screens.cases import CasesScreen
from station.ui.screens.settings import SettingsScreen
from station.ui.screens.settings_backup import BackupBox
from station.ui.setup import SetupView

WAIT = 120.0
CODE = "450981104201"


def filed_station(tmp_path: Path, cases: int = 1) -> Filer:
    env = init(tmp_path)
    filer = Filer(tmp_path, env)
    for index in range(cases):
        filer.file_one(index)
    return filer


def open_settings(tmp_path: Path) -> tuple[StationApp, BackupBox]:
    app = StationApp(tmp_path / "data", tmp_path / "printed", config_dir=tmp_path / "cfg",
                     user="agent")
    main = sign_in(app, PASSPHRASE)
    assert isinstance(main, MainWindow)
    settings = main.open("settings")
    assert isinstance(settings, SettingsScreen)
    return app, settings.backup


def test_back_up_now_from_settings_writes_a_file_that_restores(
        display: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    filer = filed_station(tmp_path, 2)
    target = tmp_path / "stick" / "备份.bmsbackup"
    target.parent.mkdir()
    asked: list[str] = []

    def ask_save(_parent: object, _app: object, title: str, suggested: str, *_a: object,
                 **_k: object) -> Path:
        asked.append(suggested)
        return target

    monkeypatch.setattr("station.ui.file_dialogs.ask_save", ask_save)
    app, box = open_settings(tmp_path)
    try:
        box.button.invoke()  # 立即备份…
        pump(app.root, lambda: "备份已保存" in text_of(box.message), timeout=WAIT,
             what="the backup saved")
        assert "2 件办件" in text_of(box.message)
        pump(app.root, lambda: "，成功。" in text_of(box.last), what="the last backup shown")
        screenshot(app.root, "backup-now")
        assert asked and asked[0].startswith(f"便民站备份-{CODE}-")
        assert str(box.button.cget("state")) == "normal"
    finally:
        app.close()
    new_pc = tmp_path / "new-pc"
    restore.restore_backup(target, new_pc, restore.WithPassphrase(PASSPHRASE))
    check_restored(new_pc, tmp_path / "printed", "agent", PASSPHRASE, filer.filed, 2)


def test_the_daily_copy_goes_to_the_folder_and_keeps_seven(
        display: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    filed_station(tmp_path)
    monkeypatch.setattr(backup_runner, "CHECK_MS", 300)  # the timer, shortened
    stick = tmp_path / "stick"
    app, box = open_settings(tmp_path)
    try:
        pump(app.root, lambda: "还没有备份过" in text_of(box.last), what="no backup yet")
        box.use_folder(stick)  # chosen earlier; the stick is not plugged in now
        pump(app.root, lambda: "没有成功" in text_of(box.last), timeout=WAIT,
             what="the missing folder said")
        assert "U 盘可能没有插好" in text_of(box.last)
        assert box.daily.get() and str(stick) in text_of(box.folder_label)
        screenshot(app.root, "backup-daily-missing")
        stick.mkdir()  # plugged in: older copies of this station and another file there
        today = date.today()
        for days in range(1, 10):
            (stick / file_name(CODE, today - timedelta(days=days))).write_bytes(b"old")
        (stick / file_name("450981104299", today - timedelta(days=20))).write_bytes(b"x")
        (stick / "照片.jpg").write_bytes(b"y")
        pump(app.root, lambda: "，成功。" in text_of(box.last), timeout=WAIT,
             what="the daily copy taken once the stick is there")
        screenshot(app.root, "backup-daily-done")
    finally:
        app.close()
    copies = daily_copies(stick, CODE)
    assert len(copies) == KEEP
    assert copies[-1].name == file_name(CODE, today)
    assert copies[0].name == file_name(CODE, today - timedelta(days=KEEP - 1))
    assert (stick / "照片.jpg").exists()
    assert (stick / file_name("450981104299", today - timedelta(days=20))).exists()
    assert not list(stick.glob("*.part"))
    restore.restore_backup(copies[-1], tmp_path / "new-pc", restore.WithPassphrase(PASSPHRASE))
    # The next start finds today's copy made: nothing more is written.
    app, box = open_settings(tmp_path)
    try:
        runner = app.backups
        assert runner is not None
        pump(app.root, lambda: not runner.busy and "，成功。" in text_of(box.last), what="state")
        assert len(daily_copies(stick, CODE)) == KEEP
        assert str(stick) in text_of(box.folder_label) and box.daily.get()
    finally:
        app.close()


def test_first_run_restores_from_a_backup_and_ends_at_login(display: str,
                                                            tmp_path: Path) -> None:
    old_pc = tmp_path / "old"
    old_pc.mkdir()
    filer = filed_station(old_pc, 2)
    backup = tmp_path / "stick.bmsbackup"
    assert station("backup", "--to", backup,
                   env=env_for(old_pc / "data", old_pc / "printed")).code == 0
    app = StationApp(tmp_path / "new-data", tmp_path / "printed", config_dir=tmp_path / "cfg")
    try:
        setup = app.view
        assert isinstance(setup, SetupView)
        setup.restore.invoke()
        view = app.view
        assert isinstance(view, RestoreView)
        view.submit()  # no file yet: said so
        assert "请先选择备份文件" in text_of(view.error)
        view.use_file(tmp_path / "old" / "data" / "vault.json")  # not a backup
        pump(app.root, lambda: "不是便民站的站点备份" in text_of(view.error), what="refused")
        view.use_file(backup)
        pump(app.root, lambda: CODE in text_of(view.about), what="the backup described")
        assert view.user.get() == "agent"
        view.entries["passphrase"].insert(0, "not the passphrase")
        view.submit()
        pump(app.root, lambda: "口令不正确" in text_of(view.error), timeout=WAIT,
             what="the wrong passphrase said")
        assert not (tmp_path / "new-data").exists()
        view.entries["passphrase"].insert(0, PASSPHRASE)
        view.submit()
        pump(app.root, lambda: isinstance(app.view, LoginView), timeout=WAIT,
             what="the login screen")
        login = app.view
        assert isinstance(login, LoginView)
        assert "已恢复：2 件办件" in text_of(login.error)
        screenshot(app.root, "restore-first-run-login")
        main = sign_in(app, PASSPHRASE)
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        pump(app.root, lambda: set(filer.filed) <= set(cases.tree.get_children()),
             timeout=WAIT, what="the restored cases listed")
    finally:
        app.close()


def test_first_run_restores_with_the_recovery_key(display: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from test_station_backup import NEW_PASSPHRASE, recovery_key_of_new_station

    old_pc = tmp_path / "old"
    key = recovery_key_of_new_station(old_pc, monkeypatch)
    filer = Filer(old_pc, env_for(old_pc / "data", old_pc / "printed"))
    filer.file_one(0)
    backup = tmp_path / "stick.bmsbackup"
    assert station("backup", "--to", backup,
                   env=env_for(old_pc / "data", old_pc / "printed")).code == 0
    app = StationApp(tmp_path / "new-data", tmp_path / "printed", config_dir=tmp_path / "cfg")
    try:
        setup = app.view
        assert isinstance(setup, SetupView)
        setup.restore.invoke()
        view = app.view
        assert isinstance(view, RestoreView)
        view.use_file(backup)
        pump(app.root, lambda: CODE in text_of(view.about), what="the backup described")
        view.by_key.set(True)
        view.show_fields()
        for name, value in (("key", key), ("new", NEW_PASSPHRASE), ("again", NEW_PASSPHRASE)):
            view.entries[name].insert(0, value)
        view.submit()
        pump(app.root, lambda: isinstance(app.view, LoginView), timeout=WAIT,
             what="the login screen")
        main = sign_in(app, NEW_PASSPHRASE)
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        pump(app.root, lambda: set(filer.filed) <= set(cases.tree.get_children()),
             timeout=WAIT, what="the restored case listed")
    finally:
        app.close()
