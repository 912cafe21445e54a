"""The county's CA certificate for its hubs' HTTPS (TLS), kept by a station.

A county that puts its hubs behind a TLS reverse proxy (installer/nginx/) gives each
station its CA certificate; the station then talks to an https:// hub only if the
hub's certificate chains to it.  The file is public (a certificate, not a key) and
lives beside the store; without it, the system's trusted CAs are used.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from keys import ca
from keys.errors import KeysError
from station.app import Station
from station.errors import HubCaInvalid
from station.fileio import write_atomically

CA_FILE = "hub-ca.pem"


def ca_file(station: Station) -> str | None:
    """The imported CA certificate's path, or None."""
    path = station.layout.root / CA_FILE
    return str(path) if path.is_file() else None


def set_ca(station: Station, source: Path) -> int:
    """Keep the county's CA certificate (PEM) from ``source``; returns how many
    certificates it holds.  Anything else is refused, and nothing changes."""
    try:
        pem = source.read_bytes()
        count = len(ca.chain_from_pem(pem))
    except (KeysError, OSError, ValueError):
        raise HubCaInvalid(path=source.name) from None

    def render(handle: BinaryIO) -> None:
        handle.write(pem)

    write_atomically(station.layout.root / CA_FILE, render)
    return count
