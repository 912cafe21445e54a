"""Where residents look up progress: the county's public progress address.

The county admin sets it once (``station progress address URL``); the county's
signed directory entry carries it as ``progress_url`` (an extra key that
stations of older versions ignore), so every village learns it at its next
sync, as it learns the county's keys.  A station may also set its own, which
wins (a county whose page is reached through another address).  With none
known, receipts print no QR that promises progress.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from station.app import Station
from station.errors import StationError
from station.node import Node
from station.store.models import Setting
from station.trust import users

SETTING = "progress.url"
DIRECTORY_KEY = "progress_url"


class ProgressAddressInvalid(StationError):
    """进度查询地址“{url}”不对：应以 http:// 或 https:// 开头，例如 https://jd.example.gov.cn，不带问号和井号。"""

    exit_code = 4


def checked(url: str) -> str:
    """The address as stored: http(s), a host, no query or fragment, no trailing slash."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or any(c.isspace() for c in text):
        raise ProgressAddressInvalid(url=url)
    return text.rstrip("/")


def own_address() -> str | None:
    """The address set on this station, if any."""
    stored = Setting.get_or_none(Setting.key == SETTING)
    return stored.value if stored and stored.value else None


def set_address(station: Station, url: str | None) -> str | None:
    """Set (or with None, clear) this station's progress address; admins only."""
    users.require_role(station, "progress address", "admin")
    value = checked(url) if url else None
    with station.db.atomic("IMMEDIATE"):
        if value is None:
            Setting.delete().where(Setting.key == SETTING).execute()
        else:
            Setting.replace(key=SETTING, value=value).execute()
    return value


def published_address(entries: dict[str, dict[str, object]], node: Node) -> str | None:
    """The address the county published in its verified directory entry."""
    county = entries.get(node.code[:6] + "000000") or {}
    value = county.get(DIRECTORY_KEY)
    if not isinstance(value, str):
        return None
    try:
        return checked(value)
    except ProgressAddressInvalid:
        return None
