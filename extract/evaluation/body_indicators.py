"""Indicators written in the body text, and 重要度・困難度 markers, attached to their objective.

AMED-style documents list their indicators under labelled blocks (docs/formats.md §4.6): 【戦略目標】,
【アウトカム指標】, ＜アウトプット指標＞, 定量目標 / 数値目標, each followed by ・ or ○ items, an item
sometimes followed by its numeric target on a line of its own (``130件／年 （令和７年度～令和11年度累計650件）``)
and by ※ notes. 【重要度：高】 and 【目標設定の考え方】 blocks qualify the objective next to them, with
their reasons in the following text. Everything attaches to the heading whose body holds the block.
Targets inside an item are read by :func:`keifu.extract.targets.parse_targets` (shared with the policy
tables), so the indicator name is the text before the first target.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from ..blocks import LogicalBlock
from ..dates import find_dates, fiscal_year
from ..headings import Heading
from ..model import Block, Line, LineSpan, SourceText
from ..normalize import join_wrapped, squash
from ..registry import register_parser
from ..vocab import rows
from . import axis_vocab as V

__all__ = ["BodyIndicator", "BodyIndicators", "Mark", "mask_baselines", "parse_body_indicators", "recurrence",
           "sentence_targets", "split_targets", "target_facts"]

_LEAD_LABEL = re.compile(r"^\s*(?P<label>[《【＜<〈（(〔［][^《》【】＜＞<>〈〉（）()〔〕［］]{1,40}[》】＞>〉）)〕］])\s*(?P<rest>.*)$", re.S)
#: Target kinds whose value alone is the target (40件); other kinds are phrases (対…比で約３割増加, 前年度を上回る).
_NUMERIC_KINDS = ("absolute", "recurring", "cumulative")
# An item's own target line has no sentence end; a line ending in 。 after the items is new prose.
_SENTENCE_END = re.compile(r"。\s*$")


@dataclass
class BodyIndicator(LineSpan):
    """One indicator item under a label, with its targets (``keifu.extract.targets.TargetValue``)."""

    kind: str  # indicator-kind code
    name: str
    text: str  # the whole item as printed (wrapped lines joined), target phrases included
    lines: list[Line]
    heading: int | None  # index of the objective (heading) whose body holds it
    label_line: Line | None = None
    targets: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    target_lines: list[Line] = field(default_factory=list)  # the line of each target's phrase

    @property
    def target_line(self) -> list[Line]:
        """The line of each target (the item's first line when none was located)."""
        return [self.target_lines[k] if k < len(self.target_lines) else self.lines[0] for k in range(len(self.targets))]


@dataclass
class Mark(LineSpan):
    """A 重要度 / 困難度 marker (or a 目標設定の考え方 block) and the reason stated with it."""

    dimension: str  # 重要度, 困難度, or 目標設定の考え方
    level: str | None  # 高 … as printed; None for a rationale
    reason: str
    lines: list[Line]
    heading: int | None


@dataclass
class BodyIndicators:
    """Result for one document (``ExtractedDocument.extras["body_indicators"]``)."""

    indicators: list[BodyIndicator] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)


def split_targets(text: str) -> tuple[str, list[Any]]:
    """(indicator name, targets): the name is the text before the first target phrase.

    Two printed forms put the target after the name in a way the phrase parser cannot see: a target
    in a closing parenthesis (``開催回数（前年度を上回る回数）``, ``導入件数（対令和２年度比で約３割増加）``),
    whose phrase is the whole parenthesis, and ``name：target`` (``技術相談件数：年間1,200件以上``).
    """
    try:
        from ..targets import parse_targets
    except ImportError:  # the shared target parser is not installed in this tree yet
        return _clean_name(text), []
    printed = text
    text, _ = mask_baselines(text)
    if text != printed:
        name, targets = split_targets(text)
        return _clean_name(name), [replace(t, expression=printed[t.start:t.end].strip()) for t in targets]
    paren = _closing_paren(text)
    if paren is not None:
        a, b = paren
        inner = text[a:b]
        targets = _targets(parse_targets, inner)
        if targets and not _targets(parse_targets, text[:a - 1]):
            if len(targets) == 1 and targets[0].kind not in _NUMERIC_KINDS:
                # a relative or rule target is the whole phrase: 対令和２年度比で約３割増加, not just 約３割
                targets = [replace(targets[0], expression=inner.strip(), start=0, end=len(inner))]
            return _clean_name(text[:a - 1]), [replace(t, start=t.start + a, end=t.end + a) for t in targets]
    colon = re.search(r"[:：]", text)
    if colon is not None and not _targets(parse_targets, text[:colon.start()]):
        after = _targets(parse_targets, text[colon.end():])
        if after:  # name：target — the phrase starts after the colon
            return _clean_name(text[:colon.start()]), [replace(t, start=t.start + colon.end(), end=t.end + colon.end())
                                                        for t in after]
    targets = _targets(parse_targets, text)
    if not targets:
        return _clean_name(text), []
    first = min(t.start for t in targets)
    name = _clean_name(text[:first]) or _clean_name(text)
    return name, targets


#: A parenthesis that states a baseline or a past result, not a target: （前中期目標期間実績：年平均1,200件）,
#: （参考：令和５年度実績 120件）, （基準値：…）, （現状：…）.
_BASELINE = re.compile(r"[（(][\s\u3000]*(?:参考[:：]?|基準値|基準|現状値?|前中長?期目標期間|前期|過去|直近|"
                       r"(?:平成|令和)?[0-9０-９]{1,4}[\s\u3000]*年度?[\s\u3000]*(?:の)?実績|[^（）()]{0,10}実績(?:値)?[:：])"
                       r"[^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*[）)]")


def mask_baselines(text: str) -> tuple[str, list[str]]:
    """``text`` with every baseline parenthesis blanked (same length, so offsets hold), and those parentheses:
    their numbers are past results, never targets."""
    notes: list[str] = []

    def blank(m: re.Match[str]) -> str:
        notes.append(m.group(0).strip("（）() \u3000"))
        return "\u3000" * len(m.group(0))
    return _BASELINE.sub(blank, text), notes


def _targets(parse: Any, text: str) -> list[Any]:
    return [t for t in parse(text) if getattr(t, "start", None) is not None]


def _closing_paren(text: str) -> tuple[int, int] | None:
    """The inside (start, end) of a parenthesis that closes ``text``, when text precedes it."""
    s = text.rstrip(" \t\u3000")
    if not s.endswith(("）", ")")):
        return None
    depth = 0
    for k in range(len(s) - 1, -1, -1):
        if s[k] in "）)":
            depth += 1
        elif s[k] in "（(":
            depth -= 1
            if depth == 0:
                return (k + 1, len(s) - 1) if k > 0 else None
    return None


def _clean_name(text: str) -> str:
    """The indicator name: a trailing 「：」 and whatever follows it on the way to the target is dropped
    (``技術移転の成約件数：中期目標期間中に`` → ``技術移転の成約件数``)."""
    name = text.strip(" \t\u3000").rstrip("※ \t\u3000:：").strip()
    head = re.split(r"[:：]", name, maxsplit=1)[0].strip()
    return head or name


def _kind(block: Block) -> str:
    return block.kind if isinstance(block, LogicalBlock) else "text"


# --- labels ---------------------------------------------------------------------------------------

#: (A label printed without brackets at the start of a block, ``数値目標：…``: axis_vocab.BARE_LABEL.)
#: A bare importance marker: ``重要度：高`` / ``重要度 高`` / ``困難度:高（理由）…`` (never prose such as 重要度が高い).
_BARE_MARK = re.compile(r"^[\s\u3000]*(?P<label>(?:重要度|困難度|難易度)[\s\u3000]*[:：]?[\s\u3000]*(?:特に高|高|中|低))"
                        r"(?![いくかさ])[\s\u3000]*(?P<rest>.*)$", re.S)


@cache
def _reason_rules() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(r[2]) for r in rows("evaluation_vocab.tsv") if r[0] == "reason")


def _is_reason_label(label: str) -> bool:
    inner = V.label_inner(label)
    return inner is not None and any(rx.search(inner) for rx in _reason_rules())


def _bracket(inner: str) -> str:
    return f"【{inner}】"


def _labels(text: str) -> tuple[list[str], str]:
    """The labels that open a block, bracketed or bare, in printed order, and the text after them:
    ``【重要度：高】【困難度：高】理由…`` → (["【重要度：高】", "【困難度：高】"], "理由…"); a bare label comes back
    bracketed (``数値目標：…`` → ``【数値目標】``) so one vocabulary reads both."""
    out: list[str] = []
    rest = text
    while True:
        m = _LEAD_LABEL.match(rest)
        if m is not None:
            out.append(m.group("label"))
            rest = m.group("rest").lstrip(" \t\u3000")
            continue
        m = _BARE_MARK.match(rest)
        if m is not None:
            out.append(_bracket(squash(m.group("label"))))
            rest = m.group("rest").lstrip(" \t\u3000")
            continue
        if not out:
            m = V.BARE_LABEL.match(rest)
            if m is not None:
                lab = _bracket(squash(m.group("label")))
                if V.indicator_label(lab) is not None or V.is_rationale_label(lab) or _is_reason_label(lab):
                    out.append(lab)
                    rest = (m.group("rest") or "").lstrip(" \t\u3000")
                    continue
        return out, rest.strip()


def _marks_of(label: str) -> list[tuple[str, str]]:
    """(dimension, level) of a 重要度・困難度 label; 難易度 is read as 困難度."""
    return [("困難度" if d == "難易度" else d, lv) for d, lv in V.importance_marks(label)]


class _Section:
    def __init__(self, kind: str, label_line: Line) -> None:
        self.kind = kind
        self.label_line = label_line
        self.items: list[BodyIndicator] = []
        self.plain = False  # items are printed without bullets


#: The longest item printed without a bullet under a label (a name and its target, no sentence).
_PLAIN_ITEM = 60


_ITEM_MARKER = re.compile(r"^[\s\u3000]*(?:[①-⑳㉑-㉟]|[(（][アイウエオカキクケコサシスセソタチツテトa-zａ-ｚ0-9０-９][)）]|"
                          r"[(（](?:[ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ]|i{1,3}|iv|vi{0,3}|ix|x)[)）]|"
                          r"[アイウエオカキクケコサシスセソタチツテトa-zａ-ｚ][.．)）]|[アイウエオカキクケコ](?=[\s\u3000]))"
                          r"[\s\u3000]*")


def _strip_item(text: str) -> str:
    """An item without its bullet (・ ○ ●) or its enumeration mark (① ア (ア) ａ.)."""
    s = V.strip_bullet(text)
    if s == text.strip(" \t\u3000"):
        s = s.lstrip("●◎◆◇□■▪•")
    m = _ITEM_MARKER.match(s)
    return s[m.end():] if m else s.strip(" \t\u3000")


class _Scanner:
    """Walks the body blocks of one heading (and the item headings that continue an open list)."""

    def __init__(self, out: BodyIndicators, period_fy: int | None, one_year: bool = False) -> None:
        self.out = out
        self.period_fy = period_fy
        self.one_year = one_year  # a document for one fiscal year: every target is due in it
        self.section: _Section | None = None
        self.mark: list[Mark] = []  # marks waiting for their reason
        self.want_reason = False  # a （理由） label was seen after the marks
        self.title_marks: list[Mark] = []  # marks printed in the heading, waiting for a （理由） block or sentence

    def flush(self) -> None:
        if self.section is not None:
            for it in self.section.items:
                it.name, it.targets = split_targets(it.text)
                it.notes.extend(mask_baselines(it.text)[1])
                it.targets = [_with_period(_relative(_year_of_name(t, it.text), it.text), it.text, self.period_fy,
                                           self.one_year) for t in it.targets]
                it.target_lines = [_line_of(it, t.start) for t in it.targets]
            self.out.indicators.extend(self.section.items)
        self.section = None

    def item(self, text: str, lines: Sequence[Line], heading: int | None) -> None:
        assert self.section is not None
        self.section.items.append(BodyIndicator(self.section.kind, "", text, list(lines), heading,
                                                self.section.label_line))

    def block(self, b: Block, heading: int | None) -> None:
        labels, rest = _labels(b.text)
        kind = next((k for k in (V.indicator_label(lab) for lab in labels) if k is not None), None)
        marks = [m for lab in labels for m in _marks_of(lab)]
        rationale = any(V.is_rationale_label(lab) for lab in labels)
        reason = any(_is_reason_label(lab) for lab in labels)
        if reason and not self.mark and self.title_marks:  # the reason of a marker printed in the heading
            self.mark, self.title_marks = self.title_marks, []
        if reason and self.mark:
            self.want_reason = True
            if rest:
                self._reason(rest, b.lines)
            return
        if kind is not None or marks or rationale or (labels and _kind(b) == "label"):
            self.flush()
            self.mark = []
            self.want_reason = False
            if kind is not None:
                self.section = _Section(kind, b.first)
                if rest:
                    self.item(_strip_item(rest), b.lines, heading)
            elif marks or rationale:
                for dim, level in (marks or [("目標設定の考え方", None)]):
                    m = Mark(dim, level, "", [b.first], heading)
                    self.out.marks.append(m)
                    self.mark.append(m)
                if rest:
                    _, tail = _labels(rest)
                    if tail and not _is_reason_label(_bracket(squash(tail))):
                        self._reason(tail, b.lines)
                        if not self.want_reason:
                            self.mark = []
            return
        if self.mark:
            if _kind(b) in ("text", "label") or b.text.startswith("※") or self.want_reason:
                self._reason(b.text, b.lines)
                if not self.want_reason or _SENTENCE_END.search(b.text):
                    self.mark = []
                    self.want_reason = False
                return
            self.mark = []
        if self.title_marks and _kind(b) == "text" and _states_reason(b.text, self.title_marks):
            self.mark, self.title_marks = self.title_marks, []
            self._reason(b.text, b.lines)
            self.mark = []
            return
        if self.section is None:
            self.sentences(b, heading)
            return
        bk = _kind(b)
        if bk == "bullet" and V.is_note(b.text) and self.section.items:
            self.section.items[-1].notes.append(b.text.lstrip("※ "))
            self.section.items[-1].lines.extend(b.lines)
        elif bk in ("bullet", "numbered") or _ITEM_MARKER.match(b.text):
            self.item(_strip_item(b.text), b.lines, heading)
        elif bk == "text" and _SENTENCE_END.search(b.text) and (not self.section.items or self.section.plain):
            # the section's introduction, or a target sentence under the label (論文数を年間100報以上とする。)
            self.sentences(b, heading, self.section.kind, self.section.label_line, need_unit=True)
        elif bk == "text" and self.section.items and _looks_like_target(b.text):
            it = self.section.items[-1]
            it.text = f"{it.text} {b.text.strip()}"
            it.lines.extend(b.lines)
        elif bk == "text" and (not self.section.items or self.section.plain) and len(squash(b.text)) <= _PLAIN_ITEM:
            self.section.plain = True  # items printed without bullets, one short line each
            self.item(b.text.strip(), b.lines, heading)
        else:
            self.flush()
            self.sentences(b, heading)

    def _reason(self, text: str, lines: Sequence[Line]) -> None:
        for m in self.mark:
            m.reason = join_wrapped(m.reason, text) if m.reason else text
            m.lines.extend(ln for ln in lines if ln not in m.lines)

    def sentences(self, b: Block, heading: int | None, kind: str = "quantitative-target",
                  label_line: Line | None = None, need_unit: bool = False) -> None:
        """Targets stated in prose: one indicator per target sentence, each target at its own line (under a
        label, the label's kind; there a sentence that only explains the list — 各年度の目標値は５年間の目標値の
        1/5とする — sets no target: ``need_unit``)."""
        if _kind(b) == "footnote":
            return
        for a, sent in _split_sentences(b.text):
            targets = sentence_targets(sent, self.period_fy, self.one_year)
            if not targets or (need_unit and not any(t.unit for t in targets)):
                continue
            lines = [b.line_at(a + k) for k in (0, len(sent) - 1)]
            ind = BodyIndicator(kind, _clean_sentence(sent), sent.strip(),
                                [ln for i, ln in enumerate(lines) if ln not in lines[:i]], heading, label_line)
            ind.targets = targets
            ind.target_lines = [b.line_at(a + t.start) for t in targets]
            self.out.indicators.append(ind)


_TITLE_MARK = re.compile(r"[【〔［\[（(＜<《][\s\u3000]*(?:重要度|困難度|難易度)[^】〕］\]）)＞>》]{0,12}[】〕］\]）)＞>》]")


def _title_marks(h: Heading, i: int, out: BodyIndicators) -> list[Mark]:
    """Markers printed in a heading line (（２）○○の推進【重要度：高】【困難度：高】), at the heading's line."""
    marks: list[Mark] = []
    for m in _TITLE_MARK.finditer(h.title):
        for dim, level in _marks_of(m.group(0)):
            mark = Mark(dim, level, "", [h.line], i)
            out.marks.append(mark)
            marks.append(mark)
    return marks


def _states_reason(text: str, marks: list[Mark]) -> bool:
    """A sentence that gives the reason of a marker: it names the dimension (重要度が高い) and a cause (ため, から)."""
    sq = squash(text)
    words = {m.dimension for m in marks} | ({"難易度"} if any(m.dimension == "困難度" for m in marks) else set())
    return any(w in sq for w in words) and bool(re.search(r"ため|から", sq))


def _split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) for each sentence of a block, split after 「。」 outside brackets."""
    out: list[tuple[int, str]] = []
    depth = 0
    start = 0
    for k, ch in enumerate(text):
        if ch in "（(「『":
            depth += 1
        elif ch in "）)」』" and depth:
            depth -= 1
        elif ch == "。" and depth == 0:
            out.append((start, text[start:k + 1]))
            start = k + 1
    if text[start:].strip():
        out.append((start, text[start:]))
    return out


def _clean_sentence(sent: str) -> str:
    return _strip_item(sent).strip()


# --- targets in sentences -------------------------------------------------------------------------

@cache
def _sentence_vocab() -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for r in rows("target_vocab.tsv"):
        if r[0].startswith("sentence-") or r[0] in ("delegated", "period-deadline", "base-after"):
            out.setdefault(r[0], []).append(r[1:])
    return out


@cache
def _rx(role: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{r[-1]})" for r in _sentence_vocab().get(role, [])) or "(?!)")


@cache
def _rule_rx() -> list[tuple[str, re.Pattern[str]]]:
    return [(r[0], re.compile(r[1])) for r in _sentence_vocab().get("sentence-rule", [])]


def sentence_targets(sent: str, period_fy: int | None = None, one_year: bool = False) -> list[Any]:
    """The targets a sentence of the body sets (``TargetValue``), offsets into ``sent``; [] for other sentences.

    A target sentence has a target cue (目標とし, までに, 以上とする, 毎年度, 比 …) and instructs (…こと, …とする)
    or names 目標, and does not report a fact (…ており). Its values with a unit are the targets; with no value,
    a comparison rule (前年度以上), a benchmark, or a target left to the plan (中期計画において…設定) is one."""
    from ..targets import TargetValue, fold, parse_targets

    f, idx = fold(sent)
    body = f.rstrip("。.")
    delegated = _rx("delegated").search(body)
    if delegated is not None:
        return [TargetValue(expression=sent.strip(), kind="delegated", value=None, unit=None, fiscal_year=None,
                            calendar_year=None, year_to=None, qualifier=None, start=len(sent) - len(sent.lstrip()),
                            end=len(sent.rstrip()))]
    if not _rx("sentence-cue").search(body):
        bare = _unparen(body)[0]  # once, not once per rule
        if not any(rx.search(bare) for _, rx in _rule_rx()):
            return []
    aim = _rx("sentence-aim").search(body) is not None
    if not (aim or _rx("sentence-order").search(body)) or (_rx("sentence-fact").search(body) and not aim):
        return []
    masked, _ = mask_baselines(sent)
    found = [replace(_trim(t, masked), expression=sent[t.start:t.end].strip()) for t in parse_targets(masked)
             if _is_value(t, masked)]
    found = [replace(t, expression=sent[t.start:t.end].strip()) for t in found]
    if not found:
        g, gmap = _unparen(f)
        for kind, rx in _rule_rx():
            m = rx.search(g)
            if m is not None:
                a, b = idx[gmap[m.start()]], idx[gmap[m.end() - 1]] + 1
                found.append(TargetValue(expression=sent[a:b], kind=kind, value=None, unit=None, fiscal_year=None,
                                         calendar_year=None, year_to=None, qualifier=_recurrence(f), start=a, end=b))
                break
    return [_with_period(_relative(t, sent), sent, period_fy, one_year) for t in found]


def _is_value(t: Any, sent: str) -> bool:
    """A number of the sentence that is a target value: it has a unit (or is a rank or ratio), and is not an
    article or item number (第２条の４第１項)."""
    from ..targets import fold

    if t.rating and t.kind == "rating":  # 毎年度Ｂ評価以上
        return True
    if t.value is None or not (t.unit or t.kind in ("rank", "ratio")):
        return False
    if t.unit and _rx("sentence-not-unit").search(fold(t.unit)[0]):
        return False
    at = _value_at(t, sent)
    return not _rx("sentence-not-before").search(fold(sent[:at])[0])


def _value_at(t: Any, sent: str) -> int:
    """Where the number of target ``t`` is printed in ``sent``."""
    from ..targets import fold

    span = sent[t.start:t.end]
    want = [t.value, t.value * 10] if t.value is not None else []  # 3割 is read as 0.3
    at = t.start
    for m in re.finditer(r"[0-9０-９][0-9０-９,，.．]*", span):  # the last such number: a year (令和８年度) leads
        try:
            v = Decimal(fold(m.group(0))[0].replace(",", "").rstrip("."))
        except InvalidOperation:
            continue
        if v in want:
            at = t.start + m.start()
    return at


def _trim(t: Any, sent: str) -> Any:
    """The target phrase without the clauses before it: a phrase parsed from a whole sentence may start at a
    year or word far before the value (令和６年度を基準として、…、毎年度平均で前年度比 1.33％以上)."""
    at = _value_at(t, sent)
    cut = max(sent.rfind(c, t.start, at) for c in "、，,。")
    topics = list(_TOPIC.finditer(sent, t.start, at))  # …に ついては毎年度平均で…: no part of the target
    topic = topics[-1] if topics else None
    if cut < t.start and topic is None:
        return t
    a = max(cut + 1, topic.end() if topic is not None else 0)
    while a < at and sent[a] in " \t\u3000\n":
        a += 1
    return replace(t, expression=sent[a:t.end].strip(), start=a)


#: The end of a topic phrase before a target (経費については、…は): the target starts after it.
_TOPIC = re.compile(r"(?:について|に[\s\u3000]*ついて)は|(?<=[^\s\u3000])(?:は)(?=[\s\u3000]*(?:毎|各|年間|令和|平成|前|対|[0-9０-９]))")


def _unparen(f: str) -> tuple[str, list[int]]:
    """``f`` without bracketed asides (（…）), and for each kept character its offset in ``f``."""
    if "(" not in f and "（" not in f:
        return f, list(range(len(f)))
    out: list[str] = []
    pos: list[int] = []
    depth = 0
    for k, ch in enumerate(f):
        if ch in "(（":
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
            pos.append(k)
    return "".join(out), pos


def _recurrence(folded: str) -> str | None:
    m = re.search(r"毎事業年度|各事業年度|毎年度|各年度|毎年", folded)
    return m.group(0) if m else None


def _with_period(t: Any, text: str, period_fy: int | None, one_year: bool = False) -> Any:
    """A target of 「中期目標期間中に…」 with no year of its own is due by the end of the objectives' period, and
    any target of a document set for one fiscal year (年度目標) is due in that year; a rule or benchmark stated
    「毎年度」「各年度」 recurs every year."""
    from ..targets import fold

    f, _ = fold(text)
    if t.kind in ("rule", "benchmark") and t.qualifier is None and _recurrence(f):
        t = replace(t, qualifier=_recurrence(f))
    if (t.fiscal_year is None and t.calendar_year is None and period_fy is not None and t.kind != "recurring"
            and t.kind != "delegated" and not (t.qualifier and _recurrence(t.qualifier))
            and (one_year or _rx("period-deadline").search(f))):
        t = replace(t, fiscal_year=period_fy)
    return t


def _year_of_name(t: Any, text: str) -> Any:
    """A year printed in the indicator's name dates its target (留学経験者の数（2026～2030年度）：累計400人)."""
    if t.fiscal_year is not None or t.calendar_year is not None:
        return t
    years = [jd for a, _b, jd in find_dates(text[:t.start]) if jd.year is not None and jd.month is None]
    if not years:
        return t
    spans = [(a, b) for a, b, jd in find_dates(text[:t.start]) if jd.year is not None and jd.month is None]
    last = years[-1]
    if len(years) >= 2 and re.fullmatch(r"\s*[～〜~―－-]\s*", text[spans[-2][1]:spans[-1][0]]):
        first = years[-2]
        return replace(t, fiscal_year=first.year if last.fiscal else None,
                       calendar_year=None if last.fiscal else first.year, year_to=last.year)
    return replace(t, fiscal_year=last.year if last.fiscal else None, calendar_year=None if last.fiscal else last.year)


def _relative(t: Any, sent: str) -> Any:
    """A value compared with an earlier year (前年度比 1.33％, 令和６年比 30％増, 令和６年度を基準として) is relative,
    with that year as its base; a year followed by 「を基準」 is a baseline, not a deadline."""
    from ..targets import fold

    f, _ = fold(sent[:t.start])
    base = t.base_year
    if base is None:
        for _a, b, jd in find_dates(sent):
            if jd.year is not None and jd.month is None and _rx("base-after").match(fold(sent[b:])[0]):
                base = jd.year
                if t.fiscal_year == jd.year or t.calendar_year == jd.year:
                    t = replace(t, fiscal_year=None, calendar_year=None, year_to=None)
    if base is not None and base in (t.fiscal_year, t.calendar_year):  # 令和６年比: the year is the baseline
        t = replace(t, fiscal_year=None, calendar_year=None, year_to=None)
    near = f[-8:] + fold(t.expression)[0]
    if t.value is not None and (base is not None or "比" in near):
        t = _widen(t, sent, base)
    if t.value is not None and (base is not None or "比" in near) and t.kind in ("absolute", "rule", "recurring"):
        kind = "relative"
        q = t.qualifier
        if t.kind == "recurring" or _recurrence(f):
            q = "・".join(x for x in dict.fromkeys([_recurrence(f) or "毎年度", *(q or "").split("・")]) if x)
        t = replace(t, kind=kind, qualifier=q)
    return replace(t, base_year=base) if base is not None else t


#: The comparison right before a relative value: 前年度比 / 令和７年度比で / 対前中期目標期間比で.
_COMPARED = re.compile(r"対?[^、。，をはがにの:：\s\u3000]{1,14}比で?[\s\u3000]*$")
_CHANGE = re.compile(r"^[\s\u3000]*(?:の)?(?:増加|減少|削減|向上|改善|低減|増|減)")


def _widen(t: Any, sent: str, base: int | None) -> Any:
    """A relative target's phrase from its base year to its verb: 令和６年比 30％増, not 比 30％."""
    at = _value_at(t, sent)
    a = t.start
    cmp = _COMPARED.search(sent[:at])
    if cmp is not None:
        a = min(a, cmp.start())
    for da, _db, jd in find_dates(sent[:at]):
        if base is not None and jd.year == base and jd.month is None and not any(c in sent[da:at] for c in "、。，"):
            a = min(a, da)
    m = _CHANGE.match(sent[t.end:])
    b = t.end + (m.end() if m else 0)
    return replace(t, expression=sent[a:b].strip(), start=a, end=b)


#: How a target due every year is printed (毎年度, 各年度, 毎事業年度, ／年 …).
_RECURRING = ("毎事業年度", "各事業年度", "毎年度", "各年度", "毎年", "年間", "/年", "／年")


def recurrence(t: Any) -> str | None:
    """The recurrence of a target due every year, as printed (毎年度, 各年度, 毎事業年度; ／年 and 年間 read as
    毎年度); None for a target with a deadline or none."""
    q = getattr(t, "qualifier", None) or ""
    hit = next((w for w in _RECURRING if w in q), None)
    if hit is None and getattr(t, "kind", None) == "recurring":
        hit = "毎年度"
    return "毎年度" if hit in ("/年", "／年", "年間", "毎年") else hit


def target_facts(doc: Any) -> list[tuple[str, str, Decimal | None, str | None, int | str | None]]:
    """The body indicators and targets of a document as flat facts, for scoring and tests:
    (section number of the objective, target phrase — or the indicator's name when it has no target —,
    value, normalised unit, deadline). The deadline is the target's (last) year, its recurrence (毎年度 …),
    ``delegated`` for a target left to the plan, or None."""
    res: BodyIndicators | None = doc.extras.get("body_indicators") if hasattr(doc, "extras") else doc
    out: list[tuple[str, str, Decimal | None, str | None, int | str | None]] = []
    if res is None:
        return out
    for ind in res.indicators:
        sec = doc.headings[ind.heading].section_number if ind.heading is not None else ""
        if not ind.targets:
            out.append((sec, ind.name or ind.text, None, None, None))
        for t in ind.targets:
            year = t.year_to or t.fiscal_year or t.calendar_year
            due: int | str | None = "delegated" if t.kind == "delegated" else (year or recurrence(t))
            out.append((sec, t.expression, t.value, t.unit_norm, due))
    return out


def _line_of(it: BodyIndicator, pos: int) -> Line:
    """The physical line of character ``pos`` of an item's text (bullets and wrapping removed)."""
    want = len(squash(it.text[:pos]))
    lead = squash(it.text)[:6]
    joined = ""
    spans: list[tuple[int, Line]] = []
    for ln in it.lines:
        spans.append((len(joined), ln))
        joined += squash(ln.text)
    base = joined.find(lead) if lead else 0
    at = max(base, 0) + want
    line = it.lines[0]
    for off, ln in spans:
        if off <= at:
            line = ln
    return line


def _looks_like_target(text: str) -> bool:
    """A line of its own after an item that carries the item's numbers (130件／年 （…累計650件））."""
    sq = squash(text)
    return bool(re.match(r"^[0-9０-９,，.．]+", sq)) or "目標" in sq[:6]


def _period_fy(doc: Any) -> tuple[int | None, bool]:
    """(the last fiscal year of the objectives' period, whether the document is set for that one year):
    令和13年３月31日まで → 2030; a 年度目標 or 年度計画 of 令和８年度 → (2026, True)."""
    facts = getattr(doc, "facts", None)
    end = getattr(facts, "period_end", None)
    start = getattr(facts, "period_start", None)
    fy = getattr(facts, "fiscal_year", None)
    seg = getattr(doc, "segment", None)
    if fy is None and seg is not None and str(getattr(seg, "kind", "")).startswith("annual"):
        fy = fiscal_year(getattr(seg, "title", None) or "")  # 令和８年度目標: the year is in the title
    if end is None or end.year is None:
        return (fy, True) if fy else (None, False)
    last = end.year - 1 if end.month is not None and end.month <= 3 else end.year
    first = start.year - 1 if start is not None and start.year and start.month and start.month <= 3 else \
        (start.year if start is not None else None)
    return last, first == last


def _item_headings(headings: Sequence[Heading], i: int) -> list[int]:
    """Headings printed as the items of a list opened at the end of heading ``i``'s body (【指標】 then ① …):
    its children of one marker kind."""
    kids = [j for j in range(i + 1, len(headings)) if headings[j].parent == i]
    if not kids or kids[0] != i + 1:
        return []
    kind = headings[kids[0]].kind
    out = []
    for j in kids:
        if headings[j].kind != kind or _SENTENCE_END.search(headings[j].title):
            break
        out.append(j)
    return out


def parse_body_indicators(src: SourceText, doc: Any) -> BodyIndicators:
    """Labelled indicator lists, target sentences and importance markers in the body of an objectives
    document or plan, each under the innermost heading that prints it."""
    del src
    out = BodyIndicators()
    headings: list[Heading] = doc.headings
    scan = _Scanner(out, *_period_fy(doc))
    skip: set[int] = set()
    for i, h in enumerate(headings):
        if i in skip:
            continue
        scan.title_marks = _title_marks(h, i, out)
        for b in h.body:
            scan.block(b, i)
        if scan.section is not None and not scan.section.items:
            for j in _item_headings(headings, i):  # the list's items were read as headings
                skip.add(j)
                hb = headings[j].block
                scan.item(_strip_item(hb.text), hb.lines, i)
                for b in headings[j].body:
                    scan.block(b, i)
        scan.flush()
        scan.mark = []
        scan.title_marks = []
    return out


BODY_INDICATORS = register_parser("body_indicators", parse_body_indicators)
