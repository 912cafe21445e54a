"""station resident …: a resident's file (居民档案) across their cases."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from station.cli.context import emit, opened
from station.i18n import _

if TYPE_CHECKING:
    from station.cases.resident_file import FileCase, ResidentFile


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    resident = sub.add_parser("resident", parents=[common], help=_("居民：居民档案"))
    cmds = resident.add_subparsers(dest="resident_command", required=True, metavar="COMMAND")

    p = cmds.add_parser("file", parents=[common],
                        help=_("居民档案：一位居民在本站的全部办件、状态和材料（会留痕）"))
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("id_number", nargs="?", metavar="ID_NUMBER", help=_("完整身份证号"))
    who.add_argument("--case", metavar="CASE_NO", help=_("按办件编号：该办件申请人的档案"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_file)


def run_file(args: argparse.Namespace) -> int:
    from station.cases.resident_file import open_by_case, open_by_id_number

    with opened(args) as station:
        found = (open_by_case(station, args.case) if args.case
                 else open_by_id_number(station, args.id_number))
    emit(args, found.to_json(), file_text(found))
    return 0


def file_text(found: ResidentFile) -> str:
    person = found.resident
    lines = [_("居民档案：{name}  {id_number}  {phone}").format(**vars(person)),
             _("地址：{address}").format(address=person.address),
             _("本站共 {count} 件办件（最新在前）").format(count=len(found.cases))]
    for case in found.cases:
        lines += case_lines(case)
    return "\n".join(lines)


def case_lines(case: FileCase) -> list[str]:
    from station.cases.material_checks import checked_text

    lines = ["", _("{case_no}  {matter}  收件 {filed}  【{state}】  承诺办结 {deadline}").format(
        case_no=case.case_no, matter=case.matter_name, filed=case.filed, state=case.state,
        deadline=case.deadline or "—")]
    for m in case.materials:
        line = _("  {name}  {pages} 页  {received}").format(
            name=m.name, pages=m.pages, received=m.received)
        if m.reused_from:
            line += _("  复用自办件 {case_no}").format(case_no=m.reused_from)
        lines.append(line + "  " + checked_text(m.checks))
    if not case.materials:
        lines.append(_("  （未收材料）"))
    return lines
