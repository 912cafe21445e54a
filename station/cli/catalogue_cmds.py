"""station catalogue template / import / export: the county's Excel 事项清单.

No station is opened: these commands turn files into files (``forms.workbook_*``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from station import i18n
from station.cli.context import emit, say
from station.i18n import _

if TYPE_CHECKING:
    from forms.errors import FormsError

EXIT_INPUT = 4


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    found = sub.add_parser("catalogue", parents=[common],
                           help=_("县里的 Excel 事项清单：模板、导入、导出"))
    cmds = found.add_subparsers(dest="catalogue_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("template", parents=[common], help=_("生成空白的 Excel 事项清单模板"))
    p.add_argument("--out", type=Path, required=True, help=_("模板文件（.xlsx）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_template)
    p = cmds.add_parser("import", parents=[common],
                        help=_("检查 Excel 事项清单，写成事项目录文件夹"))
    p.add_argument("workbook", type=Path, help=_("Excel 事项清单（.xlsx）"))
    p.add_argument("--out", type=Path, required=True, help=_("新的事项目录文件夹"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_import)
    p = cmds.add_parser("export", parents=[common], help=_("把事项目录写成 Excel 事项清单"))
    p.add_argument("source", type=Path, help=_("事项目录文件夹或文件"))
    p.add_argument("--out", type=Path, required=True, help=_("Excel 事项清单（.xlsx）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_export)


def run_template(args: argparse.Namespace) -> int:
    from forms.workbook_template import write_template  # openpyxl: only for these commands

    write_template(args.out)
    emit(args, {"out": str(args.out)},
         _("已生成 Excel 事项清单模板：{path}").format(path=args.out))
    return 0


def problem_json(error: FormsError) -> dict[str, object]:
    """One mistake of a workbook for --json: where it is and what is expected."""
    from forms.workbook_errors import CellError

    where = error.params if isinstance(error, CellError) else {}
    problem = where.get("problem")
    return {"sheet": error.params.get("sheet"), "row": where.get("row"),
            "column": where.get("column"), "header": where.get("header"),
            "problem": i18n.render(problem) if isinstance(problem, BaseException) else None,
            "message": i18n.render(error)}


def run_import(args: argparse.Namespace) -> int:
    from forms.workbook_errors import WorkbookInvalid
    from forms.workbook_import import import_workbook

    try:
        files = import_workbook(args.workbook, args.out)
    except WorkbookInvalid as error:
        if not getattr(args, "json", False):
            raise
        emit(args, {"errors": [problem_json(p) for p in error.problems]}, "")
        say(_("错误：") + i18n.render(error))
        return EXIT_INPUT
    emit(args, {"out": str(args.out), "matters": len(files), "files": sorted(files)},
         _("已从 Excel 事项清单导入 {count} 个事项，写入 {path}").format(
             count=len(files), path=args.out))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from forms.catalogue import load_catalogue
    from forms.workbook_write import export_workbook

    catalogue = load_catalogue(args.source)
    count = export_workbook(catalogue, args.out)
    emit(args, {"out": str(args.out), "matters": count},
         _("已把 {count} 个事项写入 Excel 事项清单：{path}").format(count=count, path=args.out))
    return 0
