"""Find service matters by Chinese, pinyin, pinyin initials, code or common short name.

Agents at a village station type whatever is quickest: 低保, ``dibao``, ``dbsq``,
``nczd`` or part of a code such as ``MZ-005``.  :class:`MatterIndex` spells every
matter name (and a few everyday aliases) out in pinyin once, when it is built, so
that a search is only plain string containment: no pypinyin calls, no I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

from pypinyin import Style, lazy_pinyin, pinyin

from forms.catalogue import Matter

__all__ = ["ALIASES", "MatterIndex", "normalize", "record_recent"]

# Everyday short names, keyed by a substring of the official matter name.  Agents
# say 低保 and type "dbsq", which the initials of 农村最低生活保障申请 never contain.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "最低生活保障": ("低保申请", "低保"),
    "特困人员": ("特困供养", "特困"),
    "临时救助": ("临救",),
    "残疾人": ("残疾补贴", "残补", "两项补贴"),
    "高龄津贴": ("高龄补贴", "老人补贴"),
    "宅基地": ("建房申请", "宅基地申请"),
    "养老保险": ("养老参保", "社保"),
    "就业创业证": ("就业证", "失业证"),
    "生育登记": ("生育服务登记",),
    "医疗保险": ("医保参保", "医保"),
}

# Extra initials spellings from polyphonic characters (行 x/h), per name or alias.
MAX_VARIANTS = 4

# Ranks, best first.
EXACT, PREFIX, NAME, INITIALS, PINYIN, CODE = range(6)

# Keys are joined with a newline; normalize() removes all whitespace from a
# query, so a query can never match across two keys.
_SEP = "\n"


def normalize(text: str) -> str:
    """Fold width and case and drop whitespace: ``" ＤＢ sq "`` -> ``"dbsq"``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(folded.split())


def _alnum(text: str) -> str:
    """Only letters and digits: pinyin typed as ``nong'cun`` or ``nong-cun`` still matches."""
    return "".join(c for c in text if c.isalnum())


def _initials(text: str) -> list[str]:
    """The usual initials, then (bounded) those with one polyphone read another way."""
    usual = lazy_pinyin(text, style=Style.FIRST_LETTER)
    spellings = ["".join(usual)]
    readings = pinyin(text, style=Style.FIRST_LETTER, heteronym=True)
    if len(readings) != len(usual):
        return spellings
    for position, alternatives in enumerate(readings):
        for alternative in alternatives:
            if alternative == usual[position]:
                continue
            variant = "".join(chain(usual[:position], [alternative], usual[position + 1 :]))
            if variant not in spellings:
                spellings.append(variant)
            if len(spellings) > MAX_VARIANTS:
                return spellings
    return spellings


def _blob(keys: Iterable[str]) -> str:
    unique = dict.fromkeys(k for k in keys if k)
    return _SEP + _SEP.join(unique) + _SEP if unique else ""


class _Query:
    """A normalized query with the probes for whole keys and key starts made once."""

    __slots__ = ("exact", "letters", "letters_exact", "letters_start", "start", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.exact = _SEP + text + _SEP
        self.start = _SEP + text
        self.letters = _alnum(text)
        self.letters_exact = _SEP + self.letters + _SEP
        self.letters_start = _SEP + self.letters


@dataclass(frozen=True)
class _Entry:
    matter: Matter
    position: int  # in catalogue order
    names: str  # Chinese name and aliases
    initials: str  # usual initials of the name and aliases
    variants: str  # initials with a polyphone read another way
    pinyin: str
    code: str

    def rank(self, q: _Query) -> int | None:
        """The best rank at which the query matches this matter, or None."""
        names, initials, spelled = self.names, self.initials, self.pinyin
        if q.exact in names:
            return EXACT
        if q.letters and (q.letters_exact in initials or q.letters_exact in spelled):
            return EXACT
        if q.start in names:
            return PREFIX
        if q.letters and (q.letters_start in initials or q.letters_start in spelled):
            return PREFIX
        if q.text in names:
            return NAME
        if q.letters and (q.letters in initials or q.letters in self.variants):
            return INITIALS
        if q.letters and q.letters in spelled:
            return PINYIN
        if q.text in self.code or (q.letters and q.letters in self.code):
            return CODE
        return None


class MatterIndex:
    """Matters with their search keys spelled out once; :meth:`search` is cheap."""

    def __init__(
        self, matters: Iterable[Matter], *, aliases: Mapping[str, Sequence[str]] = ALIASES
    ) -> None:
        self.matters: tuple[Matter, ...] = tuple(matters)
        self._entries = tuple(
            self._entry(matter, position, aliases) for position, matter in enumerate(self.matters)
        )

    def __len__(self) -> int:
        return len(self.matters)

    @staticmethod
    def _entry(matter: Matter, position: int, aliases: Mapping[str, Sequence[str]]) -> _Entry:
        texts = [matter.name]
        for part, names in aliases.items():
            if part and part in matter.name:
                texts.extend(names)
        names_keys: list[str] = []
        initials_keys: list[str] = []
        variant_keys: list[str] = []
        pinyin_keys: list[str] = []
        for text in texts:
            folded = normalize(text)
            names_keys += [folded, _alnum(folded)]  # 建房(规划许可) and 建房规划许可
            usual, *others = (_alnum(normalize(s)) for s in _initials(text))
            initials_keys.append(usual)
            variant_keys += others
            pinyin_keys.append(_alnum(normalize("".join(lazy_pinyin(text, style=Style.NORMAL)))))
        code = normalize(matter.code)
        return _Entry(
            matter=matter,
            position=position,
            names=_blob(names_keys),
            initials=_blob(initials_keys),
            variants=_blob(k for k in variant_keys if k not in initials_keys),
            pinyin=_blob(pinyin_keys),
            code=_blob([code, _alnum(code)]),
        )

    def search(
        self, query: str, recent: Sequence[str] = (), limit: int | None = None
    ) -> list[Matter]:
        """Matters matching ``query``, best first; recently used codes lead within a rank.

        An empty query lists every matter: the recent ones first, in the order
        given, then the rest in catalogue order.
        """
        order: dict[str, int] = {}
        for code in recent:
            order.setdefault(code, len(order))
        late = len(order)

        def recency(entry: _Entry) -> tuple[int, int]:
            return (order.get(entry.matter.code, late), entry.position)

        query = normalize(query)
        if not query:
            found = sorted(self._entries, key=recency)
        else:
            probe = _Query(query)
            ranked: list[tuple[int, int, int, Matter]] = []
            for entry in self._entries:
                rank = entry.rank(probe)
                if rank is not None:
                    ranked.append((rank, *recency(entry), entry.matter))
            ranked.sort(key=lambda item: item[:3])
            return _limited([item[3] for item in ranked], limit)
        return _limited([entry.matter for entry in found], limit)


def _limited(matters: list[Matter], limit: int | None) -> list[Matter]:
    return matters if limit is None else matters[: max(limit, 0)]


def record_recent(recent: Sequence[str], code: str, keep: int = 8) -> list[str]:
    """``code`` moved to the front of ``recent``, without duplicates, at most ``keep`` long."""
    return list(dict.fromkeys([code, *recent]))[: max(keep, 0)]
