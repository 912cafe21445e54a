"""A service matter (事项) as the catalogue describes it: frozen, JSON-ready."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from forms.errors import UnknownMaterial
from forms.schema import DEFAULT_TEMPLATES, TEMPLATE_KEYS


@dataclass(frozen=True)
class MaterialSpec:
    """One 申请材料: what the resident brings or the station looks up."""

    name: str
    required: bool  # always required; a conditional material has False here
    form: str  # 原件 / 复印件 / 原件及复印件 / 电子件
    copies: int  # 份数 of ``form``: for a 原件 the originals, else the copies
    source: str  # 申请人提供 / 其他部门核发 / 可复用
    note: str | None = None
    # Required only while every named choice field holds one of the listed values.
    required_when: Mapping[str, tuple[str, ...]] | None = field(default=None, hash=False)
    media: tuple[str, ...] = ("纸质",)  # 纸质 and/or 电子
    originals: int = 0  # 原件份数 to hand in or show
    issuer: str | None = None  # the office that issues it, e.g. 县残疾人联合会
    # 可复用期限: a page of it handed in for an earlier case at the station may serve again
    # (with the resident's consent) for this many months after it was received.
    reuse_months: int | None = None

    @property
    def photocopies(self) -> int:
        """复印件份数 (none for a material handed in as 原件 only)."""
        return 0 if self.form == "原件" else self.copies

    @property
    def conditional(self) -> bool:
        return self.required_when is not None

    def is_required(self, values: Mapping[str, object]) -> bool:
        """Whether the case needs it, given the form's (cleaned) values."""
        if self.required:
            return True
        if self.required_when is None:
            return False
        return all(values.get(name) in allowed for name, allowed in self.required_when.items())

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "required": self.required,
            "required_when": _condition_json(self.required_when),
            "form": self.form,
            "media": list(self.media),
            "originals": self.originals,
            "copies": self.copies,
            "source": self.source,
            "issuer": self.issuer,
            "note": self.note,
            "reuse_months": self.reuse_months,
        }


def _condition_json(
    condition: Mapping[str, tuple[str, ...]] | None,
) -> dict[str, list[str]] | None:
    return None if condition is None else {k: list(v) for k, v in condition.items()}


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
            "visible_when": _condition_json(self.visible_when),
            "help": self.help,
        }


@dataclass(frozen=True)
class ProcedureStep:
    """One step of 办理流程: what is done, at which tier, by which office."""

    name: str
    tier: str
    office: str
    days: int | None = None  # this step's time limit in working days, when the list sets one

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "tier": self.tier, "office": self.office, "days": self.days}


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
    offices: tuple[str, ...]  # at the deciding tier; two or more = 联合审批 unless sequential
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
    kind: str = "承诺件"  # 即办件 (promised 0 days) or 承诺件
    flow: str = "joint"  # joint / sequential (offices act in their listed order)
    fee_basis: str | None = None  # 收费依据
    place: str | None = None  # 办理地点
    hours: str | None = None  # 办理时间
    phone: str | None = None  # 咨询电话
    national_code: str | None = None  # 国家基本目录事项编码

    @property
    def is_joint(self) -> bool:
        """联合审批: more than one office decides together."""
        return len(self.offices) > 1 and self.flow == "joint"

    @property
    def is_sequential(self) -> bool:
        """More than one office, each acting after the one before has passed it on."""
        return len(self.offices) > 1 and self.flow == "sequential"

    @property
    def is_instant(self) -> bool:
        """即办件: decided on the spot."""
        return self.kind == "即办件"

    def required_materials(self, values: Mapping[str, object]) -> tuple[MaterialSpec, ...]:
        """The materials this case needs, given its form's values.

        The one place that answers "which materials are required": unconditional
        ones always, conditional ones (``required_when``) while their condition holds.
        """
        return tuple(m for m in self.materials if m.is_required(values))

    def missing_materials(
        self, values: Mapping[str, object], received: Iterable[str]
    ) -> list[str]:
        """Names of the required materials (for these values) not among ``received``."""
        have = set(received)
        return [m.name for m in self.required_materials(values) if m.name not in have]

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
            "kind": self.kind,
            "flow": self.flow,
            "fee_basis": self.fee_basis,
            "place": self.place,
            "hours": self.hours,
            "phone": self.phone,
            "national_code": self.national_code,
        }
