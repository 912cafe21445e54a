"""What the CLI and the window call: open the hub database beside this node (or at a
given address), bring the case facts up to date, and read a report or the board.
For the admins and auditors of a township or county node."""

from __future__ import annotations

from datetime import date, datetime

import peewee
from peewee import Database

from keys.ca import CHINA_TIME
from station.app import Station
from station.casework.clock_policy import card_rule_from_settings, policy_from_settings
from station.errors import StationError
from station.hubops.audit import open_hub_database
from station.i18n import _
from station.supervision import facts
from station.supervision.board import read_board
from station.supervision.board_shapes import Board, CardRule, CaseDetail
from station.supervision.detail import case_detail
from station.supervision.figures import COUNTY, STATION, TOWNSHIP, MonthlyReport, Scope
from station.supervision.monthly import (
    CountyScopeOnly,
    ScopeCodeNeeded,
    ScopeKindUnknown,
    ScopeOutside,
    monthly_report,
)
from station.supervision.names import Names
from station.trust import users
from sync import lifecycle

ROLES = ("admin", "auditor")


class HubDatabaseUnreachable(StationError):
    """读不了枢纽站数据库：{reason}。请检查数据库地址和网络，或稍后再试。"""

    exit_code = 5


class NotAnOffice(StationError):
    """电子监察和月通报只在乡镇、县级的站点使用：本站是村级服务站。"""


def can_supervise(station: Station) -> bool:
    """The 监察 and 月通报 screens are for township and county admins and auditors."""
    if station.node.tier not in ("township", "county"):
        return False
    try:
        users.require_role(station, "supervise", *ROLES)
    except StationError:
        return False
    return True


def today_in_china() -> date:
    return datetime.now(CHINA_TIME).date()


def open_fresh(station: Station, url: str | None, today: date) -> Database:
    """The hub database with its case facts brought up to ``today``."""
    users.require_role(station, "supervise", *ROLES)
    if station.node.tier not in ("township", "county"):
        raise NotAnOffice()
    try:
        db = open_hub_database(station, url)
        facts.refresh(db, station.catalogue, station.calendar, policy_from_settings(), today)
    except peewee.OperationalError as error:  # a server that does not answer, a locked file
        raise HubDatabaseUnreachable(reason=str(error).splitlines()[0][:200]) from error
    return db


def scope_for(station: Station, kind: str | None, code: str | None, names: Names) -> Scope:
    """The scope asked for, checked against this node: a township sees its own subtree."""
    node = station.node
    kind = kind or (COUNTY if node.tier == "county" else TOWNSHIP)
    if kind == COUNTY:
        if node.tier != "county":
            raise CountyScopeOnly()
        return Scope(COUNTY, node.code, node.name)
    if not code:
        if kind == TOWNSHIP and node.tier == "township":
            return Scope(TOWNSHIP, node.code, node.name)
        raise ScopeCodeNeeded()
    code = code.strip()
    if kind == TOWNSHIP:
        ok = (len(code) == 12 and code.isdigit() and code.endswith("000")
              and code[6:9] != "000" and code[:6] == node.code[:6]
              and (node.tier == "county" or code == node.code))
    elif kind == STATION:
        ok = (len(code) == 12 and code.isdigit() and not code.endswith("000")
              and (lifecycle.county_of(code) == node.code if node.tier == "county"
                   else lifecycle.township_of(code) == node.code))
    else:
        raise ScopeKindUnknown(scope=kind)
    if not ok:
        raise ScopeOutside(code=code, what=_("乡镇") if kind == TOWNSHIP else _("村站"))
    return Scope(kind, code, names.node(code))


def monthly(station: Station, month: str, scope: str | None = None, code: str | None = None,
            url: str | None = None, today: date | None = None) -> MonthlyReport:
    """The 月通报 for ``month`` ("2026-11") over ``scope`` ("county", "township" or
    "station"; ``code`` names the township or station; None: this node's own area).
    Raises a StationError with a Chinese message for a bad month, an unknown code or
    a scope outside this hub."""
    today = today or today_in_china()
    db = open_fresh(station, url, today)
    names = Names.read(db, station)
    chosen = scope_for(station, scope, code, names)
    return monthly_report(db, month, chosen, station.calendar, names.shown, today)


def own_area(station: Station) -> Scope | None:
    """What this node supervises: a township its subtree, a county its whole hub."""
    node = station.node
    return Scope(TOWNSHIP, node.code, node.name) if node.tier == "township" else None


def board(station: Station, url: str | None = None, today: date | None = None,
          office: str | None = None, station_code: str | None = None,
          rule: CardRule | None = None) -> Board:
    """Today's 监察 board, optionally narrowed to one office ("node:office") or one
    filing station."""
    today = today or today_in_china()
    rule = rule or card_rule_from_settings(station)
    db = open_fresh(station, url, today)
    return read_board(db, today, Names.read(db, station), station.calendar, rule,
                      own_area(station), office, station_code)


def case_steps(station: Station, case_no: str, url: str | None = None,
               today: date | None = None) -> CaseDetail:
    """One case of the board: its clock, its timed stages and its steps (headers only)."""
    users.require_role(station, "supervise", *ROLES)
    today = today or today_in_china()
    db = open_hub_database(station, url)
    return case_detail(db, case_no, station.catalogue, station.calendar,
                       policy_from_settings(), Names.read(db, station), today)
