"""Where an office's seal goes on a document, and the parts official documents share.

A decision or notice ends with the issuing organ's sign-off (机关署名 and
成文日期, the organ named as its seal names it: ``organ.organ_name``), under a
square kept empty for the seal, so that the seal covers no text.
``SealPlace`` draws the sign-off and remembers that square; ``build_sealable`` writes the PDF and
then adds an empty signature field named ``SEAL_FIELD`` on that square, so
``station.documents.sign`` knows where to put the visible seal.  A PDF
without that field (e.g. the one-time notice) is sealed at ``FALLBACK_BOX``,
the lower right of its last page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigFieldSpec, append_signature_field
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, PageBreak

from station.documents.layout import (
    MARGIN,
    PAGE_SIZE,
    Styles,
    case_number_block,
    format_date,
    gap,
    para,
    require_masked,
)
from station.documents.organ import organ_name
from station.documents.pdf import build_pdf
from station.fileio import write_atomically
from station.i18n import _

__all__ = [
    "FALLBACK_BOX",
    "SEAL_FIELD",
    "SEAL_GAP",
    "SEAL_SIZE",
    "Addressee",
    "SealPlace",
    "build_sealable",
    "rights_text",
    "write_sealed",
]

SEAL_FIELD = "office-seal"
SEAL_SIZE = 40 * mm  # the usual diameter of an office seal
SEAL_GAP = 2 * mm  # between the seal's square and the sign-off lines under it
Box = tuple[float, float, float, float]
FALLBACK_BOX: Box = (
    PAGE_SIZE[0] - MARGIN - SEAL_SIZE - 8 * mm,
    MARGIN + 12 * mm,
    PAGE_SIZE[0] - MARGIN - 8 * mm,
    MARGIN + 12 * mm + SEAL_SIZE,
)


class SealPlace(Flowable):
    """The sign-off lines at the right, under an empty square kept for the seal.

    The seal covers no text: the square above the lines is reserved for it and
    nothing else is drawn there (the flowable spans the full width).
    """

    def __init__(self, lines: Sequence[str], style: Styles) -> None:
        super().__init__()
        self.lines = list(lines)
        self.style = style
        self.page: int | None = None  # 0-based, once drawn
        self.box: Box | None = None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = SEAL_SIZE + SEAL_GAP + len(self.lines) * self.style.body.leading
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        body = self.style.body
        widest = max(stringWidth(line, self.style.font, body.fontSize) for line in self.lines)
        centre_x = self.width - max(widest, SEAL_SIZE) / 2 - 6 * mm
        seal_bottom = self.height - SEAL_SIZE
        first = seal_bottom - SEAL_GAP - body.fontSize
        canvas.saveState()
        canvas.setFont(self.style.font, body.fontSize)
        for index, line in enumerate(self.lines):
            canvas.drawCentredString(centre_x, first - index * body.leading, line)
        canvas.restoreState()
        half = SEAL_SIZE / 2
        left, bottom = canvas.absolutePosition(centre_x - half, seal_bottom)
        right, top = canvas.absolutePosition(centre_x + half, self.height)
        self.page = canvas.getPageNumber() - 1
        self.box = (left, bottom, right, top)


@dataclass(frozen=True)
class Addressee:
    """Who a sealed document is addressed to and who issues it."""

    case_no: str
    applicant_name: str
    masked_id: str  # masked: checked by ``require_masked``
    office: str  # the issuing office, whose seal the document carries
    station_name: str
    station_code: str
    number: str = ""  # 文书编号, printed under the title

    @property
    def organ(self) -> str:
        """The issuing organ as its seal names it, e.g. 桂平市民政局."""
        return organ_name(self.station_name, self.office, self.station_code)


def write_sealed(path: Path, title: str, to: Addressee, dated: date | datetime,
                 body: Sequence[Flowable], style: Styles,
                 after: Sequence[Flowable] = (), date_label: str = "") -> Path:
    """A letter to the applicant: title and number, case number with its QR code,
    salutation, ``body``, the issuing organ and date under the space kept for its
    seal; then ``after`` on a new page (the 送达回证); written atomically.
    ``date_label`` names the date line, e.g. 告知日期."""
    require_masked(to.masked_id)
    day = format_date(dated)
    place = SealPlace([to.organ, f"{date_label}：{day}" if date_label else day], style)
    story: list[Flowable] = [
        para(title, style.title),
        *([para(to.number, style.subtitle)] if to.number else []),
        gap(4 * mm),
        case_number_block(to.case_no, _(
            "查询办理进度：请扫描收件凭证上的二维码，或凭办件编号和查询码到窗口查询。"), style),
        gap(5 * mm),
        para(_("{name}（身份证号：{masked_id}）：").format(
            name=to.applicant_name, masked_id=to.masked_id), style.body),
        gap(1.5 * mm),
        *body,
        KeepTogether([gap(8 * mm), place]),
    ]
    if after:
        story += [PageBreak(), *after]
    return build_sealable(path, story, place, title=title, station_name=to.station_name,
                          station_code=to.station_code, subject=to.case_no, font=style.font)


def build_sealable(
    path: Path,
    story: Sequence[Flowable],
    place: SealPlace,
    *,
    title: str,
    station_name: str,
    station_code: str,
    subject: str = "",
    font: str | None = None,
) -> Path:
    """``build_pdf``, then an empty seal field where ``place`` was drawn (both atomic)."""
    build_pdf(path, story, title=title, station_name=station_name, station_code=station_code,
              subject=subject, font=font)
    if place.box is None or place.page is None:
        return path
    data = path.read_bytes()
    spec = SigFieldSpec(SEAL_FIELD, on_page=place.page, box=_rounded(place.box))

    def render(out: BinaryIO) -> None:
        writer = IncrementalPdfFileWriter(BytesIO(data))
        append_signature_field(writer, spec)
        writer.write(out)

    return write_atomically(path, render)


def _rounded(box: Box) -> tuple[int, int, int, int]:
    left, bottom, right, top = box
    return round(left), round(bottom), round(right), round(top)


def rights_text(reconsideration_body: str, court: str, *, notice: bool = False) -> str:
    """The remedies against the decision (行政复议法 Art. 20, 行政诉讼法 Art. 46).

    ``notice``: the decision is a 通知书 (不予受理), not a 决定书.
    """
    named = bool(reconsideration_body and court)
    if notice and named:
        text = _("如不服本决定，可以自收到本通知书之日起六十日内向{body}申请行政复议，"
                 "或者自收到本通知书之日起六个月内向{court}提起行政诉讼。")
    elif notice:
        text = _("如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，"
                 "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。")
    elif named:
        text = _("如不服本决定，可以自收到本决定书之日起六十日内向{body}申请行政复议，"
                 "或者自收到本决定书之日起六个月内向{court}提起行政诉讼。")
    else:
        text = _("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
                 "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。")
    return text.format(body=reconsideration_body, court=court) if named else text
