"""The catalogue loader: the shipped matters, and every kind of mistake in a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forms import errors
from forms.catalogue import (
    DATA_DIR,
    Catalogue,
    Matter,
    load_catalogue,
    load_catalogue_data,
    load_catalogue_text,
)
from forms.schema import MATERIAL_FORMS, MATERIAL_SOURCES, MATTER_TYPES, TIERS

GOOD = """\
# a small but complete matter
format = 1

[[matter]]
code = "T-001"
name = "测试事项"
type = "行政给付"
tier = "township"
offices = ["民政办"]
legal_basis = "《社会救助暂行办法》"
acceptance_conditions = ["本地户籍"]
legal_days = 20
promised_days = 10
fee = "不收费"
result_document = "审批表"
visits = 0
special_procedures = ["公示"]

[[matter.procedure]]
name = "代办受理"
tier = "village"
office = "村便民服务站"

[[matter.procedure]]
name = "审批"
tier = "township"
office = "民政办"

[[matter.materials]]
name = "申请书"
required = true
form = "原件"
copies = 1
source = "申请人提供"

[[matter.materials]]
name = "残疾人证"
required = false
form = "复印件"
source = "其他部门核发"
note = "有残疾的提供"

[[matter.fields]]
name = "reason"
label = "困难原因"
type = "choice"
options = ["因病", "其他"]

[[matter.fields]]
name = "reason_detail"
label = "其他原因说明"
type = "text"
max = 100
visible_when = { reason = ["其他"] }

[[matter.fields]]
name = "household_size"
label = "家庭人数"
type = "number"
min = 1
max = 20
"""


def write(folder: Path, text: str, name: str = "bad.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def load_error(folder: Path, text: str) -> errors.CatalogueInvalid:
    write(folder, text)
    with pytest.raises(errors.CatalogueInvalid) as caught:
        load_catalogue(folder)
    return caught.value


def test_the_good_example_loads(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "good.toml")
    catalogue = load_catalogue(tmp_path)
    matter = catalogue.get("T-001")
    assert matter.source == "good.toml"
    assert matter.offices == ("民政办",)
    assert not matter.is_joint
    assert [m.name for m in matter.materials] == ["申请书", "残疾人证"]
    assert matter.material("残疾人证").copies == 1  # the default
    assert matter.material("申请书").source == "申请人提供"
    detail = matter.fields[1]
    assert detail.visible_when == {"reason": ("其他",)}
    assert detail.required is True
    assert matter.fields[2].min == 1 and matter.fields[2].max == 20


# (old text, new text, the key path named, the problem class)
MISTAKES = [
    ('code = "T-001"', 'code = "T-001"\ncodes = "x"', "codes", errors.KeyUnknown),
    ("copies = 1", "copie = 1", "materials[申请书].copie", errors.KeyUnknown),
    ('label = "家庭人数"', 'lable = "家庭人数"', "fields[household_size].lable", errors.KeyUnknown),
    ('office = "村便民服务站"', 'ofice = "村便民服务站"', "procedure[1].ofice", errors.KeyUnknown),
    ('name = "测试事项"\n', "", "name", errors.KeyMissing),
    ('tier = "township"\noffices', 'tier = "town"\noffices', "tier", errors.NotOneOf),
    ('type = "行政给付"', 'type = "给付"', "type", errors.NotOneOf),
    ("promised_days = 10", "promised_days = 21", "promised_days", errors.PromisedOverLegal),
    ("legal_days = 20", 'legal_days = "20"', "legal_days", errors.NotInteger),
    ("legal_days = 20", "legal_days = 20.5", "legal_days", errors.NotInteger),
    ("legal_days = 20", "legal_days = true", "legal_days", errors.NotInteger),
    ("visits = 0", "visits = -1", "visits", errors.TooSmallValue),
    ("copies = 1", "copies = 0", "materials[申请书].copies", errors.TooSmallValue),
    ('form = "原件"', 'form = "原本"', "materials[申请书].form", errors.NotOneOf),
    ('source = "申请人提供"', 'source = "自己"', "materials[申请书].source", errors.NotOneOf),
    ("required = true", 'required = "yes"', "materials[申请书].required", errors.NotBoolean),
    ('name = "残疾人证"', 'name = "申请书"', "materials", errors.DuplicateValue),
    ('name = "household_size"', 'name = "reason"', "fields", errors.DuplicateValue),
    ('name = "申请书"', 'name = "  "', "materials[#1].name", errors.Blank),
    (
        "max = 100",
        'max = 100\noptions = ["a"]',
        "fields[reason_detail].options",
        errors.KeyNotForType,
    ),
    ('options = ["因病", "其他"]', "", "fields[reason].options", errors.OptionsMissing),
    (
        "min = 1",
        "min = 1\npattern = '[0-9]+'",
        "fields[household_size].pattern",
        errors.KeyNotForType,
    ),
    (
        "max = 100",
        "max = 100\npattern = '[0-9'",
        "fields[reason_detail].pattern",
        errors.BadPattern,
    ),
    ("min = 1", "min = 30", "fields[household_size]", errors.MinOverMax),
    ("min = 1", 'min = "1"', "fields[household_size].min", errors.NotNumber),
    ("min = 1", "min = nan", "fields[household_size].min", errors.NotNumber),
    ("max = 100", "max = 100\nmin = -1", "fields[reason_detail].min", errors.TooSmallValue),
    ("max = 100", "max = 10.5", "fields[reason_detail].max", errors.NotInteger),
    ('type = "number"', 'type = "integer"', "fields[household_size].type", errors.NotOneOf),
    ('name = "household_size"', 'name = "household size"', "fields[#3].name", errors.BadIdentifier),
    ('name = "household_size"', 'name = "3people"', "fields[#3].name", errors.BadIdentifier),
    (
        'visible_when = { reason = ["其他"] }',
        'visible_when = { cause = ["其他"] }',
        "fields[reason_detail].visible_when",
        errors.VisibleUnknownField,
    ),
    (
        'visible_when = { reason = ["其他"] }',
        'visible_when = { reason = ["其它"] }',
        "fields[reason_detail].visible_when.reason",
        errors.VisibleBadOption,
    ),
    (
        'visible_when = { reason = ["其他"] }',
        'visible_when = { household_size = ["1"] }',
        "fields[reason_detail].visible_when",
        errors.VisibleNotEarlier,
    ),
    (
        'visible_when = { reason = ["其他"] }',
        'visible_when = { reason_detail = ["x"] }',
        "fields[reason_detail].visible_when",
        errors.VisibleNotEarlier,
    ),
    (
        'visible_when = { reason = ["其他"] }',
        "visible_when = { reason = [] }",
        "fields[reason_detail].visible_when.reason",
        errors.Blank,
    ),
    (
        'visible_when = { reason = ["其他"] }',
        'visible_when = "reason"',
        "fields[reason_detail].visible_when",
        errors.NotTable,
    ),
    ('offices = ["民政办"]', 'offices = ["民政局"]', "offices", errors.OfficeNotInProcedure),
    ('offices = ["民政办"]', "offices = []", "offices", errors.Blank),
    ('offices = ["民政办"]', 'offices = ["民政办", "民政办"]', "offices", errors.DuplicateValue),
    (
        'acceptance_conditions = ["本地户籍"]',
        'acceptance_conditions = "本地户籍"',
        "acceptance_conditions",
        errors.NotTextList,
    ),
    (
        'special_procedures = ["公示"]',
        'special_procedures = ["公示", 3]',
        "special_procedures",
        errors.NotTextList,
    ),
    ('tier = "village"', 'tier = "村"', "procedure[1].tier", errors.NotOneOf),
    ('fee = "不收费"', "fee = 0", "fee", errors.NotText),
]


@pytest.mark.parametrize(("old", "new", "field", "problem"), MISTAKES)
def test_each_mistake_names_file_matter_and_key(
    tmp_path: Path, old: str, new: str, field: str, problem: type[errors.CatalogueProblem]
) -> None:
    error = load_error(tmp_path, edit(old, new))
    assert type(error) is errors.CatalogueInvalid
    assert error.params["file"] == str(tmp_path / "bad.toml")
    assert error.params["matter"] == "T-001"
    assert error.params["field"] == field
    assert type(error.params["problem"]) is problem
    message = str(error)
    assert "bad.toml" in message and "T-001" in message and f"“{field}”" in message


def test_a_matter_without_a_readable_code_is_named_by_position(tmp_path: Path) -> None:
    error = load_error(tmp_path, edit('code = "T-001"', 'code = "T 001"'))
    assert error.params["matter"] == "#1"
    assert error.params["field"] == "code"
    assert isinstance(error.params["problem"], errors.BadCode)


def test_unknown_key_message_lists_the_valid_keys(tmp_path: Path) -> None:
    error = load_error(tmp_path, edit("copies = 1", "copie = 1"))
    assert "copies" in str(error.params["problem"])
    assert "copie" in str(error)


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = edit('result_document = "审批表"', 'result_document = "审批表')
    line = text.splitlines().index('result_document = "审批表') + 1
    error = load_error(tmp_path, text)
    assert isinstance(error, errors.CatalogueSyntax)
    assert error.params["line"] == line
    assert f"第 {line} 行" in str(error) and "bad.toml" in str(error)


def test_a_key_given_twice_is_a_syntax_error() -> None:
    with pytest.raises(errors.CatalogueSyntax) as caught:
        load_catalogue_text(edit("visits = 0", "visits = 0\nvisits = 1"), "dup.toml")
    assert caught.value.params["file"] == "dup.toml"


def test_absurd_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(errors.CatalogueSyntax):
        load_catalogue_text("a = " + "[" * 100_000, "deep.toml")


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gbk.toml").write_bytes(GOOD.encode("gbk"))
    with pytest.raises(errors.CatalogueEncoding) as caught:
        load_catalogue(tmp_path)
    assert "gbk.toml" in str(caught.value)


def test_notepad_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "bom.toml").write_bytes(GOOD.encode("utf-8-sig"))
    assert len(load_catalogue(tmp_path)) == 1


def test_codes_are_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    with pytest.raises(errors.CatalogueInvalid) as caught:
        load_catalogue(tmp_path)
    error = caught.value
    assert error.params["file"] == str(tmp_path / "b.toml")
    assert error.params["matter"] == "T-001" and error.params["field"] == "code"
    assert isinstance(error.params["problem"], errors.DuplicateCode)
    assert "a.toml" in str(error)


def test_codes_are_unique_within_a_file() -> None:
    body = GOOD.split("[[matter]]", 1)[1]
    with pytest.raises(errors.CatalogueInvalid) as caught:
        load_catalogue_text(GOOD + "\n[[matter]]" + body, "twice.toml")
    assert isinstance(caught.value.params["problem"], errors.DuplicateCode)


@pytest.mark.parametrize(
    ("text", "error", "field"),
    [
        ("format = 1\n", errors.CatalogueNoMatters, None),
        ("format = 2\n" + GOOD.split("\n", 2)[2], errors.CatalogueFileKey, "format"),
        ("formt = 1\n" + GOOD.split("\n", 2)[2], errors.CatalogueFileKey, "formt"),
        ('format = 1\nmatter = "x"\n', errors.CatalogueFileKey, "matter"),
    ],
)
def test_file_level_mistakes(
    text: str, error: type[errors.CatalogueInvalid], field: str | None
) -> None:
    with pytest.raises(error) as caught:
        load_catalogue_text(text, "top.toml")
    assert caught.value.params["file"] == "top.toml"
    assert caught.value.params.get("field") == field
    assert "top.toml" in str(caught.value)


def test_missing_and_empty_sources(tmp_path: Path) -> None:
    with pytest.raises(errors.CatalogueNotFound):
        load_catalogue(tmp_path / "nowhere")
    with pytest.raises(errors.CatalogueEmpty):
        load_catalogue(tmp_path)
    with pytest.raises(errors.CatalogueEmpty):
        load_catalogue([])


def test_sources_files_and_lists(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "one.toml")
    second = write(tmp_path, edit('code = "T-001"', 'code = "T-002"'), "two.toml")
    assert list(load_catalogue(first).matters) == ["T-001"]
    both = load_catalogue([second, first])
    assert list(both.matters) == ["T-001", "T-002"]
    assert both.digest == load_catalogue(tmp_path).digest
    assert both.digest != load_catalogue(first).digest
    with_shipped = load_catalogue([DATA_DIR, second])
    assert "T-002" in with_shipped and len(with_shipped) == len(load_catalogue()) + 1


def test_digest_changes_with_any_byte(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "x.toml")
    before = load_catalogue(tmp_path).digest
    write(tmp_path, GOOD + "# a comment\n", "x.toml")
    after = load_catalogue(tmp_path).digest
    assert len(before) == 64 and before != after
    assert after == load_catalogue(tmp_path).digest


def test_lookup_errors() -> None:
    catalogue = Catalogue(load_catalogue_text(GOOD, "t.toml"), digest="0" * 64)
    with pytest.raises(errors.UnknownMatter) as caught:
        catalogue.get("T-999")
    assert "T-999" in str(caught.value)
    matter = catalogue.get("T-001")
    with pytest.raises(errors.UnknownMaterial) as missing:
        matter.material("结婚证")
    assert "结婚证" in str(missing.value)
    assert "申请书、残疾人证" in str(missing.value)


def test_dict_level_reader_matches_text_reader() -> None:
    import tomllib

    assert load_catalogue_data(tomllib.loads(GOOD), "t.toml") == load_catalogue_text(GOOD, "t.toml")


# --- the shipped catalogue ---------------------------------------------------

SHIPPED_NAMES = {
    "城乡居民基本养老保险参保登记",
    "城乡居民基本医疗保险参保登记",
    "农村最低生活保障申请",
    "特困人员救助供养申请",
    "临时救助申请",
    "困难残疾人生活补贴和重度残疾人护理补贴",
    "高龄津贴申领",
    "农村宅基地和建房（规划许可）申请",
    "生育登记",
    "就业创业证申领",
}


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load_catalogue()


def by_name(catalogue: Catalogue, name: str) -> Matter:
    (matter,) = [m for m in catalogue if m.name == name]
    return matter


def test_shipped_catalogue_has_the_village_matters(shipped: Catalogue) -> None:
    assert len(shipped) >= 10
    assert {m.name for m in shipped} >= SHIPPED_NAMES
    assert list(shipped.matters) == sorted(shipped.matters)
    assert [m.code for m in shipped] == list(shipped.matters)
    assert {m.tier for m in shipped} >= {"township", "county"}


def test_shipped_tiers_and_offices_follow_the_domain(shipped: Catalogue) -> None:
    dibao = by_name(shipped, "农村最低生活保障申请")
    assert dibao.tier == "county" and dibao.offices == ("民政局",)
    assert any(s.tier == "township" and s.office == "民政办" for s in dibao.procedure)
    assert by_name(shipped, "临时救助申请").tier == "township"
    assert by_name(shipped, "困难残疾人生活补贴和重度残疾人护理补贴").tier == "county"
    assert by_name(shipped, "生育登记").tier == "township"
    assert by_name(shipped, "就业创业证申领").tier == "township"
    homestead = by_name(shipped, "农村宅基地和建房（规划许可）申请")
    assert homestead.tier == "township" and homestead.is_joint
    assert set(homestead.offices) == {"农业农村办", "自然资源所"}
    assert homestead.type == "行政许可"


def test_every_shipped_matter_is_complete(shipped: Catalogue) -> None:
    for matter in shipped:
        assert matter.source == f"{matter.code}.toml"
        assert matter.type in MATTER_TYPES and matter.tier in TIERS
        assert "《" in matter.legal_basis
        assert 0 <= matter.promised_days <= matter.legal_days
        assert matter.acceptance_conditions and matter.procedure
        assert any(m.required for m in matter.materials), matter.code
        assert any(not m.required for m in matter.materials), matter.code
        for material in matter.materials:
            assert material.form in MATERIAL_FORMS and material.source in MATERIAL_SOURCES
        kinds = {f.type for f in matter.fields}
        assert {"choice", "date", "number"} <= kinds, matter.code
        assert any(
            f.type == "number" and f.min is not None and f.max is not None for f in matter.fields
        ), matter.code
        assert any(f.visible_when for f in matter.fields), matter.code


def test_to_json_is_json_ready(shipped: Catalogue) -> None:
    for matter in shipped:
        data = matter.to_json()
        assert json.loads(json.dumps(data, ensure_ascii=False)) == data
        assert list(data) == [
            "code",
            "name",
            "type",
            "tier",
            "offices",
            "legal_basis",
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
        ]
        assert data["code"] == matter.code and data["offices"] == list(matter.offices)
        for material in data["materials"]:
            assert set(material) == {"name", "required", "required_when", "form", "media",
                                     "originals", "copies", "source", "issuer", "note",
                                     "reuse_months"}
        for step in data["procedure"]:
            assert set(step) == {"name", "tier", "office", "days"}
        for field in data["fields"]:
            assert {
                "name",
                "label",
                "type",
                "required",
                "pattern",
                "min",
                "max",
                "options",
                "visible_when",
            } <= set(field)
            assert isinstance(field["options"], list)
    homestead = by_name(shipped, "农村宅基地和建房（规划许可）申请").to_json()
    fields = {f["name"]: f for f in homestead["fields"]}
    assert fields["old_homestead_area"]["visible_when"] == {"build_type": ["原址翻建", "改建扩建"]}
    assert fields["household_size"]["options"] == []
