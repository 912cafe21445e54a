"""The 审核 screen on a running demo network (real hubs on loopback, real Tk under Xvfb):
the township's 民政办 reviewer claims a case, marks the 户口簿 missing and sends the
one-time notice that the village then receives; the 民政办 signer accepts and approves a
township-decided case, and the village receives the sealed decision."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

from gui import keep, pump
from test_gui_sync import log_in

from station.cases import case_documents
from station.demo.demo_network import (
    REVIEW_MISSING,
    TOWNSHIP,
    DemoNetwork,
    review_sample,
    wait_until,
)
from station.demo.samples import RESIDENTS, draw_scan
from station.documents.fonts import find_cjk_font
from station.filing.new_case import FilingResult, MaterialFile, file_case
from station.network import link
from station.store.models import CaseDocument
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.review_desk import ReviewDeskScreen
from sync import lifecycle

WAIT = 180.0  # two hubs and signing on a shared 2-core machine
TEMPORARY_AID = "450981-MZ-003"  # 临时救助: reviewed and decided by the township 民政办


def pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install the Debian package poppler-utils"
    done = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return "".join(done.stdout.split())


def open_desk(app: StationApp, case_no: str) -> ReviewDeskScreen:
    main = app.view
    assert isinstance(main, MainWindow)
    pump(app.root, lambda: "review" in main.buttons, what="the 审核 button")
    screen = main.open("review")
    assert isinstance(screen, ReviewDeskScreen)
    pump(app.root, lambda: case_no in screen.rows, timeout=WAIT, what="the case in the queue")
    return screen


def claim(app: StationApp, screen: ReviewDeskScreen, case_no: str) -> None:
    screen.select(case_no)
    assert str(screen.claim_button.cget("state")) == "normal"
    assert str(screen.release_button.cget("state")) == "disabled"
    screen.claim_button.invoke()
    pump(app.root, lambda: screen.work is not None and screen.work.case_no == case_no
         and screen.viewer is not None and screen.viewer.settled, timeout=WAIT,
         what="the claimed case with its first page")
    assert screen.rows[case_no]["mine"] and screen.tree.set(case_no, "holder") == "我"
    assert str(screen.release_button.cget("state")) == "normal"


def confirm(app: StationApp, screen: ReviewDeskScreen, *expected: str) -> str:
    """The confirmation that opens before an action that seals or sends: it names what
    is sealed and to whom (``expected`` lines among them); 确认.  Returns its text."""
    pump(app.root, lambda: screen.confirmation is not None
         and screen.confirmation.winfo_viewable(), what="the confirmation")
    dialog = screen.confirmation
    assert dialog is not None
    for line in expected:
        assert line in dialog.text, dialog.text
    text = dialog.text
    dialog.ok.invoke()
    assert screen.confirmation is None
    return text


def claim_and_accept(app: StationApp, screen: ReviewDeskScreen, case_no: str) -> None:
    """Claim the case on the desk and accept it with the first standard sentence."""
    claim(app, screen, case_no)
    opinion = screen.opinion
    assert opinion is not None
    opinion.use_template(0)  # 材料齐全，符合法定形式，予以受理。
    opinion.buttons[lifecycle.ACCEPTED].invoke()
    confirm(app, screen, "即将办理：受理")
    wait_state(app, screen, case_no, lifecycle.REVIEW)


def wait_state(app: StationApp, screen: ReviewDeskScreen, case_no: str, state: str) -> None:
    pump(app.root, lambda: (screen.rows.get(case_no) or {}).get("state") == state,
         timeout=WAIT, what=f"the case {state} in the queue")


def documents_at_village(net: DemoNetwork, case_no: str) -> list[CaseDocument]:
    with net.open(net.village) as village:
        link.sync_once(village)
        return case_documents.of_case(case_no)


def test_claim_mark_missing_and_send_the_one_time_notice(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    with net.open(net.village) as village:
        filed, _held = review_sample(net, village)
        link.sync_once(village)
    case_no = filed.case_no

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], "mz")
    try:
        screen = open_desk(app, case_no)
        assert screen.tree.set(case_no, "state") == "待受理"
        assert screen.tree.set(case_no, "holder") == "—"
        keep(app.root, "11-review-queue")
        claim(app, screen, case_no)

        viewer = screen.viewer
        assert viewer is not None and viewer.source is not None
        assert viewer.source.height > viewer.source.width  # the scans are upright pages
        viewer.rotate()  # a scan taken sideways: turned a quarter
        pump(app.root, lambda: viewer.source is not None and viewer.settled
             and viewer.source.width > viewer.source.height, what="the rotated page")
        viewer.rotate()
        viewer.rotate()
        viewer.rotate()  # back where it was
        pump(app.root, lambda: viewer.source is not None and viewer.settled
             and viewer.rotation == 0 and viewer.source.height > viewer.source.width,
             what="the page upright again")

        work, opinion, verdicts = screen.work, screen.opinion, screen.verdicts
        assert work is not None and opinion is not None and verdicts is not None
        # A queued case may be accepted, refused or sent a notice; nothing else yet.
        enabled = {a for a, b in opinion.buttons.items() if str(b.cget("state")) == "normal"}
        assert enabled == {lifecycle.ACCEPTED, lifecycle.REFUSED_EVENT,
                           lifecycle.RETURNED_EVENT}
        assert str(verdicts.send_button.cget("state")) == "normal"
        form = screen.tabs.tab(0, "text") if screen.tabs else ""
        assert form == "申请信息"

        assert screen.tabs is not None
        screen.tabs.select(verdicts)
        # The required 户口簿 was not filed: prefilled as missing; the reviewer says why.
        assert verdicts.row(REVIEW_MISSING).verdict().verdict == "missing"
        verdicts.row(REVIEW_MISSING).set("missing", "需户主页和本人页")
        verdicts.row("第二代残疾人证").set("ok")
        notice = str(verdicts.notice.cget("text"))
        assert "1. 居民户口簿（缺少：需户主页和本人页）" in notice
        assert "第二代残疾人证" not in notice and "2." not in notice
        keep(app.root, "12-review-verdicts")

        verdicts.send_button.invoke()
        confirm(app, screen, "将出具《补齐补正告知书》，加盖“示范镇民政办”",
                "送达：桂平市示范镇示范村便民服务站，转交申请人")
        wait_state(app, screen, case_no, lifecycle.SUPPLEMENT)
        assert "待补正" in str(screen.message.cget("text"))
        assert screen.tree.set(case_no, "state") == "待补正"
    finally:
        app.close()

    # The village receives exactly one notice listing exactly the missing material.
    documents = documents_at_village(net, case_no)
    assert [d.kind for d in documents] == ["supplement"]
    with net.open(net.village) as village:
        path = case_documents.export(village, documents[0].id, tmp_path / "printed")
    text = pdf_text(path)
    assert REVIEW_MISSING in text and "需户主页和本人页" in text
    assert "第二代残疾人证" not in text


def file_temporary_aid(net: DemoNetwork) -> FilingResult:
    resident = RESIDENTS[0]
    scans = net.workdir / "scans"
    names = ("临时救助申请书", "居民身份证", "居民户口簿", "家庭经济状况核对授权书")
    files = [MaterialFile(name, draw_scan(scans / f"aid-{i}.jpg", name,
                                          [resident.name, resident.address], 700 + i,
                                          find_cjk_font().path, size=(620, 877)))
             for i, name in enumerate(names)]
    form = {"hardship_type": "火灾", "household_size": 3, "amount_requested": 2000,
            "incident_date": (date.today() - timedelta(days=3)).isoformat()}
    with net.open(net.village) as village:
        filed = file_case(village, TEMPORARY_AID, resident.to_json(), form, files)
        link.sync_once(village)
    return filed


def test_signer_accepts_and_approves_a_township_matter(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    case_no = file_temporary_aid(net).case_no
    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], "mzqf")
    try:
        screen = open_desk(app, case_no)
        claim_and_accept(app, screen, case_no)
        pump(app.root, lambda: screen.work is not None
             and screen.work.view.state == lifecycle.REVIEW and screen.opinion is not None,
             timeout=WAIT, what="the accepted case reopened")
        opinion = screen.opinion
        assert opinion is not None
        enabled = {a for a, b in opinion.buttons.items() if str(b.cget("state")) == "normal"}
        # Decided at the township by 民政办: approve or reject, never forward it up.
        assert enabled == {lifecycle.APPROVED, lifecycle.REJECTED}
        opinion.text.delete("1.0", "end")
        opinion.buttons[lifecycle.APPROVED].invoke()  # 准予 says why in writing: not sent
        assert str(opinion.message.cget("text")) == "请先填写审查意见。"
        opinion.use_template(5)  # 经审核，申请人符合条件，准予批准。
        assert opinion.opinion() == "经审核，申请人符合条件，准予批准。"
        assert str(opinion.message.cget("text")) == ""
        pump(app.root, lambda: screen.viewer is not None and screen.viewer.settled,
             what="the first page beside the opinion")
        keep(app.root, "13-review-decide")
        opinion.buttons[lifecycle.APPROVED].invoke()
        confirm(app, screen, "将出具《准予批准决定书》")
        pump(app.root, lambda: "已决定" in str(screen.message.cget("text")), timeout=WAIT,
             what="the decision")
        pump(app.root, lambda: case_no not in screen.rows and screen.work is None,
             timeout=WAIT, what="the decided case off the desk")
    finally:
        app.close()

    def decision() -> list[CaseDocument]:
        return [d for d in documents_at_village(net, case_no) if d.kind == "approve"]

    arrived = wait_until(decision, 60, "the decision at the village")
    with net.open(net.village) as village:
        path = case_documents.export(village, arrived[0].id, tmp_path / "printed")
    assert "准予" in pdf_text(path)
