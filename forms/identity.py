"""Resident ID numbers and phone numbers: checking, normalising, masking.

ID numbers follow GB 11643-1999 and are checked with ``stdnum.cn.ric``; phone
numbers with ``phonenumbers`` (region CN).  Messages never repeat the number.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from forms.errors import (
    InvalidPhone,
    ResidentIdBirthDate,
    ResidentIdChecksum,
    ResidentIdFormat,
    ResidentIdFutureBirth,
    ResidentIdLength,
    ResidentIdProvince,
)

# Province-level division codes (GB/T 2260), plus 81/82/83 used by residence
# permits for Hong Kong, Macao and Taiwan residents.  Only the province is
# checked: county codes change over time and an ID keeps the code of the place
# that issued it, so stdnum's county-by-birth-year check rejects real numbers.
PROVINCE_CODES = frozenset(
    str(code)
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    )
)

_PHONE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


@dataclass(frozen=True)
class ResidentId:
    """A checked 居民身份证号码 and what it says about its holder."""

    number: str  # 18 characters, upper-case X
    birth_date: date
    sex: str  # 男 / 女
    area_code: str  # the 6-digit division code of the issuing place


def _compact(value: str) -> str:
    # NFKC turns full-width digits and Ｘ (common with Chinese input methods) into ASCII.
    text = unicodedata.normalize("NFKC", value)
    return "".join(text.split()).replace("-", "").upper()


def check_resident_id(
    value: str,
    field: str = "id_number",
    label: str = "身份证号码",
    *,
    today: date | None = None,
) -> ResidentId:
    """Check an ID number; raises an InvalidResidentId subclass naming the field."""
    where = {"field": field, "label": label}
    number = _compact(value)
    if len(number) != 18:
        raise ResidentIdLength(length=len(number), **where)
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        raise ResidentIdFormat(**where)
    if number[17] != ric.calc_check_digit(number):
        raise ResidentIdChecksum(**where)
    try:
        birth = ric.get_birth_date(number)
    except (ValidationError, ValueError):
        raise ResidentIdBirthDate(**where) from None
    if birth > (today or date.today()):
        raise ResidentIdFutureBirth(**where)
    if number[:2] not in PROVINCE_CODES:
        raise ResidentIdProvince(**where)
    sex = "男" if int(number[16]) % 2 else "女"
    return ResidentId(number=number, birth_date=birth, sex=sex, area_code=number[:6])


def check_phone(value: str, field: str = "phone", label: str = "联系电话") -> str:
    """A mainland mobile or landline number in national form.

    Mobiles come back as 11 digits ("13800138000"), landlines as area code,
    hyphen, subscriber number ("0775-1234567").
    """
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidPhone(field=field, label=label) from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number_for_region(number, "CN")
        or phonenumbers.number_type(number) not in _PHONE_TYPES
    ):
        raise InvalidPhone(field=field, label=label)
    national = str(number.national_number)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        return national
    # Beijing landlines start with 1 as mobiles do: tell them apart by type, not digit.
    area = phonenumbers.length_of_geographical_area_code(number)
    if area <= 0:
        raise InvalidPhone(field=field, label=label)
    return f"0{national[:area]}-{national[area:]}"


def mask_id(number: str) -> str:
    """Show only the first 4 and last 4 characters: 1101**********002X."""
    text = "".join(number.split())
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_name(name: str) -> str:
    """Mask a personal name for lists and printouts (PIPL: minimise what is shown).

    One character: ``*``.  Two: the surname stays (张三 → 张*).  Three or more:
    the first and last stay (欧阳娜娜 → 欧**娜, 王小明 → 王*明).  The middle dot of
    minority names stays so the shape is readable (阿卜杜拉·艾则孜 → 阿***·**孜).
    """
    chars = list("".join(name.split()))
    if len(chars) <= 1:
        return "*" * len(chars)
    keep = {0} if len(chars) == 2 else {0, len(chars) - 1}
    return "".join(c if i in keep or c in "·•.・" else "*" for i, c in enumerate(chars))
