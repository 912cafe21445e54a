"""``station hub serve`` says where it listens and which database it uses.

Real hub processes of the demo network (``start_hub`` reads the address back from the
line, as the demo does): on SQLite in Chinese, and on PostgreSQL in English with a
password in ``--db`` (the server trusts loopback, so the password is accepted and
ignored) that must appear nowhere in what the hub printed.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from network import postgres_databases

from station.demo.demo_network import start_hub
from station.hubops.hub_banner import started_address

PASSWORD = "s3cret-Hub-pw"


def _output(net: Any) -> str:
    net.stop()  # the hub's whole output is in its log file once it has stopped
    return (net.workdir / f"hub-{net.county.code}.log").read_text(encoding="utf-8")


def _answers(address: str) -> None:
    with urllib.request.urlopen(f"{address}/v1/openapi.json", timeout=30) as reply:
        assert reply.status == 200
        assert json.load(reply)["openapi"]


def test_sqlite_hub_names_its_file(net: Any) -> None:
    address = start_hub(net, net.county)
    _answers(address)
    database = Path(net.county.data, "hub.db").resolve()
    lines = _output(net).splitlines()
    assert f"枢纽站已启动：{address}，数据库 {database}（SQLite）" in lines
    assert database.is_file()


def test_postgres_hub_never_prints_the_password(net: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_LANG", "en")
    with postgres_databases("county") as (url,):
        given = url.replace("postgres@", f"postgres:{PASSWORD}@") + f"?password={PASSWORD}"
        address = start_hub(net, net.county, db=given)
        _answers(address)
        output = _output(net)
        name = url.rsplit("/", 1)[1]
        assert (f"Hub started: {address}, database "
                f"postgresql://postgres@127.0.0.1:5432/{name} (PostgreSQL)") in output.splitlines()
        assert PASSWORD not in output
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_schema = 'public'")
            assert cursor.fetchone()[0] > 0  # the hub really worked on this database
        connection.close()


@pytest.mark.parametrize("line, address", [
    ("枢纽站已启动：http://127.0.0.1:8443，数据库 /var/lib/hub.db（SQLite）",
     "http://127.0.0.1:8443"),
    ("Hub started: http://[::1]:80, database postgresql://h@x/db (PostgreSQL)",
     "http://[::1]:80"),
    ("forwarding to http://127.0.0.1:9000 failed", None),
])
def test_the_start_line_is_read_back_in_either_language(line: str, address: str | None) -> None:
    assert started_address(line) == address
