"""Checks across the rows of an Excel 事项清单, and the catalogue data they make.

The cells are already typed (``forms.workbook_read``).  Here each row of 办理流程,
申请材料 and 表单字段 joins its matter by 事项编码, and everything the catalogue
loader checks within a matter is checked again in the workbook's words, so a
mistake names its cell: codes, time limits, steps and offices, field types and
their options, conditions, material counts.  A check that needs a cell which was
itself wrong is skipped (the first mistake is the one to fix).

``build`` returns one ``[[matter]]`` table per matter, in the TOML layout that
``forms.matter_reader.read_matter`` reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from forms.errors import (
    BadCode,
    BadIdentifier,
    BadNationalCode,
    BadOfficePhone,
    BadPattern,
    InvalidPhone,
)
from forms.identity import check_phone
from forms.schema import (
    CODE_PATTERN,
    FIELD_NAME_PATTERN,
    MATERIAL_MEDIA,
    NATIONAL_CODE_PATTERN,
    OPTIONS_TYPES,
    ORIGINAL_FORMS,
    PATTERN_TYPES,
    RANGE_TYPES,
)
from forms.workbook_columns import (
    CODE,
    FIELD_TYPE_CHOICES,
    FIELDS,
    LIST_SEPARATOR,
    MATERIALS,
    MATTERS,
    PROCEDURE,
    TIER_CHOICES,
)
from forms.workbook_errors import (
    CellNotChoice,
    CellRequired,
    ConditionBadValue,
    ConditionLaterField,
    ConditionNotChoiceField,
    ConditionUnknownField,
    CopiesMismatch,
    ElectronicMediaMissing,
    InstantPromised,
    LengthMaxZero,
    LengthNotWhole,
    MatterCodeRepeated,
    MatterCodeUnknown,
    MinAboveMax,
    NameRepeated,
    NoSteps,
    NotForFieldType,
    OfficeWithoutStep,
    OptionsNeeded,
    OriginalsMismatch,
    PromisedNotInstant,
    PromisedOverLegalDays,
    RequiredWithConditionCell,
    SequentialNeedsTwo,
    SequentialOrder,
    StepDaysOverLegal,
)
from forms.workbook_read import Problems, Row

TYPE_LABELS = dict((value, label) for label, value in FIELD_TYPE_CHOICES)
TIER_LABELS = dict((value, label) for label, value in TIER_CHOICES)


@dataclass
class Draft:
    """One matter being assembled: its row on 事项 and the rows that join it."""

    row: Row
    steps: list[Row] = field(default_factory=list)
    materials: list[Row] = field(default_factory=list)
    fields: list[Row] = field(default_factory=list)
    mentioned: int = 0  # rows of 办理流程 naming it, readable or not


def _labels(types: tuple[str, ...]) -> str:
    return LIST_SEPARATOR.join(TYPE_LABELS[t] for t in types)


def build(rows: Mapping[str, list[Row]], problems: Problems) -> list[tuple[Row, dict]]:
    """Each matter's row and its ``[[matter]]`` data; mistakes go to ``problems``."""
    drafts = _matters(rows[MATTERS.title], problems)
    for title, attach in ((PROCEDURE.title, "steps"), (MATERIALS.title, "materials"),
                          (FIELDS.title, "fields")):
        for row in rows[title]:
            code = row.text(CODE)
            if code is None:
                continue
            draft = drafts.get(code)
            if draft is None:
                problems.cell(row, CODE, MatterCodeUnknown(value=code))
                continue
            getattr(draft, attach).append(row)
    for row in rows[PROCEDURE.title]:
        if row.text(CODE) in drafts:
            drafts[str(row.text(CODE))].mentioned += 1
    return [(draft.row, _matter(draft, problems)) for draft in drafts.values()]


def _matters(rows: list[Row], problems: Problems) -> dict[str, Draft]:
    drafts: dict[str, Draft] = {}
    for row in rows:
        code = row.text(CODE)
        if code is None:
            continue
        if not re.fullmatch(CODE_PATTERN, code):
            problems.cell(row, CODE, BadCode())
            continue
        if code in drafts:
            problems.cell(row, CODE, MatterCodeRepeated(value=code, other=drafts[code].row.number))
            continue
        drafts[code] = Draft(row)
    return drafts


def _matter(draft: Draft, problems: Problems) -> dict:
    row = draft.row
    data: dict[str, object] = {}
    for key, value in row.values.items():
        if key.startswith("templates."):
            templates = data.setdefault("templates", {})
            assert isinstance(templates, dict)
            templates[key.split(".", 1)[1]] = value
        else:
            data[key] = value
    national = row.text("national_code")
    if national is not None and not re.fullmatch(NATIONAL_CODE_PATTERN, national):
        problems.cell(row, "national_code", BadNationalCode())
    phone = row.text("phone")
    if phone is not None:
        try:
            data["phone"] = check_phone(phone)
        except InvalidPhone:
            problems.cell(row, "phone", BadOfficePhone())
    _time_limits(row, data, problems)
    data["procedure"] = _steps(draft, problems)
    fields = _fields(draft, problems)
    data["fields"] = [data_of(r) for r in fields.values()]
    data["materials"] = _materials(draft, fields, problems)
    for key in ("fields", "materials"):
        if not data[key]:
            del data[key]
    return data


def data_of(row: Row) -> dict[str, object]:
    return {k: v for k, v in row.values.items() if k != CODE}


def _time_limits(row: Row, data: dict[str, object], problems: Problems) -> None:
    """承诺/法定办结时限 and 是否即办件 agree."""
    kind, legal, promised = row.get("kind"), row.get("legal_days"), row.get("promised_days")
    if "promised_days" in row.bad or "kind" in row.bad:
        return
    if promised is None:
        if kind == "即办件":
            promised = data["promised_days"] = 0
        else:
            problems.cell(row, "promised_days", CellRequired())
            return
    assert isinstance(promised, int)
    if kind == "即办件" and promised != 0:
        problems.cell(row, "kind", InstantPromised(days=promised))
    elif kind == "承诺件" and promised == 0:
        problems.cell(row, "kind", PromisedNotInstant())
    data.setdefault("kind", "即办件" if promised == 0 else "承诺件")
    if isinstance(legal, int) and promised > legal:
        problems.cell(row, "promised_days", PromisedOverLegalDays(promised=promised, legal=legal))


def _steps(draft: Draft, problems: Problems) -> list[dict[str, object]]:
    row = draft.row
    steps = [data_of(step) for step in draft.steps]
    if not draft.mentioned:
        problems.cell(row, CODE, NoSteps())
        return steps
    legal = row.get("legal_days")
    if isinstance(legal, int) and not any("days" in s.bad for s in draft.steps):
        total = sum(int(s.get("days") or 0) for s in draft.steps)  # type: ignore[call-overload]
        if total > legal:
            problems.cell(row, "legal_days", StepDaysOverLegal(total=total, legal=legal))
    complete = all(not s.bad for s in draft.steps)
    tier, offices, flow = row.get("tier"), row.get("offices"), row.get("flow")
    if not complete or not isinstance(tier, str) or not isinstance(offices, list):
        return steps
    for office in offices:
        if not any(s.get("tier") == tier and s.get("office") == office for s in draft.steps):
            problems.cell(row, "offices", OfficeWithoutStep(office=office,
                                                            tier=TIER_LABELS[tier]))
            return steps
    if flow == "sequential":
        if len(offices) < 2:
            problems.cell(row, "flow", SequentialNeedsTwo())
            return steps
        at_tier = [s.get("office") for s in draft.steps if s.get("tier") == tier]
        if sorted(offices, key=at_tier.index) != offices:
            problems.cell(row, "offices", SequentialOrder())
    return steps


def _fields(draft: Draft, problems: Problems) -> dict[str, Row]:
    """The readable field rows by name, in order; each row's mistakes reported."""
    earlier: dict[str, Row] = {}
    names = {row.text("name") for row in draft.fields}
    for row in draft.fields:
        name = row.text("name")
        if name is not None and not re.fullmatch(FIELD_NAME_PATTERN, name):
            problems.cell(row, "name", BadIdentifier())
        elif name is not None and name in earlier:
            problems.cell(row, "name", NameRepeated(value=name, other=earlier[name].number))
        _field_keys(row, problems)
        condition = row.get("visible_when")
        if isinstance(condition, dict):
            _condition(row, "visible_when", condition, earlier, names, problems)
        if name is not None and "name" not in row.bad:
            earlier[name] = row
    return earlier


def _field_keys(row: Row, problems: Problems) -> None:
    kind = row.text("type")
    if kind is None:
        return
    shown = TYPE_LABELS[kind]
    if row.get("pattern") is not None:
        if kind not in PATTERN_TYPES:
            problems.cell(row, "pattern", NotForFieldType(allowed=_labels(PATTERN_TYPES),
                                                          type=shown))
        else:
            try:
                re.compile(str(row.get("pattern")))
            except (re.error, OverflowError, RecursionError, ValueError) as error:
                problems.cell(row, "pattern", BadPattern(detail=str(error)))
    for key in ("min", "max"):
        value = row.get(key)
        if value is None:
            continue
        if kind not in RANGE_TYPES:
            problems.cell(row, key, NotForFieldType(allowed=_labels(RANGE_TYPES), type=shown))
        elif kind == "text" and (not float(value).is_integer() or float(value) < 0):  # type: ignore[arg-type]
            problems.cell(row, key, LengthNotWhole())
        elif kind == "text":
            row.values[key] = int(value)  # type: ignore[call-overload]
    low, high = row.get("min"), row.get("max")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
        problems.cell(row, "min", MinAboveMax(min=low, max=high))
    elif kind == "text" and high == 0:
        problems.cell(row, "max", LengthMaxZero())
    if kind in OPTIONS_TYPES and row.get("options") is None and "options" not in row.bad:
        problems.cell(row, "options", OptionsNeeded())
    elif kind not in OPTIONS_TYPES and row.get("options") is not None:
        problems.cell(row, "options", NotForFieldType(allowed=_labels(OPTIONS_TYPES), type=shown))


def _condition(row: Row, key: str, condition: dict[str, list[str]], fields: Mapping[str, Row],
               names: set[str | None] | set[str], problems: Problems) -> None:
    """Each named field is a readable earlier choice field, each value one of its options."""
    for name, values in condition.items():
        controller = fields.get(name)
        if controller is None:
            problem = ConditionLaterField if name in names else ConditionUnknownField
            problems.cell(row, key, problem(name=name))
            return
        kind, options = controller.get("type"), controller.get("options")
        if kind is None:
            return  # its own type is the mistake to fix first
        if kind != "choice":
            problems.cell(row, key, ConditionNotChoiceField(name=name))
            return
        if not isinstance(options, list):
            return
        for value in values:
            if value not in options:
                problems.cell(row, key, ConditionBadValue(
                    value=value, name=name, valid=LIST_SEPARATOR.join(options)))
                return


def _materials(draft: Draft, fields: Mapping[str, Row],
               problems: Problems) -> list[dict[str, object]]:
    seen: dict[str, Row] = {}
    every_field: set[str] = set(fields)
    materials = []
    for row in draft.materials:
        name = row.text("name")
        if name is not None and name in seen:
            problems.cell(row, "name", NameRepeated(value=name, other=seen[name].number))
        elif name is not None:
            seen[name] = row
        condition = row.get("required_when")
        if isinstance(condition, dict):
            _condition(row, "required_when", condition, fields, every_field, problems)
            if row.get("required") is True:
                problems.cell(row, "required", RequiredWithConditionCell())
            row.values.pop("required", None)
        elif row.get("required") is None and "required_when" not in row.bad \
                and "required" not in row.bad:
            problems.cell(row, "required", CellRequired())
        _counts(row, problems)
        materials.append(data_of(row))
    return materials


def _counts(row: Row, problems: Problems) -> None:
    """原件份数, 复印件份数 and 载体 agree with 材料形式; blanks get the form's defaults."""
    form = row.text("form")
    if form is None:
        return
    has_original = form in ORIGINAL_FORMS
    originals = row.values.setdefault("originals", 1 if has_original else 0)
    copies = row.values.setdefault("copies", 0 if form == "原件" else 1)
    if "originals" not in row.bad and (originals != 0) != has_original:
        problems.cell(row, "originals", OriginalsMismatch(form=form))
    if "copies" not in row.bad and (copies != 0) != (form != "原件"):
        problems.cell(row, "copies", CopiesMismatch(form=form))
    media = row.get("media")
    if isinstance(media, list):
        for value in media:
            if value not in MATERIAL_MEDIA:
                problems.cell(row, "media", CellNotChoice(
                    value=value, valid=LIST_SEPARATOR.join(MATERIAL_MEDIA)))
                return
        if form == "电子件" and "电子" not in media:
            problems.cell(row, "media", ElectronicMediaMissing())
