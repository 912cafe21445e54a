"""管理 → 时限规则 in the window (real Tk under Xvfb, the demo county's real store):
the card points show, a bad value is refused in Chinese and changes nothing (not even
the other fields saved with it), good values are kept and logged."""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk
from gui import find_widget, keep, pump
from test_gui_admin import message_of, open_admin
from test_gui_sync import log_in

from station.casework.clock_policy import (
    CARD_RULE_SET,
    card_rule_from_settings,
    policy_from_settings,
)
from station.clock.cards import CardRule
from station.clock.deadlines import ClockPolicy
from station.demo.demo_network import ADMIN, COUNTY, DemoNetwork
from station.store.models import Event
from station.ui.screens.admin_clock import ClockPanel


def typed(panel: ClockPanel, **values: str) -> None:
    for key, value in values.items():
        panel.fields[key].delete(0, tk.END)
        panel.fields[key].insert(0, value)


def test_the_card_points_are_set_in_the_window_and_bad_ones_change_nothing(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        panel = open_admin(app).show("clock")
        assert isinstance(panel, ClockPanel)
        pump(app.root, lambda: panel.fields["red_points"].get() != "", what="the card rule")
        assert (panel.fields["red_points"].get(), panel.fields["yellow_points"].get()) == \
            ("2", "0.5")
        save = find_widget(panel, ttk.Button, "保存时限规则")
        for fields, refusal in (({"red_points": "3", "yellow_points": ""}, "黄牌扣分“”不正确"),
                                ({"yellow": "0.6", "yellow_points": "半分"},
                                 "黄牌扣分“半分”不正确"),
                                ({"yellow": "0.6", "red_points": "-1"}, "红牌扣分“-1”不正确")):
            typed(panel, **{"red_points": "2", "yellow_points": "0.5", **fields})
            save.invoke()  # type: ignore[attr-defined]
            pump(app.root, lambda r=refusal: r in message_of(panel), what=f"the refusal {refusal}")
        keep(app.root, "admin-card-rule-refused")
        typed(panel, yellow="0.8", red_points="3", yellow_points="1.5")
        save.invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "每张红牌扣 3 分，每张黄牌扣 1.5 分" in message_of(panel)
             and panel.fields["red_points"].get() == "3", what="the saved card rule")
    finally:
        app.close()

    with net.open(net.county) as county:
        assert card_rule_from_settings(county) == CardRule(3.0, 1.5)
        assert policy_from_settings() == ClockPolicy()  # the refused 0.6 was never saved
        logged = [e.payload for e in Event.select().where(Event.type == CARD_RULE_SET)]
    assert logged == [{"red_points": 3.0, "yellow_points": 1.5}]
