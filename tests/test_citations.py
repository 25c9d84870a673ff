"""Citation scanner: invented sentences in the corpus formats, then real citations from the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from keifu.extract.citations import CitationScanner, Mention
from keifu.extract.model import Block, Line
from keifu.extract.normalize import join_wrapped

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def numbered_block(lines: list[tuple[int, str]]) -> Block:
    """Join (line number, physical line) pairs as the parsers do (strip, join_wrapped), recording offsets."""
    text = ""
    offsets: list[int] = []
    for _, raw in lines:
        piece = raw.strip()
        new = join_wrapped(text, piece) if text else piece
        offsets.append(len(new) - len(piece))
        text = new
    objs = tuple(Line(index=no - 1, no=no, text=raw) for no, raw in lines)
    return Block(text=text, lines=objs, offsets=tuple(offsets))


def block(*lines: str) -> Block:
    return numbered_block(list(enumerate(lines, 1)))


def scan(*lines: str, scanner: CitationScanner | None = None) -> list[Mention]:
    return (scanner or CitationScanner()).scan(block(*lines))


def only(ms: list[Mention]) -> Mention:
    assert len(ms) == 1, [m.name for m in ms]
    return ms[0]


# --- forms ----------------------------------------------------------------------------------------

def test_quoted_name_date_body_verb_across_wraps() -> None:
    m = only(scan("星の研究を支える「第", "５期宇宙未来基本計画」（令和４年２月 10日閣議決", "定）において、"))
    assert m.name == "第５期宇宙未来基本計画"
    assert m.edition == 5 and m.plan_kind == "basic-plan" and m.kind == "plan"
    assert m.date is not None and m.date.iso == "2022-02-10"
    assert (m.body, m.body_kind, m.verb) == ("閣議", "cabinet", "決定")
    assert m.dated and m.line.no == 1
    assert m.quote.startswith("「第") and m.quote.endswith("定）")


def test_body_wrapped_inside_word() -> None:
    m = only(scan("また、「深海探査戦略」（令和元年５月 8日深海イノベーシ", "ョン推進会議決定）においては"))
    assert m.body == "深海イノベーション推進会議" and m.body_kind == "council"
    assert m.date is not None and m.date.iso == "2019-05-08"
    assert m.line.no == 1


def test_unquoted_name_and_bodies() -> None:
    m = only(scan("月面開発基本計画（令和５年６月 13日閣議決定）において、目標が示された。"))
    assert m.name == "月面開発基本計画" and m.date is not None and m.date.iso == "2023-06-13"
    m = only(scan("また、運用者プリンシプル（令和６年８月 28 日内閣官房策定）を踏まえ、"))
    assert m.name == "運用者プリンシプル" and m.verb == "策定" and m.body_kind == "ministry"


def test_law_with_number_and_article_reference() -> None:
    ms = scan("海洋研究法人通則法（平成 12年法律第 104号）第 20条の３及び特定海洋法人による研究等の促進に",
              "関する特別措置法（令和２年法律第 43", "号）（以下「海洋特措法」という。）第５条の規定に基づき")
    assert [m.name for m in ms] == ["海洋研究法人通則法", "特定海洋法人による研究等の促進に関する特別措置法"]
    assert [m.kind for m in ms] == ["law", "law"]
    assert ms[0].law_number == "平成12年法律第104号" and ms[0].date is not None and ms[0].date.iso == "2000"
    assert ms[1].law_number == "令和2年法律第43号" and ms[1].alias == "海洋特措法"
    assert ms[1].line.no == 1 and ms[1].quote.endswith("という。）")


def test_law_number_inside_quotes_and_full_date() -> None:
    m = only(scan("臨床研究や「星空の観測、保全等に関する法律（昭和 40 年法律第 150 号）」に基づく申請"))
    assert m.name == "星空の観測、保全等に関する法律" and m.law_number == "昭和40年法律第150号"
    m = only(scan("「研究所等の保有する情報の公開に関する法律」（平成 13年 12月 5日法律第 140号）に基づき"))
    assert m.kind == "law" and m.date is not None and m.date.iso == "2001-12-05"
    assert m.law_number == "平成13年法律第140号"


def test_kokuji_with_list_of_ministries() -> None:
    m = only(scan("運用されるようにするための基本的な指針（平成 26 年総務省、財務省、文部科学省告示",
                  "第１号）を踏まえ、"))
    assert m.name == "基本的な指針" and m.kind == "plan" and m.plan_kind == "guideline"
    assert m.law_number == "平成26年総務省、財務省、文部科学省告示第1号"
    assert m.body == "総務省、財務省、文部科学省" and m.body_kind == "ministry"


def test_alias_amendment_and_space_before_parenthesis() -> None:
    sc = CitationScanner()
    m = only(scan("具体的には、 「政府機関の情報対策のための統一規範群」 （令和５年７月４日情報戦略本",
                  "部決定、令和６年７月 24日一部改定。以下「統一規範群」という。）に沿った", scanner=sc))
    assert m.name == "政府機関の情報対策のための統一規範群"
    assert m.alias == "統一規範群" and m.body == "情報戦略本部" and m.body_kind == "headquarters"
    assert [d.iso for d in m.amended] == ["2024-07-24"]
    later = only(scan("統一規範群で定める基準を満たす。", scanner=sc))
    assert later.key == m.key and not later.dated and later.quote == "統一規範群"


def test_alias_defined_with_verb_split_over_lines() -> None:
    sc = CitationScanner()
    m = only(scan("「星間ワクチン開発強化戦略」（令和３年６月１日閣議決", "定。以下「星間戦略」という。）に基づく",
                  scanner=sc))
    assert m.alias == "星間戦略" and m.verb == "決定"
    m2 = only(scan("引き続き星間戦略に基づき取り組む。", scanner=sc))
    assert m2.key == m.key and m2.name == m.name


def test_date_before_the_name() -> None:
    m = only(scan("平成 26 年５月の独立行政法人星空研究機構法（平成 26 年法律第 49 号）の成立を経て"))
    assert m.name == "独立行政法人星空研究機構法" and m.date is not None and m.date.iso == "2014-05"
    m = only(scan("〇2020年6月に産学官共創ガイドラインにおいて取りまとめた課題について"))
    assert m.name == "産学官共創ガイドライン" and m.verb == "取りまとめ" and m.date.iso == "2020-06"
    m = only(scan("令和７年○月に決定された第３期探査推進計画に以下の目標が盛り込まれた。"))
    assert m.name == "第３期探査推進計画" and m.edition == 3
    assert m.date is not None and m.date.unknown and m.date.year == 2025 and m.date.iso is None


def test_slide_style() -> None:
    m = only(scan("量子基本計画（R7.12閣議決定）"))
    assert m.name == "量子基本計画" and m.date is not None and m.date.iso == "2025-12"
    m = only(scan("技術職員の処遇に関するガイドライン", "(令和8年●月科学技術・学術審議会人材委員会)"))
    assert m.date is not None and m.date.unknown and m.body == "科学技術・学術審議会人材委員会"


def test_nested_quotes_and_names_past_quotes() -> None:
    m = only(scan("また、「「研究所の業務の適正を確保するための体制の整備」について」（平成 26 年 11 月 28 日総務",
                  "省行政管理局長通知）に基づき"))
    assert m.name == "「研究所の業務の適正を確保するための体制の整備」について"
    assert m.verb == "通知" and m.body == "総務省行政管理局長"
    m = only(scan("その際、「責任ある星空観測者」の諸原則≪日本版星空コード", "≫（平成 26 年２月 26 日星空コードに関する有識者検討会",
                  "取りまとめ）を踏まえ"))
    assert m.name == "「責任ある星空観測者」の諸原則≪日本版星空コード≫"
    assert m.body_kind == "expert-panel" and m.verb == "取りまとめ"


def test_parentheses_inside_a_name_and_international_body() -> None:
    m = only(scan("また、「持続可能な宇宙目標（SSGs）」（平成 27", "年９月 27日国連宇宙サミット採択）をはじめとして"))
    assert m.name == "持続可能な宇宙目標（SSGs）" and m.verb == "採択" and m.body_kind == "international"


def test_two_citations_on_one_line() -> None:
    ms = scan("「第６期星空基本計画」（令和３年３月 26日閣議", "決定）に対応する「分野別観測プラン」（令和４年８月文部科学省学術審議会観測分科会。以下「観測プラン」という。）において")
    assert [m.name for m in ms] == ["第６期星空基本計画", "分野別観測プラン"]
    assert ms[1].date is not None and ms[1].date.iso == "2022-08" and ms[1].verb is None
    assert ms[1].alias == "観測プラン" and ms[1].line.no == 2


def test_undated_mentions_and_back_references() -> None:
    sc = CitationScanner()
    first = only(scan("「宙未来戦略」（令和２年１月 21日統合宙戦略推進会議決定）においては", scanner=sc))
    ms = scan("同戦略策定以降の変化を踏まえた「宙ビジョン」に基づき、宙未来戦略等を推進する。", scanner=sc)
    assert [m.name for m in ms] == ["宙未来戦略", "宙ビジョン", "宙未来戦略"]
    assert ms[0].quote == "同戦略" and ms[0].key == first.key and not ms[0].dated
    assert ms[1].dated is False and ms[1].plan_kind == "vision"
    assert ms[2].key == first.key


def test_unquoted_editions_and_etc() -> None:
    sc = CitationScanner()
    ms = scan("第６期星空・イノベーション基本計画等を踏まえ、研究を進める。", scanner=sc)
    assert only(ms).name == "第６期星空・イノベーション基本計画" and ms[0].edition == 6
    m = only(scan("また、本機構は、星空・イノベーション基本計画等で掲げられた課題に対応し", scanner=CitationScanner()))
    assert m.name == "星空・イノベーション基本計画" and m.edition is None
    assert m.key != ms[0].key
    # the edition-less base of a cited plan is then known alone
    m = only(scan("✓ 星空・イノベーション基本計画／宙ビジョン", scanner=sc))
    assert m.edition is None and m.key == "星空・イノベーション基本計画"


# --- false positives ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "lines",
    [
        ("中核を担う「星空機能創製拠点」", "（令和４年５月 26日発足）として本法人が指定され"),
        ("「星空観測支援セ", " ンター」に指定（平成 31年４月１日）されていることから"),
        ("○星空積立金（令和６年３月末で約246兆円）の管理を行う。",),
        ("研究に注力するため、７年間（令和７年４月１日～令和 14年３月 31日）とする。",),
        ("平成 29 年 10 月に施行された星空改革を踏まえ",),
        ("令和8年4月17日",),
        ("令和8年度予算額（案）",),
        ("本法人は、星空規制委員会の技術支援機関（TSO）として",),
        ("研究者の多様性にも留意して人事計画を策定し、",),
    ],
)
def test_rejected(lines: tuple[str, ...]) -> None:
    assert scan(*lines) == []


def test_designation_rejected_but_next_citation_kept() -> None:
    ms = scan("星空委員会により「基幹星空観測支援セ", " ンター」に指定（平成 31年４月１日）されていることから、「星空災害対策",
              "指針」（平成 24年 10 月 31日星空規制委員会決定）に基づき")
    m = only(ms)
    assert m.name == "星空災害対策指針" and m.date is not None and m.date.iso == "2012-10-31"
    assert m.line.no == 2


def test_offsets_point_into_block_text() -> None:
    b = block("前文。「宙未来戦略」（令和２年１月 21日閣議決定）を踏まえ、")
    m = only(CitationScanner().scan(b))
    assert b.text[m.start:m.end] == m.quote == "「宙未来戦略」（令和２年１月 21日閣議決定）"


# --- corpus -----------------------------------------------------------------------------------

def _corpus_blocks(prefix: str) -> list[Block]:
    """Simple joiner: a block ends at a trailing space or 。; blank-line runs and '- ' bullets also end one."""
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    raw = path.read_text(encoding="utf-8").split("\n")
    out: list[Block] = []
    cur: list[tuple[int, str]] = []
    blanks = 0

    def flush() -> None:
        if cur:
            out.append(numbered_block(list(cur)))
            cur.clear()

    for no, text in enumerate(raw, 1):
        if not text.strip():
            blanks += 1
            if blanks >= 2:
                flush()
            continue
        blanks = 0
        if text.lstrip().startswith("- "):
            flush()
        cur.append((no, text))
        if text.endswith(" ") or text.rstrip().endswith("。"):
            flush()
    flush()
    return out


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[Mention]]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} / コーパスがありません")
    res: dict[str, list[Mention]] = {}
    for prefix in ("000", "002", "003", "004"):
        sc = CitationScanner()
        res[prefix] = [m for b in _corpus_blocks(prefix) for m in sc.scan(b)]
    return res


def _at(ms: list[Mention], line: int) -> list[Mention]:
    return [m for m in ms if m.line.no == line]


def test_corpus_000_dated_citations(corpus: dict[str, list[Mention]]) -> None:
    m = only(_at(corpus["000"], 13))
    assert m.name == "第６期科学技術・イノベーション基本計画" and m.date.iso == "2021-03-26"
    assert (m.body, m.verb, m.edition) == ("閣議", "決定", 6)
    m = only(_at(corpus["000"], 23))
    assert m.name == "量子技術イノベーション戦略" and m.date.iso == "2020-01-21"
    assert m.body == "統合イノベーション戦略推進会議"
    m = only(_at(corpus["000"], 74))
    assert m.name == "原子力災害対策指針" and m.date.iso == "2012-10-31" and m.body == "原子力規制委員会"
    assert not _at(corpus["000"], 73)  # 指定（平成31年4月1日）
    m = only(_at(corpus["000"], 90))
    assert m.name == "持続可能な開発目標（SDGs）" and m.date.iso == "2015-09-27" and m.verb == "採択"
    assert not _at(corpus["000"], 43) and not _at(corpus["000"], 45)  # 発足


def test_corpus_002(corpus: dict[str, list[Mention]]) -> None:
    m = only(_at(corpus["002"], 241))
    assert m.alias == "ワクチン戦略" and m.date.iso == "2021-06-01"
    m = only(_at(corpus["002"], 3548))
    assert m.name == "宇宙基本計画" and m.date.iso == "2023-06-13" and m.quote.startswith("宇宙基本計画（")
    m = only(_at(corpus["002"], 255))
    assert m.date is not None and m.date.unknown and m.date.year == 2025 and m.edition == 3
    for line in (6920, 7130):
        assert not _at(corpus["002"], line)


def test_corpus_004_slide(corpus: dict[str, list[Mention]]) -> None:
    m = only(_at(corpus["004"], 590))
    assert m.name == "AI基本計画" and m.date.iso == "2025-12" and m.body_kind == "cabinet"
    ed7 = [m for m in corpus["004"] if m.edition == 7]
    assert ed7 and all(m.key != plan_key_6(corpus) for m in ed7)


def plan_key_6(corpus: dict[str, list[Mention]]) -> str:
    return only(_at(corpus["000"], 13)).key


def test_corpus_keys_merge_across_documents(corpus: dict[str, list[Mention]]) -> None:
    keys_000 = {m.key for m in corpus["000"] if "健康・医療戦略" == m.name}
    keys_002 = {m.key for m in corpus["002"] if "健康・医療戦略" == m.name}
    assert keys_000 and keys_000 == keys_002
    k6 = {m.key for m in corpus["000"] + corpus["002"] if m.edition == 6 and "イノベーション基本計画" in m.name}
    k7 = {m.key for m in corpus["004"] if m.edition == 7 and "イノベーション基本計画" in m.name}
    assert len(k6) == 1 and len(k7) == 1 and k6 != k7


def test_edition_shorthand_names_the_full_plan_of_that_edition() -> None:
    """第3期基本計画 after 第3期「海洋開発基本計画」 in the same document is that plan; another edition is not."""
    sc = CitationScanner()
    first = scan("第3期「海洋開発基本計画」の概要", scanner=sc)
    assert [m.name for m in first] == ["第3期海洋開発基本計画"]
    later = scan("第3期基本計画の柱と第2期基本計画の成果", scanner=sc)
    assert [(m.name, m.alias, m.edition) for m in later] == [
        ("第3期海洋開発基本計画", "第3期基本計画", 3), ("第2期基本計画", None, 2)]
    assert later[0].key == first[0].key and later[0].line.text.startswith("第3期基本計画")


def test_decision_still_to_come_keeps_body_and_verb() -> None:
    """（令和８年〇月閣議決定予定）: the body and verb read as for a decision taken; the date stays unknown."""
    m = only(scan("「海洋開発基本計画」（令和８年〇月閣議決定予定）に基づき"))
    assert (m.name, m.body, m.verb, m.date.unknown, m.date.iso) == ("海洋開発基本計画", "閣議", "決定", True, None)
