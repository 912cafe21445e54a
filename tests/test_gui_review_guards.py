"""A review desk that cannot skip a step, on a running demo network (real hubs on
loopback, real Tk under Xvfb): 受理 with a required material 缺少 is blocked, then
allowed with a reason; a confirmation names what is sealed and to whom before sealing,
and 取消 leaves the case as it was; 退回村站 with a reason → the village sees it →
corrects the case → sends it again as the same case → the office accepts it; and a
village-level matter (人民调解) accepted and decided on the village's own desk."""

from __future__ import annotations

from pathlib import Path

from gui import pump, screenshot
from test_gui_delivery import enabled as village_enabled
from test_gui_delivery import main_window, text_of, wait_until_sent
from test_gui_review import WAIT, claim, confirm, documents_at_village, open_desk, wait_state
from test_gui_sync import log_in
from test_review_guards import MEDIATOR, file_mediation, synced_everywhere

from station.cases.register import show_case
from station.casework import review
from station.demo.demo_network import (
    COUNTY,
    REVIEW_MISSING,
    TOWNSHIP,
    VILLAGE,
    DemoNetwork,
    review_sample,
)
from station.demo.village import DEMO_AGENT
from station.network import link
from station.trust import users
from station.ui.screens.audit import AuditScreen
from station.ui.screens.case_resubmit import ResubmitForm
from station.ui.screens.cases import CasesScreen
from station.ui.screens.review_desk import ReviewDeskScreen
from station.ui.screens.village_desk_form import VillageDeskForm
from sync import lifecycle

MZ = "mz"


def message(screen: ReviewDeskScreen) -> str:
    return str(screen.message.cget("text"))


def test_accept_over_a_missing_material_needs_a_reason_and_sealing_is_confirmed(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    with net.open(net.village) as village:
        filed, _held = review_sample(net, village, seed=940)  # the 户口簿 left out
        link.sync_once(village)
    case_no = filed.case_no

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
    try:
        screen = open_desk(app, case_no)
        claim(app, screen, case_no)
        verdicts, opinion = screen.verdicts, screen.opinion
        assert verdicts is not None and opinion is not None
        assert verdicts.row(REVIEW_MISSING).verdict().verdict == "missing"

        # 发出补正告知 seals and sends: the confirmation says what and to whom; 取消.
        verdicts.send_button.invoke()
        pump(app.root, lambda: screen.confirmation is not None, what="the confirmation")
        dialog = screen.confirmation
        assert dialog is not None
        assert ("将出具《补齐补正告知书》，加盖“示范镇民政办”电子印章。"
                in dialog.text)
        assert "送达：桂平市示范镇示范村便民服务站，转交申请人" in dialog.text
        screenshot(app.root, "guards-confirm-notice")
        dialog.cancel.invoke()
        assert screen.confirmation is None and message(screen) == "已取消，办件未作改动。"
        assert str(verdicts.send_button.cget("state")) == "normal"

        # 受理 while the 户口簿 is 缺少: the reason is asked, and nothing goes without it.
        opinion.use_template(0)
        opinion.buttons[lifecycle.ACCEPTED].invoke()
        pump(app.root, lambda: screen.confirmation is not None, what="the 受理 dialog")
        dialog = screen.confirmation
        assert dialog is not None and dialog.reason is not None
        assert f"以下必交材料缺少或不清晰：{REVIEW_MISSING}" in dialog.text
        dialog.ok.invoke()
        assert str(dialog.message.cget("text")) == "请填写受理理由，否则不能受理。"
        assert screen.confirmation is dialog and dialog.winfo_exists()
        screenshot(app.root, "guards-accept-blocked")
        dialog.cancel.invoke()
        assert message(screen) == "已取消，办件未作改动。"
        assert str(opinion.buttons[lifecycle.ACCEPTED].cget("state")) == "normal"
    finally:
        app.close()
    # Both cancelled: the case is where it was, nothing was sealed or sent.
    with net.open(net.township, MZ) as desk:
        assert review.current(desk, case_no).state == lifecycle.QUEUED
    assert documents_at_village(net, case_no) == []

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
    try:
        screen = open_desk(app, case_no)
        screen.select(case_no)
        pump(app.root, lambda: screen.work is not None and screen.opinion is not None
             and screen.viewer is not None and screen.viewer.settled, timeout=WAIT,
             what="the claimed case open again")
        opinion = screen.opinion
        assert opinion is not None
        opinion.use_template(0)
        opinion.buttons[lifecycle.ACCEPTED].invoke()
        pump(app.root, lambda: screen.confirmation is not None, what="the 受理 dialog")
        dialog = screen.confirmation
        assert dialog is not None
        reason = "户口簿已在民政办存档，经核对一致"
        dialog.set_reason(reason)
        screenshot(app.root, "guards-accept-with-reason")
        confirm(app, screen, "即将办理：受理", f"以下必交材料缺少或不清晰：{REVIEW_MISSING}")
        wait_state(app, screen, case_no, lifecycle.REVIEW)
    finally:
        app.close()
    with net.open(net.township, MZ) as desk:
        history = show_case(desk, case_no)["history"]
    assert [h["note"] for h in history if h["type"] == lifecycle.ACCEPTED] == [
        f"材料缺少或不清晰仍予受理（{REVIEW_MISSING}）：{reason}"]

    # The county's auditor finds it in the 审计 screen, with the reviewer and the reason.
    synced_everywhere(net)
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], "archivist")
    try:
        main = main_window(app)
        pump(app.root, lambda: "audit" in main.buttons, what="the 审计 button")
        audit = main.open("audit")
        assert isinstance(audit, AuditScreen)
        listed = audit.overrides
        pump(app.root, lambda: listed.loaded > 0, timeout=WAIT, what="the overrides")
        audit.tabs.select(listed)
        rows = [listed.tree.item(i, "values") for i in listed.tree.get_children()]
        assert [row[1:] for row in rows] == [
            (case_no, f"{net.township.code}/{MZ}（民政办）", REVIEW_MISSING, reason)]
        assert text_of(listed.count) == "共 1 件材料缺少或不清晰仍予受理。"
        screenshot(app.root, "guards-audit-overrides")
    finally:
        app.close()


def test_returned_to_the_village_corrected_resent_and_accepted(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    with net.open(net.village) as village:
        filed, held = review_sample(net, village, seed=950)
        link.sync_once(village)
    case_no = filed.case_no
    reason = "残疾等级填写有误；请补交居民户口簿"

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
    try:
        screen = open_desk(app, case_no)
        claim(app, screen, case_no)
        opinion = screen.opinion
        assert opinion is not None
        opinion.buttons[lifecycle.RETURNED_EVENT].invoke()
        pump(app.root, lambda: screen.confirmation is not None, what="the 退回 dialog")
        dialog = screen.confirmation
        assert dialog is not None and dialog.reason is not None
        assert "办件将退回：桂平市示范镇示范村便民服务站，由代办员更正后重新报送。" in dialog.text
        dialog.ok.invoke()  # no reason: not returned
        assert str(dialog.message.cget("text")) == "请填写退回原因。"
        dialog.set_reason(reason)
        screenshot(app.root, "guards-return")
        confirm(app, screen)
        pump(app.root, lambda: case_no not in screen.rows and screen.work is None,
             timeout=WAIT, what="the returned case off the desk")
        assert "已退回村站" in message(screen)
    finally:
        app.close()

    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        monitor = app.sync
        assert monitor is not None
        cases = main_window(app).open("cases")
        assert isinstance(cases, CasesScreen)
        monitor.sync_now()  # the return comes down
        cases.open_case(case_no)

        pump(app.root, lambda: cases.detail is not None
             and cases.detail.results.results is not None, timeout=WAIT,
             what="the case's details")
        panel = cases.detail.results if cases.detail else None
        assert panel is not None
        pump(app.root, lambda: panel.results is not None
             and panel.results.state == lifecycle.RETURNED
             and reason in text_of(panel.returned_label), timeout=WAIT,
             what="the return and its reason at the village")
        assert text_of(panel.state_label) == "当前状态：已退回村站"
        assert reason in text_of(panel.returned_label)
        assert village_enabled(panel) == {lifecycle.RESUBMITTED, lifecycle.WITHDRAWN_EVENT}

        form = panel.start(lifecycle.RESUBMITTED)
        assert isinstance(form, ResubmitForm)
        form.submit_button.invoke()  # nothing said about the correction: not sent
        assert text_of(form.message) == "请写明更正了什么。"
        form.correct("残疾等级", "一级")
        form.material.set(REVIEW_MISSING)
        form.add_files([f.path for f in held])
        form.note.insert(0, "已更正残疾等级并补交户口簿")
        screenshot(app.root, "guards-resubmit")
        form.submit_button.invoke()
        pump(app.root, lambda: "已更正并重新报送" in text_of(panel.message)
             and "待受理" in text_of(panel.state_label), timeout=WAIT, what="the case sent again")
        assert text_of(panel.returned_label) == ""
        wait_until_sent(app)
    finally:
        app.close()
    with net.open(net.village) as village:
        history = show_case(village, case_no)["history"]
    kinds = [h["type"] for h in history]
    assert kinds.count(lifecycle.FILED) == 1  # the same case: both rounds in one history
    notes = {h["type"]: h["note"] for h in history}
    assert notes[lifecycle.RETURN_RECEIVED] == f"退回原因：{reason}"
    assert notes[lifecycle.RESUBMITTED] == "更正后重新报送：已更正残疾等级并补交户口簿"

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
    try:
        screen = open_desk(app, case_no)
        assert screen.tree.set(case_no, "state") == "待受理"
        claim(app, screen, case_no)
        verdicts, opinion = screen.verdicts, screen.opinion
        assert verdicts is not None and opinion is not None
        assert verdicts.row(REVIEW_MISSING).verdict().verdict == "ok"  # received now
        opinion.use_template(0)
        opinion.buttons[lifecycle.ACCEPTED].invoke()
        text = confirm(app, screen, "即将办理：受理")
        assert "缺少或不清晰" not in text  # nothing missing: no reason asked
        wait_state(app, screen, case_no, lifecycle.REVIEW)
    finally:
        app.close()
    with net.open(net.township, MZ) as desk:
        details = show_case(desk, case_no)
    assert details["form"]["disability_level"] == "一级"


def test_a_village_level_matter_is_accepted_and_decided_at_the_village_desk(
        display: str, net: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    """Offline (no hub running): 人民调解 is the village's own; its 调委会 decides it."""
    with net.open(net.village) as village:
        users.add_user(village, MEDIATOR, "signer", net.passphrase, "调委会主任",
                       "人民调解委员会")
        case_no = file_mediation(net, village).case_no
    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], MEDIATOR)
    try:
        cases = main_window(app).open("cases")
        assert isinstance(cases, CasesScreen)
        cases.open_case(case_no)
        pump(app.root, lambda: cases.detail is not None and cases.detail.results.loaded > 0,
             timeout=WAIT, what="the case's details")
        assert cases.detail is not None
        panel = cases.detail.results
        assert panel.desk_bar.winfo_manager() == "pack"  # the village's own desk
        assert village_enabled(panel) == {lifecycle.ACCEPTED, lifecycle.REFUSED_EVENT,
                                          lifecycle.WITHDRAWN_EVENT}
        form = panel.start(lifecycle.ACCEPTED)
        assert isinstance(form, VillageDeskForm) and form.override is None  # nothing missing
        form.opinion.insert(0, "属于民间纠纷，双方同意调解，予以受理。")
        form.submit_button.invoke()
        pump(app.root, lambda: "审查中" in text_of(panel.state_label), timeout=WAIT,
             what="accepted at the village")
        assert village_enabled(panel) == {lifecycle.APPROVED, lifecycle.REJECTED,
                                          lifecycle.WITHDRAWN_EVENT}
        form = panel.start(lifecycle.APPROVED)
        assert isinstance(form, VillageDeskForm)
        form.submit_button.invoke()
        assert text_of(form.message) == "请填写办理意见或理由。"
        form.opinion.insert(0, "经调解，双方达成协议，已签订人民调解协议书。")
        screenshot(app.root, "guards-village-desk")
        form.submit_button.invoke()
        pump(app.root, lambda: "已决定" in text_of(panel.state_label), timeout=WAIT,
             what="decided at the village")
        assert village_enabled(panel) == {lifecycle.DELIVERED_EVENT}
    finally:
        app.close()
    with net.open(net.village) as village:
        view = review.current(village, case_no, sync=False)
    assert (view.state, view.level, view.outcome, view.decided_by) == (
        lifecycle.DECIDED, "village", "approved", f"{net.village.code}:人民调解委员会")
