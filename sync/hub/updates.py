"""Catalogue and calendar updates at a hub: keep the newest the county signed.

The county's admin posts an update to the county hub; hubs below pull it
from their parent (sync/hub/forward.py) and stations fetch it when they
sync.  A hub checks the signature up to the root, the signer (the county
node) and the envelope (sync/updates.py) but not what the files say: each
station validates the content before installing it, and keeps its previous
version when the content is wrong.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sync.hub.desk import HubCore
from sync.hub.models import HubUpdate, upsert
from sync.problems import NotFound, UpdateOutdated
from sync.updates import KINDS, Update, kind_name, open_update


class UpdateDesk:
    def __init__(self, hub: HubCore) -> None:
        self.hub = hub

    def versions(self) -> dict[str, int]:
        held = {row.kind: int(row.version) for row in HubUpdate.select()}
        return {kind: held.get(kind, 0) for kind in KINDS}

    def get(self, kind: str) -> dict[str, Any]:
        row = HubUpdate.get_or_none(HubUpdate.kind == self._kind(kind))
        if row is None:
            raise NotFound(what=kind)
        return {"kind": kind, "version": int(row.version), "update": json.loads(row.document),
                "chain": row.chain}

    def install(self, kind: str, published: object, strict: bool = True) -> int:
        """Keep ``published`` if it is newer than what is held; the version kept.

        ``strict``: an older or different same-version update is refused
        (UpdateOutdated), as the county's admin must hear; relayed copies
        (``strict=False``) are only ignored.
        """
        update: Update = open_update(published, self._kind(kind), self.hub.me.root,
                                     self.hub.me.revocations)
        document = json.dumps(update.published["update"], sort_keys=True)
        with self.hub.write():
            self.hub.lock_key(f"update:{kind}")
            row = HubUpdate.get_or_none(HubUpdate.kind == kind)
            held = int(row.version) if row else 0
            if update.version > held:
                upsert(HubUpdate, kind=kind, version=update.version, document=document,
                       chain=update.published["chain"],
                       received_at=datetime.now(UTC).isoformat(timespec="milliseconds"))
                return update.version
            same = row is not None and update.version == held and row.document == document
        if strict and not same:
            raise UpdateOutdated(kind=kind, what=kind_name(kind), version=update.version,
                                 held=held)
        return held

    @staticmethod
    def _kind(kind: str) -> str:
        if kind not in KINDS:
            raise NotFound(what=kind)
        return kind
