"""Documents of agencies of every legal form, recognised by their structure (issue 13, items 1 and 5).

The fixtures in ``tests/fixtures/unseen/`` are invented agencies in our own wording, in the formats of
FORMAT-NOTES, each a legal form the parsers were not developed on:

* ``special_corporation_objectives.txt`` — a 特殊法人 set up by its own act (北辺交通基盤整備機構法, article
  numbers in kanji), no legal form in its name, the title 「北辺交通基盤整備機構 中期目標（案）」 after an annex
  label 「別添２」 and a diagram box; double-spaced with page starts; numbered 第１ / １ / （１） / ① / ア;
* ``national_university_objectives.txt`` — a 国立大学法人's 中期目標: no 位置付け chapter, a （前文）, the
  chapters of 国立大学法人法 (教育研究の質の向上 …, 自ら行う点検及び評価 …), numbered Ⅰ． / １． / （１） / ①;
* ``local_agency_objectives.txt`` — a 地方独立行政法人's 中期目標 set by a prefectural governor (知事) under
  地方独立行政法人法, numbered 1. / (1) / ア;
* ``execution_annual_objectives.txt`` — a 行政執行法人's 年度目標 whose name has no legal form, numbered
  １． / ３．１ / （１） with the （N） numbering running through;
* ``approved_corporation_plan.txt`` — an 認可法人's 事業計画 (an agency plan), numbered 第１ / １ / （１）;
* ``budget_review_list.txt`` — of no known kind: a review list with a 予算事業ID column, kept as a generic
  government document with its citations and budget programmes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO
from rdflib import Literal
from rdflib.namespace import PROV, RDF, RDFS

from keifu.extract.pipeline import ExtractedDocument, ExtractedFile, extract_file
from keifu.extract.readers import read_source
from keifu.graph.draft import DraftError, validate_path
from keifu.graph.emit import emit_file
from keifu.graph.vocab import KF, mint

UNSEEN = REPO / "tests" / "fixtures" / "unseen"
FIXTURES = REPO / "tests" / "fixtures"


def _one(name: str) -> ExtractedDocument:
    (doc,) = extract_file(UNSEEN / name).documents
    return doc


def _facts(doc: ExtractedDocument) -> tuple:
    f = doc.facts
    return (doc.segment.kind, doc.segment.doc_class, f.agency, f.agency_key, f.agency_alias, f.agency_kind)


def _issuers(doc: ExtractedDocument) -> list[tuple[str, str, int]]:
    return [(i.name, i.kind, i.line.no) for i in doc.facts.issuers]


def _period(doc: ExtractedDocument) -> tuple[str | None, str | None]:
    f = doc.facts
    return (f.period_start.iso if f.period_start else None, f.period_end.iso if f.period_end else None)


def _sections(doc: ExtractedDocument) -> list[tuple[str, str]]:
    return [(h.section_number, h.title) for h in doc.headings]


def _citations(doc: ExtractedDocument) -> set[tuple[str, str | None, str | None, int]]:
    """(name, ISO date, deciding body, line); a law has no deciding body (its number is checked apart)."""
    return {(c.mention.name, c.mention.date.iso if c.mention.date else None,
             None if c.mention.kind == "law" else c.mention.body, c.mention.line.no) for c in doc.citations}


# ------------------------------------------------------------------- 特殊法人: own act, annex label, no form


def test_special_corporation_found_by_structure() -> None:
    doc = _one("special_corporation_objectives.txt")
    seg = doc.segment
    assert _facts(doc) == ("mid-term-objectives", "ObjectivesDocument", "北辺交通基盤整備機構", "北辺交通基盤整備機構",
                           "機構", "special-corporation")  # the kind as printed: 「…に基づき設立された特殊法人であり」
    assert seg.title == "北辺交通基盤整備機構中期目標(案)" and seg.title_line.no == 5  # the label 別添２ (l.3) is no title
    assert doc.facts.draft and doc.facts.draft_line.no == 5
    assert _issuers(doc) == [("国土交通省", "ministry", 9)]  # letter-spaced
    assert _period(doc) == ("2027-04-01", "2032-03-31")
    tree = _sections(doc)
    assert len(tree) == 20
    assert tree[:3] == [("第１", "政策体系における法人の位置付け及び役割"), ("第１.１", "法人の使命"),
                        ("第１.２", "国の政策における位置付け")]
    assert ("第３.１.（１）.①.ア", "優先度の評価") in tree and ("第３.１.（２）", "港湾施設の整備") in tree
    assert ("第４.１", "一般管理費の削減") in tree  # a page start heading
    assert [c.role for c in doc.extras["chapters"].chapters] == [
        "position", "period", "quality-service", "efficiency", "finances", "other"]
    assert _citations(doc) == {
        ("北辺交通基盤整備機構法", "2021", None, 11),  # its own act, 第五十二号 in kanji
        ("北辺交通基盤整備機構法", "2021", None, 21),
        ("北辺地域振興基本計画", "2026-03-24", "閣議", 27),
        ("交通政策基本計画", "2025-05-30", "閣議", 29),  # the sentence ends after a page start (l.31)
        ("政府機関等のサイバーセキュリティ対策のための統一基準群", "2025-07-01", "サイバーセキュリティ戦略本部", 85),
    }


def test_special_corporation_from_a_generated_pdf(tmp_path: Path) -> None:
    """The PDF path recognises the same document: same facts, tree and citations (pages and lines aside)."""
    pdfgen = pytest.importorskip("pdfgen")
    name = "special_corporation_objectives.txt"
    units, buf = [], ""  # paragraphs as a word processor holds them: lines joined up to a trailing space
    for line in read_source(UNSEEN / name).lines:
        buf += line.text.strip()
        if line.text.endswith(" "):
            units.append(buf)
            buf = ""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdfgen, "FONT", "HeiseiKakuGo-W5")
        pdf = pdfgen.make_pdf(tmp_path / "special.pdf", [units[i:i + 12] for i in range(0, len(units), 12)],
                              width_chars=38)
    from_pdf, from_text = extract_file(pdf), extract_file(UNSEEN / name)
    assert from_pdf.source.media == "pdf" and (from_pdf.source.pages or 0) >= 3

    def view(ef: ExtractedFile) -> list[tuple]:
        return [(_facts(d), [i.name for i in d.facts.issuers], _period(d), d.facts.draft, _sections(d),
                 sorted((c.mention.name, c.mention.date.iso if c.mention.date else None) for c in d.citations))
                for d in ef.documents]

    assert view(from_pdf) == view(from_text)


# ------------------------------------------------------------------- 国立大学法人: no 位置付け chapter


def test_national_university_mid_term_objectives() -> None:
    doc = _one("national_university_objectives.txt")
    assert _facts(doc) == ("mid-term-objectives", "ObjectivesDocument", "国立大学法人北浜大学", "北浜大学", None,
                           "national-university-corporation")
    assert doc.segment.title == "国立大学法人北浜大学中期目標"
    assert any(e.rule == "statutory chapter after the title" for e in doc.segment.evidence)
    assert _issuers(doc) == [("文部科学大臣", "minister", 2)]
    assert _period(doc) == ("2028-04-01", "2034-03-31") and not doc.facts.draft
    tree = _sections(doc)
    assert len(tree) == 19
    assert [s for s, _ in tree if "." not in s] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ"]
    assert ("Ⅱ", "教育研究の質の向上に関する事項") in tree and ("Ⅱ.１.（１）.②", "施設の開放") in tree
    assert tree[-1] == ("Ⅵ.１", "施設設備の整備")
    assert _citations(doc) == {
        ("北浜地域創生総合戦略", "2027-03", "北浜県", 5),  # in the 前文, before the first chapter
        ("教学マネジメント指針", "2020-01-22", "中央教育審議会大学分科会", 20),
        ("インフラ長寿命化計画（行動計画）", None, None, 37),
    }


# ------------------------------------------------------------------- 地方独立行政法人: set by a governor


def test_local_agency_set_by_a_governor() -> None:
    doc = _one("local_agency_objectives.txt")
    assert _facts(doc) == ("mid-term-objectives", "ObjectivesDocument", "地方独立行政法人北浜県産業技術センター",
                           "北浜県産業技術センター", "センター", "local-incorporated-administrative-agency")
    assert doc.segment.title == "地方独立行政法人北浜県産業技術センター中期目標"
    assert _issuers(doc) == [("北浜県知事", "local-government", 3)]
    assert _period(doc) == ("2028-04-01", "2033-03-31")
    tree = _sections(doc)
    assert len(tree) == 11
    assert tree[:4] == [("1", "中期目標の期間"), ("2", "県民に対して提供するサービスその他の業務の質の向上に関する事項"),
                        ("2.(1)", "技術支援の充実"), ("2.(1).ア", "依頼試験の迅速化")]
    assert ("5.(1)", "法令遵守") in tree
    assert _citations(doc) == {("地方独立行政法人法", "2003", None, 4),
                               ("北浜県ものづくり振興計画", "2027-12", "北浜県", 12)}


# ------------------------------------------------------------------- 行政執行法人: 年度目標, no form in the name


def test_execution_agency_annual_objectives() -> None:
    doc = _one("execution_annual_objectives.txt")
    assert _facts(doc) == ("annual-objectives", "ObjectivesDocument", "北浜計量検定所", "北浜計量検定所", "検定所",
                           "administrative-execution-agency")  # 「検定所は、行政執行法人として」
    assert doc.segment.title == "北浜計量検定所の令和10年度における業務運営に関する目標"
    assert _issuers(doc) == [("財務大臣", "minister", 3)]
    assert _period(doc) == ("2028-04", "2029-03") and doc.facts.fiscal_year == 2028
    assert doc.facts.draft and doc.facts.draft_line.no == 2  # 令和10年３月　日
    tree = _sections(doc)
    assert len(tree) == 11
    assert ("３．１.（２）", "検定結果の公表") in tree and ("３．２.（３）", "検定設備の更新") in tree
    assert _citations(doc) == {("独立行政法人通則法", "1999", None, 4), ("計量行政基本方針", "2026-06-01", "財務大臣", 6)}


# ------------------------------------------------------------------- 認可法人: 事業計画 (an agency plan)


def test_approved_corporation_business_plan() -> None:
    doc = _one("approved_corporation_plan.txt")
    assert _facts(doc) == ("annual-plan", "AgencyPlan", "北浜預金保全機構", "北浜預金保全機構", "機構",
                           "approved-corporation")
    assert doc.segment.title == "北浜預金保全機構令和9年度事業計画"
    assert _issuers(doc) == [] and doc.facts.fiscal_year == 2027  # the agency writes it: no minister printed
    tree = _sections(doc)
    assert len(tree) == 10
    assert tree[0] == ("第１", "業務の質の向上に関する事項") and ("第３", "予算、収支計画及び資金計画") in tree
    assert ("第１.１.（２）", "徴収状況の公表") in tree
    assert _citations(doc) == {("北浜預金保全機構法", "2018", None, 2), ("北浜預金保全機構法", "2018", None, 4),
                               ("金融システム安定化指針", "2025-09-05", "金融審議会", 11)}


def test_agency_kind_is_never_guessed(tmp_path: Path) -> None:
    """The special corporation's sentence removed, nothing prints its form: no kind (not 中期目標管理法人)."""
    text = (UNSEEN / "special_corporation_objectives.txt").read_text(encoding="utf-8")
    p = tmp_path / "bare.txt"
    p.write_text(text.replace("設立された特殊法人であり", "設立され"), encoding="utf-8")
    (doc,) = extract_file(p).documents
    assert doc.facts.agency == "北辺交通基盤整備機構" and doc.facts.agency_kind is None


# ------------------------------------------------------------------- documents of no known kind


def test_review_list_is_kept_as_a_government_document() -> None:
    doc = _one("budget_review_list.txt")
    assert (doc.segment.kind, doc.segment.doc_class, doc.facts.agency) == (
        "government-document", "GovernmentDocument", None)
    assert doc.headings == []
    assert _citations(doc) == {
        ("第７期科学技術・イノベーション基本計画", "2026-03-27", "閣議", 4),
        ("統合イノベーション戦略2026", "2026-06-05", "閣議", 4),
        ("海洋基本計画", "2023-04-28", "閣議", 11),
    }
    progs = [(p.program_id, p.name, p.line.no) for p in doc.extras["budget_programmes"]]
    assert progs == [("009101", "沿岸周遊促進事業", 6), ("001802", "次世代港湾防災技術開発", 7),
                     ("002115", "地域脱炭素技術実証事業", 8), ("002116", "農山村データ基盤構築事業", 9),
                     ("003020", "寒冷地医療遠隔支援事業", 12)]  # the ID wrapped to line 13 after 「（予算事業ID：」


def test_government_document_graph_joins_the_budget_programme() -> None:
    """The review list's programme 009101 is the node the policy-evaluation table gives for that ID."""
    g = emit_file(extract_file(UNSEEN / "budget_review_list.txt"))
    doc = next(g.subjects(RDF.type, KF.GovernmentDocument))
    assert (doc, PROV.wasDerivedFrom, None) in g
    assert len(list(g.objects(doc, KF.hasCitation))) == 3
    node = mint("budget", "009101")
    assert (node, RDF.type, KF.BudgetProgram) in g and (node, KF.inDocument, doc) in g
    assert (node, KF.line, Literal(6)) in g and (node, RDFS.label, Literal("沿岸周遊促進事業", lang="ja")) in g
    policy = emit_file(extract_file(FIXTURES / "policy_table.txt"))
    assert (node, KF.budgetProgramId, Literal("009101")) in policy  # one node for one ID, whatever the document
    assert (node, KF.contributesTo, None) in policy


def test_minutes_are_stored_and_validate_refuses_them(tmp_path: Path) -> None:
    p = tmp_path / "minutes.txt"
    p.write_text("北浜科学技術政策会議（第12回）議事録\n日時：令和８年10月３日\n"
                 "議長　「統合イノベーション戦略2026」（令和８年６月５日閣議決定）を踏まえ、議論を始めます。\n",
                 encoding="utf-8")
    (doc,) = extract_file(p).documents
    assert doc.segment.kind == "government-document"
    assert [(c.mention.name, c.mention.date.iso) for c in doc.citations] == [("統合イノベーション戦略2026", "2026-06-05")]
    with pytest.raises(DraftError) as e:
        validate_path(p)
    assert e.value.code == "not-policy-document" and "政策文書として認識できません" in str(e.value)
    assert "minutes.txt" in str(e.value)


def test_empty_and_corrupt_files_are_still_errors(tmp_path: Path) -> None:
    from keifu.extract.errors import ReadError

    empty, corrupt = tmp_path / "empty.txt", tmp_path / "broken.pdf"
    empty.write_text(" \n", encoding="utf-8")
    corrupt.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    for path in (empty, corrupt):
        with pytest.raises(ReadError) as e:
            extract_file(path)
        assert path.name in str(e.value)


def test_preamble_naming_the_kind_without_defining_it(tmp_path: Path) -> None:
    """No title, no 位置付け chapter, no 以下「中期目標」: the preamble citing the agency's own act and the
    statutory chapters after it make the document; the name comes from its definition (以下「公社」)."""
    p = tmp_path / "kosha.txt"
    p.write_text(
        " 北辺港湾公社法（令和２年法律第三十号）第十五条第一項の規定に基づき、北辺港湾公社（以下「公社」という。）の"
        "中期目標を次のとおり定める。 \n第１ 中期目標の期間 \n"
        " 中期目標の期間は、令和９年４月１日から令和12年３月31日までの３年間とする。 \n"
        "第２ 業務の質の向上に関する事項 \n１　港湾施設の運営 \n 岸壁の利用を促進する。 \n"
        "第３ 業務運営の効率化に関する事項 \n 経費を削減する。 \n", encoding="utf-8")
    (doc,) = extract_file(p).documents
    assert _facts(doc) == ("mid-term-objectives", "ObjectivesDocument", "北辺港湾公社", "北辺港湾公社", "公社", None)
    assert doc.segment.preamble_line.no == 1 and _period(doc) == ("2027-04-01", "2030-03-31")
    assert _sections(doc) == [("第１", "中期目標の期間"), ("第２", "業務の質の向上に関する事項"),
                              ("第２.１", "港湾施設の運営"), ("第３", "業務運営の効率化に関する事項")]
