"""Indicators and targets written in the body, on layouts of agencies never seen (issue 13, items 2–3).

Seven fictional agencies, our own wording: a national R&D agency (【数値目標】 with ① items, 〔評価指標〕, target
sentences), a mid-term objectives agency (（指標） blocks with ○ items, double-spaced, a target left to the plan),
an executive agency's 年度目標 (＜指標＞ with ア items, an inline KPI, a bare 重要度 line), a national university
(《評価指標》 with （ア） items, a bare 定量目標 heading, a span of years, double-spaced) and a special corporation
set up by its own law (【指標】 with ●, 成果指標： with ａ．, 達成目標 with ◯, two markers on one line); two more written
after the code was frozen and scored blind first (an R&D agency with 【KPI】 and 〈成果指標〉 (ア), a mid-term agency
with ＜数値目標＞ sentences and 【重要度：高】（理由）…). Each fact is
(section number of the objective, target phrase or indicator name, value, unit, deadline), asserted exactly.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import REPO, corpus_file

from keifu.extract.errors import UnknownDocumentError
from keifu.extract.evaluation.body_indicators import parse_body_indicators, target_facts
from keifu.extract.headings import parse_headings
from keifu.extract.pipeline import extract_file
from keifu.extract.readers import read_source

UNSEEN = REPO / "tests" / "fixtures" / "unseen"

EXPECTED: dict[str, list[tuple[str, str, D | None, str | None, int | str | None]]] = {
    "bodyind_rd_ocean.txt": [
        ("Ⅲ.１", "令和 12 年度までに 45 基", D("45"), "基", 2030),
        ("Ⅲ.１", "５％以下（毎年度）", D("5"), "%", "毎年度"),
        ("Ⅲ.２.（１）", "令和 11 年度までに令和６年度比で 20％削減", D("20"), "%", 2029),
        ("Ⅲ.２.（１）", "予測モデルの改良状況", None, None, None),
        ("Ⅲ.２.（１）", "外部機関への予測情報の提供件数", None, None, None),
        ("Ⅲ.２.（２）", "累計 300 報以上", D("300"), "報", 2032),  # 中長期目標期間中: the period's last year
        ("Ⅲ.２.（２）", "毎年度 40 件以上", D("40"), "件", "毎年度"),
        ("Ⅳ", "毎年度平均で前年度比３％以上", D("3"), "%", "毎年度"),
    ],
    "bodyind_midterm_museum.txt": [
        ("第３.１", "前年度以上", None, None, None),
        ("第３.１", "令和 12 年度までに 90％", D("90"), "%", 2030),
        ("第３.２", "前年度比 ５％以上増加", D("5"), "%", None),
        ("第３.２", "来館者の満足度", None, None, None),
        ("第３.２", "教育普及事業の参加者数", None, None, None),
        ("第３.３", "資料のデジタル化については、中期計画において適切な数値目標を設定する。", None, None, "delegated"),
        ("第４", "令和７年度比で10％以上削減", D("10"), "%", 2030),
    ],
    "bodyind_annual_registry.txt": [
        ("第２.１", "98％以上", D("98"), "%", 2026),  # a 年度目標: every target is due in its year
        ("第２.１", "令和６年比 30％増", D("30"), "%", 2026),
        ("第２.２", "95％以上（各年度）", D("95"), "%", "各年度"),
        ("第３", "前年度以上", None, None, 2026),
    ],
    "bodyind_univ_lake.txt": [
        ("第３.１", "各年度 95％以上", D("95"), "%", "各年度"),
        ("第３.１", "累計 400 人", D("400"), "人", 2030),  # （2026～2030年度） in the name: its end year
        ("第３.１", "令和９年度までに 120 科目", D("120"), "科目", 2027),
        ("第３.２", "対前中期目標期間比で 15％増加", D("15"), "%", None),
    ],
    "bodyind_special_rail.txt": [
        ("第３.１", "令和 13 年度までに累計 60 件", D("60"), "件", 2031),
        ("第３.１", "支援先の事業者数", None, None, None),
        ("第３.２", "毎年度 150 人以上", D("150"), "人", "毎年度"),
        ("第３.２", "80％以上", D("80"), "%", None),
        ("第３.３", "令和 13 年度までに０件", D("0"), "件", 2031),
        ("第４", "前年度比 1.5％以上", D("1.5"), "%", "毎年度"),
    ],
    "bodyind_rd_forest.txt": [
        ("第３.１", "令和 14 年度までに 25 自治体", D("25"), "自治体", 2032),
        ("第３.１", "毎年度 12 件以上", D("12"), "件", "毎年度"),
        ("第３.２", "累計 70 件以上", D("70"), "件", 2033),
        ("第３.２", "受付から 10 営業日以内", D("10"), "営業日", None),
        ("第３.３", "一般向け講演会の参加者数", None, None, None),
        ("第３.３", "前年度実績以上", None, None, None),
        ("第４", "中長期目標期間の最終年度までに 8% 以上削減", D("8"), "%", 2033),  # 令和８年度を基準: the base
    ],
    "bodyind_midterm_training.txt": [
        ("第３.１", "各年度 80％以上", D("80"), "%", "各年度"),
        ("第３.１", "毎年度 90％以上", D("90"), "%", "毎年度"),
        ("第３.２", "令和 10 年度までに年間 3,000 人", D("3000"), "人", 2028),
        ("第３.３", "具体的な目標値については、中期計画において定める。", None, None, "delegated"),
        ("第４", "毎年度１％以上", D("1"), "%", "毎年度"),
    ],
}

#: (section, dimension, level, text on the marker's line, start of the reason)
MARKS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "bodyind_rd_ocean.txt": [("Ⅲ.１", "重要度", "高", "【重要度：高】", "海洋の観測は"),
                             ("Ⅲ.２.（１）", "困難度", "高", "【困難度：高】", "観測例の少ない")],
    "bodyind_midterm_museum.txt": [("第３.１", "重要度", "高", "〔重要度：高〕", "文化資料は")],
    "bodyind_annual_registry.txt": [("第２.１", "重要度", "高", "重要度：高", "登記の遅れは")],
    "bodyind_univ_lake.txt": [("第３.２", "困難度", "高", "【難易度：高】", "研究資金の獲得競争")],
    "bodyind_special_rail.txt": [("第３.１", "重要度", "高", "【重要度:高】", "地方の交通網"),
                                 ("第３.１", "困難度", "高", "【重要度:高】", "地方の交通網"),
                                 ("第３.２", "重要度", "高", "【重要度高】", "熟練技術者")],
    "bodyind_rd_forest.txt": [("第３.２", "重要度", "高", "【重要度：高】", "木材利用の拡大は")],
    "bodyind_midterm_training.txt": [("第３.１", "重要度", "高", "【重要度：高】（理由）", "雇用の安定")],
}


def load(path: Path) -> Any:
    """The document as extracted. A document whose kind is not recognised yet (a 国立大学法人 or a special
    corporation under its own law, issue 13 item 1) is read as one heading tree, so that its body indicators are
    still measured."""
    try:
        return extract_file(path).documents[0]
    except UnknownDocumentError:
        src = read_source(path)
        doc = SimpleNamespace(headings=parse_headings(src.lines), facts=None, segment=None, extras={})
        doc.extras["body_indicators"] = parse_body_indicators(src, doc)
        return doc


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_unseen_body_targets(name: str) -> None:
    assert target_facts(load(UNSEEN / name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(MARKS))
def test_unseen_importance_markers_at_their_line(name: str) -> None:
    doc = load(UNSEEN / name)
    got = [(doc.headings[m.heading].section_number, m.dimension, m.level, m.lines[0].text.strip(), m.reason)
           for m in doc.extras["body_indicators"].marks]
    assert [g[:3] for g in got] == [e[:3] for e in MARKS[name]]
    for g, e in zip(got, MARKS[name], strict=True):
        assert e[3] in g[3] and g[4].startswith(e[4]), (g, e)  # at the marker's line, with its reason


def test_each_target_is_located_at_the_line_of_its_phrase() -> None:
    doc = load(UNSEEN / "bodyind_midterm_museum.txt")
    lines = {t.expression: ln.text for i in doc.extras["body_indicators"].indicators
             for t, ln in zip(i.targets, i.target_line, strict=True)}
    assert "令和 12 年度までに 90％" in lines["令和 12 年度までに 90％"]
    assert lines["令和７年度比で10％以上削減"].startswith("一般管理費については")  # the phrase starts there …
    doc = load(UNSEEN / "bodyind_rd_ocean.txt")
    lines = {t.expression: ln.text for i in doc.extras["body_indicators"].indicators
             for t, ln in zip(i.targets, i.target_line, strict=True)}
    assert "累計 300 報以上" in lines["累計 300 報以上"]  # … not at the first line of its sentence
    assert "毎年度 40 件以上" in lines["毎年度 40 件以上"]


def test_facts_reported_in_the_past_are_not_targets() -> None:
    """「…を 30 基設置した」「…は年間 12 万人であった」「…250 件に達した」 state results, not targets."""
    for name in EXPECTED:
        texts = " ".join(f[1] for f in target_facts(load(UNSEEN / name)))
        assert not any(w in texts for w in ("30 基", "12 万人", "250 件"))


def test_single_and_double_spacing_give_the_same_facts(tmp_path: Path) -> None:
    """The double-spaced fixtures read the same when their blank lines are removed (sections, values, deadlines)."""
    for name in ("bodyind_midterm_museum.txt", "bodyind_univ_lake.txt", "bodyind_midterm_training.txt"):
        single = tmp_path / name
        text = (UNSEEN / name).read_text(encoding="utf-8")
        single.write_text("\n".join(ln for ln in text.split("\n") if ln.strip()) + "\n", encoding="utf-8")
        key = [(f[0], f[2], f[3], f[4]) for f in EXPECTED[name]]
        assert [(f[0], f[2], f[3], f[4]) for f in target_facts(load(single))] == key


@pytest.mark.parametrize(("sentence", "want"), [
    ("共同研究を年間 100 件以上実施する。", ("recurring", D("100"), "件", None, "毎年度")),
    ("研究成果の実用化件数を 50 件程度とする。", ("absolute", D("50"), "件", None, None)),
    ("利用者の満足度を 90％に引き上げる。", ("absolute", D("90"), "%", None, None)),
    ("令和 11 年度までに相談件数を令和６年度比で２割増加させる。", ("relative", D("0.2"), "割", 2029, None)),
    ("外部評価において毎年度Ｂ評価以上を得ること。", ("rating", None, None, None, "毎年度")),
    ("論文数は前中期目標期間の実績を上回ることとする。", ("rule", None, None, None, None)),
    ("受講者数は前年度以上とする。", ("rule", None, None, None, None)),
    ("中期目標期間中に累計 500 件の技術指導を行う。", ("cumulative", D("500"), "件", 2030, None)),
    ("具体的な数値目標は、年度計画において設定する。", ("delegated", None, None, None, None)),
])
def test_target_sentence_forms(sentence: str, want: tuple[Any, ...]) -> None:
    from keifu.extract.evaluation.body_indicators import recurrence, sentence_targets

    (t,) = sentence_targets(sentence, period_fy=2030)
    assert (t.kind, t.value, t.unit_norm, t.year_to or t.fiscal_year, recurrence(t)) == want
    assert sentence[t.start:t.end] == t.expression or t.kind in ("delegated", "rating")


@pytest.mark.parametrize("sentence", [
    "1,000 万円以上の契約については、その結果を公表すること。",  # a threshold, not a target
    "平成 30 年度には 300 件以上の相談があった。",  # a fact
    "前期には共同研究の件数が 250 件に達しており、成果が上がっている。",
    "業務の質を維持すること。",
    "独立行政法人通則法第 32 条第１項の規定により評価を行うこと。",
])
def test_sentences_that_set_no_target(sentence: str) -> None:
    from keifu.extract.evaluation.body_indicators import sentence_targets

    assert sentence_targets(sentence, period_fy=2030) == []


@pytest.mark.parametrize(("item", "name", "values", "note"), [
    ("相談件数（前中期目標期間実績：年平均 1,200 件）", "相談件数", [], "前中期目標期間実績：年平均 1,200 件"),
    ("相談件数（前中期目標期間実績：年平均1,200件）：年間 1,300 件以上", "相談件数", [D("1300")], "前中期目標期間実績"),
    ("利用件数（参考：令和５年度実績 120 件）", "利用件数", [], "参考：令和５年度実績 120 件"),
    ("研修の満足度（80％以上）", "研修の満足度", [D("80")], None),
])
def test_a_baseline_in_parentheses_is_no_target(item: str, name: str, values: list[D], note: str | None) -> None:
    """（前中期目標期間実績：…）（参考：令和５年度実績…） print past results next to an indicator: never its target."""
    from keifu.extract.evaluation.body_indicators import mask_baselines, split_targets

    got_name, targets = split_targets(item)
    assert (got_name, [t.value for t in targets]) == (name, values)
    notes = mask_baselines(item)[1]
    assert (notes[0].startswith(note) if note else notes == [])


def test_labelled_block_of_an_agency_with_baselines() -> None:
    """【評価における指標】 with baselines in parentheses: indicators with no target, the baseline as a note."""
    from keifu.extract.model import Line

    text = ["１．相談事業 ", "相談体制を充実する。 ", "【評価における指標】 ", "・ 相談件数（前中期目標期間実績：年平均 1,200 件） ",
            "・ 相談者の満足度：各年度 85％以上 "]
    lines = [Line(no=i + 1, text=t, page=None, index=i) for i, t in enumerate(text)]
    doc = SimpleNamespace(headings=parse_headings(lines), facts=None, segment=None, extras={})
    res = parse_body_indicators(None, doc)  # type: ignore[arg-type]
    assert [(i.kind, i.name, [t.value for t in i.targets], i.notes) for i in res.indicators] == [
        ("indicator", "相談件数", [], ["前中期目標期間実績：年平均 1,200 件"]),
        ("indicator", "相談者の満足度", [D("85")], [])]


@pytest.mark.parametrize(("text", "want"), [
    (["１．相談事業【重要度：高】 ", "相談体制を充実する。 ", "＜重要度「高」の理由＞ ", "相談は利用者の安全に直結するため。 "],
     [("重要度", "高", 1, "相談は利用者の安全に直結するため。")]),
    (["（２）技術の継承【重要度：高】【難易度：高】 ", "技術を継承する。 ", "熟練者の退職が続き急務であることから、重要度及び難易度が高い。 "],
     [("重要度", "高", 1, "熟練者の退職が続き"), ("困難度", "高", 1, "熟練者の退職が続き")]),
    (["１．窓口業務 ", "窓口を改善する。 ", "重要度：高（理由）窓口は利用者との唯一の接点であるため。 "],
     [("重要度", "高", 3, "窓口は利用者との唯一の接点であるため。")]),
])
def test_markers_in_headings_and_their_reasons(text: list[str], want: list[tuple[str, str, int, str]]) -> None:
    """A marker printed in the heading line is reported at that line; its reason is a （理由） block or the sentence
    that names the dimension and a cause (…ため, …から)."""
    from keifu.extract.model import Line

    lines = [Line(no=i + 1, text=t, page=None, index=i) for i, t in enumerate(text)]
    doc = SimpleNamespace(headings=parse_headings(lines), facts=None, segment=None, extras={})
    marks = parse_body_indicators(None, doc).marks  # type: ignore[arg-type]
    assert [(m.dimension, m.level, m.lines[0].no) for m in marks] == [w[:3] for w in want]
    assert all(m.reason.startswith(w[3]) for m, w in zip(marks, want, strict=True))


@pytest.mark.parametrize(("text", "want"), [
    (["１．研究開発 ", "研究を進める。 ", "【指標】 ", "研究成果の論文数：年間 100 報以上 ", "特許出願件数 ", "研究は着実に進めること。 "],
     [("indicator", "研究成果の論文数", [D("100")]), ("indicator", "特許出願件数", [])]),
    (["１．研究開発 ", "研究を進める。 ", "【数値目標】 ", "論文数を年間 100 報以上とする。 ", "２．普及 ", "普及する。 "],
     [("quantitative-target", "論文数を年間 100 報以上とする。", [D("100")])]),
])
def test_items_without_bullets_and_sentences_under_a_label(text: list[str], want: list[tuple[Any, ...]]) -> None:
    from keifu.extract.model import Line

    lines = [Line(no=i + 1, text=t, page=None, index=i) for i, t in enumerate(text)]
    doc = SimpleNamespace(headings=parse_headings(lines), facts=None, segment=None, extras={})
    res = parse_body_indicators(None, doc)  # type: ignore[arg-type]
    assert [(i.kind, i.name, [t.value for t in i.targets]) for i in res.indicators] == want


# --- corpus -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gpif():
    doc = next(d for d in extract_file(corpus_file("002")).documents
               if any(m.dimension == "重要度" for m in d.extras["body_indicators"].marks))
    return doc


def test_corpus_gpif_numeric_targets_linked_to_their_objectives(gpif) -> None:  # noqa: ANN001
    """GPIF states its targets in prose: the real return 1.9 %, the composite benchmark return over the period
    and in each year, and the 1.33 % yearly efficiency of two kinds of expense (issue 13)."""
    got = [(gpif.headings[i.heading].title, t.value, t.unit_norm, t.kind, ln.no)
           for i in gpif.extras["body_indicators"].indicators for t, ln in zip(i.targets, i.target_line, strict=True)]
    assert [(g[1], g[2], g[3]) for g in got] == [
        (D("1.9"), "%", "absolute"), (None, None, "benchmark"), (None, None, "benchmark"),
        (D("1.33"), "%", "relative"), (D("1.33"), "%", "relative")]
    titles = [g[0] for g in got]
    assert titles[0] == "長期的な観点からの資産構成割合に基づく運用"
    assert titles[1] == titles[2] == "ベンチマーク収益率（市場平均収益率）の確保"
    assert titles[3] == titles[4] == "業務運営の効率化に伴う経費節減"
    src = extract_file(corpus_file("002")).source.lines
    for _, value, _, _, no in got:  # each at the line that prints it
        assert value is None or format(value, "f") in src[no - 1].text.replace(" ", "")


def test_corpus_gpif_targets_in_the_graph() -> None:
    from keifu.graph.emit import emit_file
    from keifu.graph.vocab import KF

    g = emit_file(extract_file(corpus_file("002")))
    rows = g.query("""SELECT ?v ?line WHERE { ?o a kf:Objective ; kf:hasIndicator ?i . ?i kf:hasTarget ?t .
                      ?t kf:targetValue ?v ; kf:line ?line ; kf:unit "%" . FILTER(?line > 6000 && ?line < 6900) }""",
                   initNs={"kf": KF})
    assert sorted((float(r.v), int(r.line)) for r in rows) == [(1.33, 6760), (1.33, 6762), (1.9, 6281)]


#: Body indicators, targets and markers per objectives document on main before issue 13 (commit c934958):
#: the labelled lists of AMED and the markers of GPIF. New readings may add facts, never lose one.
MAIN_COUNTS = {"日本医療研究開発機構": (11, 9, 0), "年金積立金管理運用": (0, 0, 6), "量子科学技術研究開発機構": (0, 0, 0),
               "理化学研究所": (0, 0, 0), "宇宙航空研究開発機構": (0, 0, 0), "産業技術総合研究所": (0, 0, 0)}


def test_corpus_counts_do_not_regress() -> None:
    seen = set()
    for prefix in ("000", "002"):
        for d in extract_file(corpus_file(prefix)).documents:
            key = next((k for k in MAIN_COUNTS if k in (d.facts.agency or "")), None)
            res = d.extras.get("body_indicators")
            if key is None or res is None:
                continue
            seen.add(key)
            labelled = [i for i in res.indicators if i.label_line is not None]
            counts = (len(labelled), sum(len(i.targets) for i in labelled), len(res.marks))
            assert all(n >= m for n, m in zip(counts, MAIN_COUNTS[key], strict=True)), (key, counts)
    assert seen == set(MAIN_COUNTS)


# --- draft validation follows (issue 13, item 4) -------------------------------------------------


def _validate(text: str):  # noqa: ANN202
    from keifu.graph.draft import validate_bytes

    return validate_bytes(text.encode("utf-8"), "draft.txt")


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.split("\n"), 1) if needle in ln)


MUSEUM = (UNSEEN / "bodyind_midterm_museum.txt").read_text(encoding="utf-8")


def test_draft_indicator_blocks_and_targets_count_and_a_target_without_deadline_is_reported_at_its_line() -> None:
    """（指標） blocks of a mid-term objectives agency are its indicators, and a target left to the plan counts for
    its item: no item is reported; the one target with no year is reported at the line of its phrase."""
    report = _validate(MUSEUM)
    got = [(r.rule, r.line) for r in report.results if r.severity != "Info"]
    assert ("kfsh:TargetDeadlineShape", _line(MUSEUM, "前年度比 ５％以上増加")) in got
    assert not [r for r in report.results if r.rule in ("kfsh:EvaluationCoverageShape", "kfsh:EvaluationFrameworkShape")]


def test_draft_items_without_indicators_are_each_reported_at_their_line() -> None:
    text = MUSEUM
    for drop in ("（指標） \n\n○ 来館者の満足度 \n\n○ 教育普及事業の参加者数 \n\n",
                 "常設展示の来館者数を前年度比 ５％以上増加させることを目標とする。 \n\n",
                 "資料のデジタル化については、中期計画において適切な数値目標を設定する。 \n\n"):
        assert drop in text
        text = text.replace(drop, "")
    report = _validate(text)
    got = sorted(r.line for r in report.results if r.rule == "kfsh:EvaluationCoverageShape")
    assert got == [_line(text, "２．展示と教育普及"), _line(text, "３．デジタル公開")]


def test_draft_marker_without_reason_is_reported_at_the_marker() -> None:
    text = MUSEUM.replace("文化資料は一度失われると回復できないため。 \n\n", "")
    report = _validate(text)
    assert [r.line for r in report.results if r.rule == "kfsh:ImportanceReasonShape"] == [_line(text, "〔重要度：高〕")]


def test_targets_and_markers_in_the_graph() -> None:
    """Targets carry value (xsd:decimal), normalised unit, deadline or recurrence, base year, kind and the line of
    their phrase; a target left to the plan is tk:delegated with its sentence; markers are nodes at their line."""
    from keifu.graph.emit import emit_file
    from keifu.graph.vocab import KF

    g = emit_file(extract_file(UNSEEN / "bodyind_midterm_museum.txt"))
    rows = {str(r.e): (r.v, str(r.u) if r.u else None, r.fy and int(r.fy), r.by and int(r.by), str(r.k).rsplit("/", 1)[-1],
                       int(r.line))
            for r in g.query("""SELECT ?e ?v ?u ?fy ?by ?k ?line WHERE { ?o a kf:Objective ; kf:hasIndicator/kf:hasTarget ?t .
                ?t kf:expression ?e ; kf:targetKind ?k ; kf:line ?line . OPTIONAL { ?t kf:targetValue ?v }
                OPTIONAL { ?t kf:unit ?u } OPTIONAL { ?t kf:targetFiscalYear ?fy } OPTIONAL { ?t kf:baseYear ?by } }""",
                             initNs={"kf": KF})}
    text = (UNSEEN / "bodyind_midterm_museum.txt").read_text(encoding="utf-8")
    assert rows["令和７年度比で10％以上削減"][1:] == ("%", 2030, 2025, "relative", _line(text, "令和７年度比で"))
    assert rows["令和７年度比で10％以上削減"][0].datatype.endswith("#decimal")
    delegated = rows["資料のデジタル化については、中期計画において適切な数値目標を設定する。"]
    assert delegated == (None, None, None, None, "delegated", _line(text, "中期計画において"))
    marks = [(int(r.line), str(r.lv)) for r in g.query(
        "SELECT ?line ?lv WHERE { ?m a kf:ImportanceMark ; kf:line ?line ; kf:importance ?lv ; kf:markedObjective ?o }",
        initNs={"kf": KF})]
    assert marks == [(_line(text, "〔重要度：高〕"), "高")]
