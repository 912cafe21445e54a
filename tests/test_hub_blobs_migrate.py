"""``station hub migrate-blobs``: materials an older hub kept as chunk rows move into
the material store, each checked against its address, resumably.

The rows are made as such a hub left them (``HubBlob`` + ``HubChunk``).  A hub
started on them still serves them (and says so); the migration is killed with
SIGKILL in the middle (held on a row lock, so the moment is exact, not timed) and
run again: nothing is lost, nothing is copied twice, no chunk row remains.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg2
from cli import COMMAND
from network import postgres_databases

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.hubops import hub_runner
from station.hubops.hub_banner import MATERIALS
from station.network import link
from sync.hub.blob_config import default_root
from sync.hub.blobs_fs import FilesystemStore
from sync.hub.identity import open_database
from sync.hub.models import HubBlob, HubChunk
from sync.hub.service import now_iso

ROW = 100_000  # an older hub's chunk rows (any size: the rows are concatenated)


def legacy_materials(net: DemoNetwork, url: str | None, count: int) -> dict[str, bytes]:
    """``count`` complete materials and one unfinished upload, as chunk rows."""
    made = {}
    db = open_database(url, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context(), db.atomic():
            for index in range(count + 1):
                complete = index < count
                data = os.urandom(250_000 + index if complete else (1 << 20) + 300_000)
                address = hashlib.sha256(data).hexdigest()
                kept = data if complete else data[:2 * ROW]
                HubBlob.insert(address=address, total=len(data), received=len(kept),
                               complete=complete, created_at=now_iso(),
                               peer=net.village.code).execute()
                for offset in range(0, len(kept), ROW):
                    HubChunk.insert(address=address, offset=offset,
                                    data=kept[offset:offset + ROW]).execute()
                made[address] = data
    finally:
        db.close()
    return made


def migrate_argv(net: DemoNetwork, url: str | None) -> list[str]:
    argv = [*COMMAND, "hub", "migrate-blobs", "--data", str(net.township.data),
            "--user", net.township.user, "--json"]
    return argv + (["--db", url] if url else [])


def env(net: DemoNetwork) -> dict[str, str]:
    return {**os.environ, "STATION_PASSPHRASE": net.passphrase, "STATION_TEST_WEAK_KDF": "1"}


def rows_of(net: DemoNetwork, url: str | None) -> dict[str, int]:
    db = open_database(url, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            found: dict[str, int] = {}
            for row in HubChunk.select(HubChunk.address):
                found[row.address] = found.get(row.address, 0) + 1
            return found
    finally:
        db.close()


def test_migration_killed_midway_and_run_again_postgresql(net: DemoNetwork) -> None:
    with postgres_databases("county", "township") as (county, township):
        made = legacy_materials(net, township, 6)
        complete = sorted(a for a in made if len(made[a]) < (1 << 20))
        unfinished = next(a for a in made if a not in complete)
        store = FilesystemStore(default_root(net.township.data))

        # A hub started on the rows serves them from there, and says so.
        demo_network.start_hubs(net, county, township)
        with net.open(net.village) as village:
            client = link.client_for(village)
            link.connect(village, client)
        for address in complete:
            assert client.read_material(address, len(made[address])) == made[address]
        log = (net.workdir / f"hub-{net.township.code}.log").read_text("utf-8", "replace")
        assert "migrate-blobs" in log
        assert MATERIALS.split("{")[0] in log  # the start line says where materials go

        # The migration is held on one material's rows (a lock taken here), then killed.
        order = sorted(made)
        middle = order[len(order) // 2]
        lock = psycopg2.connect(township)
        with lock.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {HubChunk._meta.table_name} WHERE address = %s "
                           "FOR UPDATE", (middle,))
        migration = subprocess.Popen(migrate_argv(net, township), env=env(net),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        held = store.has(middle) if middle != unfinished else \
            (store.root / "uploads" / middle).exists()
        while not held:  # copied, now waiting to delete its rows
            assert migration.poll() is None, migration.communicate()
            time.sleep(0.05)
            held = store.has(middle) if middle != unfinished else \
                (store.root / "uploads" / middle).exists()
        migration.send_signal(signal.SIGKILL)
        migration.wait(30)
        lock.rollback()
        lock.close()
        left = rows_of(net, township)
        assert middle in left, "killed before the rows of the held material went"
        for address in order[:order.index(middle)]:
            assert address not in left
        for address in order[order.index(middle) + 1:]:
            assert address in left and not store.has(address)

        # Meanwhile the hub serves every material, from the store or from the rows.
        for address in complete:
            assert client.read_material(address, len(made[address])) == made[address]

        done = subprocess.run(migrate_argv(net, township), env=env(net), capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        counts = json.loads(done.stdout)
        before = [a for a in order[:order.index(middle) + 1] if a in complete]
        assert counts["held"] == (1 if middle in complete else 0)
        assert counts["moved"] == len(complete) - len(before)
        assert counts["mismatched"] == 0
        assert rows_of(net, township) == {}
        for address in complete:
            with store.path_of(address).open("rb") as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == address
            assert client.read_material(address, len(made[address])) == made[address]
        # the unfinished upload (over one chunk) goes on where it stood
        data = made[unfinished]
        assert client.upload(unfinished, len(data), lambda at, n: data[at:at + n]) \
            == len(data) - 2 * ROW
        assert store.read(unfinished, 0, len(data)) == data
        net.stop()


def test_migration_on_sqlite_prints_the_counts_in_chinese(net: DemoNetwork) -> None:
    made = legacy_materials(net, None, 3)
    argv = [a for a in migrate_argv(net, None) if a != "--json"]
    done = subprocess.run(argv, env=env(net), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "迁移 3 份" in done.stdout and "未完成的上传 1 份" in done.stdout
    again = subprocess.run(argv, env=env(net), capture_output=True, text=True, timeout=300)
    assert "迁移 0 份" in again.stdout
    assert rows_of(net, None) == {}
    store = FilesystemStore(default_root(Path(net.township.data)))
    assert sorted(store.addresses()) == sorted(a for a in made if store.has(a))
    assert len(list(store.addresses())) == 3
