"""Fill a case's document from its template (named in the catalogue) and seal it.

The office acting on the case prints the document with the applicant's name
and masked ID only, and seals it with its own seal (the county CA's
certificate, ``station.trust.seals``) through pyhanko; the sealed PDF is what
travels down to the village.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from forms.identity import mask_id
from station.app import Station
from station.cases.case_documents import TITLES
from station.documents import templates
from station.documents.decision import DecisionInfo
from station.documents.notice import MissingItem, NoticeInfo
from station.documents.refusal import RefusalInfo
from station.documents.sign import sign_pdf
from station.documents.special import SpecialInfo
from station.store.models import Case
from station.trust import seals

REASONS = {"supplement": "一次性告知补齐补正", "refuse": "不予受理", "special": "特别程序告知",
           "approve": "准予批准", "reject": "不予批准"}


def _filed_at(case: Case) -> datetime:
    return datetime.fromisoformat(case.filed_at)


def info_for(station: Station, case: Case, kind: str, office: str,
             details: dict[str, Any]) -> object:
    """The template's input for ``kind``, from the stored case and the reviewer's words."""
    matter = station.catalogue.get(case.matter_code)
    node = station.node
    name, masked = case.applicant.name, mask_id(case.applicant.id_number)
    now = datetime.now().astimezone()
    if kind in ("approve", "reject"):
        return DecisionInfo(case.case_no, matter.name, name, masked, _filed_at(case), now,
                            str(details.get("opinion", "")), matter.legal_basis,
                            matter.result_document, office, node.name, node.code)
    if kind == "refuse":
        return RefusalInfo(case.case_no, matter.name, name, masked, _filed_at(case), now,
                           str(details.get("reason", "")), office, node.name, node.code)
    if kind == "special":
        return SpecialInfo(case.case_no, matter.name, name, masked,
                           str(details.get("procedure", "")), str(details.get("reason", "")),
                           date.today(), int(details.get("expected_days", 0)), now, office,
                           node.name, node.code)
    missing = []
    for item in details.get("missing", []):
        spec = next((m for m in matter.materials if m.name == item["name"]), None)
        why = {"missing": "缺少", "unclear": "不清晰，请重新提供"}.get(item["verdict"], "")
        note = "；".join(x for x in (why, item.get("reason", "")) if x)
        missing.append(MissingItem(item["name"], spec.form if spec else "",
                                   spec.copies if spec else 1, note))
    return NoticeInfo(case.case_no, matter.name, name, masked, missing, _filed_at(case),
                      node.name, node.code, f"{office}")


def make_signed(station: Station, case: Case, kind: str, office: str,
                details: dict[str, Any], folder: Path) -> Path:
    """Print and seal the document; the sealed PDF's path inside ``folder``."""
    matter = station.catalogue.get(case.matter_code)
    template = templates.for_matter(matter, kind)
    plain = templates.render(template, info_for(station, case, kind, office, details),
                             folder / "plain.pdf")
    seal = seals.load_seal(station, office)
    return sign_pdf(plain, folder / "sealed.pdf", seal.key, seal.chain, office=office,
                    reason=REASONS[kind], location=station.node.name)


def issue(station: Station, case: Case, kind: str, office: str,
          details: dict[str, Any]) -> dict[str, Any]:
    """Write the document of ``kind`` for ``case``, seal it with ``office``'s seal and
    keep it as a blob; the reference the event carries (kind, title, blob)."""
    with tempfile.TemporaryDirectory(prefix="doc-", dir=station.layout.root) as folder:
        signed = make_signed(station, case, kind, office, details, Path(folder))
        blob = station.blobs.put_file(signed)
    return {"kind": kind, "title": TITLES[kind], "blob": blob.address, "size": blob.size}
