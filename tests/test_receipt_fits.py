"""The 收件凭证 is one sheet: the agent and the resident sign on the page that lists what
was received and what was missing, for every shipped matter, at its fullest."""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from forms.catalogue import load_catalogue
from station.documents.layout import ProgressLink
from station.documents.receipt import ReceiptInfo, write_receipt

CATALOGUE = load_catalogue()
LONG_STATION = "桂平市示范镇示范村便民服务站"
LONG_URL = "https://zwfw.guiping.gov.cn/bianmin/progress"


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return int(info.split("Pages:")[1].split()[0])


@pytest.mark.parametrize("code", sorted(CATALOGUE.matters))
@pytest.mark.parametrize("received", ["nothing", "everything"])
def test_every_matters_receipt_fits_one_page(code: str, received: str, tmp_path: Path) -> None:
    """Every material listed (received, or missing as 缺件提示 when nothing came), the
    progress address, the provisional note: still one page to sign."""
    matter = CATALOGUE.matters[code]
    names = [m.name for m in matter.materials]
    info = ReceiptInfo(
        case_no="450981104201-20261231-0099",
        progress=ProgressLink("Z4JV5Y", f"{LONG_URL}/p/450981104201-20261231-0099?c=Z4JV5Y"),
        matter_code=code, matter_name=matter.name,
        deciding_office="、".join(matter.offices), applicant_name="欧阳秀英",
        masked_id="4509**********3116",
        materials=[(name, 12) for name in names] if received == "everything" else [],
        missing=names if received == "nothing" else [],
        filed_at=datetime(2026, 12, 31, 16, 45),
        promised_date=None if received == "nothing" else date(2027, 2, 9),
        station_name=LONG_STATION, station_code="450981104201", agent="韦丽华",
        provisional=received == "everything",
    )
    path = write_receipt(info, tmp_path / "receipt.pdf")
    assert pages(path) == 1, f"{matter.name}: the receipt runs onto a second page"
