"""Passphrases and the first screen, in the window under Xvfb, on the demo network's
stations (no hubs): 修改口令 in 设置, 忘记口令 with the recovery key read off the
printed sheet, the station named on the login screen, and home by role."""

from __future__ import annotations

import shutil
import subprocess
import tkinter as tk
from pathlib import Path

from conftest import PASSPHRASE
from gui import keep, pump, screenshot, sign_in, text_of

from keys.errors import WrongPassphrase
from keys.vault import Vault
from station.app import Station
from station.demo.demo_network import ADMIN, COUNTY, REVIEWERS, TOWNSHIP, VILLAGE, DemoNetwork
from station.demo.village import DEMO_AGENT
from station.paths import DataLayout
from station.ui.app import StationApp
from station.ui.login import LoginView, RecoverView
from station.ui.main_window import MainWindow
from station.ui.screens.settings import SettingsScreen

NEW_PASSPHRASE = "新的口令 2026 秋"
RECOVERED = "重新设置的新口令 2027"


def open_app(net: DemoNetwork, tmp_path: Path, data: Path, code: str,
             user: str) -> StationApp:
    return StationApp(data, net.workdir / "documents" / code,
                      config_dir=tmp_path / f"cfg-{code}-{user}", user=user)


def unlocks(data: Path, user: str, passphrase: str) -> bool:
    try:
        Vault.unlock(DataLayout(data).vault_dir, user, passphrase)
    except WrongPassphrase:
        return False
    return True


def recovery_key(net: DemoNetwork, code: str, tmp_path: Path) -> str:
    """The key as read off the recovery sheet printed at setup (its QR code)."""
    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: install poppler-utils and zbar-tools"
    sheet = next((net.workdir / "documents" / code).glob("*恢复密钥单.pdf"))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(sheet), str(tmp_path / "sheet")],
                   check=True, timeout=120)
    page = sorted(tmp_path.glob("sheet-*.png"))[0]
    return subprocess.run(["zbarimg", "--raw", "-q", str(page)], check=True,
                          capture_output=True, text=True, timeout=120).stdout.strip()


def test_change_the_passphrase_in_settings(display: str, net: DemoNetwork,
                                           tmp_path: Path) -> None:
    data = net.village.data
    app = open_app(net, tmp_path, data, VILLAGE[1], DEMO_AGENT)
    try:
        main = sign_in(app, PASSPHRASE)
        screen = main.open("settings")
        assert isinstance(screen, SettingsScreen)
        box = screen.passphrase
        for entry in box.entries.values():
            assert str(entry.cget("show")) == "•"  # nobody reads it over a shoulder
        box.entries["current"].insert(0, "not my passphrase")
        box.entries["new"].insert(0, NEW_PASSPHRASE)
        box.entries["again"].insert(0, NEW_PASSPHRASE)
        box.button.invoke()
        pump(app.root, lambda: "danger" in str(box.message.cget("style")), what="the refusal")
        assert "口令" in text_of(box.message)
        assert all(entry.get() == "" for entry in box.entries.values())

        box.entries["current"].insert(0, PASSPHRASE)
        box.entries["new"].insert(0, NEW_PASSPHRASE)
        box.entries["again"].insert(0, NEW_PASSPHRASE + "x")
        box.button.invoke()
        pump(app.root, lambda: "不一致" in text_of(box.message), what="the mismatch")

        box.entries["current"].insert(0, PASSPHRASE)
        box.entries["new"].insert(0, NEW_PASSPHRASE)
        box.entries["again"].insert(0, NEW_PASSPHRASE)
        box.button.invoke()
        pump(app.root, lambda: "已修改" in text_of(box.message), timeout=60,
             what="the passphrase changed")
        keep(app.root, "settings-passphrase")
    finally:
        app.close()
    assert unlocks(data, DEMO_AGENT, NEW_PASSPHRASE)
    assert not unlocks(data, DEMO_AGENT, PASSPHRASE)
    app = open_app(net, tmp_path, data, VILLAGE[1], DEMO_AGENT)
    try:
        sign_in(app, NEW_PASSPHRASE)  # and the data opens with it
    finally:
        app.close()


def test_forgotten_passphrase_is_reset_with_the_recovery_key(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    data = net.township.data
    key = recovery_key(net, TOWNSHIP[1], tmp_path)
    app = open_app(net, tmp_path, data, TOWNSHIP[1], ADMIN)
    try:
        login = app.view
        assert isinstance(login, LoginView)
        login.forgot.invoke()
        view = app.view
        assert isinstance(view, RecoverView)
        pump(app.root, lambda: TOWNSHIP[1] in text_of(view.station_label),
             what="the station named")
        view.entries["key"].insert(0, "0" * 52)
        view.entries["new"].insert(0, RECOVERED)
        view.entries["again"].insert(0, RECOVERED)
        view.button.invoke()
        pump(app.root, lambda: bool(text_of(view.error)), timeout=60, what="the wrong key")
        assert "恢复密钥" in text_of(view.error)
        assert "Error" not in text_of(view.error)
        view.entries["key"].delete(0, tk.END)
        view.entries["key"].insert(0, key.lower())
        view.entries["new"].insert(0, RECOVERED)
        view.entries["again"].insert(0, RECOVERED)
        screenshot(app.root, "login-recover")
        view.button.invoke()
        pump(app.root, lambda: "新口令" in text_of(view.error), timeout=60,
             what="the new passphrase set")
        assert "success" in str(view.error.cget("style"))
        assert all(entry.get() == "" for entry in view.entries.values())
        view.button.invoke()  # 开始使用
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="logged in")
    finally:
        app.close()
    assert unlocks(data, ADMIN, RECOVERED)
    assert unlocks(data, REVIEWERS[0][0], PASSPHRASE)  # nobody else's passphrase changed
    with Station.open(data, ADMIN, RECOVERED):
        pass


def test_login_names_the_station_and_each_role_lands_at_home(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    cases = (
        (net.village.data, VILLAGE, DEMO_AGENT, "new_case"),
        (net.township.data, TOWNSHIP, REVIEWERS[0][0], "review"),
        (net.township.data, TOWNSHIP, ADMIN, "admin"),  # an admin lands on 管理
        (net.county.data, COUNTY, "archivist", "audit"),
    )
    for data, (_tier, code, name), user, home in cases:
        app = open_app(net, tmp_path, data, code, user)
        try:
            login = app.view
            assert isinstance(login, LoginView)
            pump(app.root, lambda: code in text_of(login.station_label),  # noqa: B023
                 what="the station on the login screen")
            assert name in text_of(login.station_label)
            if user == DEMO_AGENT:
                keep(app.root, "login-station")
            main = sign_in(app, PASSPHRASE)
            pump(app.root, lambda: main.current == home and main.opened >= 1,  # noqa: B023
                 what=f"{user}'s home")
            if home == "new_case":  # the village stays where it started
                pump(app.root, lambda: not app.dispatcher.busy, what="the checks")  # noqa: B023
                assert main.current == "new_case"
            assert ("enrol" in main.buttons) == (user == ADMIN)
        finally:
            app.close()


def test_new_screens_fit_1366x768_in_large_font_mode(display: str, net: DemoNetwork,
                                                     tmp_path: Path) -> None:
    """修改口令 in 设置 and the 入网 screens show every button whole on a village screen."""
    app = open_app(net, tmp_path, net.township.data, TOWNSHIP[1], ADMIN)
    try:
        app.config.large_font = True
        app.restyle()
        main = sign_in(app, PASSPHRASE)
        assert app.root.winfo_height() <= 768
        settings = main.open("settings")
        assert isinstance(settings, SettingsScreen)
        settle_and_check(app, [settings.passphrase.button, *settings.passphrase.entries.values()])
        pump(app.root, lambda: "enrol" in main.buttons, what="the 入网 entry")
        enrol = main.open("enrol")
        pump(app.root, lambda: getattr(enrol, "approve", None) is not None, what="the panels")
        approve, issue = enrol.approve, enrol.issue  # type: ignore[attr-defined]
        settle_and_check(app, [approve.approve_button, approve.refresh_button,
                               approve.file_button])
        enrol.tabs.select(issue)  # type: ignore[attr-defined]
        settle_and_check(app, [issue.button, issue.child, issue.tier])
        screenshot(app.root, "enrol-large-font")
    finally:
        app.close()


def settle_and_check(app: StationApp, widgets: list[tk.Misc]) -> None:
    from gui import settle

    settle(app.root)
    bottom = app.root.winfo_rooty() + app.root.winfo_height()
    right = app.root.winfo_rootx() + app.root.winfo_width()
    for widget in widgets:
        assert widget.winfo_ismapped(), widget
        assert widget.winfo_rooty() + widget.winfo_height() <= bottom, widget
        assert widget.winfo_rootx() + widget.winfo_width() <= right, widget
        assert widget.winfo_width() >= widget.winfo_reqwidth(), widget
