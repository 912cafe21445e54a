"""The Chinese font printed documents are set in.

A PDF must carry its font: a village PC that opens the file, or the printer
it is sent to, may have no Chinese font at all.  reportlab embeds TrueType
outlines only, so OpenType/CFF fonts (Noto Sans CJK, Source Han) are skipped
even when they are installed.  Every text of a document, Latin included, uses
this one font, so that no unembedded standard font ends up in the file.

Search order: the file named by ``STATION_CJK_FONT`` (``path`` or
``path#index`` for a face of a .ttc collection), then the usual places on
Debian-based systems (统信UOS, 银河麒麟) and Windows.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from station.errors import FontMissing

__all__ = ["ENV_VAR", "KNOWN_FONTS", "FontFile", "cjk_font", "find_cjk_font"]

ENV_VAR = "STATION_CJK_FONT"


@dataclass(frozen=True)
class FontFile:
    """A TrueType font file and, for a .ttc collection, the face to use."""

    path: Path
    index: int = 0


KNOWN_FONTS: tuple[FontFile, ...] = (
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
    FontFile(Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc")),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),
    FontFile(Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc")),
    FontFile(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
    FontFile(Path("/usr/share/fonts/fonts-cesi/CESI_HT_GB2312.TTF")),
    FontFile(Path("/usr/share/fonts/fonts-cesi/CESI_SS_GB2312.TTF")),
    FontFile(Path("/usr/share/fonts/truetype/arphic/uming.ttc")),
    FontFile(Path("C:/Windows/Fonts/simsun.ttc")),
    FontFile(Path("C:/Windows/Fonts/msyh.ttc")),
    FontFile(Path("C:/Windows/Fonts/simhei.ttf")),
)

# Characters every document prints; a font without them would print boxes.
_PROBE = "收件凭证补齐告知书恢复密钥办"

_registered: dict[FontFile, str] = {}
_lock = threading.Lock()


def find_cjk_font(
    candidates: Sequence[FontFile] | None = None,
    environ: Mapping[str, str] | None = None,
) -> FontFile:
    """The first usable font: ``STATION_CJK_FONT``, then ``candidates``."""
    chosen = _candidates(candidates, environ)
    for font in chosen:
        if font in _registered or _load(font, "probe") is not None:
            return font
    raise _missing(chosen)


def cjk_font(
    candidates: Sequence[FontFile] | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Register the Chinese font with reportlab (once) and return its name."""
    chosen = _candidates(candidates, environ)
    with _lock:
        for font in chosen:
            if font in _registered:
                return _registered[font]
            name = f"StationCJK-{len(_registered)}"
            loaded = _load(font, name)
            if loaded is not None:
                pdfmetrics.registerFont(loaded)
                _registered[font] = name
                return name
    raise _missing(chosen)


def _candidates(
    candidates: Sequence[FontFile] | None, environ: Mapping[str, str] | None
) -> list[FontFile]:
    env = os.environ if environ is None else environ
    chosen = []
    configured = env.get(ENV_VAR, "").strip()
    if configured:
        path, _, index = configured.partition("#")
        chosen.append(FontFile(Path(path), int(index) if index.isdigit() else 0))
    chosen.extend(KNOWN_FONTS if candidates is None else candidates)
    return chosen


def _missing(candidates: Sequence[FontFile]) -> FontMissing:
    return FontMissing(tried="；".join(_describe(font) for font in candidates) or "—")


def _load(font: FontFile, name: str) -> TTFont | None:
    if not font.path.is_file():
        return None
    try:
        loaded = TTFont(name, str(font.path), subfontIndex=font.index)
    except Exception:
        # TTFError for CFF outlines; a damaged file fails in any parsing step
        # (KeyError, struct.error, IndexError ...).  Either way: not usable.
        return None
    if not all(ord(char) in loaded.face.charToGlyph for char in _PROBE):
        return None
    return loaded


def _describe(font: FontFile) -> str:
    return f"{font.path}#{font.index}" if font.index else str(font.path)
