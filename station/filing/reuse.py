"""资料共享: a material a resident handed in once is not asked for again.

When the agent enters the applicant's ID number, the station lists what that
resident handed in for earlier cases here (found through the ID's blind index,
never by decrypting the store): the materials this matter also needs and the
catalogue lets be reused (``reuse_months``), newest first, each with the case it
came with, when it was received, its pages, until when it may serve, and what
offices found of it (已核验, ``MaterialCheck``).  An expired one is listed as such
and cannot be chosen.

With the resident's consent the agent reuses one: the new case's rows point at the
same pages in the material store (referenced, not copied), and the consent is an
event of its own in the chain (``consent.material_reused``).  Upward the pages
travel as before: their transport copy is the one already at the hub, so nothing is
uploaded again, and the filing's sealed payload carries its key to the new case's
readers (the re-wrap; ``station.network.publish``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from forms.catalogue import Matter
from station.app import Station
from station.cases.material_checks import Check, checked_text, checks_of, stored_day
from station.documents.layout import format_date
from station.errors import ReuseNotOffered, ReuseWithoutConsent, ReuseWithPages
from station.i18n import _
from station.store.models import Applicant, Case, CaseMaterial


@dataclass(frozen=True)
class Offer:
    """One earlier material of the resident that this matter could use again."""

    name: str
    case_no: str  # the case it was first handed in for
    received: date  # when it was first received (China time)
    pages: int
    until: date  # the last day it may serve (received + the catalogue's months)
    expired: bool
    checks: tuple[Check, ...]
    blobs: tuple[str, ...]  # its pages' content addresses, in page order
    media_types: tuple[str, ...]
    sizes: tuple[int, ...]
    received_at: str  # the stored timestamp of the first receipt

    @property
    def usable(self) -> bool:
        return not self.expired


def offers(station: Station, id_number: str, matter: Matter,
           today: date | None = None) -> list[Offer]:
    """The resident's earlier materials this matter may reuse, by material in the
    catalogue's order: for each, the newest one held here (expired ones included, marked)."""
    reusable = {m.name: m.reuse_months for m in matter.materials if m.reuse_months}
    if not reusable:
        return []
    person = Applicant.get_or_none(
        Applicant.id_index == station.index.index("id_number", id_number.strip().upper()))
    if person is None:
        return []
    today = today or datetime.now().astimezone().date()
    rows = list(CaseMaterial.select(CaseMaterial, Case.case_no)
                .join(Case)
                .where((Case.applicant == person) & CaseMaterial.name.in_(list(reusable)))
                .order_by(CaseMaterial.received_at.desc(), CaseMaterial.page))
    groups: dict[str, dict[str, list[CaseMaterial]]] = {}
    for row in rows:  # name -> origin case -> pages; the first origin seen is the newest
        origin = row.reused_from or row.case.case_no
        groups.setdefault(row.name, {}).setdefault(origin, []).append(row)
    found: list[Offer] = []
    for name in reusable:
        if name not in groups:
            continue
        origin, pages = next(iter(groups[name].items()))
        pages = _one_copy(pages)
        received = stored_day(pages[0].received_at)
        until = received + relativedelta(months=reusable[name])  # 31 Jan + 1: 28/29 Feb
        blobs = tuple(p.blob for p in pages)
        found.append(Offer(name=name, case_no=origin, received=received, pages=len(pages),
                           until=until, expired=today > until, checks=checks_of(blobs),
                           blobs=blobs, media_types=tuple(p.media_type for p in pages),
                           sizes=tuple(p.size for p in pages),
                           received_at=pages[0].received_at))
    return found


def _one_copy(rows: list[CaseMaterial]) -> list[CaseMaterial]:
    """The pages of one origin once each (it may have been reused in several cases)."""
    seen: dict[int, CaseMaterial] = {}
    for row in rows:
        seen.setdefault(row.page, row)
    return [seen[page] for page in sorted(seen)]


def choose(station: Station, id_number: str, matter: Matter, names: Sequence[str],
           consent: bool, handed_in: Iterable[str], today: date | None = None) -> list[Offer]:
    """The offers the agent chose by material name; refused unless each is offered and
    not expired, no page of it is handed in as well, and the resident consented."""
    if not names:
        return []
    if not consent:
        raise ReuseWithoutConsent()
    given = set(handed_in)
    both = [name for name in names if name in given]
    if both:
        raise ReuseWithPages(names="、".join(both))
    available = {offer.name: offer for offer in offers(station, id_number, matter, today)
                 if offer.usable}
    absent = [name for name in names if name not in available]
    if absent:
        raise ReuseNotOffered(names="、".join(absent))
    return [available[name] for name in dict.fromkeys(names)]


def consent_payload(chosen: Sequence[Offer], agent: str) -> dict[str, object]:
    """The consent event's payload: which materials, from which cases (no personal data)."""
    return {
        "consent": True,
        "agent": agent,
        "materials": [{"name": o.name, "from_case": o.case_no, "pages": o.pages,
                       "received": o.received.isoformat(), "until": o.until.isoformat()}
                      for o in chosen],
    }


def describe(offer: Offer) -> str:
    """One earlier material as the agent reads it, in the wizard and the CLI."""
    if offer.expired:
        state = _("已过期（可复用至 {date}），请收取新的").format(date=format_date(offer.until))
    else:
        state = _("可复用至 {date}").format(date=format_date(offer.until))
    return _("{name}：{date} 随办件 {case_no} 提交，{pages} 页；{state}；{checked}").format(
        name=offer.name, date=format_date(offer.received), case_no=offer.case_no,
        pages=offer.pages, state=state, checked=checked_text(offer.checks))
