"""A QR code that works: the receipt's QR is the public progress page's address, and
``station progress serve`` answers it from the county hub's headers.

Real parts throughout: the receipt read back with pdftoppm + zbarimg, the page
served by the real command in a child process against the demo network's county
hub, opened in Debian's headless Chromium (screenshot and DOM)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cli import station as command
from conftest import PASSPHRASE
from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED, scans
from PIL import Image
from test_documents_pdf import pdf_text, qr_payloads, squeeze

from station.cases import check_code
from station.casework import progress, review
from station.clock import deadlines
from station.clock.calendar import WorkCalendar
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.demo.samples import RESIDENTS
from station.errors import StationError
from station.filing.new_case import file_case
from station.hubops.progress_html import case_page
from station.hubops.progress_read import CaseProgress, Step
from station.i18n import set_language
from station.network import link
from station.store.models import Event
from station.trust import directory, progress_address

LISTENING = re.compile(r"progress page listening on (http://\S+)")
PER_MINUTE = 120


# -- the check code --------------------------------------------------------------------


def test_check_code_is_short_unambiguous_and_bound_to_the_filing_event() -> None:
    case_no = "450981104201-20261205-0001"
    first = check_code.check_code(case_no, "a" * 32)
    assert re.fullmatch(f"[{check_code.ALPHABET}]{{6}}", first)
    assert not set("01IO") & set(check_code.ALPHABET)
    assert first == check_code.check_code(case_no, "a" * 32)
    assert first != check_code.check_code(case_no, "b" * 32)  # another filing event
    assert first != check_code.check_code("450981104201-20261205-0002", "a" * 32)
    assert check_code.matches(case_no, "a" * 32, f" {first[:3].lower()}-{first[3:]} ")
    assert not check_code.matches(case_no, "b" * 32, first)
    assert not check_code.matches(case_no, "a" * 32, "")
    assert check_code.page_url("https://jd.example.cn/", case_no, first) == \
        f"https://jd.example.cn/p/{case_no}?c={first}"


# -- the pages ---------------------------------------------------------------------------


def test_case_page_says_when_a_date_is_provisional_and_escapes_every_value() -> None:
    limits = deadlines.MatterLimits(15, 20)
    events = [deadlines.ClockEvent("case.filed", date(2027, 3, 1)),
              deadlines.ClockEvent("case.accepted", date(2027, 3, 2))]
    due = deadlines.deadline(events, limits, WorkCalendar(), date(2027, 3, 3))
    page = CaseProgress("450981104201-20270301-0001", "<b>高龄津贴申领</b>", "review", None,
                        ["桂平市示范镇便民服务中心 民政办"], due, True,
                        [Step(date(2027, 3, 1), "case.filed", "示范村<便民服务站>")])
    html = case_page(page, datetime(2027, 3, 3, 9, 30))
    assert "已受理，正在审查" in html and "桂平市示范镇便民服务中心 民政办" in html
    assert due.due is not None
    assert f"{due.due.year}年{due.due.month}月{due.due.day}日前办结" in html
    assert "日期按法定节假日暂计，以公布的安排为准" in html
    assert "<b>" not in html and "&lt;b&gt;高龄津贴申领&lt;/b&gt;" in html
    assert "示范村&lt;便民服务站&gt;" in html
    settled = case_page(replace(page, provisional=False), datetime(2027, 3, 3, 9, 30))
    assert "暂计" not in settled
    set_language("en")  # station progress serve --lang en
    try:
        english = case_page(page, datetime(2027, 3, 3, 9, 30))
    finally:
        set_language("zh")
    assert '<html lang="en">' in english and "Accepted, under review" in english
    assert '<html lang="zh-CN">' in html


def test_case_page_promises_nothing_while_papers_are_incomplete() -> None:
    events = [deadlines.ClockEvent("case.filed", date(2026, 12, 1)),
              deadlines.ClockEvent("case.supplement_requested", date(2026, 12, 2))]
    due = deadlines.deadline(events, deadlines.MatterLimits(15, 20), WorkCalendar(),
                             date(2026, 12, 3))
    page = CaseProgress("450981104201-20261201-0001", "高龄津贴申领", "supplement", None,
                        ["桂平市示范镇便民服务中心 民政办"], due, False, [])
    html = case_page(page, datetime(2026, 12, 3, 9, 30))
    assert "需要补正材料，请联系代办员" in html
    assert "材料补齐后计算（承诺15个工作日内办结）" in html and "前办结" not in html


# -- the receipt -----------------------------------------------------------------------


def test_receipt_without_a_progress_address_prints_no_qr_but_the_code(station,
                                                                     tmp_path: Path) -> None:
    result = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
                       scans(tmp_path, ELDER_REQUIRED))
    code = check_code.own_check_code(result.case_no)
    assert code is not None
    # no QR promising a page: zbarimg finds no symbol (its exit status 4)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(result.receipt),
                    str(tmp_path / "receipt")], check=True)
    found = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "receipt.png")],
                           capture_output=True, text=True)
    assert (found.returncode, found.stdout) == (4, "")
    text = squeeze(pdf_text(result.receipt))
    assert result.case_no in text and f"查询码{code}" in text
    assert squeeze("本县尚未开通网上进度查询") in text


def test_receipt_qr_holds_the_progress_page_address(station, tmp_path: Path) -> None:
    progress_address.set_address(station, "https://jd.example.gov.cn/")
    result = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
                       scans(tmp_path, ELDER_REQUIRED))
    filed = Event.get((Event.case_no == result.case_no) & (Event.type == "case.filed"))
    code = check_code.check_code(result.case_no, filed.id)
    url = f"https://jd.example.gov.cn/p/{result.case_no}?c={code}"
    assert qr_payloads(result.receipt, tmp_path) == [url]
    text = squeeze(pdf_text(result.receipt))
    assert f"查询码{code}" in text and squeeze(url) in text


def test_progress_address_must_be_a_web_address(station) -> None:
    for wrong in ("jd.example.gov.cn", "ftp://jd.example.gov.cn", "https://x.cn/?a=1",
                  "https://"):
        with pytest.raises(StationError):
            progress_address.set_address(station, wrong)
    assert progress_address.own_address() is None


def test_progress_commands(tmp_path: Path) -> None:
    env = {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": PASSPHRASE}
    assert command("init", "--tier", "county", "--code", "450981000000", "--name",
                   "桂平市政务服务中心", "--operator", "admin", env=env).code == 0
    shown = command("progress", "address", "--json", env=env)
    assert shown.code == 0 and shown.json() == {"own": None, "published": None, "used": None}
    assert "不印二维码" in command("progress", "address", env=env).out
    wrong = command("progress", "address", "jd.example.gov.cn", env=env)
    assert wrong.code == 4 and "进度查询地址“jd.example.gov.cn”不对" in wrong.err
    done = command("progress", "address", "https://jd.example.gov.cn/", "--json", env=env)
    assert done.code == 0 and done.json()["used"] == "https://jd.example.gov.cn"
    cleared = command("progress", "address", "--clear", "--json", env=env)
    assert cleared.json()["own"] is None
    # the page needs the county hub's database: none here yet, and a bad limit is usage
    missing = command("progress", "serve", "--listen", "127.0.0.1:0", env=env)
    assert missing.code == 5 and "找不到枢纽站数据库" in missing.err
    usage = command("progress", "serve", "--listen", "127.0.0.1:0", "--per-minute", "0",
                    env=env)
    assert usage.code == 2 and "每分钟查询次数“0”不对" in usage.err


# -- the page, end to end ----------------------------------------------------------------


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    address: str


@contextmanager
def serve(net: DemoNetwork, *options: str) -> Iterator[Served]:
    """``station progress serve`` on the county's data directory, on an ephemeral port."""
    argv = [sys.executable, "-m", "station.cli.main", "progress", "serve",
            "--data", str(net.county.data), "--listen", "127.0.0.1:0",
            "--per-minute", str(PER_MINUTE), *options]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert process.stderr is not None
        lines: list[str] = []
        while True:
            line = process.stderr.readline().decode("utf-8", "replace")
            if not line:
                raise AssertionError(f"progress serve exited {process.wait()}: {lines}")
            lines.append(line)
            found = LISTENING.search(line)
            if found:
                break
        stderr = process.stderr

        def drain() -> None:  # keep its pipe from filling
            for _line in stderr:
                pass

        threading.Thread(target=drain, daemon=True).start()
        yield Served(process, found.group(1))
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def progress_page(hubs: DemoNetwork) -> Iterator[Served]:
    with serve(hubs) as served:
        yield served


def get(url: str, source: str = "127.0.0.1", conn: http.client.HTTPConnection | None = None,
        forwarded: str | None = None) -> tuple[int, str, dict[str, str]]:
    parts = urlsplit(url)
    own = conn is None
    conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=30,
                                              source_address=(source, 0))
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers={"X-Forwarded-For": forwarded} if forwarded else {})
        answer = conn.getresponse()
        body = answer.read().decode("utf-8")
        return answer.status, body, {k.lower(): v for k, v in answer.getheaders()}
    finally:
        if own:
            conn.close()


def chromium(*args: str) -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is missing: install the Debian package chromium")
    done = subprocess.run([found, "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", "--disable-dev-shm-usage", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def publish_address(net: DemoNetwork, url: str) -> None:
    """The county admin sets the address; the village learns it through the directory."""
    with net.open(net.county) as county:
        progress_address.set_address(county, url)
        link.sync_once(county, net.county.address)

    def learned() -> bool:
        with net.open(net.village) as village:
            link.sync_once(village)
            return progress_address.published_address(directory.stored_entries(),
                                                       village.node) == url

    demo_network.wait_until(learned, what="the village to learn the progress address")


def test_scanned_receipt_opens_the_case_page_in_chromium(progress_page: Served,
                                                         hubs: DemoNetwork,
                                                         tmp_path: Path) -> None:
    net = hubs
    publish_address(net, progress_page.address)
    with net.open(net.village) as village:
        filed = demo_network.file_samples(net, village, 1)[0]
        code = check_code.own_check_code(filed.case_no)
        link.sync_once(village)
        head = link.acked_seq()
    demo_network.wait_for_county(net, {net.village.code: head})
    assert filed.receipt is not None and code is not None

    # the printed QR, read by a scanner, is the page's address
    [scanned] = qr_payloads(filed.receipt, tmp_path)
    assert scanned == f"{progress_page.address}/p/{filed.case_no}?c={code}"
    assert f"查询码{code}" in squeeze(pdf_text(filed.receipt))

    # a phone opens it: real headless Chromium, phone-sized
    shot = tmp_path / "page.png"
    chromium(f"--screenshot={shot}", "--window-size=412,915", scanned)
    with Image.open(shot) as image:
        assert image.size == (412, 915)
        darkest, lightest = image.convert("L").getextrema()
        assert lightest - darkest > 128  # text drawn, not a blank page
    dom = chromium("--dump-dom", scanned)
    state = re.search(r'<div class="state" id="state">(.*?)</div>', dom)
    assert state is not None and state.group(1) == "已收件，等待受理", dom
    assert filed.case_no in dom and "收件登记" in dom and "width=device-width" in dom
    assert "示范镇便民服务中心" in dom  # the office handling it, by its node's name

    # the page holds nothing personal
    status, body, headers = get(scanned)
    assert status == 200 and headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    for resident in RESIDENTS:
        for value in (resident.name, resident.id_number, resident.phone,
                      resident.id_number[-4:] + "</", resident.phone[-4:] + "<"):
            assert value not in body, value

    # a wrong check code is exactly an unknown case
    wrong = "".join(sorted(set(check_code.ALPHABET) - set(code))[:6])
    unknown_status, unknown_body, _ = get(
        f"{progress_page.address}/p/{filed.case_no[:-4]}9999?c={code}")
    wrong_status, wrong_body, _ = get(f"{progress_page.address}/p/{filed.case_no}?c={wrong}")
    bare_status, bare_body, _ = get(f"{progress_page.address}/p/{filed.case_no}")
    assert unknown_status == wrong_status == bare_status == 404
    assert wrong_body == unknown_body == bare_body
    assert "没有查到这个办件" in wrong_body and filed.case_no not in wrong_body
    dom = chromium("--dump-dom", f"{progress_page.address}/p/{filed.case_no}?c={wrong}")
    assert "没有查到这个办件" in dom and "已收件" not in dom

    # the form at the root finds it too
    status, body, _ = get(f"{progress_page.address}/p?n={filed.case_no}&c={code.lower()}")
    assert status == 200 and "已收件，等待受理" in body

    # accepted at the township: the page follows, promising what `case status` promises
    with net.open(net.township, demo_network.REVIEWERS[0][0]) as desk:
        review.claim(desk, filed.case_no)
        review.accept(desk, filed.case_no, "材料齐全，予以受理")
        desk_head = link.acked_seq()
    demo_network.wait_for_county(net, {net.township.code: desk_head})
    with net.open(net.village) as village:
        link.sync_once(village)
        due = progress.status(village, filed.case_no)["deadline"]["due"]
    assert due is not None
    day = date.fromisoformat(due)
    dom = chromium("--dump-dom", scanned)
    state = re.search(r'<div class="state" id="state">(.*?)</div>', dom)
    assert state is not None and state.group(1) == "已受理，正在审查", dom
    assert f"{day.year}年{day.month}月{day.day}日前办结" in dom
    assert "受理" in dom and "认领" not in dom  # a desk's claim is not the resident's business


def test_a_thousand_lookups_in_a_minute_are_throttled(progress_page: Served) -> None:
    parts = urlsplit(progress_page.address)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    started = time.monotonic()
    answers = []
    for number in range(1000):
        status, body, headers = get(
            f"{progress_page.address}/p/450981104201-20261205-{number:04d}?c=ABCDEF", conn=conn)
        # answered this long after the first request was sent: the server counted both
        # within that span, so below 60 s both lie in one window of its sliding minute
        answers.append((time.monotonic() - started, status, body, headers))
    conn.close()
    assert [status for _, status, _, _ in answers[:PER_MINUTE]] == [404] * PER_MINUTE
    within_the_minute = [a for a in answers[PER_MINUTE:] if a[0] < 60]
    assert within_the_minute, "the lookups took more than a minute"
    assert {status for _, status, _, _ in within_the_minute} == {429}
    _, _, body, headers = within_the_minute[0]
    assert "查询过于频繁" in body and int(headers["retry-after"]) >= 1
    # another address is not held up by this one
    status, body, _ = get(f"{progress_page.address}/", source="127.0.0.2")
    assert status == 200 and "办件进度查询" in body


def lookups(page: Served, count: int, forwarded: list[str]) -> list[int]:
    """``count`` lookups on one connection, each claiming the next forwarded address;
    the statuses, all answered within one minute of the first being sent."""
    parts = urlsplit(page.address)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    started = time.monotonic()
    statuses = [get(f"{page.address}/p/450981104201-20261205-0001?c=ABCDEF", conn=conn,
                    forwarded=forwarded[i % len(forwarded)])[0] for i in range(count)]
    conn.close()
    assert time.monotonic() - started < 60, "the lookups took more than a minute"
    return statuses


def test_forwarded_addresses_count_only_behind_the_trusted_proxy(hubs: DemoNetwork) -> None:
    # from a peer that is no trusted proxy, a made-up X-Forwarded-For changes nothing
    with serve(hubs) as page:
        spoofed = [f"203.0.113.{n}" for n in range(1, 250)]
        assert lookups(page, PER_MINUTE + 1, spoofed) == [404] * PER_MINUTE + [429]
    # behind the proxy, each resident it forwards is counted on their own
    with serve(hubs, "--trusted-proxy", "127.0.0.1") as page:
        assert lookups(page, PER_MINUTE + 1, ["203.0.113.7"]) == [404] * PER_MINUTE + [429]
        assert lookups(page, 1, ["203.0.113.8"]) == [404]
