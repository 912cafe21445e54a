"""Property tests: whatever arrives, the forms package answers or raises its own errors."""

from __future__ import annotations

import contextlib
import math
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from forms import errors
from forms.catalogue import DATA_DIR, load_catalogue, load_catalogue_data, load_catalogue_text
from forms.identity import PROVINCE_CODES, check_phone, check_resident_id, mask_id
from forms.schema import FIELD_KEYS, MATERIAL_KEYS, MATTER_KEYS, PROCEDURE_KEYS
from forms.validate import validate_applicant, validate_form

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATALOGUE = load_catalogue()
SHIPPED = {p.name: tomllib.loads(p.read_text("utf-8")) for p in sorted(DATA_DIR.glob("*.toml"))}


# --- a small TOML writer: inline tables and arrays only --------------------------


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(type(value))


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in data.items())


def test_the_writer_round_trips_the_shipped_files() -> None:
    for name, data in SHIPPED.items():
        assert tomllib.loads(toml_document(data)) == data, name


# --- strategies -------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20)
KEYS = (
    st.sampled_from(sorted(set(MATTER_KEYS + MATERIAL_KEYS + FIELD_KEYS + PROCEDURE_KEYS))) | TEXT
)
SCALARS = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | TEXT
    | st.sampled_from(["township", "county", "村", "choice", "number", "原件", "可复用", ""])
    | st.dates()
    | st.times()
)
TOML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a parsed document that a mutation can touch."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def mutate(document: Any, path: tuple[Any, ...], change: Callable[[Any, Any], None]) -> None:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    change(parent, path[-1])


@st.composite
def broken_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A shipped file with a few values replaced, removed or added."""
    import copy

    document = copy.deepcopy(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))])
    for _ in range(draw(st.integers(1, 3))):
        where = [p for p in paths(document) if p]
        path = draw(st.sampled_from(where))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            new = draw(TOML_VALUES)
            mutate(document, path, lambda parent, key, new=new: parent.__setitem__(key, new))
        elif action == "remove":
            mutate(document, path, lambda parent, key: parent.__delitem__(key))
        else:
            key, new = draw(KEYS), draw(TOML_VALUES)

            def add(parent: Any, last: Any, key: str = key, new: Any = new) -> None:
                target = parent[last]
                if isinstance(target, dict):
                    target[key] = new
                elif isinstance(target, list):
                    target.append(new)

            mutate(document, path, add)
    return document


# --- the catalogue loader ---------------------------------------------------------


def outcome(load: Callable[[], list[Any]]) -> Any:
    try:
        return load()
    except errors.FormsError as error:  # anything else fails the test
        return type(error), str(error)


@FAST
@given(st.text())
def test_any_text_loads_or_raises_a_catalogue_error(text: str) -> None:
    outcome(lambda: load_catalogue_text(text, "any.toml"))


@FAST
@given(st.sampled_from(sorted(SHIPPED)), st.data())
def test_any_cut_of_a_shipped_file_loads_or_raises(name: str, data: st.DataObject) -> None:
    text = (DATA_DIR / name).read_text("utf-8")
    end = data.draw(st.integers(0, len(text)))
    outcome(lambda: load_catalogue_text(text[:end], name))


@FAST
@given(st.dictionaries(KEYS, TOML_VALUES, max_size=5))
def test_any_toml_shaped_dict_loads_or_raises(document: dict[str, Any]) -> None:
    outcome(lambda: load_catalogue_data(document, "dict.toml"))
    outcome(lambda: load_catalogue_data({"matter": [document]}, "dict.toml"))


@FAST
@given(broken_documents())
def test_a_broken_shipped_file_is_reported_the_same_from_dict_and_text(
    document: dict[str, Any],
) -> None:
    from_dict = outcome(lambda: load_catalogue_data(document, "m.toml"))
    from_text = outcome(lambda: load_catalogue_text(toml_document(document), "m.toml"))
    assert from_dict == from_text


# --- forms and applicants ---------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
LIKELY = (
    TEXT
    | st.integers(-5, 200)
    | st.sampled_from(
        [
            "2024-05-01",
            "2024/2/30",
            "11010519491231002X",
            "13800138000",
            "0775-1234567",
            "其他",
            "集中供养",
            "新生儿",
            "银行卡",
            " ",
            "",
        ]
    )
    | JSON
)
MATTERS = sorted(CATALOGUE.matters)


@FAST
@given(st.sampled_from(MATTERS), st.data())
def test_any_form_is_cleaned_or_invalid(code: str, data: st.DataObject) -> None:
    matter = CATALOGUE.get(code)
    names = [f.name for f in matter.fields]
    options = [o for f in matter.fields for o in f.options]
    values = data.draw(
        st.dictionaries(
            st.sampled_from(names) | TEXT, LIKELY | st.sampled_from(options), max_size=8
        )
    )
    try:
        cleaned = validate_form(matter, values)
    except errors.FormInvalid as error:
        problems = error.params["problems"]
        assert isinstance(problems, list) and problems
        assert all(isinstance(p, errors.FormsError) for p in problems)
        assert str(error)
        return
    assert set(cleaned) <= set(names)
    assert validate_form(matter, cleaned) == cleaned  # canonical values are stable


@FAST
@given(JSON)
def test_any_json_form_is_cleaned_or_invalid(values: Any) -> None:
    for matter in CATALOGUE:
        with contextlib.suppress(errors.FormInvalid):
            validate_form(matter, values)


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "name": LIKELY,
            "id_number": LIKELY,
            "phone": LIKELY,
            "address": LIKELY,
            "sex": st.sampled_from(["男", "女"]) | LIKELY,
            "birth_date": LIKELY,
        },
    )
    | JSON
)
def test_any_applicant_is_checked_or_invalid(data: Any) -> None:
    try:
        applicant = validate_applicant(data)
    except errors.FormInvalid as error:
        assert error.params["count"] == len(error.params["problems"])  # type: ignore[arg-type]
        return
    assert validate_applicant(applicant.to_json()) == applicant


# --- identifiers ------------------------------------------------------------------


@FAST
@given(
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(0, 9999),
    st.dates(min_value=date(1900, 1, 1), max_value=date.today()),
    st.integers(0, 999),
)
def test_generated_id_numbers_are_accepted(
    province: str, area: int, born: date, sequence: int
) -> None:
    first17 = f"{province}{area:04d}{born:%Y%m%d}{sequence:03d}"
    number = first17 + ric.calc_check_digit(first17 + "0")
    resident = check_resident_id(number.lower())
    assert resident.number == number
    assert resident.birth_date == born
    assert resident.sex == ("男" if sequence % 2 else "女")
    masked = mask_id(number)
    assert len(masked) == 18 and masked[:4] == number[:4] and masked[-4:] == number[-4:]
    wrong = first17 + ("0" if number[-1] != "0" else "1")
    try:
        check_resident_id(wrong)
    except errors.ResidentIdChecksum:
        pass
    else:
        raise AssertionError("a wrong check character was accepted")


@FAST
@given(TEXT | st.from_regex(r"[0-9Xx ]{15,20}", fullmatch=True))
def test_any_text_is_an_id_or_an_id_problem(text: str) -> None:
    with contextlib.suppress(errors.InvalidResidentId):
        check_resident_id(text)


@FAST
@given(TEXT | st.from_regex(r"\+?[0-9 ()-]{5,16}", fullmatch=True))
def test_any_text_is_a_phone_or_a_phone_problem(text: str) -> None:
    try:
        normal = check_phone(text)
    except errors.InvalidPhone:
        return
    assert check_phone(normal) == normal
