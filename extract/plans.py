"""Identity and kind of cited plans, strategies and laws.

A plan is cited many ways (「第６期…基本計画」, 第6期 …基本計画, …基本計画（第６期）), so mentions are
merged by :func:`plan_key`. Editions are part of the identity: 第６期 and 第7期 differ, and an
edition-less mention never merges with an edition-ful one (docs/formats.md §6.4). Kinds come from
suffix tables in ``extract/data`` so that new document nouns need no code.
"""

from __future__ import annotations

import re
from functools import lru_cache

from keifu.extract.normalize import kanji_number, squash
from keifu.extract.vocab import rows as data_rows

_ORD = r"第(?P<n>[0-9０-９]+|[一二三四五六七八九十〇]+)(?P<u>期|次)"
_ORD_RX = re.compile(_ORD)
_PAREN_ORD = re.compile(r"[（(]" + _ORD + r"[）)]$")
_QUOTES = re.compile(r"[「」『』〈〉《》≪≫\"'“”‘’]")
_TRAILING = re.compile(r"(?:等|など|について)+$")
_ETC = re.compile(r"(?:等|など)+$")


def plan_edition(name: str) -> int | None:
    """Edition of a plan name: 第６期 / 第6次 / 第六期 / （第２期） → int; None when unnumbered."""
    m = _ORD_RX.search(squash(name))
    return kanji_number(m.group("n")) if m else None


def plan_key(name: str) -> str:
    """Identity key of a plan across documents.

    Folds width, spacing and quotes, moves a trailing （第N期） to the front, writes every ordinal as
    ``第N期`` and drops trailing 等/について. Editions stay: 第６期 ≠ 第7期 ≠ no edition.
    """
    s = squash(name)
    s = _QUOTES.sub("", s)
    s = _TRAILING.sub("", s)
    m = _PAREN_ORD.search(s)
    if m:
        s = f"第{kanji_number(m.group('n'))}期" + s[: m.start()]
    s = _ORD_RX.sub(lambda m: f"第{kanji_number(m.group('n'))}期", s)
    return fold_variant(s).lower()


_QUALIFIER = re.compile(r"\([^()]*\)$")
_GROUP = "群"


def fold_variant(name: str) -> str:
    """One work under its printed variants: a trailing parenthesised qualifier (…ガイドライン（実施基準）) or a
    群 suffix (…統一基準群) goes when what remains still ends in a document noun, so both forms share a key.

    The name is the squashed form (NFKC: ASCII parentheses); editions were moved to the front before."""
    s = name
    for _ in range(2):
        m = _QUALIFIER.search(s)
        if m and m.start() > 0 and document_noun(s[:m.start()]):
            s = s[:m.start()]
        if s.endswith(_GROUP) and document_noun(s[:-1]):
            s = s[:-1]
    return s


def base_name(name: str) -> str | None:
    """The name without its edition (第６期X → X), or None when it has no edition."""
    s = _QUOTES.sub("", squash(name))
    m = _PAREN_ORD.search(s)
    if m:
        return s[: m.start()]
    m = _ORD_RX.match(s)
    return s[m.end():] if m and m.end() < len(s) else None


# --- suffix tables ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _plan_suffixes() -> list[tuple[str, str, str, bool]]:
    rows = [(squash(r[0]), r[1], r[2], len(r) > 3 and r[3].strip() == "1") for r in data_rows("plan_kinds.tsv")]
    return sorted(rows, key=lambda r: -len(r[0]))


@lru_cache(maxsize=1)
def _body_suffixes() -> list[tuple[str, str]]:
    rows = [(squash(r[0]), r[1].strip()) for r in data_rows("deciding_bodies.tsv")]
    return sorted(rows, key=lambda r: -len(r[0]))


@lru_cache(maxsize=1)
def deciding_verbs() -> tuple[str, ...]:
    """Deciding verbs from ``deciding_verbs.tsv``, longest first."""
    return tuple(sorted({squash(r[0]) for r in data_rows("deciding_verbs.tsv")}, key=len, reverse=True))


@lru_cache(maxsize=8192)
def suffix_entry(name: str) -> tuple[str, str, str, bool] | None:
    """The longest plan_kinds.tsv row whose suffix ends ``name`` (after folding), or None (asked again and
    again for the same names by the citation passes: cached)."""
    s = _ETC.sub("", _QUOTES.sub("", squash(name)))
    s = _PAREN_ORD.sub("", s)
    lengths, by_suffix = _suffix_index()
    for cand in (s, re.sub(r"\([^()]*\)$", "", s)):  # …ガイドライン（実施基準）
        for n in lengths:
            if (row := by_suffix.get(cand[-n:])) is not None:
                return row
    return None


@lru_cache(maxsize=1)
def _suffix_index() -> tuple[tuple[int, ...], dict[str, tuple[str, str, str, bool]]]:
    """Suffix lengths, longest first, and suffix → its first row: a few dict lookups per name instead of an
    endswith per row (the rows are tried longest first, and equal-length suffixes that both end a name are
    the same string, so the first such row is the one the row order would have found)."""
    by_suffix: dict[str, tuple[str, str, str, bool]] = {}
    for row in _plan_suffixes():
        by_suffix.setdefault(row[0], row)
    return tuple(sorted({len(k) for k in by_suffix if k}, reverse=True)), by_suffix


def document_noun(name: str) -> str | None:
    """The document noun ending ``name`` (計画, 戦略, 法 …), None if it ends in none or in a look-alike."""
    row = suffix_entry(name)
    if row is None or row[2] == "none":
        return None
    return row[0]


def classify_plan(name: str) -> str | None:
    """plan-kind code from the longest matching suffix; None for laws, look-alikes and unknown nouns."""
    row = suffix_entry(name)
    if row is None or row[1] == "-":
        return None
    return row[1]


def standalone(name: str) -> bool:
    """True when the name's noun is strong enough to be taken unquoted and undated (…基本計画等)."""
    row = suffix_entry(name)
    return bool(row and row[3])


def classify_body(body: str) -> str | None:
    """deciding-body-kind code by longest suffix (閣議 → cabinet, …本部 → headquarters, …大臣 → minister)."""
    s = squash(body)
    s = re.sub(r"[(（][^()（）]*[)）]", "", s)  # 内閣サイバーセキュリティセンター（NISC）…本部
    s = re.sub(r"(?:の|日付け|付け|付)$", "", s)
    if not s:
        return None
    for suffix, code in _body_suffixes():
        if s.endswith(suffix):
            return code
    return "other"


_LAW_NUMBER = re.compile(r"(法律|政令|省令|府令|規則|条例)第[0-9０-９]+号")


def is_law(name: str, number: str | None) -> bool:
    """A law when the number is a 法律/政令/省令… number, or the name ends in a law suffix (…法, …法律)."""
    if number and _LAW_NUMBER.search(squash(number)):
        return True
    if number and "告示" in number:
        return False
    row = suffix_entry(name)
    return bool(row and row[2] == "law")


@lru_cache(maxsize=1)
def _agency_document_rx() -> re.Pattern[str]:
    words = sorted({w for r in data_rows("document_kinds.tsv") for w in r[2].split(";") if w}, key=len, reverse=True)
    alt = "|".join(map(re.escape, words))
    return re.compile(rf"^(?:本|当|次期|第[0-9]+期)?(?:{alt})$|業務運営に関する(?:計画|目標)$")


def is_agency_document(name: str) -> bool:
    """An agency's own objectives or plan (第２期中長期計画, 年度計画 …): not a national plan."""
    s = _QUOTES.sub("", squash(name))
    s = _ORD_RX.sub(lambda m: f"第{kanji_number(m.group('n'))}期", s)
    return bool(_agency_document_rx().search(s))
