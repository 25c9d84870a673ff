"""Indicators and importance markers in the body text, attached to the objective whose body holds them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import REPO, corpus_file

from keifu.extract.evaluation.body_indicators import split_targets
from keifu.extract.pipeline import extract_file

FIXTURE = REPO / "tests" / "fixtures" / "axis_body_indicators.txt"


@pytest.fixture(scope="module")
def fixture_doc():
    return extract_file(FIXTURE).documents[0]


def _by_kind(doc, kind: str):  # noqa: ANN001
    return [i for i in doc.extras["body_indicators"].indicators if i.kind == kind]


def test_labelled_lists_become_indicators_of_their_objective(fixture_doc) -> None:
    doc = fixture_doc
    res = doc.extras["body_indicators"]
    got = [(i.kind, doc.headings[i.heading].title, i.name) for i in res.indicators]
    assert got[:4] == [
        ("strategic-goal", "政策体系における法人の位置付け及び役割", "国の支援による成果を基にした新しい治療法が国内外で認められる"),
        ("strategic-goal", "政策体系における法人の位置付け及び役割", "希少な疾患に対する治療法が開発される"),
        ("outcome", "政策体系における法人の位置付け及び役割", "承認件数"),
        ("outcome", "政策体系における法人の位置付け及び役割", "診療指針への反映"),
    ]
    outputs = _by_kind(doc, "output")
    assert [doc.headings[i.heading].title for i in outputs] == ["基礎から実用化への一貫した支援"] * 2
    # prose after the list ends it; the introduction before the items is not an item
    assert len(res.indicators) == 6


def test_target_line_and_note_join_their_item(fixture_doc) -> None:
    first, second = _by_kind(fixture_doc, "output")
    assert "40件／年" in first.text and [ln.no for ln in first.lines] == [19, 20]
    assert second.notes == ["機構の支援により臨床試験へ移行した課題。"]


def test_importance_and_rationale_markers(fixture_doc) -> None:
    doc = fixture_doc
    marks = doc.extras["body_indicators"].marks
    assert [(m.dimension, m.level, doc.headings[m.heading].title) for m in marks] == [
        ("重要度", "高", "研究環境の整備"), ("困難度", "高", "研究環境の整備"), ("目標設定の考え方", None, "研究環境の整備")]
    assert marks[0].reason.startswith("上記の事項は医療の質の向上に不可欠であり")
    assert marks[2].reason == "外部の利用状況と比較して基盤の整備状況を評価する。"


def test_numeric_targets_per_year_and_cumulative(fixture_doc) -> None:
    pytest.importorskip("keifu.extract.targets", reason="the shared target parser (extract/targets.py) is not in this tree yet")
    first, second = _by_kind(fixture_doc, "output")
    assert first.name == "シーズの企業導出件数"
    assert second.name == "臨床試験に至った件数"
    values = {(t.value, t.unit, t.kind) for t in first.targets}
    assert (Decimal(40), "件", "recurring") in values
    assert (Decimal(200), "件", "cumulative") in values


def test_name_is_whole_text_without_targets() -> None:
    name, targets = split_targets("学会での招待講演数")
    assert name == "学会での招待講演数" and targets == []


# --- corpus -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def amed():
    return extract_file(corpus_file("002")).documents[0]


def test_corpus_amed_body_indicators(amed) -> None:  # noqa: ANN001
    res = amed.extras["body_indicators"]
    kinds = [i.kind for i in res.indicators]
    assert kinds.count("strategic-goal") == 4 and kinds.count("outcome") == 3 and kinds.count("output") == 4
    outputs = [i for i in res.indicators if i.kind == "output"]
    assert [amed.headings[i.heading].line.no for i in outputs] == [327] * 4
    assert [i.lines[0].no for i in outputs] == [357, 361, 367, 373]
    assert "130件／年" in outputs[0].text and "累計650件" in outputs[0].text


def test_corpus_amed_numeric_targets(amed) -> None:  # noqa: ANN001
    pytest.importorskip("keifu.extract.targets", reason="the shared target parser (extract/targets.py) is not in this tree yet")
    outputs = [i for i in amed.extras["body_indicators"].indicators if i.kind == "output"]
    got = [{(t.value, t.unit) for t in i.targets} for i in outputs]
    assert got[0] >= {(Decimal(130), "件"), (Decimal(650), "件")}
    assert got[1] >= {(Decimal(60), "件"), (Decimal(300), "件")}
    assert outputs[0].name.startswith("権利譲渡契約")


def test_corpus_gpif_importance_markers() -> None:
    doc = extract_file(corpus_file("002")).documents[3]
    marks = doc.extras["body_indicators"].marks
    assert [m.lines[0].no for m in marks if m.dimension == "重要度"] == [6291, 6335, 6463, 6503, 6714]
    assert all(m.level == "高" and "重要度が高い" in m.reason for m in marks if m.dimension == "重要度")
    assert [m.lines[0].no for m in marks if m.dimension == "目標設定の考え方"] == [6325]


@pytest.mark.parametrize("mark", ["（ⅰ）", "(ii)", "（iv）"])
def test_items_enumerated_with_small_roman_numerals_lose_their_mark(mark: str) -> None:
    from keifu.extract.evaluation.body_indicators import _strip_item

    assert _strip_item(f"{mark}一般管理費を毎年度３％以上効率化する。") == "一般管理費を毎年度３％以上効率化する。"
