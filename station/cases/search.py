"""One search box for a village desk: read what the agent typed and decide.

Accepted (anything else raises ``SearchNotUnderstood``, whose message says this):

- a whole 18-character ID number: the ID's blind index (``find_by_id_number``);
- 4 digits alone: the last digits of a case number of the last year;
- 4 characters of an ID or phone tail (digits, an ID may end in X) with a birth year
  (``1234 1956``) or a surname (``1234 王``): the partial keys of ``search_keys.py``,
  for the ID tail and the phone tail at once (the agent rarely knows which it is);
- part of a name (at least one Chinese character, no digits): the residents with a
  case filed in the last ``NAME_DAYS`` days whose name holds every character typed
  (``name-char`` keys, intersected in SQL), at most ``NAME_CANDIDATES`` of them; only
  those names are decrypted, to keep the ones that contain the text as typed.  A
  whole name is also found in earlier years (the name index, as ``find_by_name``).

Every search is recorded as one ``access.searched`` event (阅览留痕); input that is
not understood records nothing and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from keys.errors import DecryptionFailed
from station.app import Station
from station.cases import register
from station.cases.register import CaseSummary, find_by_case_tail, find_by_id_number
from station.errors import StationError, StoreDamaged
from station.i18n import N_
from station.store import search_keys
from station.store.models import Applicant, Case, SearchKey
from station.store.names import normalise_name

NAME_DAYS = 366  # part of a name is looked for among the cases of the last year
NAME_CANDIDATES = 500  # at most this many residents' names are decrypted per search
EARLIEST_BIRTH_YEAR = 1890

ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
CASE_TAIL = re.compile(r"^\d{4}$")
TAIL_WITH = re.compile(r"^(\d{3}[\dX])\s*(\d{4}|[^\d\s]{1,2})$")
DIGIT = re.compile(r"\d")

TOO_MANY = N_("结果太多，只列出了一部分：请多输入几个字或加上出生年份。")
PARTIAL = N_("升级后正在为以前的居民建立检索，结果可能不全；"
             "用完整身份证号查找不受影响，请稍后再查。")


class SearchNotUnderstood(StationError):
    """看不懂要查找什么。可输入：完整身份证号；身份证或手机号后四位加出生年份（如 1234 1956）或姓氏（如 1234 王）；姓名中的一两个字（如 秀英）；办件编号末 4 位。"""  # noqa: E501

    exit_code = 4


@dataclass(frozen=True)
class Query:
    """What the agent typed, understood: ``kind`` is one of KINDS."""

    kind: str
    text: str  # normalised: the ID number, the digits, or the part of a name
    tail: str = ""
    year: str = ""
    surname: str = ""


ID = "id_number"
TAIL_YEAR = "tail_year"
TAIL_SURNAME = "tail_surname"
NAME_PART = "name_part"
KINDS = (ID, "case_tail", TAIL_YEAR, TAIL_SURNAME, NAME_PART)


@dataclass(frozen=True)
class SearchResult:
    kind: str
    items: list[CaseSummary] = field(default_factory=list)
    capped: bool = False  # more candidates than NAME_CANDIDATES: say so (TOO_MANY)
    partial: bool = False  # the search keys of older residents are still being written

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "capped": self.capped, "partial": self.partial,
                "cases": [item.to_json() for item in self.items]}


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"


def read_query(typed: str, today: date | None = None) -> Query:
    """Decide what ``typed`` asks for; raises SearchNotUnderstood otherwise."""
    text = normalise_name(typed).upper()  # NFKC: full-width digits and letters too
    if ID_NUMBER.match(text):
        return Query(ID, text)
    if CASE_TAIL.match(text):
        return Query("case_tail", text)
    spaced = " ".join(normalise_name(part).upper() for part in typed.split())
    tail = TAIL_WITH.match(spaced) or TAIL_WITH.match(text)
    if tail:
        digits, detail = tail.groups()
        this_year = (today or date.today()).year
        if detail.isdigit() and EARLIEST_BIRTH_YEAR <= int(detail) <= this_year:
            return Query(TAIL_YEAR, text, tail=digits, year=detail)
        if all(_is_cjk(char) for char in detail):
            return Query(TAIL_SURNAME, text, tail=digits, surname=detail)
    if not DIGIT.search(text) and any(_is_cjk(char) for char in text):
        return Query(NAME_PART, normalise_name(typed))
    raise SearchNotUnderstood()


def search(station: Station, typed: str, today: date | None = None) -> SearchResult:
    """Read ``typed`` and run the search it asks for (recorded as one access event)."""
    query = read_query(typed, today)
    return run_query(station, query, today)


def run_query(station: Station, query: Query, today: date | None = None) -> SearchResult:
    if query.kind == ID:
        return SearchResult(ID, find_by_id_number(station, query.text))
    if query.kind == "case_tail":
        return SearchResult(query.kind, find_by_case_tail(station, query.text, today))
    ready = station.search_keys_ready()  # before the search: keys written after count
    if query.kind in (TAIL_YEAR, TAIL_SURNAME):
        result = _by_tail(station, query)
    else:
        result = _by_name_part(station, query, today or date.today())
    return result if ready else replace(result, partial=True)


def _names_that(people: list[str], keep: Callable[[str], bool]) -> list[str]:
    """The residents among ``people`` (a bounded list) whose normalised name ``keep``s:
    the only names a search decrypts."""
    try:
        return [person.id for person in
                Applicant.select(Applicant.id, Applicant.name).where(Applicant.id.in_(people))
                if keep(normalise_name(person.name))]
    except DecryptionFailed as error:
        raise StoreDamaged(detail=error) from error


def _by_tail(station: Station, query: Query) -> SearchResult:
    index = station.index
    if query.kind == TAIL_YEAR:
        purposes, detail = (search_keys.ID_TAIL_YEAR, search_keys.PHONE_TAIL_YEAR), query.year
    else:
        purposes = (search_keys.ID_TAIL_SURNAME, search_keys.PHONE_TAIL_SURNAME)
        detail = search_keys.surname_of(query.surname)
    keys = [search_keys.tail_key(index, purpose, query.tail, detail) for purpose in purposes]
    rows = station.db.execute_sql(
        f'SELECT DISTINCT "applicant_id" FROM "{SearchKey._meta.table_name}"'
        f' WHERE "key" IN ({", ".join("?" * len(keys))})', keys).fetchall()
    people = [str(row[0]) for row in rows]
    if len(query.surname) > 1:  # a compound surname: keep the names that start with it
        people = _names_that(people, lambda name: name.startswith(query.surname))
    items = register.find_cases(station, Case.applicant.in_(people), query.kind)
    return SearchResult(query.kind, items)


def _by_name_part(station: Station, query: Query, today: date) -> SearchResult:
    characters = sorted(search_keys.name_characters(query.text))
    keys = [station.index.index(search_keys.NAME_CHAR, char) for char in characters]
    since = (today - timedelta(days=NAME_DAYS)).isoformat()
    marks = ", ".join("?" * len(keys))
    # Residents holding every character (one key row per distinct character), with a
    # case in the last year; at most one more than the cap, to know it was reached.
    rows = station.db.execute_sql(
        'SELECT "who" FROM (SELECT "applicant_id" AS "who" FROM "search_key"'
        f' WHERE "key" IN ({marks}) GROUP BY "applicant_id" HAVING COUNT(*) = ?)'
        ' WHERE EXISTS (SELECT 1 FROM "cases" c WHERE c."applicant_id" = "who"'
        ' AND c."filed_at" >= ?) LIMIT ?',
        (*keys, len(keys), since, NAME_CANDIDATES + 1)).fetchall()
    capped = len(rows) > NAME_CANDIDATES
    candidates = [row[0] for row in rows[:NAME_CANDIDATES]]
    wanted = normalise_name(query.text)
    people = _names_that(candidates, lambda name: wanted in name)
    # A whole name is still found in every year, through the name index (find_by_name).
    # Both terms on cases.applicant_id, so SQLite answers each through its index.
    whole = Applicant.select(Applicant.id).where(
        Applicant.name_index == station.index.index("name", wanted))
    items = register.find_cases(
        station, (Case.applicant.in_(people) & (Case.filed_at >= since))
        | Case.applicant.in_(whole), NAME_PART,
        {"candidates": len(candidates), "capped": capped})
    return SearchResult(NAME_PART, items, capped)
