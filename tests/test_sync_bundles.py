"""Offline bundles: a village with no link syncs on a USB stick.

The village exports a signed bundle (``station sync export``), the township
hub imports it through the same push path as HTTP (``station hub import``)
and writes a receipts bundle signed by the hub, which the village imports
(``station sync import``).  The round trip runs with real hubs and real
commands; the village never speaks HTTP.  Bad bundles (truncated, a flipped
byte, an unenrolled or revoked signer, for another node, not a bundle) get a
clear Chinese error and change nothing at the hub or the station.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli import Result, station
from conftest import PASSPHRASE
from cryptography.hazmat.primitives.asymmetric import ed25519
from network import (
    assert_same_holdings,
    copy_network,
    hub_holdings,
    postgres_databases,
    station_holdings,
)

from keys import ca
from station import node_keys
from station.casework import review_queue
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork, DemoNode
from station.demo.samples import RESIDENTS
from station.hubops import hub_runner
from station.network import link
from station.store.models import Case, SyncEnvelope, SyncReceipt
from station.trust import revocations
from sync.bundle import (
    EVENTS,
    MANIFEST,
    RECEIPTS,
    BundleWriter,
    event_part,
    hub_for,
    material_part,
    open_bundle,
)
from sync.hub.identity import open_database
from sync.hub.models import HubDirectory, HubSession

VILLAGE_NEEDS = "the township hub to learn the county's directory entry"


# -- helpers ---------------------------------------------------------------------


def run(net: DemoNetwork, node: DemoNode, *args: str | Path, user: str | None = None) -> Result:
    return station(*args, "--data", node.data, "--user", user or node.user,
                   env={"STATION_PASSPHRASE": net.passphrase}, timeout=300)


def ok(result: Result) -> dict[str, Any]:
    assert result.code == 0, result.err
    value = result.json()
    assert isinstance(value, dict)
    return value


def refused(result: Result, *words: str) -> None:
    """A failure with a Chinese message a person can act on, and no traceback."""
    assert result.code not in (0, 2), result.out
    assert "Traceback" not in result.err, result.err
    assert "错误：" in result.err and "未导入任何内容" in result.err, result.err
    for word in words:
        assert word in result.err, result.err


def manifest_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        value = json.loads(archive.read(MANIFEST))
    assert isinstance(value, dict)
    return value


def township_knows_county(net: DemoNetwork) -> bool:
    db = open_database(net.township_db, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return HubDirectory.get_or_none(HubDirectory.node == net.county.code) is not None
    finally:
        db.close()


def import_sessions(net: DemoNetwork) -> list[HubSession]:
    db = open_database(net.township_db, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return list(HubSession.select().where(HubSession.direction == "import")
                        .order_by(HubSession.started_at))
    finally:
        db.close()


@dataclass
class VillageState:
    holdings: Any
    acked: int
    receipts: set[tuple[str, int]]
    statuses: dict[str, str]


def village_state(net: DemoNetwork, node: DemoNode | None = None,
                  user: str | None = None) -> VillageState:
    node = node or net.village
    holdings = station_holdings(net, node, user)
    with net.open(node, user):
        return VillageState(holdings, link.acked_seq(),
                            {(r.hub, r.up_to_seq) for r in SyncReceipt.select()},
                            {c.case_no: c.status for c in Case.select()})


def township_holdings(net: DemoNetwork, db: str | None = None) -> Any:
    return hub_holdings(net, net.township, db or net.township_db)


def bootstrap(net: DemoNetwork, stick: Path) -> None:
    """A village that never had a link learns the network's directory by USB.

    The hubs run (the township learns the county's entry from its parent);
    the village's first bundle carries only its chain and directory entry."""
    demo_network.start_hubs(net)
    demo_network.wait_until(lambda: township_knows_county(net), 90, VILLAGE_NEEDS)
    first = ok(run(net, net.village, "sync", "export", "--to", stick / "hello.zip", "--json"))
    assert first["events"] == 0 and first["to"] == net.township.code
    hub = ok(run(net, net.township, "hub", "import", stick / "hello.zip", "--json"))
    assert hub["node"] == net.village.code and hub["accepted"] == 0
    assert Path(hub["receipts_to"]) == stick / "hello.receipts.zip"
    ok(run(net, net.village, "sync", "import", stick / "hello.receipts.zip", "--json"))


def rogue_identity(code: str, tier: str) -> tuple[ed25519.Ed25519PrivateKey, str]:
    """A key with a chain to a root that is not our county's: never enrolled."""
    root_key, root = ca.create_root("450981000000", "冒充的县级站")
    key = ed25519.Ed25519PrivateKey.generate()
    cert = ca.approve(ca.node_csr(key, code, tier, "冒充的站点"), root_key, root)
    return key, (ca.to_pem(cert) + ca.to_pem(root)).decode()


def resign(source: Path, target: Path, key: ed25519.Ed25519PrivateKey, chain: str) -> None:
    """The same parts and fields, signed by ``key`` with ``chain``."""
    fields = manifest_of(source)
    fields = {k: v for k, v in fields.items() if k not in ("parts", "format", "version")}
    fields["chain"] = chain
    with zipfile.ZipFile(source) as archive, target.open("wb") as out:
        writer = BundleWriter(out)
        for name in archive.namelist():
            if name.startswith(("events/", "materials/")):
                writer.add(name, archive.read(name))
        writer.finish(fields, key, fields["from"])


def flip_inside(source: Path, target: Path, part: str) -> None:
    """Copy ``source`` with one bit flipped in the middle of ``part``'s data."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(part)
    # local header: 30 bytes + name + extra, then the data
    name_length = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30],
                                  "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.file_size // 2] ^= 0x01
    target.write_bytes(bytes(data))


# -- fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(network_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A network whose village learned the directory by USB, then filed two cases
    and exported them to ``stick/cases.zip`` (hubs stopped, nothing imported)."""
    root = tmp_path_factory.mktemp("prepared") / "net"
    net = copy_network(network_template, root)
    stick = root / "stick"
    try:
        bootstrap(net, stick)
    finally:
        net.stop()
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 2)
    ok(run(net, net.village, "sync", "export", "--to", stick / "cases.zip", "--json"))
    return root


@pytest.fixture
def ready(prepared: Path, tmp_path: Path) -> Iterator[DemoNetwork]:
    network_ = copy_network(prepared, tmp_path / "net")
    try:
        yield network_
    finally:
        network_.stop()


def stick_of(net: DemoNetwork) -> Path:
    return net.workdir / "stick"


# -- the round trip ------------------------------------------------------------------


def test_round_trip_on_usb_sticks_only(net: DemoNetwork) -> None:
    stick = net.workdir / "stick"
    bootstrap(net, stick)  # import while the hub runs
    with net.open(net.village) as village:
        filed = [r.case_no for r in demo_network.file_samples(net, village, 2)]
    net.stop()

    exported = ok(run(net, net.village, "sync", "export", "--to", stick / "cases.zip", "--json"))
    with net.open(net.village):
        last_seq = max(r.seq for r in SyncEnvelope.select())
    assert exported["events"] == last_seq and exported["last_seq"] == last_seq
    assert exported["materials"] > 0 and exported["size"] == (stick / "cases.zip").stat().st_size
    content = (stick / "cases.zip").read_bytes()
    for resident in RESIDENTS:  # sealed payloads and encrypted materials only
        for value in (resident.name, resident.id_number, resident.phone):
            for encoded in (value.encode("utf-8"), value.encode("gbk"),
                            value.encode("utf-16-le")):
                assert encoded not in content, value

    first = ok(run(net, net.township, "hub", "import", stick / "cases.zip", "--json"))  # stopped
    assert (first["accepted"], first["duplicates"]) == (last_seq, 0)
    assert first["materials"] == exported["materials"] and first["receipts"] >= 1
    held = township_holdings(net)
    assert {k for k in held.events if k[0] == net.village.code} == \
        {(net.village.code, s) for s in range(1, last_seq + 1)}
    assert len(held.materials) == exported["materials"] and all(held.materials.values())
    answer_one = manifest_of(stick / "cases.receipts.zip")

    again = ok(run(net, net.township, "hub", "import", stick / "cases.zip", "--receipts-to",
                   stick / "again.zip", "--json"))
    assert (again["accepted"], again["duplicates"], again["materials"]) == (0, last_seq, 0)
    assert township_holdings(net) == held
    assert manifest_of(stick / "again.zip")["receipts"] == answer_one["receipts"]
    sessions = import_sessions(net)
    assert [(s.peer, s.result, s.events_in) for s in sessions[-2:]] == \
        [(net.village.code, "ok", last_seq), (net.village.code, "ok", 0)]
    assert sessions[-2].blobs_in == exported["materials"]
    assert sessions[-2].bytes_in == exported["size"] and sessions[-2].bytes_out > 0

    demo_network.start_hubs(net)  # the township forwards what it imported
    demo_network.wait_for_county(net, {net.village.code: last_seq})
    with net.open(net.reviewer) as desk:
        link.sync_once(desk)
        assert {c["case_no"] for c in review_queue.queue(desk)} >= set(filed)
        review_queue.claim(desk, filed[0])
        review_queue.return_to_village(desk, filed[0], "请补充户口簿首页")
        desk_head = link.acked_seq()

    ok(run(net, net.village, "sync", "export", "--to", stick / "later.zip", "--json"))
    ok(run(net, net.township, "hub", "import", stick / "later.zip", "--json"))  # hub running
    back = ok(run(net, net.village, "sync", "import", stick / "later.receipts.zip", "--json"))
    assert back["returned"] == [filed[0]] and back["acked"] == last_seq
    assert back["receipts"] >= 1 and back["pulled"] >= 1
    status = ok(run(net, net.village, "case", "status", filed[0], "--json"))
    assert status["status_label"] == "已退回村站"
    before = village_state(net)
    twice = ok(run(net, net.village, "sync", "import", stick / "later.receipts.zip", "--json"))
    assert (twice["receipts"], twice["pulled"], twice["returned"]) == (0, 0, [])
    assert village_state(net) == before

    # what the village did with the return travels up the same way
    final = ok(run(net, net.village, "sync", "export", "--to", stick / "final.zip", "--json"))
    assert final["events"] >= 1
    ok(run(net, net.township, "hub", "import", stick / "final.zip", "--json"))
    ok(run(net, net.village, "sync", "import", stick / "final.receipts.zip", "--json"))
    with net.open(net.village):
        assert link.pending_count() == 0
        village_head = link.acked_seq()
    demo_network.wait_for_county(net, {net.village.code: village_head,
                                       net.township.code: desk_head})
    audit = demo_network.county_audit(net, filed)
    assert audit["at_county"] == 2 and audit["audit"]["ok"], audit
    assert_same_holdings(net)


def test_import_into_a_postgresql_hub(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    with postgres_databases("township") as (url,):
        first = ok(run(ready, ready.township, "hub", "import", stick / "cases.zip", "--db", url,
                       "--json"))
        assert first["accepted"] > 0 and first["materials"] > 0
        held = township_holdings(ready, url)
        assert all(held.materials.values()) and held.rows == len(held.events)
        again = ok(run(ready, ready.township, "hub", "import", stick / "cases.zip", "--db", url,
                       "--json"))
        assert (again["accepted"], again["duplicates"]) == (0, first["accepted"])
        assert township_holdings(ready, url) == held


def test_a_hub_restored_from_an_older_backup_gets_the_events_again(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    backup = ready.workdir / "backup"
    backup.mkdir()
    for path in ready.township.data.glob(hub_runner.DB_NAME + "*"):
        shutil.copy2(path, backup / path.name)
    first = ok(run(ready, ready.township, "hub", "import", stick / "cases.zip", "--json"))
    ok(run(ready, ready.village, "sync", "import", stick / "cases.receipts.zip", "--json"))
    with ready.open(ready.village):
        assert link.acked_seq() == first["accepted"] > 0

    for path in ready.township.data.glob(hub_runner.DB_NAME + "*"):
        path.unlink()
    for path in backup.iterdir():
        shutil.copy2(path, ready.township.data / path.name)
    with ready.open(ready.village) as village:
        demo_network.file_samples(ready, village, 1)
    newer = ok(run(ready, ready.village, "sync", "export", "--to", stick / "newer.zip", "--json"))
    assert newer["first_seq"] == first["accepted"] + 1  # the village thinks the hub has the rest
    gapped = ok(run(ready, ready.township, "hub", "import", stick / "newer.zip", "--json"))
    assert gapped["accepted"] == 0
    assert gapped["gaps"] == [{"node": ready.village.code, "high_water": 0}]
    assert manifest_of(stick / "newer.receipts.zip")["high_water"] == 0
    ok(run(ready, ready.village, "sync", "import", stick / "newer.receipts.zip", "--json"))
    with ready.open(ready.village):
        assert link.acked_seq() == 0

    resent = ok(run(ready, ready.village, "sync", "export", "--to", stick / "resent.zip",
                    "--json"))
    assert (resent["first_seq"], resent["last_seq"]) == (1, newer["last_seq"])
    again = ok(run(ready, ready.township, "hub", "import", stick / "resent.zip", "--json"))
    assert again["accepted"] == newer["last_seq"] and again["gaps"] == []
    stale = ok(run(ready, ready.village, "sync", "import", stick / "newer.receipts.zip",
                   "--json"))  # an older answer moves nothing back
    assert stale["acked"] == 0
    done = ok(run(ready, ready.village, "sync", "import", stick / "resent.receipts.zip",
                  "--json"))
    assert done["acked"] == newer["last_seq"]
    ok(run(ready, ready.village, "sync", "import", stick / "newer.receipts.zip", "--json"))
    with ready.open(ready.village):
        assert link.acked_seq() == newer["last_seq"]


# -- bad bundles at the hub ------------------------------------------------------------


def assert_hub_refuses(net: DemoNetwork, bundle: Path, *words: str) -> None:
    before = township_holdings(net)
    answer = bundle.with_name("answer.zip")
    refused(run(net, net.township, "hub", "import", bundle, "--receipts-to", answer), *words)
    assert township_holdings(net) == before
    assert not answer.exists()
    assert [p.name for p in answer.parent.glob(".answer.zip.*")] == []


def test_a_truncated_bundle_is_refused(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    data = (stick / "cases.zip").read_bytes()
    for length in (len(data) - 1, len(data) // 2, 100):
        (stick / "cut.zip").write_bytes(data[:length])
        assert_hub_refuses(ready, stick / "cut.zip", "已损坏或不完整")


def test_a_flipped_byte_is_refused(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    names = sorted(zipfile.ZipFile(stick / "cases.zip").namelist())
    material = next(n for n in names if n.startswith("materials/"))
    for part in (material, event_part(1), MANIFEST):
        flip_inside(stick / "cases.zip", stick / "flipped.zip", part)
        assert_hub_refuses(ready, stick / "flipped.zip", "离线数据包")


def test_a_bundle_signed_by_an_unenrolled_key_is_refused(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    key, chain = rogue_identity(ready.village.code, "village")
    resign(stick / "cases.zip", stick / "rogue.zip", key, chain)
    assert_hub_refuses(ready, stick / "rogue.zip", "没有在本县入网", ready.village.code)
    with ready.open(ready.village):
        real_chain = node_keys.certificate(node_keys.SIGNING) or ""
    # the real chain, but not its key
    resign(stick / "cases.zip", stick / "forged.zip", key, real_chain)
    assert_hub_refuses(ready, stick / "forged.zip", "签名与内容不符")


def test_a_bundle_signed_by_a_revoked_key_is_refused(ready: DemoNetwork) -> None:
    with ready.open(ready.village):
        chain = node_keys.certificate(node_keys.SIGNING) or ""
    serial = ca.chain_from_pem(chain.encode())[0].serial_number
    with ready.open(ready.county) as county:
        listed = revocations.revoke(county, {serial})
    with ready.open(ready.township) as township:
        revocations.install(township, listed)
    assert_hub_refuses(ready, stick_of(ready) / "cases.zip", "已被吊销")


def test_a_bundle_for_another_hub_is_refused(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    before = hub_holdings(ready, ready.county, None)
    refused(run(ready, ready.county, "hub", "import", stick / "cases.zip", "--receipts-to",
                stick / "county.zip"), "是发给站点 450981104000 的")
    assert hub_holdings(ready, ready.county, None) == before
    assert not (stick / "county.zip").exists()
    assert_hub_refuses(ready, stick / "hello.receipts.zip", "不能在这里导入")  # a hub's answer


def test_a_file_that_is_not_a_bundle_is_refused(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    (stick / "notes.txt").write_text("这不是数据包", encoding="utf-8")
    assert_hub_refuses(ready, stick / "notes.txt", "不是便民站的离线数据包")
    with zipfile.ZipFile(stick / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert_hub_refuses(ready, stick / "other.zip", "不是便民站的离线数据包")
    assert_hub_refuses(ready, stick / "missing.zip", "无法读取")


def test_a_failed_import_is_logged_as_an_import_session(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    flip_inside(stick / "cases.zip", stick / "flipped.zip", event_part(1))
    assert_hub_refuses(ready, stick / "flipped.zip")
    sessions = import_sessions(ready)
    assert sessions[-1].result == "error" and "离线数据包" in (sessions[-1].error or "")
    assert sessions[-1].events_in == 0


# -- bad bundles at the station ------------------------------------------------------------


def assert_station_refuses(net: DemoNetwork, node: DemoNode, bundle: Path, *words: str,
                           user: str | None = None) -> None:
    before = village_state(net, node, user)
    refused(run(net, node, "sync", "import", bundle, user=user), *words)
    assert village_state(net, node, user) == before


def test_the_station_refuses_bad_receipts_bundles(ready: DemoNetwork) -> None:
    stick = stick_of(ready)
    ok(run(ready, ready.township, "hub", "import", stick / "cases.zip", "--json"))
    answer = stick / "cases.receipts.zip"
    assert_station_refuses(ready, ready.village, stick / "cases.zip", "不能在这里导入")
    data = answer.read_bytes()
    (stick / "cut.zip").write_bytes(data[: len(data) - 10])
    assert_station_refuses(ready, ready.village, stick / "cut.zip", "已损坏或不完整")
    flip_inside(answer, stick / "flipped.zip", MANIFEST)
    assert_station_refuses(ready, ready.village, stick / "flipped.zip", "离线数据包")
    key, chain = rogue_identity(ready.township.code, "township")
    resign(answer, stick / "rogue.zip", key, chain)
    assert_station_refuses(ready, ready.village, stick / "rogue.zip", "没有在本县入网")
    # the township's own desk is another node: the answer is not for it
    assert_station_refuses(ready, ready.reviewer, answer, "是发给站点 450981104201 的",
                           user=ready.reviewer.user)
    ok(run(ready, ready.village, "sync", "import", answer, "--json"))  # the real one applies


# -- the format itself (pure) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def small_bundle() -> tuple[bytes, Any, str]:
    key, chain = rogue_identity("450981104201", "village")
    out = io.BytesIO()
    writer = BundleWriter(out)
    writer.add(event_part(1), b"first envelope")
    writer.add(event_part(2), b"second envelope" * 3)
    material = bytes(range(256)) * 4
    writer.add_stream(material_part(hashlib.sha256(material).hexdigest()),
                      (material[i:i + 100] for i in range(0, len(material), 100)))
    writer.finish({"kind": EVENTS, "from": "450981104201", "to": "450981104000",
                   "created_at": "2025-01-01T00:00:00", "chain": chain, "acked": 0},
                  key, "450981104201")
    return out.getvalue(), key.public_key(), chain


def _open(data: bytes, public_key: Any, kind: str = EVENTS) -> Any:
    return open_bundle(io.BytesIO(data), "stick.zip", kind, lambda source, chain: public_key)


def _contents(bundle: Any) -> tuple[bytes, dict[str, bytes]]:
    return bundle.raw_manifest, {name: bundle.read(name) for name in bundle.parts}


def test_a_bundle_reads_back_what_was_written(small_bundle: tuple[bytes, Any, str]) -> None:
    data, public_key, _chain = small_bundle
    bundle = _open(data, public_key)
    assert bundle.source == "450981104201" and bundle.target == "450981104000"
    assert bundle.read(event_part(2)) == b"second envelope" * 3
    assert [bundle.read(n) for n in bundle.names("materials/")] == [bytes(range(256)) * 4]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_every_flipped_byte_is_refused_or_harmless(small_bundle: tuple[bytes, Any, str]) -> None:
    """Flip each byte: the reader refuses, or (zip fields nobody reads, such as
    timestamps) hands out exactly the signed content."""
    from sync.problems import BundleInvalid

    data, public_key, _chain = small_bundle
    expected = _contents(_open(data, public_key))
    harmless = 0
    for position in range(len(data)):
        changed = bytearray(data)
        changed[position] ^= 0x20
        try:
            bundle = _open(bytes(changed), public_key)
        except BundleInvalid:
            continue
        assert _contents(bundle) == expected, position
        harmless += 1
    assert harmless < len(data) // 10


def test_every_truncation_is_refused(small_bundle: tuple[bytes, Any, str]) -> None:
    from sync.problems import BundleInvalid

    data, public_key, _chain = small_bundle
    for length in range(len(data)):
        with pytest.raises(BundleInvalid):
            _open(data[:length], public_key)


def test_the_wrong_kind_or_key_is_refused(small_bundle: tuple[bytes, Any, str]) -> None:
    from sync.problems import BundleSignatureInvalid, BundleWrongKind

    data, public_key, _chain = small_bundle
    with pytest.raises(BundleWrongKind):
        _open(data, public_key, RECEIPTS)
    with pytest.raises(BundleSignatureInvalid):
        _open(data, ed25519.Ed25519PrivateKey.generate().public_key())


def test_hub_for() -> None:
    assert hub_for("450981104201") == "450981104000"
    assert hub_for("450981104000") == "450981104000"
    assert hub_for("450981000000") == "450981000000"


def test_plain_station_sync_still_works_beside_its_subcommands() -> None:
    from station.cli import bundle_cmds, sync_cmds
    from station.cli.main import build_parser

    parser = build_parser()
    assert parser.parse_args(["sync", "--once", "--json"]).handler is sync_cmds.run_sync
    assert parser.parse_args(["sync", "--json", "export", "--to", "x.zip"]).json is True
    assert parser.parse_args(["sync", "import", "r.zip"]).handler is bundle_cmds.run_import
    assert parser.parse_args(["hub", "import", "b.zip"]).handler is bundle_cmds.run_hub_import


def test_materials_are_streamed_not_held_in_memory(tmp_path: Path) -> None:
    """A 32 MiB material goes in and out of a bundle in pieces: the peak of Python
    allocations stays a few MiB (a hub may receive 150 MB on one stick)."""
    import tracemalloc

    key, _chain = rogue_identity("450981104201", "village")
    piece = bytes(range(256)) * 4096  # 1 MiB
    pieces = 32
    digest = hashlib.sha256()
    for _ in range(pieces):
        digest.update(piece)
    name = material_part(digest.hexdigest())
    path = tmp_path / "big.zip"
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            writer = BundleWriter(out)
            writer.add_stream(name, (piece for _ in range(pieces)))
            writer.finish({"kind": EVENTS, "from": "450981104201", "to": "450981104000",
                           "created_at": "2025-01-01T00:00:00", "chain": "x"},
                          key, "450981104201")
        with path.open("rb") as stream:
            bundle = open_bundle(stream, "big.zip", EVENTS, lambda s, c: key.public_key())
            total = sum(len(p) for p in bundle.stream(name))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == pieces * len(piece)
    assert peak < 8 * len(piece), f"peak {peak} bytes"


def test_a_station_not_enrolled_cannot_export(tmp_path: Path) -> None:
    from station.app import Station

    data = tmp_path / "lonely"
    Station.init(data, "village", "450981104299", "未入网的村站", "agent", PASSPHRASE,
                 tmp_path / "printed")[0].close()
    done = station("sync", "export", "--to", tmp_path / "stick.zip", "--data", data,
                   env={"STATION_PASSPHRASE": PASSPHRASE})
    assert done.code == 4 and "尚未入网" in done.err, done.err
    assert not (tmp_path / "stick.zip").exists()
