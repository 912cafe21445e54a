"""Sealed documents issued where the action happens, over real hubs: numbered, dated by the
China clock, citing the matter's own law, and travelling down with their events.

The township's 民政办 asks twice for materials (two notices, two numbers, both kept at
the village), accepts (a 受理通知书 promising the date ``case status`` shows) and, with
its signer's approval, extends (a 延期告知书 with the clock's new date).
"""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from keys.ca import CHINA_TIME
from station.cases import case_documents
from station.casework import delivery, progress, review
from station.demo.demo_network import REVIEW_MISSING, DemoNetwork, review_sample, start_hubs
from station.documents.layout import format_date
from station.network import link
from station.store.models import CaseDocument

pytestmark = pytest.mark.slow

VILLAGE_NAME = "桂平市示范镇示范村便民服务站"


def flat_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], check=True,
                          capture_output=True, text=True)
    return "".join(done.stdout.split())


def village_documents(net: DemoNetwork, case_no: str, tmp_path: Path,
                      ) -> list[tuple[CaseDocument, str]]:
    """The case's documents at the village after a sync round, with their printed text."""
    with net.open(net.village) as village:
        link.sync_once(village)
        kept = case_documents.of_case(case_no)
        return [(d, flat_text(case_documents.export(village, d.id, tmp_path / d.id)))
                for d in kept]


def test_documents_are_numbered_dated_and_travel_with_their_events(
        net: DemoNetwork, tmp_path: Path) -> None:
    start_hubs(net)
    with net.open(net.village) as village:
        filed, held = review_sample(net, village)
        case_no = filed.case_no
        link.sync_once(village)
        calendar = village.calendar

    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        review.request_supplement(desk, case_no, [
            review.Verdict(REVIEW_MISSING, "missing", "需户主页和本人页")])
    today = datetime.now(CHINA_TIME).date()
    ((first, text),) = village_documents(net, case_no, tmp_path)
    assert first.kind == "supplement"
    for phrase in (f"在{VILLAGE_NAME}申请办理", f"告知日期：{format_date(today)}",
                   f"请于{format_date(calendar.add_workdays(today, 15))}前",
                   "逾期未补齐的，本次申请按撤回处理", "示范镇民政办", "送达回证",
                   "残疾人保障法"):
        assert phrase in text, phrase
    assert "行政许可法" not in text, "a 行政给付 matter cites its own basis"
    assert "便民服务中心申请办理" not in text and "代办员：民政办" not in text

    with net.open(net.village) as village:
        delivery.supplement(village, case_no, held)
        link.sync_once(village)
    with net.open(net.township, "mz") as desk:
        review.request_supplement(desk, case_no, [
            review.Verdict(REVIEW_MISSING, "unclear", "第二页不清晰")])
    documents = village_documents(net, case_no, tmp_path)
    notices = [(d, t) for d, t in documents if d.kind == "supplement"]
    assert len(notices) == 2, "a later notice never replaces an earlier one"
    year = today.year
    assert f"示民政补〔{year}〕1号" in notices[0][1] and f"示民政补〔{year}〕2号" in notices[1][1]
    assert "第二页不清晰" in notices[1][1] and "第二页不清晰" not in notices[0][1]

    with net.open(net.village) as village:
        delivery.supplement(village, case_no, held)
        link.sync_once(village)
    with net.open(net.township, "mz") as desk:
        review.accept(desk, case_no, "材料齐全，予以受理")
    documents = village_documents(net, case_no, tmp_path)
    ((accepted, text),) = [(d, t) for d, t in documents if d.kind == "accept"]
    assert accepted.title == "受理通知书"
    with net.open(net.village) as village:
        due = progress.status(village, case_no)["deadline"]["due"]
    assert due, "the clock runs from acceptance"
    for phrase in ("受理通知书", f"示民政受〔{year}〕1号", "本机关决定予以受理",
                   f"承诺办结日期{format_date(date.fromisoformat(due))}", "残疾人保障法"):
        assert phrase in text, phrase
    assert "行政许可法" not in text

    with net.open(net.township, "mz") as desk:
        review.request_extension(desk, case_no, "需入户核查家庭收入")
    with net.open(net.township, "mzqf") as head:
        review.approve_extension(head, case_no, "需入户核查家庭收入")
    documents = village_documents(net, case_no, tmp_path)
    ((extended, text),) = [(d, t) for d, t in documents if d.kind == "extend"]
    assert extended.title == "延期告知书"
    with net.open(net.village) as village:
        new_due = progress.status(village, case_no)["deadline"]["due"]
    assert new_due and new_due > due
    for phrase in ("延期告知书", "需入户核查家庭收入",
                   f"原承诺办结日期{format_date(date.fromisoformat(due))}",
                   f"延长后办结日期{format_date(date.fromisoformat(new_due))}"):
        assert phrase in text, phrase
