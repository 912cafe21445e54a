"""Where a station keeps its data and where it writes printed documents."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from station.errors import DocumentsInsideData

APP_NAME = "bianmin-station"
DOCUMENTS_FOLDER = "便民站"


def default_data_dir() -> Path:
    env = os.environ.get("STATION_DATA")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    """This PC's app settings (language, font size): nothing personal."""
    env = os.environ.get("STATION_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_documents_dir() -> Path:
    env = os.environ.get("STATION_DOCUMENTS")
    if env:
        return Path(env)
    return Path(platformdirs.user_documents_dir()) / DOCUMENTS_FOLDER


@dataclass(frozen=True)
class DataLayout:
    """The files of one station's data directory."""

    root: Path

    @property
    def vault_dir(self) -> Path:
        return self.root

    @property
    def database(self) -> Path:
        return self.root / "station.db"

    @property
    def materials(self) -> Path:
        return self.root / "materials"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def catalogue(self) -> Path:
        """Catalogue files published by the county (override the shipped ones)."""
        return self.root / "catalogue"

    @property
    def calendar(self) -> Path:
        """The holiday calendar published by the county."""
        return self.root / "calendar.toml"


def documents_dir_outside(data: Path, folder: Path) -> Path:
    """Printed documents hold personal data in clear: never inside the data dir."""
    data_r, folder_r = data.resolve(), folder.resolve()
    if folder_r == data_r or data_r in folder_r.parents:
        raise DocumentsInsideData(data=data, folder=folder)
    return folder
