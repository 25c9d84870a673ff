"""事前分析表 rows rebuilt by content (issue 4, items 1–5): own fixture with every row-recovery trap,
then the real table 003 (skipped without the corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import corpus_file
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from keifu.extract.facts import agency_key
from keifu.extract.pipeline import extract_file
from keifu.graph.emit import emit_file
from keifu.graph.validate import validate_graph
from keifu.graph.vocab import KF, mint

FIXTURE = Path(__file__).parent / "fixtures" / "policy_table.txt"
PLANS = Path(__file__).parent / "fixtures" / "policy_table_plans.txt"
INSTITUTIONS = Path(__file__).parent / "fixtures" / "policy_table_institutions.txt"


@pytest.fixture(scope="module")
def fixture_file():
    return extract_file(FIXTURE)


@pytest.fixture(scope="module")
def table(fixture_file):
    return fixture_file.documents[0].extras["policy_table"]


def _row(table, code):
    return next(r for r in table.rows if r.code == code)


def test_rows_codes_and_goals(table):
    # rows in indicator order; codes: printed with a goal, from the page's bare list, inferred on page 2
    assert [(r.code, r.code_rule) for r in table.rows] == [
        ("5-1-1", "page-list"), ("5-1-2", "page-list"), ("5-2-1", "page-list"), ("5-2-2", "inferred")]
    assert _row(table, "5-1-2").goal_text.startswith("地域の港湾と灯台を結ぶ")
    # goal texts printed after the goal cells, out of row order, matched by shared vocabulary
    assert _row(table, "5-1-1").goal_text.startswith("灯台の見学や観光ツアー")
    assert _row(table, "5-2-1").goal_text.startswith("灯台の保守点検を確実に")
    assert [len(r.indicators) for r in table.rows] == [2, 1, 3, 2]


def test_goal_cells_carry_titles(table):
    assert {c: table.cells[c].title for c in ("5", "5-1", "5-2")} == {
        "5": "海と灯台を活かした地域の振興", "5-1": "灯台を核とした観光の推進", "5-2": "灯台の保全と人材の確保"}


def test_indicator_target_series_source(table):
    a, b = _row(table, "5-1-1").indicators
    assert a.name == "架空の灯台見学プログラムの参加者数"
    assert [(t.value, t.fiscal_year) for t in a.targets] == [(2500, 2026)]  # target wrapped over two lines
    assert [(o.fiscal_year, o.value, o.missing) for o in a.observations] == [
        (2021, 812, False), (2022, 1020, False), (2023, None, True)]  # 集計中 is missing, not zero
    assert a.source == "灯台協会の年次報告より算出"
    # indicator and its series on one line, split at a space + circled number; source after the series
    assert [(o.fiscal_year, o.value) for o in b.observations] == [(2021, 31), (2022, 35)]
    assert b.source == "港湾局調べ"


def test_rule_categories_and_rating(table):
    (rule,) = _row(table, "5-1-2").indicators
    assert rule.targets[0].kind == "rule"
    assert rule.observations[-1].missing and rule.observations[-1].raw == "－"
    rate, people, grade = _row(table, "5-2-1").indicators
    assert [o.fiscal_year for o in rate.observations] == [2021, 2022, 2023]  # series without its marker
    assert [(t.category, t.value, t.fiscal_year) for t in people.targets] == [("東部", 60, 2026), ("西部", 40, 2026)]
    assert [(o.rating, o.fiscal_year) for o in grade.observations] == [("A", 2022), ("B", 2023)]
    assert grade.rated_area == "灯台保全" and grade.rated_agency == "国立研究開発法人架空海洋技術機構"


def test_programmes_as_printed_and_flagged(table):
    assert [p.program_id for p in _row(table, "5-1-2").programmes] == ["009101", "009102"]  # ID split over lines
    seven = next(p for p in _row(table, "5-2-1").programmes if p.program_id == "0091033")
    assert "id-length" in seven.flags  # seven digits kept, never corrected
    grant = next(p for p in _row(table, "5-1-2").programmes if p.program_id == "009102")
    assert grant.agency_key == "架空海洋技術機構"
    assert [p.program_id for p in _row(table, "5-1-1").programmes] == ["009104", "009105"]
    assert _row(table, "5-2-1").contribution.startswith("〇保守点検の費用を補助")  # after the bare code list


def test_graph_chain_and_provenance(fixture_file):
    g = emit_file(fixture_file)
    goals = {str(g.value(n, KF.sectionNumber)): n for n in g.subjects(RDF.type, KF.AchievementGoal)}
    assert set(goals) == {"5-1-1", "5-1-2", "5-2-1", "5-2-2"}
    measure = g.value(goals["5-2-1"], KF.partOf)
    assert (measure, RDF.type, KF.MeasureGoal) in g and str(g.value(measure, RDFS.label)) == "灯台の保全と人材の確保"
    assert (g.value(measure, KF.partOf), RDF.type, KF.PolicyGoal) in g
    assert (goals["5-2-2"], KF.inferred, None) in g and (goals["5-2-2"], KF.uncertain, None) in g
    progs = {str(g.value(p, KF.budgetProgramId)): p for p in g.subjects(RDF.type, KF.BudgetProgram)}
    assert (progs["009101"], KF.contributesTo, goals["5-1-2"]) in g
    assert str(g.value(progs["009102"], KF.grantFor)).endswith("/agency/%E6%9E%B6%E7%A9%BA%E6%B5%B7%E6%B4%8B%E6%8A%80%E8%A1%93%E6%A9%9F%E6%A7%8B")
    for n in list(g.subjects(RDF.type, KF.Observation)) + list(g.subjects(RDF.type, KF.Indicator)):
        assert g.value(n, KF.line) is not None and g.value(n, KF.quote) is not None
    missing = list(g.subjects(RDF.type, KF.MissingValue))
    assert len(missing) == 2 and all(g.value(m, KF.value) is None for m in missing)
    _, results, _ = validate_graph(g)
    assert not [r for r in results if r.severity == "Violation"], [r.describe() for r in results]
    warns = [r for r in results if r.severity == "Warning" and "six digits" in r.message_en]
    assert len(warns) == 1  # the seven-digit ID


def test_citations_belong_to_the_row_they_are_printed_in():
    """A plan named in one row's goal is that row's basis, not the whole table's (lineage, issue 6)."""
    ef = extract_file(PLANS)
    doc = ef.documents[0]
    by = {r.code: r for r in doc.extras["policy_table"].rows}
    names = [rec.mention.name for rec in doc.citations]
    assert [names[k] for k in by["6-1-2"].citations] == ["架空海洋データ利活用指針"]
    # 「（科技イノベ基本計画P.30から抜粋）」: an excerpt reference, its abbreviation written out
    assert [names[k] for k in by["6-1-1"].citations] == ["科学技術・イノベーション基本計画"]
    g = emit_file(ef)
    dnode = next(g.subjects(RDF.type, KF.PolicyEvaluation))
    goals = {str(g.value(n, KF.sectionNumber)): n for n in g.subjects(RDF.type, KF.AchievementGoal)}
    plans = {str(g.value(p, RDFS.label)): p for p in g.subjects(RDF.type, KF.NationalPlan)}
    assert set(g.objects(goals["6-1-2"], KF.basedOn)) == {plans["架空海洋データ利活用指針"]}
    assert set(g.objects(goals["6-1-1"], KF.basedOn)) == {plans["科学技術・イノベーション基本計画"]}
    assert not list(g.objects(dnode, KF.basedOn)) and not list(g.objects(dnode, KF.hasCitation))
    (cite,) = g.objects(goals["6-1-1"], KF.hasCitation)
    assert str(g.value(cite, KF.alias)) == "科技イノベ基本計画" and g.value(cite, KF.line).toPython() == 34
    _, results, _ = validate_graph(g)
    assert not [r for r in results if r.severity == "Violation"], [r.describe() for r in results]


# --- the real table ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_doc():
    return extract_file(corpus_file("003")).documents[0]


@pytest.fixture(scope="module")
def real(real_doc):
    return real_doc.extras["policy_table"]


def test_institution_heading_continues_the_row():
    """A line that is only an agency's name, then ①: that institution's indicators inside the same row (its
    numbering restarts), not a new row and not the source of the indicator above."""
    ef = extract_file(INSTITUTIONS)
    table = ef.documents[0].extras["policy_table"]
    assert [r.code for r in table.rows] == ["6-1-1", "6-1-2", "6-1-3"]
    row = table.rows[0]
    assert [(i.number, i.first.no) for i in row.indicators] == [(1, 4), (1, 7), (2, 8)]
    assert row.indicators[0].source is None and "架空気象研究機構" not in (row.indicators[0].source or "")
    assert row.indicators[1].rated_agency == "国立研究開発法人架空気象研究機構"
    assert [i.targets[0].kind for i in row.indicators if i.targets] == ["rating"]
    g = emit_file(ef)
    goal = next(s for s in g.subjects(RDF.type, KF.AchievementGoal) if str(s).endswith("/6-1-1"))
    inds = sorted(str(i).rsplit("/", 1)[-1] for i in g.objects(goal, KF.hasIndicator))
    assert inds == ["1", "1b", "2"]
    assert list(g.objects(URIRef(f"{goal}/indicator/1b"), KF.ratedAgency)) == [
        mint("agency", agency_key("国立研究開発法人架空気象研究機構"))]
    _, results, _ = validate_graph(g)
    assert not [r for r in results if r.severity == "Violation"], [r.describe() for r in results]


def test_agency_named_as_a_source_does_not_join_the_next_row(tmp_path: Path):
    """The same name printed as the last source of a row, a blank line before the next ①: a source, and the
    next ① opens its own row (only a name on the line right above a ① is an institution heading)."""
    text = INSTITUTIONS.read_text(encoding="utf-8").replace("業務実績報告書", "国立研究開発法人架空気象研究機構")
    path = tmp_path / "policy_table_source_agency.txt"
    path.write_text(text, encoding="utf-8")
    table = extract_file(path).documents[0].extras["policy_table"]
    assert [(r.code, [i.first.no for i in r.indicators]) for r in table.rows] == [
        ("6-1-1", [4, 7, 8]), ("6-1-2", []), ("6-1-3", [13])]
    assert "架空気象研究機構" in (table.rows[0].indicators[-1].source or "")


def test_goal_printed_without_indicators_is_a_row_of_its_own():
    """Three codes and three 達成目標 on a page, two indicator groups: the goal with no 測定指標 is a row, and
    the page's codes follow the goals' print order (6-1-2 is the goal in the middle, not the second group)."""
    ef = extract_file(INSTITUTIONS)
    table = ef.documents[0].extras["policy_table"]
    by = {r.code: r for r in table.rows}
    assert by["6-1-2"].indicators == [] and by["6-1-2"].goal_text.startswith("地域の防災担当職員")
    assert by["6-1-2"].first.no == _line(INSTITUTIONS, "地域の防災担当職員")
    assert [i.first.no for i in by["6-1-3"].indicators] == [13] and by["6-1-3"].goal_text.startswith("気象観測データを広く")
    assert not table.unmatched_goals
    g = emit_file(ef)
    node = next(s for s in g.subjects(RDF.type, KF.AchievementGoal) if str(s).endswith("/6-1-2"))
    assert not list(g.objects(node, KF.hasIndicator))
    assert g.value(node, KF.line).toPython() == _line(INSTITUTIONS, "地域の防災担当職員")
    assert str(g.value(node, KF.codeRule)) == "page-list"
    _, results, _ = validate_graph(g)
    assert not [r for r in results if r.severity == "Violation"], [r.describe() for r in results]


def _line(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if needle in ln)


def test_corpus_every_row_recovered(real):
    """Rows counted by hand from the text: 51 ① restarts that open an indicator (not series, sources or
    contribution paragraphs). The second ① for another institution inside one row (003:1421, after the
    institution's name at 003:1420) and a narrative actual printed with ① (003:1666) open no row."""
    assert len([r for r in real.rows if r.indicators]) == 51
    # 003:1618, a 達成目標 with no 測定指標: its own row, and the page's codes in the goals' print order
    (alone,) = [r for r in real.rows if not r.indicators]
    assert (alone.code, alone.first.no) == ("9-4-2", 1618)
    assert next(r.code for r in real.rows if r.indicators and r.indicators[0].first.no == 1541) == "9-4-3"
    row = next(r for r in real.rows if r.indicators and r.indicators[0].first.no == 1417)
    assert [i.first.no for i in row.indicators] == [1417, 1421, 1423]
    assert row.indicators[1].rated_agency == "国立研究開発法人量子科学技術研究開発機構"
    first = {r.indicators[0].first.no for r in real.rows if r.indicators}
    assert {4, 18, 37, 60, 80, 98, 109, 120, 277, 325, 351, 407, 459, 578, 628, 665, 687, 816, 850, 877, 887,
            983, 1010, 1020, 1044, 1161, 1176, 1190, 1197, 1201, 1239, 1252, 1259, 1267, 1417, 1469, 1541, 1631,
            1663, 1675, 1700, 1717, 1732, 1742, 1766, 1788, 1976, 2025, 2047, 2074, 2094} <= first


def test_corpus_dated_account_under_a_qualitative_indicator_is_its_actuals(real):
    """003:1666: ① again, a paragraph ending in （2024年度） with no target, after a qualitative ① and its ※ note:
    the actuals of that ①, not a new row. The inferred codes then end where the printed ones do (9-5-13)."""
    starts = {r.indicators[0].first.no: r for r in real.rows if r.indicators}
    assert 1666 not in starts
    row = starts[1663]
    assert [i.first.no for i in row.indicators][:1] == [1663] and all(i.first.no != 1666 for i in row.indicators)
    assert max((r.code for r in real.rows if r.code.startswith("9-5-")), key=lambda c: int(c.rsplit("-", 1)[1])) \
        == "9-5-13"


def test_corpus_first_page_codes_goals_means(real):
    by = {r.code: r for r in real.rows if r.page == 1}
    assert set(by) == {"7-1-1", "7-1-2", "7-2-1", "7-2-2", "7-2-3", "7-2-4", "7-3-1", "7-3-2"}
    assert [len(by[c].indicators) for c in sorted(by)] == [2, 1, 3, 3, 2, 2, 3, 3]
    assert "日本食品標準成分表" in by["7-2-3"].goal_text and by["7-2-3"].programmes[0].program_id == "001653"
    assert [p.program_id for p in by["7-1-1"].programmes] == ["001611", "0016123"]  # 003:206 as printed
    assert "id-length" in by["7-1-1"].programmes[1].flags
    assert [p.program_id for p in by["7-1-2"].programmes] == ["001611", "005775", "001612"]  # 003:25–26 split


def test_corpus_values_against_lines(real):
    inds = {i.first.no: i for r in real.rows for i in r.indicators}
    a = inds[4]  # 003:4–7
    assert [(t.value, t.fiscal_year) for t in a.targets] == [(1200, 2025)]
    assert [(o.fiscal_year, o.value) for o in a.observations][:2] == [(2020, 592), (2021, 3133)]
    rel = inds[18].targets[0]  # 003:18–19 relative
    assert (rel.kind, rel.base_year, rel.fiscal_year) == ("relative", 2018, 2025)
    assert [(o.fiscal_year, o.value, o.unit) for o in inds[18].observations] == [(2018, 882, "億円"), (2022, 1283, "億円")]
    assert inds[349].observations[0].missing  # 003:349 データなし
    assert [(o.calendar_year, o.category) for o in inds[325].observations][:2] == [(2023, "小学校算数"), (2023, "中学校数学")]
    assert [t.kind for t in inds[120].targets] == ["rule"] and inds[327 - 2].targets[0].kind == "benchmark"
    assert [o.fiscal_year for o in inds[109].observations] == [2023, 2022, 2021, 2020]  # not ascending
    assert inds[1671].targets[0].kind == "rating" and inds[1671].observations[0].rating == "S"


def test_corpus_budget_ids_as_printed(real):
    ids = [p.program_id for r in real.rows for p in r.programmes if p.program_id]
    assert "0016123" in ids and "001734" in ids and "001663" in ids  # 7 digits, 予算事業：ID, full-width space
    assert all(i.isdigit() for i in ids)
    shared = {p.program_id for r in real.rows for p in r.programmes if "id-shared" in p.flags}
    assert "006842" in shared  # one ID on two names (003:1351/1353)


def test_corpus_citations_sit_on_their_rows(real_doc, real):
    """Every plan 003 names is printed inside one row, so none is left to speak for the whole table."""
    placed = {k: r.code for r in real.rows for k in r.citations}
    assert len(placed) == len(real_doc.citations) >= 12
    names = {r.code: {real_doc.citations[k].mention.name for k in r.citations} for r in real.rows}
    assert names["7-2-3"] == {"日本食品標準成分表"}
    moonshot = next(r for r in real.rows if "ムーンショット" in (r.goal_text or ""))
    (k,) = moonshot.citations
    m = real_doc.citations[k].mention
    assert (m.key, m.alias, m.edition) == ("科学技術・イノベーション基本計画", "科技イノベ基本計画", None)


def test_corpus_indicator_names_starting_with_a_number(real):
    """②５年目外部評価…（目標値：…）: a number after the circled digit, yet an indicator (its target label says so),
    and （目標毎に…） before the label is part of the name, not the target."""
    moonshot = next(r for r in real.rows if "ムーンショット" in (r.goal_text or ""))
    assert [i.number for i in moonshot.indicators] == [1, 2, 3, 4]
    second, third = moonshot.indicators[1:3]
    assert second.name.startswith("5年目外部評価") and third.name.startswith("10年目外部評価")
    assert [(t.value, t.fiscal_year) for t in third.targets][:1] == [(100, 2030)]


def test_corpus_goal_cells_broken_by_a_blank_line(real):
    """A merged goal cell can lose its tail to a blank line (7-3, 9-4), also when the cell starts inside the block
    of a code line (9-1): the tail is no wider than the cell and carries no marker."""
    titles = {c: real.cells[c].title for c in ("7-3", "9-1", "9-4")}
    assert titles == {"7-3": "科学技術の国際活動の戦略的推進", "9-1": "未来社会を見据えた先端基盤技術の強化",
                      "9-4": "安全・安心の確保に関する課題への対応"}


@pytest.mark.parametrize("bullet", ["・", "●", "－", "◆ "])
def test_programme_names_lose_whatever_bullet_the_table_prints(bullet: str) -> None:
    """Means cells list their programmes with ・ in one ministry's tables and ● or － in another's: the name is the
    same either way (a minus before a number is no bullet)."""
    from keifu.extract.model import Line
    from keifu.extract.policy.lines import Piece
    from keifu.extract.policy.table import programmes_of

    piece = Piece("programmes", [Line(0, 1, f"{bullet}干潟観測網整備事業（予算事業ID:004321）"),
                                 Line(1, 2, f"{bullet}架空海洋研究機構運営費交付金（予算事業ID:004322）")])
    assert [(p.name, p.program_id) for p in programmes_of(piece)] == [
        ("干潟観測網整備事業", "004321"), ("架空海洋研究機構運営費交付金", "004322")]


@pytest.mark.parametrize("fixture", [FIXTURE, PLANS, INSTITUTIONS])
def test_indented_lines_keep_every_value_with_its_year(tmp_path, fixture: Path) -> None:
    """A layout-keeping converter indents every line: a series that starts inside its indicator's line
    (②… ②368件（2020年度）…) is still read from the value on, so each value keeps its own year."""
    def facts(path: Path) -> list[tuple]:
        t = extract_file(path).documents[0].extras["policy_table"]
        return [(r.code, i.name, [(o.value, o.fiscal_year) for o in i.observations], [(p.name, p.program_id)
                 for p in r.programmes]) for r in t.rows for i in r.indicators]

    indented = tmp_path / fixture.name
    indented.write_text("\n".join(f"  {ln}" if ln.strip() else ln
                                  for ln in fixture.read_text(encoding="utf-8").split("\n")), encoding="utf-8")
    before = facts(fixture)
    assert any(obs for _, _, obs, _ in before) and facts(indented) == before


def test_a_programme_id_wrapped_to_the_next_line_is_found_when_printed_full_width() -> None:
    from keifu.extract.policy.read import _id_tail

    assert _id_tail("ID：001631）") and _id_tail("ＩＤ：００１６３１）") and _id_tail("業ＩＤ:001631)")
    assert not _id_tail("ＩＤ一覧を参照") and not _id_tail("2025年度）")
