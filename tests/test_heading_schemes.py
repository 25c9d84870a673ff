"""Heading schemes and unit boundaries that vary between agencies: invented documents (issue 13)."""

from __future__ import annotations

from keifu.extract.blocks import logical_blocks
from keifu.extract.headings import parse_headings
from keifu.extract.model import Line


def _lines(*texts: str) -> list[Line]:
    return [Line(index=k, no=k + 1, text=t) for k, t in enumerate(texts)]


def _double(*texts: str) -> list[Line]:
    """Double-spaced, as PDF-to-text prints most bodies: a blank line after every line."""
    return _lines(*[x for t in texts for x in (t, "")])


def test_a_compound_number_carries_its_parent_whatever_the_parent_marker() -> None:
    """３．１ under ３． in one agency's scheme is ３．１ under （３） in another's: same section number."""
    for top, own in (("３．", "３"), ("（３）", "（３）"), ("第３ ", "第３")):
        hs = parse_headings(_double(f"{top}干潟の研究 ", "３．１ 潮汐の観測 ", "①観測網の整備 ",
                                    "３．２ 潮汐の予測 "))
        assert [(h.section_number, h.title, h.parent) for h in hs] == [
            (own, "干潟の研究", None), ("３．１", "潮汐の観測", 0), ("３．１.①", "観測網の整備", 1),
            ("３．２", "潮汐の予測", 0)], top
    # a compound whose first number is not the parent's stays below it
    hs = parse_headings(_double("（２）干潟の研究 ", "１．１ 潮汐の観測 "))
    assert [h.section_number for h in hs] == ["（２）", "（２）.１．１"]


def test_an_annex_label_is_a_unit_of_its_own() -> None:
    """別添２ printed before a title or a preamble, with no trailing space, does not join the next line."""
    blocks = logical_blocks(_double("別添２", "干潟法（令和２年法律第３号）第29条の規定により、中期目標を定める。 ",
                                    "第１ 政策体系における法人の位置付け及び役割 "))
    assert [(b.text, [ln.no for ln in b.lines]) for b in blocks] == [
        ("別添２", [1]), ("干潟法（令和２年法律第３号）第29条の規定により、中期目標を定める。", [3]),
        ("第１ 政策体系における法人の位置付け及び役割", [5])]
    # a sentence that merely starts with the word is no label
    blocks = logical_blocks(_double("別添２のとおり定める。 "))
    assert [b.kind for b in blocks] == ["text"]
