"""Text folding for matching. Output keeps source text; only comparisons use these views.

Two views (docs/formats.md §10): :func:`squash` removes all whitespace (names, dates, citations);
:func:`collapse` folds runs of spaces to one (tables, Latin text). Markers such as ① or Ⅱ must be
detected on raw text before folding, because NFKC turns ① into 1 and Ⅱ into II.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Radicals Supplement (U+2E80…) is not folded by NFKC; Kangxi radicals (U+2F00…) are.
_RADICALS = str.maketrans({
    "\u2ed1": "長", "\u2ee9": "黄", "\u2eeb": "斉", "\u2ead": "示", "\u2ebc": "肉",
    "\u2ec4": "西", "\u2ecf": "邑", "\u2ed8": "青", "\u2edd": "食", "\u2ee2": "馬",
    "\u2e8e": "兀", "\u2e9f": "母", "\u2ea0": "民", "\u2ea4": "爫", "\u2ec5": "見",
    "\u2ecc": "辶", "\u2eca": "足", "\u2ec6": "覀", "\u2ee3": "骨",
})
# Bullets and look-alikes that NFKC leaves alone.
_BULLETS = str.maketrans({
    "\u3007": "○", "\u25cb": "○", "\u25ef": "○", "\uf09e": "・", "\uf06e": "・", "\u2022": "・", "\u2713": "・",
    "\u30fb": "・", "\uff65": "・",
})
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})
_WS = re.compile(r"\s+")
_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


#: Characters some table above changes: str.translate looks every character up in a dict, which costs more
#: than a regex scan that finds none (the usual case).
_RADICAL_CHARS = re.compile("[" + "".join(map(chr, _RADICALS)) + "]")
_FOLD_AFTER_NFKC = {**_BULLETS, **_DASHES}
_FOLD_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _FOLD_AFTER_NFKC) + "]")


def nfkc(s: str) -> str:
    """NFKC plus the radical forms NFKC misses."""
    if _RADICAL_CHARS.search(s):
        s = s.translate(_RADICALS)
    return unicodedata.normalize("NFKC", s)


def _fold(s: str) -> str:
    """NFKC, radicals, bullets and dashes folded; bullets and dashes after NFKC, which may produce some of
    them (U+2011 becomes U+2010), so they are looked for in its output."""
    s = nfkc(s)
    return s.translate(_FOLD_AFTER_NFKC) if _FOLD_CHARS.search(s) else s


@lru_cache(maxsize=1 << 16)
def squash(s: str) -> str:
    """NFKC, radicals, bullets and dashes folded, all whitespace removed."""
    return _WS.sub("", _fold(s))


def display_width(s: str) -> int:
    """Columns ``s`` takes on a page, whitespace removed: a full-width character takes two, a Latin letter or
    digit one, and so does full-width punctuation (、「」（）, which typesetting packs into half its width).
    Line lengths compared in columns hold for lines that mix Latin names, punctuation and Japanese."""
    return sum(_columns(c) for c in s if not c.isspace())


@lru_cache(maxsize=4096)
def _columns(c: str) -> int:
    return 2 if unicodedata.east_asian_width(c) in "FWA" and not unicodedata.category(c).startswith("P") else 1


def collapse(s: str) -> str:
    """NFKC with runs of whitespace folded to one space and the ends trimmed."""
    return _WS.sub(" ", _fold(s)).strip()


def ascii_digits(s: str) -> str:
    """Full-width digits to ASCII, nothing else changed (safe on raw text with markers)."""
    return s.translate(_FW_DIGITS)


_QUOTES = re.compile(r"[「」『』\"'“”‘’〈〉《》≪≫]")


@lru_cache(maxsize=1 << 16)
def match_key(s: str) -> str:
    """The comparison key for titles and plan names: squashed, quotes dropped, Latin lower-cased."""
    return _QUOTES.sub("", squash(s)).lower()


_KANJI_UNIT = {"十": 10, "百": 100, "千": 1000}
_KANJI_DIGIT = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def kanji_number(s: str) -> int | None:
    """Kanji or digit numeral to int (十, 二十三, 百四十, 千二百, 六, ６, 二〇二五); None when not a number.

    Statutes number laws in kanji with 百 and 千 (法律第百四十号)."""
    s = ascii_digits(s)
    if s.isdigit():
        return int(s)
    if not s or any(c not in _KANJI_DIGIT and c not in _KANJI_UNIT for c in s):
        return None
    if any(c in _KANJI_UNIT for c in s):
        total, digit, last_unit = 0, None, 10_000
        for c in s:
            if c in _KANJI_DIGIT:
                if digit is not None:
                    return None  # 二三十: two digits before a unit
                digit = _KANJI_DIGIT[c]
            else:
                unit = _KANJI_UNIT[c]
                if unit >= last_unit:
                    return None  # 十百, 十十: units must fall
                total += (1 if digit is None else digit) * unit
                digit, last_unit = None, unit
        return total + (digit or 0)
    value = 0
    for c in s:
        value = value * 10 + _KANJI_DIGIT[c]
    return value


def fold_map(text: str, fold_char: Callable[[str], str]) -> tuple[str, list[int]]:
    """Fold ``text`` char by char; ``idx[k]`` is the input offset of folded char ``k``, plus one entry for the end.

    Parsers match on a folded view and cite the original by mapping offsets back through ``idx``.
    """
    parts = list(map(fold_char, text))
    out = "".join(parts)
    if len(out) == len(text) and "" not in parts:  # the common case: every char folds to one char
        return out, list(range(len(text) + 1))
    idx = [i for i, folded in enumerate(parts) for _ in folded]
    idx.append(len(text))
    return out, idx


def join_wrapped(left: str, right: str) -> str:
    """Join two pieces of a hard-wrapped line: no space, except between two Latin letters or digits."""
    left = left.rstrip()
    right = right.lstrip()
    if left and right and left[-1].isascii() and right[0].isascii() and left[-1].isalnum() and right[0].isalnum():
        return f"{left} {right}"
    return left + right
