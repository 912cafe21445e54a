"""Hub backup and restore under load, on SQLite and on PostgreSQL (issue 17).

A village files and syncs while ``station hub backup`` runs as a real command;
more traffic follows; the township hub is stopped, restored from the backup
(which lacks the later events) and started again; the village re-sends what
the restored hub lacks.  Every village event is then at the hub exactly once,
every material whole, no fork, and the audit is clean.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path
from typing import Any

from cli import station as run_station
from network import hub_holdings, postgres_databases, station_holdings

from station.casework import review_queue
from station.demo import demo_network
from station.demo.demo_network import ADMIN, DemoNetwork, DemoNode
from station.hubops import hub_runner
from station.hubops.audit import audit_hub
from station.network import link
from sync.hub.blob_config import default_root
from sync.hub.blobs_fs import FilesystemStore
from sync.hub.identity import log_id, open_database
from sync.hub.models import HubState


class Load:
    """A village filing and syncing, one case a round, until stopped."""

    def __init__(self, net: DemoNetwork) -> None:
        self.net, self.rounds, self.error = net, 0, None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.net.open(self.net.village) as village:
                while not self.stop.is_set():
                    demo_network.file_samples(self.net, village, 1)
                    link.sync_once(village)
                    self.rounds += 1
        except Exception as error:  # reported by the test
            self.error = error

    def wait_rounds(self, count: int) -> None:
        demo_network.wait_until(lambda: self.rounds >= count or self.error, 300,
                                f"{count} rounds of filing")
        assert self.error is None, self.error


def _return(net: DemoNetwork, case_no: str) -> None:
    """The township reviewer claims the case and returns it to the village."""
    with net.open(net.reviewer) as desk:
        link.sync_once(desk)
        review_queue.claim(desk, case_no)
        review_queue.return_to_village(desk, case_no, "请补充户口簿首页")


def _hub_command(net: DemoNetwork, *args: str | Path, node: DemoNode | None = None) -> Any:
    data = (node or net.township).data
    return run_station("hub", *args, "--data", data, "--user", ADMIN,
                       env={"STATION_PASSPHRASE": net.passphrase}, timeout=300)


def _db_args(url: str | None) -> list[str]:
    return ["--db", url] if url else []


def _by_usb(net: DemoNetwork) -> list[str]:
    """One offline round trip of the village through the running township hub: the
    cases returned to it that the answer brought."""
    stick = net.workdir / "stick"
    village = ["--data", net.village.data, "--user", net.village.user]
    env = {"STATION_PASSPHRASE": net.passphrase}
    out = run_station("sync", "export", "--to", stick / "after.zip", *village, env=env)
    assert out.code == 0, out.err
    answered = _hub_command(net, "import", stick / "after.zip")
    assert answered.code == 0, answered.err
    back = run_station("sync", "import", stick / "after.receipts.zip", *village, "--json",
                       env=env)
    assert back.code == 0, back.err
    return list(back.json()["returned"])


def _backup_and_restore(net: DemoNetwork, township_db: str | None, usb: bool = False) -> None:
    demo_network.start_hubs(net, township_db=township_db)
    backup = net.workdir / "backups" / "township.tar"
    with net.open(net.village) as village:  # two cases the backup will hold
        early = [r.case_no for r in demo_network.file_samples(net, village, 2)]
        link.sync_once(village)

    load = Load(net)
    load.thread.start()
    load.wait_rounds(1)
    during = load.rounds
    made = _hub_command(net, "backup", "--to", backup, *_db_args(township_db), "--json")
    load.wait_rounds(during + 2)  # the village went on filing while and after the backup ran
    load.stop.set()
    load.thread.join(300)
    assert not load.thread.is_alive() and load.error is None, load.error
    assert made.code == 0, made.err
    assert made.json()["engine"] == ("postgresql" if township_db else "sqlite")
    carried = made.json()["materials"]  # the materials of the folder store, in the file
    assert made.json()["materials_included"] and carried

    with net.open(net.village) as village:  # more traffic after the backup
        demo_network.file_samples(net, village, 1)
        assert link.sync_once(village).pending == 0
    _return(net, early[0])
    with net.open(net.village) as village:  # its pull cursor moves past the backup's log
        assert link.sync_once(village).returned == [early[0]]
        acked = link.acked_seq()

    assert net.township.process is not None
    net.township.process.terminate()
    net.township.process.wait(60)

    refused = _hub_command(net, "restore", backup, *_db_args(township_db))
    assert refused.code == 1 and "--force" in refused.err, refused.err  # the hub has data

    damaged = net.workdir / "backups" / "damaged.tar"
    raw = bytearray(backup.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    damaged.write_bytes(bytes(raw))
    before = hub_holdings(net, net.township, township_db)
    refused = _hub_command(net, "restore", damaged, *_db_args(township_db), "--force")
    assert refused.code == 6 and "已损坏" in refused.err, refused.err
    assert hub_holdings(net, net.township, township_db) == before, "a damaged backup changed data"

    blobs = default_root(net.township.data)
    shutil.rmtree(blobs)  # the disk with the scans is lost too: the backup carries them
    restored = _hub_command(net, "restore", backup, *_db_args(township_db), "--force", "--json")
    assert restored.code == 0, restored.err + restored.out
    store = FilesystemStore(blobs)
    for address, size in carried:
        with store.open(address) as handle:
            body = handle.read()
        assert len(body) == size and hashlib.sha256(body).hexdigest() == address
    assert restored.json()["audit"]["ok"] is True
    code = net.village.code
    lacking = hub_holdings(net, net.township, township_db)
    high = max(seq for node, seq in lacking.events if node == code)
    assert high < acked, "the backup already held everything: nothing to re-send"

    address = demo_network.start_hub(net, net.township, upstream=net.county.address,
                                     db=township_db)
    with net.open(net.reviewer) as desk:
        link.set_hub(desk, address)
    _return(net, early[1])  # the restored hub gives it an index the lost hub had given
    if usb:  # the village's stick carries its cursor and the lost hub's log
        assert _by_usb(net) == [early[1]], "a return after the restore did not arrive"
    with net.open(net.village) as village:
        link.set_hub(village, address)
        report = link.sync_once(village)
        assert report.pending == 0, report
        assert report.returned == ([] if usb else [early[1]]), "a return did not arrive"
        assert link.acked_seq() == acked + 1  # its receipt of that return

    sent = station_holdings(net, net.village).sent
    hub = hub_holdings(net, net.township, township_db)
    assert hub.rows == len(hub.events), "an event is held twice"
    assert {k: v for k, v in hub.events.items() if k[0] == code} == sent
    assert station_holdings(net, net.village).materials <= set(hub.materials)
    assert all(hub.materials.values()), "a material is incomplete or corrupt"
    assert hub.forks == 0
    db = open_database(township_db, net.township.data / hub_runner.DB_NAME)
    try:
        audit = audit_hub(db)
    finally:
        db.close()
    assert audit.report.ok, audit.summary()


def test_backup_restore_sqlite(net: DemoNetwork) -> None:
    _backup_and_restore(net, None)


def test_backup_restore_then_a_usb_round_trip(net: DemoNetwork) -> None:
    _backup_and_restore(net, None, usb=True)


def test_backup_restore_postgres(net: DemoNetwork) -> None:
    with postgres_databases("township") as (url,):
        try:
            _backup_and_restore(net, url)
        finally:
            net.stop()  # the hub's connections go before the database is dropped


def _hub_state(node: DemoNode, key: str) -> str:
    db = open_database(None, node.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            row = HubState.get_or_none(HubState.key == key)
            return str(row.value) if row else ""
    finally:
        db.close()


def _county_log(net: DemoNetwork) -> str:
    db = open_database(None, net.county.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return log_id()
    finally:
        db.close()


def test_a_restored_county_gets_the_subtree_again(net: DemoNetwork) -> None:
    """The township forwards again what the restored county lacks, and pulls from the
    county's new log.  (Nothing is addressed down to the township in this flow, so
    its restart of the pull at 0 moves no event here.)"""
    demo_network.start_hubs(net)
    backup = net.workdir / "backups" / "county.tar"
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 1)
        link.sync_once(village)
        head = link.acked_seq()
    demo_network.wait_for_county(net, {net.village.code: head})
    old_log = _county_log(net)
    demo_network.wait_until(lambda: _hub_state(net.township, "down:log") == old_log, 90,
                            "the township to pull from the county")
    made = _hub_command(net, "backup", "--to", backup, node=net.county)
    assert made.code == 0, made.err
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 2)
        link.sync_once(village)
        head = link.acked_seq()
    demo_network.wait_for_county(net, {net.village.code: head})

    assert net.county.process is not None and net.county.address
    net.county.process.terminate()
    net.county.process.wait(60)
    restored = _hub_command(net, "restore", backup, "--force", "--json", node=net.county)
    assert restored.code == 0, restored.err + restored.out
    county = hub_holdings(net, net.county, None)
    assert max(seq for node, seq in county.events if node == net.village.code) < head
    new_log = _county_log(net)
    assert new_log != old_log
    port = net.county.address.rsplit(":", 1)[1]
    demo_network.start_hub(net, net.county, listen=f"127.0.0.1:{port}")

    demo_network.wait_for_county(net, {net.village.code: head})
    demo_network.wait_until(lambda: _hub_state(net.township, "down:log") == new_log, 90,
                            "the township to pull from the county's new log")
    township = hub_holdings(net, net.township, None)
    county = hub_holdings(net, net.county, None)
    assert county.rows == len(county.events), "an event is held twice"
    assert {k: v for k, v in county.events.items() if k[0].startswith("450981104")} == \
        {k: v for k, v in township.events.items() if k[0].startswith("450981104")}
    assert set(township.materials) <= set(county.materials) and all(county.materials.values())
    assert county.forks == 0
    db = open_database(None, net.county.data / hub_runner.DB_NAME)
    try:
        audit = audit_hub(db)
    finally:
        db.close()
    assert audit.report.ok, audit.summary()


def test_backing_up_where_no_hub_runs_says_so(tmp_path: Path) -> None:
    """A node that never ran a hub has no hub database: one plain line, exit code 5,
    and no backup file (the same refusal the audit and the progress pages give)."""
    env = {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": "示范口令-hub-2024",
           "STATION_DOCUMENTS": str(tmp_path / "printed")}
    done = run_station("init", "--tier", "township", "--code", "450981104000", "--name",
                       "示范镇便民服务中心", "--operator", "admin", env=env)
    assert done.code == 0, done.err
    target = tmp_path / "hub.tar"
    missing = run_station("hub", "backup", "--to", target, env=env)
    assert missing.code == 5, missing.err
    assert f"找不到枢纽站数据库 {tmp_path / 'data' / hub_runner.DB_NAME}" in missing.err
    assert "Traceback" not in missing.err
    assert not target.exists()


class _ObjectStore:
    """Stands for an S3 store: not a folder, so not copied into the backup."""

    label = "s3://bianmin-scans/450981104000?endpoint=https://oss.example.gov.cn"


def test_an_object_store_is_recorded_not_copied(net: DemoNetwork, monkeypatch: Any) -> None:
    from station.hubops import backup, backup_file

    db = open_database(None, net.township.data / hub_runner.DB_NAME)
    db.close()
    monkeypatch.setattr(hub_runner, "blob_store", lambda station, spec: _ObjectStore())
    target = net.workdir / "backups" / "s3.tar"
    with net.open(net.township, ADMIN) as station:
        manifest = backup.take(station, None, target, "s3://bianmin-scans/450981104000")
    assert manifest.store == _ObjectStore.label and not manifest.materials_included
    assert manifest.materials == ()
    again = backup_file.verify(target)
    assert again.store == _ObjectStore.label and not again.materials_included
