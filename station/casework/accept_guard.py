"""受理 guarded: a case is not accepted while a required material is 缺少 or 不清晰.

What stops it: the reviewer's own verdicts (材料核验) on required materials, and the
required materials not received at all.  A reviewer who must accept anyway (the
material is known to the office, the law allows it later …) overrides with a reason;
the reason and the materials it covers are recorded in the 受理 event itself, so the
case history and the audit show who accepted what was missing, and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from station.app import Station
from station.casework import intake
from station.errors import AcceptBlocked
from station.i18n import N_, translate
from station.store.models import Case, CaseMaterial

BLOCKING = ("missing", "unclear")
LABELS = {"missing": N_("缺少"), "unclear": N_("不清晰")}
NOT_RECEIVED = N_("未提交")


def blocking(station: Station, case_no: str,
             verdicts: Mapping[str, tuple[str, str]] | None = None) -> list[dict[str, str]]:
    """The required materials that stop 受理: ``verdicts`` (name -> (verdict, reason))
    marks them 缺少 or 不清晰, or they were never received here."""
    case = intake.receive(station, case_no)
    matter = station.catalogue.matters.get(case.matter_code)
    if matter is None:
        return []
    have = {m.name for m in CaseMaterial.select(CaseMaterial.name)
            .where(CaseMaterial.case == case)}
    given = dict(verdicts or {})
    found = []
    for material in matter.required_materials(case.form or {}):  # conditional ones too
        verdict, reason = given.get(material.name, ("ok", ""))
        if verdict not in BLOCKING and material.name not in have:
            verdict, reason = "missing", reason or translate(NOT_RECEIVED)
        if verdict in BLOCKING:
            found.append({"name": material.name, "verdict": verdict, "reason": reason})
    return found


def received(case_no: str) -> set[str]:
    """The names of the materials of which this station holds pages for the case."""
    return {m.name for m in CaseMaterial.select(CaseMaterial.name).join_from(
        CaseMaterial, Case).where(Case.case_no == case_no)}


def payload(station: Station, case_no: str, opinion: str,
            verdicts: Mapping[str, tuple[str, str]] | None, override: str) -> dict[str, Any]:
    """The 受理 event's payload; refused (AcceptBlocked) unless nothing blocks or the
    reviewer gave a reason to override."""
    found = blocking(station, case_no, verdicts)
    body: dict[str, Any] = {"opinion": opinion}
    if found:
        if not override.strip():
            raise AcceptBlocked(case_no=case_no, materials=names(found))
        body["override"] = {"reason": override.strip(), "materials": found}
    return body


def names(found: Sequence[Mapping[str, str]]) -> str:
    """The materials as people read them: 居民户口簿（缺少）、…"""
    return "、".join(f"{m['name']}（{translate(LABELS.get(m['verdict'], m['verdict']))}）"
                    for m in found)
