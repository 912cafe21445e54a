"""Filing a case: checked first, stored whole, printed, traced."""

from __future__ import annotations

import logging
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from filing_samples import (
    APPLICANT,
    DIBAO_FORM,
    DIBAO_MATTER,
    ELDER_FORM,
    ELDER_MATTER,
    ELDER_REQUIRED,
    scans,
)

from forms.errors import FormInvalid, UnknownMatter
from station import outbox
from station.cases.register import export_material, find_by_id_number, list_cases, show_case
from station.demo.samples import resident_id
from station.errors import CaseNotFound
from station.filing.new_case import MaterialFile, file_case
from station.store.models import Applicant, Case, CaseMaterial, Event

NOW = datetime(2026, 9, 28, 10, 0, tzinfo=UTC)
SAME_DAY_MATTER = "450981-WJ-001"  # 生育登记: promised_days = 0
YIBAO_MATTER = "450981-YB-001"  # 城乡居民基本医疗保险参保登记: promised in 1 working day
YIBAO_FORM = {"insured_year": 2027, "person_category": "普通城乡居民", "household_size": 1}
SAME_DAY_FORM = {"registration_stage": "怀孕期间", "expected_due_date": "2027-03-01",
                 "child_order": 1}


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def stored_counts() -> tuple[int, int, int, int]:
    return (Case.select().count(), Applicant.select().count(), CaseMaterial.select().count(),
            Event.select().count())


def test_complete_case_is_filed_with_deadline_and_receipt(station, tmp_path: Path) -> None:
    files = scans(tmp_path, ELDER_REQUIRED)
    result = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, now=NOW)
    assert result.case_no.startswith("450981104201-20260928-")
    assert result.status == "filed" and result.missing == []
    promised = station.catalogue.get(ELDER_MATTER).promised_days
    assert result.deadline == station.calendar.add_workdays(date(2026, 9, 28), promised).isoformat()
    text = text_of(result.receipt)
    assert result.case_no in text and "高龄津贴申领" in text
    assert "1101**********002X" in text and "11010519491231002X" not in text
    assert "缺件提示" not in text and result.printed == [result.receipt]
    flat = "".join(text.split())
    assert "自收件之日起按工作日计算" in flat and "以公布的安排为准" not in flat
    types = [e.type for e in Event.select().order_by(Event.seq)]
    assert types[-2:] == [outbox.CASE_FILED, outbox.ACCESS_PRINTED]
    assert outbox.verify_chain(Event.select().order_by(Event.seq)) == []


def test_a_same_day_matter_filed_on_saturday_is_promised_for_monday(station,
                                                                   tmp_path: Path) -> None:
    """即办件 (promised in 0 working days) received on Saturday 2026-12-05: the receipt
    promises the next working day, never the Saturday."""
    matter = station.catalogue.get(SAME_DAY_MATTER)
    assert matter.promised_days == 0
    files = scans(tmp_path, [m.name for m in matter.materials if m.required])
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    result = file_case(station, SAME_DAY_MATTER, APPLICANT, SAME_DAY_FORM, files, now=saturday)
    assert result.status == "filed" and result.deadline == "2026-12-07"
    text = "".join(text_of(result.receipt).split())
    assert "2026年12月7日" in text and "2026年12月5日（" not in text


@pytest.mark.parametrize(("filed", "due", "printed"), [
    (datetime(2026, 12, 31, 2, 0, tzinfo=UTC), "2027-01-04", "2027年1月4日"),
    (datetime(2027, 2, 4, 2, 0, tzinfo=UTC), "2027-02-09", "2027年2月9日"),
])
def test_a_promise_in_an_unpublished_year_counts_statutory_holidays_and_says_so(
        station, tmp_path: Path, caplog: pytest.LogCaptureFixture, filed: datetime, due: str,
        printed: str) -> None:
    """2027's schedule is not published: the receipt counts 元旦 and 除夕–初三 as holidays,
    invents no 调休, says the date is provisional, and agrees with ``case status``."""
    from station.casework import progress

    matter = station.catalogue.get(YIBAO_MATTER)
    assert matter.promised_days == 1
    files = scans(tmp_path, tuple(m.name for m in matter.materials if m.required))
    with caplog.at_level(logging.WARNING, logger="station.clock"):
        result = file_case(station, YIBAO_MATTER, APPLICANT, YIBAO_FORM, files, now=filed)
    assert result.status == "filed" and result.deadline == due
    text = "".join(subprocess.run(["pdftotext", str(result.receipt), "-"], check=True,
                                  capture_output=True, text=True).stdout.split())
    assert (f"{printed}（自收件之日起按工作日计算，不含法定节假日；"
            "按法定节假日暂计，以公布的安排为准）") in text
    status = progress.status(station, result.case_no)  # what `station case status` reads
    assert status["deadline"]["due"] == due and status["deadline"]["provisional"] is True
    assert "2027 年的节假日安排尚未发布" in caplog.text


def test_the_case_list_and_detail_follow_the_clock_when_the_county_publishes(
        station, tmp_path: Path) -> None:
    """Filed 2026-12-31: 2027-01-04 (暂计) in the list and the detail; the county then
    publishes 2027-01-04 as a rest day and the stored date moves to 2027-01-05, no
    longer provisional where the county listed every day it depends on."""
    from station.cases import case_state

    matter = station.catalogue.get(YIBAO_MATTER)
    files = scans(tmp_path, tuple(m.name for m in matter.materials if m.required))
    case_no = file_case(station, YIBAO_MATTER, APPLICANT, YIBAO_FORM, files,
                        now=datetime(2026, 12, 31, 2, 0, tzinfo=UTC)).case_no
    listed = list_cases(station).items[0]
    assert (listed.deadline, listed.deadline_provisional) == ("2027-01-04", True)
    shown = show_case(station, case_no)
    assert (shown["deadline"], shown["deadline_provisional"]) == ("2027-01-04", True)

    days = "".join(f'"2027-01-0{d}" = "{"休" if d != 5 else "班"}"\n' for d in range(1, 6))
    station.layout.calendar.write_text("[days]\n" + days, encoding="utf-8")
    station.__dict__.pop("calendar", None)  # as an installed calendar update does
    assert case_state.redate(station) == 1
    listed = list_cases(station).items[0]
    assert (listed.deadline, listed.deadline_provisional) == ("2027-01-05", False)
    shown = show_case(station, case_no)
    assert (shown["deadline"], shown["deadline_provisional"]) == ("2027-01-05", False)


def test_missing_materials_are_a_hint_on_the_receipt_and_no_notice_is_printed(
        station, tmp_path: Path) -> None:
    """The village receives papers for the office: what it saw missing is a 缺件提示 on
    the receipt, with no legal finding and no promise; it prints no 补齐补正告知书."""
    files = scans(tmp_path, ("最低生活保障申请书", "居民身份证"))
    result = file_case(station, DIBAO_MATTER, APPLICANT, DIBAO_FORM, files, now=NOW)
    assert result.status == "awaiting_supplement" and result.deadline is None
    assert result.missing == ["居民户口簿", "家庭经济状况核对授权书", "家庭收入情况说明"]
    assert result.printed == [result.receipt]
    printed = [p.name for p in station.documents.iterdir() if p.name.startswith(result.case_no)]
    assert printed == [result.receipt.name]
    receipt = "".join(text_of(result.receipt).split())
    assert "缺件提示" in receipt and "收件凭证" in receipt
    reading = subprocess.run(["pdftotext", str(result.receipt), "-"], check=True,
                             capture_output=True, text=True).stdout  # in reading order
    hint = "".join(reading[reading.index("缺件提示"):].split())
    for number, name in enumerate(result.missing, 1):
        assert f"{number}.{name}" in hint
    assert "残疾人证" not in receipt  # optional materials are not hinted
    assert "审核机关将书面告知您" in receipt
    assert "待材料补齐后计算" in receipt  # papers incomplete: nothing promised yet
    pages = subprocess.run(["pdfinfo", str(result.receipt)], check=True, capture_output=True,
                           text=True).stdout
    assert pages.split("Pages:")[1].split()[0] == "1", "agent and applicant sign on one page"
    for finding in ("经审查", "不会再要求", "除上述材料外", "材料不齐全", "补齐补正告知书",
                    "第三十二条", "一次性告知"):
        assert finding not in receipt, finding
    assert Event.select().where(Event.type == outbox.NOTICE_ISSUED).count() == 1


def test_bad_values_are_all_reported_and_nothing_is_stored(station, tmp_path: Path) -> None:
    before = stored_counts()
    blobs_before = sorted(station.blobs.root.rglob("*"))
    bad_applicant = dict(APPLICANT, id_number="110105194912310021", phone="12345")
    bad_form = dict(ELDER_FORM, age=30, account_type="存折", colour="red")
    files = [*scans(tmp_path, ("居民身份证",)), MaterialFile("身份证", tmp_path / "0-1.jpg"),
             MaterialFile("居民户口簿", tmp_path / "absent.jpg")]
    with pytest.raises(FormInvalid) as caught:
        file_case(station, ELDER_MATTER, bad_applicant, bad_form, files, now=NOW)
    message = str(caught.value)
    problems = caught.value.params["problems"]
    named = {p.params.get("field") for p in problems}
    assert {"id_number", "phone", "age", "account_type", "colour"} <= named
    fields = " ".join(str(p) for p in problems)  # as people read them: labels, not keys
    for fragment in ("“身份证号码”", "“联系电话”", "colour", "身份证", "absent.jpg"):
        assert fragment in fields, fragment
    assert str(len(problems)) in message
    assert stored_counts() == before
    assert sorted(station.blobs.root.rglob("*")) == blobs_before


def test_unknown_matter(station) -> None:
    with pytest.raises(UnknownMatter):
        file_case(station, "NO-SUCH", APPLICANT, {}, [], now=NOW)


def test_case_numbers_are_sequential_per_day_and_unique(station, tmp_path: Path) -> None:
    numbers = [file_case(station, DIBAO_MATTER, APPLICANT, DIBAO_FORM, [], now=NOW,
                         print_documents=False).case_no for _ in range(3)]
    assert numbers == [f"450981104201-20260928-{i:04d}" for i in (1, 2, 3)]
    assert Applicant.select().count() == 1  # one resident, three cases


def test_find_list_show_export_and_their_trail(station, tmp_path: Path) -> None:
    files = scans(tmp_path, ELDER_REQUIRED, pages=2)
    case_no = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, now=NOW).case_no
    other = dict(APPLICANT, id_number=resident_id("450981", date(1941, 3, 15), 121), name="韦建国")
    file_case(station, DIBAO_MATTER, other, DIBAO_FORM, [], now=NOW, print_documents=False)

    found = find_by_id_number(station, "11010519491231002x")  # lower-case x, as typed
    assert [c.case_no for c in found] == [case_no]
    assert found[0].applicant == "黄*英"

    page = list_cases(station, limit=1)
    assert page.total == 2 and len(page.items) == 1

    details = show_case(station, case_no)
    assert details["applicant"]["id_number"] == "1101**********002X"
    assert details["form"]["account_no"] == ELDER_FORM["account_no"]
    assert [m["page"] for m in details["materials"] if m["name"] == "居民身份证"] == [1, 2]
    assert show_case(station, case_no, reveal=True)["applicant"]["id_number"] == \
        "11010519491231002X"

    out = export_material(station, case_no, "居民身份证", 2, tmp_path / "export.jpg")
    assert out.read_bytes() == files[3].path.read_bytes()

    trail = [e.type for e in Event.select().order_by(Event.seq)][-5:]
    assert trail == [outbox.ACCESS_SEARCHED, outbox.ACCESS_LISTED, outbox.ACCESS_VIEWED,
                     outbox.ACCESS_VIEWED, outbox.ACCESS_EXPORTED]
    viewed = Event.select().where(Event.type == outbox.ACCESS_VIEWED).order_by(Event.seq)
    assert [e.payload["reveal"] for e in viewed] == [False, True]
    assert all(e.author == "agent" for e in viewed)
    with pytest.raises(CaseNotFound):
        show_case(station, "450981104201-20260928-9999")


def test_proxy_record_is_kept_sealed_with_the_case(station, tmp_path: Path) -> None:
    from station.filing.new_case import Proxy

    case_no = file_case(station, DIBAO_MATTER, APPLICANT, DIBAO_FORM, [], now=NOW,
                        print_documents=False,
                        proxy=Proxy(consent=True, relation="村代办员")).case_no
    details = show_case(station, case_no)
    assert details["proxy"] == {"agent": "agent", "consent": True, "relation": "村代办员",
                                "note": ""}
    filed = Event.get(Event.type == outbox.CASE_FILED)
    assert filed.payload["proxy"]["consent"] is True


def test_event_times_are_shown_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert outbox.local_time("2026-11-21T11:33:39.123456+00:00") == "2026-11-21 19:33:39"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_viewer_reads_pages_in_memory_and_records_the_view(station, tmp_path: Path) -> None:
    from station.cases.register import material_pages, read_material

    files = scans(tmp_path, ELDER_REQUIRED, pages=2)
    case_no = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, now=NOW,
                        print_documents=False).case_no
    pages = material_pages(station, case_no)
    assert len(pages) == 8 and pages[0][2] == "image/jpeg"
    name, page, _media = pages[1]
    expected = next(f.path for f in files
                    if f.name == name and f.path.name.endswith(f"-{page}.jpg"))
    assert read_material(station, case_no, name, page) == expected.read_bytes()
    viewed = Event.select().where(Event.type == outbox.ACCESS_VIEWED).order_by(Event.seq.desc())
    assert viewed.first().payload == {"material": name, "page": page}


def test_list_filters_sorting_and_name_search(station, tmp_path: Path) -> None:
    from datetime import timedelta

    from station.cases.register import CaseFilter, find_by_case_tail, find_by_name

    days = [NOW - timedelta(days=d) for d in (0, 10, 40)]
    elder = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
                      scans(tmp_path, ELDER_REQUIRED), now=days[0], print_documents=False)
    other = dict(APPLICANT, id_number=resident_id("450981", date(1941, 3, 15), 121),
                 name="韦 建国")
    waiting = file_case(station, DIBAO_MATTER, other, DIBAO_FORM, [], now=days[1],
                        print_documents=False)
    old = file_case(station, ELDER_MATTER, other, ELDER_FORM,
                    scans(tmp_path / "old", ELDER_REQUIRED), now=days[2], print_documents=False)
    today = NOW.date()

    def numbers(**kwargs: object) -> list[str]:
        return [c.case_no for c in list_cases(station, today=today, **kwargs).items]

    assert numbers() == [elder.case_no, waiting.case_no, old.case_no]
    assert numbers(filters=CaseFilter(status="awaiting_supplement")) == [waiting.case_no]
    assert numbers(filters=CaseFilter(matter=ELDER_MATTER)) == [elder.case_no, old.case_no]
    assert numbers(filters=CaseFilter(deadline="not_started")) == [waiting.case_no]
    assert numbers(filters=CaseFilter(deadline="overdue")) == [old.case_no]
    assert numbers(filters=CaseFilter(deadline="on_track")) == [elder.case_no]
    assert numbers(filters=CaseFilter(filed_from=days[1].date(), filed_to=days[1].date())) == \
        [waiting.case_no]
    assert numbers(sort="filed_at", descending=False) == [old.case_no, waiting.case_no,
                                                          elder.case_no]
    page = list_cases(station, filters=CaseFilter(matter=ELDER_MATTER), limit=1)
    assert page.total == 2 and len(page.items) == 1
    # Names are found whole, through the blind index; spaces and width do not matter.
    assert {c.case_no for c in find_by_name(station, "韦建国")} == {waiting.case_no, old.case_no}
    assert [c.case_no for c in find_by_name(station, "黄秀英")] == [elder.case_no]
    assert find_by_name(station, "黄秀") == []
    # The last 4 digits of a case number, as read off a receipt: cases of the last year.
    tail = elder.case_no[-4:]
    found = {c.case_no for c in find_by_case_tail(station, tail, today)}
    assert elder.case_no in found and all(n.endswith("-" + tail) for n in found)
    assert find_by_case_tail(station, tail, today + timedelta(days=400)) == []
    assert find_by_case_tail(station, "12") == []
