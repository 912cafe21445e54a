"""Printed documents read back with real tools: pdftotext, pdffonts, pdftoppm, zbarimg."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from station.documents import (
    MissingItem,
    NoticeInfo,
    ReceiptInfo,
    RecoverySheetInfo,
    write_notice,
    write_receipt,
    write_recovery_sheet,
)
from station.documents.fonts import cjk_font
from station.documents.recovery import key_groups
from station.errors import IdNumberNotMasked
from station.i18n import set_language

FULL_ID = "11010519491231002X"
MASKED_ID = "1101**********002X"
CASE_NO = "450981104201-20260928-0007"
RECOVERY_KEY = "7KQ2-M9XD-4TPA-R8WZ-JH3C-6YBN-E5VF-2LGS-QU7D-9KXA-M4PT-8RWC-H6ZN"


def tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: install the Debian package {package}")
    return found


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, f"{command[0]} failed: {done.stderr}"
    return done.stdout


def pdf_text(path: Path) -> str:
    return run(tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(path), "-")


def squeeze(text: str) -> str:
    """Text without whitespace: table cells wrap and extraction drops or adds spaces."""
    return "".join(text.split())


def assert_contains(text: str, *expected: str) -> None:
    flat = squeeze(text)
    for item in expected:
        assert squeeze(item) in flat, f"{item!r} not in the PDF text"


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table, cut at the column edges its dashed line marks."""
    header, dashes, *rows = run(tool("pdffonts", "poppler-utils"), str(path)).splitlines()
    spans = [(match.start(), match.end()) for match in re.finditer(r"-+", dashes)]
    names = [header[start:end].strip() for start, end in spans]
    return [
        {name: row[start:end].strip() for name, (start, end) in zip(names, spans, strict=True)}
        for row in rows
        if row.strip()
    ]


def qr_payloads(path: Path, tmp_path: Path) -> list[str]:
    """Rasterise page 1 at 150 dpi, as a scanner would see it, and decode."""
    prefix = tmp_path / f"{path.stem}-page1"
    run(
        tool("pdftoppm", "poppler-utils"),
        "-r",
        "150",
        "-png",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(path),
        str(prefix),
    )
    output = run(tool("zbarimg", "zbar-tools"), "--raw", "-q", f"{prefix}.png")
    return output.splitlines()


def receipt_info(**changes: object) -> ReceiptInfo:
    info = ReceiptInfo(
        case_no=CASE_NO,
        matter_code="11450981MB0000000X4000117003000",
        matter_name="城乡居民基本养老保险参保登记",
        deciding_office="容县社会保险事业管理中心",
        applicant_name="黄秀英",
        masked_id=MASKED_ID,
        materials=[("居民身份证复印件", 2), ("户口簿复印件", 2), ("参保登记表", 3)],
        missing=[],
        filed_at=datetime(2026, 9, 28, 9, 35),
        promised_date=date(2026, 10, 10),
        station_name="容县灵山镇六王村便民服务站",
        station_code="450981104201",
        agent="韦丽华",
    )
    return replace(info, **changes)  # type: ignore[arg-type]


def notice_info(missing: list[MissingItem]) -> NoticeInfo:
    return NoticeInfo(
        case_no=CASE_NO,
        matter_name="农村最低生活保障申请",
        applicant_name="黄秀英",
        masked_id=MASKED_ID,
        missing=missing,
        filed_at=datetime(2026, 9, 28, 9, 35),
        station_name="容县灵山镇便民服务中心",
        station_code="450921104000",
        agent="韦丽华",
        filed_where="容县灵山镇六王村便民服务站",
        office="民政办",
        notified_at=datetime(2026, 10, 8, 10, 0),
        supplement_by=date(2026, 10, 29),
        matter_type="行政许可",
        phone="0775-5321234",
    )


def recovery_info(key: str = RECOVERY_KEY) -> RecoverySheetInfo:
    return RecoverySheetInfo(
        node_code="450981104201",
        node_name="容县灵山镇六王村便民服务站",
        tier="village",
        user="韦丽华",
        recovery_key=key,
        created_at=datetime(2026, 9, 1, 16, 5),
    )


def assert_fonts_embedded(path: Path) -> None:
    """Only the Chinese font, embedded (as subsets); no standard unembedded font."""
    face = pdfmetrics.getFont(cjk_font()).face.name
    expected = face.decode() if isinstance(face, bytes) else str(face)
    fonts = pdf_fonts(path)
    assert fonts, "the PDF uses no font at all"
    for font in fonts:
        assert font["emb"] == "yes", f"not embedded: {font}"
        assert font["name"].split("+", 1)[-1].startswith(expected), font


def test_receipt_text(tmp_path: Path) -> None:
    path = write_receipt(receipt_info(), tmp_path / "receipt.pdf")
    assert path == tmp_path / "receipt.pdf"
    text = pdf_text(path)
    assert_contains(
        text,
        "收件凭证",
        "办件编号",
        CASE_NO,
        "城乡居民基本养老保险参保登记",
        "11450981MB0000000X4000117003000",
        "容县社会保险事业管理中心",
        "黄秀英",
        MASKED_ID,
        "居民身份证复印件",
        "2 页",
        "参保登记表",
        "3 页",
        "承诺办结日期",
        "2026年10月10日",
        "收件时间",
        "2026年9月28日 09:35",
        "容县灵山镇六王村便民服务站",
        "450981104201",
        "韦丽华",
        "如何查询办理进度",
        "代办员（签字）",
        "第 1 页，共 1 页",
    )
    assert FULL_ID not in squeeze(text) and "19491231" not in squeeze(text)


def test_receipt_awaiting_supplement(tmp_path: Path) -> None:
    info = receipt_info(missing=["村委会出具的家庭收入证明", "银行卡复印件"], promised_date=None)
    text = pdf_text(write_receipt(info, tmp_path / "receipt.pdf"))
    assert_contains(
        text, "待材料补齐后计算", "缺件提示", "村委会出具的家庭收入证明", "银行卡复印件"
    )


def test_receipt_fonts_embedded(tmp_path: Path) -> None:
    assert_fonts_embedded(write_receipt(receipt_info(), tmp_path / "receipt.pdf"))


def test_receipt_qr_is_the_case_number(tmp_path: Path) -> None:
    path = write_receipt(receipt_info(), tmp_path / "receipt.pdf")
    assert qr_payloads(path, tmp_path) == [CASE_NO]


def test_full_id_number_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IdNumberNotMasked):
        write_receipt(receipt_info(masked_id=FULL_ID), tmp_path / "receipt.pdf")
    with pytest.raises(IdNumberNotMasked):
        write_notice(replace(notice_info([]), masked_id=FULL_ID), tmp_path / "notice.pdf")
    assert list(tmp_path.iterdir()) == []


def test_notice_lists_everything_missing(tmp_path: Path) -> None:
    missing = [
        MissingItem("户口簿复印件（户主页及本人页）", "复印件", 1, "原复印件不清晰，请重新复印"),
        MissingItem("村民委员会出具的家庭收入证明", "原件", 1, "需加盖村委会公章"),
        *(MissingItem(f"补充证明材料{n:02d}号", "原件及复印件", 2, "") for n in range(3, 31)),
    ]
    path = write_notice(notice_info(missing), tmp_path / "notice.pdf")
    text = pdf_text(path)
    assert_contains(
        text,
        "补齐补正告知书",
        CASE_NO,
        "农村最低生活保障申请",
        "黄秀英",
        MASKED_ID,
        "《中华人民共和国行政许可法》",
        "第三十二条",
        "一次性告知",
        "共 30 项",
        "次日起重新计算",
        "原复印件不清晰，请重新复印",
        "需加盖村委会公章",
        "六王村便民服务站（代办员：韦丽华）",
        "告知日期：2026年10月8日",
        "请于2026年10月29日前",
        "视为撤回",
        "咨询电话：0775-5321234",
        "灵山镇民政办",
        "送达回证",
        "受送达人（签收）",
    )
    assert_contains(text, *(item.name for item in missing))
    numbers = {line.strip() for line in text.splitlines()}
    assert {str(n) for n in range(1, 31)} <= numbers
    # 30 items run over a page; the 送达回证 is a page of its own
    assert "共3页" in squeeze(text) or "共4页" in squeeze(text)
    assert FULL_ID not in squeeze(text)
    assert_fonts_embedded(path)
    assert qr_payloads(path, tmp_path) == [CASE_NO]


def test_recovery_sheet(tmp_path: Path) -> None:
    path = write_recovery_sheet(recovery_info(), tmp_path / "recovery.pdf")
    text = pdf_text(path)
    assert_contains(
        text,
        "恢复密钥单",
        "450981104201",
        "容县灵山镇六王村便民服务站",
        "村级",
        "韦丽华",
        "保险柜",
        "删除",
        "全部数据",
    )
    assert_contains(text, *key_groups(RECOVERY_KEY))
    assert_fonts_embedded(path)
    assert qr_payloads(path, tmp_path) == [RECOVERY_KEY]


def test_recovery_key_without_separators(tmp_path: Path) -> None:
    key = "ABCDEFGHJKMNPQRSTUVWXYZ23456789ABCDEFGHJKMNPQ"
    assert key_groups(key) == [key[i : i + 4] for i in range(0, len(key), 4)]
    path = write_recovery_sheet(recovery_info(key), tmp_path / "recovery.pdf")
    assert qr_payloads(path, tmp_path) == [key]


def test_labels_follow_the_interface_language(tmp_path: Path) -> None:
    set_language("en")
    try:
        path = write_receipt(receipt_info(), tmp_path / "receipt-en.pdf")
    finally:
        set_language("zh")
    text = pdf_text(path)
    assert_contains(text, "Receipt", "Case number", CASE_NO, "城乡居民基本养老保险参保登记")
    assert "收件凭证" not in text
