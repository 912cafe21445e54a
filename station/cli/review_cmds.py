"""``station review …``: the township and county review desk from the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from station.cli.context import emit, opened
from station.i18n import _, translate

if TYPE_CHECKING:
    from station.casework import review
    from sync.lifecycle import CaseView


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    desk = sub.add_parser("review", parents=[common], help=_(
        "审核员：受理、补正、联审、上报、决定"))
    cmds = desk.add_subparsers(dest="review_command", required=True, metavar="COMMAND")

    def action(name: str, helptext: str) -> argparse.ArgumentParser:
        p = cmds.add_parser(name, parents=[common], help=helptext)
        p.add_argument("case_no")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=run_action, action=name)
        return p

    action("claim", _("认领办件（同一时间只有一人能认领）"))
    action("release", _("放回队列"))
    action("reassign", _("接手同科室同事的办件（AB岗）")).add_argument(
        "--reason", required=True, help=_("原因，例如：原经办人休假"))
    p = action("accept", _("受理（必交材料缺少或不清晰时拒绝，除非填写受理理由）"))
    p.add_argument("--opinion", default="", help=_("受理意见"))
    p.add_argument("--missing", action="append", default=[], metavar="NAME[=REASON]",
                   help=_("核验为缺少的材料；可重复"))
    p.add_argument("--unclear", action="append", default=[], metavar="NAME[=REASON]",
                   help=_("核验为不清晰的材料；可重复"))
    p.add_argument("--override-reason", default="",
                   help=_("材料缺少或不清晰仍予受理的理由（记入办理记录和审计）"))
    p = action("notice", _("一次性告知补齐补正（自动列出缺少或不清晰的材料）"))
    p.add_argument("--missing", action="append", default=[], metavar="NAME[=REASON]",
                   help=_("缺少的材料；可重复"))
    p.add_argument("--unclear", action="append", default=[], metavar="NAME[=REASON]",
                   help=_("不清晰、需重新提供的材料；可重复"))
    p.add_argument("--note", default="", help=_("补充说明"))
    action("refuse", _("不予受理（出具加盖印章的通知书）")).add_argument(
        "--reason", required=True, help=_("不予受理的理由"))
    action("joint", _("抄告相关科室，开始联合审查")).add_argument(
        "--note", default="", help=_("说明"))
    p = action("opinion", _("出具本科室的联审意见"))
    p.add_argument("--text", required=True, help=_("意见"))
    p.add_argument("--disagree", action="store_true", help=_("不同意"))
    action("forward", _("报上级审批")).add_argument("--opinion", required=True,
                                                     help=_("本级审核意见"))
    p = action("special", _("进入特别程序（停止计时，书面告知申请人）"))
    p.add_argument("--procedure", required=True, help=_("程序，例如：入户调查、公示"))
    p.add_argument("--reason", required=True, help=_("原因"))
    p.add_argument("--days", type=int, required=True, help=_("预计所需天数"))
    action("resume", _("特别程序结束，恢复计时")).add_argument(
        "--result", default="", help=_("特别程序的结果"))
    action("extend", _("申请延长办理期限")).add_argument("--reason", required=True,
                                                        help=_("延期理由"))
    action("approve-extension", _("批准延长办理期限（签发人）")).add_argument(
        "--note", default="", help=_("批准意见"))
    p = action("decide", _("作出决定并加盖电子印章（签发人）"))
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--approve", action="store_true", help=_("准予批准"))
    group.add_argument("--reject", action="store_true", help=_("不予批准"))
    p.add_argument("--opinion", required=True, help=_("决定意见"))
    p = action("follow-up", _("差评跟进：记录回访，或整改完成"))
    p.add_argument("--note", required=True, help=_("回访或整改情况"))
    p.add_argument("--done", action="store_true", help=_("整改完成，办结"))


def _named(values: list[str], verdict: str) -> list[review.Verdict]:
    from station.casework import review

    out = []
    for value in values:
        name, _sep, reason = value.partition("=")
        out.append(review.Verdict(name.strip(), verdict, reason.strip()))
    return out


def run_action(args: argparse.Namespace) -> int:
    from sync import lifecycle

    with opened(args) as station:
        view = _do(station, args)
    text = _("办件 {case_no}：{state}").format(case_no=view.case_no,
                                             state=translate(lifecycle.label(view.state)))
    emit(args, view.to_json(), text)
    return 0


def _do(station: Any, args: argparse.Namespace) -> CaseView:
    from station.casework import review

    case_no, name = args.case_no, args.action
    if name == "claim":
        return review.claim(station, case_no)
    if name == "release":
        return review.release(station, case_no)
    if name == "reassign":
        return review.reassign(station, case_no, args.reason)
    if name == "accept":
        verdicts = _named(args.missing, "missing") + _named(args.unclear, "unclear")
        return review.accept(station, case_no, args.opinion, verdicts, args.override_reason)
    if name == "notice":
        verdicts = _named(args.missing, "missing") + _named(args.unclear, "unclear")
        return review.request_supplement(station, case_no, verdicts, args.note)
    if name == "refuse":
        return review.refuse(station, case_no, args.reason)
    if name == "joint":
        return review.open_joint(station, case_no, args.note)
    if name == "opinion":
        return review.give_opinion(station, case_no, args.text, not args.disagree)
    if name == "forward":
        return review.forward(station, case_no, args.opinion)
    if name == "special":
        return review.start_special(station, case_no, args.procedure, args.reason, args.days)
    if name == "resume":
        return review.end_special(station, case_no, args.result)
    if name == "extend":
        return review.request_extension(station, case_no, args.reason)
    if name == "approve-extension":
        return review.approve_extension(station, case_no, args.note)
    if name == "decide":
        return review.decide(station, case_no, bool(args.approve), args.opinion)
    return review.follow_up(station, case_no, args.note, closed=bool(args.done))
