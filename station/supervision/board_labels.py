"""How the board's lights, columns and step states are named where people read them:
the 监察 screen and its Excel export use the same words."""

from __future__ import annotations

from station.clock import steps
from station.i18n import N_, translate
from station.supervision.board_shapes import RED, YELLOW, BoardCase, LateFollowUp

LIGHTS = {RED: N_("红牌"), YELLOW: N_("黄牌")}
TIERS = {"village": N_("村站"), "township": N_("乡镇"), "county": N_("县级")}
STEP_STATES = {steps.DONE: N_("已完成"), steps.NOT_STARTED: N_("未开始"),
               steps.RUNNING: N_("办理中"), steps.YELLOW: N_("黄牌"), steps.RED: N_("红牌"),
               steps.PAUSED: N_("暂停计时")}

# (key, heading) of each table, in order.
# The days first, the long names last: at 1366 pixels what is late shows without scrolling.
CASE_COLUMNS = (("light", N_("亮牌")), ("case_no", N_("办件编号")), ("received", N_("收件日期")),
                ("due", N_("应办结日期")), ("days", N_("已用/时限（工作日）")),
                ("overdue", N_("超期（工作日）")), ("office", N_("科室")), ("station", N_("站点")),
                ("matter", N_("事项")))
GROUP_COLUMNS = (("name", N_("名称")), ("red", N_("红牌（今日）")), ("yellow", N_("黄牌（今日）")),
                 ("red_cards", N_("本月红牌")), ("yellow_cards", N_("本月黄牌")),
                 ("points", N_("扣分")))
FOLLOWUP_COLUMNS = (("case_no", N_("办件编号")), ("office", N_("科室")),
                    ("rated_on", N_("差评日期")), ("callback_by", N_("应回访日期")),
                    ("fix_by", N_("应整改日期")), ("late", N_("逾期事项")))
STEP_COLUMNS = (("names", N_("环节")), ("place", N_("办理单位")), ("days", N_("时限")),
                ("started_on", N_("开始")), ("due", N_("应完成")), ("state", N_("状态")))


def light_name(light: str) -> str:
    return translate(LIGHTS[light]) if light in LIGHTS else light


def state_name(state: str) -> str:
    return translate(STEP_STATES[state]) if state in STEP_STATES else state


def headings(columns: tuple[tuple[str, str], ...]) -> list[str]:
    return [translate(label) for _key, label in columns]


def case_values(case: BoardCase) -> tuple[str, ...]:
    """A case as the list shows it (in ``CASE_COLUMNS`` order)."""
    return (light_name(case.light), case.case_no, case.received_on.isoformat(),
            case.due.isoformat(), f"{case.used}/{case.allowed}",
            str(case.overdue_days) if case.overdue_days else "—", case.office_name or "—",
            case.station_name or case.station, case.matter_name or case.matter)


def points_text(points: float) -> str:
    return f"{points:g}"


def late_text(followup: LateFollowUp) -> str:
    """What is late: the call-back, the fix, or both."""
    late = [translate(N_("回访逾期"))] if followup.callback_late else []
    if followup.fix_late:
        late.append(translate(N_("整改逾期")))
    return "、".join(late) or "—"


def followup_values(followup: LateFollowUp) -> tuple[str, ...]:
    return (followup.case_no, followup.office_name or followup.office,
            followup.rated_on.isoformat(), followup.callback_by.isoformat(),
            followup.fix_by.isoformat(), late_text(followup))
