"""草稿 in the store: kept sealed, listed, deleted with the scans only they used,
removed by filing in the case's own transaction, and nothing personal in plaintext
at rest (a real store; every byte under the data directory is searched)."""

from __future__ import annotations

import io
import sqlite3
import tempfile
from pathlib import Path

import pytest
from filing_samples import ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED
from PIL import Image
from test_at_rest import ADDRESS, ID_NUMBER, NAME, PHONE, assert_nothing_in_clear

from station.app import Station
from station.cases.register import export_material, show_case
from station.demo.samples import draw_scan
from station.errors import MaterialProblem
from station.filing.drafts import (
    DraftGone,
    count_drafts,
    delete_draft,
    file_draft,
    list_drafts,
    load_draft,
    save_draft,
    store_scan,
    turn_scan,
)
from station.store.models import Event
from station.ui.wizard.draft import Draft

PERSON = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS}


def elder_draft(station: Station, tmp_path: Path, pages: tuple[str, ...]) -> Draft:
    draft = Draft()
    draft.choose(station.catalogue.get(ELDER_MATTER))
    draft.applicant = dict(PERSON)
    draft.form = dict(ELDER_FORM)
    for i, name in enumerate(pages):
        scan = draw_scan(tmp_path / f"{i}.jpg", name, [NAME, ID_NUMBER], seed=40 + i,
                         size=(300, 400))
        draft.add_page(name, store_scan(station, scan))
    return draft


def test_a_draft_is_kept_listed_and_read_back(station: Station, tmp_path: Path) -> None:
    draft = elder_draft(station, tmp_path, ELDER_REQUIRED[:2])
    draft.step = 3
    draft.id = save_draft(station, None, draft.to_content())
    [listed] = list_drafts(station)
    assert (listed.id, listed.matter, listed.applicant) == (draft.id, "高龄津贴申领", NAME)
    again = Draft.from_content(station.catalogue, draft.id, load_draft(station, draft.id))
    assert again.applicant == PERSON and again.form == ELDER_FORM and again.step == 3
    assert again.pages == draft.pages
    page = again.pages[ELDER_REQUIRED[0]][0]
    assert station.blobs.read(page.blob) == (tmp_path / "0.jpg").read_bytes()

    draft.applicant["phone"] = "13800000000"  # saved again: the same row
    assert save_draft(station, draft.id, draft.to_content()) == draft.id
    assert [d.id for d in list_drafts(station)] == [draft.id]
    assert load_draft(station, draft.id)["applicant"]["phone"] == "13800000000"


def test_a_file_that_is_no_scan_is_refused_at_import(station: Station, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a scan")
    with pytest.raises(MaterialProblem):
        store_scan(station, tmp_path / "notes.txt")


def test_deleting_a_draft_removes_the_scans_only_it_used(station: Station,
                                                         tmp_path: Path) -> None:
    first = elder_draft(station, tmp_path, ELDER_REQUIRED[:2])
    first.id = save_draft(station, None, first.to_content())
    second = Draft()
    second.choose(station.catalogue.get(ELDER_MATTER))
    shared = first.pages[ELDER_REQUIRED[0]][0]
    second.add_page(ELDER_REQUIRED[0], shared)  # the same scan imported again: one blob
    second.id = save_draft(station, None, second.to_content())
    only_first = first.pages[ELDER_REQUIRED[1]][0]

    delete_draft(station, first.id)
    assert [d.id for d in list_drafts(station)] == [second.id]
    assert not station.blobs.path_of(only_first.blob).exists()
    assert station.blobs.path_of(shared.blob).exists()
    with pytest.raises(DraftGone):
        load_draft(station, first.id)


def test_filing_removes_the_draft_and_keeps_its_scans(station: Station,
                                                      tmp_path: Path) -> None:
    draft = elder_draft(station, tmp_path, ELDER_REQUIRED)
    turned = store_scan(station, draw_scan(tmp_path / "old.jpg", "旧页", ["x"], seed=99,
                                           size=(300, 400)))
    draft.add_page(ELDER_REQUIRED[0], turned)
    draft.remove_page(ELDER_REQUIRED[0], 1)  # a page taken out again before filing
    draft.id = save_draft(station, None, draft.to_content())
    assert draft.proxy is None and draft.matter is not None
    result = file_draft(station, draft.id, draft.matter.code, draft.applicant, draft.form,
                        draft.files())
    assert list_drafts(station) == []
    assert not station.blobs.path_of(turned.blob).exists()  # used by no case
    details = show_case(station, result.case_no, reveal=True)
    assert details["applicant"]["name"] == NAME
    assert sorted(m["name"] for m in details["materials"]) == sorted(ELDER_REQUIRED)
    out = export_material(station, result.case_no, ELDER_REQUIRED[1], 1, tmp_path / "p.jpg")
    assert out.read_bytes() == (tmp_path / "1.jpg").read_bytes()


def test_nothing_of_a_draft_is_in_plaintext_at_rest(data_dir: Path, documents: Path,
                                                    tmp_path: Path) -> None:
    opened, _sheet = Station.init(data_dir, "village", "450981104201", "示范村便民服务站",
                                  "agent", "a passphrase for drafts", documents)
    scan_path = draw_scan(tmp_path / "scan.jpg", "居民身份证", [NAME, ID_NUMBER, ADDRESS],
                          seed=7)
    try:
        draft = Draft()
        draft.choose(opened.catalogue.get("450981-MZ-001"))
        draft.applicant = dict(PERSON)
        draft.form = {"bank_card_no": "6217995610009876543"}  # the at-rest needle
        draft.add_page("居民身份证", store_scan(opened, scan_path))
        draft.id = save_draft(opened, None, draft.to_content())
        holder = sqlite3.connect(data_dir / "station.db")  # keep the WAL on disk
        holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
        assert (data_dir / "station.db-wal").stat().st_size > 0
        assert_nothing_in_clear(data_dir, scan_path.read_bytes())
        holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        holder.close()
        assert_nothing_in_clear(data_dir, scan_path.read_bytes())
        assert [d.applicant for d in list_drafts(opened)] == [NAME]
    finally:
        opened.close()


def test_showing_drafts_is_recorded_and_counting_them_reads_nothing(
        station: Station, tmp_path: Path) -> None:
    """The list shows applicants' names, so it is a view (阅览留痕) like the case list;
    the 草稿（N） button only counts, and records nothing."""
    draft = elder_draft(station, tmp_path, ELDER_REQUIRED[:1])
    draft.id = save_draft(station, None, draft.to_content())

    def access() -> list[tuple[str, dict]]:
        return [(e.type, e.payload) for e in Event.select().order_by(Event.seq)
                if e.type.startswith("access.")]

    before = access()
    assert count_drafts(station) == 1
    assert access() == before
    list_drafts(station)
    load_draft(station, draft.id)
    assert access()[len(before):] == [("access.listed", {"drafts": 1}),
                                      ("access.viewed", {"draft": draft.id})]


def test_turning_a_page_writes_no_decrypted_copy(station: Station, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A page turned in the wizard is read from the store, turned in memory and sealed
    again: no file anywhere under the test's folders (the data, the temp folder) holds
    the turned picture in the clear."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    draft = elder_draft(station, tmp_path, ELDER_REQUIRED[:1])
    [page] = draft.pages[ELDER_REQUIRED[0]]
    (tmp_path / "0.jpg").unlink()  # only the sealed copy is left, as after a restart
    turned = turn_scan(station, page)
    plain = station.blobs.read(turned.blob)
    with Image.open(io.BytesIO(plain)) as image, \
            Image.open(io.BytesIO(station.blobs.read(page.blob))) as before:
        assert image.size == (before.height, before.width)  # a quarter turn
    marker = plain[len(plain) // 2:len(plain) // 2 + 64]
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and marker in p.read_bytes()]
    assert leaked == []
