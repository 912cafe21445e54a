"""What ``station hub serve`` says when it starts: where it listens, which database.

One plain line for the operator (and for the journal when systemd runs the hub):
the address, and the database as a file path for SQLite or as a PostgreSQL address
made from its host, port, user and database name only, so a password given in
``--db`` (in the URL or its query) is never printed.  Programs that start a hub (the
demo network, tests) read the address back with ``started_address``, in whichever
interface language the hub spoke.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from peewee import Database, PostgresqlDatabase, SqliteDatabase

from station.i18n import N_, in_every_language, translate

STARTED = N_("枢纽站已启动：{address}，数据库 {database}（{kind}）")
STARTED_WORKERS = N_("枢纽站已启动：{address}，数据库 {database}（{kind}），工作进程 {workers} 个")
MATERIALS = N_("材料存放于 {where}")
_ADDRESS = re.compile(r"https?://[^\s,，]+")


def database_of(db: Database) -> tuple[str, str]:
    """The database as the operator names it, and its kind (SQLite or PostgreSQL)."""
    if isinstance(db, PostgresqlDatabase):
        params = db.connect_params
        host = str(params.get("host") or "")
        if host.startswith("/"):  # a Unix socket folder
            host = quote(host, safe="")
        user = params.get("user")
        port = params.get("port")
        where = (f"{quote(str(user), safe='')}@" if user else "") + host
        where += f":{port}" if port else ""
        return f"postgresql://{where}/{db.database}", "PostgreSQL"
    if isinstance(db, SqliteDatabase):
        return str(Path(db.database).resolve()), "SQLite"
    return type(db).__name__, type(db).__name__


def started_line(address: str, db: Database, workers: int = 1) -> str:
    """The start line; with several worker processes (printed once, by the master) it
    says how many."""
    database, kind = database_of(db)
    if workers > 1:
        return translate(STARTED_WORKERS).format(address=address, database=database,
                                                 kind=kind, workers=workers)
    return translate(STARTED).format(address=address, database=database, kind=kind)


def materials_line(where: str) -> str:
    """Where the hub keeps materials (the store's label: a folder or a bucket, no secret)."""
    return translate(MATERIALS).format(where=where)


def started_address(line: str) -> str | None:
    """The address in a hub's start line (in any interface language), else None."""
    for template in [*in_every_language(STARTED), *in_every_language(STARTED_WORKERS)]:
        before = template.split("{address}", 1)[0]
        at = line.find(before)
        if at >= 0:
            found = _ADDRESS.match(line, at + len(before))
            if found:
                return found.group(0)
    return None
