"""Shared fixtures: a fresh data directory per test, real files, nothing global."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import deb_check
import pytest
from gui import display  # noqa: F401 - the Xvfb fixture, for every GUI test

# Test-only: a weak KDF so that creating vaults takes milliseconds.  The
# product never reads this unless the variable is set exactly like this.
os.environ["STATION_TEST_WEAK_KDF"] = "1"

PASSPHRASE = "correct horse 马 battery"
VILLAGE = ("village", "450981104201", "示范村便民服务站")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The .deb check runs last: it waits for its background run (tests/deb_check.py)."""
    items.sort(key=lambda item: item.path.name == "test_deb.py")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the .deb check now, beside the rest of the suite, when it is selected (as root:
    run as another user, the test fails and says why)."""
    config = session.config
    if deb_check.selected(session.items) and os.geteuid() == 0 and \
            not config.option.collectonly:
        deb_check.start(config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    deb_check.finish(session.config)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("STATION_DATA", "STATION_USER", "STATION_PASSPHRASE", "STATION_NEW_PASSPHRASE",
                 "STATION_RECOVERY_KEY", "STATION_DOCUMENTS", "STATION_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "home" / "Documents"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    return tmp_path / "printed"


@pytest.fixture
def station(data_dir: Path, documents: Path) -> Iterator[object]:
    from station.app import Station

    opened, _sheet = Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)
    try:
        yield opened
    finally:
        opened.close()


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def network_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo network's enrolled nodes, made once; each test copies them."""
    from station.demo import demo_network

    root = tmp_path_factory.mktemp("network") / "template"
    demo_network.setup(root, PASSPHRASE)
    return root


@pytest.fixture
def net(network_template: Path, tmp_path: Path) -> Iterator[object]:
    """A copy of the demo network for one test; its hubs (if started) are stopped after."""
    from network import copy_network

    copied = copy_network(network_template, tmp_path / "net")
    try:
        yield copied
    finally:
        copied.stop()


@pytest.fixture
def hubs(net: Any) -> Iterator[Any]:
    """The demo network with its county and township hubs running."""
    from station.demo.demo_network import start_hubs

    start_hubs(net)
    yield net


@pytest.fixture
def no_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_NO_OPEN", "1")  # do not launch a PDF viewer in tests


@pytest.fixture(scope="session")
def swift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A one-node OpenStack Swift with its S3 API (tests/swift.py), started at the first
    test that asks for it and stopped at the end of the session."""
    from swift import swift_s3

    with swift_s3(tmp_path_factory.mktemp("swift")) as running:
        yield running
