"""The review desk follows a conditional material (real hubs on loopback, real Tk under
Xvfb): a 残疾人两项补贴 case (450981-CL-001) filed by a relative needs 委托书 and
受托人居民身份证; the township 民政办 reviewer sees both as 必交 and the one not filed
prefilled as 缺少, while 最低生活保障证 (needed only for a 低保 family) is not required.
At the county, 残联 passes the case on to 民政局 (flow = "sequential")."""

from __future__ import annotations

from pathlib import Path

from gui import keep, pump
from test_gui_review import WAIT, claim, confirm, open_desk
from test_gui_sync import log_in

from station.casework import review
from station.demo.demo_network import COUNTY, TOWNSHIP, DemoNetwork, wait_for_county
from station.demo.samples import RESIDENTS, draw_scan
from station.documents.fonts import find_cjk_font
from station.filing.new_case import MaterialFile, file_case
from station.network import link
from sync import lifecycle

MATTER = "450981-CL-001"
FILED = ("残疾人两项补贴申请审批表", "第二代残疾人证", "居民身份证", "居民户口簿", "委托书")
FORM = {"applied_by": "亲属代办", "disability_cert_no": "45098119680709131X43",
        "disability_category": "肢体残疾", "disability_level": "二级",
        "subsidy_type": "重度残疾人护理补贴", "household_size": 3,
        "cert_issue_date": "2020-06-01"}


def file_delegated(net: DemoNetwork) -> str:
    resident = RESIDENTS[0]
    scans = net.workdir / "scans-cl"
    files = [MaterialFile(name, draw_scan(scans / f"cl-{i}.jpg", name, [resident.name],
                                          900 + i, find_cjk_font().path, size=(620, 877)))
             for i, name in enumerate(FILED)]
    with net.open(net.village) as village:
        filed = file_case(village, MATTER, resident.to_json(), FORM, files)
        link.sync_once(village)
    assert filed.missing == ["受托人居民身份证"]
    return filed.case_no


def test_the_desk_requires_the_proxy_papers_of_a_delegated_application(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    case_no = file_delegated(hubs)
    app = log_in(hubs, tmp_path, hubs.township.data, TOWNSHIP[1], "mz")
    try:
        screen = open_desk(app, case_no)
        claim(app, screen, case_no)
        work, verdicts = screen.work, screen.verdicts
        assert work is not None and verdicts is not None
        required = {m.name: m.required for m in work.materials}
        assert required["委托书"] and required["受托人居民身份证"]
        assert not required["最低生活保障证"] and not required["低保边缘家庭认定证明"]
        rows = {row.name: row for row in verdicts.rows}
        assert [rows[n].verdict().verdict for n in ("委托书", "受托人居民身份证")] == [
            "ok", "missing"]
        assert rows["最低生活保障证"].verdict().verdict == "ok"  # not needed: not prefilled
        assert screen.tabs is not None
        screen.tabs.select(verdicts)
        pump(app.root, lambda: verdicts.winfo_ismapped(), timeout=WAIT, what="the verdicts")
        keep(app.root, "62-review-conditional-materials")
    finally:
        app.close()


def test_the_county_disability_federation_passes_the_case_to_civil_affairs(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    """flow = "sequential": at the county desk 残联's forward button says 转民政局, 残联
    cannot decide, and its action leaves the case waiting for 民政局 at the same tier."""
    resident = RESIDENTS[1]
    scans = hubs.workdir / "scans-seq-gui"
    names = ("残疾人两项补贴申请审批表", "第二代残疾人证", "居民身份证", "居民户口簿")
    files = [MaterialFile(name, draw_scan(scans / f"{i}.jpg", name, [resident.name], 960 + i,
                                          find_cjk_font().path, size=(620, 877)))
             for i, name in enumerate(names)]
    with hubs.open(hubs.village) as village:
        case_no = file_case(village, MATTER, resident.to_json(),
                            {**FORM, "applied_by": "本人申请"}, files).case_no
        link.sync_once(village)
    with hubs.open(hubs.township, "mz") as desk:
        review.claim(desk, case_no)
        review.accept(desk, case_no, "材料齐全，予以受理")
        review.forward(desk, case_no, "初审通过，报县残联审核")
        head = link.acked_seq()
    wait_for_county(hubs, {hubs.township.code: head})

    app = log_in(hubs, tmp_path, hubs.county.data, COUNTY[1], "clj")
    try:
        screen = open_desk(app, case_no)
        claim(app, screen, case_no)
        opinion = screen.opinion
        assert opinion is not None
        forward = opinion.buttons[lifecycle.FORWARDED]
        assert forward.cget("text") == "转民政局" and str(forward.cget("state")) == "normal"
        assert str(opinion.buttons[lifecycle.APPROVED].cget("state")) == "disabled"
        keep(app.root, "63-review-sequential-pass-on")
        opinion.text.insert("1.0", "残疾类别、等级属实，转县民政局审定")
        forward.invoke()
        confirm(app, screen, "办件将报送：桂平市民政局。")
        pump(app.root, lambda: case_no not in screen.rows, timeout=WAIT,
             what="the case gone from 残联's queue")
    finally:
        app.close()
    with hubs.open(hubs.county, "mzqz") as signer:
        view = review.claim(signer, case_no)
        assert view.offices == (f"{hubs.county.code}:民政局",) and view.state == lifecycle.REVIEW
