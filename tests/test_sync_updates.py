"""Enrolment, catalogue and calendar updates over the sync protocol, against real
hubs on loopback (each its own ``station hub serve`` process).

- A new village enrols entirely over HTTP through the running township hub,
  then files a case that reaches the county.
- Forged, uninvited, malformed and oversized requests are refused and leave
  nothing at the hub.
- A catalogue and a calendar published at the county reach the village
  through both hubs and change what ``station matters`` and
  ``station calendar add`` answer; a malformed or older update changes nothing.
- With PostgreSQL hubs: a village whose code the county issued enrols through
  the township hub (request relayed up, approval relayed down), and an update
  arrives the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from cli import COMMAND, station
from conftest import PASSPHRASE
from cryptography.hazmat.primitives.asymmetric import ed25519
from network import postgres_databases

from forms.catalogue import DATA_DIR
from keys import ca
from keys.enrolment import (
    check_proof,
    check_screen,
    code_digest,
    new_code,
    request_proof,
    request_screen,
    screen_key,
)
from station import node_keys
from station.app import Station
from station.demo import demo_network
from station.demo.demo_network import ADMIN, DemoNetwork, file_samples, wait_for_county, wait_until
from station.hubops import hub_runner
from station.network import link, updates
from station.store.models import Setting
from station.trust import enrolment
from sync.client import HubClient
from sync.errors import SignatureInvalid
from sync.hub.identity import open_database
from sync.hub.models import HubEnrolment, HubGrant, HubSession, HubUpdate
from sync.problems import (
    ApprovalInvalid,
    EnrolmentNotInvited,
    EnrolmentScreenFailed,
    UpdateOutdated,
    UpdateSignerInvalid,
)
from sync.updates import CATALOGUE, make_update

MATTER = "450981-MZ-001"
OLD_NAME = "农村最低生活保障申请"
NEW_NAME = "农村最低生活保障申请（2027 年版）"


def env(net: DemoNetwork) -> dict[str, str]:
    return {"STATION_PASSPHRASE": PASSPHRASE,
            "STATION_DOCUMENTS": str(net.workdir / "documents" / "cli")}


def as_admin(net: DemoNetwork, data: Path, *args: str | Path) -> Any:
    return station(*args, "--data", data, "--user", ADMIN, env=env(net))


def new_station(net: DemoNetwork, code: str, tier: str = "village") -> Path:
    data = net.workdir / code
    done = station("init", "--tier", tier, "--code", code, "--name", f"新站 {code}", "--data",
                   data, "--json", env=env(net))
    assert done.code == 0, done.err
    return data


def hub_rows(url: str | None, data: Path, model: Any, **where: str) -> list[Any]:
    """Rows of a hub table, read straight from the hub's database while it runs."""
    db = open_database(url, data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            query = model.select()
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return list(query)
    finally:
        db.close()


def file_and_sync(net: DemoNetwork, data: Path) -> tuple[str, int]:
    """File one sample case at a station and sync it to its hub."""
    with Station.open(data, ADMIN, PASSPHRASE, net.workdir / "documents" / data.name) as opened:
        case_no = file_samples(net, opened, 1)[0].case_no
        report = link.sync_once(opened)
        assert report.pushed >= 1 and report.pending == 0, report
        return case_no, link.acked_seq()


# -- enrolment -------------------------------------------------------------------


def test_the_hubs_screen_key_checks_a_request_but_cannot_make_the_approvers_proof() -> None:
    code, csr = new_code(), ca.to_pem(ca.node_csr(ed25519.Ed25519PrivateKey.generate(),
                                                  "450981104202", "village", "村"))
    key = screen_key(code_digest(code))
    assert check_screen(key, csr, request_screen(code, csr))
    assert not check_screen(key, csr, request_screen(new_code(), csr))  # another code
    assert not check_screen(key, csr + b"\n", request_screen(code, csr))  # another request
    proof = request_proof(code, csr)
    assert check_proof(code_digest(code), csr, proof)
    assert not check_proof(key, csr, proof) and proof != request_screen(code, csr)



def test_a_new_village_enrols_over_http_and_its_case_reaches_the_county(
        net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    township_hub = net.township.address
    assert township_hub
    new = "450981104202"
    with net.open(net.township, ADMIN) as township:
        code = enrolment.issue_code(township, new, "village").code
    synced = as_admin(net, net.township.data, "sync", "--once", "--json")  # grants go up too
    assert synced.code == 0, synced.err
    assert [g.child for g in hub_rows(None, net.township.data, HubGrant)] == [new]
    data = new_station(net, new)

    sent = station("enrol", "request", "--hub", township_hub, "--enrolment-code", code,
                   "--data", data, "--json", env=env(net))
    assert sent.code == 0, sent.err
    assert sent.json()["state"] == "pending"
    early = station("enrol", "fetch", "--data", data, env=env(net))  # the hub is remembered
    assert early.code == 1 and "尚待上级站点批准" in early.err, early.err

    listed = as_admin(net, net.township.data, "enrol", "pending", "--hub", township_hub,
                      "--json")
    assert listed.code == 0, listed.err
    assert [(r["node"], r["tier"], r["name"]) for r in listed.json()["requests"]] == [
        (new, "village", f"新站 {new}")]

    waiting = subprocess.Popen(
        [*COMMAND, "enrol", "fetch", "--wait", "--json", "--data", str(data)],
        env={**os.environ, **env(net)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        approved = as_admin(net, net.township.data, "enrol", "approve", "--hub", township_hub,
                            new)
        assert approved.code == 0, approved.err
        out, err = waiting.communicate(timeout=180)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 0, err
    assert json.loads(out)["code"] == new
    again = as_admin(net, net.township.data, "enrol", "pending", "--json")  # the sync hub
    assert again.code == 0 and again.json()["requests"] == []
    [row] = hub_rows(None, net.township.data, HubGrant)
    assert row.used_at is not None  # the code cannot be used a second time

    case_no, head = file_and_sync(net, data)
    wait_for_county(net, {new: head})
    assert demo_network.county_audit(net, [case_no])["at_county"] == 1


def test_a_new_township_enrols_at_the_county_hub_with_its_issuing_key(
        net: DemoNetwork) -> None:
    county_hub = demo_network.start_hub(net, net.county)
    new = "450981105000"
    issued = as_admin(net, net.county.data, "enrol", "issue", "--code", new, "--tier",
                      "township", "--hub", county_hub, "--json")
    assert issued.code == 0, issued.err
    data = new_station(net, new, "township")
    sent = station("enrol", "request", "--hub", county_hub, "--enrolment-code",
                   issued.json()["code"], "--json", "--data", data, env=env(net))
    assert sent.code == 0 and sent.json()["state"] == "pending", sent.err
    approved = as_admin(net, net.county.data, "enrol", "approve", "--hub", county_hub, new)
    assert approved.code == 0, approved.err
    fetched = station("enrol", "fetch", "--json", "--data", data, env=env(net))
    assert fetched.code == 0, fetched.err
    assert (fetched.json()["code"], fetched.json()["tier"]) == (new, "township")
    with Station.open(data, ADMIN, PASSPHRASE, net.workdir / "documents" / new):
        issuing = ca.chain_from_pem((node_keys.certificate(node_keys.ISSUING) or "").encode())
    assert ca.node_name(issuing[0]).code == new  # it can now enrol its own villages


def test_forged_uninvited_and_malformed_requests_are_refused_and_nothing_is_kept(
        net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    hub = net.township.address
    assert hub
    new, uninvited = "450981104203", "450981104204"
    issued = as_admin(net, net.township.data, "enrol", "issue", "--code", new, "--tier",
                      "village", "--hub", hub, "--json")
    assert issued.code == 0, issued.err
    code = issued.json()["code"]
    data = new_station(net, new)

    wrong = station("enrol", "request", "--hub", hub, "--enrolment-code", new_code(),
                    "--data", data, env=env(net))
    assert wrong.code == 3 and "与注册码不符" in wrong.err, wrong.err

    with Station.open(data, ADMIN, PASSPHRASE, net.workdir / "documents" / new) as opened:
        genuine = enrolment.build_request(opened, code)
        key = node_keys.load_key(node_keys.SIGNING)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    intruder = ed25519.Ed25519PrivateKey.generate()
    swapped = {**genuine, "csrs": ca.to_pem(ca.node_csr(intruder, new, "village", "冒名村"))
               .decode()}  # the code holder's proofs, someone else's key
    client = HubClient(hub, intruder, new)
    client.health()
    with pytest.raises(EnrolmentScreenFailed):
        client.submit_enrolment(swapped)
    stranger = ed25519.Ed25519PrivateKey.generate()
    csr = ca.to_pem(ca.node_csr(stranger, uninvited, "village", "无码村"))
    forged = {"format": enrolment.REQUEST_FORMAT, "node_code": uninvited, "tier": "village",
              "csrs": csr.decode(), "proof": request_proof(code, csr),
              "screen": request_screen(code, csr)}
    with pytest.raises(EnrolmentNotInvited):
        HubClient(hub, stranger, uninvited).submit_enrolment(forged)
    with pytest.raises(SignatureInvalid):  # the genuine request, signed by another key
        HubClient(hub, intruder, new).submit_enrolment(genuine)

    for body, status, slug in ((b"{not json", 400, "malformed-request"),
                               (json.dumps({"request": {"format": "x"}}).encode(), 400,
                                "malformed"),
                               (b"{" + b" " * (70 << 10) + b"}", 413, "request-too-large")):
        answer = requests.post(hub + "/v1/enrolment/requests", data=body,
                               headers={"Content-Type": "application/json"}, timeout=30)
        assert answer.status_code == status
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith("/" + slug)

    assert hub_rows(None, net.township.data, HubEnrolment) == []
    assert hub_rows(None, net.township.data, HubSession, peer=uninvited) == []  # no log entry
    with Station.open(net.township.data, ADMIN, PASSPHRASE) as township:
        admin = link.client_for(township, hub)
        link.connect(township, admin)
        assert admin.enrolment_requests() == []
        village_chain = hub_rows(None, net.township.data, HubGrant)  # still open, unused
        assert [g.used_at for g in village_chain] == [None]
        sent = HubClient(hub, key, new)
        sent.health()
        assert sent.submit_enrolment(genuine)["state"] == "pending"
        with pytest.raises(ApprovalInvalid):  # another node's certificates, not for `new`
            admin.approve_enrolment({
                "format": enrolment.CERTIFICATES_FORMAT, "node_code": new,
                "certificates": {"signing": node_keys.certificate(node_keys.SIGNING)},
                "root": Setting.get(Setting.key == "root_certificate").value})
    [kept] = hub_rows(None, net.township.data, HubEnrolment)
    assert kept.node == new and kept.state == "pending" and kept.certificates is None


# -- catalogue and calendar updates -------------------------------------------------


def catalogue_folder(target: Path, name: str) -> Path:
    shutil.copytree(DATA_DIR, target)
    path = target / f"{MATTER}.toml"
    text = path.read_text(encoding="utf-8")
    assert f'name = "{OLD_NAME}"' in text
    path.write_text(text.replace(f'name = "{OLD_NAME}"', f'name = "{name}"', 1),
                    encoding="utf-8")
    return target


def matter_name(net: DemoNetwork, data: Path) -> str:
    done = station("matters", "--json", "--data", data, env=env(net))
    assert done.code == 0, done.err
    return str({m["code"]: m for m in done.json()}[MATTER]["name"])


def calendar_add(net: DemoNetwork, data: Path) -> str:
    done = station("calendar", "add", "2026-11-30", "1", "--json", "--data", data, env=env(net))
    assert done.code == 0, done.err
    return str(done.json()["result"])


def village_versions(net: DemoNetwork) -> dict[str, dict[str, Any]]:
    with net.open(net.village) as village:
        link.sync_once(village)
        return updates.status()


def sync_village_until(net: DemoNetwork, check: Any, what: str) -> dict[str, Any]:
    return wait_until(lambda: (lambda s: s if check(s) else None)(village_versions(net)),
                      120, what)


def test_catalogue_and_calendar_updates_reach_the_village_through_both_hubs(
        net: DemoNetwork, tmp_path: Path) -> None:
    demo_network.start_hubs(net)
    assert matter_name(net, net.village.data) == OLD_NAME
    assert calendar_add(net, net.village.data) == "2026-12-01"
    folder = catalogue_folder(tmp_path / "catalogue", NEW_NAME)
    holidays = tmp_path / "holidays.toml"
    holidays.write_text('[days]\n"2026-12-01" = "休"\n', encoding="utf-8")

    published = as_admin(net, net.county.data, "publish", "catalogue", folder, "--hub",
                         net.county.address or "", "--json")
    assert published.code == 0, published.err
    shipped = len(list(DATA_DIR.glob("*.toml")))  # every shipped matter file
    assert published.json()["version"] == 1 and published.json()["files"] == shipped
    published = as_admin(net, net.county.data, "publish", "calendar", holidays, "--hub",
                         net.county.address or "", "--json")
    assert published.code == 0, published.err
    assert matter_name(net, net.county.data) == NEW_NAME  # installed at the county too

    sync_village_until(net, lambda s: s[CATALOGUE]["version"] == 1
                       and s["calendar"]["version"] == 1, "the updates at the village")
    assert matter_name(net, net.village.data) == NEW_NAME
    assert calendar_add(net, net.village.data) == "2026-12-02"
    assert {r.kind: r.version for r in hub_rows(None, net.township.data, HubUpdate)} == {
        "catalogue": 1, "calendar": 1}  # the village took it from the township hub
    shown = station("updates", "status", "--json", "--data", net.village.data, env=env(net))
    assert shown.code == 0 and shown.json()["calendar"] == {"version": 1, "refused": None}


def test_a_malformed_or_older_update_is_refused_and_changes_nothing(
        net: DemoNetwork, tmp_path: Path) -> None:
    demo_network.start_hubs(net)
    county_hub = net.county.address
    assert county_hub
    first = as_admin(net, net.county.data, "publish", "catalogue",
                     catalogue_folder(tmp_path / "v1", NEW_NAME), "--hub", county_hub)
    assert first.code == 0, first.err
    sync_village_until(net, lambda s: s[CATALOGUE]["version"] == 1, "version 1")

    broken = catalogue_folder(tmp_path / "broken", "x")
    (broken / f"{MATTER}.toml").write_text("[[matter]\ncode = 1\n", encoding="utf-8")
    refused = as_admin(net, net.county.data, "publish", "catalogue", broken, "--hub",
                       county_hub)
    assert refused.code == 4 and f"{MATTER}.toml" in refused.err, refused.err

    with Station.open(net.county.data, ADMIN, PASSPHRASE) as county:
        client = link.client_for(county, county_hub)
        link.connect(county, client)
        assert client.update_versions()[CATALOGUE] == 1  # the refused folder never left
        version_1 = client.update(CATALOGUE)
        key = node_keys.load_key(node_keys.SIGNING)
        chain = node_keys.certificate(node_keys.SIGNING) or ""
        assert isinstance(key, ed25519.Ed25519PrivateKey)

        def signed(version: int, files: dict[str, str]) -> dict[str, Any]:
            return make_update(CATALOGUE, version, files, key, net.county.code, chain,
                               "2026-11-21T00:00:00+00:00")

        # A county tool that skipped validation: signed, so the hubs relay it ...
        assert client.publish_update(CATALOGUE, signed(2, {"bad.toml": "[[matter]\n"})) == 2
        with pytest.raises(UpdateOutdated):  # an older version is refused by the hub
            client.publish_update(CATALOGUE, signed(1, {"old.toml": "x = 1\n"}))
        with pytest.raises(UpdateOutdated):  # so is a different one under the same number
            client.publish_update(CATALOGUE, signed(2, {"other.toml": "x = 1\n"}))

    before = {p.name: p.read_bytes() for p in (net.village.data / "catalogue").iterdir()}
    status = sync_village_until(net, lambda s: s[CATALOGUE]["refused"] is not None,
                                "the refusal at the village")
    assert status[CATALOGUE]["version"] == 1 and status[CATALOGUE]["refused"]["version"] == 2
    assert "bad.toml" in status[CATALOGUE]["refused"]["message"]
    assert {p.name: p.read_bytes() for p in (net.village.data / "catalogue").iterdir()} == before
    assert matter_name(net, net.village.data) == NEW_NAME
    fetched = station("updates", "fetch", "--data", net.village.data, env=env(net))
    assert fetched.code == 4 and "未通过校验" in fetched.err and "bad.toml" in fetched.err

    with Station.open(net.township.data, ADMIN, PASSPHRASE):
        township_key = node_keys.load_key(node_keys.SIGNING)
        township_chain = node_keys.certificate(node_keys.SIGNING) or ""
    assert isinstance(township_key, ed25519.Ed25519PrivateKey)
    wrong_signer = HubClient(county_hub, township_key, net.township.code)
    wrong_signer.health()
    forged = make_update(CATALOGUE, 9, {"x.toml": ""}, township_key, net.township.code,
                         township_chain, "2026-11-21T00:00:00+00:00")
    with pytest.raises(UpdateSignerInvalid):  # only the county signs updates
        wrong_signer.publish_update(CATALOGUE, forged)

    fixed = as_admin(net, net.county.data, "publish", "catalogue",
                     catalogue_folder(tmp_path / "v3", "农村低保（第三版）"), "--hub", county_hub,
                     "--json")
    assert fixed.code == 0 and fixed.json()["version"] == 3, fixed.err
    sync_village_until(net, lambda s: s[CATALOGUE]["version"] == 3, "version 3")
    assert matter_name(net, net.village.data) == "农村低保（第三版）"
    with net.open(net.village) as village:  # a hub replaying version 1: ignored
        assert updates.install(village, version_1, CATALOGUE) is None
    assert matter_name(net, net.village.data) == "农村低保（第三版）"


# -- PostgreSQL hubs: a code the county issued, relayed through the township hub -------


def test_county_approved_enrolment_and_an_update_through_postgresql_hubs(
        net: DemoNetwork, tmp_path: Path) -> None:
    new = "450981104205"
    with postgres_databases("county", "township") as (county_db, township_db):
        demo_network.start_hubs(net, county_db, township_db)
        county_hub, township_hub = net.county.address, net.township.address
        assert county_hub and township_hub
        issued = as_admin(net, net.county.data, "enrol", "issue", "--code", new, "--tier",
                          "village", "--hub", county_hub, "--json")
        assert issued.code == 0, issued.err
        wait_until(lambda: hub_rows(township_db, net.township.data, HubGrant, child=new), 90,
                   "the county's grant at the township hub")
        data = new_station(net, new)
        sent = station("enrol", "request", "--hub", township_hub, "--enrolment-code",
                       issued.json()["code"], "--data", data, env=env(net))
        assert sent.code == 0, sent.err

        def relayed() -> Any:
            listed = as_admin(net, net.county.data, "enrol", "pending", "--hub", county_hub,
                              "--json")
            assert listed.code == 0, listed.err
            return [r["node"] for r in listed.json()["requests"]] == [new]
        wait_until(relayed, 90, "the request relayed to the county hub")
        approved = as_admin(net, net.county.data, "enrol", "approve", "--hub", county_hub, new)
        assert approved.code == 0, approved.err
        fetched = station("enrol", "fetch", "--wait", "--json", "--data", data, env=env(net),
                          timeout=180)
        assert fetched.code == 0, fetched.err
        assert fetched.json()["code"] == new
        [row] = hub_rows(township_db, net.township.data, HubEnrolment)
        assert row.state == "approved" and row.issuer == net.county.code

        case_no, head = file_and_sync(net, data)
        wait_for_county(net, {new: head})
        assert demo_network.county_audit(net, [case_no], county_db)["at_county"] == 1

        published = as_admin(net, net.county.data, "publish", "catalogue",
                             catalogue_folder(tmp_path / "catalogue", NEW_NAME), "--hub",
                             county_hub)
        assert published.code == 0, published.err
        sync_village_until(net, lambda s: s[CATALOGUE]["version"] == 1, "the update")
        assert matter_name(net, net.village.data) == NEW_NAME
        net.stop()
