"""Matter search: Chinese, pinyin, initials, codes and everyday short names."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.catalogue import DATA_DIR, Matter, load_catalogue
from station.filing import matter_search
from station.filing.matter_search import MatterIndex, normalize, record_recent

CATALOGUE = load_catalogue()
INDEX = MatterIndex(CATALOGUE)
CODES = [m.code for m in CATALOGUE]
SHIPPED_FILES = sorted(DATA_DIR.glob("*.toml"))  # one matter each

DIBAO = "450981-MZ-001"  # 农村最低生活保障申请
TEKUN = "450981-MZ-002"  # 特困人员救助供养申请
LINJIU = "450981-MZ-003"  # 临时救助申请
GAOLING = "450981-MZ-005"  # 高龄津贴申领
ZHAIJIDI = "450981-NY-001"  # 农村宅基地和建房（规划许可）申请
YANGLAO = "450981-RS-001"  # 城乡居民基本养老保险参保登记
YIBAO = "450981-YB-001"  # 城乡居民基本医疗保险参保登记
LIANGXIANG = "450981-MZ-004"  # 困难残疾人生活补贴和重度残疾人护理补贴
LIANGXIANG_LIST = "450981-CL-001"  # the same, with the format's per-step and sequential keys


def codes(query: str, recent: tuple[str, ...] = (), limit: int | None = None) -> list[str]:
    return [m.code for m in INDEX.search(query, recent, limit)]


def test_the_shipped_matters_are_the_ones_these_tests_name() -> None:
    names = {m.code: m.name for m in CATALOGUE}
    assert names[DIBAO] == "农村最低生活保障申请"
    assert names[GAOLING] == "高龄津贴申领"
    assert "宅基地" in names[ZHAIJIDI]
    assert len(INDEX) == len(CATALOGUE) == len(SHIPPED_FILES)


@pytest.mark.parametrize("query", ["dbsq", "DBSQ", " db sq ", "ＤＢＳＱ", "低保", "低保申请"])
def test_dibao_by_its_everyday_name(query: str) -> None:
    assert codes(query)[0] == DIBAO


@pytest.mark.parametrize(
    "query", ["农村最低", "最低生活", "nczd", "NCZD", "zuidi", "zui di", "nong'cun zui", "dibao"]
)
def test_dibao_by_name_initials_and_pinyin(query: str) -> None:
    assert DIBAO in codes(query)


def test_exact_full_pinyin_and_initials() -> None:
    assert codes("nongcunzuidishenghuobaozhangshenqing") == [DIBAO]
    assert codes("nczdshbzsq") == [DIBAO]


@pytest.mark.parametrize("query", ["宅基地", "zjd", "ZJD", "zhaijidi", "建房申请", "建房规划"])
def test_zhaijidi(query: str) -> None:
    assert codes(query) == [ZHAIJIDI]


@pytest.mark.parametrize("query", ["MZ-005", "mz-005", "450981-MZ-005", "mz005"])
def test_by_code(query: str) -> None:
    assert codes(query) == [GAOLING]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("特困", TEKUN),
        ("tkgy", TEKUN),
        ("临救", LINJIU),
        ("残补", LIANGXIANG),
        ("两项补贴", LIANGXIANG),
        ("老人补贴", GAOLING),
        ("就业证", "450981-RS-002"),
        ("失业证", "450981-RS-002"),
        ("生育服务登记", "450981-WJ-001"),
        ("社保", YANGLAO),
        ("医保", YIBAO),
        ("ybcb", YIBAO),
    ],
)
def test_aliases(query: str, code: str) -> None:
    if code == LIANGXIANG:  # also written as the county's 事项清单 has it
        assert set(codes(query)[:2]) == {LIANGXIANG, LIANGXIANG_LIST}
    else:
        assert codes(query)[0] == code


@pytest.mark.parametrize("query", ["xyzxyz", "火星", "999999", "-_-"])
def test_nothing_matches(query: str) -> None:
    assert INDEX.search(query) == []


def test_empty_query_lists_recent_first_then_catalogue_order() -> None:
    assert codes("") == CODES
    assert codes("   ") == CODES
    recent = (GAOLING, "no-such-code", ZHAIJIDI, GAOLING)
    expected = [GAOLING, ZHAIJIDI] + [c for c in CODES if c not in (GAOLING, ZHAIJIDI)]
    assert codes("", recent) == expected
    assert codes("", recent, limit=3) == expected[:3]
    assert codes("", limit=0) == []


def test_recent_first_within_a_rank_only() -> None:
    # "cbdj" is a substring of both insurance registrations' initials: one rank.
    assert codes("cbdj") == [YANGLAO, YIBAO]
    assert codes("cbdj", (YIBAO,)) == [YIBAO, YANGLAO]
    # 社保 is 养老's alias, an exact match: recency does not lift a weaker match over it.
    assert codes("sb", (YIBAO,))[0] == YANGLAO


def test_rank_order() -> None:
    # "yang": prefix of 养老参保's pinyin beats a substring of 特困供养's pinyin.
    assert codes("yang") == [YANGLAO, TEKUN]
    assert codes("yang", (TEKUN,)) == [YANGLAO, TEKUN]
    # "救助": substring of two names, in catalogue order, whatever the code says.
    assert codes("救助") == [TEKUN, LINJIU]
    assert codes("救助", (LINJIU,)) == [LINJIU, TEKUN]
    # A name match outranks a code match.
    assert codes("农村")[:2] == [DIBAO, ZHAIJIDI]


def test_limit() -> None:
    assert codes("申请", limit=2) == codes("申请")[:2]
    assert codes("申请", limit=-1) == []
    assert len(codes("450981")) == len(SHIPPED_FILES)


def test_polyphone_initials_are_bounded_and_searchable() -> None:
    # 行 alone reads xing or hang; in a known phrase pypinyin picks one reading.
    assert matter_search._initials("行") == ["x", "h"]
    assert matter_search._initials("银行") == ["yh"]
    name = "困难残疾人生活补贴和重度残疾人护理补贴"  # 重度: zhong, also read chong
    spellings = matter_search._initials(name)
    assert spellings[0] == "kncjrshbthzdcjrhlbt"
    assert "kncjrshbthcdcjrhlbt" in spellings
    assert len(spellings) <= matter_search.MAX_VARIANTS + 1
    assert codes("hcdcjr") == codes("hzdcjr")
    assert set(codes("hzdcjr")) == {LIANGXIANG, LIANGXIANG_LIST}


def test_custom_aliases() -> None:
    index = MatterIndex(CATALOGUE, aliases={"高龄": ("长寿金",)})
    assert [m.code for m in index.search("长寿金")] == [GAOLING]
    assert [m.code for m in index.search("csj")] == [GAOLING]
    assert index.search("低保") == []


def test_normalize() -> None:
    assert normalize(" Ｄb\tS\u3000q\n") == "dbsq"


def test_record_recent() -> None:
    assert record_recent([], "A") == ["A"]
    assert record_recent(["A", "B", "C"], "C") == ["C", "A", "B"]
    assert record_recent(["A", "B", "A", "C"], "D") == ["D", "A", "B", "C"]
    assert record_recent([str(i) for i in range(8)], "X") == ["X", *map(str, range(7))]
    assert record_recent(["A", "B", "C"], "B", keep=2) == ["B", "A"]
    assert record_recent(["A"], "B", keep=0) == []
    recent = ["A", "B"]
    record_recent(recent, "C")
    assert recent == ["A", "B"]


def _many(count: int) -> list[Matter]:
    shipped = list(CATALOGUE)
    return [
        replace(
            shipped[i % len(shipped)],
            code=f"450981-XX-{i:04d}",
            name=shipped[i % len(shipped)].name + chr(0x4E00 + i * 7) + chr(0x5000 + i * 3),
        )
        for i in range(count)
    ]


def test_search_never_calls_pypinyin(monkeypatch: pytest.MonkeyPatch) -> None:
    index = MatterIndex(_many(1000))

    def forbidden(*args: object, **kwargs: object) -> list[str]:
        raise AssertionError("pypinyin called at search time")

    monkeypatch.setattr(matter_search, "lazy_pinyin", forbidden)
    monkeypatch.setattr(matter_search, "pinyin", forbidden)
    for query in ("dbsq", "低保", "z", "nongcun", "450981-XX-09", "", "none-such"):
        index.search(query, recent=("450981-XX-0500",))
    period, first = len(CODES), CODES.index(DIBAO)  # _many cycles through the shipped matters
    assert [m.code for m in index.search("dbsq", limit=3)] == [
        f"450981-XX-{first + i * period:04d}" for i in range(3)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=st.text(),
    recent=st.lists(st.sampled_from([*CODES, "x", ""]) | st.text(max_size=5), max_size=5),
    limit=st.none() | st.integers(-2, 12),
)
def test_search_never_raises_and_returns_catalogue_matters(
    query: str, recent: list[str], limit: int | None
) -> None:
    found = INDEX.search(query, recent, limit)
    assert all(m in CATALOGUE.matters.values() for m in found)
    assert len({m.code for m in found}) == len(found)
    if limit is not None:
        assert len(found) <= max(limit, 0)
    if not normalize(query):
        every = len(CATALOGUE)
        assert len(found) == (every if limit is None else min(max(limit, 0), every))
