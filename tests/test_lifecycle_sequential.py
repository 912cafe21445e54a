"""flow = "sequential": at the deciding tier 残联 reviews first and passes the case on;
only then does 民政局 see it, and only 民政局 decides (the catalogue's order)."""

from __future__ import annotations

import pytest

from forms.catalogue import load_catalogue
from station.cases.matter_rules import rule_of
from sync import lifecycle as L  # noqa: N812 - short name for a table-heavy test
from sync.problems import ActionNotPermitted

VILLAGE, TOWNSHIP, COUNTY = "450981104201", "450981104000", "450981000000"
CASE = f"{VILLAGE}-20261201-0001"
CATALOGUE = load_catalogue()
SEQUENTIAL = rule_of(CATALOGUE.get("450981-CL-001"))
JOINT = rule_of(CATALOGUE.get("450981-NY-001"))  # 农业农村办 with 自然资源所: joint
AGENT = L.Actor(VILLAGE, "village", "agent", "agent", None)
MZB = L.Actor(TOWNSHIP, "township", "mzb", "signer", "民政办")
CL = L.Actor(COUNTY, "county", "cl", "signer", "残联")
MZJ = L.Actor(COUNTY, "county", "mzj", "signer", "民政局")
OFFICES = {"mzb": "民政办", "cl": "残联", "mzj": "民政局"}


def act(view: L.CaseView, type_: str, actor: L.Actor,
        matter: L.MatterRule = SEQUENTIAL) -> L.CaseView:
    return L.step(view, L.Fact(type_, actor.node, actor.user, CASE, matter.code), actor,
                  matter, lambda holder: OFFICES.get(holder.split("/")[1]))


def at_county() -> L.CaseView:
    view = act(L.CaseView(CASE), L.FILED, AGENT)
    assert view.offices == (f"{TOWNSHIP}:民政办",)
    for type_ in (L.CLAIMED, L.ACCEPTED, L.FORWARDED):
        view = act(view, type_, MZB)
    return view


def test_the_catalogue_order_becomes_the_rule() -> None:
    assert SEQUENTIAL.sequential and SEQUENTIAL.deciders == ("残联", "民政局")
    assert not JOINT.sequential and JOINT.desks_at("township") == JOINT.offices_at("township")


def test_the_first_office_reviews_and_passes_the_case_on() -> None:
    view = at_county()
    assert view.level == "county" and view.offices == (f"{COUNTY}:残联",)
    with pytest.raises(ActionNotPermitted):
        act(view, L.CLAIMED, MZJ)  # 民政局's turn has not come
    view = act(view, L.CLAIMED, CL)
    with pytest.raises(ActionNotPermitted, match="民政局"):
        act(view, L.APPROVED, CL)  # 残联 does not decide
    with pytest.raises(ActionNotPermitted):
        act(view, L.JOINT_OPENED, CL)  # one after the other, not together
    view = act(view, L.FORWARDED, CL)
    assert view.level == "county" and view.state == L.REVIEW and view.holder is None
    assert view.offices == (f"{COUNTY}:民政局",)
    with pytest.raises(ActionNotPermitted):
        act(view, L.CLAIMED, CL)  # passed on: no longer 残联's
    view = act(view, L.CLAIMED, MZJ)
    with pytest.raises(ActionNotPermitted, match="无需上报"):
        act(view, L.FORWARDED, MZJ)  # the last office decides
    decided = act(view, L.APPROVED, MZJ)
    assert decided.state == L.DECIDED and decided.decided_by == f"{COUNTY}:民政局"


def test_the_same_events_fold_to_the_same_case_elsewhere() -> None:
    facts = [(L.FILED, AGENT), (L.CLAIMED, MZB), (L.ACCEPTED, MZB), (L.FORWARDED, MZB),
             (L.CLAIMED, CL), (L.FORWARDED, CL), (L.CLAIMED, MZJ), (L.APPROVED, MZJ)]
    folded = L.fold(CASE, [(L.Fact(t, a.node, a.user, CASE, SEQUENTIAL.code), a.office)
                           for t, a in facts], SEQUENTIAL)
    assert folded.state == L.DECIDED and folded.decided_by == f"{COUNTY}:民政局"
