"""Evaluation-axis tables: every layout of FORMAT-NOTES §5 on own fixtures, ruled PDF tables, the corpus."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import REPO, corpus_file
from pdfgen import make_pdf, make_table_pdf

from keifu.extract.evaluation.axis_link import FUZZY_MIN, TitleIndex
from keifu.extract.evaluation.axis_table import AxisTables, link_rows, rows_from_lines, table_ranges
from keifu.extract.headings import parse_headings
from keifu.extract.model import Line
from keifu.extract.normalize import squash
from keifu.extract.pipeline import extract_file

FIXTURE = REPO / "tests" / "fixtures" / "axis_interleaved.txt"


def _sp(text: str) -> str:
    """Test tables mark a trailing space (the unit-end signal of FORMAT-NOTES §2) with ``$``."""
    return text.replace("$", " ")


def _lines(text: str, page_starts: tuple[int, ...] = ()) -> list[Line]:
    return [Line(i, i + 1, t, page_start=i in page_starts) for i, t in enumerate(text.split("\n"))]


def _parse(body: str, table: str, page_starts: tuple[int, ...] = ()) -> AxisTables:
    headings = parse_headings(_lines(body))
    rows, left = rows_from_lines(_lines(table, page_starts))
    out = AxisTables(rows=[r for r in rows if r.axes or r.indicators])
    out.problems = link_rows(out.rows, left, headings)
    out.title_lines = []
    return out, headings  # type: ignore[return-value]


def _kinds(row) -> Counter:  # noqa: ANN001
    return Counter(i.kind for i in row.indicators)


# --- 000 layout: interleaved columns, page break, notes, qualifier cells, catch-all -----------------


@pytest.fixture(scope="module")
def interleaved():
    ef = extract_file(FIXTURE)
    doc = ef.documents[0]
    return doc, doc.extras["axis_table"]


def test_fixture_rows_and_links(interleaved) -> None:
    doc, res = interleaved
    got = [(doc.headings[r.objective].section_number if r.objective is not None else None, len(r.axes),
            dict(_kinds(r))) for r in res.rows]
    assert got == [
        ("Ⅲ.1.(1).1）", 2, {"evaluation": 2, "monitoring": 2}),
        ("Ⅲ.1.(1).2）", 1, {"evaluation": 1, "monitoring": 1}),
        ("Ⅲ.1.(2)", 1, {"evaluation": 1}),
        (None, 1, {"evaluation": 1, "monitoring": 1}),
        ("Ⅳ.1", 1, {"evaluation": 1}),
        (None, 1, {"evaluation": 1}),
    ]


def test_page_break_interleaving_is_undone(interleaved) -> None:
    _, res = interleaved
    row = res.rows[0]
    assert [a.text for a in row.axes] == ["探査機の開発が計画どおり進み、優れた成果を生み出しているか。",
                                          "開発成果を社会に橋渡しする取組が進んでいるか。"]
    assert row.indicators[1].text == "民間との共同開発の状況と成果の活用状況"
    # the axis tail came from the next page, the indicator tail after the note
    assert [ln.no for ln in row.axes[1].lines] == [117, 124]
    assert [ln.no for ln in row.indicators[1].lines] == [123, 128]


def test_notes_and_list_ends_are_not_items(interleaved) -> None:
    _, res = interleaved
    row = res.rows[0]
    assert [n.text for n in row.notes] == ["※評価に当たっては安全確保の観点を含むこと。"]
    texts = [i.text for r in res.rows for i in r.axes + r.indicators]
    assert "等" not in texts and not any(t.startswith("※") for t in texts)


def test_parent_cell_is_carried_and_qualifier_matches_the_child(interleaved) -> None:
    doc, res = interleaved
    first, second = res.rows[0], res.rows[1]
    assert [doc.headings[lk.heading].section_number for c in first.cells for lk in c.links] == \
        ["Ⅲ.1", "Ⅲ.1.(1)", "Ⅲ.1.(1).1）"]
    assert second.cells[0].text == "（観測データの共有基盤の構築に関する研究開発）"
    assert second.covers and doc.headings[second.objective].parent == doc.headings.index(
        next(h for h in doc.headings if h.section_number == "Ⅲ.1.(1)"))


def test_fuzzy_content_and_unmatched_rows_are_reported(interleaved) -> None:
    _, res = interleaved
    kinds = [(p.kind, p.line.no) for p in res.problems]
    assert ("fuzzy-link", res.rows[2].first.no) in kinds  # 海洋環境の将来の予測 vs 海洋環境の将来予測
    assert res.rows[2].link.rule == "fuzzy" and res.rows[2].link.score >= FUZZY_MIN
    assert ("unmatched-row", res.rows[3].first.no) in kinds  # 人材育成 vs 人材の育成: too short to be sure
    assert ("content-link", res.rows[4].first.no) in kinds
    assert ("unmatched-row", res.rows[5].first.no) in kinds
    assert res.rows[5].objective is None and res.rows[5].axes  # kept, not dropped


def test_merged_line_is_split_into_cells(interleaved) -> None:
    _, res = interleaved
    catch_all = res.rows[4]
    assert catch_all.cells[0].text == "その他関連する事項"
    assert catch_all.axes[0].text == "業務の合理化を進めているか。"
    assert catch_all.indicators[0].kind == "evaluation"
    assert res.rows[5].cells[0].carried  # the second axis block under the same catch-all cell


def test_table_is_found_by_title_in_the_annex(interleaved) -> None:
    doc, res = interleaved
    assert [ln.no for ln in res.title_lines] == [97]
    lines = extract_file(FIXTURE).source.lines
    assert table_ranges(lines, 0, doc.segment.body_end) == []  # the body mentions 評価軸等 but holds no table


# --- RIKEN layout: merged axis cells over sub-items printed after the monitoring list ----------------

RIKEN_BODY = _sp("""Ⅲ．研究開発の成果の最大化その他の業務の質の向上に関する事項$
１．１ 研究運営の高度化$
（１）経営体制の強化$
本文である。$
（２）広報の推進$
本文である。$
（３）産業界との連携$
本文である。$
１．２ 国際連携の推進$
（１）海外拠点の整備$
本文である。$
（２）人材の交流$
本文である。 """)

RIKEN_TABLE = _sp("""項目 評価軸 備考（関連する評価指標、モニタリング指標等）$
１.１研究運営の高度化 経営体制の強化 〇経営の仕組みを高度化できたか。$
〇外部の評価に適切に対応できてい
るか。$
（評価指標）$
・経営改善の状況$
等$
（モニタリング指標）$
・外部資金の額$
等$
広報の推進$
産業界との連$
携$
１.２国際連携の推進$
海外拠点の整備$
〇国際的な拠点を形成できたか。$
（評価指標）$
・海外拠点の活動状況$
（モニタリング指標）$
・国際共著論文数$
等$
人材の交流 """)


def test_merged_cells_cover_the_sub_items() -> None:
    res, headings = _parse(RIKEN_BODY, RIKEN_TABLE)
    sec = [headings[r.objective].section_number for r in res.rows]
    assert sec == ["Ⅲ.１．１", "Ⅲ.１．２"]
    first, second = res.rows
    assert [headings[h].title for h in first.covers] == ["研究運営の高度化", "経営体制の強化", "広報の推進", "産業界との連携"]
    assert [c.text for c in first.extra] == ["広報の推進", "産業界との連携"]
    assert [a.text for a in first.axes] == ["経営の仕組みを高度化できたか。", "外部の評価に適切に対応できているか。"]
    assert _kinds(first) == {"evaluation": 1, "monitoring": 1}
    assert [headings[h].title for h in second.covers] == ["国際連携の推進", "海外拠点の整備", "人材の交流"]
    assert not res.problems


# --- JAXA layout: relative numbering, ○ evaluation indicators each with a monitoring list ----------

JAXA_BODY = _sp("""Ｉ．政策体系における法人の位置付け及び役割$
１．１．観測網の確保$
本文である。$
Ⅱ．中長期目標の期間$
本文である。$
Ⅲ．研究開発成果の最大化その他業務の質の向上に関する事項$
１．観測プロジェクトの実施$
１．１．観測網への貢献$
本文である。$
１．２．通信の高度化$
本文である。 """)

JAXA_TABLE = _sp("""中長期目標の項目 評価軸 備考（関連する評価指標、モニタリング指標）$
１．観測プロ
ジェクトの実
施$
１．１．観測網
への貢献$
〇観測網に貢献する成果が創出
されているか。$
【評価指標】$
〇計画で設定したプロジェクトの進捗状況$
（関連するモニタリング指標）$
・プロジェクトの総数$
 等$
〇研究開発成果の社会還元状況$
（関連するモニタリング指標）$
・共同研究件数$
・受託件数$
 等$
１．２．通信の
高度化$
〇通信技術の成果が創出され
ているか。$
【評価指標】$
〇通信プロジェクトの成果$
（関連するモニタリング指標）$
・通信試験の成功基準の達成$
状況$
 等$
注）「評価指標」とは評定の基準として扱う指標。 """)


def test_relative_numbers_link_by_title_and_monitoring_pairs_with_its_indicator() -> None:
    res, headings = _parse(JAXA_BODY, JAXA_TABLE)
    assert [headings[r.objective].section_number for r in res.rows] == ["Ⅲ.１．１", "Ⅲ.１．２"]
    first, second = res.rows
    assert [headings[c.links[-1].heading].section_number for c in first.cells] == ["Ⅲ.１", "Ⅲ.１．１"]
    assert [(i.kind, i.paired) for i in first.indicators] == [
        ("evaluation", None), ("monitoring", 0), ("evaluation", None), ("monitoring", 2), ("monitoring", 2)]
    # a 1–3 character tail after a trailing space still belongs to its item; 注） ends the table
    assert second.indicators[-1].text == "通信試験の成功基準の達成状況"
    assert len(res.rows) == 2 and not res.problems


def test_number_alone_would_pick_the_wrong_heading() -> None:
    headings = parse_headings(_lines(JAXA_BODY))
    index = TitleIndex(headings)
    wrong = next(i for i, h in enumerate(headings) if h.title == "観測網の確保")
    assert index.link("１．１．観測網への貢献")[0].heading != wrong


# --- AIST layout: every page repeats the header and all levels of the item cell ---------------------

AIST_BODY = _sp("""Ⅲ．研究開発の成果の最大化その他の業務の質の向上に関する事項$
１．研究成果の創出$
【１．１ 研究開発成果の創出】$
（１）融合研究の強化$
本文である。$
（２）拠点の強化$
本文である。 """)

AIST_TABLE = _sp("""項目 評価軸 関連する評価指標、モニタリング指標$
１．研究成果の
創出$
【１．１ 研究開
発成果の創出】$
（１）融合研究
の強化$
○融合研究を実施できているか$
【評価指標】$
・融合研究の実績$
等$
【モニタリング指標】$
・論文数$
等$
 項目 評価軸 関連する評価指標、モニタリング指標$
１．研究成果の
創出$
【１．１ 研究開
発成果の創出】$
（２）拠点の強
化$
○拠点を強化できているか$
【評価指標】$
・拠点の活動実績$
等 """)


def test_repeated_headers_and_bracketed_group_cells() -> None:
    res, headings = _parse(AIST_BODY, AIST_TABLE, page_starts=(13,))
    assert [headings[r.objective].section_number for r in res.rows] == ["Ⅲ.１.１．１.（１）", "Ⅲ.１.１．１.（２）"] or \
        [headings[r.objective].title for r in res.rows] == ["融合研究の強化", "拠点の強化"]
    assert [len(r.cells) for r in res.rows] == [3, 3]
    assert all(c.links for r in res.rows for c in r.cells)
    assert _kinds(res.rows[0]) == {"evaluation": 1, "monitoring": 1}


# --- ruled tables in a PDF, one continuing across a page break --------------------------------------

PDF_BODY = [
    "独立行政法人通則法第35条の４の規定により、国立研究開発法人架空観測機構（以下「機構」という。）が達成すべき業務運営に関する目標（以下「中長期目標」という。）を定める。",
    "Ⅰ．政策体系における法人の位置付け及び役割",
    "機構は我が国の海洋と大気の観測を担う中核機関として、観測網を整備し、得られたデータを広く社会に提供する役割を担う。",
    "Ⅱ．中長期目標の期間",
    "令和７年４月から令和14年３月までの７年間とする。",
    "Ⅲ．研究開発の成果の最大化その他の業務の質の向上に関する事項",
    "１．観測研究の推進",
    "全国の観測網を計画的に整備し、関係機関と連携して観測の精度と頻度を高める。",
    "２．データの公開",
    "観測で得られたデータを速やかに公開し、研究者や企業による利活用を促進する。",
    "３．成果の普及",
    "観測の成果を国民にわかりやすく伝え、社会での活用を広げる。",
    "Ⅳ．業務運営の効率化に関する事項",
    "経費を効率化する。",
]
PDF_TABLE = [
    [
        ["項目", "評価軸", "関連する評価指標、モニタリング指標"],
        ["観測研究の推進", "○観測網の整備が計画どおり進んでいるか。\n○関係機関と連携しているか。",
         "【評価指標】\n・観測網の整備状況\n【モニタリング指標】\n・観測点数"],
        ["データの公開", "○データの公開が進んで", "【評価指標】\n・公開の状況"],
    ],
    [
        ["", "いるか。", "・利用者の満足度\n【モニタリング指標】\n・公開件数"],
        ["成果の普及", "○成果が普及しているか。", "【評価指標】\n・普及の状況"],
    ],
]


def _merge_pdfs(out: Path, parts: list[Path]) -> Path:
    pdf = pdfium.PdfDocument.new()
    for p in parts:
        src = pdfium.PdfDocument(str(p))
        pdf.import_pages(src)
    pdf.save(str(out))
    return out


def test_ruled_pdf_table_uses_cells_and_continues_across_pages(tmp_path: Path) -> None:
    body = make_pdf(tmp_path / "body.pdf", [PDF_BODY], width_chars=30)
    table = make_table_pdf(tmp_path / "table.pdf", PDF_TABLE, captions=["架空観測機構の評価に関する評価軸等について", ""],
                           col_chars=[10, 16, 18])
    path = _merge_pdfs(tmp_path / "doc.pdf", [body, table])
    ef = extract_file(path)
    doc = ef.documents[0]
    res = doc.extras["axis_table"]
    assert res.from_cells
    assert [doc.headings[r.objective].title for r in res.rows] == ["観測研究の推進", "データの公開", "成果の普及"]
    first, second, third = res.rows
    assert [a.text for a in first.axes] == ["観測網の整備が計画どおり進んでいるか。", "関係機関と連携しているか。"]
    assert [(i.kind, i.text) for i in first.indicators] == [("evaluation", "観測網の整備状況"), ("monitoring", "観測点数")]
    # the row split by the page break is one row: the axis tail and the indicators of page 3 join it
    assert [a.text for a in second.axes] == ["データの公開が進んでいるか。"]
    assert [(i.kind, i.text) for i in second.indicators] == [
        ("evaluation", "公開の状況"), ("evaluation", "利用者の満足度"), ("monitoring", "公開件数")]
    assert {ln.page for ln in second.axes[0].lines} == {2, 3}
    assert [a.text for a in third.axes] == ["成果が普及しているか。"] and not third.cells[0].carried
    assert not res.problems


# --- corpus ------------------------------------------------------------------------------------------

# (file prefix, document number): rows, axes, evaluation indicators, monitoring indicators, as printed
CORPUS_TABLES = {
    ("000", 1): (18, 45, 47, 56),  # QST
    ("002", 2): (3, 12, 23, 24),  # RIKEN
    ("002", 3): (15, 17, 40, 76),  # JAXA
    ("002", 5): (15, 35, 50, 44),  # AIST
}


@pytest.fixture(scope="module")
def corpus_docs() -> dict[tuple[str, int], object]:
    out = {}
    for prefix in ("000", "002"):
        for d in extract_file(corpus_file(prefix)).documents:
            out[(prefix, d.number)] = d
    return out


@pytest.mark.parametrize("key", sorted(CORPUS_TABLES))
def test_corpus_tables_as_printed(corpus_docs, key) -> None:  # noqa: ANN001
    res = corpus_docs[key].extras["axis_table"]
    kinds = Counter(i.kind for r in res.rows for i in r.indicators)
    got = (len(res.rows), sum(len(r.axes) for r in res.rows), kinds["evaluation"], kinds["monitoring"])
    assert got == CORPUS_TABLES[key]
    assert all(r.objective is not None for r in res.rows)


def test_corpus_documents_without_tables(corpus_docs) -> None:  # noqa: ANN001
    assert corpus_docs[("002", 1)].extras["axis_table"].rows == []  # AMED: indicators in the body
    assert corpus_docs[("002", 4)].extras["axis_table"].rows == []  # GPIF: targets in prose


def test_corpus_qst_interleaving_and_near_match(corpus_docs) -> None:  # noqa: ANN001
    doc = corpus_docs[("000", 1)]
    res = doc.extras["axis_table"]
    row = next(r for r in res.rows if r.first.no == 1081)
    assert any(a.text.endswith("橋渡しが進んでいるか。") and [ln.no for ln in a.lines][:2] == [1105, 1120] for a in row.axes)
    assert any(i.lines[-1].no == 1134 and "育成・確保の状況" in i.text for i in row.indicators)
    near = next(r for r in res.rows if r.first.no == 1718)
    assert near.link.rule == "fuzzy" and doc.headings[near.objective].line.no == 724
    catch_all = [r for r in res.rows if r.cells[0].text == "その他関連する事項"]
    assert len(catch_all) == 3 and all(r.link.rule == "content" for r in catch_all)


def test_corpus_jaxa_links_to_chapter_three(corpus_docs) -> None:  # noqa: ANN001
    doc = corpus_docs[("002", 3)]
    res = doc.extras["axis_table"]
    row = next(r for r in res.rows if r.first.no == 5034)
    assert doc.headings[row.objective].line.no == 3898  # not 3591, which has the same number


def test_corpus_riken_sub_items_follow_the_monitoring_list(corpus_docs) -> None:  # noqa: ANN001
    doc = corpus_docs[("002", 2)]
    res = doc.extras["axis_table"]
    assert [doc.headings[r.objective].line.no for r in res.rows] == [2439, 2604, 2667]
    assert [len(r.covers) for r in res.rows] == [5, 4, 4]


def test_fuzzy_threshold_separates_right_from_wrong(corpus_docs) -> None:  # noqa: ANN001
    """Measured: every exact link's best wrong alternative under the expected parent stays below FUZZY_MIN."""
    worst = 0.0
    for key in CORPUS_TABLES:
        doc = corpus_docs[key]
        index = TitleIndex(doc.headings)
        for r in doc.extras["axis_table"].rows:
            for c in r.cells:
                for lk in c.links:
                    if lk.rule != "title":
                        continue
                    parent = doc.headings[lk.heading].parent
                    wrong = [s for s, i in index.ratios(c.text, parent) if i != lk.heading]
                    worst = max([worst, *wrong[:1]])
    assert worst < FUZZY_MIN, worst


# --- another converter: no trailing spaces (only line widths and 。 tell where units end) ------------------


def _unsignalled(text: str) -> str:
    return "\n".join(ln.rstrip(" ") for ln in text.split("\n"))


def _summary(res: AxisTables) -> list[tuple]:
    """What a row means: the objective it evaluates, the headings its cells name, its items and where they start."""
    return [(r.objective, r.covers, [(i.kind, squash(i.text), i.lines[0].no) for i in r.axes + r.indicators])
            for r in res.rows]


# A narrow axis column: the wrapped lines of an item hold as many characters as its first line after the
# bullet, and those with packed punctuation (、・) are narrower still.
HANGING_BODY = _sp("""Ⅲ．研究開発の成果の最大化その他の業務の質の向上に関する事項$
１．沿岸霧象の観測$
（１）観測網の整備$
本文である。$
（２）予報の高度化$
本文である。 """)

HANGING_TABLE = _sp("""項目 評価軸 関連する評価指標、モニタリング指標$
１．沿岸霧象の
観測$
（１）観測網の
整備$
○湾口から内陸までの霧の発生
を面的に捉え、港湾・自治体
と連携した観測網の整備によ
り、運航判断への貢献が強化
できているか$
【評価指標】$
・観測網の整備状況$
等$
（２）予報の高
度化$
○霧の短時間予報の精度を高め
港湾管理者の判断に役立つ情
報を提供できているか$
【評価指標】$
・予報の精度$
等 """)


def test_wrapped_lines_narrower_by_the_bullet_go_on_without_trailing_spaces() -> None:
    res, _ = _parse(HANGING_BODY, _unsignalled(HANGING_TABLE))
    assert [squash(a.text) for r in res.rows for a in r.axes] == [
        "湾口から内陸までの霧の発生を面的に捉え、港湾・自治体と連携した観測網の整備により、運航判断への貢献が強化できているか",
        "霧の短時間予報の精度を高め港湾管理者の判断に役立つ情報を提供できているか",
    ]


@pytest.mark.parametrize("body,table", [(RIKEN_BODY, RIKEN_TABLE), (JAXA_BODY, JAXA_TABLE), (AIST_BODY, AIST_TABLE),
                                        (HANGING_BODY, HANGING_TABLE)],
                         ids=["merged-cells", "narrow-axis-column", "bracketed-groups", "narrower-than-bullet-line"])
def test_rows_do_not_move_without_trailing_spaces(body: str, table: str) -> None:
    with_signal, _ = _parse(body, table)
    without, _ = _parse(body, _unsignalled(table))
    assert _summary(without) == _summary(with_signal)


def test_interleaved_fixture_without_trailing_spaces(interleaved, tmp_path: Path) -> None:  # noqa: ANN001
    """Columns interleaved across a page break, cells split by it, a merged line. One spot stays ambiguous by
    widths alone (line 162): a one-line indicator two columns short of its column, then a one-line item cell
    that names no title exactly (人材育成 for 人材の育成) is read as the indicator's last line, and the next
    row loses its cell. Every row before it must hold."""
    _, res = interleaved
    plain = tmp_path / "plain.txt"
    plain.write_text(_unsignalled(FIXTURE.read_text(encoding="utf-8")), encoding="utf-8")
    got = extract_file(plain).documents[0].extras["axis_table"]
    want, have = _summary(res), _summary(got)
    before = [r for r in want if all(i[2] < 160 for i in r[2])]
    after = [r for r in want if all(i[2] > 172 for i in r[2])]  # the rows past the ambiguous one recover
    assert len(before) == 2 and len(after) == 2 and len(have) == len(want)
    assert have[:2] == before and have[-2:] == after


# --- house styles: the glyph that marks indicators varies ------------------------------------------

BULLET_TABLE = _sp("""○ 沿岸観測網の整備が計画どおり進んでいるか。$
《評価指標》$
・ 観測点の整備状況$
・ 観測データの公開状況$
《モニタリング指標》$
・ 観測点の稼働率$
○ 関係機関との連携が進んでいるか。$
《評価指標》$
・連携協定に基づく取組の状況$
・ 共同観測の実施状況$""")


def _items(table: str) -> list[tuple[list[str], list[tuple[str, str]]]]:
    rows, _ = rows_from_lines(_lines(table))
    return [([a.text for a in r.axes], [(i.kind, i.text) for i in r.indicators]) for r in rows if r.axes or r.indicators]


@pytest.mark.parametrize("glyph", ["●", "◆", "■", "➢", "－", "‐"])
def test_indicators_marked_by_another_bullet_read_as_with_dots(glyph: str) -> None:
    """An agency that marks its indicators with ● or a dash instead of ・ gets the same rows: two axes, each with
    its evaluation (and monitoring) indicators, none of them taken for a new axis or lost."""
    expected = _items(BULLET_TABLE)
    assert [len(ind) for _, ind in expected] == [3, 2]
    assert _items(BULLET_TABLE.replace("・", glyph)) == expected


def test_a_dash_before_a_digit_is_a_minus_not_a_bullet() -> None:
    from keifu.extract.evaluation.axis_vocab import bullet_kind

    assert bullet_kind("－５％以上") is None and bullet_kind("－") is None and bullet_kind("※ 注記") is None
    assert bullet_kind("－ 観測点数") == "dot" and bullet_kind("◯ 連携しているか。") == "circle"


@pytest.mark.parametrize("style", ["《{}》", "{}", "{}：", "■{}"])
def test_list_labels_printed_without_brackets_read_as_bracketed(style: str) -> None:
    """評価指標 / 評価指標： / ■評価指標 alone on a line open the same lists as 《評価指標》; what the vocabulary does
    not know stays an item's text."""
    table = BULLET_TABLE
    for word in ("評価指標", "モニタリング指標"):
        table = table.replace(f"《{word}》", style.format(word))
    assert _items(table) == _items(BULLET_TABLE)


def test_a_bare_line_is_a_label_only_if_the_vocabulary_knows_it() -> None:
    from keifu.extract.evaluation.axis_vocab import indicator_label, is_axis_label

    assert indicator_label("評価指標：") == "evaluation" and indicator_label("■ モニタリング指標") == "monitoring"
    assert is_axis_label("評価軸") and indicator_label("観測点の稼働率") is None
    assert indicator_label("評価指標を設定する。") is None and indicator_label("評価指標：観測点数") is None


def test_an_item_cell_numbered_with_a_half_bracket_starts_its_own_cell() -> None:
    """１）観測網の整備: the marker's own bracket is no sign of a wrapped tail (which closes more than it opens), and
    the number comes off whole, so the title links exactly."""
    from keifu.extract.evaluation.axis_link import strip_number
    from keifu.extract.evaluation.axis_table import _dangling

    assert not _dangling("１）観測網の整備") and not _dangling("（１）観測網の整備") and not _dangling("【１．１ 観測】")
    assert _dangling("）の推進") and _dangling("進 ") and _dangling("の整備）について")
    assert strip_number("１）観測網の整備") == ("１）", "観測網の整備")
    assert strip_number("２) 予測モデルの開発")[1] == "予測モデルの開発"


@pytest.mark.parametrize("glyph", ["・", "●"])
def test_axes_printed_with_the_indicators_bullet_are_told_by_their_question_form(glyph: str) -> None:
    """One bullet for axes and indicators: an item phrased as a question (…進んでいるか。) after an indicator list
    opens the next axis block, as a ○ item does; a ※ note after a bullet stays a note."""
    table = BULLET_TABLE.replace("○", glyph) + _sp("\n・ ※評価に当たっては地域の観点を含むこと。$")
    expected = _items(BULLET_TABLE)
    got = _items(table)
    assert got == expected
    rows, _ = rows_from_lines(_lines(table))
    assert [n.text for r in rows for n in r.notes] == ["※評価に当たっては地域の観点を含むこと。"]


def test_a_merged_line_splits_before_a_spaced_bullet_but_not_a_middle_dot() -> None:
    from keifu.extract.evaluation.axis_table import _pieces

    assert [p for p, _ in _pieces(Line(0, 1, "その他の事項 ・ 取組を実施したか。 《評価指標》 "))] == [
        "その他の事項", "・ 取組を実施したか。", "《評価指標》"]
    assert [p for p, _ in _pieces(Line(0, 1, "研究開発・社会実装の状況 "))] == ["研究開発・社会実装の状況"]
