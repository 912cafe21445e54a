"""Sample applicants, forms and scans for filing tests."""

from __future__ import annotations

from pathlib import Path

from station.demo.samples import draw_scan
from station.filing.new_case import MaterialFile

APPLICANT = {"name": "黄秀英", "id_number": "11010519491231002X", "phone": "13977512345",
             "address": "示范村三组 18 号"}
ELDER_FORM = {"age": 80, "applicant_relation": "本人", "account_type": "社会保障卡",
              "account_no": "6217995610001234567", "start_date": "2026-12-01"}
ELDER_MATTER = "450981-MZ-005"  # 高龄津贴申领: four required materials
ELDER_REQUIRED = ("高龄津贴申请表", "居民身份证", "居民户口簿", "社会保障卡或银行卡")
DIBAO_MATTER = "450981-MZ-001"  # 农村最低生活保障申请
DIBAO_FORM = {"household_size": 4, "monthly_income_per_capita": 380, "main_reason": "因病",
              "has_severe_case": "是", "bank_card_no": "6228480012345678901",
              "application_date": "2026-11-20"}


def scans(folder: Path, names: tuple[str, ...], pages: int = 1,
          seed: int = 0) -> list[MaterialFile]:
    """Pages drawn from seeds (``seed`` + …): other seeds for other content, since the
    material store keeps equal pages once."""
    files = []
    for i, name in enumerate(names):
        for page in range(1, pages + 1):
            path = draw_scan(folder / f"{i}-{page}.jpg", name, [f"p{page}"],
                             seed=seed + i * 10 + page, size=(300, 400))
            files.append(MaterialFile(name, path))
    return files
