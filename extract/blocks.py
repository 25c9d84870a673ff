"""Join physical lines into logical blocks (paragraphs, headings, items, labels, footnotes).

PDF-to-text output hard-wraps every line and scatters blank lines, so blank lines never separate
paragraphs (docs/formats.md §2.2). A unit ends at a line with a trailing ASCII space; where a text has no
such signal at all (diagram pages, slide and table dumps), a line ending in 「。」 ends it instead.
Marker lines (numbered headings, bullets, bracketed labels) always start a new block. Footnotes
printed in the middle of a sentence get their own block and the sentence resumes after them; lone
page numbers are dropped. The marker grammar lives in ``data/markers.tsv`` so new schemes are data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .model import UNIT_END, Block, Line
from .normalize import ascii_digits, display_width, join_wrapped, squash
from .vocab import rows

__all__ = [
    "LogicalBlock",
    "annex_blocks",
    "Marker",
    "full_width",
    "has_trailing_space_signal",
    "prose_line",
    "short_line",
    "balanced",
    "is_page_number",
    "is_false_marker",
    "logical_blocks",
    "marker_rules",
    "match_marker",
]

_PAGE_NO = re.compile(r"^\s*[0-9０-９]{1,4}\s*$")
# Where trailing spaces end units, at least this share of non-blank lines carries one (measured:
# 17–41 % in the objectives documents and plans, under 1 % in slide and table dumps).
_SIGNAL_SHARE = 0.1
# A wrapped heading title never needs more than this many characters on a stray last line (docs/formats.md §4.5);
# a short line ending in 「。」 is a body sentence (「なし。」 under a plan's statutory item), never a title tail.
_FRAGMENT_MAX = 3
# A line shorter than this share of a full line ends its paragraph (where nothing else says so).
_SHORT = 0.8
# Share of non-blank lines followed by a blank line above which a text is double-spaced (as readers/pages.py).
_DOUBLE = 0.8
# A body line of an A4 page holds 35–45 characters: a "full" line is never taken to be shorter than this, so
# the short lines of slides and boxes stay short.
_FULL_MIN = 30
# A particle or clause end and a comma (運用は、 …であることから、): a numbered line that is a sentence, not a title.
_SENTENCE = re.compile(r"(?:[はがをも]|から|ると|ため|ので)、")
# Lines a heading may wrap over where only line lengths tell (headings.LINES_MAX is the hard limit).
_HEADING_LINES = 3
# Columns a wrapped line may fall short of a full one (a mark that may not start a line pulls a character down).
_WRAP_SLACK = 4
_OPEN = "（(「『［[｛{〔【＜<《≪〈"
_CLOSE = "）)」』］]｝}〕】＞>》≫〉"


@dataclass(frozen=True, slots=True)
class LogicalBlock(Block):
    """A :class:`Block` with the role its first line plays.

    ``kind`` is ``"numbered"`` (starts with a numbered marker; :mod:`keifu.extract.headings` decides
    whether it is a heading or a numbered item such as a long ① rule), ``"bullet"``, ``"label"``, ``"footnote"`` or ``"text"``.
    """

    kind: str = "text"

    @property
    def footnote(self) -> bool:
        return self.kind == "footnote"


@dataclass(frozen=True, slots=True)
class Marker:
    """A numbered marker at the start of a line, as printed, with its number read."""

    kind: str
    raw: str  # the marker as printed, e.g. "Ⅲ．", "（１）", "１．１．", "【１．１"
    number: str  # the number part as printed, e.g. "Ⅲ", "１", "１．１"
    value: tuple[int, ...]  # the number read: (3,), (1,), (1, 1)
    title: str  # the rest of the line, leading whitespace removed


@dataclass(frozen=True, slots=True)
class _Rule:
    role: str
    kind: str
    value: str
    pattern: re.Pattern[str]


@cache
def _rules() -> tuple[_Rule, ...]:
    text = resources.files("keifu.extract").joinpath("data/markers.tsv").read_text(encoding="utf-8")
    rules = []
    for row in text.splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        role, kind, value, pattern = row.split("\t", 3)
        rules.append(_Rule(role, kind, value, re.compile(pattern)))
    return tuple(rules)


@cache
def marker_rules(role: str) -> tuple[_Rule, ...]:
    """The rows of ``data/markers.tsv`` with this role, in file order (asked for every line: cached)."""
    return tuple(r for r in _rules() if r.role == role)


_ROMAN = {"I": 1, "V": 5, "X": 10}
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)} | {chr(0x3251 + i): 21 + i for i in range(15)}
_KANJI = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}
_KANA = "アイウエオカキクケコサシスセソタチツテト"
_FOLD = str.maketrans(
    "０１２３４５６７８９ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚＩＶＸ",
    "0123456789abcdefghijklmnopqrstuvwxyzIVX",
)
_ROMAN_CHARS = {chr(0x2160 + i): "I II III IV V VI VII VIII IX X XI XII".split()[i] for i in range(12)} | {
    chr(0x2170 + i): "I II III IV V VI VII VIII IX X".split()[i] for i in range(10)
}


def _roman(s: str) -> int:
    s = "".join(_ROMAN_CHARS.get(c, c) for c in s.translate(_FOLD))
    total = 0
    for i, c in enumerate(s):
        v = _ROMAN[c]
        total += -v if i + 1 < len(s) and _ROMAN[s[i + 1]] > v else v
    return total


def _kanji(s: str) -> int:
    s = s.translate(_FOLD)
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_KANJI.get(tens, 1)) * 10 + _KANJI.get(ones, 0)
    return _KANJI[s]


def _read(value: str, num: str) -> tuple[int, ...]:
    """Read a printed number; markers are compared by these values (siblings must be consecutive)."""
    if value == "dotted":
        return tuple(int(p) for p in re.split(r"[．.\-－‐]", num.translate(_FOLD)))
    if value == "roman":
        return (_roman(num),)
    if value == "circled":
        return (_CIRCLED[num],)
    if value == "alpha":
        return (ord(num.translate(_FOLD)) - ord("a") + 1,)
    if value == "kana":
        return (_KANA.index(num) + 1,)
    if value == "kanji":
        return (_kanji(num),)
    return (int(num.translate(_FOLD)),)


def match_marker(text: str) -> Marker | None:
    """The numbered marker a raw line starts with, if any (grammar: ``data/markers.tsv``).

    Only the shape is checked here; cross-references and inline enumerations are rejected by
    :func:`is_false_marker`, sequence and title rules by the heading parser.
    """
    s = text.lstrip(" \t\u3000")
    for rule in marker_rules("numbered"):
        m = rule.pattern.match(s)
        if m:
            value = _read(rule.value, m.group("num"))
            # １．１．１． is a level below １．１．, so deeper compounds are a type of their own.
            kind = f"{rule.kind}-{len(value)}" if len(value) > 2 else rule.kind
            return Marker(kind, m.group(0), m.group("num"), value, s[m.end():].lstrip(" \t\u3000"))
    return None


_NUM_CHAIN = re.compile(r"^(?:[0-9０-９ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩＩ]{1,3}[．.]?|[（(][0-9０-９]{1,2}[）)]|[①-⑳])+")


def is_cross_reference(marker: Marker) -> bool:
    """A marker that only cites another section: Ⅲ．１．２項において…, １．１項から…, Ⅰ．５．で示した…,
    and a wrapped 「上記」 reference that continues the sentence: ２．（１）の取組と…."""
    rest = marker.title
    if rest.startswith("項"):
        return True
    rest = _NUM_CHAIN.sub("", rest).lstrip(" \t\u3000")
    return any(r.pattern.match(rest) for r in marker_rules("xref"))


def _next_sibling_forms(marker: Marker) -> tuple[str, ...]:
    n = marker.value[-1] + 1
    if marker.kind == "circled" and n in _CIRCLED.values():
        return (next(k for k, v in _CIRCLED.items() if v == n),)
    if marker.kind == "paren":
        fw = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        return (f"({n})", f"（{n}）", f"（{fw}）", f"({fw})")
    return ()


def is_inline_enumeration(marker: Marker) -> bool:
    """An enumeration wrapped to the start of a line: ②…の調査、③…の設定 (docs/formats.md §4.4)."""
    return any(f in marker.title for f in _next_sibling_forms(marker))


def is_false_marker(marker: Marker) -> bool:
    """Shapes that look like markers but continue running text."""
    return is_cross_reference(marker) or is_inline_enumeration(marker)


def is_page_number(text: str) -> bool:
    """A lone page number line (``'22 '``, ``' 11 '``, ``'112'``); a number ending a body line is not one."""
    return bool(_PAGE_NO.match(text))


def _start_kind(text: str) -> str | None:
    """What a line opens: a numbered heading candidate, bullet, label, paren label or nothing."""
    m = match_marker(text)
    if m is not None and not is_false_marker(m):
        return "numbered"
    s = text.lstrip(" \t\u3000")
    for role in ("bullet", "label"):
        if any(r.pattern.match(s) for r in marker_rules(role)):
            return role
    if any(r.pattern.match(s.rstrip()) for r in marker_rules("plabel")):
        return "plabel"
    if _alone(s):
        return "alone"
    return None


def _alone(text: str) -> bool:
    """A line that is a unit by itself whatever its spacing: an annex label (別添２, （別紙１）), or a bare list
    label of the evaluation vocabulary (定量目標, 評価指標), which no sentence's wrapped tail is by itself."""
    s = text.strip(" \t\u3000")
    if any(r.pattern.match(s) for r in marker_rules("alone")):
        return True
    return any(p.match(squash(s)) for p in _list_labels()) if len(s) <= _LABEL_MAX else False


#: the longest bare list label worth matching (the vocabulary's labels are far shorter)
_LABEL_MAX = 24


@cache
def _list_labels() -> tuple[re.Pattern[str], ...]:
    """The indicator-list and axis labels of ``data/evaluation_vocab.tsv`` (anchored: whole lines only)."""
    return tuple(re.compile(r[2]) for r in rows("evaluation_vocab.tsv") if r[0] in ("label", "axis-label"))


def _footnote_number(text: str, margin: int = 0) -> str | None:
    """The number of a footnote line (``'1 一般財団法人…'``, ``'※1 …'``), unless the digits continue a date
    or count or the line is indented past the ``margin`` the text's lines share (a layout-keeping converter
    indents them all). Such a line is a footnote only where it interrupts an open sentence whose mark was
    seen (:func:`logical_blocks`); elsewhere the same shape is a heading (``１　法人の目的``) or a ※ note."""
    s = text.lstrip(" \t\u3000")
    if len(text) - len(s) > margin + 1:
        return None
    for rule in marker_rules("footnote"):
        m = rule.pattern.match(s)
        if m and not any(c.pattern.match(m.group("rest")) for c in marker_rules("counter")):
            return m.group("num").translate(_FOLD)
    return None


def _mark_seen(number: str, text: str) -> bool:
    """Whether a footnote mark with this number is glued to a word earlier (地域パートナー1が, ネットワーク※１を):
    the mark may be printed in full-width digits."""
    return re.search(rf"[^\s0-9A-Za-z.,，．]{re.escape(number)}(?![0-9])", ascii_digits(text)) is not None


def has_trailing_space_signal(lines: Sequence[Line]) -> bool:
    """Whether trailing ASCII spaces mark unit ends in these lines (docs/formats.md §2.2)."""
    texts = [ln.text for ln in lines if not ln.blank]
    if not texts:
        return False
    return sum(t.endswith(UNIT_END) for t in texts) / len(texts) >= _SIGNAL_SHARE


def prose_line(text: str, full: int) -> bool:
    """Whether ``text`` reads as body prose where a full line holds ``full`` characters (:func:`full_width`):
    it ends a sentence or fills a line. Where no trailing space marks unit ends, this is what tells a body
    heading (prose follows it) from a box of a diagram (short lines follow it)."""
    s = squash(text)
    return s.endswith("。") or not short_line(s, full)


def short_line(text: str, full: int) -> bool:
    """Whether ``text`` stops short of a full line (``full`` characters, never taken below _FULL_MIN): where no
    trailing space marks unit ends, a line that stops short ended its unit, since Japanese text wraps at any
    character."""
    return len(squash(text)) < _SHORT * max(full, _FULL_MIN)


def full_width(lines: Sequence[Line]) -> int:
    """The length of a full line (90th percentile of the non-blank lines, whitespace removed)."""
    sizes = sorted(len(squash(ln.text)) for ln in lines if not ln.blank)
    return sizes[int(0.9 * (len(sizes) - 1))] if sizes else 0


def _indent(line: Line) -> int:
    return len(line.text) - len(line.text.lstrip(" \t\u3000"))


def _margin(lines: Sequence[Line]) -> int:
    """The indentation most non-blank lines share (0 for most converters; all lines for a layout-keeping one)."""
    indents = Counter(_indent(ln) for ln in lines if not ln.blank)
    return min(indents.most_common(1)[0][0], min(indents)) if indents else 0


def _double_spaced(lines: Sequence[Line]) -> bool:
    """Whether most lines are followed by a blank line (then blank lines say nothing about units)."""
    texts = [i for i, ln in enumerate(lines) if not ln.blank]
    if not texts:
        return False
    followed = sum(1 for i in texts if i + 1 < len(lines) and lines[i + 1].blank)
    return followed / len(texts) >= _DOUBLE


def balanced(text: str) -> bool:
    depth = 0
    for c in text:
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(depth - 1, 0)
    return depth == 0


class _Builder:
    """An open block: its lines, the text joined so far and where each line starts."""

    def __init__(self, line: Line, kind: str) -> None:
        self.kind = kind
        self.lines = [line]
        self.text = line.text.strip()
        self.offsets = [0]
        self.closed = False
        self.flushed = False

    def add(self, line: Line) -> None:
        piece = line.text.strip()
        joined = join_wrapped(self.text, piece)
        self.offsets.append(len(joined) - len(piece))
        self.lines.append(line)
        self.text = joined

    def build(self) -> LogicalBlock:
        return LogicalBlock(self.text, tuple(self.lines), tuple(self.offsets), self.kind)


def _title_tail(lines: Sequence[Line], run: Sequence[int], b: _Builder, margin: int) -> bool:
    """Whether the lines ``run`` starts with, as wide as heading ``b``'s line and then one narrower, finish its
    title (no marker, no sentence end) where no trailing space tells: a narrow page wraps a long title over full
    lines, while the paragraph after a heading ends in 「。」. The last line of ``run`` only shows what follows."""
    width = display_width(b.lines[-1].text)
    tail = ""

    def reads_as_title() -> bool:
        text = join_wrapped(b.text, tail)
        return not squash(text).endswith("。") and balanced(text) and not _SENTENCE.search(tail)

    for n, k in enumerate(run):
        if n and (_start_kind(lines[k].text) is not None or _indent(lines[k]) > margin and not lines[k].page_start):
            return reads_as_title()  # a marker or an indented line starts what follows the title
        if n == len(run) - 1 or _start_kind(lines[k].text) is not None:
            return False
        tail = join_wrapped(tail, lines[k].text)
        if display_width(lines[k].text) < width - _WRAP_SLACK:
            return reads_as_title()
    return False


def logical_blocks(lines: Sequence[Line], *, sentence_ends: bool | None = None) -> list[Block]:
    """Join physical lines into logical blocks, in reading order (by first line).

    ``sentence_ends``: whether a line ending in 「。」 closes a block. By default it does only where
    the lines carry no trailing-space signal, because in texts that have the signal 「。」 at a line
    end also occurs inside units (an item going on with a second sentence; a 。 inside parentheses). Returned blocks are :class:`LogicalBlock` instances.
    """
    if sentence_ends is None:
        sentence_ends = not has_trailing_space_signal(lines)
    # Without the signal, a blank line after a line shorter than a full line ends a unit (a heading, a
    # paragraph's last line, a slide's line); after a full line it is a double-spaced paragraph's wrap.
    full = full_width(lines) if sentence_ends else 0
    double = sentence_ends and _double_spaced(lines)
    margin = _margin(lines)

    def short(line: Line) -> bool:
        return sentence_ends and short_line(line.text, full)

    kept = [i for i, ln in enumerate(lines) if not ln.blank and not is_page_number(ln.text)]
    rank = {i: k for k, i in enumerate(kept)}

    done: list[_Builder] = []
    cur: _Builder | None = None
    parked: _Builder | None = None  # the sentence a footnote interrupted
    seen = ""  # text so far, to find footnote marks

    def flush(b: _Builder | None) -> None:
        nonlocal seen
        if b is not None and not b.flushed:
            b.flushed = True
            done.append(b)
            seen += b.text

    def closes(b: _Builder, text: str) -> bool:
        if text.endswith(UNIT_END):
            return True
        stripped = b.text.rstrip()
        if b.kind == "label" and (stripped[-1:] in _CLOSE or len(b.lines) == 1 and _alone(stripped)):
            return True
        if sentence_ends:
            # Without the signal, headings and labels are taken to be one line each, unless a heading line is as
            # long as a full line: then it may wrap (its tail, a short line, follows), single- or double-spaced.
            if b.kind == "numbered" and not short(b.lines[-1]) and len(b.lines) < _HEADING_LINES:
                return stripped.endswith("。") and balanced(b.text)
            return b.kind in ("numbered", "label") or (stripped.endswith("。") and balanced(b.text))
        return False

    for i, ln in enumerate(lines):
        if ln.blank and sentence_ends and cur is not None and balanced(cur.text) and short(cur.lines[-1]):
            cur.closed = True  # unless a bracket is still open (a cell broken by a blank line)
        if ln.blank or is_page_number(ln.text):
            continue
        if sentence_ends and cur is not None and not cur.closed and cur.kind != "footnote" and short(cur.lines[-1]) \
                and not short(ln) and balanced(cur.text):
            cur.closed = True  # a short line, then a full one: the short line ended its unit (a cover line)
        text = ln.text
        start = _start_kind(text)
        is_open = cur is not None and not cur.closed
        fn = _footnote_number(text, margin) if start in (None, "numbered", "bullet") else None
        if fn is not None and start == "numbered" and is_open and cur is not None and (
                cur.kind == "numbered" or cur.text.rstrip().endswith("。") and balanced(cur.text)):
            # １　… after a heading, or after a finished sentence, whose line filled the width (a PDF line with
            # no unit-end signal): a heading, not a footnote interrupting a sentence
            fn = None
        if fn is not None and (is_open or (cur is not None and cur.kind == "footnote") or parked) \
                and _mark_seen(fn, seen + (cur.text if cur else "") + (parked.text if parked else "")):
            if is_open and cur is not None and cur.kind != "footnote":
                parked = cur
            else:
                flush(cur)
            cur = _Builder(ln, "footnote")
        elif start in ("numbered", "bullet", "label", "alone"):
            flush(cur)
            flush(parked)
            parked = None
            cur = _Builder(ln, "label" if start == "alone" else start)
        elif parked is not None and cur is not None and cur.kind == "footnote" and short(ln) \
                and squash(text).endswith("。") and not cur.text.rstrip().endswith("。"):
            cur.add(ln)  # the footnote's last words (…をい / う。), where no signal closed it
        elif parked is not None and (ln.page_start or cur is None or cur.closed):
            flush(cur)
            cur, parked = parked, None
            cur.add(ln)
        elif cur is not None and not cur.closed and not (sentence_ends and cur.kind == "numbered" and (
                not short(ln) and not _SENTENCE.search(cur.text)
                and not _title_tail(lines, kept[rank[i]:rank[i] + _HEADING_LINES + 1 - len(cur.lines)], cur, margin)
                or not double and (squash(text).endswith("。") or not balanced(cur.text + text)))) \
                and not (not sentence_ends and _filled_chapter(cur, ln)):
            cur.add(ln)  # (a full line after a full heading line is a paragraph, unless a short line that ends
            # no sentence finishes the title; a sentence or an open bracket is no tail where no blank line after
            # every line could have told them from one)
        elif (cur is not None and cur.kind == "numbered" and start is None
              and len(squash(text)) <= _FRAGMENT_MAX and not squash(text).endswith(("。", ":"))
              and (double or not sentence_ends)):
            cur.add(ln)  # a stray last character of a heading: '…（SE/PM）の推 ' + '   進 ' (not a label: '指標：')
        else:
            flush(cur)
            cur = _Builder(ln, "label" if start == "plabel" else "text")
        cur.closed = closes(cur, text)
    flush(cur)
    flush(parked)
    done.sort(key=lambda b: b.lines[0].index)
    return [b.build() for b in done]


_COMPOUND = ("compound", "bracket-compound")
#: how the statutory chapter titles end (…に関する事項, …の期間, …位置付け及び役割)
_CHAPTER_ENDS = ("事項", "期間", "役割")


def _filled_chapter(b: _Builder, line: Line) -> bool:
    """With the trailing-space signal: a numbered heading whose one line carries none because it reached the margin
    (a PDF line it fills exactly), followed by a line without one either. When its number is compound (only
    headings have one) or its title is a statutory chapter's (data/chapter_roles.tsv, ending as those titles do),
    it is whole, and the full line after it opens the section's first paragraph: a heading's wrapped tail would be
    short, so carry the signal."""
    from .chapters import chapter_role  # chapters reads its table through the registry: import on use

    first = b.lines[0].text
    if b.kind != "numbered" or len(b.lines) > 1 or first.endswith(UNIT_END) or line.text.endswith(UNIT_END):
        return False
    m = match_marker(first)
    if m is None:
        return False
    # a compound number (３．３, １．２．) numbers headings only; items are （１）, ① or bullets
    return m.kind.startswith(_COMPOUND) or squash(m.title).endswith(_CHAPTER_ENDS) and chapter_role(m.title) is not None


_DECISION_LINE = re.compile(r"^[（(][^（）()]*(?:[0-9０-９元〇○●]年|[RHＲＨ][0-9０-９]|決定|策定|申合せ)[^（）()]*[）)]")


def annex_blocks(lines: Sequence[Line], full: int = 0) -> list[Block]:
    """One block per annex line; a line that opens with a decision in parentheses joins the line before it
    when that line is a name, not a sentence (it ends in no 。 and closes every bracket it opens). Where the
    lines carry the trailing-space signal, a line without it that is as long as a full line of the body
    (``full`` characters; 0: never) wrapped at the edge of the page (…量子技術イノベーション戦 / 略): the next
    line goes on with it. A box of a diagram, however it ends, is shorter."""
    signal = has_trailing_space_signal(lines)
    out: list[Block] = []
    prev: Line | None = None
    for ln in lines:
        if ln.blank:
            continue
        text = ln.text.strip()
        before = prev.text.strip() if prev is not None else ""
        last = out[-1] if out else None
        wrapped = signal and full > 0 and last is not None and last.lines[-1] is prev and prev is not None \
            and prev.text[-1:] not in (" ", "\u3000", "\t") and not short_line(before, full) \
            and not before.endswith("。") and _start_kind(text) is None
        decision = last is not None and len(last.lines) == 1 and _DECISION_LINE.match(squash(text)) is not None \
            and before and not before.endswith("。") and before.count("（") == before.count("）")
        if last is not None and (decision or wrapped):
            out[-1] = Block(last.text + text, (*last.lines, ln), (*last.offsets, len(last.text)))
        else:
            out.append(Block(text, (ln,), (0,)))
        prev = ln
    return out
