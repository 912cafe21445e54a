"""A hub whose materials are in an S3-compatible object store: OpenStack Swift's S3 API.

The township hub runs as ``station hub serve --db postgresql://… --blobs s3://…``
against a real Swift (tests/swift.py).  A village uploads small scans (one request
each) and a 3 MiB scan; the hub is killed with SIGKILL after the big scan's first
chunk, restarted, and the upload resumes.  Then every scan read back from the
bucket and through the hub has the SHA-256 of its address, the bucket holds no
unfinished parts, and the hub's database holds no material bytes.
"""

from __future__ import annotations

import hashlib
import os
import signal
import uuid
from typing import Any

import pytest
from network import postgres_databases

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.network import link
from sync.chunks import CHUNK, DEPTH, PART
from sync.client import HubClient
from sync.hub.identity import open_database
from sync.hub.models import HubBlob, HubChunk
from sync.problems import HubUnreachable


def village_client(net: DemoNetwork) -> HubClient:
    with net.open(net.village) as village:
        client = link.client_for(village)
        link.connect(village, client)
    return client


def start_township(net: DemoNetwork, db: str, spec: str, listen: str = "127.0.0.1:0") -> str:
    assert net.county.address
    return demo_network.start_hub(net, net.township, upstream=net.county.address, db=db,
                                  listen=listen, options=("--blobs", spec))


def test_scans_in_swift_survive_a_hub_killed_mid_upload(
        net: DemoNetwork, swift: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in swift.environment().items():  # the hub reads the standard variables
        monkeypatch.setenv(name, value)
    bucket = f"hub-{uuid.uuid4().hex[:12]}"
    s3 = swift.client()
    s3.create_bucket(Bucket=bucket)
    spec = f"s3://{bucket}/township?endpoint={swift.endpoint_url}&region={swift.region}"
    with postgres_databases("county", "township") as (county, township):
        net.county_db, net.township_db = county, township
        demo_network.start_hub(net, net.county, db=county)
        address = start_township(net, township, spec)
        with net.open(net.village) as village:
            link.set_hub(village, address)
        try:
            client = village_client(net)
            scans = [os.urandom(size) for size in (180_000, 200_000, 3 * CHUNK)]
            addresses = [hashlib.sha256(data).hexdigest() for data in scans]
            for at, data in zip(addresses[:2], scans[:2], strict=True):
                assert client.upload(at, len(data), lambda o, n, d=data: d[o:o + n]) == \
                    len(data)

            big, big_address = scans[2], addresses[2]
            seen: list[int] = []

            def kill_after_first(done: int, total: int) -> None:
                seen.append(done)
                if len(seen) == 1:
                    assert net.township.process is not None
                    net.township.process.send_signal(signal.SIGKILL)
                    net.township.process.wait(30)

            before = client.bytes_sent
            with pytest.raises(HubUnreachable):
                client.upload(big_address, len(big), lambda o, n: big[o:o + n],
                              kill_after_first)
            first = client.bytes_sent - before
            assert seen == [PART]  # pipelined: up to DEPTH parts sent, one answered
            parts = s3.list_objects_v2(Bucket=bucket, Prefix=f"township/uploads/{big_address}")
            assert 1 <= parts.get("KeyCount", 0) <= DEPTH, "the parts in were kept"

            start_township(net, township, spec, listen=address.removeprefix("http://"))
            resumed = village_client(net)
            status = resumed.material_status(big_address)
            assert status is not None and PART <= status["offset"] <= CHUNK
            sent = resumed.upload(big_address, len(big), lambda o, n: big[o:o + n])
            assert sent == len(big) - status["offset"], "the upload went on from the hub's offset"
            assert first + sent - len(big) <= CHUNK, "at most one chunk's worth sent again"

            for at, data in zip(addresses, scans, strict=True):
                held = s3.get_object(Bucket=bucket, Key=f"township/{at[:2]}/{at}")["Body"].read()
                assert hashlib.sha256(held).hexdigest() == at
                through_hub = resumed.read_material(at, len(data))
                assert hashlib.sha256(through_hub).hexdigest() == at
            leftovers = s3.list_objects_v2(Bucket=bucket, Prefix="township/uploads/")
            assert leftovers.get("KeyCount") == 0, "no unfinished parts are left behind"

            db = open_database(township, net.township.data / "unused.db")
            with db.connection_context():
                blobs = {b.address: b for b in HubBlob.select()}
                chunk_rows, chunk_bytes = db.execute_sql(
                    f"SELECT count(*), coalesce(sum(length(data)), 0) "
                    f"FROM {HubChunk._meta.table_name}").fetchone()
            db.close()
            assert all(blobs[a].complete and blobs[a].received == len(d)
                       for a, d in zip(addresses, scans, strict=True))
            assert (chunk_rows, chunk_bytes) == (0, 0), "no material bytes in the database"
        finally:
            net.stop()
