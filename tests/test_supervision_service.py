"""The monthly report over the demo network's real hubs: a case's whole life counted at
the county, nothing personal in the report, and who may ask for what."""

from __future__ import annotations

import json
from typing import Any

import pytest

from station.demo import demo_network
from station.demo.demo_network import ADMIN, REVIEW_MATTER, REVIEWERS
from station.demo.samples import RESIDENTS
from station.errors import StationError
from station.network import link
from station.supervision import service
from station.supervision.monthly import CountyScopeOnly, ScopeOutside
from station.trust.users import RoleRequired


def test_the_county_counts_a_case_s_whole_life_and_nothing_personal(hubs: Any) -> None:
    net = hubs
    trip = demo_network.review_trip(net)
    with net.open(net.village) as village:
        link.sync_once(village)  # the rating goes up
        head = link.acked_seq()
    demo_network.wait_for_county(net, {net.village.code: head})
    with net.open(net.county, ADMIN) as county:
        today = service.today_in_china()
        made = service.monthly(county, today.strftime("%Y-%m"), today=today)
    total = made.total
    # one case: a one-time notice, then accepted, decided and rated 满意, all today
    assert (total.received, total.decided, total.supplemented, total.rated_good) == (1, 1, 1, 1)
    assert total.on_time == 1 and total.overdue == 0
    assert [row.key for row in made.matters] == [REVIEW_MATTER]
    assert [row.key for row in made.stations] == [net.village.code]
    assert made.stations[0].name and made.stations[0].name != net.village.code
    assert made.offices[0].name.endswith("民政局")  # the county office that decided
    shown = json.dumps(made.to_json(), ensure_ascii=False)
    assert trip["review_case"] not in shown  # counts, not cases
    for resident in RESIDENTS:
        for value in (resident.name, resident.id_number, resident.phone):
            assert value not in shown


def test_who_may_see_which_area(hubs: Any) -> None:
    net = hubs
    with net.open(net.village) as village:
        assert not service.can_supervise(village)
        with pytest.raises(StationError):
            service.monthly(village, "2026-11")
    with net.open(net.township, REVIEWERS[0][0]) as reviewer:
        assert not service.can_supervise(reviewer)
        with pytest.raises(RoleRequired):
            service.monthly(reviewer, "2026-11")
    with net.open(net.township, ADMIN) as township:
        assert service.can_supervise(township)
        with pytest.raises(CountyScopeOnly):
            service.monthly(township, "2026-11", scope="county")
        with pytest.raises(ScopeOutside):  # a village of another township
            service.monthly(township, "2026-11", scope="station", code="450981105201")
        own = service.monthly(township, "2026-11")  # the hub beside it, its own subtree
        assert own.scope.code == net.township.code and own.total.received == 0


def test_an_unreachable_database_is_said_plainly(net: Any) -> None:
    from station.supervision.service import HubDatabaseUnreachable

    with net.open(net.county, ADMIN) as county, pytest.raises(HubDatabaseUnreachable) as caught:
        service.board(county, url="postgresql://nobody@127.0.0.1:9/none")
    assert "读不了枢纽站数据库" in str(caught.value)
