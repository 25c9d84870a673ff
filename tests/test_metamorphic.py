"""Metamorphic tests on the corpus: rewrites a reader would not notice leave the extracted facts unchanged.

Each transformation rewrites the text of a corpus file (objectives 000, annual plan 001, compendium 002) the way
another agency, year or layout would print the same content: the legal form dropped from the agency's name, another
agency's name, the heading markers swapped consistently ((１)↔１．, (１)→①→(１), Ⅲ．↔第３), full-width ↔ half-width digits,
double- ↔ single-spaced lines (trailing spaces kept: they end paragraphs), page breaks moved, an annex label before
the title, the trailing spaces removed (another converter), and the documents laid out at other page widths (each
prose unit re-flowed 28–70 full-width characters wide, with and without the trailing spaces; every character mapped
back to its original line, so a fact that starts mid-line is compared exactly). The facts (each document's kind, agency and period; objective tree: normalised section number, title, parent; citations: name, date, body; body
indicators and their targets; evaluation-axis items and the objective each row evaluates), each with its source
line mapped back to the original file, must be kept. Facts are compared modulo the transformation: a renamed agency
is folded back to one placeholder on both sides, digits are compared after NFKC, a section number as the numbers
its markers read.

    python tests/test_metamorphic.py     # the table of the share of facts kept, per transformation and kind
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CORPUS, REPO  # noqa: E402

from keifu.extract.blocks import logical_blocks  # noqa: E402
from keifu.extract.citations import Mention  # noqa: E402
from keifu.extract.evaluation import axis_vocab as V  # noqa: E402
from keifu.extract.model import UNIT_END, Block, Line  # noqa: E402
from keifu.extract.normalize import display_width, kanji_number, nfkc, squash  # noqa: E402
from keifu.extract.pipeline import ExtractedFile, extract_file  # noqa: E402

FILES = ("000", "001", "002")
KINDS = ("document", "objective", "citation", "indicator", "target", "axis")
THRESHOLD = 0.98
# Legal forms printed before an agency's name (test data only: the parsers must not need it).
LEGAL_FORMS = ("国立研究開発法人", "独立行政法人")
OTHER_NAME = "沿岸霧象総合研究機構"
PLACEHOLDER = "〈法人名〉"
UNSEEN = REPO / "tests" / "fixtures" / "unseen"
FIXTURES = ("coastal_objectives", "coastal_plan", "regional_compendium", "approved_corporation_plan",
            "bodyind_annual_registry", "bodyind_midterm_museum", "bodyind_midterm_training", "bodyind_rd_forest",
            "bodyind_rd_ocean", "bodyind_special_rail", "bodyind_univ_lake", "budget_review_list", "citrec_double",
            "citrec_single", "execution_annual_objectives", "local_agency_objectives",
            "national_university_objectives", "special_corporation_objectives")


@dataclass
class Variant:
    """A rewritten file: its lines, the original line of each (None for an inserted line), and a fold that maps a
    fact's text of either side to a common form."""

    lines: list[str]
    origin: list[int | None]
    fold: Callable[[str], str] = field(default=lambda s: s)
    # For re-wrapped lines (1-based output line → the original line of each of its characters): a fact that
    # starts mid-line is mapped back through the character it starts on.
    chars: dict[int, list[int]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- facts


_ROMAN = {"I": 1, "V": 5, "X": 10}


def _roman(s: str) -> int:
    values = [_ROMAN[c] for c in s]
    return sum(-v if k + 1 < len(values) and v < values[k + 1] else v for k, v in enumerate(values))


def _section(number: str) -> str:
    """A section number as the numbers its markers read: Ⅲ.１.（１）.① → 3.1.1.1, 第３.１ and 第３章.１ → 3.1."""
    parts = re.sub(r"[()\[\]【】〔〕\s第章]", "", nfkc(number)).replace("．", ".").split(".")
    return ".".join(str(_roman(p.upper())) if p and set(p.upper()) <= set(_ROMAN) else str(kanji_number(p) or p)
                    if p and set(p) <= set("一二三四五六七八九十") else p for p in parts)


def _start_column(line: Line, quote: str) -> int | None:
    """Where in ``line`` a mention whose printed text is ``quote`` starts (it may go on over the next lines)."""
    text = line.text.rstrip()
    q = quote.replace("\n", "")
    for col in range(len(text)):
        rest = text[col:]
        if rest[:1].strip() and (q.startswith(rest) or rest.startswith(q) or squash(q).startswith(squash(rest))
                                 and squash(rest)):
            return col
    return None


def _mention_column(m: Mention, blocks: list[Block]) -> int | None:
    """Where on its line a mention starts: through the block it was read from, else by its printed text."""
    for b in blocks:
        if b.text[m.start:m.end] == m.quote and m.line in b.lines and b.line_at(m.start) is m.line:
            i = b.lines.index(m.line)
            return m.start - b.offsets[i] + len(m.line.text) - len(m.line.text.lstrip())
    return _start_column(m.line, m.quote)


def facts(ef: ExtractedFile, origin: list[int | None], fold: Callable[[str], str],
          chars: dict[int, list[int]] | None = None) -> Counter[tuple]:
    """Every fact of every document, keyed by document number and kind, lines mapped to the original file
    (through the character a fact starts on, where a line was re-wrapped: ``chars``)."""

    def at(no: int, col: int | None = None) -> int | None:
        if chars and no in chars:
            line_chars = chars[no]
            if col is None:
                text = ef.source.lines[no - 1].text
                col = len(text) - len(text.lstrip())
            return line_chars[min(col, len(line_chars) - 1)] if line_chars else None
        return origin[no - 1] if 0 < no <= len(origin) else None

    def txt(s: str | None) -> str:
        return fold(squash(s or ""))

    out: Counter[tuple] = Counter()
    for d in ef.documents:
        blocks = [b for h in d.headings for b in (h.block, *h.body)]
        f = d.facts
        out[(d.number, "document", d.segment.kind, txt(f.agency), f.period_start and f.period_start.iso,
             f.period_end and f.period_end.iso, f.fiscal_year)] += 1
        hs = d.headings
        sec = [_section(h.section_number) for h in hs]
        for i, h in enumerate(hs):
            parent = sec[h.parent] if h.parent is not None else None
            out[(d.number, "objective", sec[i], txt(h.title), parent, at(h.line.no))] += 1
        for c in d.citations:
            m = c.mention
            out[(d.number, "citation", txt(m.name), m.date.iso if m.date else None, txt(m.body),
                 sec[c.owner] if c.owner is not None else None, at(m.line.no, _mention_column(m, blocks)))] += 1
        bi = d.extras.get("body_indicators")
        for ind in getattr(bi, "indicators", []):
            owner = sec[ind.heading] if ind.heading is not None else None
            line = at(ind.lines[0].no, _start_column(ind.lines[0], ind.name))
            out[(d.number, "indicator", ind.kind, txt(ind.name), owner, line)] += 1
            for t in ind.targets:
                out[(d.number, "target", t.kind, str(t.value), t.unit_norm, t.fiscal_year, t.year_to, owner,
                     line)] += 1
        at_ = d.extras.get("axis_table")
        for row in getattr(at_, "rows", []):
            owner = sec[row.objective] if row.objective is not None else None
            for item in row.axes + row.indicators:
                out[(d.number, "axis", item.kind, txt(item.text), owner, at(item.lines[0].no))] += 1
    return out


# ----------------------------------------------------------------------------------- transformations


def _identity(lines: list[str]) -> Variant:
    return Variant(list(lines), list(range(1, len(lines) + 1)))


def _agencies(ef: ExtractedFile) -> list[str]:
    return sorted({d.facts.agency for d in ef.documents if d.facts.agency}, key=len, reverse=True)


def _rename(lines: list[str], pairs: list[tuple[str, str]]) -> list[str]:
    out = []
    for ln in lines:
        for old, new in pairs:
            ln = ln.replace(old, new)
        out.append(ln)
    return out


def drop_legal_form(lines: list[str], ef: ExtractedFile) -> Variant:
    """国立研究開発法人○○機構 → ○○機構 wherever printed whole (agencies whose legal form comes first)."""
    pairs = [(a, a[len(f):]) for a in _agencies(ef) for f in LEGAL_FORMS if a.startswith(f) and len(a) > len(f) + 2]
    v = _identity(_rename(lines, pairs))
    v.fold = lambda s: _rename([s], [(squash(a), squash(b)) for a, b in pairs])[0]
    return v


def other_agency(lines: list[str], ef: ExtractedFile) -> Variant:
    """Each agency's name (without its legal form) → an invented name; both sides fold to one placeholder."""
    cores = []
    for a in _agencies(ef):
        core = next((a[len(f):] for f in LEGAL_FORMS if a.startswith(f)), a)
        cores.append(core)
    pairs = [(c, f"{OTHER_NAME[:-2]}{k}{OTHER_NAME[-2:]}") for k, c in enumerate(cores)]
    v = _identity(_rename(lines, pairs))
    folds = [(squash(c), PLACEHOLDER) for c, _ in pairs] + [(squash(n), PLACEHOLDER) for _, n in pairs]
    v.fold = lambda s: _rename([s], folds)[0]
    return v


_PAREN = re.compile(r"^(\s*)[（(]([0-9０-９]{1,2})[）)]")
_DOT = re.compile(r"^(\s*)([0-9０-９]{1,2})[．.](?![0-9０-９])")
_CIRCLED = re.compile(r"^(\s*)([①-⑳])")


def _paren_dot(paren: re.Pattern[str], dot: re.Pattern[str]) -> Callable[[list[str], ExtractedFile], Variant]:
    """（x）↔x． at line starts, in the whole file (so consistently within each document)."""
    def transform(lines: list[str], _ef: ExtractedFile) -> Variant:
        out = []
        for ln in lines:
            if m := paren.match(ln):
                ln = f"{m.group(1)}{m.group(2)}．{ln[m.end():]}"
            elif m := dot.match(ln):
                ln = f"{m.group(1)}（{m.group(2)}）{ln[m.end():]}"
            out.append(ln)
        return _identity(out)
    return transform


swap_paren_dot = _paren_dot(_PAREN, _DOT)  # （１）↔１．


_ROMAN_MARK = re.compile(r"^(\s*)([ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]|[ＩＶＸ]{1,4})\s*[．.]\s*")
_DAI = re.compile(r"^(\s*)第([0-9０-９]{1,2})(?=[ \t\u3000])\s*")
_ROMANS = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ"
_FW = str.maketrans("0123456789", "０１２３４５６７８９")


def swap_chapters(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Chapter markers Ⅲ．↔第３ at line starts."""
    out = []
    for ln in lines:
        if m := _ROMAN_MARK.match(ln):
            ln = f"{m.group(1)}第{str(_roman(nfkc(m.group(2)).upper())).translate(_FW)} {ln[m.end():]}"
        elif (m := _DAI.match(ln)) and 1 <= int(nfkc(m.group(2))) <= 10:
            ln = f"{m.group(1)}{_ROMANS[int(nfkc(m.group(2))) - 1]}．{ln[m.end():]}"
        out.append(ln)
    return _identity(out)


def swap_paren_circled(lines: list[str], _ef: ExtractedFile) -> Variant:
    """（１）→① and ①→（１） at line starts."""
    out = []
    for ln in lines:
        if (m := _PAREN.match(ln)) and 1 <= int(nfkc(m.group(2))) <= 20:
            ln = f"{m.group(1)}{chr(0x2460 + int(nfkc(m.group(2))) - 1)}{ln[m.end():]}"
        elif m := _CIRCLED.match(ln):
            ln = f"{m.group(1)}（{ord(m.group(2)) - 0x2460 + 1}）{ln[m.end():]}"
        out.append(ln)
    return _identity(out)


def halfwidth_digits(lines: list[str], _ef: ExtractedFile) -> Variant:
    return _identity([ln.translate(str.maketrans("０１２３４５６７８９", "0123456789")) for ln in lines])


def fullwidth_digits(lines: list[str], _ef: ExtractedFile) -> Variant:
    return _identity([ln.translate(str.maketrans("0123456789", "０１２３４５６７８９")) for ln in lines])


def ascii_spaces(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Another converter: ideographic spaces (U+3000) written as ASCII spaces (１　総則 → １ 総則)."""
    return _identity([ln.replace("\u3000", " ") for ln in lines])


def tabs(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Another converter: gaps written as tabs (an ideographic space or a run of two spaces → a tab)."""
    return _identity([ln.replace("\u3000", "\t").replace("  ", "\t") for ln in lines])


def halfwidth_brackets(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Another converter: full-width parentheses and colons written half-width (（１）→ (１), ：→ :)."""
    return _identity([ln.translate(str.maketrans("（）：", "():")) for ln in lines])


_LABEL_LINE = re.compile(r"^(\s*)([《【＜<≪])([^《》【】＜＞<>≪≫0-9０-９]{1,24})([》】＞>≫])(\s*)$")  # no numbered heading
_ROTATE = {"《": ("【", "】"), "【": ("＜", "＞"), "＜": ("《", "》"), "<": ("《", "》"), "≪": ("【", "】")}


def label_brackets(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Another house style for list labels alone on their line: 《評価指標》→【評価指標】→＜評価指標＞→《…》."""
    out = []
    for ln in lines:
        if m := _LABEL_LINE.match(ln):
            left, right = _ROTATE[m.group(2)]
            ln = f"{m.group(1)}{left}{m.group(3)}{right}{m.group(5)}"
        out.append(ln)
    return _identity(out)


_DAI_BARE = re.compile(r"^(\s*第[0-9０-９]{1,2})(?=[ \t\u3000])")


def chapter_suffix(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Chapters numbered 第３章 instead of 第３ (another drafting style of the same statutory chapters)."""
    return _identity([_DAI_BARE.sub(lambda m: m.group(1) + "章", ln, count=1) for ln in lines])


def double_quotes(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Names and defined terms quoted 『…』 instead of 「…」 (facts compare with the quotes folded)."""
    v = _identity([ln.translate(str.maketrans("「」", "『』")) for ln in lines])
    v.fold = lambda s: s.translate(str.maketrans("『』", "「」"))
    return v


_KANA_PAREN = re.compile(r"^(\s*)[（(]([アイウエオカキクケコ])[）)]")
_KANA_DOT = re.compile(r"^(\s*)([アイウエオカキクケコ])[．.](?=\s|\S)")


swap_kana_items = _paren_dot(_KANA_PAREN, _KANA_DOT)  # item markers （ア）↔ア．


def importance_brackets(lines: list[str], _ef: ExtractedFile) -> Variant:
    """【重要度：高】 and its kin printed ［重要度：高］."""
    mark = re.compile(r"【((?:重要度|困難度|難易度)[^【】]{0,12})】")
    return _identity([mark.sub(r"［\1］", ln) for ln in lines])


_ERA = re.compile(r"(?:[0-9０-９]{4}年[（(])?(令和|平成)\s*([0-9０-９]{1,2}|元)\s*年(?:[（(][0-9０-９]{4}年[）)]|[）)])?")
_ERA_BASE = {"令和": 2018, "平成": 1988}


def western_years(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Years printed in the Western calendar (令和９年 → 2027年, 令和９年度 → 2027年度), as some agencies do."""
    out: list[str] = []
    for ln in lines:
        ln = _ERA.sub(_western, ln)
        prev = next((x for x in reversed(out) if x.strip()), "")
        gloss = re.match(r"^\s*[（(]([0-9０-９]{4})年[）)]", ln)  # 令和14年 / （2032年）: the gloss wrapped
        if gloss and nfkc(prev.rstrip()).endswith(f"{nfkc(gloss.group(1))}年"):
            ln = ln[gloss.end():]
        out.append(ln)
    v = _identity(out)
    v.fold = lambda s: _ERA.sub(_western, s)  # texts that print a year compare in one calendar
    return v


def _western(m: re.Match[str]) -> str:
    """令和９年, 令和９年（2027年） and 2027年（令和９年） → 2027年."""
    if m.group(0)[0] not in "令平" and not m.group(0).endswith(("）", ")")):
        return m.group(0)  # 2027年（令和９ … without its closing bracket: left alone
    n = 1 if m.group(2) == "元" else int(nfkc(m.group(2)))
    return f"{_ERA_BASE[m.group(1)] + n}年"


_KANJI_NUM = "一二三四五六七八九"


def kanji_chapters(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Chapter numbers in kanji: 第３ → 第三 (1–9)."""
    mark = re.compile(r"^(\s*第)([1-9１-９])(?=[ \t\u3000])")
    return _identity([mark.sub(lambda m: m.group(1) + _KANJI_NUM[int(nfkc(m.group(2))) - 1], ln, count=1)
                      for ln in lines])


def _unbracket(colon: str) -> Callable[[list[str], ExtractedFile], Variant]:
    """List labels printed without brackets (《評価指標》 → 評価指標, or 評価指標：): only lines the vocabulary reads
    as a label, so a bracketed plan name or note stays as it was."""
    def transform(lines: list[str], _ef: ExtractedFile) -> Variant:
        out = []
        for ln in lines:
            m = _LABEL_LINE.match(ln)
            if m and (V.indicator_label(ln.strip()) or V.is_axis_label(ln.strip())):
                ln = f"{m.group(1)}{m.group(3)}{colon}{m.group(5)}"
            out.append(ln)
        return _identity(out)
    return transform


_HALF_PAREN = re.compile(r"^\s*[0-9０-９]{1,2}[）)]")
_ROMAN_SMALL = "ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ"


def paren_right(lines: list[str], _ef: ExtractedFile) -> Variant:
    """（１）→１） at line starts, in files that do not use １） for another level already (000 does)."""
    if any(_HALF_PAREN.match(ln) for ln in lines):
        return _identity(lines)
    return _identity([_PAREN.sub(lambda m: f"{m.group(1)}{m.group(2)}）", ln, count=1) for ln in lines])


def circled_to_roman(lines: list[str], _ef: ExtractedFile) -> Variant:
    """①→（ⅰ） at line starts (1–10)."""
    mark = re.compile(r"^(\s*)([①-⑩])")
    return _identity([mark.sub(lambda m: f"{m.group(1)}（{_ROMAN_SMALL[ord(m.group(2)) - 0x2460]}）", ln, count=1)
                      for ln in lines])


def no_marker_space(lines: list[str], _ef: ExtractedFile) -> Variant:
    """No space between a marker and its title: （１） 観測 → （１）観測, １． 総則 → １．総則."""
    mark = re.compile(r"^(\s*(?:[（(][0-9０-９]{1,2}[）)]|[0-9０-９]{1,2}[．.]|[①-⑳]))[ \u3000]+")
    return _identity([mark.sub(r"\1", ln, count=1) for ln in lines])


_FW_LATIN = str.maketrans({chr(c): chr(c + 0xFEE0) for c in [*range(0x41, 0x5B), *range(0x61, 0x7B)]})


_URL = re.compile(r"(https?://\S+)")


def fullwidth_latin(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Latin letters printed full-width (KPI → ＫＰＩ, TOP10% → ＴＯＰ10%); web addresses, never printed so, stay."""
    return _identity(["".join(p if k % 2 else p.translate(_FW_LATIN) for k, p in enumerate(_URL.split(ln)))
                      for ln in lines])


def other_legal_form(lines: list[str], ef: ExtractedFile) -> Variant:
    """国立研究開発法人○○ → 独立行政法人○○ wherever printed (the same documents of an agency of another form)."""
    pairs = [(a, "独立行政法人" + a[len(f):]) for a in _agencies(ef) for f in LEGAL_FORMS
             if a.startswith(f) and f != "独立行政法人"]
    v = _identity(_rename(lines, pairs))
    v.fold = lambda s: _rename([s], [(squash(b), squash(a)) for a, b in pairs])[0]
    return v


_REIWA_FY = re.compile(r"令和([0-9０-９]{1,2})年度")


def r_years(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Fiscal years abbreviated as tables print them: 令和７年度 → R7年度."""
    v = _identity([_REIWA_FY.sub(lambda m: f"R{m.group(1)}年度", ln) for ln in lines])
    v.fold = lambda s: re.sub(r"R([0-9]{1,2})年度", r"令和\1年度", s)
    return v


def _bullets(old: str, new: str) -> Callable[[list[str], ExtractedFile], Variant]:
    """Another bullet glyph at line starts (``old`` → ``new``), as another agency's house style prints it."""
    mark = re.compile(rf"^(\s*){re.escape(old)}")

    def transform(lines: list[str], _ef: ExtractedFile) -> Variant:
        return _identity([mark.sub(lambda m: m.group(1) + new, ln, count=1) for ln in lines])
    return transform


def indented(lines: list[str], _ef: ExtractedFile) -> Variant:
    """A layout-keeping converter: every non-blank line indented by two spaces."""
    return _identity([f"  {ln}" if ln.strip() else ln for ln in lines])


def single_spaced(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Drop the blank line after each line; a run of blank lines becomes one."""
    out, origin = [], []
    k = 0
    while k < len(lines):
        if not lines[k].strip():
            j = k
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j - k >= 2:
                out.append("")
                origin.append(k + 1)
            k = j
            continue
        out.append(lines[k])
        origin.append(k + 1)
        k += 1
    return Variant(out, origin)


def double_spaced(lines: list[str], _ef: ExtractedFile) -> Variant:
    """A blank line after every line that has none, except at a page start (which follows directly)."""
    out, origin = [], []
    for k, ln in enumerate(lines):
        out.append(ln)
        origin.append(k + 1)
        nxt = lines[k + 1] if k + 1 < len(lines) else ""
        if ln.strip() and nxt.strip() and not _page_start(lines, k + 1):
            out.append("")
            origin.append(None)
    return Variant(out, origin)


def _page_start(lines: list[str], k: int) -> bool:
    """Line k (0-based) starts a page of a double-spaced part: it follows a line directly, begins with a space,
    and the lines around are double-spaced."""
    if not (0 < k < len(lines) - 1) or not lines[k].startswith(" ") or not lines[k - 1].strip():
        return False
    return k >= 2 and not lines[k - 2].strip() and not lines[k + 1].strip()


def move_page_breaks(lines: list[str], ef: ExtractedFile) -> Variant:
    """In the documents' bodies, page starts of double-spaced parts become ordinary lines and new ones are made
    every 37 lines, inside paragraphs (where the line before has no trailing space). Annex tables keep theirs:
    a table row cut by a page break is printed interleaved (FORMAT-NOTES §5.4), so there the break cannot move
    without the text changing too."""
    body = {k for d in ef.documents for k in range(d.segment.body_start, d.segment.body_end)}
    out, origin = [], []
    for k, ln in enumerate(lines):
        if k in body and _page_start(lines, k):
            out.append("")
            origin.append(None)
            ln = ln[1:]
        out.append(ln)
        origin.append(k + 1)
    last = 0
    k = 3
    while k < len(out) - 1:
        if k - last >= 37 and (origin[k] or 0) - 1 in body and not out[k - 1].strip() and out[k].strip() \
                and out[k - 2].strip() and not out[k - 2].endswith(" ") and not out[k + 1].strip() \
                and not out[k - 3].strip():
            del out[k - 1], origin[k - 1]
            out[k - 1] = " " + out[k - 1]
            last = k
        k += 1
    return Variant(out, origin)


def no_trailing_spaces(lines: list[str], _ef: ExtractedFile) -> Variant:
    """Another converter: no trailing spaces, so only line lengths and 。 tell where units end."""
    return _identity([ln.rstrip(" ") for ln in lines])


def annex_label_before_title(lines: list[str], ef: ExtractedFile) -> Variant:
    """An annex label (別添) on its own line before each document's first line."""
    starts = {d.segment.start for d in ef.documents}
    out, origin = [], []
    for k, ln in enumerate(lines):
        if k in starts:
            out += ["別添", ""]
            origin += [None, None]
        out.append(ln)
        origin.append(k + 1)
    return Variant(out, origin)


# Re-wrapping at another page width: body prose units re-flowed, every character mapped to its original line.

_PAGE_NUMBER = re.compile(r"^\s*[0-9０-９]{1,4}\s*$")
# Three numbers in a row, apart only by spaces: a table row (a date 平成 25 年 12 月 has words between).
_NUMBER_ROW = re.compile(r"(?:^|\s)[0-9０-９△▲-][0-9０-９,，.．]*(?:\s+[0-9０-９△▲-][0-9０-９,，.．]*){2,}(?:\s|$)")
# Marks a line may not start with (a typesetter pulls the character before down with them), and not end with.
_NO_START = set("、。，．）」』】〕〉》・ーッャュョァィゥェォっゃゅょぁぃぅぇぉ：；？！)]},.:;?!%％")
_NO_END = set("（「『【〔〈《([{")
_ALNUM = re.compile(r"[0-9A-Za-z.,]")


def _columns(c: str) -> int:
    return 2 if c == "\u3000" else 1 if c.isspace() else display_width(c)


def _blank(text: str) -> bool:
    return not text.strip()


def _units(ef: ExtractedFile) -> Iterator[tuple[list[int], int]]:
    """The units of each document's cover and body, as the original's blocks and headings read them (a unit may
    go on past a page end, footnotes and page numbers between): its line indices, and the full width of the
    body in columns. Only units closed by the unit-end signal (where it is kept, the parse of the original is
    sure)."""
    lines = ef.source.lines
    for d in ef.documents:
        sizes = sorted(display_width(ln.text) for ln in lines[d.segment.body_start:d.segment.body_end]
                       if ln.text.strip())
        full = sizes[int(0.9 * (len(sizes) - 1))] if sizes else 0
        cover = logical_blocks(lines[d.segment.start:d.segment.body_start])  # title, cover lines, preamble
        for block in [*cover, *(b for h in d.headings for b in (h.block, *h.body))]:
            if block.lines[-1].text.endswith(UNIT_END):
                yield sorted(ln.index for ln in block.lines), full


def _prose(lines: list[str], unit: list[int], full: int) -> bool:
    """A unit of wrapped prose (or a heading): its lines but the last fill the page, and it is no table row."""
    texts = [lines[k] for k in unit]
    if any(_PAGE_NUMBER.match(t) or _NUMBER_ROW.search(t) for t in texts):
        return False
    return all(display_width(t) >= 0.8 * full for t in texts[:-1])


def _flow(text: str, avail: int) -> list[tuple[int, int]]:
    """Cut ``text`` into lines of at most ``avail`` columns the way Japanese is typeset: at any character, but
    not before a closing mark, after an opening one, inside a Latin word or number, or at a space (dropped)."""
    cuts, pos, n = [], 0, len(text)
    while pos < n:
        end, w = pos, 0
        while end < n and (end == pos or w + _columns(text[end]) <= avail):
            w += _columns(text[end])
            end += 1
        if end < n:
            while text[end] in _NO_START and end - 1 > pos:
                end -= 1
            while end - 1 > pos and text[end - 1] in _NO_END:
                end -= 1
            if _ALNUM.match(text[end]) and _ALNUM.match(text[end - 1]):
                start = end
                while start > pos and _ALNUM.match(text[start - 1]):
                    start -= 1
                if start > pos:
                    end = start
        stop = end
        while stop > pos and text[stop - 1] == " ":
            stop -= 1
        cuts.append((pos, stop))
        pos = end
        while pos < n and text[pos] == " ":
            pos += 1
    return cuts


def rewrap(width: int) -> Callable[[list[str], ExtractedFile], Variant]:
    """The documents laid out ``width`` full-width characters wide: each prose unit of a cover or body (title,
    preamble, paragraph, heading, item; it ends where the trailing space says) is re-flowed, keeping its signal, its indentation
    and the spacing around it. Where a unit went on over a page end, the page now ends after the line that
    holds the first character of the next page, and what stood between (footnotes, page numbers) goes there.
    Tables and page furniture stay as printed."""

    def transform(lines: list[str], ef: ExtractedFile) -> Variant:
        # first line index of a unit → its new lines (text, per-character origins; None for a blank line)
        new: dict[int, tuple[list[tuple[str, list[int]] | None], int]] = {}
        done: set[int] = set()
        for unit, full in sorted(_units(ef)):
            if done.intersection(range(unit[0], unit[-1] + 1)) or not _prose(lines, unit, full):
                continue
            first, last = lines[unit[0]], lines[unit[-1]]
            indent = first[: len(first) - len(first.lstrip())]
            second = lines[unit[1]] if len(unit) > 1 else ""
            indent2 = "" if _page_start(lines, unit[1] if len(unit) > 1 else 0) else \
                second[: len(second) - len(second.lstrip())]
            text, origin = "", []
            for k in unit:
                piece = lines[k].strip()
                if text and piece and text[-1].isascii() and text[-1].isalnum() and piece[0].isascii() \
                        and piece[0].isalnum():
                    text += " "
                    origin.append(origin[-1])
                text += piece
                origin += [k + 1] * len(piece)
            flowed = []
            for pos, stop in _flow(text, 2 * width - sum(_columns(c) for c in indent)):
                pad = indent if not flowed else indent2
                flowed.append((pad + text[pos:stop], [origin[pos]] * len(pad) + origin[pos:stop]))
            tail = last[len(last.rstrip()):]
            flowed[-1] = (flowed[-1][0] + tail, flowed[-1][1] + [unit[-1] + 1] * len(tail))
            # what stands between the unit's lines (footnotes, page numbers, a page end) goes before the new
            # line that holds the first character of the line after it
            gaps = {j: range(i + 1, j) for i, j in zip(unit, unit[1:], strict=False)
                    if _page_start(lines, j) or any(lines[k].strip() for k in range(i + 1, j))}
            breaks: dict[int, int] = {}
            for j in gaps:
                # after the new line that holds the first character of the next page: what the page held
                # stays on it (a footnote never comes before its mark)
                at = next(n for n, (_, chars) in enumerate(flowed) if j + 1 in chars) + 1
                if at == len(flowed) and not any(lines[k].strip() for k in gaps[j]):
                    at -= 1  # the page ends a line earlier, where nothing stood between
                if at in (0, len(flowed)) or at in breaks.values():
                    break
                breaks[j] = at
            if len(breaks) < len(gaps):
                continue  # the unit fits on too few lines to carry its page ends
            double = _blank(lines[unit[0] + 1]) if len(unit) > 1 and unit[1] > unit[0] + 1 else \
                len(unit) == 1 and 0 < unit[0] < len(lines) - 1 and _blank(lines[unit[0] - 1]) \
                and _blank(lines[unit[0] + 1])
            out: list[tuple[str, list[int]] | None] = []
            at_break = {n: j for j, n in breaks.items()}
            for n, (line, chars) in enumerate(flowed):
                if n in at_break:
                    j = at_break[n]
                    out += [(lines[k], [k + 1] * len(lines[k])) for k in gaps[j]]
                    page = lines[j][: len(lines[j]) - len(lines[j].lstrip())]
                    line, chars = page + line.lstrip(), [j + 1] * len(page) + chars[len(line) - len(line.lstrip()):]
                elif n and double:
                    out.append(None)
                out.append((line, chars))
            new[unit[0]] = (out, unit[-1])
            done.update(range(unit[0], unit[-1] + 1))
        v = Variant([], [])
        k = 0
        while k < len(lines):
            if k not in new:
                v.lines.append(lines[k])
                v.origin.append(k + 1)
                k += 1
                continue
            out, last = new[k]
            for item in out:
                v.lines.append(item[0] if item else "")
                v.origin.append((item[1][0] if item[1] else k + 1) if item else None)
                if item:
                    v.chars[len(v.lines)] = item[1]
            k = last + 1
        return v

    transform.__doc__ = f"The documents re-wrapped {width} full-width characters wide."
    return transform


def unsigned(transform: Callable[[list[str], ExtractedFile], Variant]) -> Callable[[list[str], ExtractedFile], Variant]:
    """A transformation, then the trailing spaces removed (the same layout from a converter without the signal)."""

    def both(lines: list[str], ef: ExtractedFile) -> Variant:
        v = transform(lines, ef)
        stripped = [ln.rstrip(" ") for ln in v.lines]
        v.chars = {no: chars[: len(stripped[no - 1])] for no, chars in v.chars.items()}
        v.lines = stripped
        return v

    return both


TRANSFORMS: dict[str, Callable[[list[str], ExtractedFile], Variant]] = {
    "legal form dropped": drop_legal_form,
    "another agency name": other_agency,
    "markers （１）↔１．": swap_paren_dot,
    "markers （１）↔①": swap_paren_circled,
    "chapters Ⅲ．↔第３": swap_chapters,
    "digits → half-width": halfwidth_digits,
    "digits → full-width": fullwidth_digits,
    "ideographic → ASCII spaces": ascii_spaces,
    "brackets → half-width": halfwidth_brackets,
    "gaps → tabs": tabs,
    "lines indented": indented,
    "double → single spaced": single_spaced,
    "single → double spaced": double_spaced,
    "page breaks moved": move_page_breaks,
    "annex label before title": annex_label_before_title,
    "no trailing spaces": no_trailing_spaces,
    "label brackets 《》→【】→＜＞": label_brackets,
    "bullets ・→－": _bullets("・", "－"),
    "bullets ○→◯": _bullets("○", "◯"),
    "bullets ・→●": _bullets("・", "●"),
    "bullets ○→・ (axes like indicators)": _bullets("○", "・"),
    "bullets ○→●": _bullets("○", "●"),
    "labels 《評価指標》→評価指標": _unbracket(""),
    "labels 《評価指標》→評価指標：": _unbracket("："),
    "chapters 第３→第３章": chapter_suffix,
    "quotes 「」→『』": double_quotes,
    "items （ア）↔ア．": swap_kana_items,
    "importance 【】→［］": importance_brackets,
    "years 令和→西暦": western_years,
    "markers （１）→１）": paren_right,
    "markers ①→（ⅰ）": circled_to_roman,
    "no space after markers": no_marker_space,
    "chapters 第３→第三": kanji_chapters,
    "Latin letters → full-width": fullwidth_latin,
    "legal form → 独立行政法人": other_legal_form,
    "years 令和７年度→R7年度": r_years,
    **{f"page width {w}": rewrap(w) for w in (28, 36, 50, 70)},
    **{f"page width {w}, no signal": unsigned(rewrap(w)) for w in (28, 50)},
}

# ------------------------------------------------------------------------------------------- scoring


@dataclass
class Kept:
    """Facts of the original kept by a variant, by kind; ``lost`` lists what went missing."""

    total: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    lost: list[tuple] = field(default_factory=list)
    added: list[tuple] = field(default_factory=list)

    def share(self, kind: str | None = None) -> float:
        t = sum(self.total.values()) if kind is None else self.total[kind]
        k = sum(self.kept.values()) if kind is None else self.kept[kind]
        return k / t if t else 1.0

    def count(self, name: str, base: Counter[tuple], got: Counter[tuple]) -> None:
        """Count the facts ``base`` (of the original document ``name``) that ``got`` (of its variant) kept."""
        for f, n in base.items():
            self.total[f[1]] += n
            self.kept[f[1]] += min(n, got[f])
            self.lost.extend([(name, *f)] * max(0, n - got[f]))


def corpus_files(prefixes: Iterable[str] = FILES) -> Iterator[tuple[str, Path]]:
    for prefix in prefixes:
        found = sorted(CORPUS.glob(f"{prefix}_*.txt"))
        if found:
            yield prefix, found[0]


def fixture_files(stems: Iterable[str] = FIXTURES) -> Iterator[tuple[str, Path]]:
    """Our own documents of unseen layouts (named: fixtures added later join once they are checked here)."""
    for stem in stems:
        yield stem, UNSEEN / f"{stem}.txt"


def measure(names: list[str] | None = None, files: Callable[[], Iterator[tuple[str, Path]]] = corpus_files,
            ) -> dict[str, Kept]:
    """Share of facts kept for every transformation (all files together)."""
    results = {name: Kept() for name in (names or TRANSFORMS)}
    with tempfile.TemporaryDirectory() as tmp:
        for prefix, path in files():
            lines = path.read_text(encoding="utf-8").split("\n")
            original = extract_file(path)
            for name, kept in results.items():
                v = TRANSFORMS[name](lines, original)
                base = facts(original, list(range(1, len(lines) + 1)), v.fold)
                out = Path(tmp) / f"{prefix}_{len(name)}.txt"
                out.write_text("\n".join(v.lines), encoding="utf-8")
                got = facts(extract_file(out), v.origin, v.fold, v.chars)
                kept.count(prefix, base, got)
                kept.added.extend((prefix, *f) for f, n in got.items() if n > base[f])
    return results


def table(results: dict[str, Kept]) -> str:
    head = f"{'transformation':28}" + "".join(f"{k:>11}" for k in KINDS) + f"{'all':>8}"
    rows = [head]
    for name, r in results.items():
        cells = "".join(f"{r.share(k):>6.3f} {r.total[k]:>4}" for k in KINDS)
        rows.append(f"{name:28}{cells}{r.share():>8.3f}")
    return "\n".join(rows)


@pytest.fixture(scope="module")
def results() -> dict[str, Kept]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS} (CI provides ../shared/corpus)")
    return measure()


@pytest.fixture(scope="module")
def fixture_results() -> dict[str, Kept]:
    return measure(files=fixture_files)


def test_print_table(results: dict[str, Kept], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\nshare of facts kept, corpus (count of the original's facts after each share)\n" + table(results))
    assert all(sum(r.total.values()) > 500 for r in results.values())


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_facts_kept(results: dict[str, Kept], name: str) -> None:
    """≥ 0.98 of all facts, and of every kind with enough facts for a share to mean something (the 7 documents
    are counted in the total: see the table for them)."""
    _check(results, name)


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_facts_kept_on_our_fixtures(fixture_results: dict[str, Kept], name: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The same on our own documents of unseen layouts (runs without the corpus)."""
    if name == next(iter(TRANSFORMS)):
        with capsys.disabled():
            print("\nshare of facts kept, tests/fixtures/unseen\n" + table(fixture_results))
    _check(fixture_results, name)


def _check(results: dict[str, Kept], name: str) -> None:
    r = results[name]
    assert r.share() >= THRESHOLD, (name, r.share(), r.lost[:10])
    # and no facts appear that the original does not have (a footnote taken for a heading, a cell for an item)
    assert len(r.added) <= (1 - THRESHOLD) * sum(r.total.values()), (name, r.added[:10])
    for kind in KINDS:
        if r.total[kind] >= 50:
            assert r.share(kind) >= THRESHOLD, (name, kind, r.share(kind), [f for f in r.lost if f[2] == kind][:10])


if __name__ == "__main__":
    res = measure(sys.argv[1:] or None)
    print(table(measure(sys.argv[1:] or None, fixture_files)), end="\n\n")
    print(table(res))
    for name, r in res.items():
        for f in r.lost[:15]:
            print("lost ", name, *f, sep="\t")
        for f in r.added[:15]:
            print("added", name, *f, sep="\t")
