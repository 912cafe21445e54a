"""At the village: what the agent records for the resident after the office acted.

What comes back down (decisions, notices, every step of a case) is applied by the
sync round (``station.network.arrivals``).  Here the agent records the supplement
(补齐材料), the delivery (送达) and the resident's rating (好差评), or a withdrawal
(退件); each is checked against the case's lifecycle and sent up at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from forms.validate import validate_form
from station import outbox
from station.app import Station
from station.cases import case_state
from station.errors import MaterialProblem, RatingInvalid, ReasonRequired
from station.filing.new_case import MaterialFile, add_material, check_materials, read_head
from station.i18n import translate
from station.network import link
from station.store.blobs import StoredBlob
from station.store.models import Case, Event
from sync import lifecycle
from sync.lifecycle import CaseView

RATINGS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
POOR = ("不满意", "非常不满意")


def _act(station: Station, case_no: str, type_: str, payload: dict[str, Any],
         sync: bool = True) -> CaseView:
    view = case_state.view(station, case_no)
    case_state.check(station, view, type_)
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, type_, payload, case_no=case_no,
                      matter_code=view.matter)
    after = case_state.refresh(station, case_no)
    if sync:
        link.sync_once(station)
    return after


def supplement(station: Station, case_no: str, materials: Sequence[MaterialFile],
               sync: bool = True) -> CaseView:
    """The resident brought what the one-time notice listed: scan it, send it up."""
    case = Case.get_or_none(Case.case_no == case_no)
    view = case_state.view(station, case_no)
    case_state.check(station, view, lifecycle.SUPPLEMENTED)
    if case is None:
        raise MaterialProblem(detail=case_no)
    matter = station.catalogue.get(case.matter_code)
    problems = check_materials(matter, materials)
    if problems:
        raise problems[0]
    blobs = station.blobs.put_files([m.path for m in materials])
    with station.db.atomic("IMMEDIATE"):
        refs = _add_materials(case, materials, blobs)
    return _act(station, case_no, lifecycle.SUPPLEMENTED, {"materials": refs}, sync)


def _add_materials(case: Case, materials: Sequence[MaterialFile],
                   blobs: Sequence[StoredBlob]) -> list[dict[str, Any]]:
    """Record scans already kept as blobs (call inside a transaction); their references."""
    refs = []
    for item, blob in zip(materials, blobs, strict=True):
        material = add_material(case, item.name, blob, read_head(item.path),
                                item.path.name, outbox.utc_now())
        refs.append({"name": item.name, "page": material.page, "blob": blob.address})
    return refs


def return_reason(case_no: str) -> str:
    """Why the office sent the case back (the latest return received here), or ""."""
    event = (Event.select().where((Event.case_no == case_no)
                                  & (Event.type == lifecycle.RETURN_RECEIVED))
             .order_by(Event.seq.desc()).first())
    return str((event.payload or {}).get("reason") or "") if event else ""


def resubmit(station: Station, case_no: str, note: str,
             materials: Sequence[MaterialFile] = (), form: Mapping[str, Any] | None = None,
             sync: bool = True) -> CaseView:
    """A returned case corrected (form values, materials) and sent again AS THE SAME CASE:
    the office takes in the corrections and the case waits on its desk again."""
    case = Case.get_or_none(Case.case_no == case_no)
    view = case_state.view(station, case_no)
    case_state.check(station, view, lifecycle.RESUBMITTED)
    if not note.strip():
        raise ReasonRequired(action=translate(lifecycle.action_label(lifecycle.RESUBMITTED)))
    if case is None:
        raise MaterialProblem(detail=case_no)
    matter = station.catalogue.get(case.matter_code)
    changed = validate_form(matter, {**case.form, **form}) if form else None
    if materials:
        problems = check_materials(matter, materials)
        if problems:
            raise problems[0]
    blobs = station.blobs.put_files([m.path for m in materials])
    with station.db.atomic("IMMEDIATE"):
        refs = _add_materials(case, materials, blobs)
        if changed is not None:
            case.form = changed
            case.save()
    payload: dict[str, Any] = {"materials": refs, "note": note.strip()}
    if changed is not None:
        payload["form"] = changed
    return _act(station, case_no, lifecycle.RESUBMITTED, payload, sync)


def deliver(station: Station, case_no: str, method: str = "当面送达", note: str = "",
            sync: bool = True) -> CaseView:
    """送达: the resident received the result (送达回执)."""
    return _act(station, case_no, lifecycle.DELIVERED_EVENT,
                {"method": method, "note": note}, sync)


def rate(station: Station, case_no: str, rating: str, comment: str = "",
         sync: bool = True) -> CaseView:
    """好差评 on the five-level scale; 不满意 and 非常不满意 open a follow-up."""
    if rating not in RATINGS:
        raise RatingInvalid(rating=rating, levels="、".join(RATINGS))
    type_ = lifecycle.RATED_POOR if rating in POOR else lifecycle.RATED
    return _act(station, case_no, type_, {"rating": rating, "comment": comment}, sync)


def withdraw(station: Station, case_no: str, reason: str, sync: bool = True) -> CaseView:
    """退件: the resident withdraws the application before a decision."""
    return _act(station, case_no, lifecycle.WITHDRAWN_EVENT, {"reason": reason}, sync)


def close_unrated(station: Station, case_no: str, sync: bool = True) -> CaseView:
    return _act(station, case_no, lifecycle.CLOSED_EVENT, {}, sync)
