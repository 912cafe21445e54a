"""The station's log file.  Never personal data: case numbers, types, counts."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

_configured: set[Path] = set()


def configure_logging(folder: Path) -> None:
    folder = folder.resolve()
    if folder in _configured:
        return
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        folder / "station.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("station")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    _configured.add(folder)
