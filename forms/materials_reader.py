"""Reading [[matter.materials]]: what the resident brings, how, and when it is needed."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from forms.errors import (
    Blank,
    ConditionNotChoice,
    CopiesFormMismatch,
    DuplicateValue,
    ElectronicNotAllowed,
    NotOneOf,
    OriginalsFormMismatch,
    RequiredWithCondition,
    TooLargeValue,
    VisibleBadOption,
    VisibleUnknownField,
)
from forms.matter import FieldSpec, MaterialSpec
from forms.schema import (
    MATERIAL_FORMS,
    MATERIAL_KEYS,
    MATERIAL_MEDIA,
    MATERIAL_SOURCES,
    ORIGINAL_FORMS,
    REUSE_MONTHS_MAX,
)
from forms.tables import Table, Where, valid_list


def read_materials(
    where: Where, matter: Table, fields: tuple[FieldSpec, ...]
) -> tuple[MaterialSpec, ...]:
    by_name = {spec.name: spec for spec in fields}
    materials: list[MaterialSpec] = []
    for index, data in enumerate(matter.tables("materials", required=False), 1):
        name = data.get("name")
        label = name.strip() if isinstance(name, str) and name.strip() else f"#{index}"
        table = Table(where, data, f"materials[{label}]")
        table.check_keys(MATERIAL_KEYS)
        material = _read_material(table, by_name)
        if any(m.name == material.name for m in materials):
            matter.fail("materials", DuplicateValue(value=material.name))
        materials.append(material)
    return tuple(materials)


def _read_material(table: Table, fields: Mapping[str, FieldSpec]) -> MaterialSpec:
    condition = _required_when(table, fields)
    if condition is not None and table.has("required"):
        table.fail("required", RequiredWithCondition())
    form = table.one_of("form", MATERIAL_FORMS)
    originals, copies = _counts(table, form)
    return MaterialSpec(
        name=table.text("name"),
        required=False if condition is not None else table.boolean("required"),
        form=form,
        copies=copies,
        source=table.one_of("source", MATERIAL_SOURCES, default=MATERIAL_SOURCES[0]),
        note=table.optional_text("note"),
        required_when=condition,
        media=_media(table, form),
        originals=originals,
        issuer=table.optional_text("issuer"),
        reuse_months=_reuse_months(table),
    )


def _reuse_months(table: Table) -> int | None:
    """可复用期限 in months (1 … REUSE_MONTHS_MAX), or None: not reusable."""
    if not table.has("reuse_months"):
        return None
    months = table.integer("reuse_months", minimum=1)
    if months > REUSE_MONTHS_MAX:
        table.fail("reuse_months", TooLargeValue(max=REUSE_MONTHS_MAX))
    return months


def _counts(table: Table, form: str) -> tuple[int, int]:
    """(originals, copies); ``copies`` stays the number of pieces of ``form`` (份数), so
    for a 原件 it equals ``originals``.  Written with ``originals``, the file's ``copies``
    counts photocopies: 0 for a 原件 (its default), at least 1 for the other forms."""
    if not table.has("originals"):
        copies = table.integer("copies", minimum=1, default=1)
        originals = copies if form == "原件" else 1 if form in ORIGINAL_FORMS else 0
        return originals, copies
    originals = table.integer("originals", minimum=0)
    if (originals > 0) != (form in ORIGINAL_FORMS):
        table.fail("originals", OriginalsFormMismatch(form=form))
    photocopies = table.integer("copies", minimum=0, default=0 if form == "原件" else 1)
    if (photocopies > 0) != (form != "原件"):
        table.fail("copies", CopiesFormMismatch(form=form))
    return originals, originals if form == "原件" else photocopies


def _media(table: Table, form: str) -> tuple[str, ...]:
    """纸质 and/or 电子; by default what the form implies."""
    if not table.has("media"):
        return ("电子",) if form == "电子件" else ("纸质",)
    media = table.text_list("media")
    for value in media:
        if value not in MATERIAL_MEDIA:
            table.fail("media", NotOneOf(value=value, valid=valid_list(MATERIAL_MEDIA)))
    if form == "电子件" and "电子" not in media:
        table.fail("media", ElectronicNotAllowed())
    return tuple(v for v in MATERIAL_MEDIA if v in media)


def _required_when(
    table: Table, fields: Mapping[str, FieldSpec]
) -> Mapping[str, tuple[str, ...]] | None:
    """{choice_field = [values]}: required only while each named field holds a listed value."""
    if not table.has("required_when"):
        return None
    conditions = table.table("required_when")
    if not conditions:
        table.fail("required_when", Blank())
    inner = Table(table.where, conditions, table.path("required_when"))
    result: dict[str, tuple[str, ...]] = {}
    for other in conditions:
        name = str(other)
        controller = fields.get(name)
        if controller is None:
            table.fail("required_when", VisibleUnknownField(name=name))
        if controller.type != "choice":
            table.fail("required_when", ConditionNotChoice(name=name))
        values = (
            (inner.text(name),) if isinstance(conditions[other], str) else inner.text_list(name)
        )
        for value in values:
            if value not in controller.options:
                inner.fail(
                    name,
                    VisibleBadOption(value=value, name=name, valid=valid_list(controller.options)),
                )
        result[name] = values
    return MappingProxyType(result)
