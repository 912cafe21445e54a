"""Case states (办件状态) as stored, with the labels people read."""

from __future__ import annotations

from station.i18n import N_, translate

FILED = "filed"
AWAITING_SUPPLEMENT = "awaiting_supplement"
RETURNED = "returned"

LABELS = {
    FILED: N_("已收件，待受理"),
    AWAITING_SUPPLEMENT: N_("已收件，缺件待补"),  # not the office's 待补正: nothing reviewed yet
    RETURNED: N_("已退回村站"),
}


def label(status: str) -> str:
    return translate(LABELS[status]) if status in LABELS else status
