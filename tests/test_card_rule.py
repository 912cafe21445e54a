"""The card rule (红黄牌扣分): points per red and per yellow card, kept with the clock
policy, set by ``station clock policy --red-points/--yellow-points`` (admins only);
a bad value is refused in Chinese and changes nothing, not even the other values
typed with it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from cli import station as run
from conftest import PASSPHRASE

from station.casework.clock_policy import (
    CARD_RULE_SET,
    PREFIX,
    card_rule_from_settings,
    changed_card_rule,
    save_card_rule,
)
from station.clock.cards import CardRule
from station.errors import RedPointsInvalid, YellowPointsInvalid
from station.supervision import board_shapes


def test_the_board_and_the_policy_share_one_card_rule() -> None:
    assert board_shapes.CardRule is CardRule
    assert CardRule().points(red=3, yellow=2) == 7.0
    assert CardRule(1, 0).points(red=3, yellow=2) == 3.0


@pytest.mark.parametrize("values, error", [
    ({"red_points": -1}, RedPointsInvalid),
    ({"red_points": math.nan}, RedPointsInvalid),
    ({"red_points": math.inf}, RedPointsInvalid),
    ({"red_points": "2"}, RedPointsInvalid),
    ({"red_points": True}, RedPointsInvalid),
    ({"yellow_points": -0.5}, YellowPointsInvalid),
])
def test_an_invalid_rule_is_refused(values: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        CardRule(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("red, yellow, error", [
    ("-1", None, RedPointsInvalid), ("两分", None, RedPointsInvalid),
    ("nan", None, RedPointsInvalid), ("inf", None, RedPointsInvalid),
    ("", None, RedPointsInvalid), (None, "-0.1", YellowPointsInvalid),
    (None, "1e999", YellowPointsInvalid),
])
def test_typed_points_are_checked(red: str | None, yellow: str | None,
                                  error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        changed_card_rule(CardRule(), red, yellow)
    assert "应为 0 或正数" in str(raised.value)


def test_typed_points_change_only_what_was_typed() -> None:
    assert changed_card_rule(CardRule(), " 3 ", None) == CardRule(3.0, 0.5)
    assert changed_card_rule(CardRule(), None, "0") == CardRule(2.0, 0.0)
    assert changed_card_rule(CardRule(), "1.25", "0.25") == CardRule(1.25, 0.25)


def test_settings_round_trip_and_a_damaged_value_falls_back(station: object) -> None:
    from station.store.models import Event, Setting

    assert card_rule_from_settings(station) == CardRule()  # type: ignore[arg-type]
    chosen = CardRule(red_points=3.5, yellow_points=0.0)
    save_card_rule(station, chosen)  # type: ignore[arg-type]
    assert card_rule_from_settings(station) == chosen  # type: ignore[arg-type]
    logged = Event.select().where(Event.type == CARD_RULE_SET).get()
    assert logged.payload == {"red_points": 3.5, "yellow_points": 0.0}
    Setting.replace(key=PREFIX + "red_points", value="-4").execute()
    Setting.replace(key=PREFIX + "yellow_points", value="lots").execute()
    assert card_rule_from_settings(station) == CardRule()  # type: ignore[arg-type]


def test_policy_command_shows_sets_and_refuses_card_points(tmp_path: Path) -> None:
    env = {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(tmp_path / "printed")}
    made = run("init", "--tier", "county", "--code", "450981000000", "--name", "县中心",
               "--operator", "admin", env=env)
    assert made.code == 0, made.err
    shown = run("clock", "policy", env=env)
    assert shown.code == 0 and "每张红牌 2 分，每张黄牌 0.5 分" in shown.out, shown.out

    changed = run("clock", "policy", "--red-points", "3", "--yellow-points", "1", "--json",
                  env=env)
    assert changed.code == 0, changed.err
    expected = {"yellow_share": 0.8, "followup_callback_days": 1, "followup_fix_days": 15,
                "red_points": 3.0, "yellow_points": 1.0}
    assert changed.json() == expected
    assert run("clock", "policy", "--json", env=env).json() == expected  # kept

    for args, fragment in ((("--red-points", "-2"), "红牌扣分“-2”不正确"),
                           (("--red-points", "两分"), "红牌扣分“两分”不正确"),
                           (("--yellow-points", "nan"), "黄牌扣分“nan”不正确"),
                           # a good value typed with a bad one is not stored either
                           (("--yellow", "0.5", "--red-points", "-1"), "红牌扣分“-1”"),
                           (("--red-points", "5", "--yellow", "2"), "黄牌比例“2”")):
        refused = run("clock", "policy", *args, env=env)
        assert refused.code == 4 and fragment in refused.err, refused.err
    english = run("clock", "policy", "--yellow-points", "x", "--lang", "en", env=env)
    assert english.code == 4 and "Yellow-card points" in english.err, english.err
    assert run("clock", "policy", "--json", env=env).json() == expected  # nothing changed

    added = run("user", "add", "clerk", "--role", "agent", env={
        **env, "STATION_USER": "admin", "STATION_NEW_PASSPHRASE": PASSPHRASE})
    assert added.code == 0, added.err
    clerk = {**env, "STATION_USER": "clerk"}
    denied = run("clock", "policy", "--red-points", "9", env=clerk)
    assert denied.code == 3 and "设置时限规则" in denied.err, denied.err
    assert run("clock", "policy", "--json", env=env).json() == expected
