"""Reading a parsed catalogue file (a dict from TOML) into checked Matters."""

from __future__ import annotations

import re
from collections.abc import Mapping

from forms.errors import (
    BadCode,
    CatalogueFileKey,
    CatalogueNoMatters,
    DuplicateCode,
    DuplicateValue,
    KeyUnknown,
    NotInteger,
    NotOneOf,
    NotTableList,
    OfficeNotInProcedure,
    PromisedOverLegal,
    UnknownTemplate,
)
from forms.fields_reader import read_fields
from forms.matter import DocumentTemplates, MaterialSpec, Matter, ProcedureStep
from forms.schema import (
    CODE_PATTERN,
    DEFAULT_TEMPLATES,
    DOCUMENT_TEMPLATES,
    FILE_KEYS,
    FORMAT_VERSION,
    MATERIAL_FORMS,
    MATERIAL_KEYS,
    MATERIAL_SOURCES,
    MATTER_KEYS,
    MATTER_TYPES,
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
    promised_days = table.integer("promised_days", minimum=0)
    if promised_days > legal_days:
        table.fail("promised_days", PromisedOverLegal(promised=promised_days, legal=legal_days))
    procedure = _read_procedure(where, table)
    for office in offices:
        if not any(step.tier == tier and step.office == office for step in procedure):
            table.fail("offices", OfficeNotInProcedure(office=office, tier=tier))
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
        materials=_read_materials(where, table),
        fields=read_fields(where, table),
        source=filename,
        templates=_read_templates(where, table),
    )


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
                name=step.text("name"), tier=step.one_of("tier", TIERS), office=step.text("office")
            )
        )
    return tuple(steps)


def _read_materials(where: Where, matter: Table) -> tuple[MaterialSpec, ...]:
    materials: list[MaterialSpec] = []
    for index, data in enumerate(matter.tables("materials", required=False), 1):
        name = data.get("name")
        label = name.strip() if isinstance(name, str) and name.strip() else f"#{index}"
        table = Table(where, data, f"materials[{label}]")
        table.check_keys(MATERIAL_KEYS)
        material = MaterialSpec(
            name=table.text("name"),
            required=table.boolean("required"),
            form=table.one_of("form", MATERIAL_FORMS),
            copies=table.integer("copies", minimum=1, default=1),
            source=table.one_of("source", MATERIAL_SOURCES, default=MATERIAL_SOURCES[0]),
            note=table.optional_text("note"),
        )
        if any(m.name == material.name for m in materials):
            matter.fail("materials", DuplicateValue(value=material.name))
        materials.append(material)
    return tuple(materials)
