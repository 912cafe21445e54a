"""Writing catalogue files: a Matter (or its data) back into the TOML format.

``matter_data`` is the inverse of ``forms.matter_reader.read_matter``: reading
its result gives a Matter whose ``to_json()`` equals the original's.  Every
value is written explicitly (a material's ``originals`` and ``copies``, the
matter's ``kind``), so nothing depends on a default.  ``matter_file`` lays the
data out as the shipped files are (one ``[[matter]]``, then its steps,
materials and fields as ``[[matter.…]]`` tables); ``tomli_w`` writes each value,
so quoting and escapes are a library's, not ours.
"""

from __future__ import annotations

from collections.abc import Mapping

import tomli_w

from forms.matter import FieldSpec, MaterialSpec, Matter, ProcedureStep
from forms.schema import DEFAULT_TEMPLATES, FORMAT_VERSION, TEMPLATE_KEYS

LISTS = ("procedure", "materials", "fields")


def _present(data: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in data.items() if v is not None}


def _condition(condition: Mapping[str, tuple[str, ...]] | None) -> dict[str, list[str]] | None:
    return None if condition is None else {k: list(v) for k, v in condition.items()}


def step_data(step: ProcedureStep) -> dict[str, object]:
    return _present({"name": step.name, "tier": step.tier, "office": step.office,
                     "days": step.days})


def material_data(material: MaterialSpec) -> dict[str, object]:
    return _present({
        "name": material.name,
        "required": None if material.conditional else material.required,
        "required_when": _condition(material.required_when),
        "form": material.form,
        "media": list(material.media),
        "originals": material.originals,
        "copies": material.photocopies,  # with ``originals`` given, copies are photocopies
        "source": material.source,
        "issuer": material.issuer,
        "note": material.note,
        "reuse_months": material.reuse_months,
    })


def field_data(spec: FieldSpec) -> dict[str, object]:
    return _present({
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "required": spec.required,
        "pattern": spec.pattern,
        "min": spec.min,
        "max": spec.max,
        "options": list(spec.options) if spec.options else None,
        "visible_when": _condition(spec.visible_when),
        "help": spec.help,
    })


def matter_data(matter: Matter) -> dict[str, object]:
    """The ``[[matter]]`` table that reads back as ``matter``."""
    templates = {kind: matter.templates.for_kind(kind) for kind in TEMPLATE_KEYS
                 if matter.templates.for_kind(kind) != DEFAULT_TEMPLATES[kind]}
    return _present({
        "code": matter.code,
        "name": matter.name,
        "type": matter.type,
        "tier": matter.tier,
        "offices": list(matter.offices),
        "flow": matter.flow,
        "legal_basis": matter.legal_basis,
        "acceptance_conditions": list(matter.acceptance_conditions),
        "legal_days": matter.legal_days,
        "promised_days": matter.promised_days,
        "kind": matter.kind,
        "fee": matter.fee,
        "fee_basis": matter.fee_basis,
        "result_document": matter.result_document,
        "visits": matter.visits,
        "special_procedures": list(matter.special_procedures) or None,
        "place": matter.place,
        "hours": matter.hours,
        "phone": matter.phone,
        "national_code": matter.national_code,
        "templates": templates or None,
        "procedure": [step_data(s) for s in matter.procedure],
        "materials": [material_data(m) for m in matter.materials] or None,
        "fields": [field_data(f) for f in matter.fields] or None,
    })


def _table(header: str, data: Mapping[str, object]) -> str:
    """``[header]`` (or ``[[header]]``) with its plain keys, then its sub-tables."""
    plain = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    text = f"{header}\n{tomli_w.dumps(plain)}"
    inner = header.strip("[]")
    for key, value in data.items():
        if isinstance(value, Mapping):
            text += f"\n[{inner}.{key}]\n{tomli_w.dumps(dict(value))}"
    return text


def matter_file(data: Mapping[str, object], comment: str | None = None) -> str:
    """One catalogue file holding the ``[[matter]]`` ``data`` (as ``matter_data`` gives)."""
    head = {k: v for k, v in data.items() if k not in LISTS and k != "templates"}
    parts = [f"format = {FORMAT_VERSION}\n", _table("[[matter]]", head)]
    for key in LISTS:
        items = data.get(key) or []
        assert isinstance(items, list)
        parts.extend(_table(f"[[matter.{key}]]", item) for item in items)
    templates = data.get("templates")
    if isinstance(templates, Mapping):
        parts.append(f"[matter.templates]\n{tomli_w.dumps(dict(templates))}")
    text = "\n".join(parts)
    if comment:
        text = "".join(f"# {line}\n" for line in comment.splitlines()) + text
    return text
