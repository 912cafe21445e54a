"""The 审核 desk's remaining actions on a running demo network (real hubs on loopback,
real Tk under Xvfb): release and reassign (AB岗), a claim lost to a colleague, a joint
opinion from the other office, deadline colours from real dates, a special procedure
with its written notice, an extension asked and approved, and the follow-up of a bad
rating."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import ttkbootstrap as ttk
from cli import station as station_cli
from conftest import PASSPHRASE
from gui import find_widget, keep, pump, screenshot
from PIL import Image
from test_gui_review import (
    WAIT,
    claim,
    claim_and_accept,
    confirm,
    documents_at_village,
    file_temporary_aid,
    open_desk,
    pdf_text,
    wait_state,
)
from test_gui_sync import log_in

from keys.ca import CHINA_TIME
from station.cases import case_documents
from station.casework import delivery, review
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import FILED, ClockEvent, MatterLimits, deadline
from station.demo import demo_network
from station.demo.demo_network import TOWNSHIP, DemoNetwork, review_sample, start_hubs, wait_until
from station.network import link
from station.ui.app import StationApp
from station.ui.screens.review_desk import ReviewDeskScreen
from station.ui.screens.review_special import TimePanel
from sync import lifecycle

MZ, MZ2, CL, SIGNER = "mz", "mz2", "cl", "mzqf"
MZ_NAME = "王审核（民政办）"  # as colleagues see the holder


def enabled(buttons: dict[str, ttk.Button]) -> set[str]:
    return {a for a, b in buttons.items() if str(b.cget("state")) == "normal"}


def message(screen: ReviewDeskScreen) -> str:
    return str(screen.message.cget("text"))


def opened(app: StationApp, screen: ReviewDeskScreen, case_no: str, state: str) -> None:
    """Until the case is open on the desk in ``state``, with its first page shown."""
    pump(app.root, lambda: screen.work is not None and screen.work.case_no == case_no
         and screen.work.view.state == state and screen.times is not None
         and screen.viewer is not None and screen.viewer.settled, timeout=WAIT,
         what=f"the case open in state {state}")


def times_of(screen: ReviewDeskScreen) -> TimePanel:
    assert screen.times is not None and screen.tabs is not None
    return screen.times


def shown_tab(screen: ReviewDeskScreen) -> str:
    assert screen.tabs is not None
    return str(screen.tabs.tab(screen.tabs.select(), "text"))


# -- a. release and reassign; b. a claim lost to a colleague --------------------------


def test_release_reassign_and_a_claim_lost_to_a_colleague(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    with net.open(net.village) as village:
        first, _held = review_sample(net, village, seed=910)
        second, _held = review_sample(net, village, seed=920)
        link.sync_once(village)
    case_no, other = first.case_no, second.case_no

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
    try:
        screen = open_desk(app, case_no)
        claim(app, screen, case_no)
        screen.release_button.invoke()  # 放回: back to the office queue
        pump(app.root, lambda: screen.rows[case_no]["holder"] is None and screen.work is None,
             timeout=WAIT, what="the released case back in the queue")
        assert screen.tree.set(case_no, "holder") == "—"
        assert screen.tree.set(case_no, "state") == "待受理"
        assert "待受理" in message(screen)
        assert str(screen.claim_button.cget("state")) == "normal"
        assert str(screen.release_button.cget("state")) == "disabled"
        claim(app, screen, case_no)  # claimed again; then 王审核 goes on leave
    finally:
        app.close()

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ2)
    try:
        screen = open_desk(app, case_no)
        pump(app.root, lambda: other in screen.rows, timeout=WAIT, what="the second case")
        screen.select(case_no)
        assert screen.tree.set(case_no, "holder") == MZ_NAME
        assert screen.work is None  # a colleague's case: not opened here
        assert str(screen.claim_button.cget("state")) == "disabled"
        assert str(screen.release_button.cget("state")) == "disabled"
        assert str(screen.reassign_button.cget("state")) == "normal"
        screen.reassign_button.invoke()
        assert screen.prompt.winfo_manager() == "pack"
        confirm = find_widget(screen.prompt, ttk.Button, "确定转办")
        assert isinstance(confirm, ttk.Button)
        confirm.invoke()  # no reason: the transfer is not made
        assert message(screen) == "请填写转办原因。"
        assert screen.rows[case_no]["holder"].endswith("/mz")
        screen.reason.insert(0, "王审核休假，由赵审核接办")
        confirm.invoke()
        pump(app.root, lambda: screen.rows[case_no]["mine"] and screen.work is not None
             and screen.work.case_no == case_no and screen.viewer is not None
             and screen.viewer.settled, timeout=WAIT, what="the case taken over and opened")
        assert screen.tree.set(case_no, "holder") == "我"
        assert screen.prompt.winfo_manager() == ""
        assert str(screen.release_button.cget("state")) == "normal"

        # The second case still shows free here when 王审核 claims it at another desk.
        screen.select(other)
        assert screen.tree.set(other, "holder") == "—"
        assert str(screen.claim_button.cget("state")) == "normal"
        done = station_cli("review", "claim", other, "--data", net.township.data,
                           "--user", MZ, "--json", env={"STATION_PASSPHRASE": net.passphrase})
        assert done.code == 0, done.err
        assert done.json()["holder"] == f"{TOWNSHIP[1]}/{MZ}"
        screen.claim_button.invoke()
        pump(app.root, lambda: "已由" in message(screen), timeout=WAIT,
             what="the lost claim explained")
        assert message(screen) == f"办件 {other} 已由 {MZ_NAME} 认领，未能认领。"
        pump(app.root, lambda: screen.tree.set(other, "holder") == MZ_NAME, timeout=WAIT,
             what="the queue showing who holds it")
        assert not screen.rows[other]["mine"]
        assert screen.work is None or screen.work.case_no != other
        assert str(screen.claim_button.cget("state")) == "disabled"
        screenshot(app.root, "desk-claim-lost")
    finally:
        app.close()


# -- c. a joint opinion from the other office ------------------------------------------


def test_the_other_office_gives_its_joint_opinion(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    with net.open(net.village) as village:
        filed, _held = review_sample(net, village, with_missing=True, seed=930)
        link.sync_once(village)
    case_no = filed.case_no
    with net.open(net.township, MZ) as desk:
        review.claim(desk, case_no)
        review.accept(desk, case_no, "材料齐全，予以受理")
        review.open_joint(desk, case_no, "请残联核对残疾人证")

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], CL)
    try:
        screen = open_desk(app, case_no)
        assert screen.tree.set(case_no, "state") == "联合审查中"
        assert screen.tree.set(case_no, "holder") == MZ_NAME
        screen.select(case_no)  # opinion due from 残联: opens without a claim
        opened(app, screen, case_no, lifecycle.JOINT)
        opinion = screen.opinion
        assert opinion is not None
        assert shown_tab(screen) == "审查意见"
        assert enabled(opinion.buttons) == {lifecycle.OPINION}
        assert enabled(times_of(screen).buttons) == set()  # the holder's, not ours
        assert str(screen.claim_button.cget("state")) == "disabled"
        opinion.buttons[lifecycle.OPINION].invoke()
        assert str(opinion.message.cget("text")) == "请先填写审查意见。"
        opinion.use_template(3)  # 经核查，情况属实，同意。
        screenshot(app.root, "desk-joint-opinion")
        opinion.buttons[lifecycle.OPINION].invoke()
        wait_state(app, screen, case_no, lifecycle.REVIEW)
        assert "审查中" in message(screen)
        pump(app.root, lambda: screen.work is None
             and not screen.rows[case_no]["opinion_due"], timeout=WAIT,
             what="the opinion given, the case closed here")
        assert screen.tree.set(case_no, "state") == "审查中"
    finally:
        app.close()
    with net.open(net.township, MZ) as desk:
        view = review.current(desk, case_no)
    assert view.state == lifecycle.REVIEW and view.pending == ()


# -- d. deadline colours from real dates --------------------------------------------------

PAST = """
import json, sys
from datetime import date, timedelta
from pathlib import Path
from station.demo import demo_network
from station.documents.fonts import find_cjk_font
from station.filing.new_case import MaterialFile, file_case
from station.demo.samples import RESIDENTS, draw_scan
net = demo_network.setup(Path(sys.argv[1]), sys.argv[2])
resident = RESIDENTS[int(sys.argv[3])]
names = ("临时救助申请书", "居民身份证", "居民户口簿", "家庭经济状况核对授权书")
files = [MaterialFile(n, draw_scan(net.workdir / "scans" / f"past-{sys.argv[3]}-{i}.jpg", n,
                                   [resident.name], 40 + i, find_cjk_font().path,
                                   size=(620, 877))) for i, n in enumerate(names)]
form = {"hardship_type": "火灾", "household_size": 3, "amount_requested": 2000,
        "incident_date": (date.today() - timedelta(days=3)).isoformat()}
with net.open(net.village) as village:
    filed = file_case(village, "450981-MZ-003", resident.to_json(), form, files)
print(json.dumps({"case_no": filed.case_no, "today": date.today().isoformat()}))
"""


def file_days_ago(workdir: Path, days: int, resident: int) -> str:
    """File a 临时救助 case at the village with the village PC's clock ``days`` behind
    (libfaketime; the first call also sets the network up then).  Nothing is synced:
    the events travel later, stamped with the day they were written."""
    env = {**os.environ, "STATION_TEST_WEAK_KDF": "1", "FAKETIME_DONT_RESET": "1"}
    done = subprocess.run(["faketime", "-f", f"-{days}d", sys.executable, "-c", PAST,
                           str(workdir), PASSPHRASE, str(resident)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["today"] == (date.today() - timedelta(days=days)).isoformat(), answer
    return str(answer["case_no"])


def yellow_days() -> int:
    """How many days ago a 临时救助 case (10 working days promised, not accepted: counted
    from receipt after the 5-day acceptance window) was filed to be 即将到期 today."""
    limits, calendar, today = MatterLimits(10, 15), WorkCalendar(), date.today()
    found = []
    for days in range(1, 40):
        received = (datetime.now(CHINA_TIME) - timedelta(days=days)).date()
        due = deadline([ClockEvent(FILED, received)], limits, calendar, today)
        if due.state == "yellow":
            found.append((abs(due.used - 9), days))  # the middle of the yellow days
    assert found, "no filing day gives a yellow case today"
    return min(found)[1]


def row_colour(shot: Image.Image, screen: ReviewDeskScreen, case_no: str) -> tuple[int, ...]:
    """The background of a queue row, read from the screenshot (right of its deadline)."""
    box = screen.tree.bbox(case_no, "deadline")
    assert isinstance(box, tuple), f"the row {case_no} is not shown"
    x, y, width, height = (int(v) for v in box)
    left, top = screen.tree.winfo_rootx() + x, screen.tree.winfo_rooty() + y
    pixel = shot.getpixel((left + width - 3, top + height // 2))
    assert isinstance(pixel, tuple)
    return tuple(int(v) for v in pixel)


def test_overdue_and_nearly_due_cases_are_coloured(
        display: str, tmp_path: Path, no_open: None) -> None:
    if not shutil.which("faketime"):
        pytest.fail("faketime (Debian package faketime) is needed to file cases in the past;"
                    " bash run.sh test installs it")
    workdir = tmp_path / "past-net"
    late = file_days_ago(workdir, 30, 0)  # 10 working days promised: long overdue
    near = file_days_ago(workdir, yellow_days(), 1)
    net = demo_network.setup(workdir, PASSPHRASE)
    try:
        start_hubs(net)
        with net.open(net.village) as village:
            link.sync_once(village)
        with net.open(net.township, MZ) as desk:
            link.sync_once(desk)
        app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
        try:
            screen = open_desk(app, late)
            pump(app.root, lambda: near in screen.rows
                 and screen.tree.item(late, "tags") == ("red",)
                 and screen.tree.item(near, "tags") == ("yellow",), timeout=WAIT,
                 what="the red and yellow rows")
            assert "已超期" in screen.tree.set(late, "deadline")
            assert "即将到期" in screen.tree.set(near, "deadline")
            assert str(screen.count.cget("text")) == "本科室待办 2 件，其中超期 1 件"
            # What the screen shows: the rows' backgrounds, red and yellow.
            shot = Image.open(screenshot(app.root, "desk-overdue")).convert("RGB")
            assert row_colour(shot, screen, late) == (0xf5, 0xc2, 0xc7)
            assert row_colour(shot, screen, near) == (0xff, 0xe6, 0x9c)
        finally:
            app.close()
    finally:
        net.stop()


# -- e. special procedure, extension, follow-up of a bad rating -------------------------


def test_special_procedure_and_an_extension(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    case_no = file_temporary_aid(net).case_no
    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
    try:
        screen = open_desk(app, case_no)
        claim_and_accept(app, screen, case_no)
        opened(app, screen, case_no, lifecycle.REVIEW)
        # A reviewer cannot decide this matter (a signer does): only the time can move.
        assert shown_tab(screen) == "期限与回访"
        times = times_of(screen)
        assert enabled(times.buttons) == {lifecycle.SPECIAL_STARTED,
                                          lifecycle.EXTENSION_REQUESTED}
        choices = list(times.procedure.cget("values"))
        assert choices[0] == "入户调查"  # the matter's own, then the statutory ones
        assert {"听证", "检验", "鉴定", "专家评审"} <= set(choices)
        times.buttons[lifecycle.SPECIAL_STARTED].invoke()
        assert str(times.message.cget("text")) == "请选择或填写特别程序。"
        times.set_procedure("入户调查", "", 5)
        times.buttons[lifecycle.SPECIAL_STARTED].invoke()
        assert str(times.message.cget("text")) == "请填写进入特别程序的原因。"
        times.set_procedure("入户调查", "需入户核实火灾受损情况", 0)
        times.buttons[lifecycle.SPECIAL_STARTED].invoke()
        assert str(times.message.cget("text")) == "预计工作日应为 1 至 365 之间的整数。"
        times.set_procedure("入户调查", "需入户核实火灾受损情况", 5)
        assert str(times.message.cget("text")) == ""  # cleared as the person types
        keep(app.root, "16-review-special")
        times.buttons[lifecycle.SPECIAL_STARTED].invoke()
        confirm(app, screen, "将出具《特别程序告知书》")
        wait_state(app, screen, case_no, lifecycle.SPECIAL)
        assert screen.tree.set(case_no, "state") == "特别程序中"
        assert "暂停计时" in screen.tree.set(case_no, "deadline")
        opened(app, screen, case_no, lifecycle.SPECIAL)
        times = times_of(screen)
        assert shown_tab(screen) == "期限与回访"
        assert enabled(times.buttons) == {lifecycle.SPECIAL_ENDED,
                                          lifecycle.EXTENSION_REQUESTED}
        assert "暂停计时" in str(times.status.cget("text"))
        times.result.insert(0, "已入户核实，情况属实")
        screenshot(app.root, "desk-special-running")
        times.buttons[lifecycle.SPECIAL_ENDED].invoke()
        wait_state(app, screen, case_no, lifecycle.REVIEW)
        opened(app, screen, case_no, lifecycle.REVIEW)
        times = times_of(screen)
        times.buttons[lifecycle.EXTENSION_REQUESTED].invoke()
        assert str(times.message.cget("text")) == "请填写延期理由。"
        times.extension.insert(0, "需调取银行流水核对家庭经济状况")
        times.buttons[lifecycle.EXTENSION_REQUESTED].invoke()
        pump(app.root, lambda: screen.rows[case_no].get("extension") == "requested"
             and screen.work is not None and screen.work.view.extension == "requested"
             and screen.times is not None, timeout=WAIT, what="the extension requested")
        # Asked once; a signer approves it, not the reviewer.
        assert enabled(times_of(screen).buttons) == {lifecycle.SPECIAL_STARTED}
    finally:
        app.close()

    # The village receives the written notice of the special procedure.
    notices = [d for d in documents_at_village(net, case_no) if d.kind == "special"]
    assert len(notices) == 1
    with net.open(net.village) as village:
        path = case_documents.export(village, notices[0].id, tmp_path / "printed")
    text = pdf_text(path)
    assert "特别程序告知书" in text and "入户调查" in text and "需入户核实火灾受损情况" in text

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], SIGNER)
    try:
        screen = open_desk(app, case_no)
        assert screen.tree.set(case_no, "holder") == MZ_NAME
        before = screen.rows[case_no]["deadline"]
        assert not before["extended"]
        screen.select(case_no)  # an extension to approve: opens without the claim
        opened(app, screen, case_no, lifecycle.REVIEW)
        assert shown_tab(screen) == "期限与回访"
        times = times_of(screen)
        assert enabled(times.buttons) == {lifecycle.EXTENSION_APPROVED}
        assert enabled(screen.opinion.buttons if screen.opinion else {}) == set()
        times.extension.insert(0, "同意延长十个工作日")
        times.buttons[lifecycle.EXTENSION_APPROVED].invoke()
        confirm(app, screen, "即将办理：批准延期")
        pump(app.root, lambda: (screen.rows[case_no].get("deadline") or {}).get("extended")
             is True, timeout=WAIT, what="the extended deadline")
        after = screen.rows[case_no]["deadline"]
        assert after["allowed"] == before["allowed"] + 10
        assert after["due"] > before["due"]
        assert after["due"] in screen.tree.set(case_no, "deadline")
        pump(app.root, lambda: screen.work is None, what="nothing more for the signer")
    finally:
        app.close()


def test_follow_up_of_a_bad_rating(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    case_no = file_temporary_aid(net).case_no
    with net.open(net.township, SIGNER) as desk:
        review.claim(desk, case_no)
        review.accept(desk, case_no, "材料齐全，予以受理")
        review.decide(desk, case_no, True, "经审核，申请人符合条件，准予批准。")

    def decided() -> bool:
        with net.open(net.village) as village:
            link.sync_once(village)
            return review.current(village, case_no, sync=False).state == lifecycle.DECIDED

    wait_until(decided, 60, "the decision at the village")
    with net.open(net.village) as village:
        delivery.deliver(village, case_no)
        rated = delivery.rate(village, case_no, "不满意", "等了太久")
    assert rated.state == lifecycle.FOLLOWUP
    with net.open(net.township, MZ) as desk:
        link.sync_once(desk)

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
    try:
        screen = open_desk(app, case_no)
        assert screen.tree.set(case_no, "state") == "差评整改中"
        assert screen.tree.set(case_no, "holder") == "—"
        assert screen.tree.set(case_no, "deadline").startswith("回访 ")
        screen.select(case_no)  # the deciding office follows it up: opens at once
        opened(app, screen, case_no, lifecycle.FOLLOWUP)
        assert shown_tab(screen) == "期限与回访"
        times = times_of(screen)
        assert enabled(times.buttons) == {lifecycle.FOLLOWUP_CALLED, lifecycle.FOLLOWUP_CLOSED}
        assert "差评回访期限" in str(times.status.cget("text"))
        times.buttons[lifecycle.FOLLOWUP_CALLED].invoke()
        assert str(times.message.cget("text")) == "请填写回访或整改情况。"
        times.note.insert(0, "已电话回访申请人，说明审核所需时间")
        times.buttons[lifecycle.FOLLOWUP_CALLED].invoke()
        pump(app.root, lambda: (screen.rows[case_no].get("follow_up") or {}).get("called")
             is True and screen.tree.set(case_no, "deadline").startswith("整改 ")
             and screen.work is not None and screen.times is not None, timeout=WAIT,
             what="the call-back recorded")
        opened(app, screen, case_no, lifecycle.FOLLOWUP)
        times = times_of(screen)
        assert "已回访" in str(times.status.cget("text"))
        times.note.insert(0, "已优化流程，缩短办理时间")
        screenshot(app.root, "desk-follow-up")
        times.buttons[lifecycle.FOLLOWUP_CLOSED].invoke()
        pump(app.root, lambda: case_no not in screen.rows and screen.work is None,
             timeout=WAIT, what="the follow-up closed, off the desk")
        assert "已办结" in message(screen)
    finally:
        app.close()
    with net.open(net.village) as village:
        link.sync_once(village)
        assert review.current(village, case_no, sync=False).state == lifecycle.CLOSED
