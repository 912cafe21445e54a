"""The names shown for codes in reports: nodes from the hub's peers, matters from the
catalogue, offices as "node name office"."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import Database

from station.app import Station
from station.i18n import _
from sync.hub.models import HubPeer


@dataclass(frozen=True)
class Names:
    nodes: dict[str, str]
    matters: dict[str, str]

    @classmethod
    def read(cls, db: Database, station: Station) -> Names:
        with db.connection_context():
            nodes = {p.node: p.name for p in HubPeer.select(HubPeer.node, HubPeer.name)}
        nodes.setdefault(station.node.code, station.node.name)
        return cls(nodes, {code: m.name for code, m in station.catalogue.matters.items()})

    def node(self, code: str) -> str:
        return self.nodes.get(code) or code

    def office(self, key: str) -> str:
        node, _, office = key.partition(":")
        return f"{self.node(node)} {office}".strip() if key else ""

    def shown(self, dimension: str, key: str) -> str:
        """A row's name: ``dimension`` is township, station, office or matter."""
        if not key:
            return _("（未分派）") if dimension == "office" else _("（未知）")
        if dimension == "office":
            return self.office(key)
        if dimension == "matter":
            return self.matters.get(key) or key
        return self.node(key)
