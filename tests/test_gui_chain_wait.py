"""After a restore (or on a replacement PC) the wizard says at once that no case can be
filed before the first sync, and why, in plain Chinese (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSPHRASE, VILLAGE
from gui import pump, screenshot

from station import outbox
from station.app import Station
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.wizard.screen import NewCaseScreen


@pytest.fixture
def restored(display: str, tmp_path: Path, data_dir: Path, documents: Path,
             monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STATION_NO_OPEN", "1")
    opened = Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)[0]
    with opened.db.atomic("IMMEDIATE"):
        outbox.ask_chain_resume("restore")
    opened.close()
    application = StationApp(data_dir, documents, config_dir=tmp_path / "config")
    application.view.passphrase.insert(0, PASSPHRASE)  # type: ignore[union-attr]
    application.view.submit()  # type: ignore[union-attr]
    pump(application.root, lambda: isinstance(application.view, MainWindow), what="login")
    yield application
    application.close()


def test_the_wizard_says_to_sync_first(restored: StationApp) -> None:
    main = restored.view
    assert isinstance(main, MainWindow)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen)
    pump(restored.root, lambda: wizard.waiting.winfo_ismapped(), what="the warning")
    text = str(wizard.waiting.cget("text"))
    assert "立即同步" in text and "草稿" in text
    assert wizard.step is not None  # the agent may still fill it in and keep a draft
    screenshot(restored.root, "wizard-chain-waits")
