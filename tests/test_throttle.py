"""Failed logins are throttled; the station's data is never touched by it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli import snapshot
from conftest import PASSPHRASE, VILLAGE

from keys.errors import WrongPassphrase
from station.app import Station
from station.errors import LoginThrottled
from station.throttle import LoginThrottle


def test_three_free_attempts_then_growing_waits(tmp_path: Path) -> None:
    now = [1000.0]
    throttle = LoginThrottle(tmp_path / "data", tmp_path / "state", clock=lambda: now[0])
    for _ in range(3):
        throttle.check("agent")
        throttle.failed("agent")
    with pytest.raises(LoginThrottled) as caught:
        throttle.check("agent")
    assert caught.value.params["seconds"] == 5
    now[0] += 6
    throttle.check("agent")
    throttle.failed("agent")
    with pytest.raises(LoginThrottled) as caught:
        throttle.check("agent")
    assert caught.value.params["seconds"] == 10
    throttle.check("someone-else")  # per user
    now[0] += 11
    throttle.succeeded("agent")
    throttle.check("agent")
    for _ in range(3):
        throttle.failed("agent")
    with pytest.raises(LoginThrottled):
        throttle.check("agent")  # counting starts again after a success


def test_station_open_is_throttled_outside_the_data_directory(
        tmp_path: Path, data_dir: Path, documents: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_STATE", str(tmp_path / "state"))
    Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)[0].close()
    before = snapshot(data_dir)
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            Station.open(data_dir, None, "wrong passphrase", documents)
    with pytest.raises(LoginThrottled):
        Station.open(data_dir, None, PASSPHRASE, documents)  # even the right one must wait
    assert snapshot(data_dir) == before
