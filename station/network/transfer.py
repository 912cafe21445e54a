"""Opening what arrived: a pulled event's sealed payload, and a blob it carries.

A blob travels under its own key (``publish.transport_material``); the key
is inside the payload, which only the addressed offices and inbox can open.
Fetched blobs are decrypted on the fly and stored again under this
station's key, so nothing arrives in clear on disk.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from keys.seal import open_sealed
from keys.stream import decrypt_stream
from station.app import Station
from station.network.publish import TRANSPORT_AAD
from station.store.blobs import StoredBlob
from station.store.models import InboxEvent
from station.trust import directory
from sync.client import HubClient
from sync.envelope import Envelope, parse_envelope


def envelope_of(row: InboxEvent) -> Envelope:
    return parse_envelope(bytes(row.envelope))


def open_payload(station: Station, envelope: Envelope) -> dict[str, Any]:
    """The payload, opened with a key this user holds (KeysError otherwise)."""
    value = json.loads(open_sealed(envelope.payload, directory.keyring(station)))
    assert isinstance(value, dict)
    return value


def fetch_blob(station: Station, client: HubClient,
               ref: dict[str, Any]) -> tuple[StoredBlob, bytes]:
    """Download one travelling blob from the hub and keep it in this station's store;
    the stored blob and its first bytes (to tell its media type)."""
    data = client.read_material(str(ref["address"]), int(ref["size"]))
    plain = io.BytesIO()
    decrypt_stream({0: base64.b64decode(str(ref["key"]))}, io.BytesIO(data), plain,
                   TRANSPORT_AAD)
    plain.seek(0)
    return station.blobs.put(plain), plain.getbuffer()[:16].tobytes()
