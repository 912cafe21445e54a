"""Office keys in the window (real Tk under Xvfb, real stores of the demo network):

- the township admin adds a reviewer to 民政办 in 管理 → 用户; the list says the new
  colleague waits for the office's key from a colleague (the admin holds none);
- mz, who holds it, sees the new colleague in 设置 → 科室密钥 and gives it with a click;
  the new reviewer then holds the key (their own keyring opens the office's cases);
- the admin takes the reviewer out of 民政办 in the window: the key rotates, and the
  removed reviewer cannot open what is sealed to the new version;
- each new part shows its whole text at 1366×768 in large-font mode.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import pytest
import ttkbootstrap as ttk
from gui import find_widget, keep, pump, screenshot, settle, text_of
from layout import cut
from test_gui_drafts import asked
from test_gui_sync import log_in

from keys.errors import NotARecipient
from keys.seal import open_sealed, seal
from station.app import Station
from station.demo.demo_network import ADMIN, REVIEWERS, TOWNSHIP, DemoNetwork
from station.errors import LastOfficeKeyHolder, NotAnOfficeMember, RoleRequired
from station.outbox import label
from station.store.models import Event, OfficeMember, User
from station.trust import offices
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.admin import AdminScreen
from station.ui.screens.admin_users import UsersPanel
from station.ui.screens.settings import SettingsScreen
from station.ui.screens.settings_office_keys import OfficeKeyBox

OFFICE = "民政办"
NEW_USER, NEW_NAME, NEW_SECRET = "mz3", "孙审核", "a passphrase 孙 types herself"
MZ = REVIEWERS[0][0]


def main_of(app: StationApp) -> MainWindow:
    main = app.view
    assert isinstance(main, MainWindow)
    return main


def users_tab(app: StationApp) -> UsersPanel:
    main = main_of(app)
    pump(app.root, lambda: "admin" in main.buttons, what="管理 in the sidebar")
    screen = main.open("admin")
    assert isinstance(screen, AdminScreen)
    panel = screen.show("users")
    assert isinstance(panel, UsersPanel)
    pump(app.root, lambda: ADMIN in panel.listed and bool(panel.key_info),
         what="the list of users")
    return panel


def office_key_box(app: StationApp) -> OfficeKeyBox:
    screen = main_of(app).open("settings")
    assert isinstance(screen, SettingsScreen)
    box = screen.office_keys
    pump(app.root, lambda: box.visible, what="科室密钥 in 设置")
    return box


def in_large_font(app: StationApp) -> None:
    app.config.large_font = True
    app.restyle()
    pump(app.root, lambda: isinstance(app.view, MainWindow), what="the window rebuilt")


def key_column(panel: UsersPanel, user: str) -> str:
    return str(panel.table.item(user)["values"][-1])


def message_of(widget: tk.Misc) -> str:
    return text_of(widget.message)  # type: ignore[attr-defined]


def settled(app: StationApp) -> None:
    pump(app.root, lambda: not app.dispatcher.busy, what="the worker")
    settle(app.root)


def sealed_to_office(net: DemoNetwork, payload: bytes) -> bytes:
    with net.open(net.township, MZ) as station:
        return seal(payload, [offices.recipient(station, OFFICE)])


def test_a_colleague_gives_the_office_key_in_the_window_and_the_admin_takes_it_back(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    # 1. the admin adds a reviewer of 民政办: the list says who still waits for the key
    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], ADMIN)
    try:
        panel = users_tab(app)
        assert key_column(panel, MZ) == "已持有"
        assert key_column(panel, ADMIN) == "—"
        assert "设置" in text_of(panel.explained) and "管理员" in text_of(panel.explained)
        for key, value in (("name", NEW_USER), ("display", NEW_NAME), ("office", OFFICE),
                           ("secret", NEW_SECRET), ("again", NEW_SECRET)):
            panel.fields[key].insert(0, value)
        panel.role_box.set("审核员")
        find_widget(panel, ttk.Button, "添加用户").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: NEW_USER in panel.listed and NEW_USER in panel.key_info,
             what="the new reviewer in the list")
        assert key_column(panel, NEW_USER) == "待本科室同事授予"
        keep(app.root, "admin-users-office-keys")

        in_large_font(app)
        panel = users_tab(app)
        settled(app)
        assert cut(panel) == []
        screenshot(app.root, "admin-users-office-keys-large")
    finally:
        app.close()
    before = sealed_to_office(net, b"an old case of the office")

    # 2. mz sees the new colleague in 设置 and gives the key with a click
    app = log_in(net, tmp_path / "mz", net.township.data, TOWNSHIP[1], MZ)
    try:
        box = office_key_box(app)
        pump(app.root, lambda: NEW_USER in box.listed, what="the new colleague in 设置")
        assert set(box.listed) == {NEW_USER}  # mz2 and the signer hold it already
        assert text_of(box.give_button) == f"把“{OFFICE}”密钥交给 {NEW_NAME}"
        keep(app.root, "settings-office-keys")

        in_large_font(app)
        box = office_key_box(app)
        pump(app.root, lambda: NEW_USER in box.listed, what="the colleague in large font")
        settled(app)
        assert cut(box) == []
        screenshot(app.root, "settings-office-keys-large")

        box.give_button.invoke()
        question = asked(app)
        assert NEW_NAME in question.text and OFFICE in question.text
        question.yes.invoke()
        pump(app.root, lambda: "已把" in message_of(box) and not box.listed,
             what="the key given")
        assert NEW_NAME in message_of(box)
        assert not box.give_button.winfo_ismapped()  # nobody waits any more
    finally:
        app.close()

    # 3. the new reviewer holds the key: old and new cases of the office open for her
    with Station.open(net.township.data, NEW_USER, NEW_SECRET) as theirs:
        ring = offices.keyring(theirs)
        assert open_sealed(before, ring) == b"an old case of the office"
    with net.open(net.township) as station:
        given = [(e.author, e.payload) for e in Event.select()
                 .where(Event.type == "office.member_added")]
        version = offices.latest(OFFICE).version  # type: ignore[union-attr]
    assert (MZ, {"office": OFFICE, "user": NEW_USER}) in given
    assert label("office.member_added") == "交出科室密钥"  # as the audit and sync lists read

    # 4. the admin takes her out of 民政办 in the window: the key rotates
    app = log_in(net, tmp_path / "again", net.township.data, TOWNSHIP[1], ADMIN)
    try:
        panel = users_tab(app)
        assert key_column(panel, NEW_USER) == "已持有"
        panel.table.selection_set(NEW_USER)
        pump(app.root, lambda: panel.value("name") == NEW_USER, what="the user chosen")
        find_widget(panel, ttk.Button, "移出科室").invoke()  # type: ignore[attr-defined]
        question = asked(app)
        assert "不能再阅读" in question.text and OFFICE in question.text
        question.yes.invoke()
        pump(app.root, lambda: "已把" in message_of(panel), what="the reviewer taken out")
        pump(app.root, lambda: key_column(panel, NEW_USER) == "—", what="the list again")
        assert f"第 {version + 1} 版" in message_of(panel)
    finally:
        app.close()

    after = sealed_to_office(net, b"a new case of the office")
    with net.open(net.township) as station:
        assert offices.latest(OFFICE).version == version + 1  # type: ignore[union-attr]
        assert NEW_USER not in offices.holders(OFFICE) and MZ in offices.holders(OFFICE)
        assert not OfficeMember.select().where(OfficeMember.user == NEW_USER).exists()
        assert User.get(User.name == NEW_USER).office is None
        removed = [(e.author, e.payload) for e in Event.select()
                   .where(Event.type == "office.member_removed")]
    assert (ADMIN, {"office": OFFICE, "user": NEW_USER, "rotated_to": version + 1}) in removed
    with Station.open(net.township.data, NEW_USER, NEW_SECRET) as theirs, \
            pytest.raises(NotARecipient):
        open_sealed(after, offices.keyring(theirs))
    with net.open(net.township, MZ) as station:
        assert open_sealed(after, offices.keyring(station)) == b"a new case of the office"


def test_who_may_take_a_member_out(net: DemoNetwork) -> None:
    """As on the command line: a member of the office or an admin; never the last holder."""
    cl = REVIEWERS[2][0]  # 残联: not a member of 民政办, and the only holder of 残联's key
    with net.open(net.township, cl) as station, pytest.raises(NotAnOfficeMember):
        offices.remove_member(station, OFFICE, REVIEWERS[1][0])
    with net.open(net.township) as station, pytest.raises(LastOfficeKeyHolder):
        offices.remove_member(station, "残联", cl)
    with net.open(net.township, MZ) as station:
        assert offices.remove_member(station, OFFICE, REVIEWERS[1][0]) == 2
        assert REVIEWERS[1][0] not in offices.holders(OFFICE)


def test_the_states_the_admin_reads(net: DemoNetwork) -> None:
    with net.open(net.township) as station:
        states = offices.key_states(station)
        assert offices.key_state(ADMIN, None) is None
        assert offices.key_state(MZ, "农业农村办") == offices.NO_KEY  # the admin makes it first
    assert states[MZ] == offices.KeyInfo(offices.HELD, (OFFICE,))
    assert states[ADMIN] == offices.KeyInfo(None, ())
    with net.open(net.township, MZ) as station, pytest.raises(RoleRequired):
        offices.key_states(station)  # only the admin lists everybody's keys
