"""Heading hierarchy: marker schemes, the marker-type stack, false headings (FORMAT-NOTES §4)."""

from __future__ import annotations

import pytest
from headings_corpus import body_ranges, corpus_lines, fixture_lines, lines_from_text

from keifu.extract.headings import TITLE_MAX, Heading, parse_headings


def _at(heads: list[Heading], no: int) -> Heading:
    found = [h for h in heads if h.line.no == no]
    assert found, f"no heading at line {no}"
    return found[0]


def _parent(heads: list[Heading], h: Heading) -> Heading | None:
    return heads[h.parent] if h.parent is not None else None


def _chain(heads: list[Heading], no: int) -> list[int]:
    """Line numbers from the root down to the heading at ``no``."""
    h: Heading | None = _at(heads, no)
    out = []
    while h is not None:
        out.append(h.line.no)
        h = _parent(heads, h)
    return out[::-1]


def _outline(name: str) -> list[tuple[int, str, int]]:
    return [(h.line.no, h.section_number, h.depth) for h in parse_headings(fixture_lines(name))]


# --- invented documents, one per scheme ------------------------------------------------------


def test_objectives_scheme_roman_num_paren_halfparen() -> None:
    assert _outline("headings_objectives.txt") == [
        (5, "Ⅰ", 1), (18, "Ⅱ", 1), (23, "Ⅲ", 1), (25, "Ⅲ.1", 2), (27, "Ⅲ.1.(1)", 3),
        (29, "Ⅲ.1.(1).1）", 4), (43, "Ⅲ.1.(1).2）", 4), (49, "Ⅲ.1.(2)", 3), (57, "Ⅲ.2", 2),
        (59, "Ⅲ.2.(1)", 3), (63, "Ⅳ", 1), (65, "Ⅳ.1", 2), (67, "Ⅳ.1.1）", 3), (69, "Ⅳ.1.2）", 3),
        (73, "Ⅳ.2", 2), (75, "Ⅴ", 1)]


def test_fields_of_one_heading() -> None:
    heads = parse_headings(fixture_lines("headings_objectives.txt"))
    h = _at(heads, 29)
    assert (h.marker, h.kind, h.number, h.title) == ("1）", "half-paren", "1", "自律型観測機器の開発")
    assert _parent(heads, h).line.no == 27
    assert [b.first.no for b in h.body] == [31]
    assert h.body[0].text.endswith("目指す。")


def test_skipped_level_is_not_invented() -> None:
    heads = parse_headings(fixture_lines("headings_objectives.txt"))
    assert _chain(heads, 67) == [63, 65, 67]


def test_wrapped_heading_title_is_joined() -> None:
    heads = parse_headings(fixture_lines("headings_objectives.txt"))
    h = _at(heads, 49)
    assert h.title == "沿岸域の防災に資する観測網の整備及び地域の関係機関との連携による情報提供体制の構築"
    assert [ln.no for ln in h.block.lines] == [49, 51]


def test_false_headings_stay_in_the_body() -> None:
    heads = parse_headings(fixture_lines("headings_objectives.txt"))
    titles = " ".join(h.title for h in heads)
    for fake in ("で示した", "項において", "単位", "沿岸協議会は", "品質管理手法の標準化"):
        assert fake not in titles
    # The caption 3. (after 1. with no 2.) stays body text of the heading above it.
    assert any("資金の状況" in b.text for b in _at(heads, 69).body)
    # The ○ head is a bullet in the body, not a numbered heading.
    assert any(b.text.startswith("○ 品質管理") for b in _at(heads, 43).body)


def test_plan_scheme_down_to_latin_and_circled() -> None:
    heads = parse_headings(fixture_lines("headings_plan.txt"))
    assert _chain(heads, 22) == [6, 8, 9, 18, 19, 22]
    assert _at(heads, 22).section_number == "Ⅰ.1.(1).2).a.②"
    assert _at(heads, 22).title == "塩分データの補正手法の開発及び比較観測の実施に向けた関係機関との調整"
    assert _at(heads, 26).section_number == "Ⅰ.1.(1).2).b"
    assert _at(heads, 26).number == "b"
    assert max(h.depth for h in heads) == 6


def test_plan_caption_and_leftover_are_not_headings() -> None:
    heads = parse_headings(fixture_lines("headings_plan.txt"))
    assert [h.line.no for h in heads if h.section_number.startswith("Ⅲ")] == [40, 41, 42, 45, 49, 51]
    assert _at(heads, 49).section_number == "Ⅲ.1.(3)"
    assert any("削除" in b.text for b in _at(heads, 45).body)


def test_numbered_top_level_with_compound_children() -> None:
    heads = parse_headings(fixture_lines("headings_riken.txt"))
    assert _at(heads, 1).depth == 1 and _at(heads, 1).kind == "num-dot"
    h = _at(heads, 11)
    assert (h.kind, h.number, h.section_number, h.depth) == ("compound", "3.1", "３．１", 2)
    assert _at(heads, 20).section_number == "３．１.（２）.①"
    assert _chain(heads, 30) == [9, 28, 30]
    assert _chain(heads, 36) == [34, 36]
    assert _at(heads, 16).title.endswith("先進的な取組")


def test_same_marker_at_different_depths() -> None:
    heads = parse_headings(fixture_lines("headings_jaxa.txt"))
    assert _at(heads, 1).marker == "Ｉ．" and _at(heads, 1).number == "1"
    assert _at(heads, 13).number == "2"
    assert _at(heads, 31).depth == 4 and _at(heads, 31).section_number == "Ⅲ.１．２.（１）"
    assert _at(heads, 55).depth == 2 and _at(heads, 55).section_number == "Ⅳ.（１）"
    assert _at(heads, 39).title.endswith("横断的に支える取組")
    assert _at(heads, 47).title.endswith("（SE）の推進")


def test_cross_references_are_rejected() -> None:
    heads = parse_headings(fixture_lines("headings_jaxa.txt"))
    assert [h.line.no for h in heads if h.section_number.startswith("Ⅲ.１")] == [21, 23, 29, 31, 35, 39, 47]
    assert any("１．２項において定める" in b.text for b in _at(heads, 23).body)


def test_kanji_dai_scheme_and_circled_items_vs_headings() -> None:
    heads = parse_headings(fixture_lines("headings_gpif.txt"))
    assert [h.line.no for h in heads if h.kind == "kanji-dai"] == [1, 5, 9, 55]
    # Long rules after ① are items (body), short ① titles are headings.
    assert [h.line.no for h in heads if h.kind == "circled"] == [29, 33]
    assert [b.first.no for b in _at(heads, 13).body] == [15, 17, 23]
    assert _at(heads, 53).marker == "10．" and _at(heads, 53).section_number == "第３.10"
    assert _at(heads, 37).marker == "２."
    assert _chain(heads, 59) == [55, 59]


def test_bracket_groups_with_numbering_running_through() -> None:
    heads = parse_headings(fixture_lines("headings_aist.txt"))
    g = _at(heads, 17)
    assert (g.kind, g.marker, g.title, g.section_number) == ("bracket-compound", "【１．１", "研究成果の創出", "Ⅲ.１．１")
    assert _chain(heads, 29) == [12, 16, 28, 29]
    assert _at(heads, 29).number == "3"
    assert _chain(heads, 33) == [12, 31, 32, 33]


def test_single_spaced_false_headings() -> None:
    heads = parse_headings(fixture_lines("headings_aist.txt"))
    assert all(h.kind != "circled" for h in heads)
    assert len(heads) == 18
    assert any("Ⅰ．２．で示した方針" in b.text for b in _at(heads, 12).body)


def test_labels_are_kept_out_of_the_heading_list() -> None:
    heads = parse_headings(fixture_lines("headings_amed.txt"))
    assert [h.section_number for h in heads] == [
        "Ⅰ", "Ⅱ", "Ⅲ", "Ⅲ.（１）", "Ⅲ.（１）.①", "Ⅲ.（１）.②", "Ⅲ.（２）", "Ⅲ.（３）", "Ⅲ.（３）.①", "Ⅳ", "Ⅳ.（１）", "Ⅳ.（２）"]
    body = [b.text for b in _at(heads, 38).body]
    assert body[0] == "（がん）" and "（難病）" in body


def test_stack_pops_back_to_a_type_already_open() -> None:
    text = "\n".join([
        "Ⅰ．第一章 ", "1. 節 ", "(1) 款 ", "① 細目 ", "② 細目 ", "(2) 款 ", "2. 節 ", "① 直下の細目 ", "Ⅱ．第二章 "])
    heads = parse_headings(lines_from_text(text))
    assert [(h.section_number, h.depth) for h in heads] == [
        ("Ⅰ", 1), ("Ⅰ.1", 2), ("Ⅰ.1.(1)", 3), ("Ⅰ.1.(1).①", 4), ("Ⅰ.1.(1).②", 4), ("Ⅰ.1.(2)", 3),
        ("Ⅰ.2", 2), ("Ⅰ.2.①", 3), ("Ⅱ", 1)]


def test_three_part_compounds_nest_under_two_part_ones() -> None:
    text = "\n".join(["１．章 ", "１．１．節 ", "１．１．１．款 ", "１．１．２．款 ", "１．２．節 ", "１．２．１．款 "])
    heads = parse_headings(lines_from_text(text))
    assert [(h.section_number, h.depth, h.number) for h in heads] == [
        ("１", 1, "1"), ("１．１", 2, "1.1"), ("１．１．１", 3, "1.1.1"), ("１．１．２", 3, "1.1.2"),
        ("１．２", 2, "1.2"), ("１．２．１", 3, "1.2.1")]
    assert heads[2].kind == "compound-3"


def test_siblings_must_be_consecutive() -> None:
    text = "\n".join(["Ⅰ．章 ", "1. 節 ", "3. 飛んだ番号 ", "(2) いきなり二番 ", "2. 節 "])
    heads = parse_headings(lines_from_text(text))
    assert [h.section_number for h in heads] == ["Ⅰ", "Ⅰ.1", "Ⅰ.2"]
    assert [b.text for b in heads[1].body] == ["3. 飛んだ番号", "(2) いきなり二番"]


def test_circled_title_threshold() -> None:
    short = "① " + "観" * TITLE_MAX + " "
    long = "① " + "観" * (TITLE_MAX + 1) + " "
    assert len(parse_headings(lines_from_text(f"(1) 款 \n{short}"))) == 2
    assert len(parse_headings(lines_from_text(f"(1) 款 \n{long}"))) == 1
    assert len(parse_headings(lines_from_text("(1) 款 \n① 短いが文である。 "))) == 1


# --- the real documents (skip without the corpus) ----------------------------------------------


def _doc(prefix: str, k: int = 0) -> list[Heading]:
    lines = corpus_lines(prefix)
    a, b = body_ranges(lines)[k]
    return parse_headings(lines[a:b])


def test_corpus_000() -> None:
    heads = _doc("000")
    assert (len(heads), max(h.depth for h in heads)) == (47, 4)
    assert _chain(heads, 197) == [151, 167, 169, 197]
    assert _at(heads, 197).section_number == "Ⅲ.1.(1).1）"
    assert _chain(heads, 740) == [736, 738, 740]
    assert _chain(heads, 882) == [878, 880, 882]
    assert _at(heads, 554).title.endswith("技術支援機関としての原子力災害対策の向上等と人材育成")
    assert 642 not in [h.line.no for h in heads]


def test_corpus_001() -> None:
    heads = _doc("001")
    assert (len(heads), max(h.depth for h in heads)) == (88, 6)
    assert _chain(heads, 133) == [8, 10, 124, 126, 133]
    assert _chain(heads, 18) == [8, 10, 11, 18]
    assert _chain(heads, 415) == [8, 10, 357, 409, 410, 415]
    assert _at(heads, 477).title.endswith("（EVEDA）事業及び関連する研究開発")
    assert _at(heads, 1119).section_number == "Ⅲ.1.(4)"
    assert not {1056, 1118} & {h.line.no for h in heads}


def test_corpus_amed() -> None:
    heads = _doc("002", 0)
    assert (len(heads), max(h.depth for h in heads)) == (37, 3)
    assert _chain(heads, 377) == [325, 327, 377]
    assert not any(h.title.startswith(("（がん）", "＜")) for h in heads)


def test_corpus_riken() -> None:
    heads = _doc("002", 1)
    assert (len(heads), max(h.depth for h in heads)) == (37, 4)
    assert _at(heads, 2284).depth == 1
    assert _chain(heads, 2439) == [2418, 2439]
    assert _at(heads, 2620).title.endswith("先進的な取組の実践")
    assert _chain(heads, 2842) == [2418, 2667, 2819, 2842]


def test_corpus_jaxa() -> None:
    heads = _doc("002", 2)
    assert (len(heads), max(h.depth for h in heads)) == (47, 4)
    assert _at(heads, 3425).marker == "Ｉ．"
    assert _chain(heads, 3898) == [3872, 3896, 3898]
    assert _at(heads, 4152).depth == 4 and _at(heads, 4759).depth == 2
    assert _at(heads, 4303).title.endswith("支える取組")
    assert _at(heads, 4524).title.endswith("（SE/PM）の推進")
    assert not {3969, 4318, 4885} & {h.line.no for h in heads}


def test_corpus_gpif() -> None:
    heads = _doc("002", 3)
    assert (len(heads), max(h.depth for h in heads)) == (39, 4)
    assert _at(heads, 6052).kind == "kanji-dai"
    assert not {6155, 6171, 6183, 6192} & {h.line.no for h in heads}
    assert _chain(heads, 6222) == [6135, 6145, 6218, 6222]
    assert _at(heads, 6511).title.endswith("非財務的要素を考慮した投資")
    assert _at(heads, 6669).section_number == "第３.10"


def test_corpus_aist() -> None:
    heads = _doc("002", 4)
    assert (len(heads), max(h.depth for h in heads)) == (47, 4)
    assert _chain(heads, 7155) == [7138, 7153, 7154, 7155]
    assert _chain(heads, 7200) == [7138, 7153, 7199, 7200]
    assert _at(heads, 7200).number == "4"
    assert not {7039, 7140} & {h.line.no for h in heads}


@pytest.mark.parametrize(("prefix", "k"), [("000", 0), ("001", 0), ("002", 0), ("002", 1), ("002", 2),
                                           ("002", 3), ("002", 4)])
def test_corpus_titles_are_short_and_not_sentences(prefix: str, k: int) -> None:
    for h in _doc(prefix, k):
        assert h.title and not h.title.endswith("。") and len(h.title) <= TITLE_MAX


def test_parent_order_and_depths_are_consistent() -> None:
    for prefix, k in [("000", 0), ("001", 0), ("002", 2)]:
        heads = _doc(prefix, k)
        for i, h in enumerate(heads):
            if h.parent is None:
                assert h.depth == 1
            else:
                assert h.parent < i and heads[h.parent].depth == h.depth - 1
