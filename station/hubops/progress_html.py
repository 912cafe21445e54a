"""The public progress pages as HTML: small, mobile-friendly, no JavaScript.

One page per case (state in plain words, the office handling it, the promised
date, the steps so far), one unknown-case page (also for a wrong check code),
a lookup form and a "too many lookups" page.  Every value is escaped; nothing
personal is ever given to these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from html import escape

from station.cases.check_code import LENGTH
from station.hubops.progress_read import CaseProgress
from station.i18n import N_, _, language, translate
from sync import lifecycle

# Each state as a resident would say it (the desk's labels are for staff).
PLAIN_STATES = {
    lifecycle.QUEUED: N_("已收件，等待受理"),
    lifecycle.SUPPLEMENT: N_("需要补正材料，请联系代办员"),
    lifecycle.REVIEW: N_("已受理，正在审查"),
    lifecycle.JOINT: N_("已受理，多个部门正在联合审查"),
    lifecycle.SPECIAL: N_("正在进行调查、公示等特别程序（所需时间不计入办理时限）"),
    lifecycle.DECIDED: N_("已作出决定，等待送达"),
    lifecycle.REFUSED: N_("不予受理"),
    lifecycle.RETURNED: N_("已退回收件站点，请联系代办员"),
    lifecycle.DELIVERED: N_("已办结，结果已送达"),
    lifecycle.FOLLOWUP: N_("已办结，正在回访整改"),
    lifecycle.CLOSED: N_("已办结"),
    lifecycle.WITHDRAWN: N_("已撤回"),
}
OUTCOMES = {"approved": N_("准予"), "rejected": N_("不予批准"), "refused": N_("不予受理")}
PROVISIONAL = N_("日期按法定节假日暂计，以公布的安排为准")

_STYLE = """
body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",
sans-serif;font-size:18px;line-height:1.6;color:#1a1a1a;background:#f4f4f4}
main{max-width:36em;margin:0 auto;padding:1em;background:#fff;min-height:100vh}
h1{font-size:1.4em;margin:.2em 0 .6em}
.state{font-size:1.35em;font-weight:bold;padding:.6em;border-left:.3em solid #1f5fa8;
background:#eef4fb;margin:.8em 0}
dl{margin:0}dt{color:#555;font-size:.9em;margin-top:.6em}dd{margin:0;font-size:1.05em}
ol{padding-left:1.2em}li{margin:.4em 0}.day{color:#555;margin-right:.5em}
.note{color:#555;font-size:.9em;margin-top:1.5em}
label{display:block;margin-top:.8em}input{font-size:1em;width:100%;box-sizing:border-box;
padding:.4em}button{font-size:1em;margin-top:1em;padding:.5em 1.5em}
"""


def _page(title: str, body: str) -> str:
    lang = "zh-CN" if language() == "zh" else language()
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


def _day(day: date) -> str:
    return _("{year}年{month}月{day}日").format(year=day.year, month=day.month, day=day.day)


def state_text(progress: CaseProgress) -> str:
    text = translate(PLAIN_STATES.get(progress.state, lifecycle.label(progress.state)))
    if progress.state == lifecycle.DECIDED and progress.outcome in OUTCOMES:
        text = _("已作出决定（{outcome}），等待送达").format(
            outcome=translate(OUTCOMES[progress.outcome]))
    return text


def promise_text(progress: CaseProgress) -> str:
    due = progress.deadline
    if due is None:
        return _("请向收件站点询问")
    if due.outcome in ("approved", "rejected") and due.decided_on:
        return _("已于{day}作出决定").format(day=_day(due.decided_on))
    if due.outcome:
        return _("已停止计时")
    if due.due is None and due.paused:  # papers incomplete: nothing is promised yet
        return _("材料补齐后计算（承诺{days}个工作日内办结）").format(days=due.allowed)
    if due.due is None:
        text = _("受理后按承诺时限计算（{days}个工作日）").format(days=due.allowed)
        if due.accept_by:
            text += _("；{day}前决定是否受理").format(day=_day(due.accept_by))
        return text
    text = _("{day}前办结").format(day=_day(due.due))
    if due.paused:
        text += _("（补正或特别程序期间暂停计时，日期将顺延）")
    if progress.provisional:
        text += "（" + translate(PROVISIONAL) + "）"
    return text


def case_page(progress: CaseProgress, now: datetime) -> str:
    rows = [(_("办件编号"), progress.case_no)]
    if progress.matter_name:
        rows.append((_("申请事项"), progress.matter_name))
    rows += [(_("办理部门"), "、".join(progress.handled_by) or "—"),
             (_("承诺办结日期"), promise_text(progress))]
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    steps = "".join(
        f"<li><span class=\"day\">{escape(_day(s.day))}</span>"
        f"{escape(translate(lifecycle.action_label(s.type)))}"
        + (f"（{escape(s.where)}）" if s.where else "") + "</li>"
        for s in progress.steps)
    note = _("本页只显示办理进度，不显示申请人信息。如有疑问，请联系代办员或到收件站点询问。"
             "查询时间：{time}").format(time=now.strftime("%Y-%m-%d %H:%M"))
    body = (f"<h1>{escape(_('办件进度'))}</h1>"
            f"<div class=\"state\" id=\"state\">{escape(state_text(progress))}</div>"
            f"<dl>{facts}</dl><h2>{escape(_('办理经过'))}</h2><ol>{steps}</ol>"
            f"<p class=\"note\">{escape(note)}</p>")
    return _page(_("办件进度查询"), body)


def _form(case_no: str = "") -> str:
    return (f"<form method=\"get\" action=\"/p\">"
            f"<label for=\"n\">{escape(_('办件编号'))}</label>"
            f"<input id=\"n\" name=\"n\" value=\"{escape(case_no)}\" autocomplete=\"off\">"
            f"<label for=\"c\">{escape(_('查询码'))}</label>"
            f"<input id=\"c\" name=\"c\" maxlength=\"{LENGTH + 4}\" autocomplete=\"off\">"
            f"<button type=\"submit\">{escape(_('查询'))}</button></form>")


def form_page() -> str:
    body = (f"<h1>{escape(_('办件进度查询'))}</h1>"
            f"<p>{escape(_('请输入收件凭证上的办件编号和查询码。'))}</p>{_form()}")
    return _page(_("办件进度查询"), body)


def unknown_page() -> str:
    body = (f"<h1>{escape(_('没有查到这个办件'))}</h1>"
            f"<p id=\"state\">{escape(_('请核对收件凭证上的办件编号和查询码后重新输入。刚收件的办件，可能要等收件站点同步后才能查到；如仍查不到，请联系代办员或到收件站点询问。'))}</p>"  # noqa: E501
            f"{_form()}")
    return _page(_("办件进度查询"), body)


def throttled_page(seconds: int) -> str:
    body = (f"<h1>{escape(_('查询过于频繁'))}</h1>"
            f"<p id=\"state\">{escape(_('这台设备查询次数太多，请 {seconds} 秒后再试。').format(seconds=seconds))}</p>")  # noqa: E501
    return _page(_("办件进度查询"), body)


class ProgressPages:
    """The ``sync.hub.progress_web.Pages`` of the county: reads with ``read``."""

    def __init__(self, read: Callable[[str, str], CaseProgress | None],
                 now: Callable[[], datetime]) -> None:
        self.read, self.now = read, now

    def case(self, case_no: str, code: str) -> str | None:
        progress = self.read(case_no, code)
        return case_page(progress, self.now()) if progress is not None else None

    def unknown(self) -> str:
        return unknown_page()

    def form(self) -> str:
        return form_page()

    def throttled(self, seconds: int) -> str:
        return throttled_page(seconds)

