"""Cleaning one typed value of a form into its canonical form.

Each cleaner takes a present (non-blank) value as it came from JSON or the
UI and returns the canonical value, or raises one FieldProblem.  Values that
are not text or numbers get a FieldType problem, never a crash.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime

from forms.errors import (
    FieldChoice,
    FieldNotDate,
    FieldNotNumber,
    FieldNotText,
    FieldPattern,
    FieldTooLarge,
    FieldTooLong,
    FieldTooShort,
    FieldTooSmall,
)
from forms.identity import check_phone, check_resident_id
from forms.matter import FieldSpec

# Addresses longer than this are a paste accident, not an address.
ADDRESS_MAX = 200

# 2024-05-01, 2024/5/1, 2024.5.1 and 2024年5月1日 all mean the same day.
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def is_blank(value: object) -> bool:
    """Missing, null and empty or whitespace-only text all mean "not filled"."""
    return value is None or (isinstance(value, str) and not value.strip())


def _where(spec: FieldSpec) -> dict[str, object]:
    return {"field": spec.name, "label": spec.label}


def _text(spec: FieldSpec, value: object) -> str:
    if not isinstance(value, str):
        raise FieldNotText(**_where(spec))
    text = value.strip()
    if spec.min is not None and len(text) < spec.min:
        raise FieldTooShort(min=spec.min, **_where(spec))
    if spec.max is not None and len(text) > spec.max:
        raise FieldTooLong(max=spec.max, **_where(spec))
    if spec.pattern is not None and not re.fullmatch(spec.pattern, text):
        raise FieldPattern(**_where(spec))
    return text


def _address(spec: FieldSpec, value: object) -> str:
    if not isinstance(value, str):
        raise FieldNotText(**_where(spec))
    text = value.strip()
    if len(text) > ADDRESS_MAX:
        raise FieldTooLong(max=ADDRESS_MAX, **_where(spec))
    return text


def parse_number(value: object) -> int | float | None:
    """An int or finite float from a JSON number or decimal text; None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not _NUMBER.fullmatch(text):
            return None
        try:
            value = int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:  # more digits than Python converts
            return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, int):
        return value
    return None


def _number(spec: FieldSpec, value: object) -> int | float:
    number = parse_number(value)
    if number is None:
        raise FieldNotNumber(**_where(spec))
    if spec.min is not None and number < spec.min:
        raise FieldTooSmall(min=spec.min, **_where(spec))
    if spec.max is not None and number > spec.max:
        raise FieldTooLarge(max=spec.max, **_where(spec))
    return number


def parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    found = _DATE.fullmatch(unicodedata.normalize("NFKC", value).strip())
    if not found:
        return None
    year, month, day = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date(spec: FieldSpec, value: object) -> str:
    day = parse_date(value)
    if day is None:
        raise FieldNotDate(**_where(spec))
    return day.isoformat()


def _choice(spec: FieldSpec, value: object) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or text not in spec.options:
        raise FieldChoice(valid="、".join(spec.options), **_where(spec))
    return text


def _resident_id(spec: FieldSpec, value: object) -> str:
    if not isinstance(value, str):
        raise FieldNotText(**_where(spec))
    return check_resident_id(value, spec.name, spec.label).number


def _phone(spec: FieldSpec, value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a mobile number typed into a JSON file without quotes
    if not isinstance(value, str):
        raise FieldNotText(**_where(spec))
    return check_phone(value, spec.name, spec.label)


CLEANERS: dict[str, Callable[[FieldSpec, object], object]] = {
    "text": _text,
    "number": _number,
    "date": _date,
    "choice": _choice,
    "resident_id": _resident_id,
    "phone": _phone,
    "address": _address,
}


def clean_value(spec: FieldSpec, value: object) -> object:
    """The canonical value of a filled-in field; raises one FieldProblem."""
    return CLEANERS[spec.type](spec, value)
