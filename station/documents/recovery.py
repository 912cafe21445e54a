"""恢复密钥单: the sheet that carries a station's recovery key.

The recovery key unwraps the station's data key when every passphrase is
lost (see keys/).  It is printed once at setup, in large fixed-pitch groups
that can be typed back without error, and as a QR code holding exactly the
key.  The PDF itself is a liability: print it, then delete it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    RULE,
    Styles,
    field_table,
    format_datetime,
    gap,
    heading,
    para,
    qr_code,
    signature_lines,
    styles,
    table,
)
from station.documents.pdf import build_pdf
from station.i18n import _

__all__ = ["KeyGroups", "RecoverySheetInfo", "key_groups", "write_recovery_sheet"]

_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class RecoverySheetInfo:
    node_code: str
    node_name: str
    tier: str  # village / township / county
    user: str
    recovery_key: str
    created_at: datetime


def write_recovery_sheet(info: RecoverySheetInfo, path: Path) -> Path:
    """Print the recovery key sheet to ``path`` (PDF, written atomically); return ``path``."""
    style = styles(cjk_font())
    title = _("恢复密钥单")
    story: list[Flowable] = [
        para(title, style.title),
        para(_("机密 · 打印后请立即删除本文件，并将本单锁入保险柜"), style.subtitle),
        gap(5 * mm),
        field_table(_fields(info), style, CONTENT_WIDTH),
        heading(_("恢复密钥"), style),
        _key_block(info.recovery_key, style),
        heading(_("保管须知"), style),
        *(para(line, style.body) for line in _instructions()),
        KeepTogether([gap(4 * mm), signature_lines([_("保管人（签字）："), _("日期：")], style)]),
    ]
    return build_pdf(
        path,
        story,
        title=title,
        station_name=info.node_name,
        station_code=info.node_code,
        font=style.font,
    )


def key_groups(key: str, size: int = 4) -> list[str]:
    """The key as it is printed: its own groups if it has separators, else by ``size``."""
    parts = [part for part in _SEPARATORS.split(key.strip()) if part]
    if len(parts) > 1:
        return parts
    return [key[start : start + size] for start in range(0, len(key), size)]


class KeyGroups(Flowable):
    """Groups of characters at a fixed pitch, in numbered rows."""

    def __init__(self, groups: Sequence[str], font: str, size: float = 19) -> None:
        super().__init__()
        self.groups = list(groups)
        self.font = font
        self.size = size
        self.pitch = size * 0.82
        self.gutter = size * 0.9
        self.number_width = size * 1.6
        self.row_height = size * 2.0
        self.per_row = 1

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        longest = max((len(group) for group in self.groups), default=1)
        group_width = longest * self.pitch + self.gutter
        usable = availWidth - self.number_width + self.gutter
        self.per_row = max(1, min(len(self.groups), int(usable // group_width)))
        rows = max(1, math.ceil(len(self.groups) / self.per_row))
        self.height = rows * self.row_height
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        longest = max((len(group) for group in self.groups), default=1)
        box_width = longest * self.pitch
        for index, group in enumerate(self.groups):
            row, column = divmod(index, self.per_row)
            x = self.number_width + column * (box_width + self.gutter)
            y = self.height - (row + 1) * self.row_height
            if column == 0:
                canvas.setFillColor(colors.HexColor("#777777"))
                canvas.setFont(self.font, self.size * 0.5)
                canvas.drawString(0, y + self.row_height * 0.36, f"{row + 1}.")
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.roundRect(x - 2, y + 3, box_width + 4, self.row_height - 6, 3)
            canvas.setFillColor(colors.black)
            canvas.setFont(self.font, self.size)
            for offset, char in enumerate(group):
                centre = x + (offset + 0.5) * self.pitch
                canvas.drawCentredString(centre, y + self.row_height * 0.3, char)


def _key_block(key: str, style: Styles) -> Flowable:
    qr_size = 42 * mm
    caption = para(_("二维码内容即左侧恢复密钥"), style.small)
    return table(
        [[KeyGroups(key_groups(key), style.font), [qr_code(key, style.font, qr_size), caption]]],
        [CONTENT_WIDTH - qr_size - 6 * mm, qr_size + 6 * mm],
        style,
        [
            ("BOX", (0, 0), (-1, -1), 1, RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
        ],
    )


def _fields(info: RecoverySheetInfo) -> list[tuple[str, str]]:
    tiers = {"village": _("村级"), "township": _("乡镇级"), "county": _("县级")}
    return [
        (_("站点名称"), info.node_name),
        (_("站点编码"), info.node_code),
        (_("层级"), tiers.get(info.tier, info.tier)),
        (_("生成人"), info.user),
        (_("生成时间"), format_datetime(info.created_at)),
    ]


def _instructions() -> list[str]:
    return [
        _("1. 凭此密钥可以解开本站的全部数据，包括群众的个人信息。任何人拿到它都能读取这些数据。"),
        _(
            "2. 打印后请立即删除本 PDF 文件及其副本；不要拍照、复印，"
            "不要通过微信、QQ、邮件发送，不要存放在电脑或 U 盘里。"
        ),
        _("3. 请将本单装入信封密封，锁入保险柜或带锁的文件柜，由站点负责人保管。"),
        _("4. 全部口令都遗忘时，凭此密钥恢复数据并设置新口令；平时不需要使用。"),
        _("5. 本单遗失或可能被他人看到时，请立即报告县政务服务中心，并重新生成恢复密钥。"),
    ]
