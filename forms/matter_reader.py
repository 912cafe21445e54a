"""Reading a parsed catalogue file (a dict from TOML) into checked Matters."""

from __future__ import annotations

import re
from collections.abc import Mapping

from forms.errors import (
    BadCode,
    BadNationalCode,
    BadOfficePhone,
    CatalogueFileKey,
    CatalogueNoMatters,
    DuplicateCode,
    InvalidPhone,
    KeyUnknown,
    KindNotInstant,
    KindNotPromised,
    NotInteger,
    NotOneOf,
    NotTableList,
    OfficeNotInProcedure,
    PromisedOverLegal,
    SequentialOneOffice,
    StepsOverLegal,
    UnknownTemplate,
)
from forms.fields_reader import read_fields
from forms.identity import check_phone
from forms.materials_reader import read_materials
from forms.matter import DocumentTemplates, Matter, ProcedureStep
from forms.schema import (
    CODE_PATTERN,
    DEFAULT_TEMPLATES,
    DOCUMENT_TEMPLATES,
    FILE_KEYS,
    FLOWS,
    FORMAT_VERSION,
    MATTER_KEYS,
    MATTER_KINDS,
    MATTER_TYPES,
    NATIONAL_CODE_PATTERN,
    PROCEDURE_KEYS,
    TEMPLATE_KEYS,
    TIERS,
)
from forms.tables import Table, Where, valid_list


def load_catalogue_data(data: Mapping[str, object], filename: str) -> list[Matter]:
    """Check one parsed catalogue file; raises CatalogueInvalid naming file, matter, key."""
    for key in data:
        if key not in FILE_KEYS:
            raise CatalogueFileKey(
                file=filename, field=str(key), problem=KeyUnknown(valid=valid_list(FILE_KEYS))
            )
    version = data.get("format", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise CatalogueFileKey(file=filename, field="format", problem=NotInteger())
    if version != FORMAT_VERSION:
        raise CatalogueFileKey(
            file=filename,
            field="format",
            problem=NotOneOf(value=version, valid=str(FORMAT_VERSION)),
        )
    items = data.get("matter", [])
    if not isinstance(items, (list, tuple)) or not all(isinstance(m, Mapping) for m in items):
        raise CatalogueFileKey(file=filename, field="matter", problem=NotTableList())
    if not items:
        raise CatalogueNoMatters(file=filename)
    matters: list[Matter] = []
    for index, item in enumerate(items, 1):
        matter = read_matter(item, filename, index)
        if any(m.code == matter.code for m in matters):
            Where(filename, matter.code).fail("code", DuplicateCode(other=filename))
        matters.append(matter)
    return matters


def read_matter(data: Mapping[str, object], filename: str, index: int = 1) -> Matter:
    where = Where(filename, f"#{index}")
    code = data.get("code")
    if isinstance(code, str) and re.fullmatch(CODE_PATTERN, code.strip()):
        where.matter = code.strip()
    table = Table(where, data)
    table.check_keys(MATTER_KEYS)
    code = table.text("code")
    if not re.fullmatch(CODE_PATTERN, code):
        table.fail("code", BadCode())
    tier = table.one_of("tier", TIERS)
    offices = table.text_list("offices")
    legal_days = table.integer("legal_days", minimum=0)
    kind, promised_days = _kind_and_promise(table)
    if promised_days > legal_days:
        table.fail("promised_days", PromisedOverLegal(promised=promised_days, legal=legal_days))
    procedure = _read_procedure(where, table)
    limited = sum(step.days or 0 for step in procedure)
    if limited > legal_days:
        table.fail("procedure", StepsOverLegal(total=limited, legal=legal_days))
    for office in offices:
        if not any(step.tier == tier and step.office == office for step in procedure):
            table.fail("offices", OfficeNotInProcedure(office=office, tier=tier))
    flow = table.one_of("flow", FLOWS, default=FLOWS[0])
    if flow == "sequential" and len(offices) < 2:
        table.fail("flow", SequentialOneOffice())
    fields = read_fields(where, table)
    return Matter(
        code=code,
        name=table.text("name"),
        type=table.one_of("type", MATTER_TYPES),
        legal_basis=table.text("legal_basis"),
        offices=offices,
        tier=tier,
        acceptance_conditions=table.text_list("acceptance_conditions"),
        legal_days=legal_days,
        promised_days=promised_days,
        fee=table.text("fee"),
        result_document=table.text("result_document"),
        visits=table.integer("visits", minimum=0),
        special_procedures=table.text_list("special_procedures", required=False),
        procedure=procedure,
        materials=read_materials(where, table, fields),
        fields=fields,
        source=filename,
        templates=_read_templates(where, table),
        kind=kind,
        flow=flow,
        fee_basis=table.optional_text("fee_basis"),
        place=table.optional_text("place"),
        hours=table.optional_text("hours"),
        phone=_phone(table),
        national_code=_national_code(table),
    )


def _kind_and_promise(table: Table) -> tuple[str, int]:
    """办件类型 and 承诺时限: a 即办件 is promised 0 days (and may leave promised_days out);
    without ``kind`` it follows from promised_days."""
    kind = table.one_of("kind", MATTER_KINDS) if table.has("kind") else None
    if kind == "即办件" and not table.has("promised_days"):
        return kind, 0
    promised = table.integer("promised_days", minimum=0)
    if kind == "即办件" and promised != 0:
        table.fail("kind", KindNotInstant(days=promised))
    if kind == "承诺件" and promised == 0:
        table.fail("kind", KindNotPromised())
    return kind or ("即办件" if promised == 0 else "承诺件"), promised


def _phone(table: Table) -> str | None:
    """咨询电话: a landline with its area code or a mobile, as residents dial it."""
    if not table.has("phone"):
        return None
    text = table.text("phone")
    try:
        return check_phone(text)
    except InvalidPhone:
        table.fail("phone", BadOfficePhone())


def _national_code(table: Table) -> str | None:
    if not table.has("national_code"):
        return None
    code = table.text("national_code")
    if not re.fullmatch(NATIONAL_CODE_PATTERN, code):
        table.fail("national_code", BadNationalCode())
    return code


def _read_templates(where: Where, matter: Table) -> DocumentTemplates:
    """[matter.templates]: a known template of the right kind for each kind named."""
    if not matter.has("templates"):
        return DocumentTemplates()
    table = Table(where, matter.table("templates"), "templates")
    table.check_keys(TEMPLATE_KEYS)
    chosen = dict(DEFAULT_TEMPLATES)
    for kind in TEMPLATE_KEYS:
        if table.has(kind):
            name = table.text(kind)
            if name not in DOCUMENT_TEMPLATES[kind]:
                table.fail(kind, UnknownTemplate(value=name,
                                                 valid=valid_list(DOCUMENT_TEMPLATES[kind])))
            chosen[kind] = name
    return DocumentTemplates(**chosen)


def _read_procedure(where: Where, matter: Table) -> tuple[ProcedureStep, ...]:
    steps = []
    for index, data in enumerate(matter.tables("procedure"), 1):
        step = Table(where, data, f"procedure[{index}]")
        step.check_keys(PROCEDURE_KEYS)
        steps.append(
            ProcedureStep(
                name=step.text("name"),
                tier=step.one_of("tier", TIERS),
                office=step.text("office"),
                days=step.integer("days", minimum=0) if step.has("days") else None,
            )
        )
    return tuple(steps)
