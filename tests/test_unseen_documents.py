"""Generalisation audit: documents of agencies and years the parsers were not developed on.

The fixtures in ``tests/fixtures/unseen/`` are our own invented agencies and wording, laid out in the formats
of FORMAT-NOTES but varying what legitimately varies between agencies and years:

* ``coastal_objectives.txt`` — a 国立研究開発法人's 中長期目標 of seven years (令和８年４月１日から令和15年３月31日
  までの７年間), two ministries on a letter-spaced draft cover, double-spaced with page starts, a ※1 footnote
  that cuts a citation's date in two, a wrapped heading, 「上記２．（１）」 references wrapped to a line start, a
  caption, 【重要度：高】【困難度：高】, and an annex table labelled 《評価軸》【関連指標】(モニタリング指標) whose row
  crosses a page break;
* ``coastal_plan.txt`` — that agency's 令和８年度 年度計画: chapters offset from the objectives (plan Ⅰ ↔
  objectives Ⅲ), renamed headings, and the statutory items (予算, 短期借入金, 剰余金 …) as chapters of their own;
* ``regional_compendium.txt`` — a 中期目標 of four years set by three ministers printed on one cover line,
  numbered 第１ / １ / （１） / ① / ア, with 定量目標・アウトプット・アウトカム lists (年間N件, N件（累計）,
  前年度を上回る, 対令和２年度比で約３割増加) and its own axis table, followed by a 行政執行法人's 年度目標
  numbered １． / 【３．１】 / （１） with the （N） numbering running through the groups.

Each test states what a careful reader of the document extracts; line numbers are the fixture's.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REPO

from keifu.extract.facts import read_facts
from keifu.extract.model import Line, SourceText
from keifu.extract.pipeline import ExtractedDocument, ExtractedFile, extract_file
from keifu.extract.plan_links import PlanItem, link_plan
from keifu.extract.readers import read_source
from keifu.extract.segment import segment

UNSEEN = REPO / "tests" / "fixtures" / "unseen"


@pytest.fixture(scope="module")
def coastal() -> ExtractedDocument:
    (doc,) = extract_file(UNSEEN / "coastal_objectives.txt").documents
    return doc


@pytest.fixture(scope="module")
def plan() -> ExtractedDocument:
    (doc,) = extract_file(UNSEEN / "coastal_plan.txt").documents
    return doc


@pytest.fixture(scope="module")
def regional() -> ExtractedFile:
    return extract_file(UNSEEN / "regional_compendium.txt")


def _tree(doc: ExtractedDocument) -> list[tuple[int, str, str, int | None]]:
    """(line, section number, title, parent's line) of every heading."""
    hs = doc.headings
    return [(h.line.no, h.section_number, h.title, hs[h.parent].line.no if h.parent is not None else None) for h in hs]


def _at(doc: ExtractedDocument, line: int) -> int:
    """Index of the heading that starts on ``line``."""
    return next(i for i, h in enumerate(doc.headings) if h.line.no == line)


def _section(doc: ExtractedDocument, index: int | None) -> str | None:
    return doc.headings[index].section_number if index is not None else None


def _citations(doc: ExtractedDocument) -> set[tuple[str, str | None, bool, str | None, int]]:
    """(name, ISO date, date unknown, deciding body, line) of every mention outside the annexes."""
    out = set()
    for c in doc.citations:
        if c.region == "annex":
            continue
        m = c.mention
        out.add((m.name, m.date.iso if m.date else None, bool(m.date and m.date.unknown), m.body, m.line.no))
    return out


# ------------------------------------------------------------------- 中長期目標 of a new 国立研究開発法人


def test_seven_year_objectives_cover_and_facts(coastal: ExtractedDocument) -> None:
    seg, f = coastal.segment, coastal.facts
    lines = read_source(UNSEEN / "coastal_objectives.txt").lines
    assert seg.kind == "mid-long-term-objectives" and seg.doc_class == "ObjectivesDocument"
    assert (lines[seg.start].no, lines[seg.body_start].no, lines[seg.body_end].no) == (1, 22, 166)
    assert seg.title == "国立研究開発法人沿岸防災科学技術研究機構が達成すべき業務運営に関する目標"
    assert (f.agency, f.agency_alias, f.agency_kind) == ("国立研究開発法人沿岸防災科学技術研究機構", "機構", "national-rd-agency")
    assert [(i.name, i.line.no, i.inferred) for i in f.issuers] == [("文部科学省", 11, False), ("国土交通省", 13, False)]
    assert (f.period_start.iso, f.period_end.iso, f.period_line.no) == ("2026-04-01", "2033-03-31", 64)
    # the body names the previous term (第１期中長期目標期間); the box heading of the annex names this one
    assert (f.term, f.term_inferred, f.term_line.no) == (2, False, 173)
    assert f.draft and f.draft_line.no == 7  # （案）; the cover date 令和８年〇月〇日 is a placeholder too


def test_seven_year_objectives_tree(coastal: ExtractedDocument) -> None:
    assert _tree(coastal) == [
        (22, "Ⅰ", "政策体系における法人の位置付け及び役割", None),
        (24, "Ⅰ.１", "法人の使命", 22),
        (32, "Ⅰ.２", "国の政策における位置付け", 22),
        (62, "Ⅱ", "中長期目標の期間", None),
        (67, "Ⅲ", "研究開発の成果の最大化その他の業務の質の向上に関する事項", None),
        (71, "Ⅲ.１", "沿岸災害の予測に関する研究開発", 67),
        (73, "Ⅲ.１.（１）", "高潮・津波の予測技術の高度化", 71),
        (77, "Ⅲ.１.（１）.①", "観測網の統合", 73),
        (81, "Ⅲ.１.（１）.②", "予測モデルの開発", 73),
        (99, "Ⅲ.１.（２）", "沿岸インフラの強靱化に資する研究開発", 71),  # wrapped over 99/101
        (107, "Ⅲ.２", "研究成果の社会実装の推進", 67),
        (109, "Ⅲ.２.（１）", "自治体との連携", 107),
        (113, "Ⅲ.２.（２）", "知的財産の活用", 107),
        (117, "Ⅲ.３", "研究基盤の整備・共用", 67),
        (123, "Ⅲ.４", "人材の確保・育成", 67),
        (128, "Ⅳ", "業務運営の効率化に関する事項", None),
        (130, "Ⅳ.１", "業務改善の取組", 128),  # its ① items are sentences, not headings
        (138, "Ⅳ.２", "情報システムの整備", 128),
        (145, "Ⅴ", "財務内容の改善に関する事項", None),
        (150, "Ⅵ", "その他業務運営に関する重要事項", None),
        (152, "Ⅵ.１", "内部統制の充実", 150),
        (156, "Ⅵ.２", "情報セキュリティ対策", 150),
        (160, "Ⅵ.３", "施設・設備に関する事項", 150),
    ]
    roles = [c.role for c in coastal.extras["chapters"].chapters]
    assert roles == ["position", "period", "quality-rd", "efficiency", "finances", "other"]


def test_references_footnotes_and_captions_stay_in_the_body(coastal: ExtractedDocument) -> None:
    body = {i: [([ln.no for ln in b.lines], b.text) for b in h.body] for i, h in enumerate(coastal.headings)}
    # 「上記」 + a line starting 「２．（１）の取組…」 is one sentence, not a heading and not two blocks
    model = body[_at(coastal, 81)]
    assert model[0] == ([83, 85, 87], "観測データを取り込んだ予測モデルを開発し、地方公共団体の避難判断に活用できる"
                                      "情報を提供する。なお、本項の取組は上記２．（１）の取組と一体的に推進する。")
    # 「（上記２．」 + 「（１）参照）。」
    assert body[_at(coastal, 117)] == [([119, 121], "大型造波水槽等の研究施設を外部の研究者に共用し、共同研究の端緒とする"
                                                   "（上記２．（１）参照）。")]
    # the caption 図１ stays in the body of the wrapped heading
    assert ([105], "図１ 沿岸インフラ評価の流れ") in body[_at(coastal, 99)]
    # the ※1 footnote interrupts a sentence at a page break; the sentence resumes after it
    policy = body[_at(coastal, 32)]
    assert ([50, 52], "※1 沿岸の地方公共団体、大学及び企業が参加する連携の枠組みをいう。") in policy
    resumed = next(text for lines, text in policy if lines[0] == 44)
    assert "「沿岸域総合管理推進計画」（令和８年〇月閣議決定）に基づく" in resumed
    assert [ln for ln, _ in policy if ln[0] == 44] == [[44, 46, 53]]


def test_citations_with_dates_bodies_placeholders_and_undated(coastal: ExtractedDocument) -> None:
    assert _citations(coastal) == {
        ("独立行政法人通則法", "1999", False, None, 15),
        ("国立研究開発法人沿岸防災科学技術研究機構法", "2014", False, None, 26),
        ("第７期科学技術・イノベーション基本計画", "2026-03-27", False, "閣議", 34),
        ("国土強靱化基本計画", "2023-07-28", False, "閣議", 36),
        ("防災・減災研究開発戦略", "2025-06-13", False, "総合科学技術・イノベーション会議", 38),
        ("沿岸域総合管理推進計画", None, True, "閣議", 44),  # 令和８年〇月: a placeholder, never guessed
        ("海岸保全基本方針", None, False, None, 55),  # quoted, undated
        ("情報システムの整備及び管理の基本的な方針", "2021-12-24", False, "デジタル大臣", 140),
    }
    # 「沿岸共創拠点」（令和６年４月１日発足） is a launch, not a citation; the period is no citation either
    names = {c.mention.name for c in coastal.citations}
    assert not any("拠点" in n or "期間" in n for n in names)
    law = next(c.mention for c in coastal.citations if c.mention.name.endswith("研究機構法"))
    assert law.law_number == "平成26年法律第88号" and law.kind == "law"
    owners = {c.mention.name: _section(coastal, c.owner) for c in coastal.citations if c.region == "body"}
    assert owners["第７期科学技術・イノベーション基本計画"] == "Ⅰ.２"
    assert owners["情報システムの整備及び管理の基本的な方針"] == "Ⅳ.２"


def test_axis_table_with_renamed_labels_and_a_page_break(coastal: ExtractedDocument) -> None:
    res = coastal.extras["axis_table"]
    assert [ln.no for ln in res.title_lines] == [174]
    rows = [(r.label, _section(coastal, r.objective), r.link.rule) for r in res.rows]
    assert rows == [
        ("沿岸災害の予測に関する研究開発 / 高潮・津波の予測技術の高度化", "Ⅲ.１.（１）", "title"),
        ("沿岸インフラの強靱化に資する研究開発", "Ⅲ.１.（２）", "title"),
        ("研究成果の社会実装の推進", "Ⅲ.２", "title"),
    ]
    first = res.rows[0]
    # the open axis and the open indicator of page N are finished by the text after the page start (203, 207)
    assert [(a.text, [ln.no for ln in a.lines]) for a in first.axes] == [
        ("観測網の統合と予測モデルの開発が進み、避難判断に資する成果を創出しているか。", [192, 194]),
        ("予測情報を地方公共団体等に橋渡しする取組が進んでいるか。", [196, 203]),
    ]
    assert [(i.kind, i.text, [ln.no for ln in i.lines]) for i in first.indicators] == [
        ("related", "予測精度の向上に関する成果の創出状況", [200]),
        ("related", "地方公共団体及び関係機関への予測情報の提供状況", [202, 207]),
        ("monitoring", "査読付き論文数", [211]),
        ("monitoring", "観測点の稼働率", [213]),
    ]
    assert [n.text for n in first.notes] == ["※評価に当たっては観測データの公開の観点を含むこと。"]  # 「○ ※…」 is no axis
    last = res.rows[2]
    assert [(i.kind, i.text) for i in last.indicators] == [
        ("related", "協定に基づく取組の状況"), ("related", "特許の実施許諾の状況"), ("monitoring", "実施許諾件数")]
    assert res.problems == []


def test_importance_and_difficulty_with_their_reasons(coastal: ExtractedDocument) -> None:
    marks = coastal.extras["body_indicators"].marks
    assert [(m.dimension, m.level, _section(coastal, m.heading), m.first.no) for m in marks] == [
        ("重要度", "高", "Ⅲ.１.（１）.②", 89), ("困難度", "高", "Ⅲ.１.（１）.②", 95)]
    assert marks[0].reason == "高潮・津波の予測は住民の避難判断に直結し、国土強靱化の中核をなす取組であることから、重要度が高い。"
    assert marks[1].reason == "観測点の少ない外洋の現象を扱うため、技術的な困難度が高い。"


# ------------------------------------------------------------------- the agency's 年度計画


def test_annual_plan_facts_and_statutory_chapters(plan: ExtractedDocument, coastal: ExtractedDocument) -> None:
    seg, f = plan.segment, plan.facts
    assert seg.kind == "annual-plan" and f.fiscal_year == 2026 and f.agency_alias == "機構"
    assert f.agency_key == coastal.facts.agency_key == "沿岸防災科学技術研究機構"
    tree = _tree(plan)
    assert [(ln, sec) for ln, sec, _, parent in tree if parent is None] == [
        (8, "Ⅰ"), (36, "Ⅱ"), (42, "Ⅲ"), (53, "Ⅳ"), (55, "Ⅴ"), (57, "Ⅵ"), (59, "Ⅶ"), (62, "Ⅷ")]
    # a statutory heading followed by a three-character body 「なし。」 keeps its own title
    assert tree[_at(plan, 55)][2] == "不要財産又は不要財産となることが見込まれる財産がある場合には、その処分に関する計画"
    assert tree[_at(plan, 71)][1:] == ("Ⅷ.５", "中長期目標期間を超える債務負担", 62)
    assert [b.text for b in plan.headings[_at(plan, 55)].body] == ["なし。"]
    # ① items of the plan are U+F09E bullets in the body; a stray page number inside a sentence is dropped
    assert [b.kind for b in plan.headings[_at(plan, 17)].body] == ["text", "bullet", "bullet"]
    assert [b.text for b in plan.headings[_at(plan, 31)].body] == ["若手研究者を公募により採用し、指導体制を整える。"]


def test_plan_items_link_to_the_objectives_they_implement(plan: ExtractedDocument, coastal: ExtractedDocument) -> None:
    def items(doc: ExtractedDocument) -> list[PlanItem]:
        return [PlanItem(str(i), h.title, str(h.parent) if h.parent is not None else None)
                for i, h in enumerate(doc.headings)]

    res = link_plan(items(plan), items(coastal))
    psec = {str(i): h.section_number for i, h in enumerate(plan.headings)}
    osec = {str(i): h.section_number for i, h in enumerate(coastal.headings)}
    links = {psec[lk.plan]: (osec[lk.objective], lk.rule) for lk in res.links}
    assert links == {
        "Ⅰ": ("Ⅲ", "title"),  # chapters offset by the objectives' 位置付け and 期間
        "Ⅰ.１": ("Ⅲ.１", "title"),
        "Ⅰ.１.（１）": ("Ⅲ.１.（１）", "title"),
        "Ⅰ.１.（１）.１）": ("Ⅲ.１.（１）.①", "title"),  # ① in the objectives is １） in the plan
        "Ⅰ.１.（１）.２）": ("Ⅲ.１.（１）.②", "renamed"),  # 予測モデルの開発 → …の研究開発
        "Ⅰ.１.（２）": ("Ⅲ.１.（２）", "title"),
        "Ⅰ.２": ("Ⅲ.２", "title"),
        "Ⅰ.２.（１）": ("Ⅲ.２.（１）", "order"),  # 自治体との連携 → 地方公共団体との協働
        "Ⅰ.２.（２）": ("Ⅲ.２.（２）", "title"),
        "Ⅰ.３": ("Ⅲ.３", "title"),
        "Ⅰ.４": ("Ⅲ.４", "title"),
        "Ⅱ": ("Ⅳ", "title"),
        "Ⅱ.１": ("Ⅳ.１", "title"),
        "Ⅱ.２": ("Ⅳ.２", "title"),
        "Ⅲ": ("Ⅴ", "role"),  # the budget chapter carries out 財務内容の改善; four statutory chapters follow it
        "Ⅷ": ("Ⅵ", "title"),
        "Ⅷ.１": ("Ⅵ.１", "title"),
        "Ⅷ.２": ("Ⅵ.２", "renamed"),
        "Ⅷ.３": ("Ⅵ.３", "renamed"),  # 施設及び設備に関する計画 / 施設・設備に関する事項
        "Ⅷ.４": ("Ⅵ", "ancestor"),  # 人事に関する計画: no counterpart below Ⅵ
    }
    assert [(psec[p], why) for p, why in res.unmatched] == [
        ("Ⅲ.１", "statutory"), ("Ⅲ.２", "statutory"), ("Ⅲ.３", "statutory"), ("Ⅳ", "statutory"), ("Ⅴ", "statutory"),
        ("Ⅵ", "statutory"), ("Ⅶ", "statutory"), ("Ⅷ.５", "statutory"), ("Ⅷ.６", "statutory")]
    assert not res.by_plan()["14"].uncertain  # the role link rests on the statute, not on position


# ------------------------------------------------------------------- 中期目標 + 年度目標 in one file


def test_compendium_of_a_mid_term_and_an_annual_objectives(regional: ExtractedFile) -> None:
    lines = regional.source.lines
    a, b = regional.documents
    assert [d.segment.kind for d in regional.documents] == ["mid-term-objectives", "annual-objectives"]
    assert [(lines[d.segment.start].no, lines[d.segment.body_start].no) for d in regional.documents] == [(1, 12), (94, 103)]
    assert lines[a.segment.body_end].text.strip() == "以　上"
    # the box heading （中期目標） after the axis table closes the first document
    assert a.segment.start < 89 < a.segment.end == b.segment.start
    assert b.segment.title == "独立行政法人公文書電子保存センターの令和9年度における業務運営に関する目標"


def test_mid_term_objectives_of_three_ministers(regional: ExtractedFile) -> None:
    f = regional.documents[0].facts
    assert (f.agency, f.agency_alias, f.agency_kind) == ("独立行政法人地域産業技術普及機構", "普及機構", "mid-term-goal-agency")
    # three ministers printed on one cover line are three issuers
    assert [(i.name, i.kind, i.line.no, i.inferred) for i in f.issuers] == [
        ("総務大臣", "minister", 5, False), ("財務大臣", "minister", 5, False), ("経済産業大臣", "minister", 5, False)]
    assert (f.period_start.iso, f.period_end.iso, f.period_line.no) == ("2027-04-01", "2031-03-31", 22)
    # 「第２期中期目標期間の実績を踏まえ、第３期中期目標期間においては」: the latest term named, flagged as inferred
    assert (f.term, f.term_inferred) == (3, True)
    assert f.draft and f.draft_line.no == 3  # 令和９年３月 日: a blank day


def test_annual_objectives_of_an_administrative_execution_agency(regional: ExtractedFile) -> None:
    f = regional.documents[1].facts
    assert (f.agency, f.agency_alias, f.agency_kind) == ("独立行政法人公文書電子保存センター", "センター",
                                                         "administrative-execution-agency")
    assert [(i.name, i.line.no) for i in f.issuers] == [("総務大臣", 101)]
    assert (f.period_start.iso, f.period_end.iso) == ("2027-04-01", "2028-03-31")
    assert f.term is None and f.draft and f.draft_line.no == 100


def test_dai_number_paren_circled_kana_tree(regional: ExtractedFile) -> None:
    assert _tree(regional.documents[0]) == [
        (12, "第１", "政策体系における法人の位置付け及び役割", None),
        (14, "第１.１", "法人の目的", 12),  # １　 with an ideographic space
        (16, "第１.２", "政策上の位置付け", 12),
        (21, "第２", "中期目標の期間", None),
        (24, "第３", "国民に対して提供するサービスその他の業務の質の向上に関する事項", None),
        (26, "第３.１", "技術相談・普及事業", 24),
        (27, "第３.１.（１）", "技術相談の実施", 26),
        (34, "第３.１.（２）", "普及講習会の開催", 26),  # 「（１）に掲げる…」 on line 36 is a reference
        (42, "第３.２", "地域拠点の運営", 24),
        (43, "第３.２.（１）", "拠点の整備", 42),
        (44, "第３.２.（１）.①", "拠点施設の整備", 43),
        (45, "第３.２.（１）.①.ア", "老朽施設の改修", 44),
        (47, "第３.２.（１）.①.イ", "設備の共同利用", 44),
        (49, "第３.２.（１）.②", "拠点間の連携", 43),
        (51, "第３.２.（２）", "拠点の評価", 42),
        (56, "第４", "業務運営の効率化に関する事項", None),
        (57, "第４.１", "一般管理費等の削減", 56),
        (59, "第４.２", "調達の合理化", 56),
        (62, "第５", "財務内容の改善に関する事項", None),
        (63, "第５.１", "自己収入の確保", 62),
        (66, "第６", "その他業務運営に関する重要事項", None),
        (67, "第６.１", "人事に関する事項", 66),  # 人 after the number is a title, not a counter
        (69, "第６.２", "情報セキュリティ対策", 66),
    ]
    assert [c.role for c in regional.documents[0].extras["chapters"].chapters] == [
        "position", "period", "quality-service", "efficiency", "finances", "other"]


def test_bracket_groups_with_numbering_running_through(regional: ExtractedFile) -> None:
    assert _tree(regional.documents[1]) == [
        (103, "１", "政策体系における法人の位置付け及び役割", None),
        (105, "２", "年度目標の期間", None),
        (107, "３", "国民に対して提供するサービスその他の業務の質の向上に関する事項", None),
        (108, "３．１", "電子保存の実施", 107),  # 【３．１】 closes its bracket before the title
        (109, "３．１.（１）", "受入れ文書の電子化", 108),
        (111, "３．１.（２）", "保存データの検証", 108),
        (113, "３．２", "利用者への提供", 107),
        (114, "３．２.（３）", "閲覧サービスの提供", 113),
        (118, "３．２.（３）.（ア）", "遠隔閲覧", 114),
        (120, "４", "業務運営の効率化に関する事項", None),
        (122, "５", "財務内容の改善に関する事項", None),
        (124, "６", "その他業務運営に関する重要事項", None),
    ]


def test_body_indicators_with_their_targets(regional: ExtractedFile) -> None:
    doc = regional.documents[0]
    got = [(i.kind, i.name, _section(doc, i.heading), i.first.no) for i in doc.extras["body_indicators"].indicators]
    assert got == [
        ("quantitative-target", "技術相談件数", "第３.１.（１）", 30),
        ("quantitative-target", "技術移転の成約件数", "第３.１.（１）", 31),
        ("output", "講習会の開催回数", "第３.１.（２）", 38),
        ("outcome", "受講企業における新技術の導入件数", "第３.１.（２）", 40),
        # a target written as a sentence of the body (issue 13)
        ("quantitative-target", "一般管理費（人件費を除く。）は、毎年度、前年度比３％以上削減する。", "第４.１", 58),
    ]
    targets = [[(t.kind, t.value, t.unit, t.expression) for t in i.targets]
               for i in doc.extras["body_indicators"].indicators]
    assert targets == [
        [("recurring", Decimal("1200"), "件", "年間1,200件以上")],  # 年間 = per year
        [("cumulative", Decimal("400"), "件", "400件（累計）")],
        [("rule", None, None, "前年度を上回る回数")],
        [("relative", Decimal("0.3"), "割", "対令和２年度比で約３割増加")],
        [("relative", Decimal("3"), "％", "前年度比３％以上削減")],
    ]
    relative = doc.extras["body_indicators"].indicators[3].targets[0]
    assert relative.base_year == 2020 and relative.qualifier == "約"
    assert "以上" in doc.extras["body_indicators"].indicators[0].targets[0].qualifier
    annual = regional.documents[1]
    assert [(i.kind, i.name, [t.kind for t in i.targets]) for i in annual.extras["body_indicators"].indicators] == [
        ("output", "電子化した文書の閲覧件数", ["rule"])]


def test_marks_and_rationale_attach_to_their_objective(regional: ExtractedFile) -> None:
    doc = regional.documents[0]
    marks = doc.extras["body_indicators"].marks
    assert [(m.dimension, m.level, _section(doc, m.heading)) for m in marks] == [
        ("目標設定の考え方", None, "第３.１.（１）"), ("重要度", "高", "第３.２.（２）")]
    assert marks[0].reason.startswith("前中期目標期間の実績（年平均1,100件）を踏まえ")


def test_axis_table_cells_printing_the_whole_number_path(regional: ExtractedFile) -> None:
    doc = regional.documents[0]
    res = doc.extras["axis_table"]
    rows = [(r.label, _section(doc, r.objective), r.link.rule, [(i.kind, i.text) for i in r.indicators])
            for r in res.rows]
    assert rows == [
        ("第３　１　技術相談・普及事業", "第３.１", "title",
         [("evaluation", "技術相談件数"), ("evaluation", "技術移転の成約件数"), ("monitoring", "相談企業の満足度")]),
        ("第３　２　地域拠点の運営", "第３.２", "title",
         [("evaluation", "試験設備の利用件数"), ("monitoring", "拠点間の派遣人数")]),
    ]
    assert res.problems == []  # the diagram box after the table is not an orphan item cell


def test_compendium_citations(regional: ExtractedFile) -> None:
    assert _citations(regional.documents[0]) == {
        ("独立行政法人通則法", "1999", False, None, 8),
        ("地域産業技術振興戦略", "2026-06-20", False, "閣議", 17),
        ("中小企業技術支援指針", "2025-12", False, "経済産業大臣", 17),  # month precision
        ("調達等合理化計画", None, False, None, 60),
    }


@pytest.mark.parametrize(("sentence", "start", "end"), [
    ("中期目標の期間は、令和７年度から令和11年度までの５年間とする。", "2025-04", "2030-03"),  # fiscal years
    ("中期目標の期間は、令和７～11年度の５年間とする。", "2025-04", "2030-03"),  # the era printed once
    ("中期目標の期間は、2025年度から2029年度までの５年間とする。", "2025-04", "2030-03"),
    ("中期目標の期間は、令和７（2025）年４月１日から令和12（2030）年３月31日までの５年間とする。", "2025-04-01", "2030-03-31"),
    ("中期目標の期間は、令和7年4月1日から令和１２年３月３１日までの５年間とする。", "2025-04-01", "2030-03-31"),
    ("中期目標の期間は、令和９年度の１年間とする。", "2027-04", "2028-03"),  # one fiscal year (年度目標)
])
def test_period_phrasings(sentence: str, start: str, end: str) -> None:
    """Other agencies word the period differently; a fiscal year runs April–March and no day is invented."""
    texts = [" 独立行政法人通則法（平成11年法律第103号）第29条第１項の規定に基づき、独立行政法人架空交流機構が達成すべき",
             "業務運営に関する目標（以下「中期目標」という。）を定める。 ", "第１　政策体系における法人の位置付け及び役割 ",
             "交流を促進する。 ", "第２　中期目標の期間 ", f"{sentence} ",
             "第３　国民に対して提供するサービスその他の業務の質の向上に関する事項 "]
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    (seg,) = segment(SourceText(Path("period.txt"), "0" * 64, "text", lines))
    f = read_facts(lines, seg)
    assert (f.period_start.iso, f.period_end.iso, f.period_line.no) == (start, end, 6)


def test_quoted_plan_followed_by_its_span_is_an_undated_mention() -> None:
    from keifu.extract.citations import CitationScanner
    from keifu.extract.model import Block

    text = "機構は、「地域交流推進基本計画」（令和６年度～令和10年度）に基づく取組を進める。"
    line = Line(0, 1, text)
    found = [(m.name, m.date) for m in CitationScanner().scan(Block(text, (line,), (0,)))]
    assert found == [("地域交流推進基本計画", None)]


# ------------------------------------------------------------------- the PDF path


def _units(path: Path) -> list[str]:
    """Paragraphs as a word processor would hold them: lines joined up to a trailing space; in
    double-spaced text a line followed directly by another (a diagram box) stands alone, in single-spaced
    text a blank line ends a paragraph."""
    lines = read_source(path).lines
    double = sum(ln.blank for ln in lines) * 2 >= len(lines)
    units, buf = [], ""
    for i, line in enumerate(lines):
        if line.blank:
            if not double and buf:
                units.append(buf)
                buf = ""
            continue
        buf += line.text.strip()
        single = double and i + 1 < len(lines) and not lines[i + 1].blank
        if line.text.endswith(" ") or single or i + 1 == len(lines):
            units.append(buf)
            buf = ""
    if buf:
        units.append(buf)
    return units


@pytest.mark.parametrize("name", ["coastal_objectives.txt", "regional_compendium.txt"])
def test_pdf_path_gives_the_same_objectives(name: str, tmp_path: Path) -> None:
    pdfgen = pytest.importorskip("pdfgen")
    units = _units(UNSEEN / name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdfgen, "FONT", "HeiseiKakuGo-W5")
        pdf = pdfgen.make_pdf(tmp_path / f"{name}.pdf", [units[i:i + 14] for i in range(0, len(units), 14)],
                              width_chars=36)
    from_pdf, from_text = extract_file(pdf), extract_file(UNSEEN / name)
    assert from_pdf.source.media == "pdf" and (from_pdf.source.pages or 0) >= 3

    def view(ef: ExtractedFile) -> list[tuple]:
        out: list[tuple] = []
        for d in ef.documents:
            f = d.facts
            out.append((d.segment.kind, f.agency, f.agency_kind, [i.name for i in f.issuers],
                        f.period_start.iso, f.period_end.iso, f.term, f.draft))
            out.extend((h.section_number, h.title, h.parent, h.depth) for h in d.headings)
        return out

    assert view(from_pdf) == view(from_text)
    assert all(h.line.page is not None for d in from_pdf.documents for h in d.headings)
