"""Who may call each hub route: one rule per route, decided from node codes alone.

The hub authenticates stations, not people: every signed request carries one
station's key.  Which of a station's users may ask (a reviewer for the queue,
an auditor for the sync log) is decided at that station, by its login and
role check, before it signs; the hub decides which *station* may ask.  The
rules follow the division-code tree (``keys.hierarchy``): a node's *line* is
itself, its ancestors and its descendants.

``RULES`` names the rule of every (method, route template) the hub serves;
the hub's ``Scope`` step (``sync/hub/app.py``) looks the rule up for each
request and refuses a route that has none.  ``docs/protocol.md`` ("Who may
read what") is the same table in words, and ``tests/test_protocol_docs.py``
checks that the two and ``openapi.json`` name the same routes.

Pure: no database, no HTTP.  What a rule needs from the hub's tables (the
events that cite a material) is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from keys.errors import NodeCodeInvalid
from keys.hierarchy import is_under


class Rule(StrEnum):
    ANYONE = "anyone"  # unsigned: health, the OpenAPI document
    OPERATOR = "operator"  # unsigned, from the addresses the operator allows: /metrics
    SIGNED = "signed"  # any verified signature: an enrolled node, or a node enrolling with
    #                    the key it asks to have certified (the service decides the rest)
    ENROLLED = "enrolled"  # any enrolled node; the service checks what it is sent
    LINE = "line"  # the directory: entries on the caller's line only
    NODE = "node"  # a node's head: the node itself and its ancestors
    HUB = "hub"  # the desk queue and the sync log: this hub's own node and its ancestors
    MATERIAL = "material"  # the uploader, the author and addressees of a citing event,
    #                        and their ancestors


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/v1/health"): Rule.ANYONE,
    ("GET", "/v1/openapi.json"): Rule.ANYONE,
    ("GET", "/metrics"): Rule.OPERATOR,
    ("POST", "/v1/hello"): Rule.SIGNED,
    ("POST", "/v1/certificates"): Rule.ENROLLED,
    ("GET", "/v1/directory"): Rule.LINE,
    ("POST", "/v1/directory"): Rule.ENROLLED,
    ("GET", "/v1/revocations"): Rule.ENROLLED,
    ("POST", "/v1/revocations"): Rule.ENROLLED,
    ("GET", "/v1/materials/{address}"): Rule.MATERIAL,
    ("POST", "/v1/materials/{address}"): Rule.ENROLLED,
    ("PATCH", "/v1/materials/{address}"): Rule.ENROLLED,
    ("PUT", "/v1/materials/{address}"): Rule.ENROLLED,
    ("GET", "/v1/materials/{address}/data"): Rule.MATERIAL,
    ("GET", "/v1/events"): Rule.ENROLLED,
    ("POST", "/v1/events"): Rule.ENROLLED,
    ("GET", "/v1/nodes/{node}"): Rule.NODE,
    ("GET", "/v1/nodes/{node}/events"): Rule.NODE,
    ("GET", "/v1/queue"): Rule.HUB,
    ("POST", "/v1/claims"): Rule.ENROLLED,
    ("DELETE", "/v1/claims/{case_no}"): Rule.ENROLLED,
    ("POST", "/v1/proofs"): Rule.ENROLLED,
    ("GET", "/v1/sessions"): Rule.HUB,
    ("GET", "/v1/enrolment/grants"): Rule.ENROLLED,
    ("POST", "/v1/enrolment/grants"): Rule.ENROLLED,
    ("GET", "/v1/enrolment/requests"): Rule.SIGNED,
    ("POST", "/v1/enrolment/requests"): Rule.SIGNED,
    ("GET", "/v1/enrolment/requests/{node}"): Rule.SIGNED,
    ("POST", "/v1/enrolment/approvals"): Rule.ENROLLED,
    ("POST", "/v1/enrolment/refusals"): Rule.ENROLLED,
    ("GET", "/v1/updates"): Rule.ENROLLED,
    ("GET", "/v1/updates/{kind}"): Rule.ENROLLED,
    ("POST", "/v1/updates/{kind}"): Rule.ENROLLED,
}


def rule_of(method: str, template: str) -> Rule | None:
    return RULES.get((method.upper(), template))


def _under(child: str, parent: str) -> bool:
    try:
        return is_under(child, parent)
    except NodeCodeInvalid:
        return False


def on_line(requester: str, node: str) -> bool:
    """``node`` is the requester itself, one of its ancestors or one of its descendants."""
    return node == requester or _under(node, requester) or _under(requester, node)


def may_read_node(requester: str, node: str) -> bool:
    """A node's head and receipt: the node itself and its ancestors (the hubs that
    forward its log)."""
    return node == requester or _under(node, requester)


def may_read_hub(requester: str, hub: str) -> bool:
    """This hub's desks and log: the hub's own node and its ancestors' supervisors."""
    return requester == hub or _under(hub, requester)


@dataclass(frozen=True)
class Citation:
    """An event that cites a material: its author node and the nodes it is addressed to."""

    author: str
    addressed: tuple[str, ...]


def may_read_material(requester: str, uploader: str | None,
                      citations: Iterable[Citation]) -> bool:
    """A material's bytes: who uploaded them, the author of an event citing them and
    its ancestors, a node such an event is addressed to and that node's ancestors."""
    if requester == uploader:
        return True
    for citation in citations:
        if may_read_node(requester, citation.author):
            return True
        if any(may_read_node(requester, node) for node in citation.addressed):
            return True
    return False
