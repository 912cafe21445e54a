"""Page images: thumbnails upright, PDFs as placeholders, rotation, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from station import i18n
from station.errors import PageMissing, PageNotRotatable, PageUnreadable
from station.filing.pages import load_page, pdf_placeholder, rotate_file, thumbnail

ORIENTATION = 0x0112
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def marked_page(size: tuple[int, int] = (300, 200)) -> Image.Image:
    """White page, red block in the top left corner: shows which way is up."""
    page = Image.new("RGB", size, "white")
    page.paste((255, 0, 0), (0, 0, size[0] // 3, size[1] // 3))
    return page


def is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    red, green, blue = pixel[:3]
    return red > 180 and green < 90 and blue < 90


def save_jpeg(path: Path, page: Image.Image, orientation: int | None = None) -> Path:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    page.save(path, "JPEG", quality=95, exif=exif, dpi=(300, 300))
    return path


def test_thumbnail_of_a_jpeg_with_an_exif_turn_is_upright(tmp_path: Path) -> None:
    # Orientation 6: the camera was turned; viewers turn the 300x200 pixels right.
    path = save_jpeg(tmp_path / "camera.jpg", marked_page((300, 200)), orientation=6)
    image = thumbnail(path)
    assert image.mode == "RGB"
    assert image.width < image.height  # 200 wide, 300 high before shrinking
    assert image.width <= 160 and image.height <= 220
    assert abs(image.width / image.height - 200 / 300) < 0.02
    # Turned right, the red top-left corner is now top right.
    assert is_red(image.getpixel((image.width - 3, 3)))
    assert not is_red(image.getpixel((3, 3)))


def test_thumbnail_keeps_the_proportions_and_never_enlarges(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    marked_page((80, 40)).save(path)
    assert thumbnail(path).size == (80, 40)
    big = tmp_path / "big.png"
    marked_page((1600, 1000)).save(big)
    assert thumbnail(big).size == (160, 100)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGBA", "CMYK", "I;16"])
def test_every_scan_mode_becomes_rgb(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "scan.tif"
    marked_page().convert(mode).save(path)
    assert thumbnail(path).mode == "RGB"


def test_sixteen_bit_grey_keeps_its_greys(tmp_path: Path) -> None:
    path = tmp_path / "grey16.png"
    Image.new("I;16", (50, 50), 32768).save(path)
    pixel = thumbnail(path).getpixel((10, 10))
    assert isinstance(pixel, tuple)
    red, green, blue = pixel
    assert 100 < red < 160 and red == green == blue


def test_transparency_shows_as_paper(tmp_path: Path) -> None:
    path = tmp_path / "clear.png"
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(path)
    assert thumbnail(path).getpixel((5, 5)) == (255, 255, 255)


def test_a_pdf_gets_a_placeholder_page(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(PDF)
    image = thumbnail(path)
    assert image.mode == "RGB"
    assert image.width <= 160 and image.height <= 220
    assert image.height == 220 and abs(image.height / image.width - 297 / 210) < 0.02
    assert image.getpixel((image.width // 3, 0)) != (255, 255, 255)  # the outline
    colours = {colour for _, colour in image.getcolors(maxcolors=100_000) or []}
    assert any(is_red(c) for c in colours)  # the letters PDF


def test_a_pdf_is_known_by_content_not_by_name(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    path.write_bytes(PDF)
    assert thumbnail(path).size == pdf_placeholder((160, 220)).size


@pytest.mark.parametrize("box", [(160, 220), (400, 200), (1, 1), (900, 1200)])
def test_the_placeholder_fits_any_box(box: tuple[int, int]) -> None:
    image = pdf_placeholder(box)
    assert 0 < image.width <= box[0] and 0 < image.height <= box[1]


def test_load_page_uses_the_larger_box(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "page.jpg", marked_page((3000, 2000)), orientation=8)
    image = load_page(path, (1000, 1000))
    assert image.size == (667, 1000)
    # Orientation 8 turns left: the red top-left corner ends bottom left.
    assert is_red(image.getpixel((5, image.height - 5)))
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(PDF)
    assert load_page(pdf, (1000, 1000)).height == 1000


@pytest.mark.parametrize(
    ("degrees", "red_corner"),
    [(90, "top right"), (-90, "bottom left"), (270, "bottom left"), (180, "bottom right")],
)
def test_rotation_turns_clockwise(tmp_path: Path, degrees: int, red_corner: str) -> None:
    source = tmp_path / "page.png"
    marked_page((300, 200)).save(source, dpi=(300, 300))
    out = rotate_file(source, degrees, tmp_path / "turned.png")
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == ((300, 200) if degrees == 180 else (200, 300))
        corners = {
            "top left": (2, 2),
            "top right": (image.width - 3, 2),
            "bottom left": (2, image.height - 3),
            "bottom right": (image.width - 3, image.height - 3),
        }
        for corner, xy in corners.items():
            assert is_red(image.getpixel(xy)) == (corner == red_corner), corner
        assert round(image.info["dpi"][0]) == 300


def test_rotating_a_jpeg_applies_its_exif_turn_and_keeps_it_jpeg(tmp_path: Path) -> None:
    source = save_jpeg(tmp_path / "camera.jpg", marked_page((300, 200)), orientation=6)
    out = rotate_file(source, 90, tmp_path / "turned.jpg")
    with Image.open(out) as image:
        assert image.format == "JPEG"
        # Upright it was 200x300 with red top right; a right turn makes red bottom right.
        assert image.size == (300, 200)
        assert image.getexif().get(ORIENTATION) in (None, 1)
        assert is_red(image.getpixel((image.width - 5, image.height - 5)))
        assert round(image.info["dpi"][0]) == 300


def test_rotating_in_place_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    source = tmp_path / "page.tif"
    marked_page((300, 200)).convert("1").save(source, compression="group4")
    assert rotate_file(source, -90, source) == source
    with Image.open(source) as image:
        assert image.format == "TIFF" and image.mode == "1" and image.size == (200, 300)
        assert image.info["compression"] == "group4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.tif"]


def test_rotating_a_bmp(tmp_path: Path) -> None:
    source = tmp_path / "page.bmp"
    marked_page((30, 20)).save(source)
    with Image.open(rotate_file(source, 90, tmp_path / "out.bmp")) as image:
        assert (image.format, image.size) == ("BMP", (20, 30))


def test_a_pdf_cannot_be_rotated(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "申请书.pdf"
    path.parent.mkdir()
    path.write_bytes(PDF)
    with pytest.raises(PageNotRotatable) as caught:
        rotate_file(path, 90, tmp_path / "out.pdf")
    assert str(caught.value) == "申请书.pdf 是 PDF 文件，无法旋转；请在扫描时摆正。"
    assert caught.value.exit_code == 4
    assert not (tmp_path / "out.pdf").exists()


def test_quarter_turns_only(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    marked_page().save(path)
    with pytest.raises(ValueError):
        rotate_file(path, 45, tmp_path / "out.png")


@pytest.mark.parametrize(
    "content",
    [
        b"not an image at all",
        b"",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40,  # a JPEG cut short
    ],
    ids=["text", "empty", "truncated-jpeg"],
)
def test_a_damaged_file_is_reported_by_its_name_only(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "secret-folder" / "身份证.jpg"
    path.parent.mkdir()
    path.write_bytes(content)
    for call in (lambda: thumbnail(path), lambda: rotate_file(path, 90, tmp_path / "o.jpg")):
        with pytest.raises(PageUnreadable) as caught:
            call()
        assert str(caught.value) == "无法读取图片 身份证.jpg：文件已损坏或不是图片。"
        assert "secret-folder" not in str(caught.value)


def test_a_jpeg_cut_off_half_way_is_reported(tmp_path: Path) -> None:
    whole = tmp_path / "whole.jpg"
    save_jpeg(whole, Image.effect_noise((400, 300), 50).convert("RGB"))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(PageUnreadable):
        thumbnail(cut)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PageMissing) as caught:
        thumbnail(tmp_path / "gone.png")
    assert "gone.png" in str(caught.value)


def test_the_messages_read_in_english(tmp_path: Path) -> None:
    i18n.set_language("en")
    try:
        assert i18n.render(PageUnreadable(name="a.jpg")).startswith("Cannot read the image a.jpg")
        assert "a.pdf is a PDF" in i18n.render(PageNotRotatable(name="a.pdf"))
    finally:
        i18n.set_language("zh")
