"""Sealed documents by the right organ, with the right law, read back as a legal officer would.

Real PDFs printed from the shipped catalogue's matters, sealed with a real office seal
(a county root and seal made here), read back with ``pdftotext`` (text, and word boxes
with ``-bbox-layout``) and pyHanko (where the seal sits).
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from forms.catalogue import load_catalogue
from keys import ca, office_seal
from station.casework.document_numbers import next_number
from station.documents import templates
from station.documents.accept import AcceptInfo
from station.documents.decision import DecisionInfo
from station.documents.extend import ExtendInfo
from station.documents.legal import citation, is_licence
from station.documents.notice import MissingItem, NoticeInfo
from station.documents.organ import area_name, document_number, organ_name
from station.documents.refusal import RefusalInfo
from station.documents.service import ServiceInfo
from station.documents.sign import sign_pdf
from station.documents.special import SpecialInfo
from station.documents.stamp import stamp_pdf

CASE_NO = "450981104201-20261008-0003"
MASKED_ID = "4508**********1234"
VILLAGE = "桂平市示范镇示范村便民服务站"
TOWNSHIP, TOWNSHIP_CODE = "桂平市示范镇便民服务中心", "450981104000"
COUNTY, COUNTY_CODE = "桂平市政务服务中心", "450981000000"
LICENCE_LAW = "行政许可法"
DIBAO = "450981-MZ-001"  # 农村最低生活保障申请, 行政给付
LICENCE = "450981-NY-001"  # a 行政许可 matter of the shipped catalogue
NOW = datetime(2026, 10, 8, 10, 0)


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True)
    return done.stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def matters() -> dict[str, Any]:
    catalogue = load_catalogue()
    return {code: catalogue.get(code) for code in (DIBAO, LICENCE)}


def notice(matter: Any, **changes: object) -> NoticeInfo:
    info = dict(
        case_no=CASE_NO, matter_name=matter.name, applicant_name="黄秀英",
        masked_id=MASKED_ID, missing=[MissingItem("居民户口簿", "原件及复印件", 1, "缺少")],
        filed_at=datetime(2026, 9, 28, 9, 35), station_name=TOWNSHIP,
        station_code=TOWNSHIP_CODE, agent="", filed_where=VILLAGE, office="民政办",
        notified_at=NOW, supplement_by=date(2026, 10, 29),
        matter_type=matter.type, legal_basis=matter.legal_basis,
        phone="0775-3382110", number="示民政补〔2026〕1号")
    info.update(changes)
    return NoticeInfo(**info)


def every_document(matter: Any) -> dict[str, Any]:
    """One info per sealed template, for ``matter`` (type and basis from the catalogue)."""
    m = matter
    kind = {"matter_type": m.type, "legal_basis": m.legal_basis}
    filed = datetime(2026, 9, 28, 9, 35)
    return {
        "补齐补正告知书": notice(m),
        "受理通知书": AcceptInfo(CASE_NO, m.name, "黄秀英", MASKED_ID, filed, VILLAGE, NOW,
                            date(2026, 11, 5), "民政办", TOWNSHIP, TOWNSHIP_CODE,
                            promised_days=20, phone="0775-3382110",
                            number="示民政受〔2026〕1号", **kind),
        "延期告知书": ExtendInfo(CASE_NO, m.name, "黄秀英", MASKED_ID, "需入户核查家庭财产",
                            10, date(2026, 11, 5), date(2026, 11, 19), NOW, "民政办",
                            TOWNSHIP, TOWNSHIP_CODE, filed_where=VILLAGE,
                            number="示民政延〔2026〕1号", **kind),
        "不予受理通知书": RefusalInfo(CASE_NO, m.name, "黄秀英", MASKED_ID, filed, NOW,
                               "户籍不在本乡镇。", "民政办", TOWNSHIP, TOWNSHIP_CODE,
                               filed_where=VILLAGE, number="示民政不受〔2026〕1号", **kind),
        "特别程序告知书": SpecialInfo(CASE_NO, m.name, "黄秀英", MASKED_ID, "现场勘查",
                               "核实住房情况", date(2026, 10, 9), 5, NOW, "民政办", TOWNSHIP,
                               TOWNSHIP_CODE, filed_where=VILLAGE, **kind),
        "准予批准决定书": DecisionInfo(CASE_NO, m.name, "黄秀英", MASKED_ID, filed, NOW,
                                "符合条件。", m.legal_basis, "《证》", "民政局", COUNTY,
                                COUNTY_CODE, filed_where=VILLAGE, number="桂民政准〔2026〕7号"),
        "送达回证": ServiceInfo(CASE_NO, "黄秀英", MASKED_ID, "准予批准决定书",
                            "桂民政准〔2026〕7号", "民政局", COUNTY, COUNTY_CODE, VILLAGE, NOW),
    }


# -- the law follows the matter's type ------------------------------------------------


def test_only_licences_cite_the_licensing_law(matters: dict[str, Any],
                                              tmp_path: Path) -> None:
    dibao, licence = matters[DIBAO], matters[LICENCE]
    assert not is_licence(dibao.type) and is_licence(licence.type)
    for name, info in every_document(dibao).items():
        text = flat(pdf_text(templates.render(name, info, tmp_path / f"dibao-{name}.pdf")))
        assert LICENCE_LAW not in text, name
        assert "你" not in text, f"{name}: one form of address, 您"
        if name != "送达回证":
            assert "社会救助暂行办法" in text, f"{name} cites the matter's own basis"
    articles = {"补齐补正告知书": "第三十二条第一款第（四）项", "受理通知书": "第三十二条第二款",
                "延期告知书": "第四十二条", "不予受理通知书": "第三十二条",
                "特别程序告知书": "第四十五条"}
    documents = every_document(licence)
    for name, article in articles.items():
        text = flat(pdf_text(templates.render(name, documents[name], tmp_path / f"{name}.pdf")))
        assert f"《中华人民共和国行政许可法》{article}" in text, name


def test_citations_by_type() -> None:
    basis = "《社会救助暂行办法》第九条"
    assert citation("supplement", "行政给付", basis) == f"根据{basis}等有关规定"
    assert citation("accept", "公共服务", "") == "根据有关法律法规的规定"
    assert LICENCE_LAW in citation("extend", "行政许可", basis)
    assert citation("approve", "行政许可", basis) == f"根据{basis}的规定"


# -- the sealed notice: place, agent, dates, consequence, phone -------------------------


def test_the_notice_is_dated_and_gives_a_deadline_with_its_consequence(
        matters: dict[str, Any], tmp_path: Path) -> None:
    path = templates.render("补齐补正告知书", notice(matters[DIBAO]), tmp_path / "n.pdf")
    text = flat(pdf_text(path))
    for phrase in ("示民政补〔2026〕1号", f"在{VILLAGE}申请办理", "告知日期：2026年10月8日",
                   "请于2026年10月29日前", "逾期未补齐的，本次申请按撤回处理",
                   "咨询电话：0775-3382110", "示范镇民政办", "居民户口簿"):
        assert phrase in text, phrase
    assert "年月日" not in text.split("送达回证")[0], "no blank date on the notice itself"
    assert "代办员" not in text, "no agent is named when none is known"
    assert "便民服务中心申请" not in text, "the resident filed at the village"

    named = notice(matters[LICENCE], agent="韦丽华", phone=None)
    text = flat(pdf_text(templates.render("补齐补正告知书", named, tmp_path / "l.pdf")))
    assert f"{VILLAGE}（代办员：韦丽华）" in text
    assert "视为撤回本次申请" in text and "咨询电话：—" in text
    assert "暂计" not in text

    later = notice(matters[DIBAO], supplement_by=date(2027, 1, 8), provisional=True)
    text = flat(pdf_text(templates.render("补齐补正告知书", later, tmp_path / "p.pdf")))
    assert "请于2027年1月8日（按法定节假日暂计，以公布的安排为准）前" in text


# -- the new documents ------------------------------------------------------------------


def test_accept_extend_and_service_read_right(matters: dict[str, Any],
                                              tmp_path: Path) -> None:
    documents = every_document(matters[LICENCE])
    accept = flat(pdf_text(templates.render("受理通知书", documents["受理通知书"],
                                            tmp_path / "a.pdf")))
    for phrase in ("受理通知书", "示民政受〔2026〕1号", "本机关决定予以受理",
                   "受理日期2026年10月8日", "承诺办结日期2026年11月5日", "20个工作日",
                   "送达回证"):
        assert phrase in accept, phrase
    extend = flat(pdf_text(templates.render("延期告知书", documents["延期告知书"],
                                            tmp_path / "e.pdf")))
    for phrase in ("延期告知书", "经本机关负责人批准", "需入户核查家庭财产", "延长10个工作日",
                   "原承诺办结日期2026年11月5日", "延长后办结日期2026年11月19日"):
        assert phrase in extend, phrase
    service = flat(pdf_text(templates.render("送达回证", documents["送达回证"],
                                             tmp_path / "s.pdf")))
    for phrase in ("送达回证", "《准予批准决定书》（桂民政准〔2026〕7号）", "桂平市民政局",
                   VILLAGE, "送达方式", "送达人（签字）", "受送达人（签收）", "签收日期"):
        assert phrase in service, phrase
    decision = pdf_text(templates.render("准予批准决定书", documents["准予批准决定书"],
                                         tmp_path / "d.pdf"))
    pages = decision.split("\f")
    assert "送达回证" in flat(pages[-2]) and "准予批准决定书" in flat(pages[0])


def test_provisional_dates_say_so(matters: dict[str, Any], tmp_path: Path) -> None:
    m = matters[DIBAO]
    info = AcceptInfo(CASE_NO, m.name, "黄秀英", MASKED_ID, NOW, VILLAGE, NOW,
                      date(2027, 2, 9), "民政办", TOWNSHIP, TOWNSHIP_CODE, provisional=True)
    text = flat(pdf_text(templates.render("受理通知书", info, tmp_path / "p.pdf")))
    assert "2027年2月9日（按法定节假日暂计，以公布的安排为准）" in text


# -- the organ and its seal ----------------------------------------------------------------


def test_the_organ_is_named_from_the_area_and_the_office() -> None:
    assert area_name(COUNTY, COUNTY_CODE) == "桂平市"
    assert area_name(TOWNSHIP, TOWNSHIP_CODE) == "示范镇"
    assert organ_name(COUNTY, "民政局", COUNTY_CODE) == "桂平市民政局"
    assert organ_name(TOWNSHIP, "民政办", TOWNSHIP_CODE) == "示范镇民政办"
    assert document_number(TOWNSHIP, "民政办", "supplement", 2026, 3,
                           TOWNSHIP_CODE) == "示民政补〔2026〕3号"


@pytest.mark.parametrize(("node", "office", "code", "organ"), [
    (COUNTY, "民政局", COUNTY_CODE, "桂平市民政局"),
    (TOWNSHIP, "民政办", TOWNSHIP_CODE, "示范镇民政办"),
])
def test_the_seal_ring_names_the_organ(tmp_path: Path, node: str, office: str, code: str,
                                       organ: str) -> None:
    picture = tmp_path / "seal.pdf"
    picture.write_bytes(stamp_pdf(node, office, code))
    text = flat(pdf_text(picture))
    ring = "".join(char for char in text if not char.isdigit())
    assert sorted(ring) == sorted(organ), "the ring holds the organ's name and nothing else"


def test_document_numbers_count_per_office_kind_and_year(station: Any) -> None:
    taken = [next_number(station, "民政办", "supplement", 2026) for _ in range(3)]
    assert taken == ["示民政补〔2026〕1号", "示民政补〔2026〕2号", "示民政补〔2026〕3号"]
    assert next_number(station, "民政办", "accept", 2026) == "示民政受〔2026〕1号"
    assert next_number(station, "民政办", "supplement", 2027) == "示民政补〔2027〕1号"
    assert next_number(station, "民政办", "supplement", 2026) == "示民政补〔2026〕4号"


@dataclass(frozen=True)
class Box:
    left: float
    top: float  # from the top of the page, as pdftotext counts
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (self.left < other.right and other.left < self.right
                and self.top < other.bottom and other.top < self.bottom)


def seal_box(path: Path) -> tuple[int, Box]:
    """The page (0-based) and the box of the signed seal's widget."""
    reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False)
    pages = reader.root["/Pages"]["/Kids"]  # reportlab's page tree is flat
    for number, ref in enumerate(pages):
        page = ref.get_object()
        height = float(page["/MediaBox"][3])
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig" and "/V" in annot:
                left, bottom, right, top = (float(v) for v in annot["/Rect"])
                return number, Box(left, height - top, right, height - bottom)
    raise AssertionError("no signed seal")


def word_boxes(path: Path, page: int) -> list[tuple[str, Box]]:
    xhtml = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page + 1), "-l",
                            str(page + 1), str(path), "-"], check=True,
                           capture_output=True, text=True).stdout
    root = ElementTree.fromstring(xhtml)
    words = []
    for element in root.iter():
        if element.tag.endswith("word") and (element.text or "").strip():
            a = element.attrib
            words.append((element.text or "", Box(float(a["xMin"]), float(a["yMin"]),
                                                  float(a["xMax"]), float(a["yMax"]))))
    return words


def test_the_seal_covers_no_text(matters: dict[str, Any], tmp_path: Path) -> None:
    root_key, root = ca.create_root(COUNTY_CODE, COUNTY)
    key, cert = office_seal.new_seal(COUNTY_CODE, "民政局", root_key, root)
    for name, info in every_document(matters[DIBAO]).items():
        plain = templates.render(name, info, tmp_path / f"plain-{name}.pdf")
        office = info.office
        if office != "民政局":
            continue  # the township's documents have the same layout; one seal suffices
        signed = sign_pdf(plain, tmp_path / f"{name}.pdf", key, [cert, root], office=office,
                          reason="测试", location=COUNTY)
        page, seal = seal_box(signed)
        words = word_boxes(plain, page)  # the document's own text, without the stamp's
        assert any("桂平市民政局" in text for text, _box in words), name
        covered = [text for text, box in words if box.overlaps(seal)]
        assert covered == [], f"{name}: the seal covers {covered}"
    # The township's layouts too, with the township's names.
    for name, info in every_document(matters[LICENCE]).items():
        if info.office != "民政办":
            continue
        township_key, township_cert = office_seal.new_seal(COUNTY_CODE, "民政办", root_key, root)
        plain = templates.render(name, info, tmp_path / f"plain-t-{name}.pdf")
        signed = sign_pdf(plain, tmp_path / f"t-{name}.pdf", township_key,
                          [township_cert, root], office="民政办", reason="测试",
                          location=TOWNSHIP)
        page, seal = seal_box(signed)
        words = word_boxes(plain, page)
        assert any("示范镇民政办" in text for text, _box in words), name
        assert [text for text, box in words if box.overlaps(seal)] == [], name
