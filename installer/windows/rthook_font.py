"""PyInstaller runtime hook: printed documents use the Chinese font the bundle carries.

station/documents/fonts.py tries ``STATION_CJK_FONT`` first, then fonts in the usual
places (on Windows: simsun.ttc, msyh.ttc, simhei.ttf under C:\\Windows\\Fonts).  The
bundle carries WenQuanYi Micro Hei (Apache-2.0 or GPL-3+ with font exception) in
``fonts/``, so that every Windows PC prints the same, embeddable font; a value the
county set for ``STATION_CJK_FONT`` still wins.
"""

import os
import sys

FONT_FOLDER = "fonts"
FONT_FILE = "wqy-microhei.ttc"
ENV_VAR = "STATION_CJK_FONT"


def bundled_font(bundle: str) -> str | None:
    path = os.path.join(bundle, FONT_FOLDER, FONT_FILE)
    return path if os.path.isfile(path) else None


if getattr(sys, "frozen", False):  # not when the spec imports this file for its names
    _font = bundled_font(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)))
    if _font:
        os.environ.setdefault(ENV_VAR, _font)
