"""Targets (目標値) and actual values (実績値) as printed in policy tables, objectives and slides.

Shared by the policy-evaluation table, the slide deck and body indicators (docs/formats.md §7.4 and §8).
Everything is matched on a folded view (NFKC, whitespace and ``**`` removed) whose characters map back to
the caller's string, so every result carries offsets into the input and the phrase as printed. Circled
numbers are protected from NFKC (``①120名`` must not become ``1120名``). Vocabulary (units, qualifiers,
placeholders, kind patterns) lives in ``extract/data/target_vocab.tsv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from .dates import find_dates
from .normalize import fold_map, nfkc
from .vocab import rows

__all__ = ["Observation", "TargetValue", "parse_observations", "parse_targets", "parse_value", "unit_norm"]


@dataclass(frozen=True)
class TargetValue:
    """One target in a phrase; ``expression`` is the phrase as printed, always kept."""

    expression: str
    kind: str  # a code of the target-kind concept scheme
    value: Decimal | None
    unit: str | None
    fiscal_year: int | None
    calendar_year: int | None
    year_to: int | None
    qualifier: str | None
    start: int
    end: int
    category: str | None = None  # 理学系, 創薬シーズ件数 … when one phrase sets several values
    rating: str | None = None  # B for B評価以上
    base_year: int | None = None  # 2018 for 対2018年度比
    horizon: str | None = None  # 3年後までに

    @property
    def unit_norm(self) -> str | None:
        return unit_norm(self.unit)


@dataclass(frozen=True)
class Observation:
    """One actual value for one year (or a placeholder recorded as missing, never as zero)."""

    raw: str
    value: Decimal | None
    unit: str | None
    fiscal_year: int | None
    calendar_year: int | None
    start: int
    end: int
    missing: bool = False
    category: str | None = None
    rating: str | None = None  # S, A, B … when the value is a grade
    qualifier: str | None = None  # 以上, 累計, 推計値 …
    year_to: int | None = None

    @property
    def unit_norm(self) -> str | None:
        return unit_norm(self.unit)

    @property
    def year(self) -> int | None:
        return self.fiscal_year if self.fiscal_year is not None else self.calendar_year


# --- vocabulary ---------------------------------------------------------------------------------

@cache
def _vocab() -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for r in rows("target_vocab.tsv"):
        out.setdefault(r[0], []).append(r[1:])
    return out


@cache
def _units() -> list[tuple[str, str]]:
    """(folded unit, normalised unit), longest first."""
    units = {nfkc(r[0]): (r[1] if len(r) > 1 else r[0]) for r in _vocab()["unit"]}
    return sorted(units.items(), key=lambda kv: -len(kv[0]))


@cache
def _norm_map() -> dict[str, str]:
    return {r[0]: (r[1] if len(r) > 1 else r[0]) for r in _vocab()["unit"]} | {
        nfkc(r[0]): (r[1] if len(r) > 1 else r[0]) for r in _vocab()["unit"]}


def unit_norm(unit: str | None) -> str | None:
    """The unit folded for comparison (％ → %, ヶ国 → か国); unknown units are NFKC-folded."""
    if unit is None:
        return None
    return _norm_map().get(unit) or _norm_map().get(nfkc(unit)) or nfkc(unit)


@cache
def _words(role: str) -> list[tuple[str, str | None]]:
    """(folded word, implied kind) for a role, longest first."""
    out = [(nfkc(r[0]), r[1] if len(r) > 1 and r[1] else None) for r in _vocab().get(role, [])]
    return sorted(out, key=lambda w: -len(w[0]))


@cache
def _kind_rules() -> list[tuple[str, re.Pattern[str]]]:
    return [(r[0], re.compile(r[1])) for r in _vocab()["kind"]]


@cache
def _rating_rx() -> re.Pattern[str]:
    return re.compile(_vocab()["rating"][0][0])


@cache
def _horizon_rx() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{r[0]})" for r in _vocab()["horizon"]))


# --- the folded view ----------------------------------------------------------------------------

_CIRCLED = re.compile(r"[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf\u24ea\u24f5-\u24fe]")


@cache
def _fold_char(ch: str) -> str:
    if ch.isspace() or ch == "*":
        return ""
    if _CIRCLED.match(ch):
        return "#"  # a marker: never part of a number
    return nfkc(ch).replace(" ", "")


def fold(text: str) -> tuple[str, list[int]]:
    """NFKC without whitespace or ``*``; ``idx[k]`` is the input offset of folded char ``k`` (+ end)."""
    return fold_map(text, _fold_char)


def _back(idx: list[int], a: int, b: int) -> tuple[int, int]:
    if b <= a:
        return idx[a], idx[a]
    return idx[a], idx[b - 1] + 1


# --- tokens -------------------------------------------------------------------------------------

@dataclass
class _Year:
    a: int
    b: int
    year: int
    fiscal: bool
    year_to: int | None = None
    base: bool = False  # 対2018年度比: a base year, not a target year
    in_paren: bool = False


@dataclass
class _Val:
    a: int  # folded start of the number (or placeholder / grade)
    b: int  # folded end of unit and after-qualifiers
    value: Decimal | None
    unit: str | None
    quals: list[str]
    kind_hint: str | None = None
    rating: str | None = None
    missing: bool = False
    category: str | None = None
    lead: int | None = None  # folded start of leading qualifiers / category


_NUM = re.compile(r"(?P<frac>[0-9]+/[0-9]+)(?![0-9/年月])|(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)")
_RANK = re.compile(r"第?(?P<n>[0-9]+)位")
_RANGE_SEP = re.compile(r"^(?:~|〜|-|‐|－|―|から)$")
_DASHES = "-－―‐—"
_SEP = "、,，・:：;；/／()（）「」【】[]#※ 　\n"
#: Particles that may follow a unit in a sentence (120科目とする, 45基を整備): the unit's word ends there.
_PARTICLES = "とをにでがはへも"
#: A unit not in the vocabulary: katakana, after a magnitude (億ドル, 万トン), or one or two kanji.
_GENERIC_UNIT = re.compile(r"[万億兆]?[\u30a1-\u30fa\u30fc]{2,8}|[\u4e00-\u9fff]{1,2}")


def _years(text: str, s: str, idx: list[int]) -> list[_Year]:
    """Year tokens on the folded view: 2025年度, 令和7年度, (2023年), ranges 2026～2030年度."""
    probe = _CIRCLED.sub(" ", text).replace("*", " ")
    pos = {o: k for k, o in enumerate(idx[:-1])}
    out: list[_Year] = []
    for a, b, jd in find_dates(probe):
        if jd.year is None or jd.month is not None or jd.unknown:
            if jd.month is not None and a in pos:  # a dated event (2020年6月): not a year of a value
                out.append(_Year(pos[a], _fold_end(pos, b), -1, False))
            continue
        if a not in pos:
            continue
        out.append(_Year(pos[a], _fold_end(pos, b), jd.year, jd.fiscal))
    out.sort(key=lambda y: y.a)
    merged: list[_Year] = []
    for y in out:
        if merged and merged[-1].year > 0 and y.year > 0 and _RANGE_SEP.match(s[merged[-1].b:y.a] or "x"):
            head = merged[-1]
            merged[-1] = _Year(head.a, y.b, head.year, y.fiscal or head.fiscal, year_to=y.year)
            continue
        merged.append(y)
    for y in merged:
        y.base = s.startswith("比", y.b) or s.startswith("と比", y.b) or s[max(0, y.a - 1):y.a] == "対"
        depth = s[:y.a].count("(") - s[:y.a].count(")")
        y.in_paren = depth > 0
    return merged


def _fold_end(pos: dict[int, int], b: int) -> int:
    """Folded end offset for input end ``b``."""
    k = b - 1
    while k >= 0 and k not in pos:
        k -= 1
    return pos[k] + 1 if k >= 0 else 0


def _number(tok: re.Match[str]) -> Decimal | None:
    try:
        if tok.group("frac"):
            n, d = tok.group("frac").split("/")
            return Decimal(n) / Decimal(d) if int(d) else None
        return Decimal(tok.group("num").replace(",", ""))
    except (InvalidOperation, ValueError):
        return None


def _unit_at(s: str, p: int) -> tuple[str | None, int]:
    for u, _ in _units():
        if s.startswith(u, p):
            return u, p + len(u)
    m = _GENERIC_UNIT.match(s, p)
    if m is None:
        return None, p
    for end in range(m.end(), p, -1):  # 300報以上: the unit is 報, the word after it a qualifier
        word = s[p:end]
        after = s[end:]
        if _is_word_char(after[:1]) and after[:1] not in _PARTICLES \
                and not any(after.startswith(q) for q, _ in _words("qual-after")):
            continue
        if not any(word.startswith(q) for q, _ in _words("qual-after")) and not _is_label_unit(word):
            return word, end
        break
    return None, p


def _is_word_char(c: str) -> bool:
    return bool(c) and ("\u4e00" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff")


def _is_label_unit(word: str) -> bool:
    return any(word.startswith(w) for w, _ in _words("ignore-unit"))


def _ignored_after(s: str, p: int) -> bool:
    return any(s.startswith(w, p) for w, _ in _words("ignore-unit"))


def _label_before(s: str, a: int) -> bool:
    return any(s.endswith(w, 0, a) for w, _ in _words("label-before"))


def _quals_after(s: str, p: int) -> tuple[list[tuple[str, str | None]], int]:
    out: list[tuple[str, str | None]] = []
    again = True
    while again:
        again = False
        for w, kind in _words("qual-after"):
            if s.startswith(w, p):
                out.append((w.strip("()"), kind))
                p += len(w)
                again = True
                break
    return out, p


def _has_qual(s: str, w: str) -> bool:
    """Whether qualifier ``w`` occurs in ``s`` as a qualifier: after a digit it is part of a duration
    (５年間で1,000件 is a five-year total, not 年間 = per year)."""
    return _qual_pattern(w).search(s) is not None


@lru_cache(maxsize=512)
def _qual_pattern(w: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9]){re.escape(w)}")


@lru_cache(maxsize=512)
def _literal(w: str) -> re.Pattern[str]:
    """``w`` as a pattern, compiled once (escaping and the re cache lookup cost more than the scan)."""
    return re.compile(re.escape(w))


def _quals_before(s: str, a: int, floor: int) -> tuple[list[tuple[str, str | None]], int]:
    out: list[tuple[str, str | None]] = []
    again = True
    while again:
        again = False
        for w, kind in _words("qual-before"):
            at = a - len(w)
            if at >= floor and s.startswith(w, at) and not (at > 0 and s[at - 1].isdigit()):  # ５年間1,000件
                out.insert(0, (w, kind))
                a -= len(w)
                again = True
                break
    return out, a


def _placeholders(s: str, taken: list[tuple[int, int]]) -> list[_Val]:
    out: list[_Val] = []
    for (w, _) in _words("placeholder"):
        dash = all(c in _DASHES for c in w)
        for m in _literal(w).finditer(s):
            a, b = m.start(), m.end()
            if any(x < b and a < y for x, y in taken):
                continue
            if dash:  # a dash is a placeholder only when it stands alone in its slot
                before = s[a - 1] if a else ""
                after = s[b] if b < len(s) else ""
                if (before and before not in _SEP) or (after and after not in _SEP and after != "※"):
                    continue
            out.append(_Val(a, b, None, None, [], missing=True))
            taken.append((a, b))
    return out


def _ratings(s: str, taken: list[tuple[int, int]]) -> list[_Val]:
    """Grades used as values (S（2018年度）) or in targets (B評価以上)."""
    out: list[_Val] = []
    for m in _rating_rx().finditer(s):
        a, b = m.start(), m.end()
        if any(x < b and a < y for x, y in taken):
            continue
        before = s[a - 1] if a else ""
        after = s[b:b + 3]
        if before and before not in _SEP and before not in "に:：":
            continue
        if not (after.startswith(("(", "、", ",", "評価", "以上")) or b == len(s)):
            continue
        quals, end = _quals_after(s, b)
        if s.startswith("評価", b):
            end = b + 2
            quals, end = _quals_after(s, end)
        out.append(_Val(a, end, None, None, [q for q, _ in quals], rating=m.group(0)))
        taken.append((a, end))
    return out


def _values(s: str, years: list[_Year]) -> list[_Val]:
    taken = [(y.a, y.b) for y in years]
    vals: list[_Val] = []
    for m in _RANK.finditer(s):
        if any(x < m.end() and m.start() < y for x, y in taken):
            continue
        quals, end = _quals_after(s, m.end())
        end = end + 1 if s.startswith("へ", end) else end
        vals.append(_Val(m.start(), end, Decimal(m.group("n")), "位", [q for q, _ in quals], kind_hint="rank"))
        taken.append((m.start(), end))
    for m in _NUM.finditer(s):
        a, b = m.start(), m.end()
        if any(x < b and a < y for x, y in taken):
            continue
        if a and (s[a - 1].isascii() and s[a - 1].isalpha()):  # GOSAT-2, H2A, ISO9001: part of a name
            continue
        if _label_before(s, a) or _ignored_after(s, b) or s.startswith(("年", "月"), b) or _in_label_paren(s, a):
            continue
        value = _number(m)
        if value is None:
            continue
        unit, p = _unit_at(s, b)
        if unit is not None and _is_label_unit(unit):
            continue
        quals, p = _quals_after(s, p)
        hint = "ratio" if m.group("frac") else None
        vals.append(_Val(a, p, value, unit, [q for q, _ in quals], kind_hint=hint or _first_kind(quals)))
        taken.append((a, p))
    vals.extend(_ratings(s, taken))
    vals.extend(_placeholders(s, taken))
    vals.sort(key=lambda v: v.a)
    return vals


def _in_label_paren(s: str, a: int) -> bool:
    """A number inside a paren that opens with a label word, e.g. （目標１，２，３）."""
    depth = 0
    for k in range(a - 1, -1, -1):
        if s[k] == ")":
            depth += 1
        elif s[k] == "(":
            if depth == 0:
                return any(s.startswith(w, k + 1) for w, _ in _words("label-before"))
            depth -= 1
    return False


def _first_kind(quals: list[tuple[str, str | None]]) -> str | None:
    return next((k for _, k in quals if k), None)


def _category(s: str, a: int, floor: int) -> tuple[str | None, int]:
    """The label printed right before a value (理学系19.9％, 小学校算数：70％), and where it starts."""
    p = a
    if p > floor and s[p - 1] in ":：":
        p -= 1
    q = p
    while q > floor and s[q - 1] not in _SEP and not s[q - 1].isdigit() and s[q - 1] not in "%)":
        q -= 1
    word = s[q:p]
    for w, _ in _words("qual-before"):
        if word.startswith(w):
            word, q = word[len(w):], q + len(w)
    word = word.lstrip(":：")
    for head in ("までに", "まで", "に", "で", "は"):
        if word.startswith(head) and len(word) > len(head):
            word, q = word[len(head):], q + len(head)
    if not word or any(word.endswith(t) for t in ("までに", "に", "で", "を", "が", "は")):
        return None, a
    if len(word) > 16:
        return None, a
    return word, q


# --- targets ------------------------------------------------------------------------------------

def _classify(seg: str) -> str | None:
    for kind, rx in _kind_rules():
        if rx.search(seg):
            return kind
    return None


def parse_targets(text: str, cell: bool = False) -> list[TargetValue]:
    """All targets in a phrase, in order. ``cell=True``: the text is a whole target cell, so a phrase
    with no value still gives one target (rule, benchmark, placeholder or qualitative)."""
    s, idx = fold(text)
    body = _before_note(s)
    years = [y for y in _years(text, s, idx) if y.a < len(body)]
    vals = [v for v in _values(body, years) if not (v.missing and not cell and v.unit is None and not _alone(body, v))]
    if not vals and len(body) < len(s):  # 件数※ 15件／年 …: the mark leads the target, it is no note
        body = s.replace("※", "#")
        years = _years(text, s, idx)
        vals = [v for v in _values(body, years) if not v.missing]
    out: list[TargetValue] = []
    prev_end = 0
    # years inside a paren right after a value are that value's; a paren holding values opens a new span
    for i, v in enumerate(vals):
        quals_b, lead = _quals_before(body, v.a, prev_end)
        floor = max([prev_end] + [y.b for y in years if y.b <= lead])
        cat, cat_start = _category(body, lead, floor)
        if cat is not None and i == 0 and cat_start == 0 and not body[:lead].endswith((":", "：")) \
                and not any(y.b <= lead for y in years):
            cat, cat_start = None, lead  # text before the first value with no label mark: a name, not a category
        start = min(lead, cat_start)
        end = v.b
        trail: list[_Year] = []
        paren_quals: list[tuple[str, str | None]] = []
        if body.startswith("(", end):
            close = _close(body, end)
            if not any(w.a < close for w in vals[i + 1:]):
                trail = [y for y in years if end < y.a < close and y.year > 0]
                inner = body[end + 1:close - 1]
                paren_quals = []
                for w, k in _words("qual-before"):  # longest first: 毎年度 hides 毎年
                    if _has_qual(inner, w) and not any(w in q for q, _ in paren_quals):
                        paren_quals.append((w, k))
                for y in trail:
                    inner = inner.replace(s[y.a:y.b], "、")
                labels = [x.strip(":：") for x in re.split(r"[、,]", inner)]
                labels = [x for x in labels if x and "(" not in x and ")" not in x
                          and not any(w in x for w, _ in _words("qual-before"))]
                if labels and cat is None:
                    cat = labels[0]
                end = close
        lead_year = None
        if not trail:
            before = [y for y in years if prev_end <= y.b <= start and not y.base and y.year > 0]
            earlier = [y for y in years if y.b <= v.a and not y.base and y.year > 0 and not _trailing(y, vals)]
            lead_year = before[-1] if before else (earlier[-1] if earlier else None)
            if before:
                start = min(start, before[-1].a)
        year = trail[0] if trail else lead_year
        horizon = _horizon_rx().search(body, prev_end, v.a)
        region = body[prev_end:end]
        quals = [q for q, _ in quals_b] + v.quals + [q for q, _ in paren_quals]
        implied = [k for _, k in quals_b + paren_quals if k] + ([v.kind_hint] if v.kind_hint else [])
        for w, k in _words("qual-before"):
            if k and _has_qual(region, w) and not any(w in q for q in quals):
                quals.append(w)
                implied.append(k)
        if v.missing:
            kind = "placeholder"
        elif v.rating:
            kind = "rating"
        else:
            kind = _classify(region) or (v.kind_hint if v.kind_hint in ("rank", "ratio") else None)
            if kind in (None, "placeholder", "rating"):
                kind = "cumulative" if "cumulative" in implied else "recurring" if "recurring" in implied else "absolute"
        value = v.value
        if kind == "relative" and v.unit == "割" and value is not None:
            value = value / 10
        base = next((y.year for y in years if y.base and prev_end <= y.a < v.a), None)
        a0, b0 = _back(idx, start, end)
        out.append(TargetValue(
            expression=text[a0:b0].strip(), kind=kind, value=value, unit=_printed(text, idx, v),
            fiscal_year=year.year if year and year.fiscal else None,
            calendar_year=year.year if year and not year.fiscal else None,
            year_to=year.year_to if year else None,
            qualifier="・".join(dict.fromkeys(quals)) or None,
            start=a0, end=b0, category=cat, rating=_grade(v.rating), base_year=base,
            horizon=horizon.group(0) if horizon else None,
        ))
        prev_end = max(end, v.b)
    if not out and cell:
        out.append(_whole(text, s, years))
    elif not out:
        kind = _classify(body)
        if kind in ("rule", "benchmark", "rating"):
            out.append(_whole(text, s, years))
    return _date_inner_values(out)


def _before_note(s: str) -> str:
    """Text before a ``※`` note; a line that starts with ``※`` (a current value on a slide) is kept whole,
    with the mark blanked so offsets stay put."""
    lead = s.lstrip("#")
    if lead.startswith("※"):
        k = len(s) - len(lead)
        s = s[:k] + "#" + s[k + 1:]
    note = s.find("※")
    return s if note < 0 else s[:note]


def _alone(s: str, v: _Val) -> bool:
    return v.a == 0 and v.b >= len(s.rstrip(")"))


def _trailing(y: _Year, vals: list[_Val]) -> bool:
    """A year in a paren right after a value belongs to that value (592名（2020年度）)."""
    return y.in_paren and any(0 <= y.a - v.b <= 1 for v in vals)


def _close(s: str, p: int) -> int:
    depth = 0
    for k in range(p, len(s)):
        if s[k] == "(":
            depth += 1
        elif s[k] == ")":
            depth -= 1
            if depth == 0:
                return k + 1
    return len(s)


def _grade(rating: str | None) -> str | None:
    return nfkc(rating).replace("+", "+") if rating else None


def _printed(text: str, idx: list[int], v: _Val) -> str | None:
    """The unit as printed in the input (％ stays ％)."""
    if v.unit is None:
        return None
    if v.unit == "位":
        return "位"
    s, _ = fold(text)
    u = s.find(v.unit, v.a)
    if u < 0:
        return v.unit
    a, b = _back(idx, u, u + len(v.unit))
    return re.sub(r"\s+", "", text[a:b]).replace("*", "") or v.unit


def _whole(text: str, s: str, years: list[_Year]) -> TargetValue:
    """A target cell with no value: classified as a whole (rule, benchmark, placeholder, qualitative)."""
    stripped = text.strip()
    a = text.find(stripped) if stripped else 0
    kind = _classify(s.split("※")[0] or s) or "qualitative"
    grade = re.search(r"([SABCD][+＋]?)評価", nfkc(text))
    quals: list[str] = []
    before = {w for w, _ in _words("qual-before")}
    for w, _ in sorted(_words("qual-before") + _words("qual-after"), key=lambda x: -len(x[0].strip("()"))):
        w = w.strip("()")
        if (_has_qual(s, w) if w in before else w in s) and not any(w in q for q in quals):
            quals.append(w)
    if kind in ("rank", "ratio", "relative"):
        kind = "qualitative"
    y = next((y for y in years if y.year > 0 and not y.base), None)
    return TargetValue(
        expression=stripped, kind=kind, value=None, unit=None,
        fiscal_year=y.year if y and y.fiscal else None, calendar_year=y.year if y and not y.fiscal else None,
        year_to=y.year_to if y else None, qualifier="・".join(quals) or None,
        start=a, end=a + len(stripped), rating=grade.group(1) if grade and kind == "rating" else None,
    )


def _date_inner_values(out: list[TargetValue]) -> list[TargetValue]:
    """AMED form: a value whose paren holds a dated total (130件／年 （令和７～11年度累計650件）)
    is dated by the paren's span when it has no year of its own."""
    fixed: list[TargetValue] = []
    for i, t in enumerate(out):
        nxt = out[i + 1] if i + 1 < len(out) else None
        if (t.fiscal_year is None and t.calendar_year is None and nxt is not None
                and nxt.year_to is not None and nxt.kind == "cumulative" and t.kind == "recurring"):
            t = TargetValue(**{**t.__dict__, "fiscal_year": nxt.fiscal_year, "calendar_year": nxt.calendar_year,
                               "year_to": nxt.year_to})
        fixed.append(t)
    return fixed


# --- single values ------------------------------------------------------------------------------

def parse_value(text: str) -> tuple[Decimal | None, str | None]:
    """The first value of a cell: ``"1,283億円"`` → (1283, "億円"); placeholders → (None, None)."""
    s, idx = fold(text)
    for v in _values(s, _years(text, s, idx)):
        if v.missing or v.rating:
            return None, None
        return v.value, _printed(text, idx, v)
    return None, None


# --- actual series ------------------------------------------------------------------------------

def parse_observations(text: str) -> list[Observation]:
    """Actual values of a series, in printed order, each with its year.

    Handles value-then-year (``592名（2020年度）、…``), year-then-value (``令和３年度：78.4%、…``),
    categories (``理学系19.9％``), several values for one year, grades (``S（2018年度）``) and
    placeholders (集計中, データなし, －) recorded as missing. ``※`` notes end a line's series.
    """
    out: list[Observation] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        out.extend(_observations_line(line, offset))
        offset += len(line)
    return out


def _observations_line(text: str, offset: int) -> list[Observation]:
    s, idx = fold(text)
    body = _before_note(s)
    years = [y for y in _years(text, s, idx) if y.a < len(body) and y.year > 0]
    vals = [v for v in _values(body, years)]
    events = sorted([("y", y.a, y) for y in years] + [("v", v.a, v) for v in vals], key=lambda e: e[1])
    out: list[Observation] = []
    pending: list[tuple[_Val, str | None]] = []
    lead: _Year | None = None
    prev_end = 0

    def emit(v: _Val, cat: str | None, y: _Year | None, extra: list[str]) -> None:
        a, b = _back(idx, v.a, v.b)
        quals = v.quals + extra
        out.append(Observation(
            raw=text[a:b].strip(), value=v.value, unit=_printed(text, idx, v) if v.unit else None,
            fiscal_year=y.year if y and y.fiscal else None, calendar_year=y.year if y and not y.fiscal else None,
            start=offset + a, end=offset + b, missing=v.missing, category=cat, rating=_grade(v.rating),
            qualifier="・".join(dict.fromkeys(quals)) or None, year_to=y.year_to if y else None,
        ))

    for kind, _, tok in events:
        if kind == "y":
            y: _Year = tok
            gap = body[prev_end:y.a]
            if pending and gap in ("(", "") and y.in_paren:
                close = _close(body, y.a - 1) if gap == "(" else y.b
                extra = _paren_quals(body[y.b:close])
                for v, cat in pending:
                    emit(v, cat, y, extra)
                pending = []
                lead = None
                prev_end = close
            else:
                lead = y
                prev_end = y.b
            continue
        v = tok
        cat, _ = _category(body, v.a, prev_end)
        quals_b, _ = _quals_before(body, v.a, prev_end)
        if cat is None and quals_b:
            cat = None
        v.quals = [q for q, _ in quals_b] + v.quals
        end = v.b
        if body.startswith("(", end):  # （累計）, （推計値）: a qualifier paren, not a year
            close = _close(body, end)
            if not any(end < y.a < close for y in years):
                v.quals += [body[end + 1:close - 1]]
                end = close
        if lead is not None:
            emit(v, cat, lead, [])
        else:
            pending.append((v, cat))
        prev_end = end
    for v, cat in pending:
        emit(v, cat, None, [])
    return _categorise_units(out)


def _paren_quals(inner: str) -> list[str]:
    inner = inner.strip("()")
    return [inner] if inner and not inner.isdigit() else []


def _categorise_units(obs: list[Observation]) -> list[Observation]:
    """Two values for one year with different units and no category (357研究・50,828人) are told apart
    by their unit, so each (year, category) is one cell."""
    seen: dict[tuple[int | None, str | None], int] = {}
    for o in obs:
        seen[(o.year, o.category)] = seen.get((o.year, o.category), 0) + 1
    fixed = []
    for o in obs:
        if o.category is None and o.unit and seen[(o.year, None)] > 1:
            o = Observation(**{**o.__dict__, "category": o.unit})
        fixed.append(o)
    return fixed
