"""The page every printed document shares: A4, margins, footer, atomic file.

Documents build a list of flowables (see ``layout``) and hand it to
``build_pdf``.  The canvas starts in the embedded Chinese font, so the file
references no standard (unembedded) PDF font at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from station.documents.fonts import cjk_font
from station.documents.layout import CONTENT_WIDTH, MARGIN, PAGE_SIZE
from station.fileio import write_atomically
from station.i18n import _

__all__ = ["build_pdf"]

FOOTER_SIZE = 8.5


def build_pdf(
    path: Path,
    story: Sequence[Flowable],
    *,
    title: str,
    station_name: str,
    station_code: str,
    subject: str = "",
    font: str | None = None,
) -> Path:
    """Lay out ``story`` on A4 pages with the station footer; write ``path`` atomically."""
    font_name = font or cjk_font()
    footer = _("{station}（站点编码 {code}）").format(station=station_name, code=station_code)
    canvas_class = _footed_canvas(font_name, footer, title)

    def render(out: BinaryIO) -> None:
        document = BaseDocTemplate(
            out,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 6 * mm,
            pageTemplates=[_page_template()],
            title=title,
            author=station_name,
            subject=subject,
            creator=_("便民站"),
            lang="zh-CN",
            initialFontName=font_name,
            initialFontSize=10,
            initialLeading=12,
        )
        document.build(list(story), canvasmaker=canvas_class)

    return write_atomically(path, render)


def _page_template() -> PageTemplate:
    # No frame padding: paragraphs and full-width tables share one left edge.
    bottom = MARGIN + 6 * mm
    frame = Frame(
        MARGIN,
        bottom,
        CONTENT_WIDTH,
        PAGE_SIZE[1] - MARGIN - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    return PageTemplate("a4", [frame])


def _footed_canvas(font: str, footer: str, title: str) -> type[Canvas]:
    """A canvas that writes "第 i 页，共 n 页" once it knows n."""

    class FootedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, 1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            width = PAGE_SIZE[0]
            y = MARGIN - 2 * mm
            self.saveState()
            self.setStrokeColor(colors.HexColor("#9a9a9a"))
            self.setLineWidth(0.5)
            self.line(MARGIN, y + 4 * mm, width - MARGIN, y + 4 * mm)
            self.setFont(font, FOOTER_SIZE)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(MARGIN, y, footer)
            page = _("第 {page} 页，共 {total} 页").format(page=number, total=total)
            self.drawRightString(width - MARGIN, y, f"{title}\u3000{page}")
            self.restoreState()

    return FootedCanvas
