"""Sealed documents are kept as versions: the township's second notice for a case does not
replace its first at the village.  Both are listed, the latest marked 当前有效, both print
side by side, and the case shows what the latest notice asks for -- over real hubs."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from cli import station as station_cli
from gui import pump, screenshot
from test_gui_sync import log_in

from station.cases import case_documents, document_versions
from station.casework import delivery, review
from station.demo.demo_network import (
    REVIEW_MISSING,
    VILLAGE,
    DemoNetwork,
    review_sample,
    start_hubs,
)
from station.demo.village import DEMO_AGENT
from station.filing.new_case import MaterialFile
from station.network import link
from station.ui.main_window import MainWindow
from station.ui.screens.case_forms import SupplementForm
from station.ui.screens.cases import CasesScreen
from sync import lifecycle

CERTIFICATE = "第二代残疾人证"
WAIT = 180.0  # hubs and signing on a shared 2-core machine


def version(number: str | None, sequence: int) -> document_versions.Version:
    return document_versions.Version(
        "id", "450981104201-20261205-0001", "supplement", "补齐补正告知书", number,
        "2026-12-05T02:30:00.000000+00:00", False, sequence, False)


def test_a_version_is_printed_under_its_number_or_its_date_and_sequence() -> None:
    numbered = version("示民政补〔2026〕3号", 1)
    assert numbered.file_name == "450981104201-20261205-0001-补齐补正告知书-示民政补〔2026〕3号.pdf"
    assert version("桂/民 补:7", 1).file_name.endswith("-补齐补正告知书-桂-民-补-7.pdf")
    first, second = version(None, 1), version(None, 2)
    assert first.file_name.endswith("-补齐补正告知书-20261205-1.pdf")
    assert second.file_name != first.file_name
    assert (first.standing, replace(first, current=True).standing) == ("已被新文书取代", "当前有效")


def pdf_text(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                                  capture_output=True, text=True).stdout.split())


def two_notices(net: DemoNetwork) -> str:
    """File with the 户口簿 missing; the township asks for it; the village supplements;
    the township then finds the certificate unclear and sends a second notice."""
    start_hubs(net)
    with net.open(net.village) as village:
        filed, held = review_sample(net, village)
        link.sync_once(village)
    case_no = filed.case_no
    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        review.request_supplement(desk, case_no, [
            review.Verdict(CERTIFICATE, "ok"),
            review.Verdict(REVIEW_MISSING, "missing", "需户主页和本人页")])
    with net.open(net.village) as village:
        link.sync_once(village)
        delivery.supplement(village, case_no, held)
    with net.open(net.township, "mz") as desk:
        second = review.request_supplement(desk, case_no, [
            review.Verdict(CERTIFICATE, "unclear", "照片模糊"),
            review.Verdict(REVIEW_MISSING, "ok")])
        assert second.state == lifecycle.SUPPLEMENT
    with net.open(net.village) as village:
        arrived = link.sync_once(village).documents
        assert [d["kind"] for d in arrived if d["case_no"] == case_no] == ["supplement"]
    return case_no


@pytest.mark.slow
def test_two_notices_are_both_kept_listed_and_printed_side_by_side(
        net: DemoNetwork, tmp_path: Path) -> None:
    case_no = two_notices(net)
    folder = tmp_path / "printed"
    with net.open(net.village) as village:
        versions = document_versions.of_case(village, case_no)
        assert [(v.kind, v.current) for v in versions] == [("supplement", False),
                                                           ("supplement", True)]
        assert [v.standing for v in versions] == ["已被新文书取代", "当前有效"]
        first, latest = versions
        assert [i.name for i in first.listed] == [REVIEW_MISSING]
        assert [(i.name, i.verdict) for i in latest.listed] == [(CERTIFICATE, "unclear")]
        assert document_versions.current_notice(versions) == latest
        paths = [case_documents.export(village, v.id, folder) for v in versions]

    assert len({p.name for p in paths}) == 2, "the second notice must not overwrite the first"
    assert all(p.exists() for p in paths)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    older, newer = (pdf_text(p) for p in paths)
    assert "补齐补正告知书" in older and REVIEW_MISSING in older and "需户主页和本人页" in older
    assert "补齐补正告知书" in newer and CERTIFICATE in newer and "照片模糊" in newer
    assert REVIEW_MISSING not in newer, "the second notice lists only what it asks for now"

    # The command line lists both versions, says which is in force, and the case shows
    # the latest notice's list.
    env = {"STATION_PASSPHRASE": net.passphrase, "PATH": os.environ.get("PATH", "/usr/bin")}
    listed = station_cli("case", "documents", case_no, "--data", net.village.data, env=env)
    assert listed.code == 0, listed.err
    lines = [line for line in listed.out.splitlines() if "补齐补正告知书" in line]
    assert len(lines) == 2
    assert "【已被新文书取代】" in lines[0] and "【当前有效】" in lines[1]
    as_json = station_cli("case", "documents", case_no, "--data", net.village.data, "--json",
                          "--export", tmp_path / "cli", env=env).json()
    assert [d["current"] for d in as_json] == [False, True]
    assert len({Path(d["path"]).name for d in as_json}) == 2
    assert all(Path(d["path"]).exists() for d in as_json)
    shown = station_cli("case", "show", case_no, "--data", net.village.data, env=env)
    assert shown.code == 0, shown.err
    assert f"待补材料（补齐补正告知书所列）：{CERTIFICATE}" in shown.out

    # Once the village hands in what the notice asked for, nothing is asked any more;
    # both notices stay listed.
    with net.open(net.village) as village:
        scan = sorted((net.workdir / "scans").glob("review-*.jpg"))[1]  # the certificate
        delivery.supplement(village, case_no, [MaterialFile(CERTIFICATE, scan)])
        assert len(document_versions.of_case(village, case_no)) == 2
    shown = station_cli("case", "show", case_no, "--data", net.village.data, env=env)
    assert shown.code == 0 and "待补材料" not in shown.out, shown.err


@pytest.mark.slow
def test_the_case_detail_lists_both_notices_and_asks_for_the_latest_list(
        display: str, net: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    case_no = two_notices(net)
    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        main = app.view
        assert isinstance(main, MainWindow)
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        cases.open_case(case_no)
        pump(app.root, lambda: cases.detail is not None and cases.detail.results.loaded > 0,
             timeout=WAIT, what="the case's 办理结果")
        assert cases.detail is not None
        detail, panel = cases.detail, cases.detail.results
        rows = [panel.tree.item(row, "values") for row in panel.tree.get_children()]
        assert [(r[0], r[3]) for r in rows] == [("补齐补正告知书", "已被新文书取代"),
                                                ("补齐补正告知书", "当前有效")]
        assert str(panel.asked_label.cget("text")).startswith(f"待补材料：{CERTIFICATE}（不清晰）")
        # The detail shows what the latest notice asks for, not the list seen at filing.
        assert str(detail.missing_name.cget("text")) == "待补材料"
        assert CERTIFICATE in str(detail.missing_value.cget("text"))
        assert REVIEW_MISSING not in str(detail.missing_value.cget("text"))
        screenshot(app.root, "village-two-notices")
        form = panel.start(lifecycle.SUPPLEMENTED)
        assert isinstance(form, SupplementForm)
        assert form.material.get() == CERTIFICATE  # the latest notice's item comes first
    finally:
        app.close()
