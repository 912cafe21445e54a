"""What a hub's desks (enrolments, updates) need of the hub they serve.

``HubService`` builds its desks and hands itself to them; they see it only through
this protocol, so the dependency runs one way (service → desks → this module).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ed25519

from sync.hub.identity import HubIdentity


class HubCore(Protocol):
    """The hub a desk works for: its identity, its keys, its write transaction."""

    me: HubIdentity

    def write(self) -> AbstractContextManager[Any]:
        """A write transaction (BEGIN IMMEDIATE on SQLite)."""

    def lock_key(self, key: str) -> None:
        """Serialise writers of ``key`` inside the transaction (PostgreSQL)."""

    def serves(self, node: str) -> bool:
        """``node`` is this hub's own node or lies under it."""

    def public_key(self, node: str) -> ed25519.Ed25519PublicKey:
        """The node's verified signing key."""
