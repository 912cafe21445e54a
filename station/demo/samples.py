"""Sample residents and scans for the demo and for tests.

The people are invented; their ID numbers are valid in form (GB 11643
checksum) but belong to no one.  Scans are drawn with Pillow so that every
file is unique (the at-rest test looks for runs of their bytes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from stdnum.cn import ric


def resident_id(area: str, born: date, sequence: int) -> str:
    """A checksum-valid resident ID number (sequence odd = male)."""
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum skips the last character


@dataclass(frozen=True)
class SampleResident:
    name: str
    id_number: str
    phone: str
    address: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "id_number": self.id_number, "phone": self.phone,
                "address": self.address}


RESIDENTS = (
    SampleResident("黄秀英", resident_id("450981", date(1941, 3, 15), 122), "13977512345",
                   "广西壮族自治区桂平市示范镇示范村三组 18 号"),
    SampleResident("韦建国", resident_id("450981", date(1968, 8, 2), 311), "15877598765",
                   "广西壮族自治区桂平市示范镇示范村五组 7 号"),
)


def draw_scan(path: Path, title: str, lines: list[str], seed: int, font: Path | None = None,
              size: tuple[int, int] = (1240, 1754), quality: int = 85) -> Path:
    """A page that looks like a document-camera scan: paper tone, text, noise."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (246, 243, 235))
    pixels = image.load()
    assert pixels is not None
    for _ in range(size[0] * size[1] // 40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        shade = rng.randrange(200, 240)
        pixels[x, y] = (shade, shade, shade - 10)
    pen = ImageDraw.Draw(image)
    big = _font(font, 64)
    small = _font(font, 36)
    pen.text((120, 140), title, fill=(30, 30, 30), font=big)
    for i, line in enumerate(lines):
        pen.text((120, 320 + i * 70), line, fill=(40, 40, 60), font=small)
    pen.rectangle((80, 80, size[0] - 80, size[1] - 80), outline=(120, 120, 120), width=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=quality)
    return path


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)
