"""Logical blocks: joining wrapped lines, markers, page numbers, footnotes (FORMAT-NOTES §2, §9)."""

from __future__ import annotations

import pytest
from headings_corpus import corpus_lines, fixture_lines, lines_from_text

from keifu.extract.blocks import (
    LogicalBlock,
    annex_blocks,
    has_trailing_space_signal,
    is_page_number,
    logical_blocks,
    match_marker,
)
from keifu.extract.headings import parse_headings
from keifu.extract.model import Line


def _block_at(blocks: list, no: int) -> LogicalBlock:
    """The block that contains physical line ``no``."""
    return next(b for b in blocks if any(ln.no == no for ln in b.lines))


def _lines(*texts: str) -> list[Line]:
    return lines_from_text("\n".join(texts))


# --- unit tests on invented text -------------------------------------------------------------


@pytest.mark.parametrize("text", ["22 ", " 11 ", "112", "7", "１２３"])
def test_page_number_lines(text: str) -> None:
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["（平成 28", "第 12", "2025年", "12345", "1 沿岸協議会は"])
def test_not_page_numbers(text: str) -> None:
    assert not is_page_number(text)


def test_trailing_space_ends_a_unit_and_wraps_join_without_space() -> None:
    blocks = logical_blocks(_lines("観測網の運用に当たっては、デー", "", "タを共有する。 ", "", "次の段落である。 "))
    assert [b.text for b in blocks] == ["観測網の運用に当たっては、データを共有する。", "次の段落である。"]


def test_latin_words_keep_one_space_across_a_wrap() -> None:
    blocks = logical_blocks(_lines("施設 Nano", "Terasu を運用する。 ", "別の段落。 "))
    assert blocks[0].text == "施設 Nano Terasu を運用する。"


def test_offsets_point_back_to_physical_lines() -> None:
    lines = _lines("観測網の運用に当たっては、デー", "", "タを共有する。 ")
    block = logical_blocks(lines)[0]
    assert block.offsets == (0, len("観測網の運用に当たっては、デー"))
    assert block.line_at(block.text.index("タを")).no == 3
    assert block.line_at(0).no == 1


def test_marker_line_closes_an_open_block() -> None:
    blocks = logical_blocks(_lines("前置きの文が続いてい", "(1) 観測技術の高度化 ", "本文である。 "))
    assert [b.kind for b in blocks] == ["text", "numbered", "text"]


def test_cross_reference_at_line_start_does_not_close_the_block() -> None:
    blocks = logical_blocks(_lines("次項及び", "Ⅲ．２項において定める取組と連携する。 ", "１．１項から定める。 "))
    assert blocks[0].text == "次項及びⅢ．２項において定める取組と連携する。"
    assert blocks[1].kind == "text"


def test_inline_enumeration_wrapped_to_line_start_is_not_a_marker() -> None:
    blocks = logical_blocks(_lines("業務は、①材料の研究、", "②標準物質の供給、③計測技術の普及とする。 ", "次。 "))
    assert blocks[0].lines[-1].no == 2
    assert "③計測" in blocks[0].text


def test_labels_never_join_even_without_trailing_space() -> None:
    blocks = logical_blocks(_lines("【重要度 高】", "本文である。 ", "＜法人の使命＞ ", "本文である。 "))
    assert [(b.kind, b.text) for b in blocks] == [
        ("label", "【重要度 高】"), ("text", "本文である。"), ("label", "＜法人の使命＞"), ("text", "本文である。")]


def test_paren_label_only_where_a_block_starts() -> None:
    blocks = logical_blocks(_lines("（がん） ", "研究を進める。 ", "期間は令和８年から", "（2032年）まで。 "))
    assert blocks[0].kind == "label"
    assert blocks[-1].text == "期間は令和８年から（2032年）まで。"


def test_date_placeholder_circle_is_not_a_bullet() -> None:
    blocks = logical_blocks(_lines("決定日は令和８年", "〇月〇日とする。 ", "〇 観測の推進 "))
    assert blocks[0].text == "決定日は令和８年〇月〇日とする。"
    assert blocks[1].kind == "bullet"


def test_private_use_bullets_are_items() -> None:
    blocks = logical_blocks(fixture_lines("headings_plan.txt"))
    item = _block_at(blocks, 15)
    assert item.kind == "bullet"
    # The item goes on after a line ending in 。 without a trailing space (001:22 style).
    assert item.text.endswith("通信装置の設計に着手する。")


def test_page_number_inside_a_sentence_is_dropped_and_the_sentence_resumes() -> None:
    blocks = logical_blocks(fixture_lines("headings_plan.txt"))
    item = _block_at(blocks, 31)
    assert item.text.endswith("改善の状況を確認する。")
    assert "7" not in item.text
    assert all(not is_page_number(ln.text) for b in blocks for ln in b.lines)


def test_footnote_gets_its_own_block_and_the_sentence_resumes_after_it() -> None:
    blocks = logical_blocks(fixture_lines("headings_objectives.txt"))
    para = _block_at(blocks, 7)
    note = next(b for b in blocks if isinstance(b, LogicalBlock) and b.footnote)
    assert note.text.startswith("1 沿岸協議会は")
    assert para.text.endswith("海洋イノベーション拠点としての役割を果たすことが期待される。")
    assert "沿岸協議会は、沿岸自治体" not in para.text
    assert para.first.no < note.first.no < para.last.no


def test_consecutive_footnotes() -> None:
    blocks = logical_blocks(fixture_lines("headings_amed.txt"))
    notes = [b for b in blocks if isinstance(b, LogicalBlock) and b.footnote]
    assert [b.text[:1] for b in notes] == ["1", "2"]
    para = _block_at(blocks, 5)
    assert para.text.endswith("整備することが求められている。")


def test_number_and_space_continuing_a_date_is_not_a_footnote() -> None:
    blocks = logical_blocks(fixture_lines("headings_amed.txt"))
    assert _block_at(blocks, 64).text.endswith("令和８年25 日に決定された方針に基づく取組")
    assert sum(isinstance(b, LogicalBlock) and b.footnote for b in blocks) == 2


def test_footnote_needs_a_mark_in_the_text() -> None:
    blocks = logical_blocks(_lines("観測網を整備す", "", " ", "3 つの拠点で運用する。 "))
    assert len(blocks) == 1 and blocks[0].text == "観測網を整備す3 つの拠点で運用する。"


def test_heading_fragment_of_one_to_three_characters_is_joined() -> None:
    blocks = logical_blocks(fixture_lines("headings_jaxa.txt"))
    head = _block_at(blocks, 47)
    assert head.kind == "numbered"
    assert head.text.endswith("（SE）の推進")
    assert [ln.no for ln in head.lines] == [47, 49]


def test_sentence_end_closes_blocks_only_without_the_trailing_space_signal() -> None:
    no_signal = _lines("一文目である。", "二文目が続", "く。", "・項目")
    assert not has_trailing_space_signal(no_signal)
    assert [b.text for b in logical_blocks(no_signal)] == ["一文目である。", "二文目が続く。", "・項目"]
    assert [b.text for b in logical_blocks(no_signal, sentence_ends=False)][0] == "一文目である。二文目が続く。"


# A single-spaced text laid out narrow, from a converter that writes no trailing spaces (invented wording).
_NARROW_NO_SIGNAL = (
    "１．沿岸霧象の観測と予報の高度化に関する目標を達成するためにとるべき",
    "措置",
    "（１）霧の発生から消散までを面的に捉える沿岸観測網の整備と運用の",
    "改善",
    "沿岸霧象研究所は、湾口から内陸までの霧の発生と移動を面的に捉える観",
    "測網を整備し、その結果を港湾管理者及び自治体に迅速に提供する。",
    "（２）観測結果を港湾の運航判断に直結させるための情報提供体制の構築",
    "以上の取組を通じて港湾の安全を高める。",
    "（３）観測データの公開",
    "当研究所は、観測データを研究者と港湾関係者の双方が長く使える形で公",
    "開し、その利用状況を毎年度把握して公開の方法の改善に反映させる。",
)


def test_heading_as_long_as_a_full_line_wraps_in_single_spaced_text_without_signal() -> None:
    """Without the signal and without a blank line after every line, a heading line as long as a full line
    goes on with a short tail; a full line or a sentence after it is prose (docs/formats.md §4.5)."""
    lines = _lines(*_NARROW_NO_SIGNAL)
    assert not has_trailing_space_signal(lines)
    blocks = logical_blocks(lines)
    assert [b.text for b in blocks if b.kind == "numbered"] == [
        "１．沿岸霧象の観測と予報の高度化に関する目標を達成するためにとるべき措置",
        "（１）霧の発生から消散までを面的に捉える沿岸観測網の整備と運用の改善",
        "（２）観測結果を港湾の運航判断に直結させるための情報提供体制の構築",
        "（３）観測データの公開",
    ]
    assert _block_at(blocks, 8).text == "以上の取組を通じて港湾の安全を高める。"
    assert _block_at(blocks, 5).text.startswith("沿岸霧象研究所は、")
    assert [h.title for h in parse_headings(lines)][:3] == [
        "沿岸霧象の観測と予報の高度化に関する目標を達成するためにとるべき措置",
        "霧の発生から消散までを面的に捉える沿岸観測網の整備と運用の改善",
        "観測結果を港湾の運航判断に直結させるための情報提供体制の構築",
    ]


# Titles a narrow page wraps over two full lines (invented wording; single-spaced, no trailing spaces).
_NARROW_LONG_TITLES = (
    "２．沿岸霧象の観測網を活用した港湾の安全確保及び地域の防災力の強化に",
    "向けた関係機関との連携体制の構築並びに観測結果の共有に関する事項の",
    "整理",
    "沿岸霧象研究所は、港湾管理者、気象台及び自治体と協定を結び、観測結果",
    "を共有する手順を定め、毎年度その運用を点検する。",
    "３．観測データの長期保存と公開のための基盤の整備並びに利用者の拡大に",
    "向けた広報及び研究者と港湾関係者への利用支援の充実に関する取組事項",
    " 当研究所は、観測データを毎年度公開する。",
)


def test_title_wrapped_over_full_lines_without_signal() -> None:
    """Without the signal, a title that fills two lines goes on until a narrower line, a marker or an indented
    line; text that reads as a sentence (は、) or ends in 「。」 is the paragraph after it."""
    blocks = logical_blocks(_lines(*_NARROW_LONG_TITLES))
    assert [b.text for b in blocks if b.kind == "numbered"] == [
        "２．沿岸霧象の観測網を活用した港湾の安全確保及び地域の防災力の強化に"
        "向けた関係機関との連携体制の構築並びに観測結果の共有に関する事項の整理",
        "３．観測データの長期保存と公開のための基盤の整備並びに利用者の拡大に"
        "向けた広報及び研究者と港湾関係者への利用支援の充実に関する取組事項",
    ]
    assert _block_at(blocks, 4).text.startswith("沿岸霧象研究所は、")
    assert _block_at(blocks, 8).text == "当研究所は、観測データを毎年度公開する。"


def test_article_number_wrapped_to_a_line_start_is_not_a_chapter_marker() -> None:
    """第12 条の３ at a line start is an article reference a narrower page wrapped there (a counter word follows
    the space), not the chapter marker 第１ of 第１ 総則; the sentence goes on across the wrap."""
    assert match_marker("第12 条の３及び架空港湾法第 4 条） ") is None
    assert match_marker("第２ 業務運営の効率化").number == "２"
    blocks = logical_blocks(_lines("沿岸霧象研究所は、霧の観測結果を港湾管理者に提供する。（架空港湾法",
                                   "第12 条の３及び架空港湾法第 4 条） ", "第２ 業務運営の効率化 "))
    assert [b.kind for b in blocks] == ["text", "numbered"]
    assert blocks[0].text.endswith("（架空港湾法第12 条の３及び架空港湾法第 4 条）")


def test_sentence_end_inside_parentheses_does_not_close() -> None:
    blocks = logical_blocks(_lines("（基金法（令和 2 年法律第 1 号。", "以下「法」という。）） ", "次。"), sentence_ends=True)
    assert blocks[0].text.endswith("という。））")


@pytest.mark.parametrize(("text", "kind", "number"), [
    ("Ⅲ．研究", "roman", (3,)), ("Ｉ．政策", "roman", (1,)), ("IV. Plan", "roman", (4,)),
    ("第１ 政策", "kanji-dai", (1,)), ("1. 海洋", "num-dot", (1,)), ("１０．情報", "num-dot", (10,)),
    ("３．１ 研究", "compound", (3, 1)), ("１．１．観測", "compound", (1, 1)),
    ("【１．２ 社会】", "bracket-compound", (1, 2)), ("(1) 観測", "paren", (1,)), ("（１２）観測", "paren", (12,)),
    ("1）自律", "half-paren", (1,)), ("2) 品質", "half-paren", (2,)), ("a. 品質", "latin-dot", (1,)),
    ("⑫ 水温", "circled", (12,)), ("（イ）観測", "paren-kana", (2,)),
    ("１　法人の目的", "num-space", (1,)), ("１ 法人の目的", "num-ascii-space", (1,)),  # U+3000 or ASCII space
])
def test_marker_grammar(text: str, kind: str, number: tuple[int, ...]) -> None:
    marker = match_marker(text)
    assert marker is not None and (marker.kind, marker.value) == (kind, number)


@pytest.mark.parametrize("text", ["25 日に決定", "第１号）を踏まえ", "第４で定めた", "1.9％の利回り", "（2032年）", "Ｉ項で示した"])
def test_not_markers(text: str) -> None:
    assert match_marker(text) is None


# --- the real documents ----------------------------------------------------------------------


def test_corpus_000_footnote_interrupts_a_sentence() -> None:
    blocks = logical_blocks(corpus_lines("000")[10:958])
    para = _block_at(blocks, 639)
    note = _block_at(blocks, 642)
    assert note.kind == "footnote" and [ln.no for ln in note.lines] == [642, 644]
    assert para is not note and 645 in [ln.no for ln in para.lines]
    assert "イノベーションハブ" in para.text
    assert para.line_at(para.text.index("ョンハブ")).no == 645


def test_corpus_000_page_start_continues_the_word() -> None:
    blocks = logical_blocks(corpus_lines("000")[10:958])
    assert "医療支援センター」に指定" in _block_at(blocks, 74).text


def test_corpus_002_footnote_run() -> None:
    blocks = logical_blocks(corpus_lines("002")[10:2002])
    notes = [b for b in blocks if isinstance(b, LogicalBlock) and b.footnote]
    assert [b.first.no for b in notes] == [141, 144, 145]
    assert 148 in [ln.no for ln in _block_at(blocks, 138).lines]


def test_corpus_page_numbers_dropped() -> None:
    plan = logical_blocks(corpus_lines("001")[7:])
    assert _block_at(plan, 1171).text.endswith("不適切な状態が発見された場合、是正する。")
    aist = logical_blocks(corpus_lines("002")[7025:7454])
    assert not any(ln.no in (7272, 7276) for b in aist for ln in b.lines)


def test_corpus_numbers_continuing_dates_and_articles_are_not_footnotes() -> None:
    blocks = logical_blocks(corpus_lines("002")[2283:3112] + corpus_lines("002")[6051:6901])
    assert _block_at(blocks, 2979) is _block_at(blocks, 2977)
    assert _block_at(blocks, 6163) is _block_at(blocks, 6155)
    assert not any(isinstance(b, LogicalBlock) and b.footnote for b in blocks)


def test_corpus_parenthesised_sentence_end_and_item_continuation() -> None:
    gpif = logical_blocks(corpus_lines("002")[6051:6901])
    assert _block_at(gpif, 6173) is _block_at(gpif, 6175)
    plan = logical_blocks(corpus_lines("001")[7:])
    assert _block_at(plan, 22) is _block_at(plan, 23)


def test_corpus_wrapped_heading_with_stray_character() -> None:
    blocks = logical_blocks(corpus_lines("002")[3424:4931])
    head = _block_at(blocks, 4524)
    assert head.kind == "numbered" and [ln.no for ln in head.lines] == [4524, 4526]
    assert head.text.endswith("（SE/PM）の推進")


def test_bare_number_and_ascii_space_heads_a_heading_but_a_footnote_stays_out() -> None:
    """Another converter writes １　総則 as １ 総則: the same heading. A footnote of that shape after a finished
    sentence (its mark seen in the text) is a sentence, never a heading."""
    lines = _lines("１ 観測の推進 ", "本機構は沿岸協議会1と連携して観測網を整備する。 ",
                   "1 沿岸協議会は、沿岸の自治体で構成する会議体である。 ", "２ データの公開 ", "データを公開する。 ")
    assert [(h.section_number, h.title) for h in parse_headings(lines)] == [("１", "観測の推進"), ("２", "データの公開")]


def test_title_beginning_with_a_counter_character_after_an_ascii_space() -> None:
    """１ 人事に関する事項 (１　人事… from a converter that writes ASCII spaces) is a heading: 人 begins the word 人事
    there. A count wrapped to a line start (25 日閣議決定, 5 人以上) is not."""
    lines = _lines("第６ その他業務運営に関する重要事項 ", "１ 人事に関する事項 ", "職員の研修を行う。 ",
                   "２ 分野横断的な連携 ", "架空観測所と連携する。 ")
    assert [h.title for h in parse_headings(lines)] == [
        "その他業務運営に関する重要事項", "人事に関する事項", "分野横断的な連携"]
    assert match_marker("25 日閣議決定）を踏まえ") is None
    assert match_marker("5 人以上の体制とする。") is None


@pytest.mark.parametrize("label", ["定量目標", "数値目標 ", "評価指標", "　モニタリング指標"])
def test_a_bare_list_label_is_a_unit_of_its_own_without_the_signal(label: str) -> None:
    """Without trailing spaces nothing ends an item that closes with no 「。」 (…：延べ 300 件); the next line,
    a list label of the evaluation vocabulary alone on its line, must not become the item's tail."""
    prose = ("沿岸の観測拠点を整備し、地域の研究機関と連携して", "", "観測記録を共有する体制を段階的に構築する。", "")
    item = "（ア）臨海実習の受講者数（2027～2031年度）：延べ 300 件"  # as long as a full line: no short-line end
    blocks = logical_blocks(_lines(*prose, item, "", label, "", "・ 共同観測の実施回数を増やす"))
    assert [b.text for b in blocks][1:] == [item, label.strip(" \u3000"), "・ 共同観測の実施回数を増やす"]


def test_a_label_word_inside_a_wrapped_sentence_stays_in_it() -> None:
    """Only a whole line is a label: a sentence whose wrap leaves 目標値 alone on a line keeps it (its 「。」
    comes with it), and a label word starting a longer line is text."""
    blocks = logical_blocks(_lines("各年度の実績を踏まえて見直す", "目標値。", "定量目標を設定し公表する。"))
    assert [b.text for b in blocks] == ["各年度の実績を踏まえて見直す目標値。", "定量目標を設定し公表する。"]


def test_an_annex_line_wrapped_at_the_page_edge_goes_on_with_the_next() -> None:
    """Annex lines stand alone (diagram boxes share lines at random), but with the trailing-space signal a line as
    long as a full body line, ending without the space, wrapped at the page edge: a plan name cut there is whole
    again. A short box line without the space is no wrap, and nothing joins without the body's width."""
    lines = _lines("政策体系の概要 ",
                   "◇ 沿岸防災基本計画／沿岸観測ビジョン／海霧対策イノベーション戦",
                   "略 ",
                   "◇ 沿岸人材戦略 ",
                   "潮位計",
                   "観測網の整備 ")
    full = len("◇ 沿岸防災基本計画／沿岸観測ビジョン／海霧対策イノベーション戦")
    assert [b.text for b in annex_blocks(lines, full)] == [
        "政策体系の概要", "◇ 沿岸防災基本計画／沿岸観測ビジョン／海霧対策イノベーション戦略", "◇ 沿岸人材戦略", "潮位計",
        "観測網の整備"]
    joined = annex_blocks(lines, full)[1]
    assert [ln.no for ln in joined.lines] == [2, 3] and joined.line_at(joined.text.index("略")).no == 3
    assert len(annex_blocks(lines)) == 6  # no body width: every line alone


def test_a_label_with_a_colon_after_a_heading_is_no_stray_tail_of_it() -> None:
    """A 1–3 character line after a heading is its stray last characters (…の推 / 進), but 指標： opens a list."""
    blocks = logical_blocks(_lines("１．登記事務の迅速化 ", "指標： ", "ア 通知の期限内発送率：98％以上 ",
                                   "２．窓口業務の推 ", "進 "))
    assert [b.text for b in blocks] == ["１．登記事務の迅速化", "指標：", "ア 通知の期限内発送率：98％以上", "２．窓口業務の推進"]
