"""Reading [[matter.fields]]: the form's values, their checks and visibility."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from forms.errors import (
    BadIdentifier,
    BadPattern,
    Blank,
    DuplicateValue,
    KeyNotForType,
    MinOverMax,
    OptionsMissing,
    TooSmallValue,
    VisibleBadOption,
    VisibleNotChoice,
    VisibleNotEarlier,
    VisibleUnknownField,
)
from forms.matter import FieldSpec
from forms.schema import (
    FIELD_KEYS,
    FIELD_NAME_PATTERN,
    FIELD_TYPES,
    OPTIONS_TYPES,
    PATTERN_TYPES,
    RANGE_TYPES,
)
from forms.tables import Table, Where, valid_list


def read_fields(where: Where, matter: Table) -> tuple[FieldSpec, ...]:
    items = matter.tables("fields", required=False)
    all_names = {n.strip() for item in items if isinstance(n := item.get("name"), str)}
    earlier: dict[str, FieldSpec] = {}
    for index, item in enumerate(items, 1):
        spec = _read_field(where, item, index, earlier, all_names)
        if spec.name in earlier:
            matter.fail("fields", DuplicateValue(value=spec.name))
        earlier[spec.name] = spec
    return tuple(earlier.values())


def _read_field(
    where: Where,
    data: Mapping[str, object],
    index: int,
    earlier: Mapping[str, FieldSpec],
    all_names: set[str],
) -> FieldSpec:
    raw_name = data.get("name")
    prefix = f"fields[#{index}]"
    if isinstance(raw_name, str) and re.fullmatch(FIELD_NAME_PATTERN, raw_name.strip()):
        prefix = f"fields[{raw_name.strip()}]"
    table = Table(where, data, prefix)
    table.check_keys(FIELD_KEYS)
    name = table.text("name")
    if not re.fullmatch(FIELD_NAME_PATTERN, name):
        table.fail("name", BadIdentifier())
    kind = table.one_of("type", FIELD_TYPES)
    pattern = _pattern(table, kind)
    low, high = _range(table, kind)
    return FieldSpec(
        name=name,
        label=table.text("label"),
        type=kind,
        required=table.boolean("required", default=True),
        pattern=pattern,
        min=low,
        max=high,
        options=_options(table, kind),
        visible_when=_visible_when(table, earlier, all_names),
        help=table.optional_text("help"),
    )


def _only_for(table: Table, key: str, kind: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``key`` is given; a mistake when the field type cannot use it."""
    if not table.has(key):
        return False
    if kind not in allowed:
        table.fail(key, KeyNotForType(allowed=valid_list(allowed), type=kind))
    return True


def _pattern(table: Table, kind: str) -> str | None:
    if not _only_for(table, "pattern", kind, PATTERN_TYPES):
        return None
    pattern = table.text("pattern")
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as error:
        table.fail("pattern", BadPattern(detail=str(error)))
    return pattern


def _range(table: Table, kind: str) -> tuple[int | float | None, int | float | None]:
    bounds: list[int | float | None] = []
    for key in ("min", "max"):
        if not _only_for(table, key, kind, RANGE_TYPES):
            bounds.append(None)
        elif kind == "text":  # a length in characters
            bounds.append(table.integer(key, minimum=0))
        else:
            bounds.append(table.number(key))
    low, high = bounds
    if low is not None and high is not None and low > high:
        table.where.fail(table.prefix, MinOverMax(min=low, max=high))
    if kind == "text" and high == 0:
        table.fail("max", TooSmallValue(min=1))
    return low, high


def _options(table: Table, kind: str) -> tuple[str, ...]:
    if kind in OPTIONS_TYPES and not table.has("options"):
        table.fail("options", OptionsMissing())
    if not _only_for(table, "options", kind, OPTIONS_TYPES):
        return ()
    return table.text_list("options")


def _visible_when(
    table: Table, earlier: Mapping[str, FieldSpec], all_names: set[str]
) -> Mapping[str, tuple[str, ...]] | None:
    """{other_field = [values]}: shown only when each named choice holds a listed value."""
    if not table.has("visible_when"):
        return None
    conditions = table.table("visible_when")
    if not conditions:
        table.fail("visible_when", Blank())
    inner = Table(table.where, conditions, table.path("visible_when"))
    result: dict[str, tuple[str, ...]] = {}
    for other in conditions:
        name = str(other)
        if name not in earlier:
            problem = VisibleNotEarlier if other in all_names else VisibleUnknownField
            table.fail("visible_when", problem(name=name))
        controller = earlier[name]
        if controller.type != "choice":
            table.fail("visible_when", VisibleNotChoice(name=name))
        values = (
            (inner.text(name),) if isinstance(conditions[other], str) else (inner.text_list(name))
        )
        for value in values:
            if value not in controller.options:
                inner.fail(
                    name,
                    VisibleBadOption(value=value, name=name, valid=valid_list(controller.options)),
                )
        result[name] = values
    return MappingProxyType(result)
