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


# Another converter prints no trailing spaces: only line lengths and 。 tell where units end.
_FULL = "機構は干潟の生物と地形を毎年調査し、その結果を自治体と共有して保全に役立て"  # a full line (38)


def test_without_the_signal_a_long_heading_wraps_and_a_full_line_starts_the_body() -> None:
    lines = _double("第１ 政策体系における法人の位置付け及び役割", _FULL, "る。",
                    "（１）干潟の生物と地形の調査及びその結果の自治体との共有に関する研究開", "発",
                    _FULL, "る。", "（２）長期的な観点からの資産構成割合に基づく運用に関する取組の推進", _FULL, "る。")
    assert [h.title for h in parse_headings(lines)] == [
        "政策体系における法人の位置付け及び役割", "干潟の生物と地形の調査及びその結果の自治体との共有に関する研究開発",
        "長期的な観点からの資産構成割合に基づく運用に関する取組の推進"]


def test_without_the_signal_a_numbered_rule_is_a_sentence_and_a_cover_line_ends_at_a_full_line() -> None:
    lines = _double("（１）干潟の保全", "①　干潟の調査は、毎年度の計画に従い、調査地点を定めて調査員を派遣す",
                    "ることにより実施し、その結果を自治体に報告するとともに公表する。", "（２）干潟の再生")
    assert [h.title for h in parse_headings(lines)] == ["干潟の保全", "干潟の再生"]
    blocks = logical_blocks(_lines("干潟保全機構", "環 境 省", _FULL, "る。"))
    assert [ln.no for ln in blocks[-1].lines] == [3, 4] and all(3 not in [ln.no for ln in b.lines] for b in blocks[:-1])


def test_a_numbered_line_after_a_full_line_is_a_heading_not_a_footnote() -> None:
    """In a PDF a heading or a finished sentence that fills the line gets no unit-end signal; the next line
    「２　…」 has a footnote's shape (a number, a space) and a 2 was printed before (第２期), yet it is a heading."""
    lines = _lines("第４　業務運営の効率化に関する事項", "１　一般管理費等の削減 ",
                   "第２期中期目標期間の実績を踏まえ、一般管理費は毎年度前年度比３％以上削減する。",
                   "２　調達の合理化 ", "契約の競争性を高める。 ")
    hs = parse_headings(lines)
    assert [(h.section_number, h.title) for h in hs] == [
        ("第４", "業務運営の効率化に関する事項"), ("第４.１", "一般管理費等の削減"), ("第４.２", "調達の合理化")]
    # an unfinished sentence is still interrupted by a footnote whose mark was seen
    blocks = logical_blocks(_lines("干潟の保全は地域パートナー1が担い、その活動を", "1 地域の団体をいう。 ",
                                   "支援する。 "))
    assert [(b.kind, [ln.no for ln in b.lines]) for b in blocks] == [("text", [1, 3]), ("footnote", [2])]


def test_without_the_signal_a_footnote_keeps_its_last_words_and_the_sentence_resumes() -> None:
    lines = _double(_FULL, _FULL[:-4] + "干潟ネット※1を", "通じて、「干潟総合管理計画」（令和８年〇",
                    "※1 干潟の団体の枠組みをい", "う。", " 月閣議決定）に基づく地域の取組を支援する。")
    blocks = logical_blocks(lines)
    assert [(b.kind, [ln.no for ln in b.lines]) for b in blocks] == [("text", [1, 3, 5, 11]), ("footnote", [7, 9])]
    assert blocks[0].text.endswith("（令和８年〇月閣議決定）に基づく地域の取組を支援する。")


def test_hyphenated_numbers_are_read_like_dotted_ones() -> None:
    """1./1-1/(1): a hyphen between the levels (１－２ full-width too) nests like 1.1 (numbers kept as printed)."""
    hs = parse_headings(_double("1. 干潟の研究 ", "1-1 潮汐の観測 ", "(1) 観測網の整備 ", "1-2 潮汐の予測 ",
                                "2. 業務の効率化 ", "２－１ 経費の削減 "))
    assert [(h.section_number, h.title, h.parent) for h in hs] == [
        ("1", "干潟の研究", None), ("1-1", "潮汐の観測", 0), ("1-1.(1)", "観測網の整備", 1),
        ("1-2", "潮汐の予測", 0), ("2", "業務の効率化", None), ("２－１", "経費の削減", 4)]
    # a telephone number or a date at a line start is no heading
    assert parse_headings(_double("03-1234-5678 に問い合わせる。 ", "2024-03-01 に公表した。 ")) == []
