"""Settings of this PC's app (not personal): language, large font, recent matters.

Declared defaults in one place; a corrupt file is moved aside, never fatal.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

log = logging.getLogger("station.ui")
FILE_NAME = "ui.json"


@dataclass
class UiConfig:
    language: str = "zh"
    large_font: bool = False
    last_user: str = ""
    recent_matters: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> UiConfig:
        path = folder / FILE_NAME
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            known = {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError, OSError):
            aside = path.with_suffix(".corrupt")
            os.replace(path, aside)
            log.warning("ui settings were unreadable; moved aside to %s", aside.name)
            return cls()

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (FILE_NAME + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / FILE_NAME)
