"""Page images for the materials checklist: thumbnails, the viewer, rotation.

Scans come as JPEG, PNG, TIFF or BMP from a document camera (高拍仪) or a
scanner, sometimes as PDF.  PDF pages are not rendered (that would need
poppler at run time); they show as a drawn placeholder page instead.

Every function here is safe to call from a worker thread (no Tk), reports
problems as ``StationError`` subclasses naming only the file, never its
folder, and never lets a raw Pillow exception out.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageDraw, ImageFont, ImageOps

from station.errors import (
    DocumentFolderUnwritable,
    InputFileInvalid,
    PageMissing,
    PageNotRotatable,
    PageNotSaved,
    PageUnreadable,
)
from station.fileio import write_atomically
from station.filing.media import detect_media_type

__all__ = ["THUMBNAIL_SIZE", "load_page", "load_page_bytes", "rotate_file", "thumbnail"]

THUMBNAIL_SIZE = (160, 220)
JPEG_QUALITY = 92
A4_RATIO = 297 / 210
_HEAD_BYTES = 16
# What Pillow raises for a damaged or foreign file, at open or at load.
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


def thumbnail(path: Path, size: tuple[int, int] = THUMBNAIL_SIZE) -> Image.Image:
    """An RGB picture of the page fitting in ``size``, upright as the camera saw it."""
    if _is_pdf(path):
        return pdf_placeholder(size)
    with _opened(path) as image:
        return _fitted(image, size, path.name)


def load_page(path: Path, max_size: tuple[int, int]) -> Image.Image:
    """The page for the viewer: like ``thumbnail``, in a larger box."""
    return thumbnail(path, max_size)


def load_page_bytes(data: bytes, max_size: tuple[int, int], name: str = "") -> Image.Image:
    """Like ``load_page``, from bytes in memory (a decrypted material never
    touches the disk); ``name`` is what an error calls the page."""
    if detect_media_type(data[:_HEAD_BYTES]) == "application/pdf":
        return pdf_placeholder(max_size)
    try:
        image = Image.open(io.BytesIO(data))
    except _PILLOW_ERRORS as error:
        raise PageUnreadable(name=name) from error
    with image:
        return _fitted(image, max_size, name)


def rotate_file(path: Path, degrees: int, out: Path) -> Path:
    """Save the page at ``path`` turned ``degrees`` clockwise to ``out`` (see
    ``rotate_bytes``).  ``out`` may be ``path`` itself: the file is replaced only once
    the new one is complete."""
    if _is_pdf(path):
        raise PageNotRotatable(name=path.name)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise PageMissing(name=path.name) from error
    turned = rotate_bytes(data, degrees, path.name)

    def render(handle: BinaryIO) -> None:
        handle.write(turned)

    try:
        return write_atomically(out, render)
    except DocumentFolderUnwritable as error:
        raise PageNotSaved(name=out.name, reason=error.params["reason"]) from error


def rotate_bytes(data: bytes, degrees: int, name: str = "") -> bytes:
    """The page in ``data`` turned ``degrees`` clockwise, in memory (a sealed scan is
    turned without a decrypted copy on disk).

    ``degrees`` is a multiple of 90 (90 turns right, -90 left).  The EXIF
    orientation is applied first and then dropped, so every viewer shows the
    result the same way.  The format, resolution (DPI) and colour profile are
    kept; JPEG is saved at quality 92.
    """
    if degrees % 90:
        raise ValueError(f"pages turn in quarter turns, not {degrees} degrees")
    if detect_media_type(data[:_HEAD_BYTES]) == "application/pdf":
        raise PageNotRotatable(name=name)
    try:
        image = Image.open(io.BytesIO(data))
    except _PILLOW_ERRORS as error:
        raise PageUnreadable(name=name) from error
    with image:
        try:
            image_format = image.format or "PNG"
            info = dict(image.info)
            upright = ImageOps.exif_transpose(image)
            turn = {
                90: Image.Transpose.ROTATE_270,
                180: Image.Transpose.ROTATE_180,
                270: Image.Transpose.ROTATE_90,
            }.get(degrees % 360)
            turned = upright.transpose(turn) if turn is not None else upright.copy()
            exif = upright.getexif()
        except _PILLOW_ERRORS as error:
            raise PageUnreadable(name=name) from error
    options = _save_options(image_format, info)
    if exif and image_format in ("JPEG", "PNG"):
        # Camera details stay; the orientation is already gone from them.
        options["exif"] = exif
    out = io.BytesIO()
    try:
        turned.save(out, format=image_format, **options)
    except _PILLOW_ERRORS as error:
        raise PageNotSaved(name=name, reason=str(error)) from error
    return out.getvalue()


def pdf_placeholder(size: tuple[int, int]) -> Image.Image:
    """A drawn A4 page with "PDF" on it, fitting in ``size``."""
    box_width, box_height = size
    height = min(box_height, round(box_width * A4_RATIO))
    width = max(1, round(height / A4_RATIO))
    height = max(1, height)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    fold = max(2, width // 5)
    line = max(1, width // 80)
    outline = [(0, 0), (width - 1 - fold, 0), (width - 1, fold), (width - 1, height - 1),
               (0, height - 1)]
    draw.polygon(outline, fill="white", outline=(110, 110, 110), width=line)
    corner = [(width - 1 - fold, 0), (width - 1 - fold, fold), (width - 1, fold)]
    draw.polygon(corner, fill=(225, 225, 225), outline=(110, 110, 110), width=line)
    font = ImageFont.load_default(size=max(8, width // 4))
    left, top, right, bottom = draw.textbbox((0, 0), "PDF", font=font)
    origin = ((width - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top)
    draw.text(origin, "PDF", fill=(190, 30, 30), font=font)
    return page


def _is_pdf(path: Path) -> bool:
    """Decided by content, not by the name's ending."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except FileNotFoundError as error:
        raise PageMissing(name=path.name) from error
    except IsADirectoryError as error:
        raise PageUnreadable(name=path.name) from error
    except OSError as error:
        raise InputFileInvalid(path=path.name, reason=error.strerror or str(error)) from error
    return detect_media_type(head) == "application/pdf"


@contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    try:
        image = Image.open(path)
    except FileNotFoundError as error:
        raise PageMissing(name=path.name) from error
    except _PILLOW_ERRORS as error:
        raise PageUnreadable(name=path.name) from error
    with image:
        yield image


def _fitted(image: Image.Image, size: tuple[int, int], name: str) -> Image.Image:
    """An opened page, upright as the camera saw it, RGB, fitting in ``size``."""
    try:
        # JPEG decodes at 1/2, 1/4 or 1/8 scale: far faster for camera pages.
        # Square box, because the EXIF turn below may swap width and height.
        side = max(size)
        image.draft("RGB", (side, side))
        upright = ImageOps.exif_transpose(image)
        page = _to_rgb(upright)
        page.thumbnail(size, Image.Resampling.LANCZOS)
    except _PILLOW_ERRORS as error:
        raise PageUnreadable(name=name) from error
    return page


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode.startswith(("I", "F")):
        # 16-bit and float greyscale scans: scale to 8 bits, or they turn white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent parts show as paper, not as black.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def _save_options(image_format: str, info: Mapping[Any, Any]) -> dict[str, object]:
    options: dict[str, object] = {}
    for key in ("dpi", "icc_profile"):
        if info.get(key):
            options[key] = info[key]
    if image_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif image_format == "TIFF":
        compression = info.get("compression")
        # Re-encoding as JPEG-in-TIFF would lose quality again; LZW is lossless.
        options["compression"] = (
            compression if compression in ("group4", "tiff_lzw", "tiff_adobe_deflate", "packbits")
            else "tiff_lzw"
        )
    return options
