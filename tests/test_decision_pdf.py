"""Sealed decision documents on a real network: made, signed, read back, verified, broken.

The demo network (county, township, village; enrolled, real data
directories) gives the county root, the township's issuing key and the
users.  Seals are made by each node's admin and used by the office's own
reviewer; documents are real PDFs; ``station verify-pdf`` runs as a real
process at the village, and pyHanko's own ``validate_pdf_signature`` (with
the county root as the only trust anchor) must agree with it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest
from cli import station as run_station
from conftest import PASSPHRASE
from cryptography import x509
from network import copy_network
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from test_documents_pdf import assert_contains, assert_fonts_embedded, pdf_text

from forms.catalogue import load_catalogue, load_catalogue_text
from forms.errors import CatalogueInvalid, UnknownTemplate
from forms.schema import DEFAULT_TEMPLATES, DOCUMENT_TEMPLATES
from keys import ca, office_seal
from keys.errors import SealRevoked
from station.demo.demo_network import DemoNetwork
from station.documents import templates
from station.documents.decision import DecisionInfo
from station.documents.notice import MissingItem, NoticeInfo
from station.documents.refusal import RefusalInfo
from station.documents.sealplace import SEAL_FIELD
from station.documents.sign import asn1_certificate, sign_pdf
from station.documents.special import SpecialInfo
from station.documents.verify import verify_pdf
from station.errors import (
    NotAnOfficeMember,
    PdfAppended,
    RoleRequired,
    SealExists,
    SealMissing,
    SealNeedsIssuer,
    SealOfficeMismatch,
)
from station.trust import revocations, seals, users

CASE_NO = "450981104201-20260928-0007"
FULL_ID = "11010519491231002X"
MASKED_ID = "1101**********002X"
COUNTY_NAME = "桂平市政务服务中心"
TOWNSHIP_NAME = "桂平市示范镇便民服务中心"
COUNTY_OFFICE, TOWNSHIP_OFFICE = "民政局", "民政办"
COUNTY_REVIEWER, TOWNSHIP_REVIEWER = "mzj", "mz"
NEW_OFFICE = "财政局"  # an office the demo network gives no seal


def decision_info(**changes: object) -> DecisionInfo:
    info = DecisionInfo(
        case_no=CASE_NO, matter_name="农村最低生活保障申请", applicant_name="黄秀英",
        masked_id=MASKED_ID, filed_at=datetime(2026, 9, 28, 9, 35),
        decided_at=datetime(2026, 10, 20, 15, 0),
        opinion="申请人家庭月人均收入低于当地农村低保标准，经入户调查、民主评议和公示无异议。",
        legal_basis="《社会救助暂行办法》第九条至第十一条", result_document="《最低生活保障证》",
        office=COUNTY_OFFICE, station_name=COUNTY_NAME, station_code="450981000000",
        reconsideration_body="桂平市人民政府", court="桂平市人民法院")
    return replace(info, **changes)  # type: ignore[arg-type]


def refusal_info() -> RefusalInfo:
    return RefusalInfo(
        case_no=CASE_NO, matter_name="临时救助申请", applicant_name="黄秀英", masked_id=MASKED_ID,
        filed_at=datetime(2026, 9, 28, 9, 35), refused_at=datetime(2026, 9, 30, 10, 0),
        reasons="申请人户籍不在本乡镇，不属于本机关受理范围。", office=TOWNSHIP_OFFICE,
        station_name=TOWNSHIP_NAME, station_code="450981104000",
        redirect_to="户籍所在地乡镇人民政府")


def special_info() -> SpecialInfo:
    return SpecialInfo(
        case_no=CASE_NO, matter_name="农村宅基地和建房（规划许可）申请", applicant_name="黄秀英",
        masked_id=MASKED_ID, procedure="现场勘查", reason="需核实拟建房屋是否占用永久基本农田",
        starts_on=date(2026, 10, 12), expected_days=5, notified_at=datetime(2026, 10, 10, 9, 0),
        office=TOWNSHIP_OFFICE, station_name=TOWNSHIP_NAME, station_code="450981104000")


def notice_info() -> NoticeInfo:
    return NoticeInfo(
        case_no=CASE_NO, matter_name="农村最低生活保障申请", applicant_name="黄秀英",
        masked_id=MASKED_ID, filed_at=datetime(2026, 9, 28, 9, 35),
        missing=[MissingItem("户口簿", "原件及复印件", 1, "需包含全部家庭成员页")],
        station_name=TOWNSHIP_NAME, station_code="450981104000", agent="韦丽华",
        filed_where="桂平市示范镇示范村便民服务站", office=TOWNSHIP_OFFICE,
        notified_at=datetime(2026, 10, 8, 10, 0), supplement_by=date(2026, 10, 29),
        matter_type="行政给付", legal_basis="《社会救助暂行办法》第九条至第十一条")


@dataclass
class Sealed:
    net: DemoNetwork
    folder: Path
    root: x509.Certificate
    county_seal: seals.Seal
    township_seal: seals.Seal
    documents: dict[str, Path]  # template name -> signed PDF


def make_seal(net: DemoNetwork, tier: str, office: str) -> None:
    with net.open(getattr(net, tier), "admin") as station:
        seals.create_seal(station, office)


def ensure_seal(net: DemoNetwork, tier: str, office: str) -> None:
    """The office's seal, made unless the demo network already made it."""
    with net.open(getattr(net, tier), "admin") as station:
        if not any(s.office == office and s.state == seals.VALID
                   for s in seals.list_seals(station)):
            seals.create_seal(station, office)


def load(net: DemoNetwork, tier: str, user: str, office: str) -> seals.Seal:
    with net.open(getattr(net, tier), user) as station:
        return seals.load_seal(station, office)


def root_of(net: DemoNetwork) -> x509.Certificate:
    with net.open(net.village):
        return seals.trust_root()


def seal_document(seal: seals.Seal, src: Path, dst: Path, reason: str = "准予批准") -> Path:
    return sign_pdf(src, dst, seal.key, seal.chain, office=seal.office, reason=reason,
                    location=seal.certificate.subject.rfc4514_string())


@pytest.fixture(scope="module")
def sealed(network_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sealed]:
    """One network with a county and a township seal, and one sealed PDF per template."""
    folder = tmp_path_factory.mktemp("sealed")
    net = copy_network(network_template, folder / "net")
    ensure_seal(net, "county", COUNTY_OFFICE)
    ensure_seal(net, "township", TOWNSHIP_OFFICE)
    county = load(net, "county", COUNTY_REVIEWER, COUNTY_OFFICE)
    township = load(net, "township", TOWNSHIP_REVIEWER, TOWNSHIP_OFFICE)
    township_decision = decision_info(office=TOWNSHIP_OFFICE, station_name=TOWNSHIP_NAME,
                                      station_code="450981104000")
    plan = {
        "准予批准决定书": (decision_info(), county),
        "不予行政许可决定书": (township_decision, township),
        "不予受理通知书": (refusal_info(), township),
        "特别程序告知书": (special_info(), township),
        "补齐补正告知书": (notice_info(), township),
    }
    documents = {}
    for name, (info, seal) in plan.items():
        unsigned = templates.render(name, info, folder / f"unsigned-{name}.pdf")
        documents[name] = seal_document(seal, unsigned, folder / f"{name}.pdf")
    yield Sealed(net, folder, root_of(net), county, township, documents)
    net.stop()


def verify_cli(net: DemoNetwork, path: Path, *extra: str) -> object:
    return run_station("verify-pdf", path, "--data", net.village.data, "--user", net.village.user,
                       *extra, env={"STATION_PASSPHRASE": PASSPHRASE})


def pyhanko_status(path: Path, root: x509.Certificate) -> object:
    reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False)
    (signature,) = reader.embedded_signatures[-1:]
    context = ValidationContext(trust_roots=[asn1_certificate(root)])
    return validate_pdf_signature(signature, context)


def changed_byte(path: Path, marker: bytes, offset: int, target: Path) -> Path:
    data = bytearray(path.read_bytes())
    position = data.index(marker) + offset
    data[position] ^= 0x01
    target.write_bytes(bytes(data))
    return target


# -- a county office and a township office sign; both verifications agree ----


def test_a_county_decision_passes_verify_pdf_and_pyhanko(sealed: Sealed) -> None:
    path = sealed.documents["准予批准决定书"]
    done = verify_cli(sealed.net, path, "--json")
    assert done.code == 0, done.err
    report = done.json()
    assert report["ok"] is True
    (seal,) = report["seals"]
    assert seal["office"] == COUNTY_OFFICE and seal["node_code"] == "450981000000"
    assert seal["node_name"] == COUNTY_NAME and seal["serial"] == sealed.county_seal.serial
    assert seal["intact"] and seal["trusted"] and seal["covers_whole_file"]
    assert seal["revoked"] is False and seal["problem"] is None
    assert seal["field"] == SEAL_FIELD and seal["signed_at"]

    status = pyhanko_status(path, sealed.root)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    text = verify_cli(sealed.net, path)
    assert text.code == 0 and COUNTY_OFFICE in text.out and "未被吊销" in text.out


def test_township_documents_of_every_template_verify(sealed: Sealed) -> None:
    for name in ("不予行政许可决定书", "不予受理通知书", "特别程序告知书", "补齐补正告知书"):
        path = sealed.documents[name]
        result = verify_pdf(path, sealed.root, None)
        assert result.ok, (name, result.to_json())
        assert result.last.office == TOWNSHIP_OFFICE and result.last.node_code == "450981104000"
        assert pyhanko_status(path, sealed.root).bottom_line, name
    # The notice keeps a place for its seal like every other sealed document.
    notice = verify_pdf(sealed.documents["补齐补正告知书"], sealed.root, None)
    assert notice.last.field == SEAL_FIELD
    done = verify_cli(sealed.net, sealed.documents["不予受理通知书"], "--json")
    assert done.code == 0, done.err
    assert done.json()["seals"][0]["node_name"] == TOWNSHIP_NAME


def test_documents_read_back_in_chinese_with_embedded_fonts_only(sealed: Sealed) -> None:
    expected = {
        "准予批准决定书": ["准予批准决定书", "决定准予批准", "《最低生活保障证》",
                    "六十日内向桂平市人民政府申请行政复议", "六个月内向桂平市人民法院"],
        "不予行政许可决定书": ["不予行政许可决定书", "决定不予批准", "不予批准的理由"],
        "不予受理通知书": ["不予受理通知书", "决定不予受理", "户籍所在地乡镇人民政府",
                    "第三十二条"],
        "特别程序告知书": ["特别程序告知书", "现场勘查", "不计算在办理期限内", "约5个工作日",
                    "第四十五条"],
        "补齐补正告知书": ["补齐补正告知书", "户口簿"],
    }
    for name, phrases in expected.items():
        path = sealed.documents[name]
        text = pdf_text(path)
        assert_contains(text, CASE_NO, "黄秀英", MASKED_ID, *phrases)
        assert FULL_ID not in text
        assert "你" not in text, f"{name}: one form of address, 您"
        assert_fonts_embedded(path)
    decision = pdf_text(sealed.documents["准予批准决定书"])
    assert_contains(decision, "桂平市民政局", "2026年10月20日")


# -- what must fail --------------------------------------------------------------


@pytest.mark.parametrize(("marker", "offset"), [
    (b"ReportLab Generated", 0),  # a comment in the first signed range
    (b"stream", 40),  # inside the first compressed content stream
])
def test_one_changed_byte_fails_both_verifications(sealed: Sealed, tmp_path: Path,
                                                   marker: bytes, offset: int) -> None:
    original = sealed.documents["准予批准决定书"]
    tampered = changed_byte(original, marker, offset, tmp_path / "tampered.pdf")
    signature = PdfFileReader(io.BytesIO(original.read_bytes())).embedded_signatures[0]
    first_range_end = signature.byte_range[1]
    assert original.read_bytes().index(marker) + offset < first_range_end

    done = verify_cli(sealed.net, tampered, "--json")
    assert done.code == 1
    seal = done.json()["seals"][0]
    assert done.json()["ok"] is False and seal["intact"] is False
    assert seal["trusted"] is True  # the seal is this county's; the content is not what it sealed
    assert "改动" in done.err
    status = pyhanko_status(tampered, sealed.root)
    assert not status.bottom_line and not status.intact


def test_content_added_after_sealing_is_refused(sealed: Sealed, tmp_path: Path) -> None:
    writer = IncrementalPdfFileWriter(
        io.BytesIO(sealed.documents["准予批准决定书"].read_bytes()), strict=False)
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    appended = tmp_path / "appended.pdf"
    with appended.open("wb") as out:
        writer.write(out)
    result = verify_pdf(appended, sealed.root, None)
    assert not result.ok and isinstance(result.last.problem, PdfAppended)
    assert result.last.intact and not result.last.covers_whole_file


def test_a_second_seal_may_follow_the_first(sealed: Sealed, tmp_path: Path) -> None:
    """Joint handling: the township seals, then the county seals the same file."""
    unsigned = templates.render("准予批准决定书", decision_info(), tmp_path / "joint.pdf")
    first = seal_document(sealed.township_seal, unsigned, tmp_path / "joint-1.pdf")
    both = seal_document(sealed.county_seal, first, tmp_path / "joint-2.pdf")
    result = verify_pdf(both, sealed.root, None)
    assert result.ok, result.to_json()
    assert [s.office for s in result.seals] == [TOWNSHIP_OFFICE, COUNTY_OFFICE]
    assert [s.covers_whole_file for s in result.seals] == [False, True]
    done = verify_cli(sealed.net, both)
    assert done.code == 0 and TOWNSHIP_OFFICE in done.out and COUNTY_OFFICE in done.out


def test_a_seal_of_another_county_is_untrusted(sealed: Sealed, tmp_path: Path) -> None:
    # Same county code and name, different root key: only the key tells them apart.
    other_key, other_root = ca.create_root("450981000000", COUNTY_NAME)
    key, cert = office_seal.new_seal("450981000000", COUNTY_OFFICE, other_key, other_root)
    unsigned = templates.render("准予批准决定书", decision_info(), tmp_path / "other.pdf")
    foreign = sign_pdf(unsigned, tmp_path / "other-signed.pdf", key, [cert, other_root],
                       office=COUNTY_OFFICE, reason="准予批准", location=COUNTY_NAME)
    done = verify_cli(sealed.net, foreign, "--json")
    assert done.code == 1
    seal = done.json()["seals"][0]
    assert seal["intact"] is True and seal["trusted"] is False and seal["revoked"] is False
    assert "证书" in done.err and "未通过核验" in done.err
    assert not pyhanko_status(foreign, sealed.root).bottom_line
    assert pyhanko_status(foreign, other_root).bottom_line  # the file itself is sound


def test_unsigned_files_and_other_files_get_clear_errors(sealed: Sealed, tmp_path: Path) -> None:
    unsigned = sealed.folder / "unsigned-准予批准决定书.pdf"
    done = verify_cli(sealed.net, unsigned)
    assert done.code == 1 and "没有电子印章" in done.err and done.out == ""
    text = tmp_path / "decision.pdf"
    text.write_text("这不是 PDF 文件", encoding="utf-8")
    done = verify_cli(sealed.net, text)
    assert done.code == 4 and "不是 PDF 文件" in done.err
    done = verify_cli(sealed.net, tmp_path / "missing.pdf")
    assert done.code == 4 and "missing.pdf" in done.err


def test_a_revoked_seal_fails_and_says_revoked(net: DemoNetwork, tmp_path: Path) -> None:
    ensure_seal(net, "township", TOWNSHIP_OFFICE)
    seal = load(net, "township", TOWNSHIP_REVIEWER, TOWNSHIP_OFFICE)
    unsigned = templates.render("不予受理通知书", refusal_info(), tmp_path / "refusal.pdf")
    signed = seal_document(seal, unsigned, tmp_path / "refusal-signed.pdf", "不予受理")
    assert verify_cli(net, signed).code == 0

    with net.open(net.county, "admin") as county:
        listed = revocations.revoke(county, {seal.serial})
    for node in (net.village, net.township):
        with net.open(node) as station:
            revocations.install(station, listed)

    done = verify_cli(net, signed, "--json")
    assert done.code == 1
    report = done.json()["seals"][0]
    assert report["revoked"] is True and report["intact"] is True and report["trusted"] is True
    assert "吊销" in done.err and str(seal.serial) in done.err
    # The seal may no longer sign, shows as revoked, and may be made again.
    with pytest.raises(SealRevoked):
        load(net, "township", TOWNSHIP_REVIEWER, TOWNSHIP_OFFICE)
    with net.open(net.township, "admin") as township:
        states = {s.office: s.state for s in seals.list_seals(township)}
        assert states[TOWNSHIP_OFFICE] == seals.REVOKED
        renewed = seals.create_seal(township, TOWNSHIP_OFFICE)
        assert renewed.serial != seal.serial
        states = {s.office: s.state for s in seals.list_seals(township)}
        assert states[TOWNSHIP_OFFICE] == seals.VALID


# -- who may make and use a seal -------------------------------------------------


def test_only_admins_make_seals_and_only_members_use_them(net: DemoNetwork,
                                                          tmp_path: Path) -> None:
    with net.open(net.village) as village, pytest.raises(SealNeedsIssuer):
        seals.create_seal(village, "村委会")
    with net.open(net.county, COUNTY_REVIEWER) as county, pytest.raises(RoleRequired):
        seals.create_seal(county, NEW_OFFICE)
    with net.open(net.county, "admin") as county:
        users.add_user(county, "czj", "reviewer", PASSPHRASE, office=NEW_OFFICE)
    with pytest.raises(SealMissing):
        load(net, "county", "czj", NEW_OFFICE)
    make_seal(net, "county", NEW_OFFICE)
    assert load(net, "county", "czj", NEW_OFFICE).office == NEW_OFFICE
    with pytest.raises(SealExists):
        make_seal(net, "county", NEW_OFFICE)
    ensure_seal(net, "county", COUNTY_OFFICE)
    with pytest.raises(RoleRequired):
        load(net, "county", "admin", COUNTY_OFFICE)
    with pytest.raises(RoleRequired):
        load(net, "county", "archivist", COUNTY_OFFICE)  # an auditor
    with pytest.raises(NotAnOfficeMember):
        load(net, "county", "czj", COUNTY_OFFICE)  # a reviewer of another office
    seal = load(net, "county", COUNTY_REVIEWER, COUNTY_OFFICE)
    unsigned = templates.render("准予批准决定书", decision_info(), tmp_path / "d.pdf")
    with pytest.raises(SealOfficeMismatch):
        sign_pdf(unsigned, tmp_path / "s.pdf", seal.key, seal.chain, office="财政局",
                 reason="准予批准", location=COUNTY_NAME)
    assert not (tmp_path / "s.pdf").exists()


def test_seal_commands(net: DemoNetwork) -> None:
    env = {"STATION_PASSPHRASE": PASSPHRASE}
    county = ("--data", net.county.data, "--user", "admin")
    made = run_station("seal", "create", "--office", NEW_OFFICE, "--json", *county, env=env)
    assert made.code == 0, made.err
    serial = made.json()["serial"]
    listed = run_station("seal", "list", "--json", *county, env=env)
    assert listed.code == 0
    (entry,) = [s for s in listed.json()["seals"] if s["office"] == NEW_OFFICE]
    assert entry["serial"] == serial and entry["state"] == "valid"
    assert entry["node_code"] == net.county.code and entry["node_name"] == COUNTY_NAME
    text = run_station("seal", "list", *county, env=env)
    assert text.code == 0 and f"{NEW_OFFICE}：有效，序列号 {serial}" in text.out
    again = run_station("seal", "create", "--office", NEW_OFFICE, *county, env=env)
    assert again.code == 4 and "已经有" in again.err
    village = run_station("seal", "create", "--office", "村委会", "--data", net.village.data,
                          env=env)
    assert village.code == 4 and "不能制作印章" in village.err


# -- templates named in the catalogue --------------------------------------------

MATTER = """
[[matter]]
code = "T-1"
name = "测试事项"
type = "行政许可"
tier = "township"
offices = ["民政办"]
legal_basis = "《某条例》"
acceptance_conditions = ["本乡镇户籍"]
legal_days = 20
promised_days = 10
fee = "不收费"
result_document = "许可证"
visits = 1

[[matter.procedure]]
name = "审批"
tier = "township"
office = "民政办"
"""


def test_the_catalogue_names_templates_and_refuses_unknown_ones() -> None:
    (plain,) = load_catalogue_text(MATTER, "t.toml")
    assert plain.templates.to_json() == DEFAULT_TEMPLATES
    chosen = MATTER + '\n[matter.templates]\napprove = "准予行政许可决定书"\n'
    (matter,) = load_catalogue_text(chosen, "t.toml")
    assert templates.for_matter(matter, "approve") == "准予行政许可决定书"
    assert templates.for_matter(matter, "reject") == "不予批准决定书"
    assert matter.to_json()["templates"]["approve"] == "准予行政许可决定书"

    for key, value in (("approve", "准予决定书"), ("approve", "不予批准决定书"),
                       ("special", "补齐补正告知书")):
        text = MATTER + f'\n[matter.templates]\n{key} = "{value}"\n'
        with pytest.raises(CatalogueInvalid) as raised:
            load_catalogue_text(text, "t.toml")
        assert isinstance(raised.value.params["problem"], UnknownTemplate)
        message = str(raised.value)
        assert f"templates.{key}" in message and value in message and "T-1" in message
    with pytest.raises(CatalogueInvalid) as typo:
        load_catalogue_text(MATTER + '\n[matter.templates]\naprove = "准予批准决定书"\n', "t.toml")
    assert "aprove" in str(typo.value)
    shipped = load_catalogue().get("450981-NY-001")
    assert shipped.templates.reject == "不予行政许可决定书"


def test_every_catalogue_template_has_a_writer(tmp_path: Path) -> None:
    names = {name for kind in DOCUMENT_TEMPLATES.values() for name in kind}
    assert set(templates.TEMPLATES) == names
    for kind, kind_names in DOCUMENT_TEMPLATES.items():
        assert all(templates.TEMPLATES[name].kind == kind for name in kind_names)
    with pytest.raises(TypeError):
        templates.render("准予批准决定书", refusal_info(), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
