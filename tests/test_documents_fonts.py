"""Finding an embeddable Chinese font, and the message when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from station.documents.fonts import ENV_VAR, KNOWN_FONTS, FontFile, cjk_font, find_cjk_font
from station.errors import DocumentError, FontMissing
from station.i18n import render, set_language

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def require_wqy() -> None:
    if not WQY.is_file():
        pytest.fail(f"{WQY} is missing: install the Debian package fonts-wqy-microhei")


def test_missing_font_is_reported(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-such-font.ttf"
    with pytest.raises(FontMissing) as caught:
        cjk_font(candidates=(), environ={ENV_VAR: str(nowhere)})
    message = str(caught.value)
    assert isinstance(caught.value, DocumentError)
    assert "fonts-wqy-microhei" in message and ENV_VAR in message
    assert str(nowhere) in message
    with pytest.raises(FontMissing):
        find_cjk_font(candidates=(), environ={})


def test_missing_font_message_in_english(tmp_path: Path) -> None:
    with pytest.raises(FontMissing) as caught:
        cjk_font(candidates=(FontFile(tmp_path / "x.ttc"),), environ={})
    set_language("en")
    try:
        text = render(caught.value)
    finally:
        set_language("zh")
    assert "fonts-wqy-microhei" in text and "x.ttc" in text and "font" in text.lower()


def test_unusable_files_are_skipped(tmp_path: Path) -> None:
    require_wqy()
    cff = tmp_path / "NotoSansCJK-Regular.otf"
    cff.write_bytes(b"OTTO" + bytes(200))  # an OpenType/CFF header reportlab cannot embed
    damaged = tmp_path / "broken.ttf"
    damaged.write_bytes(b"\x00\x01\x00\x00" + bytes(50))
    candidates = (FontFile(cff), FontFile(damaged), FontFile(WQY))
    assert find_cjk_font(candidates, environ={}) == FontFile(WQY)


def test_font_without_chinese_glyphs_is_skipped(tmp_path: Path) -> None:
    latin = next(
        (p for p in Path("/usr/share/fonts/truetype").rglob("*.ttf") if "Mono" in p.name), None
    )
    if latin is None:
        pytest.fail("no Latin-only TrueType font found under /usr/share/fonts/truetype")
    with pytest.raises(FontMissing):
        find_cjk_font((FontFile(latin),), environ={})


def test_environment_variable_comes_first() -> None:
    require_wqy()
    chosen = find_cjk_font(candidates=(), environ={ENV_VAR: f"{WQY}#1"})
    assert chosen == FontFile(WQY, 1)  # the Mono face of the collection


def test_registered_once() -> None:
    require_wqy()
    first = cjk_font(candidates=(FontFile(WQY),), environ={})
    assert cjk_font(candidates=(FontFile(WQY),), environ={}) == first
    assert pdfmetrics.getFont(first).face.name.startswith(b"WenQuanYi")


def test_debian_and_windows_paths_are_known() -> None:
    known = {str(font.path) for font in KNOWN_FONTS}
    assert str(WQY) in known
    assert {"C:/Windows/Fonts/simsun.ttc", "C:/Windows/Fonts/msyh.ttc"} <= known
