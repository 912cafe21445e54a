"""修改口令 and 忘记口令 in the window: a user's own passphrase, typed by that user.

``change``: as ``station passwd``, after the current passphrase is typed again
(the window may have been left open).  ``recover``: as ``station recover``:
the vault opened with the recovery key gives ``user`` the new passphrase; the
station then opens with it, and the user's personal key is renewed (office
keys sealed to the lost one are dropped; a colleague gives them again).
"""

from __future__ import annotations

from pathlib import Path

from keys.errors import WrongPassphrase
from keys.vault import Vault
from station.app import Station
from station.errors import PassphraseMismatch
from station.paths import DataLayout
from station.throttle import LoginThrottle
from station.trust import users


def recover(data: Path, user: str, recovery_key: str, new_passphrase: str, again: str,
            documents: Path | None = None) -> tuple[Station, int]:
    """The opened station and how many office keys must be given again."""
    if new_passphrase != again:
        raise PassphraseMismatch()
    Vault.recover(DataLayout(data).vault_dir, recovery_key, user, new_passphrase)
    station = Station.open(data, user, new_passphrase, documents)
    try:
        dropped = users.renew_after_recovery(station)
    except BaseException:
        station.close()
        raise
    return station, dropped


def change(station: Station, current: str, new_passphrase: str, again: str) -> None:
    """The logged-in user's new passphrase; ``WrongPassphrase`` if ``current`` is not theirs."""
    if new_passphrase != again:
        raise PassphraseMismatch()
    throttle = LoginThrottle(station.layout.root)  # guessing here counts as at login
    throttle.check(station.user)
    try:
        Vault.unlock(station.layout.vault_dir, station.user, current)
    except WrongPassphrase:
        throttle.failed(station.user)
        raise
    throttle.succeeded(station.user)
    users.change_passphrase(station, new_passphrase)
