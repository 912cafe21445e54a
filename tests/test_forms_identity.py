"""Resident ID numbers, phone numbers and masking."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from forms import errors
from forms.identity import ResidentId, check_phone, check_resident_id, mask_id, mask_name

EXAMPLE = "11010519491231002X"


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_the_standard_example_is_accepted() -> None:
    resident = check_resident_id(EXAMPLE)
    assert resident == ResidentId(
        number=EXAMPLE, birth_date=date(1949, 12, 31), sex="女", area_code="110105"
    )


@pytest.mark.parametrize(
    "typed",
    ["11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２Ｘ"],
)
def test_lower_case_spaces_and_full_width_are_normalised(typed: str) -> None:
    assert check_resident_id(typed).number == EXAMPLE


def test_odd_sequence_is_male() -> None:
    number = with_check_digit("45098119800101001")
    resident = check_resident_id(number)
    assert resident.sex == "男"
    assert resident.birth_date == date(1980, 1, 1)
    assert resident.area_code == "450981"


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("110105194912310021", errors.ResidentIdChecksum),
        ("11010519491231002", errors.ResidentIdLength),
        ("1101051949123100212", errors.ResidentIdLength),
        ("", errors.ResidentIdLength),
        ("11010519491231A02X", errors.ResidentIdFormat),
        ("11010519491231002Y", errors.ResidentIdFormat),
        (with_check_digit("11010519490231002"), errors.ResidentIdBirthDate),
        (with_check_digit("11010519491301002"), errors.ResidentIdBirthDate),
        (with_check_digit("99010519491231002"), errors.ResidentIdProvince),
    ],
)
def test_bad_numbers_are_rejected_with_the_reason(
    number: str, problem: type[errors.InvalidResidentId]
) -> None:
    with pytest.raises(errors.InvalidResidentId) as caught:
        check_resident_id(number, field="spouse_id", label="配偶身份证号码")
    error = caught.value
    assert type(error) is problem
    assert isinstance(error, errors.FieldProblem)
    assert error.params["field"] == "spouse_id" and error.params["label"] == "配偶身份证号码"
    assert "配偶身份证号码" in str(error) and "spouse_id" not in str(error)  # no code name
    assert number[:10] not in str(error) or not number  # the number is never repeated


def test_a_future_birth_date_is_rejected() -> None:
    number = with_check_digit("11010520300101002")
    with pytest.raises(errors.ResidentIdFutureBirth):
        check_resident_id(number)
    assert check_resident_id(number, today=date(2030, 1, 1)).birth_date == date(2030, 1, 1)
    with pytest.raises(errors.ResidentIdFutureBirth):
        check_resident_id(number, today=date(2029, 12, 31))


def test_a_county_code_missing_from_stdnum_tables_is_still_accepted() -> None:
    # 450981 was created in 1994; people born earlier keep the code on re-issue.
    number = with_check_digit("45098119500101003")
    assert not ric.is_valid(number)  # stdnum's birth-year check would reject it
    assert check_resident_id(number).birth_date == date(1950, 1, 1)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("８６１３８００１３８０００", "13800138000"),
        ("0775-1234567", "0775-1234567"),
        ("(0775) 123 4567", "0775-1234567"),
        ("07751234567", "0775-1234567"),
        ("010-12345678", "010-12345678"),
        ("+86 10 1234 5678", "010-12345678"),
    ],
)
def test_phones_are_normalised(typed: str, normal: str) -> None:
    assert check_phone(typed) == normal
    assert check_phone(normal) == normal


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "1380013800",
        "138001380001",
        "0775-123456",
        "+1 650 253 0000",
        "+852 2123 4567",
        "400-810-8888",
        "电话",
        "",
        "++86",
    ],
)
def test_bad_phones_are_rejected(typed: str) -> None:
    with pytest.raises(errors.InvalidPhone) as caught:
        check_phone(typed, field="contact", label="联系人电话")
    assert caught.value.params == {"field": "contact", "label": "联系人电话"}
    assert "联系人电话" in str(caught.value)


def test_mask_id() -> None:
    assert mask_id(EXAMPLE) == "1101**********002X"
    assert mask_id("450981198001010018") == "4509**********0018"
    assert mask_id("12345678") == "********"
    assert mask_id("") == ""


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王*明"),
        ("欧阳娜娜", "欧**娜"),
        ("李", "*"),
        ("", ""),
        (" 张 三 ", "张*"),
        ("阿卜杜拉·艾则孜", "阿***·**孜"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked
