"""What a step of a case's history says besides its name: the reason a 受理 overrode
missing materials, why a case was returned to the village, what was corrected when it
was sent again.  Read from this node's own events (their payloads are sealed at rest)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from station.i18n import _

OVERRIDE = "override"


def note(type_: str, payload: Mapping[str, Any] | None) -> str:
    """One line for the history (empty when the step says nothing more)."""
    body = payload or {}
    if type_ == "case.accepted" and isinstance(body.get(OVERRIDE), Mapping):
        override = body[OVERRIDE]
        listed = "、".join(str(m.get("name", "")) for m in override.get("materials") or [])
        return _("材料缺少或不清晰仍予受理（{materials}）：{reason}").format(
            materials=listed, reason=override.get("reason", ""))
    if type_ in ("case.returned", "case.return_received") and body.get("reason"):
        return _("退回原因：{reason}").format(reason=body["reason"])
    if type_ == "case.resubmitted":
        return _("更正后重新报送：{note}").format(note=body.get("note") or "—")
    return ""
