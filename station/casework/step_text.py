"""The per-step clock (``progress.status``'s ``step_limits``) in words, one line per
begun step, for the review desk and ``station case status``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from station.i18n import N_, _, translate

STATE_NAMES = {
    "running": N_("计时中"), "yellow": N_("即将到期"), "red": N_("已超期"),
    "paused": N_("暂停计时"), "not_started": N_("未开始计时"), "done": N_("本环节已完成"),
}
TIER_NAMES = {"village": N_("村级"), "township": N_("乡镇"), "county": N_("县级")}


def step_lines(limits: Iterable[dict[str, Any]]) -> list[str]:
    """One line per procedure stage with its own limit (catalogue ``days``) that has begun."""
    lines = []
    for stage in limits:
        if not stage.get("started_on"):
            continue
        state = translate(STATE_NAMES.get(stage["state"], stage["state"]))
        place = stage.get("office") or translate(TIER_NAMES.get(stage["tier"], stage["tier"]))
        lines.append(_("分环节：{place}“{names}”限 {days} 个工作日，{due} 前（{state}）").format(
            place=place, names="、".join(stage["names"]), days=stage["days"],
            due=stage["due"], state=state))
    return lines
