"""A sequential two-office matter over real hubs (450981-CL-001): the township 民政办
accepts and forwards; at the county 残联 reviews and passes the case on, and only then
may 民政局 take it and decide.  Each step's own clock is the same at the county and
at the village."""

from __future__ import annotations

import pytest
from cli import station as station_cli

from station.casework import progress, review
from station.demo.demo_network import DemoNetwork, start_hubs, wait_for_county, wait_until
from station.demo.samples import RESIDENTS, draw_scan
from station.documents.fonts import find_cjk_font
from station.filing.new_case import MaterialFile, file_case
from station.network import link
from sync import lifecycle
from sync.problems import ActionNotPermitted

pytestmark = pytest.mark.slow

MATTER = "450981-CL-001"
NAMES = ("残疾人两项补贴申请审批表", "第二代残疾人证", "居民身份证", "居民户口簿")
FORM = {"applied_by": "本人申请", "disability_cert_no": "45098119680709131X43",
        "disability_category": "肢体残疾", "disability_level": "一级",
        "subsidy_type": "重度残疾人护理补贴", "household_size": 2,
        "cert_issue_date": "2019-03-01"}


def stages(status: dict) -> list[tuple[str | None, str]]:
    return [(s["office"], s["state"]) for s in status["step_limits"]]


def test_the_offices_act_in_turn_and_each_step_has_its_own_clock(net: DemoNetwork) -> None:
    start_hubs(net)
    resident = RESIDENTS[0]
    files = [MaterialFile(name, draw_scan(net.workdir / "scans-seq" / f"{i}.jpg", name,
                                          [resident.name], 950 + i, find_cjk_font().path,
                                          size=(620, 877)))
             for i, name in enumerate(NAMES)]
    with net.open(net.village) as village:
        filed = file_case(village, MATTER, resident.to_json(), FORM, files)
        assert filed.status == "filed"
        link.sync_once(village)
    case_no = filed.case_no

    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        review.accept(desk, case_no, "材料齐全，予以受理")
        assert stages(progress.status(desk, case_no))[0] == (None, "running")
        after = review.forward(desk, case_no, "初审通过，报县残联审核")
        assert after.level == "county" and after.offices == (f"{net.county.code}:残联",)
        township_head = link.acked_seq()
    wait_for_county(net, {net.township.code: township_head})

    with net.open(net.county, "mzqz") as signer:
        link.sync_once(signer)
        with pytest.raises(ActionNotPermitted):
            review.claim(signer, case_no)  # 残联 first
    with net.open(net.county, "clj") as disabled_federation:
        review.claim(disabled_federation, case_no)
        passed = review.forward(disabled_federation, case_no, "残疾类别、等级属实，转县民政局审定")
        assert passed.level == "county" and passed.holder is None
        assert passed.offices == (f"{net.county.code}:民政局",)
        assert stages(progress.status(disabled_federation, case_no)) == [
            (None, "done"), ("残联", "done"), ("民政局", "running")]
    with net.open(net.county, "mzqz") as signer:
        review.claim(signer, case_no)
        decided = review.decide(signer, case_no, True, "同意给予重度残疾人护理补贴")
        assert decided.state == lifecycle.DECIDED and decided.decided_by.endswith(":民政局")
        at_county = progress.status(signer, case_no)
        county_head = link.acked_seq()
    assert stages(at_county) == [(None, "done"), ("残联", "done"), ("民政局", "done")]
    wait_for_county(net, {net.county.code: county_head})

    def at_village() -> dict | None:
        with net.open(net.village) as village:
            link.sync_once(village)
            status = progress.status(village, case_no)
            return status if status["state"] == lifecycle.DECIDED else None

    status = wait_until(at_village, 90, "the decision at the village")
    assert status["step_limits"] == at_county["step_limits"]
    shown = station_cli("case", "status", case_no, "--data", net.village.data,
                        env={"STATION_PASSPHRASE": net.passphrase})
    assert shown.code == 0, shown.err
    assert "分环节：残联“审核残疾类别和等级，转县民政局”限 5 个工作日" in shown.out
    assert "分环节：民政局“审定补贴对象和标准”限 5 个工作日" in shown.out
