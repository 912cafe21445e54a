"""A case's whole life over real hubs: one-time notice, supplement, acceptance, joint
review by two township offices, forwarding, a county decision sealed with the office
seal, delivery, a bad rating and its follow-up at the deciding office."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from station.cases import case_documents, case_state
from station.casework import delivery, progress, review
from station.demo.demo_network import (
    REVIEW_MISSING,
    DemoNetwork,
    review_sample,
    start_hubs,
    wait_for_county,
    wait_until,
)
from station.network import link
from station.trust import seals
from sync import lifecycle
from sync.problems import ActionOutOfState

pytestmark = pytest.mark.slow


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def verify_cli(net: DemoNetwork, path: Path) -> subprocess.CompletedProcess[str]:
    env = {"STATION_PASSPHRASE": net.passphrase, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "station.cli.main", "verify-pdf", str(path),
                           "--data", str(net.village.data), "--json"],
                          capture_output=True, text=True, env=env, check=False)


def pyhanko_valid(net: DemoNetwork, path: Path) -> bool:
    with net.open(net.village) as _village:
        root = seals.trust_root()
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(root.public_bytes(Encoding.DER))],
        allow_fetching=False, revocation_mode="soft-fail")
    with path.open("rb") as handle:
        try:
            reader = PdfFileReader(handle, strict=False)
            status = validate_pdf_signature(reader.embedded_signatures[0], context)
        except Exception:
            return False
    return bool(status.bottom_line)


def test_case_from_notice_to_follow_up(net: DemoNetwork, tmp_path: Path) -> None:
    start_hubs(net)
    with net.open(net.village) as village:
        filed, held = review_sample(net, village)
        case_no = filed.case_no
        assert REVIEW_MISSING in filed.missing
        link.sync_once(village)

    # The township's 民政办 claims it, marks the 户口簿 missing and sends one notice.
    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        review.request_supplement(desk, case_no, [
            review.Verdict("第二代残疾人证", "ok"),
            review.Verdict(REVIEW_MISSING, "missing", "需户主页和本人页")])

    with net.open(net.village) as village:
        report = link.sync_once(village)
        notices = [d for d in report.documents if d["case_no"] == case_no]
        assert [d["kind"] for d in notices] == ["supplement"]
        path = case_documents.export(village, notices[0]["id"], tmp_path / "printed")
        text = pdf_text(path)
        assert REVIEW_MISSING in text and "需户主页和本人页" in text
        assert "第二代残疾人证" not in text, "the notice lists exactly what is missing"
        assert case_state.refresh(village, case_no).state == lifecycle.SUPPLEMENT
        delivery.supplement(village, case_no, held)

    with net.open(net.township, "mz") as desk:
        assert review.accept(desk, case_no, "材料齐全，予以受理").state == lifecycle.REVIEW
        assert review.open_joint(desk, case_no).state == lifecycle.JOINT
        with pytest.raises(ActionOutOfState):
            review.forward(desk, case_no, "同意上报")  # the decision waits for every office
    with net.open(net.township, "cl") as other:
        assert review.give_opinion(other, case_no, "残疾等级属实，同意").state == lifecycle.REVIEW
    with net.open(net.township, "mz") as desk:
        after = review.forward(desk, case_no, "经审核，符合条件，同意上报")
        assert after.level == "county" and after.holder is None
        township_head = link.acked_seq()
    wait_for_county(net, {net.township.code: township_head})

    with net.open(net.county, "mzqz") as signer:
        review.claim(signer, case_no)
        decided = review.decide(signer, case_no, True, "同意给予重度残疾人护理补贴")
        assert decided.state == lifecycle.DECIDED and decided.outcome == "approved"
        county_head = link.acked_seq()

    def decision_arrived() -> list[dict[str, object]]:
        with net.open(net.village) as village:
            report = link.sync_once(village)
            return [d for d in report.documents if d["kind"] == "approve"]

    arrived = wait_until(decision_arrived, 60, "the decision at the village")
    with net.open(net.village) as village:
        decision = case_documents.export(village, str(arrived[0]["id"]), tmp_path / "printed")
    assert "准予" in pdf_text(decision)
    assert verify_cli(net, decision).returncode == 0
    assert pyhanko_valid(net, decision)
    damaged = tmp_path / "damaged.pdf"
    data = bytearray(decision.read_bytes())
    middle = data.index(b"stream", len(data) // 4) + 20
    data[middle] ^= 0x01
    damaged.write_bytes(bytes(data))
    assert verify_cli(net, damaged).returncode != 0
    assert not pyhanko_valid(net, damaged)

    with net.open(net.village) as village:
        delivery.deliver(village, case_no)
        assert delivery.rate(village, case_no, "不满意", "等待太久").state == lifecycle.FOLLOWUP
        village_head = link.acked_seq()
    wait_for_county(net, {net.village.code: village_head, net.county.code: county_head})

    with net.open(net.county, "mzqz") as signer:
        link.sync_once(signer)
        queue = {c["case_no"]: c for c in review.desk(signer)}
        assert queue[case_no]["state"] == lifecycle.FOLLOWUP
        status = progress.status(signer, case_no)
        assert status["follow_up"]["callback_by"] and status["follow_up"]["fix_by"]
        assert status["offices"] == [{"node": net.county.code, "office": "民政局",
                                      "node_name": status["offices"][0]["node_name"]}]
