"""拒绝入网: the approver refuses a pending enrolment request, against real hubs on loopback.

- The township refuses its village's request (``station enrol refuse``, the
  sync hub by default): the hub answers ``refused`` with the reason, no longer
  lists it as pending, spends the code, and the village's ``enrol fetch``
  says why.  Refusals that do not verify, that are signed by a node other
  than the approver, that name another request or carry no reason are
  refused and change nothing; a user who is not an admin cannot refuse.  The
  village then asks again with a new code and enrols.
- With PostgreSQL hubs: the county refuses a request relayed up through the
  township hub; the refusal comes down, so the village reads it at the hub
  it asked; a new code from the county enrols it through the same relay.
- A hub database made before refusals (schema 3) gains the refusal columns.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from cli import station
from conftest import PASSPHRASE
from cryptography.hazmat.primitives.asymmetric import ed25519
from network import postgres_databases

from station import node_keys, outbox
from station.app import Station
from station.demo import demo_network
from station.demo.demo_network import ADMIN, DemoNetwork, wait_until
from station.errors import RoleRequired
from station.hubops import hub_runner
from station.network import enrolment_net, link
from sync.client import HubClient
from sync.hub.identity import open_database
from sync.hub.models import SCHEMA_VERSION, HubEnrolment, HubGrant
from sync.problems import DocumentMalformed, RefusalInvalid, RefusalMismatch, RefusalNotApprover
from sync.refusal import MAX_REASON, REFUSAL_KIND, request_digest
from sync.signed import sign_document

NEW = "450981104202"
REASON = "站点名称与区划代码不符，请核对后重新申请"
WAIT = 180.0  # a relay up and a refusal down between two hubs on a shared 2-core machine


def env(net: DemoNetwork) -> dict[str, str]:
    return {"STATION_PASSPHRASE": PASSPHRASE,
            "STATION_DOCUMENTS": str(net.workdir / "documents" / "cli")}


def as_admin(net: DemoNetwork, data: Path, *args: str | Path) -> Any:
    return station(*args, "--data", data, "--user", ADMIN, env=env(net))


def as_new(net: DemoNetwork, data: Path, *args: str | Path) -> Any:
    return station(*args, "--data", data, env=env(net))


def new_station(net: DemoNetwork) -> Path:
    data = net.workdir / NEW
    done = station("init", "--tier", "village", "--code", NEW, "--name", f"新站 {NEW}",
                   "--data", data, "--json", env=env(net))
    assert done.code == 0, done.err
    return data


def issue(net: DemoNetwork, data: Path, hub: str) -> str:
    issued = as_admin(net, data, "enrol", "issue", "--code", NEW, "--tier", "village", "--hub",
                      hub, "--json")
    assert issued.code == 0, issued.err
    return str(issued.json()["code"])


def hub_rows(url: str | None, data: Path, model: Any) -> list[Any]:
    """Rows of a hub table, read straight from the hub's database while it runs."""
    db = open_database(url, data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return list(model.select().order_by(*model._meta.get_primary_keys()))
    finally:
        db.close()


def enrolment_row(url: str | None, data: Path) -> Any:
    [row] = hub_rows(url, data, HubEnrolment)
    return row


def connected(opened: Station, hub: str) -> HubClient:
    client = link.client_for(opened, hub)
    link.connect(opened, client)
    return client


def refusal(issuer: str, held: dict[str, Any], key: ed25519.Ed25519PrivateKey,
            key_id: str | None = None, **changed: str) -> dict[str, str]:
    value = {"kind": REFUSAL_KIND, "issuer": issuer, "node": NEW,
             "request": request_digest(held), "reason": REASON,
             "refused_at": "2026-12-06T03:00:00+00:00", **changed}
    return sign_document(value, key, key_id or issuer)


def signing_key() -> ed25519.Ed25519PrivateKey:
    key = node_keys.load_key(node_keys.SIGNING)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


def test_the_township_refuses_with_a_reason_and_a_new_code_enrols_the_village(
        net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    hub = net.township.address
    assert hub
    code = issue(net, net.township.data, hub)
    data = new_station(net)
    sent = as_new(net, data, "enrol", "request", "--hub", hub, "--enrolment-code", code,
                  "--json")
    assert sent.code == 0 and sent.json()["state"] == "pending", sent.err

    with net.open(net.township) as township:
        admin = connected(township, hub)
        [item] = admin.enrolment_requests()
        request = item["request"]
        key = signing_key()
        with pytest.raises(RefusalInvalid):  # the township's name, a stranger's key
            admin.refuse_enrolment(refusal(township.node.code, request,
                                           ed25519.Ed25519PrivateKey.generate()))
        with pytest.raises(RefusalMismatch):  # names another request
            admin.refuse_enrolment(refusal(township.node.code, request, key,
                                           request="0" * 64))
        for reason in ("  ", "长" * (MAX_REASON + 1)):
            with pytest.raises(DocumentMalformed):
                admin.refuse_enrolment(refusal(township.node.code, request, key,
                                               reason=reason))
        with pytest.raises(enrolment_net.RefusalReasonNeeded):
            enrolment_net.refuse(township, admin, NEW, " \n ")
    with net.open(net.township, "mz") as reviewer, pytest.raises(RoleRequired):
        enrolment_net.refuse(reviewer, link.client_for(reviewer, hub), NEW, REASON)
    with net.open(net.village) as village:  # enrolled under the township, not the approver
        client = connected(village, hub)
        with pytest.raises(RefusalNotApprover):
            client.refuse_enrolment(refusal(village.node.code, request, signing_key()))
    row = enrolment_row(None, net.township.data)
    assert (row.state, row.refusal, row.reason) == ("pending", None, None)
    assert [g.used_at for g in hub_rows(None, net.township.data, HubGrant)] == [None]

    refused = as_admin(net, net.township.data, "enrol", "refuse", NEW, "--reason", REASON,
                       "--json")  # at the sync hub
    assert refused.code == 0, refused.err
    assert refused.json() == {"node": NEW, "state": "refused", "hub": hub}
    row = enrolment_row(None, net.township.data)
    assert (row.state, row.reason) == ("refused", REASON)
    assert [g.used_at is not None for g in hub_rows(None, net.township.data, HubGrant)] == [True]
    listed = as_admin(net, net.township.data, "enrol", "pending", "--json")
    assert listed.code == 0 and listed.json()["requests"] == [], listed.err
    again = as_admin(net, net.township.data, "enrol", "refuse", NEW, "--reason", REASON)
    assert again.code == 5 and NEW in again.err, again.err  # no longer pending
    with net.open(net.township) as township:
        assert outbox.count_events("trust.enrolment_refused") == 1  # in the audit

    fetched = as_new(net, data, "enrol", "fetch")
    assert fetched.code == 1 and f"拒绝了本站的入网申请，理由是：{REASON}。" in fetched.err, \
        fetched.err
    resent = as_new(net, data, "enrol", "request", "--hub", hub, "--enrolment-code", code)
    assert resent.code == 1 and REASON in resent.err, resent.err  # the same request: refused

    code = issue(net, net.township.data, hub)  # a new code: the refusal does not block it
    sent = as_new(net, data, "enrol", "request", "--hub", hub, "--enrolment-code", code,
                  "--json")
    assert sent.code == 0 and sent.json()["state"] == "pending", sent.err
    row = enrolment_row(None, net.township.data)
    assert (row.state, row.refusal, row.reason) == ("pending", None, None)
    approved = as_admin(net, net.township.data, "enrol", "approve", "--hub", hub, NEW)
    assert approved.code == 0, approved.err
    fetched = as_new(net, data, "enrol", "fetch", "--json")
    assert fetched.code == 0 and fetched.json()["code"] == NEW, fetched.err


def test_the_county_refuses_a_relayed_request_and_the_village_reads_it_at_its_own_hub(
        net: DemoNetwork) -> None:
    with postgres_databases("county", "township") as (county_db, township_db):
        demo_network.start_hubs(net, county_db, township_db)
        county_hub, township_hub = net.county.address, net.township.address
        assert county_hub and township_hub
        code = issue(net, net.county.data, county_hub)
        wait_until(lambda: hub_rows(township_db, net.township.data, HubGrant), WAIT,
                   "the county's grant at the township hub")
        data = new_station(net)
        sent = as_new(net, data, "enrol", "request", "--hub", township_hub,
                      "--enrolment-code", code)
        assert sent.code == 0, sent.err

        with net.open(net.county) as county:
            admin = connected(county, county_hub)
            wait_until(lambda: [r["node"] for r in admin.enrolment_requests()] == [NEW], WAIT,
                       "the request relayed to the county hub")
            [item] = admin.enrolment_requests()
        with net.open(net.township) as township:  # the hub below is not the approver
            client = connected(township, county_hub)
            with pytest.raises(RefusalNotApprover):
                client.refuse_enrolment(refusal(township.node.code, item["request"],
                                                signing_key()))
        assert enrolment_row(county_db, net.county.data).state == "pending"

        refused = as_admin(net, net.county.data, "enrol", "refuse", NEW, "--reason", REASON,
                           "--hub", county_hub)
        assert refused.code == 0, refused.err
        assert "已拒绝" in refused.err + refused.out
        wait_until(lambda: enrolment_row(township_db, net.township.data).state == "refused",
                   WAIT, "the refusal relayed down to the township hub")
        row = enrolment_row(township_db, net.township.data)
        assert row.reason == REASON and json.loads(row.refusal)["signature"]
        assert [g.used_at is not None
                for g in hub_rows(township_db, net.township.data, HubGrant)] == [True]
        fetched = as_new(net, data, "enrol", "fetch")  # at the township hub it asked
        assert fetched.code == 1 and REASON in fetched.err, fetched.err

        code = issue(net, net.county.data, county_hub)
        wait_until(lambda: [g for g in hub_rows(township_db, net.township.data, HubGrant)
                            if g.used_at is None], WAIT, "the new grant at the township hub")
        sent = as_new(net, data, "enrol", "request", "--hub", township_hub,
                      "--enrolment-code", code, "--json")
        assert sent.code == 0 and sent.json()["state"] == "pending", sent.err
        with net.open(net.county) as county:
            admin = connected(county, county_hub)
            wait_until(lambda: [r["node"] for r in admin.enrolment_requests()] == [NEW], WAIT,
                       "the new request relayed to the county hub")
        approved = as_admin(net, net.county.data, "enrol", "approve", "--hub", county_hub, NEW)
        assert approved.code == 0, approved.err
        fetched = station("enrol", "fetch", "--wait", "--json", "--data", data, env=env(net),
                          timeout=WAIT)
        assert fetched.code == 0 and fetched.json()["code"] == NEW, fetched.err
        assert enrolment_row(township_db, net.township.data).state == "approved"
        net.stop()


SCHEMA_3_ENROLMENT = (
    "CREATE TABLE hub_enrolment (node TEXT NOT NULL PRIMARY KEY, tier TEXT NOT NULL, "
    "request TEXT NOT NULL, screen TEXT NOT NULL, issuer TEXT NOT NULL, peer TEXT NOT NULL, "
    "received_at TEXT NOT NULL, state TEXT NOT NULL, certificates TEXT, approved_at TEXT)")
OLD_ROW = ("INSERT INTO hub_enrolment VALUES ('450981104202', 'village', '{}', 's', "
           "'450981104000', '450981104202', '2026-12-01', 'pending', NULL, NULL)")
STATE_3 = ["CREATE TABLE hub_state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
           "INSERT INTO hub_state VALUES ('schema', '3')"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_hub_from_before_refusals_gains_the_refusal_columns(engine: str,
                                                              tmp_path: Path) -> None:
    if engine == "sqlite":
        path = tmp_path / "hub.db"
        with sqlite3.connect(path) as old:
            for statement in (SCHEMA_3_ENROLMENT, OLD_ROW, *STATE_3):
                old.execute(statement)
        check_upgraded(None, path)
        return
    with postgres_databases("old") as (url,):
        with psycopg2.connect(url) as old, old.cursor() as cursor:
            for statement in (SCHEMA_3_ENROLMENT, OLD_ROW, *STATE_3):
                cursor.execute(statement)
        old.close()
        check_upgraded(url, tmp_path / "unused.db")


def check_upgraded(url: str | None, path: Path) -> None:
    db = open_database(url, path)
    try:
        with db.connection_context():
            columns = {c.name for c in db.get_columns("hub_enrolment")}
            assert {"refusal", "reason", "refused_at"} <= columns
            [row] = HubEnrolment.select()
            assert (row.state, row.refusal, row.reason) == ("pending", None, None)
            schema = db.execute_sql("SELECT value FROM hub_state WHERE key = 'schema'")
            assert json.loads(schema.fetchone()[0]) == SCHEMA_VERSION
    finally:
        db.close()
