"""The visible seal: a red round office seal, drawn as a one-page PDF.

Like a paper 公章: the organ's name (``organ.organ_name``: 桂平市民政局,
示范镇民政办) runs along the upper rim, a five-pointed star fills the middle
and the node code is at the bottom.  It is drawn in the embedded Chinese
font (``fonts``), so the sealed document still references no unembedded font.
The picture is only what a person sees; the proof is the PDF signature under it.
"""

from __future__ import annotations

import math
from io import BytesIO

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from station.documents.fonts import cjk_font
from station.documents.organ import organ_name
from station.documents.sealplace import SEAL_SIZE

__all__ = ["SEAL_RED", "stamp_pdf"]

SEAL_RED = Color(0.80, 0.07, 0.07)
RIM = 2.6  # points
ARC_DEGREES = 240.0  # the most of the rim the name may cover


def stamp_pdf(node_name: str, office: str, code: str, font: str | None = None) -> bytes:
    """A square PDF page, ``SEAL_SIZE`` wide, holding the seal of ``office`` at the node."""
    font_name = font or cjk_font()
    out = BytesIO()
    canvas = Canvas(out, pagesize=(SEAL_SIZE, SEAL_SIZE), initialFontName=font_name,
                    initialFontSize=10, initialLeading=12, pageCompression=1)
    centre = SEAL_SIZE / 2
    radius = centre - RIM
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(RIM)
    canvas.circle(centre, centre, radius - RIM / 2, stroke=1, fill=0)
    _rim_text(canvas, font_name, organ_name(node_name, office, code), centre,
              radius - RIM - 1)
    _star(canvas, centre, centre, radius * 0.34)
    canvas.setFont(font_name, 5.5)
    canvas.drawCentredString(centre, centre - radius * 0.78, code)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _rim_text(canvas: Canvas, font: str, text: str, centre: float, outer: float) -> None:
    """``text`` clockwise along the upper rim, each character's top toward the rim."""
    if not text:
        return
    size = min(11.5, max(6.5, 11.5 * 11 / max(len(text), 11)))
    inner = outer - size * 1.05
    step = min(ARC_DEGREES / len(text), math.degrees(size * 1.12 / inner))
    start = 90 + step * (len(text) - 1) / 2
    canvas.setFont(font, size)
    for index, char in enumerate(text):
        angle = start - index * step
        rad = math.radians(angle)
        canvas.saveState()
        canvas.translate(centre + inner * math.cos(rad), centre + inner * math.sin(rad))
        canvas.rotate(angle - 90)
        canvas.drawCentredString(0, 0, char)
        canvas.restoreState()


def _star(canvas: Canvas, x: float, y: float, radius: float) -> None:
    points = []
    for index in range(10):
        r = radius if index % 2 == 0 else radius * 0.382
        angle = math.radians(90 + index * 36)
        points.append((x + r * math.cos(angle), y + r * math.sin(angle)))
    path = canvas.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
