"""Segmentation and document facts: own samples for each start/end form, the corpus for real layouts."""

from __future__ import annotations

import pytest
from conftest import SAMPLES, corpus_file

from keifu.extract.errors import UnknownDocumentError
from keifu.extract.facts import read_facts
from keifu.extract.model import Line, SourceText
from keifu.extract.readers import read_source
from keifu.extract.segment import segment


def _docs(path):
    src = read_source(path)
    return src, [(s, read_facts(src.lines, s)) for s in segment(src)]


def _no(src, index: int) -> int:
    return src.lines[index].no


def test_compendium_sample_splits_into_two_documents():
    src, docs = _docs(SAMPLES / "objectives_compendium.txt")
    assert [s.kind for s, _ in docs] == ["mid-long-term-objectives", "mid-term-objectives"]
    (a, fa), (b, fb) = docs
    # no cover: the preamble is the first line; the body starts at the anchor chapter
    assert a.start == 0 and src.lines[a.body_start].text.startswith("Ⅰ．政策体系")
    # the in-body reference 「（別添）政策体系図」 is followed by headings, so the body goes on past it
    assert any(e.rule.startswith("annex reference") for e in a.evidence)
    assert src.lines[a.body_end].text.endswith("に係る政策体系図")
    # the trailing box heading （中長期目標） belongs to the first document, not the second
    box = next(i for i, ln in enumerate(src.lines) if ln.text == "（中長期目標）")
    assert a.start <= box < a.end == b.start
    assert src.lines[b.start].text.strip() == "独立行政法人地域交流振興機構が"
    assert b.title == "独立行政法人地域交流振興機構が達成すべき業務運営に関する目標"
    assert src.lines[b.body_end].text.strip() == "以 上"
    assert fa.agency == "国立研究開発法人海洋未来研究機構" and fa.agency_alias == "本機構"
    assert fa.agency_kind == "national-rd-agency"
    assert fa.issuers == []  # none printed: never invented
    assert (fa.period_start.iso, fa.period_end.iso) == ("2026-04-01", "2033-03-31")
    assert fb.agency_kind == "mid-term-goal-agency"
    assert [i.name for i in fb.issuers] == ["総務省", "国土交通省"]  # letter-spaced cover lines
    assert not any(i.inferred for i in fb.issuers)
    assert fb.draft and fb.draft_line.text.strip() == "（案）"
    assert (fb.period_start.iso, fb.period_end.iso) == ("2026-04", "2031-03")


def test_compendium_without_trailing_spaces_segments_the_same(tmp_path):
    """Another converter: no trailing space ends a unit. The in-body annex reference is still told from the
    annex by the headings after it, now by the prose that follows each heading."""
    src, docs = _docs(SAMPLES / "objectives_compendium.txt")
    plain = tmp_path / "plain.txt"
    plain.write_text("\n".join(ln.text.rstrip(" ") for ln in src.lines), encoding="utf-8")
    src2, docs2 = _docs(plain)

    def key(s, f):
        return (s.kind, s.start, s.body_start, s.body_end, s.end, f.agency, f.period_start and f.period_start.iso,
                f.period_end and f.period_end.iso)
    assert [key(s, f) for s, f in docs2] == [key(s, f) for s, f in docs]
    assert any(e.rule.startswith("annex reference") for e in docs2[0][0].evidence)


def test_annual_plan_without_anchor_chapter():
    src, docs = _docs(SAMPLES / "annual_plan.txt")
    assert len(docs) == 1
    seg, f = docs[0]
    assert seg.kind == "annual-plan" and seg.doc_class == "AgencyPlan"
    assert src.lines[seg.body_start].text.startswith("Ⅰ．")
    assert f.fiscal_year == 2026 and f.agency_alias == "機構"
    assert seg.body_end == seg.end == len(src.lines)


def test_text_of_no_known_kind_is_kept_as_a_government_document(tmp_path):
    p = tmp_path / "memo.txt"
    p.write_text("会議の日程について連絡します。\n来週の火曜日に集まります。\n", encoding="utf-8")
    (seg,) = segment(read_source(p))
    src = read_source(p)
    assert (seg.kind, seg.doc_class, seg.start, seg.end) == ("government-document", "GovernmentDocument", 0, len(src.lines))
    assert seg.title == "会議の日程について連絡します。" and seg.evidence[0].rule.startswith("no known kind")


def test_source_without_text_is_rejected_with_the_file_name():
    lines = [Line(0, 1, "  "), Line(1, 2, "")]
    with pytest.raises(UnknownDocumentError) as e:
        segment(SourceText(SAMPLES / "blank.txt", "0" * 64, "text", lines))
    assert "blank.txt" in str(e.value) and "認識できません" in str(e.value) and "recognised" in str(e.value)


def test_box_heading_is_not_taken_as_a_title():
    texts = ["○ある取組の説明", "（中長期目標）", " 国立研究開発法人架空技術機構 ", "", "第３期中長期目標 ", "",
             "令和９年 月 日 ", "", "文 部 科 学 省 ", "Ⅰ．政策体系における法人の位置付け及び役割 ", "本文である。 "]
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    (seg,) = segment(SourceText(SAMPLES, "0" * 64, "text", lines))
    f = read_facts(lines, seg)
    assert seg.title == "国立研究開発法人架空技術機構第3期中長期目標"
    assert f.term == 3 and not f.term_inferred
    assert f.draft and f.draft_line.no == 7  # blank date slots mark a draft
    assert [i.name for i in f.issuers] == ["文部科学省"]
    assert f.agency == "国立研究開発法人架空技術機構"


@pytest.mark.parametrize("chapter", ["第１章　", "第１　"])
@pytest.mark.parametrize(("left", "right"), [("「", "」"), ("『", "』")])
def test_chapters_numbered_with_sho_and_aliases_in_double_quotes(chapter: str, left: str, right: str) -> None:
    """House styles: the statutory chapters numbered 第１章 instead of 第１, and the defined short name quoted
    『…』 instead of 「…」. The document, its agency and its chapters are found the same way."""
    from keifu.extract.headings import parse_headings

    two = chapter.replace("１", "２")
    texts = [f"独立行政法人通則法第29条第１項の規定に基づき、独立行政法人架空干潟保全機構（以下{left}機構{right}という。）が"
             "達成すべき業務運営に関する目標を次のとおり定める。 ", "",
             f"{chapter}政策体系における法人の位置付け及び役割 ", "", "機構は干潟の保全を担う。 ", "",
             f"{two}中期目標の期間 ", "", "令和９年４月から令和14年３月までの５年間とする。 "]
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    (seg,) = segment(SourceText(SAMPLES, "0" * 64, "text", lines))
    f = read_facts(lines, seg)
    assert seg.kind == "mid-term-objectives" and f.agency == "独立行政法人架空干潟保全機構" and f.agency_alias == "機構"
    heads = parse_headings(lines[seg.body_start:seg.body_end])
    assert [(h.number, h.title) for h in heads] == [("1", "政策体系における法人の位置付け及び役割"), ("2", "中期目標の期間")]


# ---------------------------------------------------------------------------------------- corpus

EXPECTED_002 = [
    # kind, first line of document, anchor line, body end line, agency, term
    ("mid-long-term-objectives", 1, 11, 2003, "国立研究開発法人日本医療研究開発機構", 3),
    ("mid-long-term-objectives", 2263, 2284, 3113, "国立研究開発法人理化学研究所", None),
    ("mid-long-term-objectives", 3396, 3425, 4932, "国立研究開発法人宇宙航空研究開発機構", 5),
    ("mid-term-objectives", 6024, 6052, 6902, "年金積立金管理運用独立行政法人", None),
    ("mid-long-term-objectives", 7002, 7026, 7450, "国立研究開発法人産業技術総合研究所", 6),
]


def test_compendium_002_segments():
    src, docs = _docs(corpus_file("002"))
    got = [(s.kind, _no(src, s.start), _no(src, s.body_start), _no(src, s.body_end), f.agency, f.term)
           for s, f in docs]
    assert got == EXPECTED_002
    # box headings close the preceding document (002:3395 （中長期目標）, 002:6023), and the annex label 002:7001
    ends = [_no(src, s.end - 1) for s, _ in docs]
    assert ends[1] >= 3395 and ends[3] >= 7001


def test_compendium_002_issuers_periods_and_drafts():
    src, docs = _docs(corpus_file("002"))
    f = [fa for _, fa in docs]
    amed, riken, jaxa, gpif, aist = f
    assert [i.name for i in amed.issuers] == ["内閣府", "文部科学省", "厚生労働省", "経済産業省"]
    assert all(i.inferred for i in amed.issuers) and amed.issuers[0].line.no == 2204
    assert [i.name for i in riken.issuers] == ["文部科学省"]
    assert [i.name for i in jaxa.issuers] == ["内閣府", "総務省", "文部科学省", "経済産業省"]
    assert {i.name for i in gpif.issuers} == {"厚生労働省", "厚生労働大臣"}
    assert [i.name for i in aist.issuers] == ["経済産業省"]
    assert riken.agency_kind == "specified-national-rd-agency"  # preamble cites the 特措法
    assert gpif.agency_kind == "mid-term-goal-agency"
    assert (riken.period_start.iso, riken.period_end.iso) == ("2025-04-01", "2032-03-31")
    assert (amed.period_start.iso, amed.period_end.iso) == ("2025-04", "2030-03")
    assert (aist.period_start.iso, aist.period_end.iso) == ("2025-04-01", "2032-03-31")
    assert [x.draft for x in f] == [False, True, True, True, True]
    assert jaxa.draft_line.no == 3402  # （案）


def test_single_documents_000_001_003_004():
    src, ((s0, f0),) = _docs(corpus_file("000"))
    assert s0.kind == "mid-long-term-objectives" and _no(src, s0.body_start) == 11 and _no(src, s0.body_end) == 959
    assert (f0.period_start.iso, f0.period_end.iso) == ("2023-04-01", "2030-03-31")
    assert f0.issuers == [] and f0.term == 2 and f0.term_inferred
    src, ((s1, f1),) = _docs(corpus_file("001"))
    assert s1.kind == "annual-plan" and f1.fiscal_year == 2025 and f1.agency_key == "量子科学技術研究開発機構"
    assert f1.agency_key == f0.agency_key  # the plan and the objectives meet in one agency
    _, ((s3, _),) = _docs(corpus_file("003"))
    assert s3.kind == "policy-evaluation"
    _, ((s4, f4),) = _docs(corpus_file("004"))
    assert s4.kind == "briefing" and [i.name for i in f4.issuers] == ["文部科学省"]


@pytest.mark.parametrize(("cover", "title", "agency", "name_line"), [
    (["別添２ 架空運河管理機構 中期目標（案） "], "架空運河管理機構中期目標(案)", "架空運河管理機構", None),  # label on the line
    (["別添２ ", "架空運河管理機構 ", "中期目標（案） "], "中期目標(案)", "架空運河管理機構", 3),  # name above a bare title
    (["架空運河管理機構 ", "第３期中期目標 "], "第3期中期目標", "架空運河管理機構", 2),  # ordinal title, no legal form
    (["架空運河管理機構の中期目標 "], "架空運河管理機構の中期目標", "架空運河管理機構", None),
    (["日本架空運河機構 ", "中期目標（案） "], "中期目標(案)", "日本架空運河機構", 2),  # 日 in a name is no date
])
def test_titles_of_agencies_without_a_legal_form(cover, title, agency, name_line):
    """Any agency's title before the anchor chapter, whatever its legal form (here none is printed)."""
    texts = ["○前の文書の図の箱", *cover, "令和９年 月 日 ", "国 土 交 通 省 ",
             "第１ 政策体系における法人の位置付け及び役割 ", "機構は、運河の維持管理を行う。 ", "第２ 中期目標の期間 "]
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    (seg,) = segment(SourceText(SAMPLES, "0" * 64, "text", lines))
    f = read_facts(lines, seg)
    assert (seg.kind, seg.title, f.agency, f.agency_kind) == ("mid-term-objectives", title, agency, None)
    assert (seg.name_line.no if seg.name_line else None) == name_line
    assert [i.name for i in f.issuers] == ["国土交通省"] and f.draft


def test_ministry_above_a_bare_title_is_not_the_agency_the_definition_is():
    texts = ["国 土 交 通 省 ", "中期目標（案） ", "第１ 政策体系における法人の位置付け及び役割 ",
             "架空運河機構（以下「機構」という。）は、運河を維持する。 ", "第２ 中期目標の期間 "]
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    (seg,) = segment(SourceText(SAMPLES, "0" * 64, "text", lines))
    f = read_facts(lines, seg)
    assert seg.kind == "mid-term-objectives" and seg.name_line is None
    assert (f.agency, f.agency_alias, f.agency_line.no) == ("架空運河機構", "機構", 4)  # the name it defines
    assert [i.name for i in f.issuers] == ["国土交通省"]
