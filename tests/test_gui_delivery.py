"""The village's 办理结果 on a running demo network (real hubs on loopback, real Tk under
Xvfb): the township's notice and decision come back down; the agent sees 新结果 in the
status bar, opens the case from it, prints the documents, hands in the missing material,
records the delivery (送达) and the resident's poor rating (差评), which the deciding
office then finds on its desk as a follow-up.  The lifecycle decides which steps are
offered: no rating before delivery, no withdrawal (退件) without a reason."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import date, timedelta
from pathlib import Path

from gui import keep, pump, text_of
from test_gui_review import TEMPORARY_AID, pdf_text
from test_gui_sync import log_in

from station.casework import progress, review
from station.demo.demo_network import VILLAGE, DemoNetwork
from station.demo.samples import RESIDENTS, draw_scan
from station.demo.village import DEMO_AGENT
from station.documents.fonts import find_cjk_font
from station.filing.new_case import MaterialFile, file_case
from station.network import link
from station.store.models import Case, Event
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.case_forms import (
    DeliverForm,
    RateForm,
    SupplementForm,
    WithdrawForm,
)
from station.ui.screens.case_results import ResultsPanel
from station.ui.screens.cases import CasesScreen
from sync import lifecycle

WAIT = 180.0  # two hubs and signing on a shared 2-core machine
MISSING = "居民户口簿"
SIGNER = "mzqf"  # the township 民政办's signer: reviews and decides 临时救助


def file_aid(net: DemoNetwork, *, sync: bool = True) -> tuple[str, list[MaterialFile]]:
    """File a 临时救助 at the village without the 户口簿; the case and the held scan."""
    resident = RESIDENTS[0]
    scans = net.workdir / "scans"
    names = ("临时救助申请书", "居民身份证", MISSING, "家庭经济状况核对授权书")
    files = [MaterialFile(name, draw_scan(scans / f"delivery-{i}.jpg", name,
                                          [resident.name, resident.address], 800 + i,
                                          find_cjk_font().path, size=(620, 877)))
             for i, name in enumerate(names)]
    form = {"hardship_type": "火灾", "household_size": 3, "amount_requested": 2000,
            "incident_date": (date.today() - timedelta(days=3)).isoformat()}
    with net.open(net.village) as village:
        filed = file_case(village, TEMPORARY_AID, resident.to_json(), form,
                          [f for f in files if f.name != MISSING])
        if sync:
            link.sync_once(village)
    return filed.case_no, [f for f in files if f.name == MISSING]


def main_window(app: StationApp) -> MainWindow:
    main = app.view
    assert isinstance(main, MainWindow)
    return main


def wait_for_results(app: StationApp, count: int) -> None:
    """Until the status bar says 新结果 ``count`` (a sync round brought documents)."""
    bar = main_window(app).status_bar
    pump(app.root, lambda: bar.unseen_count == count and bar.results.winfo_manager() == "pack",
         timeout=WAIT, what=f"新结果 {count} in the status bar")
    assert text_of(bar.results) == f"新结果 {count}"


def open_from_notice(app: StationApp, case_no: str) -> ResultsPanel:
    """Click 新结果: the case opens with its 办理结果."""
    main = main_window(app)
    main.status_bar.results.invoke()
    screen = main.screen
    assert isinstance(screen, CasesScreen)
    pump(app.root, lambda: screen.detail is not None and screen.detail.results.loaded > 0,
         timeout=WAIT, what="the case opened from 新结果")
    assert screen.detail is not None
    panel = screen.detail.results
    assert panel.case_no == case_no
    return panel


def enabled(panel: ResultsPanel) -> set[str]:
    return {a for a, b in panel.buttons.items() if str(b.cget("state")) == "normal"}


def print_document(app: StationApp, panel: ResultsPanel, title: str) -> Path:
    document = panel.document(title)
    assert document is not None
    panel.tree.selection_set(document.id)
    panel.print_button.invoke()
    pump(app.root, lambda: panel.printed is not None and f"-{title}-" in panel.printed.name
         and panel.tree.set(document.id, "seen") == "", timeout=WAIT,
         what=f"{title} printed")
    assert panel.printed is not None and panel.printed.is_file()
    return panel.printed


def wait_until_sent(app: StationApp) -> None:
    """Until the background sync had every village event receipted by the hub (read on
    the station worker, where the window reads the store)."""
    monitor = app.sync
    assert monitor is not None
    asked: list[Future[int]] = [app.dispatcher.submit(link.pending_count)]

    def sent() -> bool:
        if not asked[-1].done():
            return False
        if asked[-1].result() == 0:
            return True
        monitor.sync_now()
        asked.append(app.dispatcher.submit(link.pending_count))
        return False

    pump(app.root, sent, timeout=WAIT, what="every village event sent to the hub")


def village_steps(net: DemoNetwork, case_no: str) -> list[tuple[str, dict[str, object]]]:
    with net.open(net.village) as _village:
        return [(e.type, e.payload) for e in Event.select().where(Event.case_no == case_no)
                .order_by(Event.seq) if e.type.startswith(("case.", "access.printed"))]


def test_village_prints_supplements_delivers_and_rates(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    case_no, held = file_aid(net)
    with net.open(net.township, SIGNER) as desk:
        review.claim(desk, case_no)
        review.request_supplement(desk, case_no, [
            review.Verdict(MISSING, "missing", "需户主页和本人页")])

    # The notice comes down with the first sync round after login.
    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        main = main_window(app)
        wait_for_results(app, 1)
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        pump(app.root, lambda: cases.tree.exists(case_no)
             and cases.tree.set(case_no, "status") == "● 新结果 · 待补正", timeout=WAIT,
             what="the case marked in the list")
        assert cases.tree.item(case_no, "tags") == ("unseen",)

        panel = open_from_notice(app, case_no)
        assert text_of(panel.state_label) == "当前状态：待补正"
        notice = panel.document("补齐补正告知书")
        assert notice is not None and panel.tree.set(notice.id, "seen") == "未读"
        assert enabled(panel) == {lifecycle.SUPPLEMENTED, lifecycle.WITHDRAWN_EVENT}

        path = print_document(app, panel, "补齐补正告知书")
        text = pdf_text(path)
        assert "补齐补正告知书" in text and MISSING in text and "需户主页和本人页" in text
        bar = main.status_bar
        pump(app.root, lambda: bar.unseen_count == 0 and bar.results.winfo_manager() == "",
             timeout=WAIT, what="新结果 gone once the notice was printed")

        # The resident brings the 户口簿: scanned and handed in from the section.
        form = panel.start(lifecycle.SUPPLEMENTED)
        assert isinstance(form, SupplementForm)
        assert form.material.get() == MISSING  # the material still missing comes first
        form.submit()
        assert text_of(form.message) == "请先选择补齐材料的扫描件。"
        form.add_files([f.path for f in held])
        form.submit()
        pump(app.root, lambda: "补齐材料已记录" in text_of(panel.message)
             and panel.form is None and "待受理" in text_of(panel.state_label),
             timeout=WAIT, what="the supplement recorded")
        wait_until_sent(app)
    finally:
        app.close()

    with net.open(net.township, SIGNER) as desk:
        assert review.accept(desk, case_no, "材料齐全，予以受理").state == lifecycle.REVIEW
        review.decide(desk, case_no, True, "经审核，申请人符合条件，准予批准。")

    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        main = main_window(app)
        assert app.sync is not None
        app.sync.sync_now()  # 立即同步: the last round was a moment ago
        wait_for_results(app, 2)  # the 受理通知书 and the decision
        panel = open_from_notice(app, case_no)
        pump(app.root, lambda: text_of(panel.state_label) == "当前状态：已决定",
             what="the decided case")
        decision = panel.document("准予批准决定书")
        assert decision is not None and panel.tree.set(decision.id, "seen") == "未读"
        # 评价 only after 送达; no withdrawal once decided.
        assert enabled(panel) == {lifecycle.DELIVERED_EVENT}
        assert panel.start(lifecycle.RATED) is None
        keep(app.root, "14-village-results")

        path = print_document(app, panel, "准予批准决定书")
        assert "准予批准决定书" in pdf_text(path) and "送达回证" in pdf_text(path)
        assert "受理通知书" in pdf_text(print_document(app, panel, "受理通知书"))
        pump(app.root, lambda: main.status_bar.unseen_count == 0
             and main.status_bar.results.winfo_manager() == "",
             timeout=WAIT, what="新结果 gone once the decision was printed")

        form = panel.start(lifecycle.DELIVERED_EVENT)
        assert isinstance(form, DeliverForm)
        form.method.set("邮寄送达")
        form.note.insert(0, "挂号信 XA123")
        form.submit()
        pump(app.root, lambda: "已记录送达" in text_of(panel.message)
             and lifecycle.RATED in enabled(panel), timeout=WAIT, what="the delivery")
        assert text_of(panel.state_label) == "当前状态：已送达"
        assert enabled(panel) == {lifecycle.RATED}

        rating = panel.start(lifecycle.RATED)
        assert isinstance(rating, RateForm)
        rating.submit()
        assert text_of(rating.message) == "请选择评价等级。"
        rating.choose("不满意")
        assert "回访" in text_of(rating.warning)  # a poor rating says what follows
        rating.comment.insert(0, "等待太久")
        keep(app.root, "15-village-rating")
        rating.submit()
        pump(app.root, lambda: "差评已转作出决定的科室" in text_of(panel.message)
             and text_of(panel.state_label) == "当前状态：差评整改中", timeout=WAIT,
             what="the poor rating recorded")
        pump(app.root, lambda: "回访期限" in text_of(panel.follow_label),
             what="the follow-up's deadlines")
        assert enabled(panel) == set()
        wait_until_sent(app)
    finally:
        app.close()

    steps = village_steps(net, case_no)
    types = [t for t, _payload in steps]
    assert types.count("access.printed") >= 2  # the notice and the decision (阅览留痕)
    ordered = [t for t in types if t.startswith("case.")]
    assert ordered == [lifecycle.FILED, lifecycle.NOTICE_AT_FILING, lifecycle.SUPPLEMENTED,
                       lifecycle.DELIVERED_EVENT, lifecycle.RATED_POOR]
    payloads = dict(steps)
    assert payloads[lifecycle.DELIVERED_EVENT] == {"method": "邮寄送达", "note": "挂号信 XA123"}
    assert payloads[lifecycle.RATED_POOR] == {"rating": "不满意", "comment": "等待太久"}
    supplemented = payloads[lifecycle.SUPPLEMENTED]["materials"]
    assert [m["name"] for m in supplemented] == [MISSING]  # type: ignore[index]
    with net.open(net.village) as _village:
        assert Case.get(Case.case_no == case_no).status == lifecycle.FOLLOWUP

    # The deciding office (the township's 民政办) has the follow-up on its desk.
    with net.open(net.township, SIGNER) as desk:
        link.sync_once(desk)
        queue = {c["case_no"]: c for c in review.desk(desk)}
        assert queue[case_no]["state"] == lifecycle.FOLLOWUP
        follow = progress.status(desk, case_no)["follow_up"]
        assert follow["callback_by"] and follow["fix_by"] and not follow["closed"]


def test_no_rating_before_delivery_and_no_withdrawal_without_a_reason(
        display: str, net: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    """Offline (no hub running): the steps are recorded here and wait for the link."""
    case_no, _held = file_aid(net, sync=False)
    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        cases = main_window(app).open("cases")
        assert isinstance(cases, CasesScreen)
        cases.open_case(case_no)
        pump(app.root, lambda: cases.detail is not None and cases.detail.results.loaded > 0,
             what="the case's details")
        assert cases.detail is not None
        panel = cases.detail.results
        assert text_of(panel.state_label) == "当前状态：待受理"
        assert panel.results is not None and panel.results.documents == []
        assert str(panel.print_button.cget("state")) == "disabled"
        # Filed, not decided: neither 送达 nor 评价; the resident may withdraw.
        assert enabled(panel) == {lifecycle.WITHDRAWN_EVENT}
        for action in (lifecycle.RATED, lifecycle.DELIVERED_EVENT):
            assert str(panel.buttons[action].cget("state")) == "disabled"
            assert panel.start(action) is None and panel.form is None

        panel.buttons[lifecycle.WITHDRAWN_EVENT].invoke()
        form = panel.form
        assert isinstance(form, WithdrawForm)
        form.reason.insert(0, "   ")
        form.submit_button.invoke()
        assert text_of(form.message) == "请填写退件原因：撤回申请须写明原因。"
        assert panel.form is form and str(form.submit_button.cget("state")) == "normal"
        assert text_of(panel.state_label) == "当前状态：待受理"

        form.reason.delete(0, "end")
        form.reason.insert(0, "申请人已外出务工，暂不申请")
        form.submit_button.invoke()
        pump(app.root, lambda: "已退件" in text_of(panel.message)
             and text_of(panel.state_label) == "当前状态：已撤回", what="the withdrawal")
        assert enabled(panel) == set()
    finally:
        app.close()

    steps = village_steps(net, case_no)
    withdrawn = [p for t, p in steps if t == lifecycle.WITHDRAWN_EVENT]
    assert withdrawn == [{"reason": "申请人已外出务工，暂不申请"}]
