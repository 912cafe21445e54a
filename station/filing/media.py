"""What kind of file a scanned material is, from its first bytes."""

from __future__ import annotations

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
    (b"%PDF-", "application/pdf"),
)


def detect_media_type(head: bytes) -> str | None:
    for magic, media_type in SIGNATURES:
        if head.startswith(magic):
            return media_type
    return None
