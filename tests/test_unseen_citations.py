"""Dated citations in forms the corpus never showed, on our own fixtures (``citrec_*``, scored per form by
``tests/citation_score.py``), and the new forms one by one on invented sentences."""

from __future__ import annotations

import pytest
from citation_score import score
from test_citations import only, scan

from keifu.extract.blocks import logical_blocks
from keifu.extract.citations import CitationScanner
from keifu.extract.model import Line


def test_every_form_of_the_fixtures_is_read_exactly() -> None:
    scores, missed, extra = score()
    assert len(scores) >= 40 and sum(s.expected for s in scores) >= 60
    assert missed == [] and extra == []
    assert all(s.recall == 1.0 and s.precision == 1.0 for s in scores)


def test_date_before_the_name_with_body_and_verb() -> None:
    m = only(scan("令和４年６月７日に閣議決定された「干潟再生基本方針」において、"))
    assert (m.name, m.date.iso, m.body, m.verb, m.line.no) == ("干潟再生基本方針", "2022-06-07", "閣議", "決定", 1)
    m = only(scan("令和５年６月16日閣議決定の「干潟観測大綱」では、"))
    assert (m.name, m.date.iso, m.body) == ("干潟観測大綱", "2023-06-16", "閣議")
    m = only(scan("令和６年12月 干潟対策推進本部決定「干潟強靱化方針」"))
    assert (m.name, m.date.iso, m.body, m.body_kind) == ("干潟強靱化方針", "2024-12", "干潟対策推進本部", "headquarters")
    m = only(scan("令和３年12月の「干潟エネルギー戦略」改定により、"))
    assert (m.name, m.date.iso, m.body) == ("干潟エネルギー戦略", "2021-12", None)


def test_a_bare_document_noun_after_a_date_is_no_citation() -> None:
    assert [m for m in scan("令和５年に公表された報告書によれば、干潟は減少している。") if m.dated] == []
    assert [m for m in scan("令和６年４月に策定した計画に基づき、") if m.dated] == []


def test_one_decision_for_a_list_of_names() -> None:
    ms = scan("「干潟保全計画」、「干潟医療戦略」並びに「干潟通信指針」（いずれも令和４年12月16日閣議決定）を踏まえ、")
    assert [(m.name, m.date.iso, m.body) for m in ms] == [
        ("干潟保全計画", "2022-12-16", "閣議"), ("干潟医療戦略", "2022-12-16", "閣議"), ("干潟通信指針", "2022-12-16", "閣議")]
    ms = scan("干潟観測計画、干潟人材戦略（いずれも令和6年6月閣議決定）")
    assert [(m.name, m.date.iso) for m in ms] == [("干潟観測計画", "2024-06"), ("干潟人材戦略", "2024-06")]
    # without いずれも the parenthesis belongs to the last name only
    ms = scan("「干潟保全計画」及び「干潟医療戦略」（令和４年12月16日閣議決定）を踏まえ、")
    assert [(m.name, m.dated) for m in ms] == [("干潟保全計画", False), ("干潟医療戦略", True)]


def test_same_day_takes_the_date_before() -> None:
    ms = scan("「干潟教育計画」（令和５年６月16日閣議決定）及び「浜辺の学び方針」（同日閣議決定）に基づき、")
    assert [(m.name, m.date.iso, m.body) for m in ms] == [
        ("干潟教育計画", "2023-06-16", "閣議"), ("浜辺の学び方針", "2023-06-16", "閣議")]


def test_bodies_and_verbs_never_seen() -> None:
    m = only(scan("「干潟ロードマップ」（令和４年９月干潟再生推進会議了承）に沿って、"))
    assert (m.body, m.verb, m.body_kind) == ("干潟再生推進会議", "了承", "council")
    m = only(scan("「干潟対策要綱」（令和５年２月10日干潟対策本部長決定）により、"))
    assert (m.body, m.body_kind) == ("干潟対策本部長", "headquarters")
    m = only(scan("「干潟潮汐計画」（2022年（令和４年）４月１日干潟推進本部決定）を踏まえる。"))
    assert (m.date.iso, m.body) == ("2022-04-01", "干潟推進本部")


def test_a_blank_line_ends_a_unit_of_single_spaced_text() -> None:
    """Without the trailing-space signal, lines are single-spaced and a blank line separates units; a bracket
    still open carries on over it."""
    texts = ["・干潟観測戦略（R6.6 閣議決定）の概要", "", "干潟共生指針", "（令和4年3月 環境大臣決定）", "",
             "干潟の表（左の欄", "", "の続き）です"]
    lines = [Line(index=k, no=k + 1, text=t) for k, t in enumerate(texts)]
    blocks = logical_blocks(lines)
    assert [[ln.no for ln in b.lines] for b in blocks] == [[1], [3, 4], [6, 8]]
    sc = CitationScanner()
    assert [(m.name, m.line.no) for b in blocks for m in sc.scan(b)] == [("干潟観測戦略", 1), ("干潟共生指針", 3)]


def test_law_numbers_in_kanji_are_keyed_like_digits() -> None:
    m = only(scan("干潟観測機構法（平成十五年法律第九十九号）第十二条の規定により、"))
    assert (m.name, m.kind, m.law_number, m.date.iso) == ("干潟観測機構法", "law", "平成15年法律第99号", "2003")
    m = only(scan("干潟法（平成20年法律第31号。最終改正：令和４年法律第68号）に基づき、"))
    assert (m.law_number, m.date.iso) == ("平成20年法律第31号", "2008")


def test_kanji_numbers_with_hundreds() -> None:
    from keifu.extract.normalize import kanji_number

    assert [kanji_number(x) for x in ("百四十", "千二百三", "九十九", "十", "十百", "二三十")] == [140, 1203, 99, 10, None, None]


def test_notice_number_is_not_part_of_the_body() -> None:
    m = only(scan("「干潟観測所の運営について」（令和５年３月31日付け５干庁第12号干潟庁長官通知）に従い、"))
    assert (m.date.iso, m.body, m.verb, m.body_kind) == ("2023-03-31", "干潟庁長官", "通知", "minister")


def test_same_year_and_curly_quotes() -> None:
    ms = scan("「潮目計画」（令和５年２月閣議決定）及び“潮目方針”（同年12月干潟推進会議決定）を踏まえ、")
    assert [(m.name, m.date.iso, m.body) for m in ms] == [
        ("潮目計画", "2023-02", "閣議"), ("潮目方針", "2023-12", "干潟推進会議")]


def test_name_then_date_then_decision() -> None:
    m = only(scan("「干潟観測基本計画」が令和５年６月16日に閣議決定され、観測の強化が求められた。"))
    assert (m.name, m.date.iso, m.body, m.verb) == ("干潟観測基本計画", "2023-06-16", "閣議", "決定")
    m = only(scan("令和４年３月に「干潟対策基本計画」が閣議決定されたことを受け、"))
    assert (m.name, m.date.iso, m.body) == ("干潟対策基本計画", "2022-03", "閣議")
    assert [m for m in scan("本計画は令和５年６月16日に開始され、") if m.dated] == []


def test_annex_box_with_its_decision_on_the_next_line(tmp_path) -> None:
    """A 政策体系図 box prints a plan's name and its decision on two lines; other annex lines stay alone."""
    from keifu.extract.pipeline import extract_file

    body = ["独立行政法人通則法（平成11年法律第103号）第29条の規定により、干潟保全機構（以下「機構」という。）が達成"
            "すべき業務運営に関する目標（以下「中期目標」という。）を定める。", "第１ 政策体系における法人の位置付け及び役割",
            "機構は干潟の保全を担う。", "第２ 中期目標の期間", "令和８年４月から令和13年３月までの５年間とする。",
            "第３ 業務運営の効率化に関する事項", "経費を効率化する。"]
    annex = ["干潟保全機構に係る政策体系図", "干潟保全基本計画", "（令和６年３月閣議決定）", "干潟の再生",
             "（重点）", "干潟観測戦略（令和５年４月干潟推進本部決定）"]
    path = tmp_path / "doc.txt"
    path.write_text("\n".join([x for t in body for x in (t + " ", "")] + annex) + "\n", encoding="utf-8")
    (doc,) = extract_file(path).documents
    got = [(c.mention.name, c.mention.date.iso, c.mention.body, c.mention.line.no) for c in doc.citations
           if c.region == "annex"]
    first = len(body) * 2 + 1
    assert got == [("干潟保全基本計画", "2024-03", "閣議", first + 1), ("干潟観測戦略", "2023-04", "干潟推進本部", first + 5)]


def test_dotted_and_slashed_dates() -> None:
    from keifu.extract.dates import find_dates

    assert [(d.iso, d.raw) for *_, d in find_dates("（令和5.6.16閣議決定）、（2023/6/16）、2024.6.21、2023/6")] == [
        ("2023-06-16", "令和5.6.16"), ("2023-06-16", "2023/6/16"), ("2024-06-21", "2024.6.21"), ("2023-06", "2023/6")]
    # a western year and one number after a dot may be a quantity; a version string is no date
    assert find_dates("2023.6、v2023.10.1、1.5倍") == []


def test_body_first_then_the_date_and_other_separators() -> None:
    m = only(scan("「干潟予防計画」（閣議決定：令和５年６月16日）に基づき、"))
    assert (m.date.iso, m.body, m.verb) == ("2023-06-16", "閣議", "決定")
    m = only(scan("「干潟振興方針」（令和元年６月閣議決定・令和５年６月改訂）を踏まえ、"))
    assert (m.date.iso, m.body, [d.iso for d in m.amended]) == ("2019-06", "閣議", ["2023-06"])
    m = only(scan("「干潟施設計画」（令和５年３月28日付で閣議決定）に基づき、"))
    assert (m.date.iso, m.body) == ("2023-03-28", "閣議")
    assert scan("干潟の面積（累計：令和５年６月）")[0:1] == []


def test_draft_and_amending_laws() -> None:
    m = only(scan("干潟観測推進法（令和８年法律第○号）の施行に伴い、"))
    assert (m.name, m.kind, m.law_number, m.date.iso) == ("干潟観測推進法", "law", "令和8年法律第○号", "2026")
    m = only(scan("干潟観測法の一部を改正する法律（令和４年法律第45号）により、"))
    assert (m.name, m.kind, m.law_number) == ("干潟観測法の一部を改正する法律", "law", "令和4年法律第45号")


def test_double_spaced_text_without_the_signal_still_joins_wrapped_citations() -> None:
    """Double-spaced text with no trailing spaces (another converter): blank lines follow every line, so they
    end nothing, and a citation wrapped over three lines is read whole."""
    texts = ["本機構は、「干潟再生基本", "", "計画」（令和３年３月26日閣議", "", "決定）に基づき、再生を進める。", ""]
    blocks = logical_blocks([Line(index=k, no=k + 1, text=t) for k, t in enumerate(texts)])
    assert [[ln.no for ln in b.lines] for b in blocks] == [[1, 3, 5]]
    m = only(CitationScanner().scan(blocks[0]))
    assert (m.name, m.date.iso, m.body, m.line.no) == ("干潟再生基本計画", "2021-03-26", "閣議", 1)


@pytest.mark.parametrize("variant", ["no trailing spaces", "single-spaced", "single-spaced, no trailing spaces"])
def test_every_form_survives_other_spacings(variant: str) -> None:
    """The double-spaced fixture printed by another converter: without the trailing-space signal, without the
    blank lines, or both. Every expected citation is still read, at its line."""
    from citation_score import UNSEEN, date_key, expected

    from keifu.extract.normalize import squash

    raw = (UNSEEN / "citrec_double.txt").read_text(encoding="utf-8").split("\n")
    kept = [(t, k + 1) for k, t in enumerate(raw) if "single" not in variant or t.strip()]
    texts = [t.rstrip(" ") if "no trailing" in variant else t for t, _ in kept]
    origin = [k for _, k in kept]
    scanner = CitationScanner()
    got = {(origin[m.line.no - 1], squash(m.name), date_key(m), squash(m.body or ""))
           for b in logical_blocks([Line(index=k, no=k + 1, text=t) for k, t in enumerate(texts)])
           for m in scanner.scan(b) if m.dated}
    want = {f[1:] for _, f in expected() if f[0] == "citrec_double.txt"}
    assert want - got == set() and got - want == set()


def test_unquoted_names_with_verb_phrases_and_adjectives() -> None:
    m = only(scan("本機構は、干潟環境の保全を推進するための基本的な方針（令和３年４月閣議決定）に即して、"))
    assert m.name == "干潟環境の保全を推進するための基本的な方針"
    m = only(scan("新しい干潟観測のグランドデザイン及び実行計画2024年改訂版（令和６年６月21日閣議決定）に基づき、"))
    assert m.name == "新しい干潟観測のグランドデザイン及び実行計画2024年改訂版" and m.date.iso == "2024-06-21"
    # a sentence before the name still stops the name
    m = only(scan("本機構は重点を置き、干潟を再生する計画（令和５年閣議決定）に基づき、"))
    assert m.name == "干潟を再生する計画"


@pytest.mark.parametrize("width", [20, 34])
def test_every_form_survives_the_pdf_path(tmp_path, width: int) -> None:
    """The double-spaced fixture printed as a PDF by a word processor (narrow and usual columns, so wraps fall
    inside names, dates and bodies elsewhere): every expected citation is read, none added."""
    from citation_score import UNSEEN, date_key, expected
    from pdfgen import make_pdf
    from test_pdf_path import _signal_units

    from keifu.extract.normalize import squash
    from keifu.extract.readers import read_source

    units = _signal_units(UNSEEN / "citrec_double.txt")
    pdf = make_pdf(tmp_path / "c.pdf", [units[i:i + 9] for i in range(0, len(units), 9)], width_chars=width)
    scanner = CitationScanner()
    got = {(squash(m.name), date_key(m), squash(m.body or ""))
           for b in logical_blocks(read_source(pdf).lines) for m in scanner.scan(b) if m.dated}
    assert got == {f[2:] for _, f in expected() if f[0] == "citrec_double.txt"}
