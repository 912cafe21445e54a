"""The three-tier network over real HTTP on loopback: village → township → county
and back, with SQLite hubs and with PostgreSQL hubs; then every node's holdings
are compared (same events, same material hashes, nothing twice, nothing missing)."""

from __future__ import annotations

from pathlib import Path

from cli import station
from network import assert_same_holdings, postgres_databases

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.demo.samples import RESIDENTS


def check_round_trip(summary: dict) -> None:
    assert summary["filed"] == 2
    assert summary["at_township"] == 2
    assert summary["at_county"] == 2
    assert summary["returned_to_village"] == 1
    assert summary["audit_ok"], summary["audit"]


def test_round_trip_with_sqlite_hubs(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    check_round_trip(demo_network.round_trip(net))
    assert_same_holdings(net)


def test_round_trip_with_postgresql_hubs(net: DemoNetwork) -> None:
    with postgres_databases("county", "township") as (county_db, township_db):
        demo_network.start_hubs(net, county_db, township_db)
        check_round_trip(demo_network.round_trip(net))
        assert_same_holdings(net)
        net.stop()


def test_demo_headless_json_and_no_personal_data_at_the_hubs(tmp_path: Path) -> None:
    done = station("demo", "--headless", "--json", "--workdir", tmp_path / "demo",
                   env={"STATION_TEST_WEAK_KDF": "1"}, timeout=300)
    assert done.code == 0, done.err
    summary = done.json()
    check_round_trip(summary)
    # 资料共享: the resident's next matter reuses the ID card and the 户口簿 the 民政办
    # accepted; only the new papers are scanned and uploaded.
    assert summary["reused"] == ["居民户口簿", "居民身份证"] and summary["missing"] == []
    assert summary["pages_scanned"] == summary["scans_uploaded"] == 2
    assert summary["pages_without_reuse"] == 4
    assert all("已核验（民政办，" in shown and "复用自办件" in shown
               for shown in summary["desk_shows"].values())
    roles = {n["role"]: n for n in summary["nodes"]}
    assert set(roles) == {"county-hub", "township-hub", "village", "reviewer"}
    for node in summary["nodes"]:
        assert node["passphrase"] and node["user"] and Path(node["data"]).is_dir()
        assert node["address"] is None or node["address"].startswith("http://127.0.0.1:")
    needles = []
    for resident in RESIDENTS:
        for value in (resident.name, resident.id_number, resident.phone):
            needles += [value.encode("utf-8"), value.encode("gbk"), value.encode("utf-16-le")]
    for role in ("county-hub", "township-hub"):
        hub_dir = Path(roles[role]["data"])
        for path in [*hub_dir.glob("hub.db*")]:
            content = path.read_bytes()
            assert content, path
            for needle in needles:
                assert needle not in content, f"{needle!r} in plaintext in {path}"


def test_demo_setup_only_creates_enrolled_nodes(tmp_path: Path) -> None:
    done = station("demo", "--setup-only", "--json", "--workdir", tmp_path / "demo",
                   env={"STATION_TEST_WEAK_KDF": "1"})
    assert done.code == 0, done.err
    nodes = done.json()["nodes"]
    assert [n["code"] for n in nodes] == ["450981000000", "450981104000", "450981104201",
                                          "450981104000"]
    assert all((Path(n["data"]) / "station.db").is_file() for n in nodes)
