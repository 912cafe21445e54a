"""资料共享 at the village desk (issue 20, item 1): a resident's earlier materials offered
for a later matter, reused with consent as references to the same stored pages, expiry
by the catalogue's months, the consent event in the chain, the receipt, the CLI."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli import station as run_station
from conftest import PASSPHRASE, write_json
from filing_samples import APPLICANT, DIBAO_FORM, DIBAO_MATTER, ELDER_FORM, ELDER_MATTER, scans

from forms.errors import FormInvalid
from station import outbox
from station.app import Station
from station.filing import reuse
from station.filing.new_case import file_case
from station.store.models import Case, CaseMaterial, Event

SHARED = ("居民身份证", "居民户口簿")
FIRST = datetime(2026, 11, 5, 9, 30).astimezone()


def first_case(station: Station, tmp_path: Path, when: datetime = FIRST) -> str:
    """低保 with the ID card (2 pages) and the 户口簿 handed in."""
    files = scans(tmp_path / "first", ("最低生活保障申请书",)) \
        + scans(tmp_path / "id", ("居民身份证",), pages=2, seed=100) \
        + scans(tmp_path / "hk", ("居民户口簿",), seed=200)
    return file_case(station, DIBAO_MATTER, APPLICANT, DIBAO_FORM, files, now=when,
                     print_documents=False).case_no


def test_offers_list_the_residents_earlier_materials(station: Station, tmp_path: Path) -> None:
    first = first_case(station, tmp_path)
    matter = station.catalogue.get(ELDER_MATTER)
    found = {o.name: o for o in reuse.offers(station, APPLICANT["id_number"], matter,
                                             date(2026, 12, 5))}
    assert set(found) == set(SHARED)  # 申请书 is not reusable; 银行卡 was never handed in
    card = found["居民身份证"]
    assert (card.case_no, card.pages, card.received) == (first, 2, date(2026, 11, 5))
    assert card.until == date(2027, 11, 5) and not card.expired  # reuse_months = 12
    assert card.checks == ()
    stored = [m.blob for m in CaseMaterial.select().join(Case).where(
        (Case.case_no == first) & (CaseMaterial.name == "居民身份证")).order_by(
        CaseMaterial.page)]
    assert list(card.blobs) == stored
    # Another resident, or an ID never seen here: nothing is offered.
    assert reuse.offers(station, "110105194912310046", matter) == []


def test_reuse_with_consent_references_the_same_pages(station: Station, tmp_path: Path) -> None:
    first = first_case(station, tmp_path)
    blobs_before = {p for p in station.blobs.root.rglob("*") if p.is_file()}
    files = scans(tmp_path / "new", ("高龄津贴申请表", "社会保障卡或银行卡"), seed=300)
    later = FIRST + timedelta(days=30)
    result = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, now=later,
                       reuse=list(SHARED), consent=True)
    assert result.missing == [] and result.status == "filed"
    assert sorted(result.reused) == sorted(SHARED)
    rows = list(CaseMaterial.select().join(Case).where(Case.case_no == result.case_no))
    reused = [r for r in rows if r.reused_from]
    assert {r.name for r in reused} == set(SHARED) and len(reused) == 3
    assert all(r.reused_from == first for r in reused)
    originals = {(r.name, r.page): r.blob for r in CaseMaterial.select().join(Case).where(
        Case.case_no == first)}
    assert all(originals[(r.name, r.page)] == r.blob for r in reused)  # referenced
    # No blob written for the reused pages: what is new holds only the new scans.
    new = {p.name for p in station.blobs.root.rglob("*") if p.is_file()} \
        - {p.name for p in blobs_before}
    assert new and new <= {r.blob for r in rows if not r.reused_from}
    assert {r.blob for r in reused} <= {p.name for p in blobs_before}
    consent = [e for e in Event.select().where(Event.case_no == result.case_no)]
    types = [e.type for e in consent]
    assert types.index(outbox.CONSENT_REUSE) < types.index(outbox.CASE_FILED)
    event = next(e for e in consent if e.type == outbox.CONSENT_REUSE)
    assert event.payload["consent"] is True
    assert {m["name"]: m["from_case"] for m in event.payload["materials"]} == \
        {name: first for name in SHARED}
    filed = next(e for e in consent if e.type == outbox.CASE_FILED)
    assert {r["name"] for r in filed.payload["materials"] if r.get("reused_from")} == set(SHARED)
    # The receipt lists them as received, with where they came from, and no 缺件提示.
    assert result.receipt is not None
    text = subprocess.run(["pdftotext", "-layout", str(result.receipt), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "缺件提示" not in text
    assert "经申请人同意复用" in text and first[-4:] in text.replace(" ", "")
    assert "居民户口簿" in text and "居民身份证" in text


def test_refused_without_consent_or_when_expired_and_nothing_changes(
        station: Station, tmp_path: Path) -> None:
    first_case(station, tmp_path, FIRST - timedelta(days=400))  # more than 12 months ago
    files = scans(tmp_path / "new", ("高龄津贴申请表", "社会保障卡或银行卡"), seed=300)
    count = Case.select().count()
    events = Event.select().count()
    with pytest.raises(FormInvalid) as raised:
        file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, reuse=["居民身份证"])
    assert "同意" in str(raised.value.params["problems"][0])
    with pytest.raises(FormInvalid) as raised:
        file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, reuse=["居民身份证"],
                  consent=True)
    assert "没有可复用的" in str(raised.value.params["problems"][0])
    assert (Case.select().count(), Event.select().count()) == (count, events)
    # Listed, marked expired; the filing without it asks for it on the receipt.
    offer = {o.name: o for o in reuse.offers(station, APPLICANT["id_number"],
                                             station.catalogue.get(ELDER_MATTER))}
    assert offer["居民身份证"].expired and "已过期" in reuse.describe(offer["居民身份证"])
    result = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files)
    assert set(result.missing) == set(SHARED)
    assert result.receipt is not None
    text = subprocess.run(["pdftotext", str(result.receipt), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "缺件提示" in text and "居民户口簿" in text


def test_a_material_both_reused_and_handed_in_is_refused(station: Station,
                                                          tmp_path: Path) -> None:
    first_case(station, tmp_path)
    files = scans(tmp_path / "new", ("居民身份证",))
    with pytest.raises(FormInvalid) as raised:
        file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, reuse=["居民身份证"],
                  consent=True)
    assert "只选一种" in str(raised.value.params["problems"][0])


def test_the_cli_lists_and_reuses(tmp_path: Path) -> None:
    env = {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(tmp_path / "printed")}
    made = run_station("init", "--tier", "village", "--code", "450981104201", "--name",
                       "示范村便民服务站", "--operator", "agent", env=env)
    assert made.code == 0, made.err

    def run_station_here(*args: str | Path) -> Any:
        return run_station(*args, env=env)

    applicant = write_json(tmp_path / "a.json", APPLICANT)
    form = write_json(tmp_path / "f.json", DIBAO_FORM)
    pages = scans(tmp_path / "p", SHARED)
    done = run_station_here("case", "new", "--matter", DIBAO_MATTER, "--applicant", applicant,
                       "--form", form, "--no-print", "--json",
                       *[a for p in pages for a in ("--material", f"{p.name}={p.path}")])
    assert done.code == 0, done.err
    first = done.json()["case_no"]
    listed = run_station_here("case", "reusable", APPLICANT["id_number"], "--matter", ELDER_MATTER,
                         "--json")
    assert listed.code == 0, listed.err
    assert {(o["name"], o["case_no"], o["expired"]) for o in listed.json()} == \
        {(name, first, False) for name in SHARED}
    text = run_station_here("case", "reusable", APPLICANT["id_number"], "--matter", ELDER_MATTER)
    assert "可复用至" in text.out and "未核验" in text.out
    elder = write_json(tmp_path / "e.json", ELDER_FORM)
    refused = run_station_here("case", "new", "--matter", ELDER_MATTER, "--applicant", applicant,
                          "--form", elder, "--no-print", "--reuse", "居民户口簿")
    assert refused.code != 0 and "同意" in refused.err
    again = run_station_here("case", "new", "--matter", ELDER_MATTER, "--applicant", applicant,
                        "--form", elder, "--no-print", "--json", "--reuse", "居民户口簿",
                        "--reuse", "居民身份证", "--consent")
    assert again.code == 0, again.err
    assert sorted(again.json()["reused"]) == sorted(SHARED)
    assert set(again.json()["missing"]) == {"高龄津贴申请表", "社会保障卡或银行卡"}
    bad = run_station_here("case", "reusable", "123", "--matter", ELDER_MATTER)
    assert bad.code != 0 and "身份证" in bad.err
