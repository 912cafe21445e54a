"""Failed logins are throttled: after 3 in a row, wait 5 s, doubling to 5 min.

The count lives in this PC's state folder, outside the data directory, so a
wrong passphrase still changes nothing in the station's data.  It is keyed
by data directory and user, and a success clears it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import platformdirs

from station.errors import LoginThrottled

FREE_ATTEMPTS = 3
FIRST_WAIT = 5.0
LONGEST_WAIT = 300.0


def state_dir() -> Path:
    env = os.environ.get("STATION_STATE")
    return Path(env) if env else Path(platformdirs.user_state_dir("bianmin-station",
                                                                   appauthor=False))


class LoginThrottle:
    def __init__(self, data: Path, folder: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = (folder or state_dir()) / "login-throttle.json"
        self.station = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:16]
        self.clock = clock

    def _load(self) -> dict[str, dict[str, float]]:
        try:
            value = json.loads(self.path.read_text(encoding="utf-8"))
            return value if isinstance(value, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, state: dict[str, dict[str, float]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.path)

    def _key(self, user: str) -> str:
        return f"{self.station}:{user}"

    def check(self, user: str) -> None:
        """Refuse (before any key derivation) while the user must wait."""
        entry = self._load().get(self._key(user))
        if entry:
            left = entry.get("until", 0.0) - self.clock()
            if left > 0:
                raise LoginThrottled(user=user, seconds=math.ceil(left))

    def failed(self, user: str) -> None:
        state = self._load()
        entry = state.get(self._key(user), {"failures": 0.0, "until": 0.0})
        entry["failures"] += 1
        over = int(entry["failures"]) - FREE_ATTEMPTS
        if over >= 0:
            entry["until"] = self.clock() + min(FIRST_WAIT * 2**over, LONGEST_WAIT)
        state[self._key(user)] = entry
        self._save(state)

    def succeeded(self, user: str) -> None:
        state = self._load()
        if state.pop(self._key(user), None) is not None:
            self._save(state)
