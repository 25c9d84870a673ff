"""Excerpt references (「…基本計画P.44-45から抜粋」) and abbreviated plan names, as printed in 事前分析表 goals:
invented sentences in that form (lineage, issue 6)."""

from __future__ import annotations

from keifu.extract.citations import CitationScanner, Mention
from keifu.extract.model import Block, Line


def scan(*lines: str) -> list[Mention]:
    """One block over consecutive physical lines, joined without their wrap whitespace."""
    text, offsets = "", []
    for raw in lines:
        offsets.append(len(text))
        text += raw.strip()
    objs = tuple(Line(index=k, no=k + 1, text=raw) for k, raw in enumerate(lines))
    return CitationScanner().scan(Block(text=text, lines=objs, offsets=tuple(offsets)))


def test_excerpt_with_pages_and_an_abbreviated_name() -> None:
    (m,) = scan("灯台の見学者を増やす取組を進める（科技イノベ基本", "計画P.12-13から抜粋）。")
    assert (m.name, m.key, m.alias, m.edition, m.dated) == (
        "科学技術・イノベーション基本計画", "科学技術・イノベーション基本計画", "科技イノベ基本計画", None, False)
    assert m.line.no == 1 and m.quote == "科技イノベ基本計画P.12-13から抜粋"


def test_excerpt_without_pages_keeps_an_edition() -> None:
    (m,) = scan("港湾の再整備を進める（第３期架空港湾推進計画より抜粋）。")
    assert (m.name, m.edition, m.alias) == ("第３期架空港湾推進計画", 3, None)


def test_not_an_excerpt_of_a_plan() -> None:
    # a table, not a plan; a section code; a verb that is no excerpt
    assert scan("※事前分析表5-2から抜粋") == []
    assert scan("灯台の写真から抜粋した図を示す。") == []
    assert scan("架空港湾推進計画から外れた事業を見直す。") == []
