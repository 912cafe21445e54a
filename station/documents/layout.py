"""Building blocks of printed documents: text styles, tables, QR codes, dates.

Sober and legible: black text, thin grey rules, one font (see ``fonts``),
sizes that a 60-year-old resident can read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as paragraph_module

from station.errors import IdNumberNotMasked
from station.i18n import _

__all__ = [
    "CONTENT_WIDTH",
    "MARGIN",
    "PAGE_SIZE",
    "RULE",
    "ProgressLink",
    "Styles",
    "case_number_block",
    "field_table",
    "format_date",
    "format_datetime",
    "gap",
    "grid_table",
    "heading",
    "paired_field_table",
    "para",
    "qr_code",
    "require_masked",
    "signature_lines",
    "styles",
    "table",
]

RULE = colors.HexColor("#8c8c8c")
SHADE = colors.HexColor("#f0f0f0")

# reportlab's list of characters that may not start a line is Japanese; add
# the Chinese closing punctuation so a line never begins with "，" or "”".
# Both line breakers (one frag, several frags) hold their own copy.
_CHINESE_CANNOT_START = "，；：？！”’》〉）】」』〗"
for _breaker in (textsplit, paragraph_module):
    _breaker.ALL_CANNOT_START += "".join(
        char for char in _CHINESE_CANNOT_START if char not in _breaker.ALL_CANNOT_START
    )

_RULED: tuple[tuple[Any, ...], ...] = (
    ("GRID", (0, 0), (-1, -1), 0.5, RULE),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
)

PAGE_SIZE = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
_SPACE_RUN = re.compile(r" {2,}")
_FULL_ID = re.compile(r"\d{17}[\dXx]|\d{15}")


@dataclass(frozen=True)
class Styles:
    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    paragraph: ParagraphStyle
    right: ParagraphStyle
    cell: ParagraphStyle
    label: ParagraphStyle
    small: ParagraphStyle
    big: ParagraphStyle


def styles(font: str) -> Styles:
    """The paragraph styles of every document, in the given font."""
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    return Styles(
        font=font,
        title=ParagraphStyle(
            "title", base, fontSize=22, leading=28, alignment=TA_CENTER, spaceAfter=2 * mm
        ),
        subtitle=ParagraphStyle(
            "subtitle",
            base,
            fontSize=10.5,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#333333"),
        ),
        heading=ParagraphStyle(
            "heading", base, fontSize=12.5, leading=17, spaceBefore=4 * mm, spaceAfter=1.5 * mm
        ),
        body=base,
        paragraph=ParagraphStyle("paragraph", base, firstLineIndent=22, spaceAfter=1 * mm),
        right=ParagraphStyle("right", base, alignment=TA_RIGHT),
        cell=ParagraphStyle("cell", base, fontSize=10.5, leading=15),
        label=ParagraphStyle(
            "label", base, fontSize=10.5, leading=15, textColor=colors.HexColor("#333333")
        ),
        small=ParagraphStyle(
            "small", base, fontSize=9, leading=13, textColor=colors.HexColor("#333333")
        ),
        big=ParagraphStyle("big", base, fontSize=20, leading=26),
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: no markup; runs of spaces and newlines are kept."""
    kept = _SPACE_RUN.sub(lambda run: "\xa0" * len(run.group()), escape(text))
    return Paragraph(kept.replace("\n", "<br/>"), style)


def heading(text: str, style: Styles) -> Paragraph:
    return para(text, style.heading)


def field_table(rows: Sequence[tuple[str, str]], style: Styles, width: float) -> Table:
    """Label / value pairs in a ruled two-column grid, labels kept on one line if they fit."""
    data = [[para(label, style.label), para(value, style.cell)] for label, value in rows]
    longest = max(
        (stringWidth(label, style.font, style.label.fontSize) for label, _value in rows), default=0
    )
    label_width = min(max(longest + 14, 26 * mm), 48 * mm)
    return table(
        data,
        [label_width, width - label_width],
        style,
        [*_RULED, ("BACKGROUND", (0, 0), (0, -1), SHADE)],
    )


def paired_field_table(rows: Sequence[Sequence[tuple[str, str]]], style: Styles,
                       width: float) -> Table:
    """Like ``field_table``, but a row may hold two label / value pairs side by side
    (a one-pair row spans the width): a one-page document keeps short values paired."""
    pairs = [pair for row in rows for pair in row]
    longest = max((stringWidth(label, style.font, style.label.fontSize)
                   for label, _value in pairs), default=0)
    label_width = min(max(longest + 14, 22 * mm), 40 * mm)
    value_width = (width - 2 * label_width) / 2
    data: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [*_RULED, ("BACKGROUND", (0, 0), (0, -1), SHADE)]
    for index, row in enumerate(rows):
        cells = [cell for label, value in row
                 for cell in (para(label, style.label), para(value, style.cell))]
        if len(row) == 1:
            cells += ["", ""]
            commands.append(("SPAN", (1, index), (3, index)))
        else:
            commands.append(("BACKGROUND", (2, index), (2, index), SHADE))
        data.append(cells)
    return table(data, [label_width, value_width, label_width, value_width], style, commands)


def grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    style: Styles,
    col_widths: Sequence[float],
    centred: Sequence[int] = (),
) -> Table:
    """A ruled table with a shaded header row that repeats on each page."""
    centre = ParagraphStyle("centre", style.cell, alignment=TA_CENTER)
    head = [para(text, ParagraphStyle("head", centre, textColor=colors.black)) for text in header]
    body = [
        [para(text, centre if index in centred else style.cell) for index, text in enumerate(row)]
        for row in rows
    ]
    commands = [*_RULED, ("BACKGROUND", (0, 0), (-1, 0), SHADE)]
    return table([head, *body], col_widths, style, commands, repeatRows=1)


def qr_code(value: str, font: str, size: float = 34 * mm) -> Drawing:
    """A square QR code holding exactly ``value``, with its quiet zone.

    ``font`` only keeps the drawing from selecting reportlab's default
    Helvetica, which would put an unembedded font into the file.
    """
    widget = QrCodeWidget(value, barLevel="M", barBorder=4)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.initialFontName = font
    drawing.add(widget)
    return drawing


@dataclass(frozen=True)
class ProgressLink:
    """How a resident looks a case up: its check code (查询码), and the public
    progress page's address holding both, or None when no address is known."""

    code: str
    url: str | None = None


def case_number_block(case_no: str, hint: str, style: Styles,
                      progress: ProgressLink | None = None) -> Table:
    """The case number in large type beside a QR code.

    Without ``progress``, the QR holds exactly the case number (for a window's
    scanner).  With it, the check code is printed under the number; the QR holds
    the progress page's address, printed too; with no address known there is no
    QR, and the text says where to ask instead of promising a page.
    """
    qr_size = 30 * mm
    text: list[Flowable] = [
        para(_("办件编号"), style.label),
        gap(1 * mm),
        para(case_no, style.big),
    ]
    if progress is not None:  # on the number's line: a receipt must keep to one page
        text[-1] = Paragraph(f"{escape(case_no)}<font size=\"12\">　　{escape(_('查询码'))}"
                             f"</font>&nbsp;{escape(progress.code)}", style.big)
        if progress.url is None:
            hint = _("本县尚未开通网上进度查询。请凭办件编号和查询码到收件站点、乡镇便民服务中心"
                     "或县政务服务中心窗口查询，或联系代办员。")
        else:
            hint = _("用手机扫描右侧二维码，即可查看办理进度；也可在浏览器中打开：{url}").format(
                url=progress.url)
    text += [gap(2 * mm), para(hint, style.small)]
    if progress is not None and progress.url is None:
        return table([[text]], [CONTENT_WIDTH], style, _BLOCK)
    held = case_no if progress is None or progress.url is None else progress.url
    return table(
        [[text, qr_code(held, style.font, qr_size)]],
        [CONTENT_WIDTH - qr_size - 8 * mm, qr_size + 8 * mm],
        style,
        [*_BLOCK, ("ALIGN", (1, 0), (1, 0), "CENTER")],
    )


_BLOCK: tuple[tuple[Any, ...], ...] = (
    ("BOX", (0, 0), (-1, -1), 1, RULE),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("LEFTPADDING", (0, 0), (0, 0), 5 * mm),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5 * mm),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
)


def signature_lines(labels: Sequence[str], style: Styles) -> Table:
    """Labels each followed by a blank line to sign on, side by side."""
    share = CONTENT_WIDTH / len(labels)
    cells: list[Any] = []
    widths: list[float] = []
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]
    for index, label in enumerate(labels):
        label_width = stringWidth(label, style.font, style.body.fontSize) + 2
        spacing = 0 if index == len(labels) - 1 else 10 * mm
        commands.append(("LINEBELOW", (len(cells) + 1, 0), (len(cells) + 1, 0), 0.6, colors.black))
        cells += [para(label, style.body), "", ""]
        widths += [label_width, share - label_width - spacing, spacing]
    return table([cells[:-1]], widths[:-1], style, commands, rowHeights=[12 * mm])


def table(
    data: Sequence[Sequence[Any]],
    col_widths: Sequence[float],
    style: Styles,
    commands: Sequence[tuple[Any, ...]],
    **options: Any,
) -> Table:
    """A reportlab table whose own text (even empty cells) uses the embedded font."""
    result = Table([list(row) for row in data], colWidths=list(col_widths), **options)
    result.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), style.font), *commands]))
    return result


def gap(height: float) -> Flowable:
    return Spacer(1, height)


def format_date(day: date) -> str:
    return _("{year}年{month}月{day}日").format(year=day.year, month=day.month, day=day.day)


def format_datetime(moment: datetime) -> str:
    return f"{format_date(moment)} {moment:%H:%M}"


def require_masked(id_number: str) -> str:
    """Refuse a full resident ID number: printed documents show it masked (PIPL)."""
    if _FULL_ID.search(id_number):
        raise IdNumberNotMasked()
    return id_number
