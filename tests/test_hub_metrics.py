"""The hub's /metrics: Prometheus text that Prometheus's own parser reads, counting
what a village's sync did, and refused to addresses the operator did not allow.

Real hub processes (the demo network's), real HTTP on loopback.  A second source
address on one machine: the hub listens on 127.0.0.1 and the client connects from
127.0.0.2 (Linux routes all of 127/8 to the loopback interface)."""

from __future__ import annotations

import http.client
import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest
from network import postgres_databases
from prometheus_client.parser import text_string_to_metric_families

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.hubops import hub_runner
from station.network import link
from sync.hub import forward
from sync.hub.identity import open_database
from sync.hub.metrics import allowed, networks
from sync.hub.models import HubState, upsert

OTHER = "127.0.0.2"  # a source address the default allow-list does not contain


def get(address: str, path: str = "/metrics", source: str = "127.0.0.1",
        headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET to the hub at ``address`` from ``source``."""
    url = urlsplit(address)
    assert url.hostname and url.port
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30,
                                            source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type") or "", answer.read()
    finally:
        connection.close()


def scrape(address: str, source: str = "127.0.0.1") -> dict[str, list[Any]]:
    """The samples of each metric family, read by prometheus_client's own parser."""
    status, content_type, body = get(address, source=source)
    assert status == 200, body.decode("utf-8", "replace")
    assert content_type.startswith("text/plain")
    return {family.name: family.samples
            for family in text_string_to_metric_families(body.decode("utf-8"))}


def value(families: dict[str, list[Any]], sample: str, **labels: str) -> float:
    """The sum of ``sample``'s values whose labels include ``labels``."""
    found = [s.value for samples in families.values() for s in samples
             if s.name == sample and labels.items() <= s.labels.items()]
    assert found, f"no sample {sample} {labels} in {sorted(families)}"
    return sum(found)


def test_metrics_count_a_village_sync_and_parse_with_prometheus_parser(
        hubs: DemoNetwork) -> None:
    head = village_sync_is_counted(hubs)
    hubs.stop()
    # the backlog is what the parent lacked as last seen: forget what it acknowledged
    db = open_database(None, hubs.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            assert forward.backlog(hubs.township.code) == 0
            upsert(HubState, key=forward.ACKED, value="{}")
            nothing_acked = forward.backlog(hubs.township.code)
            assert nothing_acked >= head
            upsert(HubState, key=forward.ACKED, value=f'{{"{hubs.village.code}": 1}}')
            assert forward.backlog(hubs.township.code) == nothing_acked - 1
    finally:
        db.close()


def test_metrics_of_hubs_on_postgresql(net: DemoNetwork) -> None:
    with postgres_databases("county", "township") as (county_db, township_db):
        demo_network.start_hubs(net, county_db, township_db)
        village_sync_is_counted(net)
        net.stop()


def village_sync_is_counted(net: DemoNetwork) -> int:
    """A village files and syncs: the township counts it, forwards it, and its backlog
    gauge comes back to zero with a last success noted."""
    assert net.township.address
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 1)
        link.sync_once(village)
        head = link.acked_seq()
    families = scrape(net.township.address)
    assert value(families, "bianmin_hub_events_ingested_total") >= head > 0
    assert value(families, "bianmin_hub_requests_total", method="POST", route="/v1/events",
                 status="2xx") >= 1
    assert value(families, "bianmin_hub_received_bytes_total") > 0
    assert value(families, "bianmin_hub_sent_bytes_total") > 0
    assert value(families, "bianmin_hub_database_size_bytes") > 0
    assert value(families, "bianmin_hub_data_free_bytes") > 0
    assert value(families, "bianmin_hub_forward_backlog_events") >= 0

    # the township forwards on its own schedule: the backlog empties, a success is noted
    demo_network.wait_for_county(net, {net.village.code: head})

    def forwarded() -> dict[str, list[Any]] | None:
        now = scrape(net.township.address)
        done = value(now, "bianmin_hub_forward_backlog_events") == 0 \
            and "bianmin_hub_upstream_last_success_timestamp_seconds" in now
        return now if done else None

    families = demo_network.wait_until(forwarded, what="the township's backlog to empty")
    assert value(families, "bianmin_hub_upstream_last_success_timestamp_seconds") > 0
    county = scrape(net.county.address or "")
    assert value(county, "bianmin_hub_events_ingested_total") >= head
    assert "bianmin_hub_forward_backlog_events" not in county  # the county has no parent
    return head


def test_metrics_are_refused_from_an_address_not_allowed(hubs: DemoNetwork) -> None:
    address = hubs.township.address
    assert address
    assert get(address, "/v1/health", source=OTHER)[0] == 200  # the address itself works
    status, content_type, body = get(address, source=OTHER)
    assert status == 403
    assert content_type.startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["type"].endswith("/metrics-not-permitted")
    assert OTHER in problem["detail"]
    assert "不在本枢纽站允许读取运行指标的范围内" in problem["detail"]
    families = scrape(address)
    assert value(families, "bianmin_hub_request_errors_total", method="GET", route="/metrics",
                 status="4xx") >= 1


def test_metrics_allow_replaces_the_default_and_a_trusted_proxy_relays(
        net: DemoNetwork) -> None:
    """--metrics-allow replaces loopback; behind --trusted-proxy the address checked is
    the one the proxy forwards, and nobody else can claim one."""
    address = demo_network.start_hub(net, net.county, options=(
        "--metrics-allow", f"{OTHER}/32", "--metrics-allow", "10.9.8.0/24",
        "--trusted-proxy", "127.0.0.1"))
    assert scrape(address, source=OTHER)["bianmin_hub_database_size_bytes"]
    assert get(address)[0] == 403  # 127.0.0.1 (the proxy itself) is not in the list
    assert get(address, headers={"X-Forwarded-For": "10.9.8.7"})[0] == 200
    assert get(address, headers={"X-Forwarded-For": "10.1.1.1"})[0] == 403
    # not from the trusted proxy: the header is dropped, the sender's own address counts
    assert get(address, source="127.0.0.3", headers={"X-Forwarded-For": "10.9.8.7"})[0] == 403


def test_a_postgresql_hub_reports_its_database_size(net: DemoNetwork) -> None:
    with postgres_databases("county") as (url,):
        address = demo_network.start_hub(net, net.county, db=url)
        families = scrape(address)
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        connection.close()
        # the hub's tables alone take some pages; the two reads are a moment apart
        assert value(families, "bianmin_hub_database_size_bytes") > 1 << 20
        assert abs(value(families, "bianmin_hub_database_size_bytes") - size) < size // 2
        assert value(families, "bianmin_hub_data_free_bytes") > 0
        net.stop()


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.7", False), ("127.0.0.2", False), ("", False), (None, False), ("nonsense", False),
])
def test_the_default_allow_list_is_loopback_only(address: str | None, expected: bool) -> None:
    assert allowed(address, networks(("127.0.0.1/32", "::1/128"))) is expected


def test_an_allowed_network_admits_its_addresses_only() -> None:
    allow = networks(["10.20.0.0/16", "fd00::/8"])
    assert allowed("10.20.255.1", allow) and allowed("fd00::5", allow)
    assert not allowed("10.21.0.1", allow) and not allowed("fe80::1", allow)
    with pytest.raises(ValueError):
        networks(["10.20.0.0/33"])
    assert ipaddress.ip_network("10.20.0.0/16") in allow
