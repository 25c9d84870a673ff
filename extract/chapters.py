"""The statutory role of each top-level chapter of an objectives document or agency plan.

独立行政法人通則法 (第29条・第35条の4 第2項) lists the items every 中期目標 / 中長期目標 must set (period,
quality of operations, efficiency, finances, other important matters) and the government guideline adds a
first chapter on the agency's position in the policy system. Documents number and word these chapters
differently (Ⅰ．/ 第１ / １．; 「業務運営の改善及び効率化」, 「研究開発成果の最大化その他業務の質の向上」), so
the role comes from the chapter *title*, matched against the patterns in ``data/chapter_roles.tsv`` —
never from its number or position. Draft validation (``keifu.graph.draft``) checks the roles against the law.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .model import Line, SourceText
from .normalize import squash
from .registry import register_parser
from .vocab import rows

__all__ = ["Chapter", "Chapters", "ROLES", "chapter_role", "parse_chapters"]


@dataclass(frozen=True, slots=True)
class _Rule:
    role: str
    pattern: re.Pattern[str]


@cache
def _rules() -> tuple[_Rule, ...]:
    return tuple(_Rule(r[0].strip(), re.compile(r[1].strip())) for r in rows("chapter_roles.tsv"))


#: Every role code the data table can give (codes of the SKOS scheme chapter-role), in table order.
ROLES: tuple[str, ...] = tuple(dict.fromkeys(r.role for r in _rules()))


def chapter_role(title: str) -> tuple[str, str] | None:
    """(role, matching pattern) for a chapter title as printed (marker removed), or None if no row matches."""
    key = squash(title)
    for rule in _rules():
        if rule.pattern.search(key):
            return rule.role, rule.pattern.pattern
    return None


@dataclass(frozen=True, slots=True)
class Chapter:
    """One top-level chapter: its heading (index into ``ExtractedDocument.headings``) and its role."""

    heading: int
    title: str
    line: Line
    role: str | None
    rule: str | None  # the data-table pattern that matched (evidence), None when no role was found


@dataclass(slots=True)
class Chapters:
    """Result for one document (``ExtractedDocument.extras["chapters"]``)."""

    chapters: list[Chapter] = field(default_factory=list)

    def with_role(self, *roles: str) -> list[Chapter]:
        return [c for c in self.chapters if c.role in roles]

    def roles(self) -> set[str]:
        return {c.role for c in self.chapters if c.role is not None}


def parse_chapters(src: SourceText, doc: Any) -> Chapters:
    """Roles of the top-level headings of ``doc`` (an ``ExtractedDocument``)."""
    del src
    out = Chapters()
    for i, h in enumerate(doc.headings):
        if h.parent is not None:
            continue
        found = chapter_role(h.title)
        out.chapters.append(Chapter(i, h.title, h.line, found[0] if found else None, found[1] if found else None))
    return out


CHAPTERS = register_parser("chapters", parse_chapters)
