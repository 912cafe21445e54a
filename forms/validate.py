"""Validating a filled form and an applicant: every problem at once.

An agent fixing a form wants the whole list, not one problem per attempt, so
both functions collect every FieldProblem and raise one FormInvalid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from forms.errors import (
    FieldMismatch,
    FieldProblem,
    FieldRequired,
    FieldUnknown,
    FormInvalid,
    FormNotObject,
    FormsError,
)
from forms.identity import check_resident_id
from forms.matter import FieldSpec, Matter
from forms.values import clean_value, is_blank

# The applicant (申请人) of every case; birth date and sex come from the ID
# number and may be given only to be checked against it.
APPLICANT_FIELDS = (
    FieldSpec(name="name", label="姓名", type="text", min=1, max=50),
    FieldSpec(name="id_number", label="身份证号码", type="resident_id"),
    FieldSpec(name="phone", label="联系电话", type="phone"),
    FieldSpec(name="address", label="住址", type="address"),
    FieldSpec(name="birth_date", label="出生日期", type="date", required=False),
    FieldSpec(name="sex", label="性别", type="choice", required=False, options=("男", "女")),
)


@dataclass(frozen=True)
class Applicant:
    """申请人: who the case is for (the agent files on their behalf)."""

    name: str
    id_number: str
    birth_date: date
    sex: str  # 男 / 女
    phone: str
    address: str

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "id_number": self.id_number,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "phone": self.phone,
            "address": self.address,
        }


def visible(spec: FieldSpec, cleaned: Mapping[str, object]) -> bool:
    """Whether a field is shown, given the cleaned values of the fields before it."""
    if spec.visible_when is None:
        return True
    return all(cleaned.get(name) in values for name, values in spec.visible_when.items())


def _clean_all(
    specs: Sequence[FieldSpec], values: object
) -> tuple[dict[str, object], list[FormsError]]:
    if not isinstance(values, Mapping):
        return {}, [FormNotObject()]
    problems: list[FormsError] = []
    known = {spec.name for spec in specs}
    for key in values:
        if key not in known:
            valid = "、".join(spec.name for spec in specs)
            problems.append(FieldUnknown(field=str(key), label=str(key), valid=valid))
    cleaned: dict[str, object] = {}
    for spec in specs:
        if not visible(spec, cleaned):
            continue  # hidden: not required, and dropped if given
        raw = values.get(spec.name)
        if is_blank(raw):
            if spec.required:
                problems.append(FieldRequired(field=spec.name, label=spec.label))
            continue
        try:
            cleaned[spec.name] = clean_value(spec, raw)
        except FieldProblem as problem:
            problems.append(problem)
    return cleaned, problems


def validate_form(matter: Matter, values: Mapping[str, object]) -> dict[str, object]:
    """The cleaned, canonical values of a filled form; raises FormInvalid listing all problems."""
    cleaned, problems = _clean_all(matter.fields, values)
    if problems:
        raise FormInvalid(problems=problems, count=len(problems))
    return cleaned


def validate_applicant(data: Mapping[str, object]) -> Applicant:
    """The checked applicant; raises FormInvalid listing all problems."""
    cleaned, problems = _clean_all(APPLICANT_FIELDS, data)
    number = cleaned.get("id_number")
    resident = check_resident_id(number) if isinstance(number, str) else None
    if resident is not None:
        derived = {"birth_date": resident.birth_date.isoformat(), "sex": resident.sex}
        for spec in APPLICANT_FIELDS[4:]:
            given = cleaned.get(spec.name)
            if given is not None and given != derived[spec.name]:
                problems.append(FieldMismatch(field=spec.name, label=spec.label))
    if problems or resident is None:
        raise FormInvalid(problems=problems, count=len(problems))
    return Applicant(
        name=str(cleaned["name"]),
        id_number=resident.number,
        birth_date=resident.birth_date,
        sex=resident.sex,
        phone=str(cleaned["phone"]),
        address=str(cleaned["address"]),
    )
