"""station case …: file, list, show, find, status, print, export."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.cases.list_options import DEADLINE_STATES, SORT_NAMES
from station.cases.status import LABELS as STATUS_LABELS
from station.cli.context import date_argument, emit, opened
from station.errors import InputFileInvalid, MaterialSpecInvalid
from station.i18n import N_, _, translate

if TYPE_CHECKING:
    from station.filing.new_case import MaterialFile

STATUSES = sorted(STATUS_LABELS)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    case = sub.add_parser("case", parents=[common], help=_("办件：收件登记、查看、查找"))
    cmds = case.add_subparsers(dest="case_command", required=True, metavar="COMMAND")

    p = cmds.add_parser("new", parents=[common], help=_("收件登记一个新办件"))
    p.add_argument("--matter", required=True, help=_("事项编码（见 station matters）"))
    p.add_argument("--applicant", required=True, type=Path,
                   help=_("申请人 JSON 文件：name、id_number、phone、address"))
    p.add_argument("--form", required=True, type=Path, help=_("表单 JSON 文件：字段名 → 值"))
    p.add_argument("--material", action="append", default=[], metavar="NAME=PATH",
                   help=_("材料：目录中的材料名称=扫描件路径；多页可重复"))
    p.add_argument("--reuse", action="append", default=[], metavar="NAME", help=_(
        "复用该居民以前在本站交过的材料（见 station case reusable）；可重复"))
    p.add_argument("--consent", action="store_true",
                   help=_("申请人已同意复用以前交过的材料（用 --reuse 时必填）"))
    p.add_argument("--no-print", action="store_true", help=_("不生成收件凭证 PDF"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_new)

    p = cmds.add_parser("reusable", parents=[common], help=_(
        "列出居民以前在本站交过、这个事项可以复用的材料"))
    p.add_argument("id_number", help=_("申请人身份证号"))
    p.add_argument("--matter", required=True, help=_("事项编码（见 station matters）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_reusable)

    p = cmds.add_parser("list", parents=[common], help=_("办件列表（最新在前，姓名打码）"))
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--status", choices=STATUSES, help=_("只看某个状态"))
    p.add_argument("--matter", help=_("只看某个事项（事项编码）"))
    p.add_argument("--deadline", choices=DEADLINE_STATES, help=_(
        "按期限：overdue 已超期、due_soon 3 日内到期、on_track 正常、not_started 未计时"))
    p.add_argument("--from", dest="filed_from", type=date_argument, help=_("收件日期从（含）"))
    p.add_argument("--to", dest="filed_to", type=date_argument, help=_("收件日期到（含）"))
    p.add_argument("--sort", choices=sorted(SORT_NAMES), default="filed_at", help=_("排序字段"))
    p.add_argument("--ascending", action="store_true", help=_("从早到晚（默认从晚到早）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)

    p = cmds.add_parser("show", parents=[common], help=_("查看一个办件"))
    p.add_argument("case_no")
    p.add_argument("--reveal", action="store_true", help=_("显示完整身份证号和电话（会留痕）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)

    p = cmds.add_parser("status", parents=[common], help=_("查询办件进度"))
    p.add_argument("case_no")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_status)

    p = cmds.add_parser("supplement", parents=[common], help=_("补齐补正：提交一次性告知所列材料"))
    p.add_argument("case_no")
    p.add_argument("--material", action="append", default=[], metavar="NAME=PATH",
                   required=True, help=_("材料：材料名称=扫描件路径；可重复"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_supplement)

    p = cmds.add_parser("resubmit", parents=[common],
                        help=_("退回的办件更正后重新报送（同一办件）"))
    p.add_argument("case_no")
    p.add_argument("--note", required=True, help=_("更正说明：更正了什么"))
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help=_("更正申请表：字段=新内容；可重复"))
    p.add_argument("--material", action="append", default=[], metavar="NAME=PATH",
                   help=_("补交材料：材料名称=扫描件路径；可重复"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_resubmit)

    p = cmds.add_parser("deliver", parents=[common], help=_("记录送达（送达回执）"))
    p.add_argument("case_no")
    p.add_argument("--method", default=N_("当面送达"), help=_("送达方式"))
    p.add_argument("--note", default="", help=_("备注"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_deliver)

    p = cmds.add_parser("rate", parents=[common], help=_("记录申请人的评价（好差评）"))
    p.add_argument("case_no")
    p.add_argument("--rating", required=True,
                   help=_("非常满意、满意、基本满意、不满意、非常不满意"))
    p.add_argument("--comment", default="", help=_("评价内容"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_rate)

    p = cmds.add_parser("withdraw", parents=[common], help=_("申请人撤回申请（退件）"))
    p.add_argument("case_no")
    p.add_argument("--reason", required=True, help=_("撤回原因"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_withdraw)

    p = cmds.add_parser("documents", parents=[common], help=_("办件的文书（决定书、告知书）"))
    p.add_argument("case_no")
    p.add_argument("--export", type=Path, default=None, metavar="DIR",
                   help=_("导出 PDF 到此文件夹以便打印（会留痕）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_documents)

    p = cmds.add_parser("find", parents=[common], help=_("按身份证号或姓名查找办件"))
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("query", nargs="?", help=_(
        "完整身份证号；身份证或手机号后四位加出生年份或姓氏；姓名中的一两个字；办件编号末 4 位"))
    who.add_argument("--id-number")
    who.add_argument("--name", help=_("完整姓名"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_find)

    p = cmds.add_parser("print", parents=[common], help=_("重新打印收件凭证"))
    p.add_argument("case_no")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_print)

    p = cmds.add_parser("export", parents=[common], help=_("导出一页材料扫描件（会留痕）"))
    p.add_argument("case_no")
    p.add_argument("--material", required=True, help=_("材料名称"))
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_export)


def read_json_object(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputFileInvalid(path=path, reason=_("文件不存在。")) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileInvalid(path=path, reason=str(error)) from None
    except json.JSONDecodeError as error:
        raise InputFileInvalid(
            path=path,
            reason=_("不是有效的 JSON（第 {line} 行第 {column} 列）。").format(
                line=error.lineno, column=error.colno
            ),
        ) from None
    if not isinstance(value, dict):
        raise InputFileInvalid(path=path, reason=_("应当是一个 JSON 对象 {…}。"))
    return value


def parse_material(spec: str) -> MaterialFile:
    from station.filing.new_case import MaterialFile

    name, sep, path = spec.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise MaterialSpecInvalid(value=spec)
    return MaterialFile(name.strip(), Path(path.strip()))


def run_new(args: argparse.Namespace) -> int:
    from station.filing.new_case import file_case

    applicant = read_json_object(args.applicant)
    form = read_json_object(args.form)
    materials = [parse_material(spec) for spec in args.material]
    with opened(args) as station:
        result = file_case(
            station, args.matter, applicant, form, materials, print_documents=not args.no_print,
            reuse=args.reuse, consent=args.consent,
        )
    document = {
        "case_no": result.case_no,
        "status": result.status,
        "deadline": result.deadline,
        "deadline_provisional": result.deadline_provisional,
        "missing": result.missing,
        "reused": result.reused,
        "receipt": str(result.receipt) if result.receipt else None,
    }
    lines = [_("办件编号：{case_no}").format(case_no=result.case_no)]
    if result.reused:
        lines.append(_("经申请人同意复用：{items}").format(items="、".join(result.reused)))
    if result.missing:
        lines.append(_("缺件提示：{items}（已列在收件凭证上）").format(
            items="、".join(result.missing)))
    else:
        lines.append(_("承诺办结日期：{date}").format(date=result.deadline))
    if result.receipt:
        lines.append(_("收件凭证：{path}").format(path=result.receipt))
    emit(args, document, "\n".join(lines))
    return 0


def run_reusable(args: argparse.Namespace) -> int:
    from forms.identity import check_resident_id
    from station.filing.reuse import describe, offers

    id_number = check_resident_id(args.id_number).number
    with opened(args) as station:
        found = offers(station, id_number, station.catalogue.get(args.matter))
    document = [{"name": o.name, "case_no": o.case_no, "received": o.received.isoformat(),
                 "pages": o.pages, "until": o.until.isoformat(), "expired": o.expired,
                 "checked": [{"office": c.office, "date": c.day} for c in o.checks]}
                for o in found]
    lines = [describe(o) for o in found] or [_("该居民在本站没有这个事项可以复用的材料。")]
    emit(args, document, "\n".join(lines))
    return 0


def _summary_line(item: Any) -> str:
    return f"{item.case_no}  {item.status_label}  {item.matter_name}  {item.applicant}  " + (
        item.deadline or "—"
    )


def run_list(args: argparse.Namespace) -> int:
    from station.cases.register import CaseFilter, list_cases

    with opened(args) as station:
        page = list_cases(
            station, limit=args.limit, offset=args.offset,
            filters=CaseFilter(status=args.status, matter=args.matter, deadline=args.deadline,
                               filed_from=args.filed_from, filed_to=args.filed_to),
            sort=args.sort, descending=not args.ascending)
    text = [_("共 {total} 件，显示第 {first}–{last} 件").format(
        total=page.total, first=page.offset + 1 if page.items else 0,
        last=page.offset + len(page.items))]
    text += [_summary_line(i) for i in page.items]
    emit(args, {"total": page.total, "offset": page.offset,
                "cases": [i.to_json() for i in page.items]}, "\n".join(text))
    return 0


def run_find(args: argparse.Namespace) -> int:
    from station.cases.register import find_by_id_number, find_by_name
    from station.cases.search import TOO_MANY, read_query, run_query

    capped, kind = False, "name" if args.name else "id_number"
    if args.query is not None:
        query = read_query(args.query)  # not understood: the message, nothing opened
        with opened(args) as station:
            # The command ends when it answers: the search keys older residents are still
            # owed (after an upgrade) are finished first, or the answer could miss some.
            station.wait_search_keys()
            result = run_query(station, query)
        items, capped, kind = result.items, result.capped, result.kind
    else:
        with opened(args) as station:
            items = (find_by_name(station, args.name) if args.name
                     else find_by_id_number(station, args.id_number))
    text = [_("找到 {count} 件").format(count=len(items))] + [_summary_line(i) for i in items]
    if capped:
        text.append(translate(TOO_MANY))
    emit(args, {"kind": kind, "capped": capped, "cases": [i.to_json() for i in items]},
         "\n".join(text))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from station.cases import case_state, document_versions
    from station.cases.register import show_case
    from sync import lifecycle

    with opened(args) as station:
        details = show_case(station, args.case_no, reveal=args.reveal)
        awaited = case_state.view(station, args.case_no).state == lifecycle.SUPPLEMENT
        notice = document_versions.current_notice(
            document_versions.of_case(station, args.case_no)) if awaited else None
    details["asked"] = [item.name for item in notice.listed] if notice else None
    person = details["applicant"]
    lines = [
        _("办件编号：{case_no}").format(case_no=details["case_no"]),
        _("事项：{name}（{code}）").format(**details["matter"]),
        _("状态：{label}").format(label=details["status_label"]),
        _("申请人：{name}  {id_number}  {phone}").format(**person),
        _("承诺办结日期：{date}").format(date=details["deadline"] or "—"),
    ]
    lines += [f"  {m['name']} #{m['page']}" + (f"  {m['source']}" if m["source"] else "")
              for m in details["materials"]]
    if details.get("missing"):
        lines.append(_("缺件提示（收件时）：{items}").format(items="、".join(details["missing"])))
    if details["asked"]:
        lines.append(_("待补材料（{title}所列）：{items}").format(
            title=notice.title if notice else "", items="、".join(details["asked"])))
    emit(args, details, "\n".join(lines))
    return 0


def run_status(args: argparse.Namespace) -> int:
    from station.casework import delivery, progress
    from station.casework.step_text import step_lines
    from station.store.models import Case, CaseMaterial

    with opened(args) as station:
        document = progress.status(station, args.case_no.strip())
        case = Case.get_or_none(Case.case_no == document["case_no"])
        missing: list[str] = []
        # The state is the lifecycle's fold, the same at every node once synced; the
        # filing station adds what it knows of its own papers (缺件提示), never a state.
        if case is not None and document["state"] in ("queued", "supplement"):
            matter = station.catalogue.matters.get(case.matter_code)
            have = {m.name for m in CaseMaterial.select(CaseMaterial.name).where(
                CaseMaterial.case == case)}
            missing = matter.missing_materials(case.form or {}, have) if matter else []
        if document["state"] == "returned" and case is not None:
            document["returned_because"] = delivery.return_reason(case.case_no)
    due = (document["deadline"] or {}).get("due")
    document.update(status=document["state"], status_label=translate(document["state_label"]),
                    missing=missing, due=due)
    offices = "、".join(o["office"] for o in document["offices"]) or "—"
    text = _("{case_no}：{label}；当前办理：{offices}；承诺办结日期 {date}").format(
        case_no=document["case_no"], label=document["status_label"], offices=offices,
        date=due or "—")
    if missing:
        text += "\n" + _("缺件提示：{names}").format(names="、".join(missing))
    if document.get("returned_because"):
        text += "\n" + _("退回原因：{reason}").format(reason=document["returned_because"])
    for line in step_lines(document.get("step_limits") or []):
        text += "\n" + line
    follow = document.get("follow_up")
    if follow:
        text += "\n" + _("差评跟进：{by} 前回访，{fix} 前整改").format(
            by=follow["callback_by"], fix=follow["fix_by"])
    for item in document["not_applied"]:
        text += "\n" + _("“{action}”未生效：办件当时已处于“{state}”。").format(
            action=translate(item["label"]), state=translate(item["state_label"]))
    emit(args, document, text)
    return 0


def run_supplement(args: argparse.Namespace) -> int:
    from station.casework import delivery


    with opened(args) as station:
        view = delivery.supplement(station, args.case_no,
                                   [parse_material(m) for m in args.material])
    emit(args, view.to_json(), _("已补齐材料并上报：{case_no}").format(case_no=view.case_no))
    return 0


def run_resubmit(args: argparse.Namespace) -> int:
    from station.casework import delivery


    form = dict(item.partition("=")[::2] for item in args.set)
    with opened(args) as station:
        reason = delivery.return_reason(args.case_no)
        view = delivery.resubmit(station, args.case_no, args.note,
                                 [parse_material(m) for m in args.material], form or None)
    emit(args, {**view.to_json(), "returned_because": reason},
         _("已更正并重新报送：{case_no}").format(case_no=view.case_no))
    return 0


def run_deliver(args: argparse.Namespace) -> int:
    from station.casework import delivery


    with opened(args) as station:
        view = delivery.deliver(station, args.case_no, args.method, args.note)
    emit(args, view.to_json(), _("已记录送达：{case_no}").format(case_no=view.case_no))
    return 0


def run_rate(args: argparse.Namespace) -> int:
    from station.casework import delivery


    with opened(args) as station:
        view = delivery.rate(station, args.case_no, args.rating, args.comment)
    emit(args, view.to_json(), _("已记录评价：{case_no}（{rating}）").format(
        case_no=view.case_no, rating=args.rating))
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    from station.casework import delivery


    with opened(args) as station:
        view = delivery.withdraw(station, args.case_no, args.reason)
    emit(args, view.to_json(), _("已撤回（退件）：{case_no}").format(case_no=view.case_no))
    return 0


def run_documents(args: argparse.Namespace) -> int:
    from station.cases import case_documents, document_versions

    with opened(args) as station:
        versions = document_versions.of_case(station, args.case_no)
        listed = [{"id": v.id, "case_no": v.case_no, "kind": v.kind, "title": v.title,
                   "number": v.number, "received_at": v.received_at, "seen": v.seen,
                   "current": v.current, "standing": v.standing,
                   "listed": [item.name for item in v.listed]}
                  for v in versions]
        if args.export:
            for item in listed:
                item["path"] = str(case_documents.export(station, str(item["id"]), args.export))
    emit(args, listed, "\n".join(document_line(d) for d in listed) or _("没有文书。"))
    return 0


def document_line(item: dict[str, Any]) -> str:
    """One version as the listing prints it: title, number, when, standing, file."""
    from station.outbox import local_time

    return _("{title}  {number}  {received}  【{standing}】  {path}").format(
        title=item["title"], number=item["number"] or "—",
        received=local_time(str(item["received_at"])), standing=item["standing"],
        path=item.get("path", "")).rstrip()


def run_print(args: argparse.Namespace) -> int:
    from station.filing.printing import print_case_documents

    with opened(args) as station:
        printed = print_case_documents(station, args.case_no)
    emit(args, {"files": [str(p) for p in printed.paths]},
         "\n".join(_("已打印：{path}").format(path=p) for p in printed.paths))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from station.cases.register import export_material

    with opened(args) as station:
        out = export_material(station, args.case_no, args.material, args.page, args.out)
    emit(args, {"file": str(out)}, _("已导出：{path}").format(path=out))
    return 0
