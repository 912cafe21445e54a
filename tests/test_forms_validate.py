"""Validating filled forms and applicants: every field type, visibility, all problems at once."""

from __future__ import annotations

from datetime import date

import pytest

from forms import errors
from forms.catalogue import Matter, load_catalogue, load_catalogue_text
from forms.validate import Applicant, validate_applicant, validate_form

ALL_TYPES = """\
[[matter]]
code = "T-100"
name = "全部字段类型"
type = "公共服务"
tier = "village"
offices = ["村便民服务站"]
legal_basis = "《测试依据》"
acceptance_conditions = ["无"]
legal_days = 1
promised_days = 0
fee = "不收费"
result_document = "登记"
visits = 0

[[matter.procedure]]
name = "办理"
tier = "village"
office = "村便民服务站"

[[matter.fields]]
name = "note"
label = "备注"
type = "text"
required = false
min = 2
max = 10

[[matter.fields]]
name = "card"
label = "银行卡号"
type = "text"
required = false
pattern = '[0-9]{16,19}'

[[matter.fields]]
name = "size"
label = "家庭人数"
type = "number"
min = 1
max = 20

[[matter.fields]]
name = "income"
label = "月收入"
type = "number"
required = false
min = 0
max = 99999.5

[[matter.fields]]
name = "day"
label = "申请日期"
type = "date"

[[matter.fields]]
name = "mode"
label = "供养方式"
type = "choice"
options = ["分散供养", "集中供养"]

[[matter.fields]]
name = "home"
label = "供养机构"
type = "text"
visible_when = { mode = ["集中供养"] }

[[matter.fields]]
name = "home_since"
label = "入住日期"
type = "date"
required = false
visible_when = { mode = "集中供养" }

[[matter.fields]]
name = "spouse_id"
label = "配偶身份证号码"
type = "resident_id"
required = false

[[matter.fields]]
name = "phone"
label = "联系电话"
type = "phone"
required = false

[[matter.fields]]
name = "address"
label = "住址"
type = "address"
required = false
"""

BASE = {"size": 3, "day": "2024-05-01", "mode": "分散供养"}


@pytest.fixture(scope="module")
def matter() -> Matter:
    (only,) = load_catalogue_text(ALL_TYPES, "types.toml")
    return only


def problems_of(matter: Matter, values: dict[str, object]) -> list[errors.FormsError]:
    with pytest.raises(errors.FormInvalid) as caught:
        validate_form(matter, values)
    problems = caught.value.params["problems"]
    assert isinstance(problems, list)
    assert caught.value.params["count"] == len(problems) > 0
    return problems


def only_problem(matter: Matter, values: dict[str, object]) -> errors.FormsError:
    (problem,) = problems_of(matter, {**BASE, **values})
    return problem


def test_a_minimal_form_is_cleaned(matter: Matter) -> None:
    assert validate_form(matter, BASE) == BASE


def test_every_type_is_made_canonical(matter: Matter) -> None:
    cleaned = validate_form(
        matter,
        {
            "note": "  两个字以上 ",
            "card": "6228480000000000000",
            "size": "３",
            "income": "1200.50",
            "day": "2024年5月1日",
            "mode": " 集中供养 ",
            "home": "镇敬老院",
            "home_since": "2024/6/1",
            "spouse_id": "11010519491231002x",
            "phone": 13800138000,
            "address": " 广西北流市民安镇某村 ",
        },
    )
    assert cleaned == {
        "note": "两个字以上",
        "card": "6228480000000000000",
        "size": 3,
        "income": 1200.5,
        "day": "2024-05-01",
        "mode": "集中供养",
        "home": "镇敬老院",
        "home_since": "2024-06-01",
        "spouse_id": "11010519491231002X",
        "phone": "13800138000",
        "address": "广西北流市民安镇某村",
    }
    assert type(cleaned["size"]) is int and type(cleaned["income"]) is float


@pytest.mark.parametrize(
    ("values", "problem", "field"),
    [
        ({"size": None}, errors.FieldRequired, "size"),
        ({"size": "  "}, errors.FieldRequired, "size"),
        ({"size": 0}, errors.FieldTooSmall, "size"),
        ({"size": 21}, errors.FieldTooLarge, "size"),
        ({"size": "三"}, errors.FieldNotNumber, "size"),
        ({"size": "1e999"}, errors.FieldNotNumber, "size"),
        ({"size": float("nan")}, errors.FieldNotNumber, "size"),
        ({"size": True}, errors.FieldNotNumber, "size"),
        ({"size": [3]}, errors.FieldNotNumber, "size"),
        ({"income": 100000}, errors.FieldTooLarge, "income"),
        ({"note": "短"}, errors.FieldTooShort, "note"),
        ({"note": "十一个字的一段备注文字"}, errors.FieldTooLong, "note"),
        ({"note": 12}, errors.FieldNotText, "note"),
        ({"card": "6228 4800 0000"}, errors.FieldPattern, "card"),
        ({"day": "2024-02-30"}, errors.FieldNotDate, "day"),
        ({"day": "5/1/2024"}, errors.FieldNotDate, "day"),
        ({"day": 20240501}, errors.FieldNotDate, "day"),
        ({"mode": "自己住"}, errors.FieldChoice, "mode"),
        ({"mode": ["分散供养"]}, errors.FieldChoice, "mode"),
        ({"spouse_id": "110105194912310021"}, errors.ResidentIdChecksum, "spouse_id"),
        ({"spouse_id": 110105194912310020}, errors.FieldNotText, "spouse_id"),
        ({"phone": "12345"}, errors.InvalidPhone, "phone"),
        ({"phone": {"n": 1}}, errors.FieldNotText, "phone"),
        ({"address": "村" * 201}, errors.FieldTooLong, "address"),
        ({"address": False}, errors.FieldNotText, "address"),
    ],
)
def test_each_bad_value_is_one_named_problem(
    matter: Matter, values: dict[str, object], problem: type[errors.FieldProblem], field: str
) -> None:
    found = only_problem(matter, values)
    assert type(found) is problem
    assert found.params["field"] == field
    spec = matter.field_spec(field)
    assert spec is not None
    assert f"“{spec.label}”" in str(found) and field not in str(found)  # no code name


def test_choice_problem_lists_the_options(matter: Matter) -> None:
    found = only_problem(matter, {"mode": "自己住"})
    assert "分散供养、集中供养" in str(found)
    assert "自己住" not in str(found)


def test_hidden_fields_are_not_required_and_are_dropped(matter: Matter) -> None:
    cleaned = validate_form(matter, {**BASE, "home": "不该出现", "home_since": "not a date"})
    assert "home" not in cleaned and "home_since" not in cleaned


def test_visible_fields_become_required(matter: Matter) -> None:
    found = only_problem(matter, {"mode": "集中供养"})
    assert isinstance(found, errors.FieldRequired) and found.params["field"] == "home"
    cleaned = validate_form(matter, {**BASE, "mode": "集中供养", "home": "敬老院"})
    assert cleaned["home"] == "敬老院" and "home_since" not in cleaned


def test_a_bad_controlling_choice_hides_its_followers(matter: Matter) -> None:
    (problem,) = problems_of(matter, {**BASE, "mode": "未知", "home": 5})
    assert isinstance(problem, errors.FieldChoice)


def test_unknown_keys_are_problems(matter: Matter) -> None:
    found = only_problem(matter, {"sise": 3})
    assert isinstance(found, errors.FieldUnknown)
    assert "sise" in str(found) and "size" in str(found)


def test_all_problems_are_collected(matter: Matter) -> None:
    problems = problems_of(matter, {"size": 0, "day": "明天", "extra": 1, "phone": "1"})
    kinds = sorted(type(p).__name__ for p in problems)
    assert kinds == [
        "FieldNotDate",
        "FieldRequired",
        "FieldTooSmall",
        "FieldUnknown",
        "InvalidPhone",
    ]
    with pytest.raises(errors.FormInvalid) as caught:
        validate_form(matter, {"size": 0, "day": "明天", "extra": 1, "phone": "1"})
    message = str(caught.value)
    assert message.startswith("填写的内容有 5 处错误：\n  1. ")
    assert "  5. " in message


def test_a_form_that_is_not_an_object(matter: Matter) -> None:
    with pytest.raises(errors.FormInvalid) as caught:
        validate_form(matter, ["size", 3])  # type: ignore[arg-type]
    (problem,) = caught.value.params["problems"]  # type: ignore[misc]
    assert isinstance(problem, errors.FormNotObject)


def test_shipped_homestead_form() -> None:
    homestead = load_catalogue().get("450981-NY-001")
    good = {
        "build_type": "原址翻建",
        "old_homestead_area": "120",
        "household_size": 5,
        "land_type": "原有宅基地",
        "site_area": 120,
        "floor_area": 360,
        "floors": 3,
        "site_location": "民安镇某村第三组，东至村道",
        "planned_start_date": "2025-03-01",
    }
    cleaned = validate_form(homestead, good)
    assert cleaned["old_homestead_area"] == 120
    problems = problems_of(
        homestead, {**good, "floors": 4, "site_area": 151, "old_homestead_handling": "退还集体"}
    )
    assert sorted(p.params["field"] for p in problems) == ["floors", "site_area"]


# --- the applicant --------------------------------------------------------------

APPLICANT = {
    "name": " 张三 ",
    "id_number": "11010519491231002x",
    "phone": "+86 138 0013 8000",
    "address": "广西北流市民安镇某村",
}


def test_a_good_applicant() -> None:
    applicant = validate_applicant(APPLICANT)
    assert applicant == Applicant(
        name="张三",
        id_number="11010519491231002X",
        birth_date=date(1949, 12, 31),
        sex="女",
        phone="13800138000",
        address="广西北流市民安镇某村",
    )
    again = validate_applicant(applicant.to_json())
    assert again == applicant


def test_an_empty_applicant_lists_every_required_field() -> None:
    with pytest.raises(errors.FormInvalid) as caught:
        validate_applicant({})
    problems = caught.value.params["problems"]
    assert isinstance(problems, list)
    assert [p.params["field"] for p in problems] == ["name", "id_number", "phone", "address"]
    assert all(isinstance(p, errors.FieldRequired) for p in problems)
    assert caught.value.params["count"] == 4


def test_applicant_problems_are_collected() -> None:
    with pytest.raises(errors.FormInvalid) as caught:
        validate_applicant(
            {
                **APPLICANT,
                "id_number": "110105194912310021",
                "phone": 12,
                "name": "名" * 51,
                "nickname": "三儿",
            }
        )
    kinds = {type(p).__name__: p.params["field"] for p in caught.value.params["problems"]}
    assert kinds == {
        "FieldUnknown": "nickname",
        "FieldTooLong": "name",
        "ResidentIdChecksum": "id_number",
        "InvalidPhone": "phone",
    }


def test_birth_date_and_sex_must_agree_with_the_id() -> None:
    assert validate_applicant({**APPLICANT, "sex": "女", "birth_date": "1949/12/31"}).sex == "女"
    with pytest.raises(errors.FormInvalid) as caught:
        validate_applicant({**APPLICANT, "sex": "男", "birth_date": "1950-01-01"})
    problems = caught.value.params["problems"]
    assert [type(p) for p in problems] == [errors.FieldMismatch, errors.FieldMismatch]
    assert {p.params["field"] for p in problems} == {"sex", "birth_date"}


@pytest.mark.parametrize("junk", [None, 3, "张三", [APPLICANT]])
def test_an_applicant_that_is_not_an_object(junk: object) -> None:
    with pytest.raises(errors.FormInvalid):
        validate_applicant(junk)  # type: ignore[arg-type]
