"""A service matter (事项) as the catalogue describes it: frozen, JSON-ready."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from forms.errors import UnknownMaterial
from forms.schema import DEFAULT_TEMPLATES, TEMPLATE_KEYS


@dataclass(frozen=True)
class MaterialSpec:
    """One 申请材料: what the resident brings or the station looks up."""

    name: str
    required: bool
    form: str  # 原件 / 复印件 / 原件及复印件 / 电子件
    copies: int
    source: str  # 申请人提供 / 其他部门核发 / 可复用
    note: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "required": self.required,
            "form": self.form,
            "copies": self.copies,
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class FieldSpec:
    """One value of the form; ``name`` is its key in filled-form JSON files."""

    name: str
    label: str
    type: str
    required: bool = True
    pattern: str | None = None
    min: int | float | None = None  # for text: the length
    max: int | float | None = None
    options: tuple[str, ...] = ()
    # Shown only when every named choice field holds one of the listed values.
    visible_when: Mapping[str, tuple[str, ...]] | None = field(default=None, hash=False)
    help: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "pattern": self.pattern,
            "min": self.min,
            "max": self.max,
            "options": list(self.options),
            "visible_when": (
                None
                if self.visible_when is None
                else {k: list(v) for k, v in self.visible_when.items()}
            ),
            "help": self.help,
        }


@dataclass(frozen=True)
class ProcedureStep:
    """One step of 办理流程: what is done, at which tier, by which office."""

    name: str
    tier: str
    office: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "tier": self.tier, "office": self.office}


@dataclass(frozen=True)
class DocumentTemplates:
    """The document template of each kind of document a matter's cases get.

    Kinds: ``approve`` (准予决定), ``reject`` (不予批准决定), ``refuse``
    (不予受理), ``supplement`` (补齐补正), ``special`` (特别程序), ``accept``
    (受理), ``extend`` (延期), ``service`` (送达回证).  Names are
    those of ``forms.schema.DOCUMENT_TEMPLATES``.
    """

    approve: str = DEFAULT_TEMPLATES["approve"]
    reject: str = DEFAULT_TEMPLATES["reject"]
    refuse: str = DEFAULT_TEMPLATES["refuse"]
    supplement: str = DEFAULT_TEMPLATES["supplement"]
    special: str = DEFAULT_TEMPLATES["special"]
    accept: str = DEFAULT_TEMPLATES["accept"]
    extend: str = DEFAULT_TEMPLATES["extend"]
    service: str = DEFAULT_TEMPLATES["service"]

    def for_kind(self, kind: str) -> str:
        """The template name for ``kind`` (one of ``TEMPLATE_KEYS``)."""
        if kind not in TEMPLATE_KEYS:
            raise ValueError(f"no document kind {kind!r}; kinds: {', '.join(TEMPLATE_KEYS)}")
        return str(getattr(self, kind))

    def to_json(self) -> dict[str, str]:
        return {kind: self.for_kind(kind) for kind in TEMPLATE_KEYS}


@dataclass(frozen=True)
class Matter:
    """A service matter with every element the national catalogue asks for."""

    code: str
    name: str
    type: str
    legal_basis: str
    offices: tuple[str, ...]  # at the deciding tier; two or more = 联合审批
    tier: str  # deciding level: village / township / county
    acceptance_conditions: tuple[str, ...]
    legal_days: int  # working days
    promised_days: int  # working days, never more than legal_days
    fee: str
    result_document: str
    visits: int  # 到办事现场次数
    special_procedures: tuple[str, ...]  # their time does not count
    procedure: tuple[ProcedureStep, ...]
    materials: tuple[MaterialSpec, ...]
    fields: tuple[FieldSpec, ...]
    source: str  # the catalogue file it came from
    templates: DocumentTemplates = DocumentTemplates()  # [matter.templates], defaults filled
    phone: str | None = None
    place: str | None = None
    hours: str | None = None

    @property
    def is_joint(self) -> bool:
        """联合审批: more than one office decides together."""
        return len(self.offices) > 1

    def material(self, name: str) -> MaterialSpec:
        for material in self.materials:
            if material.name == name:
                return material
        raise UnknownMaterial(
            matter=self.code, name=name, valid="、".join(m.name for m in self.materials)
        )

    def field_spec(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "type": self.type,
            "tier": self.tier,
            "offices": list(self.offices),
            "legal_basis": self.legal_basis,
            "acceptance_conditions": list(self.acceptance_conditions),
            "legal_days": self.legal_days,
            "promised_days": self.promised_days,
            "fee": self.fee,
            "result_document": self.result_document,
            "visits": self.visits,
            "special_procedures": list(self.special_procedures),
            "procedure": [step.to_json() for step in self.procedure],
            "materials": [m.to_json() for m in self.materials],
            "fields": [f.to_json() for f in self.fields],
            "templates": self.templates.to_json(),
        }
