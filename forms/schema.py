"""The catalogue format: which keys each TOML table may hold, and the allowed values.

These constants are the single source of truth: the loader rejects any key not
listed here (typo protection) and ``tests/test_forms_docs.py`` fails when a key
is missing from ``docs/catalogue.md``.
"""

from __future__ import annotations

FORMAT_VERSION = 1

# Top level of a catalogue file.
FILE_KEYS = ("format", "matter")

# One [[matter]]: the elements of a service matter (GB/T 39554.1-2020).
MATTER_KEYS = (
    "code",
    "name",
    "type",
    "legal_basis",
    "offices",
    "tier",
    "acceptance_conditions",
    "legal_days",
    "promised_days",
    "fee",
    "result_document",
    "visits",
    "special_procedures",
    "procedure",
    "materials",
    "fields",
    "templates",
    "kind",
    "flow",
    "fee_basis",
    "place",
    "hours",
    "phone",
    "national_code",
)

# The [matter.templates] table: which document template each kind of document uses.
TEMPLATE_KEYS = ("approve", "reject", "refuse", "supplement", "special", "accept", "extend",
                 "service")

# One [[matter.procedure]] step.
PROCEDURE_KEYS = ("name", "tier", "office", "days")

# One [[matter.materials]] entry (申请材料).
MATERIAL_KEYS = (
    "name",
    "required",
    "required_when",
    "form",
    "media",
    "originals",
    "copies",
    "source",
    "issuer",
    "note",
    "reuse_months",
)

# The longest reuse period a catalogue may give a material (10 years).
REUSE_MONTHS_MAX = 120

# One [[matter.fields]] entry: a value the agent types into the form.
FIELD_KEYS = (
    "name",
    "label",
    "type",
    "required",
    "pattern",
    "min",
    "max",
    "options",
    "visible_when",
    "help",
)

# The table path as written in TOML → its keys (used by the docs test).
TABLES: dict[str, tuple[str, ...]] = {
    "top level": FILE_KEYS,
    "[[matter]]": MATTER_KEYS,
    "[[matter.procedure]]": PROCEDURE_KEYS,
    "[[matter.materials]]": MATERIAL_KEYS,
    "[[matter.fields]]": FIELD_KEYS,
    "[matter.templates]": TEMPLATE_KEYS,
}

# 行使层级: where a matter is decided, and where a procedure step happens.
TIERS = ("village", "township", "county")

# 事项类型: the ten kinds of administrative power, plus public services.
MATTER_TYPES = (
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "其他行政权力",
    "公共服务",
)

MATERIAL_FORMS = ("原件", "复印件", "原件及复印件", "电子件")
# Forms that include an original (原件), for the default of ``originals``.
ORIGINAL_FORMS = ("原件", "原件及复印件")

# How a material may be handed in: on paper and/or electronically.
MATERIAL_MEDIA = ("纸质", "电子")

# 办件类型: 即办件 is decided on the spot (promised 0 days), 承诺件 within promised_days.
MATTER_KINDS = ("即办件", "承诺件")

# How two or more deciding offices work: together (联合审批) or one after the other,
# in the order of ``offices``.
FLOWS = ("joint", "sequential")

# 国家基本目录事项编码: letters and digits as the national catalogue prints them.
NATIONAL_CODE_PATTERN = r"[0-9A-Za-z][0-9A-Za-z-]{3,63}"

# 可复用: the station looks it up from an earlier approval instead of asking again.
MATERIAL_SOURCES = ("申请人提供", "其他部门核发", "可复用")

FIELD_TYPES = ("text", "number", "date", "choice", "resident_id", "phone", "address")

# Which field types accept which optional keys.
PATTERN_TYPES = ("text",)
RANGE_TYPES = ("text", "number")
OPTIONS_TYPES = ("choice",)

# Matter codes end up in case numbers and file names: keep them plain ASCII.
CODE_PATTERN = r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}"
# Field names are the keys of filled-form JSON files.
FIELD_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]{0,63}"

# Document templates the station can print (``station/documents/templates.py``
# builds each), by the kind of document they are: approve 准予决定,
# reject 不予批准决定, refuse 不予受理, supplement 补齐补正, special 特别程序.
DOCUMENT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "approve": ("准予批准决定书", "准予行政许可决定书"),
    "reject": ("不予批准决定书", "不予行政许可决定书"),
    "refuse": ("不予受理通知书",),
    "supplement": ("补齐补正告知书",),
    "special": ("特别程序告知书",),
    "accept": ("受理通知书",),
    "extend": ("延期告知书",),
    "service": ("送达回证",),
}
# The template of each kind when a matter names none.
DEFAULT_TEMPLATES: dict[str, str] = {kind: names[0] for kind, names in DOCUMENT_TEMPLATES.items()}
