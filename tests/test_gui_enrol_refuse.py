"""拒绝入网 in the windows, under Xvfb, against the demo network's real hubs.

A new village station sends its request from its 入网 page to the township hub
with a code the county issued; the request is relayed up.  The county admin,
in the county's window (入网 → 待批准的入网申请), clicks 拒绝: the dialog names
the station and will not go on without a reason; with one, the refusal goes to
the county hub and the request leaves the list.  The refusal comes down to the
township hub; the village's 入网 page, opened again, stops waiting and shows
the refusal and its reason in Chinese, and takes a new code to ask again.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

from conftest import PASSPHRASE
from gui import keep, pump, sign_in, text_of
from test_gui_enrol import (
    NEW,
    NEW_NAME,
    WAIT,
    enrol_screen,
    grant_at_township,
    open_app,
    request_at_county,
)

from station.app import Station
from station.demo.demo_network import ADMIN, COUNTY, DemoNetwork, wait_until
from station.hubops import hub_runner
from station.network import enrolment_net, link
from station.trust import enrolment
from station.ui.screens.enrol_join import JoinPanel
from sync.hub.identity import open_database
from sync.hub.models import HubEnrolment, HubGrant

REASON = "本村已有站点在用这个编码，请核对区划代码后重新申请"


def county_issues_a_code(net: DemoNetwork) -> str:
    """The sheet handed over: the county's code, its grant given to the county hub."""
    assert net.county.address
    with net.open(net.county, ADMIN) as county:
        code = enrolment.issue_code(county, NEW, "village").code
        client = link.client_for(county, net.county.address)
        link.connect(county, client)
        enrolment_net.publish_grants(county, client)
    return code


def township_state(net: DemoNetwork) -> str:
    db = open_database(None, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            row = HubEnrolment.get_or_none(HubEnrolment.node == NEW)
            return str(row.state) if row else ""
    finally:
        db.close()


def open_grants_at_township(net: DemoNetwork) -> int:
    db = open_database(None, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return HubGrant.select().where((HubGrant.child == NEW)
                                           & HubGrant.used_at.is_null()).count()
    finally:
        db.close()


def join_panel(app: object, data: Path) -> JoinPanel:
    main = sign_in(app, PASSPHRASE)
    screen = enrol_screen(app, main)  # type: ignore[arg-type]
    pump(app.root, lambda: screen.join is not None, what="the request panel")  # type: ignore[attr-defined]
    assert isinstance(screen.join, JoinPanel)
    return screen.join


def send_from_the_village(net: DemoNetwork, tmp_path: Path, data: Path, code: str) -> None:
    app = open_app(net, tmp_path, data, NEW)
    try:
        join = join_panel(app, data)
        join.code.insert(0, code)
        join.hub.delete(0, tk.END)
        join.hub.insert(0, net.township.address or "")
        join.button.invoke()
        pump(app.root, lambda: "已送达" in text_of(join.status) or bool(text_of(join.error)),
             timeout=WAIT, what="the request sent")
        assert "已送达" in text_of(join.status), text_of(join.error)
    finally:
        app.close()


def refuse_in_county_window(net: DemoNetwork, tmp_path: Path) -> None:
    app = open_app(net, tmp_path, net.county.data, COUNTY[1])
    try:
        panel = request_at_county(app)
        panel.tree.selection_set(NEW)
        panel.refuse_button.invoke()
        pump(app.root, lambda: panel.confirmation is not None
             and panel.confirmation.winfo_viewable(), what="the refusal dialog")
        dialog = panel.confirmation
        assert dialog is not None
        assert f"即将拒绝以下站点的入网申请：\n{NEW_NAME}（站点编码 {NEW}）" in dialog.text
        assert "重新领取注册码" in dialog.text
        dialog.ok.invoke()  # no reason yet: the dialog stays and says so
        assert dialog.winfo_exists() and "请填写拒绝的理由" in text_of(dialog.message)
        dialog.set_reason(REASON)
        keep(app.root, "enrol-refuse-dialog")
        seen = panel.loaded
        dialog.ok.invoke()
        pump(app.root, lambda: "已拒绝" in text_of(panel.message)
             or "danger" in str(panel.message.cget("style")), timeout=WAIT,
             what="the refusal")
        assert "已拒绝" in text_of(panel.message), text_of(panel.message)
        pump(app.root, lambda: panel.loaded > seen, timeout=WAIT, what="the list again")
        assert NEW not in panel.tree.get_children()  # no longer waiting
    finally:
        app.close()


def test_the_county_refuses_in_its_window_and_the_village_reads_why(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    code = county_issues_a_code(net)
    wait_until(lambda: grant_at_township(net), WAIT, "the county's grant at the township hub")
    data = net.workdir / NEW
    Station.init(data, "village", NEW, NEW_NAME, ADMIN, PASSPHRASE,
                 net.workdir / "documents" / NEW)[0].close()
    send_from_the_village(net, tmp_path, data, code)

    refuse_in_county_window(net, tmp_path)
    wait_until(lambda: township_state(net) == "refused", WAIT,
               "the refusal relayed down to the township hub")

    app = open_app(net, tmp_path, data, NEW)
    try:
        join = join_panel(app, data)  # it waits again by itself, and learns of the refusal
        pump(app.root, lambda: "拒绝" in text_of(join.error), timeout=WAIT,
             what="the refusal on the 入网 page")
        shown = text_of(join.error)
        assert f"上级站点拒绝了本站的入网申请，理由是：{REASON}。" in shown, shown
        assert "重新领取注册码后再申请" in shown
        assert "Error" not in shown and "refus" not in shown
        assert not join.progress.winfo_ismapped()  # no longer waiting
        assert str(join.button.cget("state")) == "normal"
        assert join.code.get() == ""  # ready for a new code
        keep(app.root, "enrol-refused")

        new_code = county_issues_a_code(net)  # the agent fetched a new sheet
        wait_until(lambda: open_grants_at_township(net) == 1, WAIT,
                   "the new grant at the township hub")
        join.code.insert(0, new_code)
        join.code.event_generate("<Return>")
        pump(app.root, lambda: "已送达" in text_of(join.status) or (
            bool(text_of(join.error)) and "拒绝" not in text_of(join.error)),
            timeout=WAIT, what="the new request sent")
        assert "已送达" in text_of(join.status), text_of(join.error)
        assert text_of(join.error) == ""
        assert join.progress.winfo_ismapped()
    finally:
        app.close()
    assert township_state(net) == "pending"
