"""The numbered heading hierarchy of an objectives document or agency plan body.

The same marker sits at different depths in different documents (docs/formats.md §4.2: ``（１）`` is
level 2 under JAXA Ⅳ but level 4 under Ⅲ), so nesting comes from a stack of marker *types*: a
marker whose type is already on the stack closes back to that level and becomes a sibling, any other
marker opens a new level. Siblings must be consecutive, which also rejects captions, stray list
numbers and cross-references that survive the shape checks. Unnumbered labels (＜…＞, 【…】, （…）)
and bullets (○, ・) are not headings; they stay in the body as blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from .blocks import LogicalBlock, Marker, is_false_marker, logical_blocks, marker_rules, match_marker
from .model import Block, Line
from .normalize import squash

__all__ = ["Heading", "headings_from_blocks", "parse_headings"]

# Longest heading title accepted, in characters without whitespace. Measured on the corpus: real
# titles run to 53 (a plan heading wrapped over two lines); the ① rules that are items (long rules numbered
# like headings, docs/formats.md §4.2) run 51–163 and every one of them either exceeds 80 or ends in 「。」,
# which is rejected separately.
# 80 leaves half again the longest real title for documents not seen yet.
TITLE_MAX = 80
# A heading wraps over at most this many physical lines (three plus a stray fragment).
LINES_MAX = 4
# Kinds whose number a compound number extends: ３．１ under ３．, １．１．１． under １．１．
_EXTENDABLE = ("num-dot", "compound", "bracket-compound")


_DOTS = re.compile(r"[．.]+$")


def _extendable(kind: str) -> bool:
    return kind in _EXTENDABLE or kind.startswith(("compound-", "bracket-compound-"))


@dataclass
class Heading:
    """One numbered heading with the body blocks up to the next heading of any level."""

    marker: str  # raw marker as printed: "Ⅲ．", "(1)", "1）", "１．１．", "【１．１", "第１", "①"
    kind: str  # marker type (see data/markers.tsv): roman, kanji-dai, num-dot, compound, paren, …
    number: str  # this level's number, normalised: "3", "1", "1.1", "a"
    section_number: str  # full path as printed, e.g. "Ⅲ.1.(1).1）"; a compound replaces its parent's part
    title: str  # wrapped lines joined, marker removed
    depth: int  # 1-based
    parent: int | None  # index of the parent in the returned list
    block: Block
    body: list[Block] = field(default_factory=list)
    value: tuple[int, ...] = ()  # the number read, for sibling checks

    @property
    def line(self) -> Line:
        """The physical line the heading starts on (for citations)."""
        return self.block.first


def _is_caption(title: str) -> bool:
    return any(r.pattern.search(title) for r in marker_rules("caption"))


def _title(block: Block, marker: Marker) -> str | None:
    """The heading title, or None when the block is body text that merely starts with a marker."""
    if is_false_marker(marker) or len(block.lines) > LINES_MAX:
        return None
    text = block.text
    start = text.find(marker.raw)
    title = text[start + len(marker.raw):].strip(" \t\u3000") if start >= 0 else marker.title
    if marker.kind == "bracket-compound":
        title = title.rstrip(" \t\u3000").removesuffix("】").rstrip(" \t\u3000")
    if not title or title.endswith("。") or _is_caption(title) or len(squash(title)) > TITLE_MAX:
        return None
    return title


def _component(raw: str) -> str:
    """A marker as one part of a section number: whitespace, 【 (and 】 of 【３．１】) and trailing dots dropped."""
    return _DOTS.sub("", re.sub(r"\s+", "", raw).removeprefix("【").removesuffix("】"))


def _number(marker: Marker, value: str) -> str:
    if value == "alpha":
        return marker.number.translate(str.maketrans("ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
                                                     "abcdefghijklmnopqrstuvwxyz"))
    if value == "kana":
        return marker.number
    return ".".join(str(v) for v in marker.value)


@cache
def _value_kinds() -> dict[str, str]:
    kinds = {r.kind: r.value for r in marker_rules("numbered")}
    return kinds | {f"{k}-{n}": v for k, v in kinds.items() if v == "dotted" for n in range(3, 6)}


def _follows(prev: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """Whether ``new`` is the next sibling number after ``prev`` (1.4 → 1.5, and 1.9 → 2.1)."""
    if len(prev) != len(new):
        return False
    if new[:-1] == prev[:-1]:
        return new[-1] == prev[-1] + 1
    return new[-1] == 1 and new[:-2] == prev[:-2] and new[-2] == prev[-2] + 1


class _Tree:
    """The stack of open headings and the rules for placing the next one."""

    def __init__(self) -> None:
        self.out: list[Heading] = []
        self.stack: list[int] = []
        self.last_of_kind: dict[str, int] = {}

    def _extends(self, parent: int | None, value: tuple[int, ...]) -> bool:
        if len(value) < 2 or parent is None or not _extendable(self.out[parent].kind):
            return True
        return value[-2] == self.out[parent].value[-1]

    def _runs_through(self, kind: str, parent: int | None, value: tuple[int, ...]) -> bool:
        """（４） under 【１．２】 after （３） under 【１．１】: numbering runs on across cousin groups."""
        last = self.last_of_kind.get(kind)
        if last is None or parent is None or self.out[last].parent is None:
            return False
        a, b = self.out[self.out[last].parent], self.out[parent]
        return a.kind == b.kind and a.parent == b.parent and _follows(self.out[last].value, value)

    def place(self, block: Block, marker: Marker, title: str) -> bool:
        """Add the heading if its number fits the stack; False leaves the block to the body."""
        value = marker.value
        pos = next((i for i, h in enumerate(self.stack) if self.out[h].kind == marker.kind), None)
        if pos is not None:
            sibling = self.out[self.stack[pos]]
            parent, stack = sibling.parent, self.stack[:pos]
            ok = _follows(sibling.value, value) and self._extends(parent, value)
        else:
            parent = self.stack[-1] if self.stack else None
            stack = list(self.stack)
            ok = not self.out or (
                (value[-1] == 1 and self._extends(parent, value))
                or self._runs_through(marker.kind, parent, value))
        if not ok:
            return False
        component = _component(marker.raw)
        if parent is None:
            section = component
        elif len(value) > 1 and _carries(self.out[parent], value):
            section = _replace_last(self.out[parent], component)
        else:
            section = f"{self.out[parent].section_number}.{component}"
        self.out.append(Heading(
            marker=marker.raw, kind=marker.kind, number=_number(marker, _value_kinds()[marker.kind]),
            section_number=section, title=title, depth=len(stack) + 1, parent=parent, block=block,
            value=value))
        index = len(self.out) - 1
        self.stack = [*stack, index]
        self.last_of_kind[marker.kind] = index
        return True


def _carries(parent: Heading, value: tuple[int, ...]) -> bool:
    """Whether a compound number (３．１) carries its parent's number: under ３． as under （３） or 第３, since the
    scheme of the parent's marker varies between documents and the compound names the parent by number."""
    if not value[:-1] or not parent.value or value[-2] != parent.value[-1]:
        return False
    return _extendable(parent.kind) or _value_kinds().get(parent.kind) in ("int", "kanji")


def _replace_last(parent: Heading, component: str) -> str:
    """Put a compound number in place of the parent part it extends: Ⅲ.１ + １．１ → Ⅲ.１．１."""
    own = _component(parent.marker)
    return parent.section_number.removesuffix(own) + component


def headings_from_blocks(blocks: Sequence[Block]) -> list[Heading]:
    """Build the heading tree from logical blocks; every other block joins the body of the heading above."""
    tree = _Tree()
    for block in blocks:
        if not isinstance(block, LogicalBlock) or block.kind == "numbered":
            marker = match_marker(block.first.text)
            title = _title(block, marker) if marker is not None else None
            if title is not None and tree.place(block, marker, title):
                continue
        if tree.out:
            tree.out[-1].body.append(block)
    return tree.out


def parse_headings(lines: Sequence[Line]) -> list[Heading]:
    """Headings of one document body (``lines`` already limited to the body range)."""
    return headings_from_blocks(logical_blocks(lines))
