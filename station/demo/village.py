"""The demo: one village station and two sample cases, on this machine.

Run again, it reuses the station and files two more cases.  The sync issue
extends this into a whole network (village, township and county hubs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from station.app import Station
from station.demo.samples import RESIDENTS, SampleResident, draw_scan
from station.documents.fonts import find_cjk_font
from station.filing.new_case import FilingResult, MaterialFile, file_case

DEMO_PASSPHRASE = "demo-passphrase"
DEMO_NODE = ("village", "450981104201", "桂平市示范镇示范村便民服务站")
DEMO_AGENT = "daiban"
DEMO_AGENT_NAME = "李代办"


@dataclass(frozen=True)
class SampleCase:
    matter: str
    resident: SampleResident
    form: dict[str, Any]
    pages: tuple[tuple[str, int], ...]  # material name, pages scanned


def sample_cases(today: date) -> tuple[SampleCase, ...]:
    elder, worker = RESIDENTS
    return (
        SampleCase(
            "450981-MZ-005",
            elder,
            {"age": 85, "applicant_relation": "村（社区）代办员", "account_type": "社会保障卡",
             "account_no": "6217995610001234567", "start_date": today.isoformat()},
            (("高龄津贴申请表", 1), ("居民身份证", 2), ("居民户口簿", 2),
             ("社会保障卡或银行卡", 1)),
        ),
        SampleCase(
            "450981-MZ-001",
            worker,
            {"household_size": 4, "monthly_income_per_capita": 380, "main_reason": "因病",
             "has_severe_case": "是", "bank_card_no": "6228480012345678901",
             "application_date": today.isoformat()},
            (("最低生活保障申请书", 1), ("居民身份证", 2)),
        ),
    )


@dataclass
class DemoResult:
    workdir: Path
    data: Path
    documents: Path
    passphrase: str
    created: bool
    cases: list[FilingResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "workdir": str(self.workdir),
            "data": str(self.data),
            "documents": str(self.documents),
            "passphrase": self.passphrase,
            "station_created": self.created,
            "cases": [
                {"case_no": c.case_no, "status": c.status, "deadline": c.deadline,
                 "missing": c.missing, "receipt": str(c.receipt) if c.receipt else None}
                for c in self.cases
            ],
        }


def run_demo(workdir: Path, setup_only: bool = False) -> DemoResult:
    workdir = workdir.resolve()
    data, documents, scans = workdir / "data", workdir / "documents", workdir / "scans"
    passphrase = os.environ.get("STATION_PASSPHRASE") or DEMO_PASSPHRASE
    created = not (data / "station.db").exists()
    if created:
        station, _sheet = Station.init(
            data, *DEMO_NODE, DEMO_AGENT, passphrase, documents, display_name=DEMO_AGENT_NAME
        )
    else:
        station = Station.open(data, DEMO_AGENT, passphrase, documents)
    result = DemoResult(workdir, data, documents, passphrase, created)
    with station:
        if setup_only:
            return result
        font = find_cjk_font().path
        for sample in sample_cases(date.today()):
            files = []
            for name, pages in sample.pages:
                for page in range(1, pages + 1):
                    seed = hash((sample.resident.id_number, name, page, os.getpid())) & 0xFFFF
                    path = draw_scan(
                        scans / f"{sample.matter}-{name}-{page}.jpg",
                        name,
                        [sample.resident.name, sample.resident.address, f"第 {page} 页"],
                        seed,
                        font,
                    )
                    files.append(MaterialFile(name, path))
            result.cases.append(
                file_case(station, sample.matter, sample.resident.to_json(), sample.form, files)
            )
    return result
