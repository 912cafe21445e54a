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
import tkinter.font as tkfont
from pathlib import Path
from types import SimpleNamespace

import pytest
import ttkbootstrap as ttk
from gui import find_widget, keep, pump, screenshot, settle
from test_gui_sync import log_in, text_of

from keys import ca
from keys.errors import UnknownUser
from station import node_keys
from station.app import Station
from station.casework.clock_policy import POLICY_SET, policy_from_settings
from station.demo import demo_network
from station.demo.demo_network import ADMIN, COUNTY, REVIEWERS, TOWNSHIP, DemoNetwork
from station.hubops import hub_runner
from station.network import updates
from station.store.models import Event, User
from station.trust import revocations, seals
from station.ui.app import StationApp
from station.ui.file_dialogs import speak_chinese, start_folder, usb_stick
from station.ui.main_window import MainWindow
from station.ui.screens.admin import AdminScreen
from station.ui.screens.admin_clock import ClockPanel
from station.ui.screens.admin_publish import PublishPanel
from station.ui.screens.admin_revoke import RevokePanel
from station.ui.screens.admin_seals import SealsPanel
from station.ui.screens.admin_table import Table
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
        assert users_tab.table.item(NEW_USER)["values"][1:] == [
            NEW_NAME, "代办员", "—", "可登录", "—"]  # no office, so no office key
        keep(app.root, "admin-users")

        seals_tab = screen.show("seals")
        assert isinstance(seals_tab, SealsPanel)
        pump(app.root, lambda: "民政办" in seals_tab.found, what="the office seals")
        seals_tab.office.insert(0, NEW_OFFICE)
        find_widget(seals_tab, ttk.Button, "制作印章").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: NEW_OFFICE in seals_tab.found, what="the new seal in the list")
        assert "已制作“农业农村办”的印章" in message_of(seals_tab)
        assert seals_tab.table.item(NEW_OFFICE)["values"][1] == "有效"
        keep(app.root, "admin-seals")

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
        keep(app.root, "admin-publish-error")
    finally:
        app.close()

    assert published_state(net) == before


def all_widgets(root: tk.Misc) -> list[tk.Misc]:
    found, stack = [], [root]
    while stack:
        widget = stack.pop()
        stack.extend(widget.winfo_children())
        found.append(widget)
    return found


def shown_widgets(root: tk.Misc) -> list[tk.Misc]:
    """Every mapped label and button under ``root``."""
    return [w for w in all_widgets(root)
            if isinstance(w, (ttk.Label, ttk.Button)) and w.winfo_ismapped()]


def large_font(app: StationApp) -> None:
    app.config.large_font = True
    app.restyle()
    pump(app.root, lambda: isinstance(app.view, MainWindow), what="the large-font window")


def assert_fits(app: StationApp, screen: tk.Misc, what: str) -> None:
    """Every label and button under ``screen`` shows its whole text inside 1366×768."""
    settle(app.root)
    right, bottom = app.root.winfo_rootx() + 1366, app.root.winfo_rooty() + 768
    for widget in shown_widgets(screen):
        label = (what, text_of(widget))
        assert widget.winfo_reqwidth() <= widget.winfo_width() + 1, label
        assert widget.winfo_reqheight() <= widget.winfo_height() + 1, label
        assert widget.winfo_rootx() + widget.winfo_width() <= right, label
        assert widget.winfo_rooty() + widget.winfo_height() <= bottom, label


def test_every_admin_tab_fits_1366x768_in_large_font(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        large_font(app)
        screen = open_admin(app)
        assert app.root.winfo_width() <= 1366 and app.root.winfo_height() <= 768
        for key in screen.panels:
            panel = screen.show(key)
            pump(app.root, lambda: checks_done(app), what=f"the {key} tab's data")
            settle(app.root)
            for table in [w for w in all_widgets(panel) if isinstance(w, Table)]:
                assert cut_cells(table) == [], key
                assert table.winfo_reqwidth() <= table.winfo_width() + 1, key
                assert table.winfo_rootx() + table.winfo_width() <= panel.winfo_rootx() + \
                    panel.winfo_width(), key
            assert_fits(app, panel, key)
            screenshot(app.root, f"admin-large-{key}")
    finally:
        app.close()


def cut_cells(table: Table) -> list[str]:
    """Cells of ``table`` narrower than their text (headings in the heading font)."""
    heading_font = tkfont.nametofont("TkHeadingFont", root=table)
    row_font = table.row_font
    cut = []
    for index, (key, heading, _chars) in enumerate(table.specs):
        width = int(table.column(key, "width"))
        texts = [(heading_font, heading)] + [
            (row_font, str(table.item(i)["values"][index])) for i in table.get_children()]
        cut += [text for font, text in texts if font.measure(text) > width]
    return cut


def test_county_revokes_a_seal_after_a_confirmation_and_sets_the_clock_policy(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        screen = open_admin(app)
        panel = screen.show("revoke")
        assert isinstance(panel, RevokePanel)
        pump(app.root, lambda: "民政局" in panel.table.get_children(), what="the county's seals")
        serial = next(s.serial for s in panel.known if s.office == "民政局")
        panel.table.selection_set("民政局")
        pump(app.root, lambda: panel.serial.get() == str(serial), what="the serial filled in")
        find_widget(panel, ttk.Button, "吊销…").invoke()  # type: ignore[attr-defined]
        settle(app.root)
        assert panel.confirm.winfo_ismapped()
        warning = text_of(panel.warning)
        assert "民政局" in warning and "不能再盖章" in warning and "不能撤回" in warning
        keep(app.root, "admin-revoke-confirm")
        find_widget(panel, ttk.Button, "确认吊销").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "已吊销序列号" in message_of(panel)
             and panel.table.item("民政局")["values"][1] == "已吊销", what="the seal revoked")
        assert not panel.confirm.winfo_ismapped()

        clock = screen.show("clock")
        assert isinstance(clock, ClockPanel)
        pump(app.root, lambda: clock.fields["yellow"].get() != "", what="the clock policy")
        clock.fields["yellow"].delete(0, tk.END)
        clock.fields["yellow"].insert(0, "1.5")
        find_widget(clock, ttk.Button, "保存时限规则").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "黄牌比例“1.5”不正确" in message_of(clock), what="the refusal")
        clock.fields["yellow"].delete(0, tk.END)
        clock.fields["yellow"].insert(0, "70%")
        clock.fields["callback"].delete(0, tk.END)
        clock.fields["callback"].insert(0, "2")
        find_widget(clock, ttk.Button, "保存时限规则").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "已保存" in message_of(clock)
             and clock.fields["yellow"].get() == "0.7", what="the saved policy")
    finally:
        app.close()

    with net.open(net.county) as county:
        states = {info.office: info.state for info in seals.list_seals(county)}
        assert states["民政局"] == seals.REVOKED
        listed = revocations.current(county)
        assert listed is not None and serial in listed.revoked
        policy = policy_from_settings()
        assert (policy.yellow_share, policy.followup_callback_days) == (0.7, 2)
        kinds = [e.type for e in Event.select().where(Event.author == ADMIN)]
    assert "trust.revocations" in kinds and POLICY_SET in kinds
    assert list((net.workdir / "documents" / COUNTY[1]).glob("吊销名单-第*号.bin"))


def test_file_dialogs_speak_chinese_and_start_in_the_documents_folder(
        display: str, tmp_path: Path) -> None:
    """Tk's own dialog takes its words from Tcl's catalogue; the folder it opens in is
    the USB stick when one is mounted, else the documents folder, never the program's."""
    root = tk.Tk()
    try:
        speak_chinese(root, "zh")
        assert root.tk.eval('namespace eval ::tk {::msgcat::mc "File &name:"}') == "文件&名："
        assert root.tk.eval('namespace eval ::tk {::msgcat::mc "&Save"}') == "&保存"
        speak_chinese(root, "en")
        assert root.tk.eval('namespace eval ::tk {::msgcat::mc "&Save"}') == "&Save"
    finally:
        root.destroy()
    documents = tmp_path / "documents"
    documents.mkdir()
    app = SimpleNamespace(documents=documents)
    start = start_folder(app)  # type: ignore[arg-type]
    assert start == (usb_stick() or documents)
    assert Path.cwd() not in (start, *start.parents)


def test_admin_resets_a_forgotten_passphrase_and_disables_a_user(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], ADMIN)
    try:
        users_tab = open_admin(app).show("users")
        assert isinstance(users_tab, UsersPanel)
        pump(app.root, lambda: "mz2" in users_tab.listed, what="the list of users")
        users_tab.table.selection_set("mz2")
        pump(app.root, lambda: users_tab.fields["name"].get() == "mz2", what="the form filled")
        users_tab.fields["secret"].insert(0, NEW_SECRET)
        users_tab.fields["again"].insert(0, NEW_SECRET + "x")
        find_widget(users_tab, ttk.Button, "重设口令").invoke()  # type: ignore[attr-defined]
        assert "两次输入的口令不一致" in message_of(users_tab)
        users_tab.fields["secret"].insert(0, NEW_SECRET)  # typed by mz2 herself
        users_tab.fields["again"].insert(0, NEW_SECRET)
        find_widget(users_tab, ttk.Button, "重设口令").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "已为 mz2 重设口令" in message_of(users_tab), what="the reset")
        assert users_tab.fields["secret"].get() == users_tab.fields["again"].get() == ""
        assert "设置" in message_of(users_tab)  # where a colleague gives the office key again
        pump(app.root, lambda: users_tab.table.item("mz2")["values"][5] == "待本科室同事授予",
             what="mz2 waits for the office key again")

        users_tab.table.selection_set("cl")
        pump(app.root, lambda: users_tab.fields["name"].get() == "cl", what="the form filled")
        find_widget(users_tab, ttk.Button, "停用").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: users_tab.table.item("cl")["values"][4] == "已停用",
             what="cl disabled in the list")
    finally:
        app.close()
    with Station.open(net.township.data, "mz2", NEW_SECRET) as theirs:
        assert theirs.user == "mz2"
    with pytest.raises(UnknownUser):
        Station.open(net.township.data, "cl", net.passphrase).close()
    with net.open(net.township):
        kinds = [(e.type, e.payload["user"]) for e in Event.select().where(Event.author == ADMIN)
                 if e.type.startswith("user.")]
    assert ("user.passphrase_reset", "mz2") in kinds and ("user.disabled", "cl") in kinds


def identity_serial(station: Station) -> int:
    """The serial number of the certificate a node signs its requests with."""
    pem = node_keys.certificate(node_keys.SIGNING)
    assert pem
    return int(ca.chain_from_pem(pem.encode())[0].serial_number)


def test_county_revokes_a_station_picked_from_the_hubs_list(
        display: str, hubs: DemoNetwork, tmp_path: Path) -> None:
    """The county admin does not type a serial number: the stations the county hub has
    verified are listed with theirs; the confirmation names the station and says it must
    enrol again."""
    net = hubs
    demo_network.round_trip(net)  # the township hub has synced with the county hub
    with net.open(net.township) as desk:  # (before the window: one open store at a time)
        own_serial = identity_serial(desk)
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        panel = open_admin(app).show("revoke")
        assert isinstance(panel, RevokePanel)
        pump(app.root, lambda: TOWNSHIP[1] in panel.station_table.get_children(),
             what="the township in the stations' list")
        township = next(c for c in panel.stations if c.code == TOWNSHIP[1])
        assert panel.station_table.item(TOWNSHIP[1])["values"][1] == TOWNSHIP[2]
        assert township.serial == own_serial  # the certificate the township signs with
        panel.station_table.selection_set(TOWNSHIP[1])
        pump(app.root, lambda: panel.serial.get() == str(township.serial),
             what="the serial filled in")
        find_widget(panel, ttk.Button, "吊销…").invoke()  # type: ignore[attr-defined]
        settle(app.root)
        warning = text_of(panel.warning)
        assert TOWNSHIP[2] in warning and "不能再同步" in warning and "重新入网" in warning
        keep(app.root, "admin-revoke-station")
        find_widget(panel, ttk.Button, "确认吊销").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: bool(message_of(panel)), what="the station revoked")
        assert "已吊销序列号" in message_of(panel), message_of(panel)
    finally:
        app.close()
    with net.open(net.county) as county:
        listed = revocations.current(county)
        assert listed is not None and township.serial in listed.revoked


def test_the_revoke_tab_says_why_no_station_is_listed_without_a_hub_database(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    (net.county.data / hub_runner.DB_NAME).unlink(missing_ok=True)
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        panel = open_admin(app).show("revoke")
        assert isinstance(panel, RevokePanel)
        pump(app.root, lambda: bool(text_of(panel.stations_note)), what="the note")
        assert "没有县级枢纽站的数据库" in text_of(panel.stations_note)
        assert panel.station_table.get_children() == ()
    finally:
        app.close()
