"""Indicators written in the body text, and 重要度・困難度 markers, attached to their objective.

AMED-style documents list their indicators under labelled blocks (FORMAT-NOTES §4.5): 【戦略目標】,
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
from typing import Any

from . import axis_vocab as V
from .blocks import LogicalBlock
from .headings import Heading
from .model import Block, Line, LineSpan, SourceText
from .normalize import join_wrapped, squash
from .registry import register_parser

__all__ = ["BodyIndicator", "BodyIndicators", "Mark", "parse_body_indicators", "split_targets"]

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
        from .targets import parse_targets
    except ImportError:  # the shared target parser is not installed in this tree yet
        return _clean_name(text), []
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


def _lead(block: Block) -> tuple[str, str] | None:
    """(label, rest of the block) when the block starts with a bracketed label."""
    m = _LEAD_LABEL.match(block.text)
    return (m.group("label"), m.group("rest").strip()) if m else None


def _kind(block: Block) -> str:
    return block.kind if isinstance(block, LogicalBlock) else "text"


class _Section:
    def __init__(self, kind: str, label_line: Line) -> None:
        self.kind = kind
        self.label_line = label_line
        self.items: list[BodyIndicator] = []


def _scan(blocks: Sequence[Block], heading: int | None, out: BodyIndicators) -> None:
    section: _Section | None = None
    mark: Mark | None = None

    def flush() -> None:
        nonlocal section
        if section is not None:
            for it in section.items:
                it.name, it.targets = split_targets(it.text)
            out.indicators.extend(section.items)
        section = None

    for b in blocks:
        lead = _lead(b)
        kind = V.indicator_label(lead[0]) if lead else None
        marks = V.importance_marks(lead[0]) if lead else []
        rationale = lead is not None and V.is_rationale_label(lead[0])
        if kind is not None or marks or rationale or (lead is not None and _kind(b) == "label"):
            flush()
            mark = None
            assert lead is not None
            if kind is not None:
                section = _Section(kind, b.first)
                if lead[1]:
                    section.items.append(BodyIndicator(kind, "", lead[1], list(b.lines), heading, b.first))
            elif marks or rationale:
                dims = marks or [("目標設定の考え方", None)]
                for dim, level in dims:
                    mark = Mark(dim, level, lead[1], list(b.lines), heading)
                    out.marks.append(mark)
            continue
        if mark is not None:
            if _kind(b) in ("text", "label") or b.text.startswith("※"):
                for m in out.marks:
                    if m.lines[0] is mark.lines[0]:
                        m.reason = join_wrapped(m.reason, b.text) if m.reason else b.text
                        m.lines.extend(ln for ln in b.lines if ln not in m.lines)
                mark = None
                continue
            mark = None
        if section is None:
            continue
        bk = _kind(b)
        if bk == "bullet" and V.is_note(b.text) and section.items:
            section.items[-1].notes.append(b.text.lstrip("※ "))
            section.items[-1].lines.extend(b.lines)
        elif bk == "bullet":
            section.items.append(BodyIndicator(section.kind, "", V.strip_bullet(b.text), list(b.lines), heading,
                                               section.label_line))
        elif bk == "text" and not section.items:
            continue  # the section's introduction
        elif bk == "text" and not _SENTENCE_END.search(b.text) and _looks_like_target(b.text):
            it = section.items[-1]
            it.text = f"{it.text} {b.text.strip()}"
            it.lines.extend(b.lines)
        else:
            flush()
    flush()


def _looks_like_target(text: str) -> bool:
    """A line of its own after an item that carries the item's numbers (130件／年 （…累計650件））."""
    sq = squash(text)
    return bool(re.match(r"^[0-9０-９,，.．]+", sq)) or "目標" in sq[:6]


def parse_body_indicators(src: SourceText, doc: Any) -> BodyIndicators:
    """Labelled indicator lists and importance markers in the body of an objectives document or plan."""
    del src
    out = BodyIndicators()
    headings: list[Heading] = doc.headings
    for i, h in enumerate(headings):
        _scan(h.body, i, out)
    return out


register_parser("body_indicators", {"ObjectivesDocument", "AgencyPlan"}, parse_body_indicators)
