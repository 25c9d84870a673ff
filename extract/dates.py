"""Japanese dates as printed in policy documents (docs/formats.md §6.2).

Dates come with eras (令和/平成/昭和/大正, R/H/S), western years, mixed forms
(``令和７年（2025年）４月１日``, ``2021(令和3)年度``), slide abbreviations (``R7.12``), ranges
(``R8～R11年度``) and placeholders (``令和７年〇月``, blank slots ``令和７年 月 日``). Matching runs on a
whitespace-free NFKC view so that wrapped and letter-spaced dates still match; offsets map back to the
caller's string. Placeholders are kept as ``unknown`` dates and never guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import cache

from keifu.extract.normalize import fold_map, kanji_number, nfkc

ERA_BASE: dict[str, int] = {
    "令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867,
    "R": 2018, "H": 1988, "S": 1925, "T": 1911, "M": 1867,
}
_PLACEHOLDER = "〇○●◯"
_KANJI_DIGITS = {"元": 1}


@dataclass(frozen=True)
class JDate:
    """A date at the precision printed; ``unknown`` when a placeholder hides part of it."""

    year: int | None
    month: int | None
    day: int | None
    raw: str
    unknown: bool = False
    fiscal: bool = False

    @property
    def iso(self) -> str | None:
        """ISO 8601 at the printed precision, or None for a placeholder date."""
        if self.unknown or self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def precision(self) -> str:
        if self.unknown or self.year is None:
            return "unknown"
        if self.month is None:
            return "year"
        return "month" if self.day is None else "day"


def era_year(era: str, n: int | str) -> int:
    """Western year of era year ``n`` (``元`` = 1); raises ValueError on an unknown era or number."""
    base = ERA_BASE.get(nfkc(era).strip().upper() if nfkc(era).strip().isascii() else era.strip())
    if base is None:
        raise ValueError(f"unknown era / 不明な元号: {era!r}")
    if isinstance(n, str):
        s = nfkc(n).strip()
        if s in _KANJI_DIGITS:
            n = _KANJI_DIGITS[s]
        elif s.isdigit():
            n = int(s)
        else:
            raise ValueError(f"not an era year / 元号年ではない: {n!r}")
    if n < 1:
        raise ValueError(f"era year must be >= 1 / 元号年は1以上: {n}")
    return base + n


# --- the squashed view ------------------------------------------------------------------------

def squash_map(text: str) -> tuple[str, list[int]]:
    """NFKC, whitespace removed; ``idx[k]`` is the index in ``text`` of squashed char ``k``.

    ``idx`` has one extra entry (``len(text)``) so that an end offset maps too.
    """
    return fold_map(text, _fold_char)


@cache
def _fold_char(ch: str) -> str:
    """One character of the squashed view (cached: the alphabet of a corpus is small)."""
    return "".join(c for c in nfkc(ch) if not c.isspace())


def span_back(idx: list[int], a: int, b: int) -> tuple[int, int]:
    """Map a squashed span [a, b) back to the original string."""
    if b <= a:
        return idx[a], idx[a]
    return idx[a], idx[b - 1] + 1


# --- patterns (on the squashed view) ---------------------------------------------------------

_N = r"[0-9]{1,2}"
_PH = f"[{_PLACEHOLDER}]+"
_ERA = r"(?:令和|平成|昭和|大正|明治|(?<![A-Za-z])[RHST](?=[0-9元]))"
_ERA_Y = rf"(?P<era>{_ERA})(?P<ey>[0-9]{{1,2}}|元|{_PH})"
_WEST_Y = r"(?<![0-9])(?P<wy>1[89][0-9]{2}|20[0-9]{2})"
_MD = rf"(?:(?P<m>{_N}|{_PH})月(?:(?P<d>{_N}|{_PH})日)?|(?P<bm>)月(?P<bd>{_N}|{_PH})?日)"
# 令和7年(2025年)4月1日 / 2021(令和3)年度 / 2022年(令和4年)4月1日 / 令和7年4月1日 / 2025年度
_FULL = re.compile(
    rf"(?:{_ERA_Y}(?:年\((?P<wy2>[0-9]{{4}})年?\)|\((?P<wy3>[0-9]{{4}})\)年|年)"
    rf"|{_WEST_Y}(?:\((?P<era2>{_ERA})(?P<ey2>[0-9]{{1,2}}|元)\)年|年(?:\((?:{_ERA})(?:[0-9]{{1,2}}|元)年\))?))"
    rf"(?:(?P<fy>度)|{_MD})?"
)
# R7.12 / H31.4.1 (slides)
_ABBR = re.compile(rf"(?<![A-Za-z0-9.])(?P<era>[RHS])(?P<ey>[0-9]{{1,2}}|元)\.(?P<m>{_N})(?:\.(?P<d>{_N}))?(?![0-9.])")
# 令和5.6.16 / 令和5.6 (an era with dots); 2023.6.16 / 2023/6/16 / 2023/6 (a western year needs a day or a slash:
# 2023.6 alone may be a number)
_ERA_DOTTED = re.compile(rf"(?P<era>令和|平成|昭和)(?P<ey>[0-9]{{1,2}}|元)\.(?P<m>{_N})(?:\.(?P<d>{_N}))?(?![0-9.])")
_WEST_DOTTED = re.compile(rf"(?<![0-9A-Za-z./])(?P<wy>(?:19|20)[0-9]{{2}})(?:/(?P<m>{_N})(?:/(?P<d>{_N}))?"
                          rf"|\.(?P<m2>{_N})\.(?P<d2>{_N}))(?![0-9./])")
# the first end of a range whose 年/年度 is printed only once: R8～R11年度, 令和7～9年度, 2021-2023年度
_RANGE_HEAD = re.compile(rf"(?P<head>(?P<era>{_ERA})?(?P<n>[0-9]{{1,4}}|元))(?P<sep>[~〜\-―‐－])(?=(?:{_ERA})?[0-9元]{{1,4}}(?:年|\.))")
# an era range whose second end prints no era: 令和7～9年度, 令和７年度～11年度 (the era carries over)
_ERA_RANGE = re.compile(
    rf"(?P<head>(?P<era>{_ERA})(?P<n1>[0-9]{{1,2}}|元)(?:年(?P<fy1>度)?)?)[~〜\-―‐－]"
    rf"(?P<tail>(?P<n2>[0-9]{{1,2}})年(?P<fy2>度)?)(?![0-9])"
)
# 令和七年四月一日 / 平成三十一年度 (statutes and some cover pages print kanji numerals)
_KN = "[一二三四五六七八九十]"
_KANJI_FULL = re.compile(
    rf"(?P<era>令和|平成|昭和|大正|明治)(?P<ey>元|{_KN}{{1,3}})年"
    rf"(?:(?P<fy>度)|(?P<m>{_KN}{{1,2}}|{_PH})月(?:(?P<d>{_KN}{{1,3}}|{_PH})日)?)?"
)
def _kanji_match(m: re.Match[str]) -> JDate | None:
    ey, ms, ds = m.group("ey"), m.group("m"), m.group("d")
    unknown = _is_ph(ms) or _is_ph(ds)
    month = kanji_number(ms) if ms and not _is_ph(ms) else None
    day = kanji_number(ds) if ds and not _is_ph(ds) else None
    n = 1 if ey == "元" else kanji_number(ey)
    if n is None or n < 1:
        return None
    year = era_year(m.group("era"), n)
    if not _valid(year, month, day):
        return None
    return JDate(year, month, day, m.group(0), unknown=unknown, fiscal=bool(m.group("fy")))


def _num(s: str | None) -> int | None:
    if s is None or s == "":
        return None
    if s in _KANJI_DIGITS:
        return _KANJI_DIGITS[s]
    return int(s) if s.isdigit() else None


def _era_year(era: str, n: int | str) -> int | None:
    """:func:`era_year`, or None for a year no era has (令和0年 in a typo or a template): not a date."""
    try:
        return era_year(era, n)
    except ValueError:
        return None


def _is_ph(s: str | None) -> bool:
    return s is not None and s != "" and s[0] in _PLACEHOLDER


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None:
        if month is None:
            return False
        last = calendar.monthrange(year if year is not None else 2000, month)[1]
        if not 1 <= day <= last:
            return False
    return True


def _build(m: re.Match[str], raw: str) -> JDate | None:
    g = m.groupdict()
    unknown = False
    year: int | None = None
    era = g.get("era") or g.get("era2")
    ey = g.get("ey") if g.get("era") else g.get("ey2")
    if era and ey is not None:
        if _is_ph(ey):
            unknown = True
        else:
            year = _era_year(era, ey)
            if year is None:  # 令和0年: not a date
                return None
    if year is None and not unknown:
        wy = g.get("wy") or g.get("wy2") or g.get("wy3")
        year = int(wy) if wy else None
    fiscal = bool(g.get("fy"))
    month = day = None
    blank = g.get("bm") is not None and g.get("m") is None
    ms, ds = g.get("m"), g.get("d") if g.get("d") is not None else g.get("bd")
    if blank or _is_ph(ms) or _is_ph(ds):
        unknown = True
    if not blank:
        month = _num(ms) if not _is_ph(ms) else None
    day = _num(ds) if not _is_ph(ds) else None
    if not _valid(year, month, day):
        return None
    if unknown and not blank and _is_ph(ms):
        month = None
    return JDate(year, month, day, raw, unknown=unknown, fiscal=fiscal)


def _west_dotted(m: re.Match[str], raw: str) -> JDate | None:
    year, month = int(m.group("wy")), int(m.group("m") or m.group("m2"))
    d = m.group("d") or m.group("d2")
    day = int(d) if d else None
    return JDate(year, month, day, raw) if _valid(year, month, day) else None


def _scan(s: str) -> list[tuple[int, int, JDate, str]]:
    """All dates in squashed text ``s`` as (start, end, JDate with raw=squashed slice, separator-after)."""
    if "年" not in s and "." not in s and "/" not in s:  # every pattern below needs one of them: skip the scans
        return []
    found: list[tuple[int, int, JDate]] = []
    taken: list[tuple[int, int]] = []
    for m in _ERA_RANGE.finditer(s):
        y1, y2 = _era_year(m.group("era"), m.group("n1")), _era_year(m.group("era"), m.group("n2"))
        if y1 is None or y2 is None or y2 < y1:
            continue
        fiscal = bool(m.group("fy2"))
        found.append((m.start("head"), m.end("head"), JDate(y1, None, None, m.group("head"), fiscal=fiscal)))
        found.append((m.start("tail"), m.end("tail"), JDate(y2, None, None, m.group("tail"), fiscal=fiscal)))
        taken.extend([(m.start("head"), m.end("head")), (m.start("tail"), m.end("tail"))])
    for rx, make in ((_FULL, _build), (_ABBR, _build), (_ERA_DOTTED, _build), (_WEST_DOTTED, _west_dotted),
                     (_KANJI_FULL, lambda m, _raw: _kanji_match(m))):
        for m in rx.finditer(s):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            jd = make(m, m.group(0))
            if jd is None or (jd.year is None and not jd.unknown):
                continue
            found.append((m.start(), m.end(), jd))
            taken.append((m.start(), m.end()))
    # range heads: R8～R11年度 gives R8 as a date with the tail's suffix and era
    for m in _RANGE_HEAD.finditer(s):
        if any(a <= m.start() < b for a, b in taken):
            continue
        tail = next((t for t in found if t[0] == m.end()), None)
        if tail is None:
            continue
        head_era = m.group("era")
        n = m.group("n")
        tail_jd = tail[2]
        year: int | None
        if head_era:
            year = _era_year(head_era, n)
        elif len(n) == 4:
            year = int(n)
        else:
            tail_era = re.match(_ERA, s[tail[0]:tail[1]])
            if not tail_era:
                continue
            year = _era_year(tail_era.group(0), n)
        if year is None:
            continue
        jd = JDate(year, None, None, m.group("head"), fiscal=tail_jd.fiscal)
        found.append((m.start(), m.start() + len(m.group("head")), jd))
    found.sort(key=lambda t: t[0])
    return [(a, b, jd, "") for a, b, jd in found]


def scan_squashed(s: str) -> list[tuple[int, int, JDate]]:
    """Dates in text that is already squashed (used by the citation scanner)."""
    return [(a, b, jd) for a, b, jd, _ in _scan(s)]


def find_dates(text: str) -> list[tuple[int, int, JDate]]:
    """All dates in ``text`` as (start, end, JDate), offsets in ``text``; raw is the span as printed."""
    s, idx = squash_map(text)
    out: list[tuple[int, int, JDate]] = []
    for a, b, jd, _ in _scan(s):
        start, end = span_back(idx, a, b)
        out.append((start, end, JDate(jd.year, jd.month, jd.day, text[start:end], jd.unknown, jd.fiscal)))
    return out


def parse_date(text: str) -> JDate | None:
    """The date when the whole of ``text`` (ignoring whitespace) is one date, else None."""
    s, _ = squash_map(text)
    found = _scan(s)
    if len(found) != 1 or found[0][0] != 0 or found[0][1] != len(s):
        return None
    jd = found[0][2]
    return JDate(jd.year, jd.month, jd.day, text.strip(), jd.unknown, jd.fiscal)


def fiscal_year(text: str) -> int | None:
    """The western year of the first fiscal year (年度) in ``text``: 令和７年度 → 2025."""
    for _, _, jd in find_dates(text):
        if jd.fiscal and jd.year is not None:
            return jd.year
    return None
