"""A review desk that cannot skip a step, over real hubs: 受理 refused while a required
material is missing unless a reason is given (service and command line), the reason in
the case history; a case returned to the village, corrected and sent again as the same
case, then accepted; a village-level matter (人民调解) accepted and decided at the
village; and the same state for the same case at every node once synced."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli import station as station_cli

from station.cases.register import show_case
from station.casework import delivery, review, review_queue
from station.demo.demo_network import (
    REVIEW_MISSING,
    DemoNetwork,
    review_sample,
    start_hubs,
    wait_for_county,
)
from station.demo.samples import RESIDENTS, draw_scan
from station.documents.fonts import find_cjk_font
from station.errors import AcceptBlocked
from station.filing.new_case import FilingResult, MaterialFile, file_case
from station.network import link
from station.store.models import InboxEvent
from station.trust import users
from sync import lifecycle

pytestmark = pytest.mark.slow

MEDIATION = "450981-SF-001"  # 人民调解申请: accepted and decided at the village
MEDIATOR = "tjw"  # the village's 人民调解委员会 (signer)


def cli(net: DemoNetwork, node_data: Path, *args: str, user: str | None = None) -> dict:
    extra = ["--user", user] if user else []
    done = station_cli(*args, "--data", node_data, *extra, "--json",
                       env={"STATION_PASSPHRASE": net.passphrase})
    assert done.code == 0, done.err
    return dict(done.json())


def synced_everywhere(net: DemoNetwork) -> None:
    """Every node syncs, and the county hub holds what the village and township sent."""
    heads = {}
    for node in (net.village, net.township):
        with net.open(node) as station:
            link.sync_once(station)
            heads[node.code] = link.acked_seq()
    wait_for_county(net, heads)
    for node in (net.county, net.township, net.village):
        with net.open(node) as station:
            link.sync_once(station)


def states(net: DemoNetwork, case_no: str, township: bool = True) -> dict[str, str]:
    """`case status` at each node: the state it reports."""
    nodes = (net.village, net.township, net.county) if township else (net.village, net.county)
    return {node.code: cli(net, node.data, "case", "status", case_no)["status"]
            for node in nodes}


def test_accept_is_refused_while_a_required_material_is_missing(
        net: DemoNetwork, tmp_path: Path) -> None:
    start_hubs(net)
    with net.open(net.village) as village:
        filed, _held = review_sample(net, village)  # the 户口簿 left out
        link.sync_once(village)
    case_no = filed.case_no
    synced_everywhere(net)
    # The same case, the same state at every node (not 待补正 at the village).
    assert set(states(net, case_no).values()) == {lifecycle.QUEUED}
    shown = station_cli("case", "status", case_no, "--data", net.village.data,
                        env={"STATION_PASSPHRASE": net.passphrase})
    assert "待受理" in shown.out and f"缺件提示：{REVIEW_MISSING}" in shown.out

    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        with pytest.raises(AcceptBlocked) as refused:
            review.accept(desk, case_no, "材料齐全，予以受理。")
        assert f"{REVIEW_MISSING}（缺少）" in str(refused.value)
        # Received but marked 不清晰 by the reviewer: refused too.
        with pytest.raises(AcceptBlocked) as unclear:
            review.accept(desk, case_no, "", [review.Verdict("居民身份证", "unclear", "反光")],
                          override="  ")
        assert "居民身份证（不清晰）" in str(unclear.value)
        assert review.current(desk, case_no).state == lifecycle.QUEUED

    done = station_cli("review", "accept", case_no, "--data", net.township.data,
                       "--user", "mz", env={"STATION_PASSPHRASE": net.passphrase})
    assert done.code == 4 and "不能受理" in done.err and REVIEW_MISSING in done.err
    reason = "户口簿已在民政办存档，经核对与申请人一致"
    accepted = cli(net, net.township.data, "review", "accept", case_no, "--opinion",
                   "予以受理", "--override-reason", reason, user="mz")
    assert accepted["state"] == lifecycle.REVIEW

    with net.open(net.township, "mz") as desk:
        history = show_case(desk, case_no)["history"]
    notes = [h["note"] for h in history if h["type"] == lifecycle.ACCEPTED]
    assert notes == [f"材料缺少或不清晰仍予受理（{REVIEW_MISSING}）：{reason}"]
    synced_everywhere(net)
    assert set(states(net, case_no).values()) == {lifecycle.REVIEW}
    # The county's auditor sees who accepted what was missing, and why.
    audit = cli(net, net.county.data, "audit", "overrides", user="archivist")
    assert [(o["case_no"], o["node"], o["author"], o["office"], o["reason"],
             [m["name"] for m in o["materials"]]) for o in audit["overrides"]] == [
        (case_no, net.township.code, "mz", "民政办", reason, [REVIEW_MISSING])]
    shown = station_cli("audit", "overrides", "--data", net.county.data, "--user",
                        "archivist", env={"STATION_PASSPHRASE": net.passphrase})
    assert f"理由：{reason}" in shown.out and "共 1 件材料缺少或不清晰仍予受理。" in shown.out


def test_returned_corrected_and_sent_again_as_the_same_case(
        net: DemoNetwork, tmp_path: Path) -> None:
    start_hubs(net)
    with net.open(net.village) as village:
        filed, held = review_sample(net, village)
        link.sync_once(village)
    case_no = filed.case_no
    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        assert review.current(desk, case_no).state == lifecycle.QUEUED
    reason = "残疾等级填写有误，应为一级；请补交户口簿"
    with net.open(net.township, "mz") as desk:
        review_queue.return_to_village(desk, case_no, reason)

    with net.open(net.village) as village:
        report = link.sync_once(village)
        assert report.returned == [case_no]
        assert delivery.return_reason(case_no) == reason
        assert review.current(village, case_no, sync=False).state == lifecycle.RETURNED
    shown = station_cli("case", "status", case_no, "--data", net.village.data,
                        env={"STATION_PASSPHRASE": net.passphrase})
    assert "已退回村站" in shown.out and f"退回原因：{reason}" in shown.out
    again = cli(net, net.village.data, "case", "resubmit", case_no, "--note",
                "已更正残疾等级并补交户口簿", "--set", "disability_level=一级", "--material",
                f"{REVIEW_MISSING}={held[0].path}")
    assert again["state"] == lifecycle.QUEUED and again["case_no"] == case_no
    assert again["returned_because"] == reason
    with net.open(net.village) as village:
        history = show_case(village, case_no)["history"]
        kinds = [h["type"] for h in history if h["type"].startswith("case.")]
        assert kinds.count(lifecycle.FILED) == 1  # the same case, not a new one
        assert kinds.index(lifecycle.RETURN_RECEIVED) < kinds.index(lifecycle.RESUBMITTED)
        notes = {h["type"]: h["note"] for h in history}
        assert notes[lifecycle.RETURN_RECEIVED] == f"退回原因：{reason}"
        assert notes[lifecycle.RESUBMITTED] == "更正后重新报送：已更正残疾等级并补交户口簿"

    with net.open(net.township, "mz") as desk:
        link.sync_once(desk)
        review.claim(desk, case_no)
        details = show_case(desk, case_no)
        assert details["form"]["disability_level"] == "一级"  # the correction arrived
        assert REVIEW_MISSING in {m["name"] for m in details["materials"]}
        assert review.accept(desk, case_no, "材料齐全，予以受理。").state == lifecycle.REVIEW
    synced_everywhere(net)
    assert set(states(net, case_no).values()) == {lifecycle.REVIEW}


def file_mediation(net: DemoNetwork, station: object) -> FilingResult:
    resident = RESIDENTS[0]
    scans = net.workdir / "scans"
    names = ("人民调解申请书", "居民身份证")
    files = [MaterialFile(name, draw_scan(scans / f"mediation-{i}.jpg", name,
                                          [resident.name], 500 + i, find_cjk_font().path,
                                          size=(620, 877)))
             for i, name in enumerate(names)]
    form = {"dispute_type": "邻里纠纷", "dispute_date": "2026-11-20",
            "dispute_summary": "相邻宅基地排水沟堵塞引发纠纷", "other_parties": 1}
    return file_case(station, MEDIATION, resident.to_json(), form, files)  # type: ignore[arg-type]


def test_a_village_level_matter_is_accepted_and_decided_at_the_village(
        net: DemoNetwork) -> None:
    start_hubs(net)
    with net.open(net.village) as village:
        users.add_user(village, MEDIATOR, "signer", net.passphrase, "调委会主任",
                       "人民调解委员会")
        case_no = file_mediation(net, village).case_no
        link.sync_once(village)
    shown = station_cli("case", "status", case_no, "--data", net.village.data,
                        env={"STATION_PASSPHRASE": net.passphrase})
    assert shown.code == 0, shown.err
    assert "当前办理：人民调解委员会" in shown.out
    with net.open(net.township, "mz") as desk:  # nothing for the township's desks
        link.sync_once(desk)
        assert case_no not in {row["case_no"] for row in review.desk(desk)}

    accepted = cli(net, net.village.data, "review", "accept", case_no, "--opinion",
                   "属于民间纠纷，双方同意调解，予以受理。", user=MEDIATOR)
    assert accepted["state"] == lifecycle.REVIEW and accepted["level"] == "village"
    decided = cli(net, net.village.data, "review", "decide", case_no, "--approve",
                  "--opinion", "经调解，双方达成协议。", user=MEDIATOR)
    assert decided["state"] == lifecycle.DECIDED and decided["outcome"] == "approved"
    assert decided["decided_by"] == f"{net.village.code}:人民调解委员会"
    with net.open(net.village) as village:
        done = delivery.deliver(village, case_no, "当面送达")
        assert done.state == lifecycle.DELIVERED
    synced_everywhere(net)
    # The hubs took every step (the county checked each against the same table); the
    # township's desks never had it.
    assert set(states(net, case_no, township=False).values()) == {lifecycle.DELIVERED}
    with net.open(net.county):
        types = [r.type for r in InboxEvent.select().where(InboxEvent.case_no == case_no)]
    assert {lifecycle.ACCEPTED, lifecycle.APPROVED, lifecycle.DELIVERED_EVENT} <= set(types)
