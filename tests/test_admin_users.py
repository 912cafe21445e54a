"""An admin's user management (the 管理 screen's domain): list, change, disable, and
reset a forgotten passphrase that the user types themselves.  Real vaults and stores."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSPHRASE

from keys.errors import UnknownUser, WrongPassphrase
from station import i18n
from station.app import Station
from station.errors import NotPermitted, OfficeKeyHeld, OfficeNeeded, RoleRequired
from station.store.models import Event, OfficeMember
from station.trust import offices, revocations, users

TOWNSHIP = ("township", "450981104000", "示范镇便民服务中心")
OTHER = "another passphrase 乙"


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[Station]:
    opened, _sheet = Station.init(tmp_path / "data", *TOWNSHIP, "admin", PASSPHRASE,
                                  tmp_path / "printed")
    try:
        users.add_user(opened, "mz", "reviewer", PASSPHRASE, "王审核", "民政办")
        users.add_user(opened, "daiban", "agent", PASSPHRASE, "张代办")
        yield opened
    finally:
        opened.close()


def events(kind: str) -> list[dict[str, object]]:
    return [e.payload for e in Event.select().where(Event.type == kind)]


def test_list_shows_every_user_and_whether_they_can_log_in(admin: Station) -> None:
    listed = {u.name: u for u in users.list_users(admin)}
    assert set(listed) == {"admin", "mz", "daiban"}
    assert listed["mz"] == users.UserInfo("mz", "王审核", "reviewer", "民政办", True)


def test_change_role_office_and_name_is_recorded(admin: Station) -> None:
    users.change_user(admin, "daiban", "reviewer", "残联", "张审核")
    assert users.name_and_office("daiban") == ("张审核", "残联")
    assert events("user.changed")[-1] == {"user": "daiban", "role": "reviewer", "office": "残联"}
    with pytest.raises(OfficeNeeded):
        users.change_user(admin, "daiban", "signer", None, None)


def test_a_disabled_user_cannot_log_in_until_a_reset(admin: Station, tmp_path: Path) -> None:
    users.disable_user(admin, "daiban")
    assert events("user.disabled") == [{"user": "daiban"}]
    assert not {u.name: u for u in users.list_users(admin)}["daiban"].active
    with pytest.raises(UnknownUser):
        Station.open(tmp_path / "data", "daiban", PASSPHRASE).close()
    users.reset_passphrase(admin, "daiban", OTHER)
    Station.open(tmp_path / "data", "daiban", OTHER).close()


def test_a_reset_gives_a_new_key_and_drops_office_keys(admin: Station, tmp_path: Path) -> None:
    offices.create_office(admin, "民政办")
    assert OfficeMember.select().where(OfficeMember.user == "mz").count() == 1
    assert users.reset_passphrase(admin, "mz", OTHER) == 1
    assert events("user.passphrase_reset")[-1] == {"user": "mz", "office_keys_dropped": 1}
    admin.close()
    with pytest.raises(WrongPassphrase):
        Station.open(tmp_path / "data", "mz", PASSPHRASE).close()
    with Station.open(tmp_path / "data", "mz", OTHER) as desk:
        assert desk.user == "mz"


def test_only_an_admin_manages_users_and_never_themselves(admin: Station,
                                                          tmp_path: Path) -> None:
    with pytest.raises(users.NotForYourself):
        users.disable_user(admin, "admin")
    with pytest.raises(users.NotForYourself):
        users.reset_passphrase(admin, "admin", OTHER)
    admin.close()
    with Station.open(tmp_path / "data", "mz", PASSPHRASE) as desk:
        assert not users.is_admin(desk)
        for attempt in (lambda: users.list_users(desk),
                        lambda: users.disable_user(desk, "daiban"),
                        lambda: users.reset_passphrase(desk, "daiban", OTHER),
                        lambda: users.change_user(desk, "daiban", "admin", None, None)):
            with pytest.raises(RoleRequired):
                attempt()
    with Station.open(tmp_path / "data", "admin", PASSPHRASE) as again:
        assert users.is_admin(again)


def test_an_admin_cannot_make_a_second_key_for_an_office_someone_holds(
        admin: Station, tmp_path: Path) -> None:
    """Listing themselves under the office and making its key again would give the admin
    the office's new cases; while a member holds the key, a colleague passes it on."""
    first = offices.create_office(admin, "民政办")
    with pytest.raises(OfficeKeyHeld):
        offices.create_office(admin, "民政办")
    assert offices.latest("民政办").version == first  # type: ignore[union-attr]
    users.reset_passphrase(admin, "mz", OTHER)  # the only holder's keys are dropped
    assert offices.create_office(admin, "民政办") == first + 1  # nobody can pass it on now


def test_refusals_name_the_action_tier_and_roles_in_words(admin: Station,
                                                          tmp_path: Path) -> None:
    """The same refusal reaches the window: it says 添加用户 and 管理员, not "user add" or
    "admin", and the tier by its name, not "township"."""
    with pytest.raises(NotPermitted) as not_here:
        revocations.revoke(admin, {1})  # only the county revokes
    admin.close()
    with Station.open(tmp_path / "data", "mz", PASSPHRASE) as desk, \
            pytest.raises(RoleRequired) as not_yours:
        users.add_user(desk, "new", "agent", PASSPHRASE, "新人")
    for error, words in ((not_here.value, ("吊销证书", "乡镇便民服务中心")),
                         (not_yours.value, ("添加用户", "审核员", "管理员"))):
        text = i18n.render(error)
        assert all(word in text for word in words), text
        assert re.findall(r"[A-Za-z]{3,}", text) == [], text  # no code words ("mz" is a name)
