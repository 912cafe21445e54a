"""管理 in the window (real Tk under Xvfb, real stores of the demo network):

- a township admin adds a user and makes an office seal by typing and clicking;
  the domain then finds the user, who logs in with their own passphrase, and a
  valid seal;
- a reviewer does not see 管理;
- the county admin's publish of a malformed catalogue shows the file and the
  line, and changes nothing (no network is needed: the files are checked first).
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk
from gui import find_widget, keep, pump
from test_gui_sync import log_in, text_of

from station.app import Station
from station.demo.demo_network import ADMIN, COUNTY, REVIEWERS, TOWNSHIP, DemoNetwork
from station.network import updates
from station.store.models import Event, User
from station.trust import seals
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.admin import AdminScreen
from station.ui.screens.admin_publish import PublishPanel
from station.ui.screens.admin_seals import SealsPanel
from station.ui.screens.admin_users import UsersPanel
from sync.updates import CATALOGUE

NEW_USER, NEW_NAME, NEW_SECRET = "nongye", "孙农业", "a passphrase 孙 types himself"
NEW_OFFICE = "农业农村办"
MALFORMED = '[[matter]]\ncode = "450981-NY-001"\nname = 农机购置补贴\n'  # line 3: no quotes


def main_window(app: StationApp) -> MainWindow:
    main = app.view
    assert isinstance(main, MainWindow)
    return main


def checks_done(app: StationApp) -> bool:
    """The sidebar's role checks (on the worker) have all come back."""
    return not app.dispatcher.busy


def open_admin(app: StationApp) -> AdminScreen:
    main = main_window(app)
    pump(app.root, lambda: "admin" in main.buttons, what="管理 in the sidebar")
    assert "管理" in text_of(main.buttons["admin"])
    main.buttons["admin"].invoke()
    screen = main.screen
    assert isinstance(screen, AdminScreen)
    return screen


def published_state(net: DemoNetwork) -> tuple[object, ...]:
    """What a publish changes at the county: version, catalogue folder, update events."""
    with net.open(net.county) as county:
        folder = county.layout.catalogue
        return (updates.installed_version(CATALOGUE),
                sorted(p.name for p in folder.iterdir()) if folder.exists() else None,
                Event.select().where(Event.type == "node.update_installed").count(),
                sorted((county.layout.root / updates.INCOMING).rglob("*.toml")))


def message_of(panel: tk.Misc) -> str:
    return text_of(panel.message)  # type: ignore[attr-defined]


def test_admin_adds_a_user_and_makes_a_seal_in_the_window(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], ADMIN)
    try:
        screen = open_admin(app)
        users_tab = screen.show("users")
        assert isinstance(users_tab, UsersPanel)
        pump(app.root, lambda: ADMIN in users_tab.listed, what="the list of users")
        for key, value in (("name", NEW_USER), ("display", NEW_NAME),
                           ("secret", NEW_SECRET), ("again", NEW_SECRET)):
            users_tab.fields[key].focus_set()
            users_tab.fields[key].insert(0, value)
        users_tab.role_box.set("代办员")
        find_widget(users_tab, ttk.Button, "添加用户").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "已添加用户" in message_of(users_tab)
             and NEW_USER in users_tab.listed, what="the new user in the list")
        assert users_tab.fields["secret"].get() == ""  # the passphrase leaves the form
        assert users_tab.table.item(NEW_USER)["values"][1:] == [NEW_NAME, "代办员", "—", "可登录"]
        keep(app.root, "17-admin-users")

        seals_tab = screen.show("seals")
        assert isinstance(seals_tab, SealsPanel)
        pump(app.root, lambda: "民政办" in seals_tab.found, what="the office seals")
        seals_tab.office.insert(0, NEW_OFFICE)
        find_widget(seals_tab, ttk.Button, "制作印章").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: NEW_OFFICE in seals_tab.found, what="the new seal in the list")
        assert "已制作“农业农村办”的印章" in message_of(seals_tab)
        assert seals_tab.table.item(NEW_OFFICE)["values"][1] == "有效"
        keep(app.root, "18-admin-seals")

        find_widget(seals_tab, ttk.Button, "制作印章").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "已经有“农业农村办”的印章" in message_of(seals_tab),
             what="a valid seal is not made twice")
    finally:
        app.close()

    with Station.open(net.township.data, NEW_USER, NEW_SECRET) as theirs:
        assert theirs.user == NEW_USER
        me = User.get(User.name == NEW_USER)
        assert (me.role, me.display_name, me.office) == ("agent", NEW_NAME, None)
    with net.open(net.township) as station:
        made = {info.office: info for info in seals.list_seals(station)}
        assert made[NEW_OFFICE].state == seals.VALID
        recorded = [(e.author, e.type, e.payload) for e in Event.select()
                    .where(Event.type.in_(["user.added", seals.SEAL_CREATED]))]
    assert (ADMIN, "user.added", {"user": NEW_USER, "role": "agent", "office": None}) in recorded
    assert any(author == ADMIN and kind == seals.SEAL_CREATED and payload["office"] == NEW_OFFICE
               for author, kind, payload in recorded)


def test_a_reviewer_does_not_see_admin(display: str, net: DemoNetwork, tmp_path: Path) -> None:
    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], REVIEWERS[0][0])
    try:
        main = main_window(app)
        pump(app.root, lambda: "review" in main.buttons and checks_done(app),
             what="the role checks")
        assert "admin" not in main.buttons
        assert not any("管理" in text_of(b) for b in main.buttons.values())
    finally:
        app.close()


def test_a_malformed_catalogue_is_shown_by_file_and_line_and_nothing_changes(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    folder = tmp_path / "new-catalogue"
    folder.mkdir()
    (folder / "nongye.toml").write_text(MALFORMED, encoding="utf-8")
    before = published_state(net)

    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        screen = open_admin(app)
        panel = screen.show("publish")
        assert isinstance(panel, PublishPanel)
        panel.set_path(CATALOGUE, folder)  # what the folder dialog does with its answer
        find_widget(panel, ttk.Button, "检查并发布事项目录").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: message_of(panel) != "", what="the check's answer")
        shown = message_of(panel)
        assert "nongye.toml" in shown and "第 3 行" in shown, shown
        assert "danger" in str(panel.message.cget("style")), "the mistake is shown in red"
        assert not panel.progress.winfo_ismapped()
        keep(app.root, "19-admin-publish-error")
    finally:
        app.close()

    assert published_state(net) == before
