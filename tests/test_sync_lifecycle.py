"""The transition table as a pure function: who may do what, in which state."""

from __future__ import annotations

import pytest

from sync import lifecycle as L  # noqa: N812 - short name for a table-heavy test
from sync.problems import ActionNotPermitted, ActionOutOfState, AlreadyClaimed, NotClaimHolder

VILLAGE, TOWNSHIP, COUNTY = "450981104201", "450981104000", "450981000000"
CASE = f"{VILLAGE}-20261121-0001"
MATTER = L.MatterRule("450981-MZ-004", "county", ("民政局",),
                      {"township": ("民政办", "残联"), "county": ("民政局",)})
AGENT = L.Actor(VILLAGE, "village", "agent", "agent", None)
MZ = L.Actor(TOWNSHIP, "township", "mz", "reviewer", "民政办")
MZ2 = L.Actor(TOWNSHIP, "township", "mz2", "reviewer", "民政办")
CL = L.Actor(TOWNSHIP, "township", "cl", "reviewer", "残联")
QF = L.Actor(TOWNSHIP, "township", "qf", "signer", "民政办")
QZ = L.Actor(COUNTY, "county", "qz", "signer", "民政局")


def act(view: L.CaseView, type_: str, actor: L.Actor) -> L.CaseView:
    offices = {"mz": "民政办", "mz2": "民政办", "cl": "残联", "qf": "民政办"}
    return L.step(view, L.Fact(type_, actor.node, actor.user, CASE, MATTER.code), actor,
                  MATTER, lambda holder: offices.get(holder.split("/")[1]))


def reviewed() -> L.CaseView:
    view = act(L.CaseView(CASE), L.FILED, AGENT)
    view = act(view, L.CLAIMED, MZ)
    return act(view, L.ACCEPTED, MZ)


def test_a_filed_case_waits_at_the_township_offices_of_its_matter() -> None:
    view = act(L.CaseView(CASE), L.FILED, AGENT)
    assert view.state == L.QUEUED and view.level == "township"
    assert view.offices == (f"{TOWNSHIP}:民政办", f"{TOWNSHIP}:残联")


def test_one_claim_at_a_time_and_only_the_holder_acts() -> None:
    view = act(act(L.CaseView(CASE), L.FILED, AGENT), L.CLAIMED, MZ)
    with pytest.raises(AlreadyClaimed):
        act(view, L.CLAIMED, MZ2)
    with pytest.raises(NotClaimHolder):
        act(view, L.ACCEPTED, MZ2)
    taken = act(view, L.REASSIGNED, MZ2)  # AB岗: a colleague of the same office
    assert taken.holder == f"{TOWNSHIP}/mz2"
    with pytest.raises(ActionNotPermitted):
        act(view, L.REASSIGNED, CL)  # another office may not take it over


def test_joint_review_waits_for_every_office() -> None:
    view = act(reviewed(), L.JOINT_OPENED, MZ)
    assert view.state == L.JOINT and view.pending == (f"{TOWNSHIP}:残联",)
    with pytest.raises(ActionOutOfState):
        act(view, L.FORWARDED, MZ)
    with pytest.raises(ActionNotPermitted):
        act(view, L.OPINION, MZ)  # the lead office is not among those asked
    view = act(view, L.OPINION, CL)
    assert view.state == L.REVIEW and view.pending == ()
    assert act(view, L.FORWARDED, MZ).level == "county"


def test_only_the_deciding_tier_and_office_decide() -> None:
    view = act(act(reviewed(), L.RELEASED, MZ), L.CLAIMED, QF)
    with pytest.raises(ActionNotPermitted, match="县级"):
        act(view, L.APPROVED, QF)
    view = act(act(view, L.RELEASED, QF), L.CLAIMED, MZ)
    view = act(view, L.FORWARDED, MZ)
    with pytest.raises(ActionNotPermitted):
        act(view, L.CLAIMED, MZ)  # the case has left the township
    view = act(view, L.CLAIMED, QZ)
    decided = act(view, L.APPROVED, QZ)
    assert decided.state == L.DECIDED and decided.decided_by == f"{COUNTY}:民政局"


def test_a_village_may_not_decide_and_a_reviewer_may_not_sign() -> None:
    view = reviewed()
    with pytest.raises(ActionNotPermitted):
        act(view, L.APPROVED, AGENT)
    with pytest.raises(ActionNotPermitted):
        act(view, L.APPROVED, MZ)  # reviewer role


def test_a_bad_rating_goes_back_to_the_deciding_office() -> None:
    view = act(act(act(reviewed(), L.FORWARDED, MZ), L.CLAIMED, QZ), L.REJECTED, QZ)
    view = act(view, L.DELIVERED_EVENT, AGENT)
    view = act(view, L.RATED_POOR, AGENT)
    assert view.state == L.FOLLOWUP and view.offices == (f"{COUNTY}:民政局",)
    assert view.level == "county"
    with pytest.raises(ActionNotPermitted):
        act(view, L.FOLLOWUP_CLOSED, MZ)
    assert act(view, L.FOLLOWUP_CLOSED, QZ).state == L.CLOSED


def test_special_procedure_returns_where_it_left_and_one_extension() -> None:
    view = act(act(reviewed(), L.JOINT_OPENED, MZ), L.SPECIAL_STARTED, MZ)
    assert view.state == L.SPECIAL and view.resume == L.JOINT
    assert act(view, L.SPECIAL_ENDED, MZ).state == L.JOINT
    view = act(reviewed(), L.EXTENSION_REQUESTED, MZ)
    with pytest.raises(ActionNotPermitted):
        act(view, L.EXTENSION_APPROVED, MZ)  # a reviewer does not approve
    other = L.Actor(TOWNSHIP, "township", "sf", "signer", "司法所")
    with pytest.raises(ActionNotPermitted):
        act(view, L.EXTENSION_APPROVED, other)  # a signer of an office not on the case
    view = act(view, L.EXTENSION_APPROVED, QF)
    with pytest.raises(ActionNotPermitted):
        act(view, L.EXTENSION_REQUESTED, MZ)


def test_fold_skips_what_does_not_fit_and_only_the_filer_withdraws() -> None:
    facts = [(L.Fact(L.ACCEPTED, TOWNSHIP, "mz", CASE), "民政办"),
             (L.Fact(L.FILED, VILLAGE, "agent", CASE, MATTER.code), None)]
    assert L.fold(CASE, facts, MATTER).state == L.QUEUED
    with pytest.raises(ActionNotPermitted):
        act(reviewed(), L.WITHDRAWN_EVENT, MZ)
    assert act(reviewed(), L.WITHDRAWN_EVENT, AGENT).state == L.WITHDRAWN


def test_a_view_survives_json() -> None:
    view = act(reviewed(), L.JOINT_OPENED, MZ)
    assert L.CaseView.from_json(view.to_json()) == view
