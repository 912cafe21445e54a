"""station clock policy: the deployment's yellow share, follow-up days and card points."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from station.cli.context import emit, opened
from station.i18n import _

if TYPE_CHECKING:
    from station.clock.cards import CardRule
    from station.clock.deadlines import ClockPolicy


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    clock = sub.add_parser("clock", parents=[common], help=_("办结时限（限时办结）"))
    cmds = clock.add_subparsers(dest="clock_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("policy", parents=[common],
                        help=_("查看或设置黄牌比例和差评回访、整改天数"))
    p.add_argument("--yellow", default=None, metavar="SHARE",
                   help=_("用去时限的多大比例亮黄牌：大于 0、不超过 1，例如 0.8 或 80%%"))
    p.add_argument("--callback-days", default=None, metavar="N",
                   help=_("差评后几个工作日内回访"))
    p.add_argument("--fix-days", default=None, metavar="N",
                   help=_("差评后几个工作日内整改完毕"))
    p.add_argument("--red-points", default=None, metavar="POINTS",
                   help=_("每张红牌扣几分：0 或正数，例如 2"))
    p.add_argument("--yellow-points", default=None, metavar="POINTS",
                   help=_("每张黄牌扣几分：0 或正数，例如 0.5"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_policy)


def run_policy(args: argparse.Namespace) -> int:
    from station.casework.clock_policy import (
        card_rule_from_settings,
        changed_card_rule,
        changed_policy,
        policy_from_settings,
        save_card_rule,
        save_policy,
    )

    with opened(args) as station:
        policy, rule = policy_from_settings(), card_rule_from_settings(station)
        policy_typed = (args.yellow, args.callback_days, args.fix_days) != (None, None, None)
        rule_typed = (args.red_points, args.yellow_points) != (None, None)
        # Every value is checked before anything is stored: a bad one changes nothing.
        new_policy = changed_policy(policy, args.yellow, args.callback_days, args.fix_days)
        new_rule = changed_card_rule(rule, args.red_points, args.yellow_points)
        if policy_typed:
            policy = save_policy(station, new_policy)
        if rule_typed:
            rule = save_card_rule(station, new_rule)
    emit(args, {**policy.to_json(), **rule.to_json()}, describe(policy, rule))
    return 0


def describe(policy: ClockPolicy, rule: CardRule) -> str:
    return "\n".join((
        _("黄牌：用去时限的 {percent}% 时").format(percent=f"{policy.yellow_share * 100:g}"),
        _("红牌：超过办结时限"),
        _("差评回访：{days} 个工作日内").format(days=policy.followup_callback_days),
        _("差评整改：{days} 个工作日内").format(days=policy.followup_fix_days),
        _("扣分：每张红牌 {red} 分，每张黄牌 {yellow} 分").format(
            red=f"{rule.red_points:g}", yellow=f"{rule.yellow_points:g}"),
    ))
