"""Catalogue keys that express real 事项清单: per-step limits, 即办件, conditional
materials, paper or electronic, originals and copies, sequential offices, contacts."""

from __future__ import annotations

import pytest

from forms import errors
from forms.catalogue import DATA_DIR, load_catalogue, load_catalogue_text

EXAMPLE = "450981-CL-001"
TEXT = (DATA_DIR / f"{EXAMPLE}.toml").read_text(encoding="utf-8")
NEW_KEYS = ("kind", "flow", "fee_basis", "place", "hours", "phone", "national_code", "days",
            "required_when", "media", "originals", "issuer")


def edit(old: str, new: str) -> str:
    assert TEXT.count(old) >= 1, old
    return TEXT.replace(old, new, 1)


def test_the_example_list_loads_with_every_new_element() -> None:
    matter = load_catalogue().get(EXAMPLE)
    assert matter.kind == "承诺件" and not matter.is_instant
    assert matter.offices == ("残联", "民政局") and matter.flow == "sequential"
    assert matter.is_sequential and not matter.is_joint
    assert [(s.tier, s.office, s.days) for s in matter.procedure] == [
        ("village", "村便民服务站", None), ("township", "民政办", 15),
        ("county", "残联", 5), ("county", "民政局", 5)]
    assert matter.phone == "0775-3382110" and matter.national_code == "000723006000"
    assert matter.place and matter.hours and matter.fee_basis
    card = matter.material("第二代残疾人证")
    assert (card.form, card.originals, card.photocopies, card.media, card.issuer) == (
        "原件及复印件", 1, 1, ("纸质", "电子"), "县残疾人联合会")
    form = matter.material("残疾人两项补贴申请审批表")
    assert (form.originals, form.copies, form.photocopies) == (2, 2, 0)
    proxy = matter.material("委托书")
    assert proxy.conditional and not proxy.required
    assert proxy.required_when == {"applied_by": ("亲属代办", "村（居）委会代办")}


def test_conditional_materials_are_required_only_while_their_condition_holds() -> None:
    matter = load_catalogue().get(EXAMPLE)
    always = ["残疾人两项补贴申请审批表", "第二代残疾人证", "居民身份证", "居民户口簿"]
    assert [m.name for m in matter.required_materials({"applied_by": "本人申请"})] == always
    delegated = {"applied_by": "亲属代办", "subsidy_type": "重度残疾人护理补贴"}
    assert [m.name for m in matter.required_materials(delegated)] == [
        *always, "委托书", "受托人居民身份证"]
    poor = {"applied_by": "本人申请", "subsidy_type": "两项补贴", "hardship_status": "低保家庭"}
    assert [m.name for m in matter.required_materials(poor)] == [*always, "最低生活保障证"]
    assert matter.missing_materials(delegated, [*always, "委托书"]) == ["受托人居民身份证"]
    assert matter.missing_materials({}, always) == []


def test_every_older_file_still_loads_unchanged_with_derived_values() -> None:
    catalogue = load_catalogue()
    for path in sorted(DATA_DIR.glob("*.toml")):
        if path.stem == EXAMPLE:
            continue
        text = path.read_text(encoding="utf-8")
        assert not any(f"\n{key} =" in text for key in NEW_KEYS), path.name
        (matter,) = load_catalogue_text(text, path.name)
        assert matter == catalogue.get(matter.code)
        assert matter.kind == ("即办件" if matter.promised_days == 0 else "承诺件")
        assert matter.flow == "joint" and matter.is_joint == (len(matter.offices) > 1)
        assert all(step.days is None for step in matter.procedure)
        for material in matter.materials:
            assert material.required_when is None and material.issuer is None
            assert material.media == (("电子",) if material.form == "电子件" else ("纸质",))
        assert [m.name for m in matter.required_materials({})] == [
            m.name for m in matter.materials if m.required]
    assert catalogue.get("450981-WJ-001").kind == "即办件"
    assert catalogue.get("450981-NY-001").is_joint


def test_an_instant_matter_needs_no_promised_days() -> None:
    text = edit('kind = "承诺件"', 'kind = "即办件"').replace("promised_days = 25\n", "")
    text = text.replace("days = 15", "days = 0").replace("days = 5", "days = 0")
    (matter,) = load_catalogue_text(text, "instant.toml")
    assert matter.kind == "即办件" and matter.is_instant and matter.promised_days == 0


CASES = [
    ('kind = "承诺件"', 'kind = "急办件"', "kind", errors.NotOneOf),
    ('kind = "承诺件"', 'kind = "即办件"', "kind", errors.KindNotInstant),
    ("promised_days = 25", "promised_days = 0", "kind", errors.KindNotPromised),
    ("days = 15", "days = -1", "procedure[2].days", errors.TooSmallValue),
    ("days = 15", 'days = "十五"', "procedure[2].days", errors.NotInteger),
    ("days = 15", "days = 25", "procedure", errors.StepsOverLegal),
    ('flow = "sequential"', 'flow = "serial"', "flow", errors.NotOneOf),
    ('offices = ["残联", "民政局"]', 'offices = ["民政局"]', "flow", errors.SequentialOneOffice),
    ('required_when = { applied_by = ["亲属代办", "村（居）委会代办"] }\nform = "原件"',
     'required_when = { applied_via = ["亲属代办"] }\nform = "原件"',
     "materials[委托书].required_when", errors.VisibleUnknownField),
    ('required_when = { hardship_status = ["低保家庭"] }',
     'required_when = { household_size = ["3"] }',
     "materials[最低生活保障证].required_when", errors.ConditionNotChoice),
    ('required_when = { hardship_status = ["低保家庭"] }',
     'required_when = { hardship_status = ["低保户"] }',
     "materials[最低生活保障证].required_when.hardship_status", errors.VisibleBadOption),
    ('required_when = { hardship_status = ["低保家庭"] }',
     'required = true\nrequired_when = { hardship_status = ["低保家庭"] }',
     "materials[最低生活保障证].required", errors.RequiredWithCondition),
    ('media = ["纸质"]\nsource = "申请人提供"\n\n[[matter.materials]]\nname = "第二代',
     'media = ["纸面"]\nsource = "申请人提供"\n\n[[matter.materials]]\nname = "第二代',
     "materials[残疾人两项补贴申请审批表].media", errors.NotOneOf),
    ('form = "复印件"\nsource = "其他部门核发"\nissuer = "乡镇人民政府"',
     'form = "电子件"\nmedia = ["纸质"]\nsource = "其他部门核发"\nissuer = "乡镇人民政府"',
     "materials[低保边缘家庭认定证明].media", errors.ElectronicNotAllowed),
    ("originals = 0\ncopies = 1", "originals = 1\ncopies = 1",
     "materials[最低生活保障证].originals", errors.OriginalsFormMismatch),
    ("originals = 2", "originals = 0", "materials[残疾人两项补贴申请审批表].originals",
     errors.OriginalsFormMismatch),
    ("originals = 2", "originals = 2\ncopies = 1",
     "materials[残疾人两项补贴申请审批表].copies", errors.CopiesFormMismatch),
    ('phone = "0775-3382110"', 'phone = "3382110"', "phone", errors.BadOfficePhone),
    ('national_code = "000723006000"', 'national_code = "国家编码"', "national_code",
     errors.BadNationalCode),
    ('place = "', 'place = "  ', "place", None),
    ('hours = "', 'hours = 8\n# "', "hours", errors.NotText),
]


@pytest.mark.parametrize(("old", "new", "field", "problem"), CASES)
def test_bad_values_name_file_matter_and_key(old: str, new: str, field: str,
                                              problem: type[errors.CatalogueProblem] | None
                                              ) -> None:
    if problem is None:  # a harmless edit: leading spaces are trimmed
        (matter,) = load_catalogue_text(edit(old, new), "ok.toml")
        assert matter.place is not None and not matter.place.startswith(" ")
        return
    with pytest.raises(errors.CatalogueInvalid) as caught:
        load_catalogue_text(edit(old, new), "bad.toml")
    error = caught.value
    assert (error.params["file"], error.params["matter"], error.params["field"]) == (
        "bad.toml", EXAMPLE, field)
    assert type(error.params["problem"]) is problem
    message = str(error)
    assert message.startswith(f"事项目录文件 bad.toml 有误：事项 {EXAMPLE} 的“{field}”")
