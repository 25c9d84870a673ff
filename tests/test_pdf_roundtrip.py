"""PDF round trip: a document laid out as a PDF at other page layouts gives the facts of its text.

Users bring PDFs; the corpus is text extracted from PDFs. Each text's units (a unit ends at a line with a
trailing space, FORMAT-NOTES §2) are flowed by a word-processor-like layout (tests/pdfgen.py) onto pages of
another size, type size and margins, so lines wrap and pages break at other places, with a running header and
page numbers as page furniture; the PDF is read back through the normal path (``extract_file``) and its facts
(test_metamorphic.facts: documents, objectives, citations, indicators, targets, axis items), keyed without line
numbers, are compared with the text's. Only texts that carry the unit-end signal are laid out: without it a
text's paragraphs cannot be told from its wrapped lines, so there is no document to lay out again.

    python tests/test_pdf_roundtrip.py     # the table of the share of facts kept / added, per layout and kind
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CORPUS, REPO  # noqa: E402
from pdfgen import Layout, make_flow_pdf  # noqa: E402
from test_metamorphic import KINDS, Kept, facts  # noqa: E402
from test_metamorphic import corpus_files as metamorphic_corpus_files  # noqa: E402
from test_metamorphic import fixture_files as metamorphic_fixture_files  # noqa: E402

from keifu.extract.blocks import is_page_number, logical_blocks, marker_rules, match_marker  # noqa: E402
from keifu.extract.evaluation import axis_vocab as V  # noqa: E402
from keifu.extract.evaluation.axis_table import rows_from_lines, table_ranges  # noqa: E402
from keifu.extract.model import UNIT_END, Line  # noqa: E402
from keifu.extract.normalize import join_wrapped, squash  # noqa: E402
from keifu.extract.pipeline import ExtractedFile, extract_file  # noqa: E402
from keifu.extract.readers import read_source  # noqa: E402
from keifu.extract.segment import segment  # noqa: E402
from keifu.extract.vocab import patterns  # noqa: E402

#: the corpus texts with the unit-end signal (the others have none: FORMAT-NOTES §2)
FILES = ("000", "001", "002")
UNSEEN = REPO / "tests" / "fixtures" / "unseen"
FIXTURES = ("coastal_objectives", "coastal_plan", "regional_compendium", "special_corporation_objectives",
            "bodyind_rd_ocean", "local_agency_objectives")
#: share of the text's facts a PDF layout keeps, all kinds together (the metamorphic tests' bar)
KEPT = 0.98
#: and of every kind with at least KIND_MIN facts (fewer make no share worth a bound; the table shows them)
KEPT_KIND = 0.95
KIND_MIN = 50
#: facts the PDF has that the text does not, as a share of the text's facts
ADDED = 0.02

LAYOUTS = (
    # A4, the usual 10.5 pt, a running header and bare page numbers
    Layout("A4 10.5pt", header="〈公表資料〉", folio="{n}"),
    # A5 page, smaller type, narrow margins: other wraps, many more page breaks
    Layout("A5 9pt", page=(420.0, 595.0), font_size=9.0, left=40.0, right=46.0, top=50.0, bottom=50.0,
           header="令和８年度 資料２", folio="- {n} -", after=0.5),
    # B5 page, larger type: few characters a line
    Layout("B5 12pt", page=(516.0, 729.0), font_size=12.0, left=64.0, right=70.0, top=60.0, bottom=64.0,
           folio="{n} / 99"),
)


def units(path: Path) -> list[tuple[str, bool]]:
    """The text's units, in reading order, each with whether the text indents it: what a word processor had as
    paragraphs before the text was printed.

    The lines are first put back in reading order (:func:`reading_order`). Running text (a cover, a body) then
    gives the text path's logical blocks: a unit ends at a trailing space, a marker line starts one, a footnote
    printed mid-sentence is its own, lone page numbers go. Annexes are read line by line by the text path
    (diagrams, tables): there a unit is the lines up to a trailing space or up to a line that opens an item,
    where no line soon after has the signal (a diagram's boxes) each line is a unit, and the lines tables are
    found by (annex and table titles, column headers) stand alone."""
    src = read_source(path)
    lines = src.lines
    out: list[tuple[int, str]] = []
    done = 0

    def running(part: list[Line]) -> None:
        out.extend((blk.lines[0].index, blk.text) for blk in logical_blocks(reading_order(part)))

    for seg in segment(src):
        running(lines[done:seg.body_end])
        out.extend(_annex_units(reading_order(lines[seg.body_end:seg.end])))
        done = seg.end
    running(lines[done:])
    first = {ln.index: ln for ln in lines}
    return [(text, _indented(first[k])) for k, text in sorted(out)]


def _indented(line: Line) -> bool:
    """A unit whose first line the text indents (a body paragraph), unless the indent is a page start's space."""
    return line.text[:1] in (" ", "\u3000") and not line.page_start


#: in an annex, a line without the signal continues a unit only when one of this many lines after it has it
ANNEX_RUN = 12
#: an item still open when a marker line comes is cut by a page break when a page starts within this many lines
CUT_WITHIN = 40


def _opens(text: str) -> bool:
    """A line that opens an item: a numbered marker, a bullet (○, ・) or a bracketed label."""
    s = text.lstrip(" \t\u3000")
    return match_marker(text) is not None or any(r.pattern.match(s) for role in ("bullet", "label")
                                                 for r in marker_rules(role))


def reading_order(lines: list[Line]) -> list[Line]:
    """The non-blank lines with table rows that cross a page put together again.

    The converter printed such a row as the page-N part of every column, then the page-N+1 part of every column
    (FORMAT-NOTES §5.4): an item of a list with the signal, still open (no trailing space) when a marker line
    comes, with a page start soon after, is parked, and after the page start text that opens nothing goes on with the earliest parked item."""
    text = [ln for ln in lines if not ln.blank and not is_page_number(ln.text)]
    starts = [k for k, ln in enumerate(text) if ln.page_start]
    units: list[list[Line]] = []
    cur: list[Line] = []
    parked: list[list[Line]] = []
    broken = False  # a page started since the items were parked
    where = {id(ln): k for k, ln in enumerate(text)}

    def cut(unit: list[Line]) -> bool:
        """An item (it opened with a marker) of a list whose units end in the signal (the unit before did)."""
        k = where[id(unit[0])]
        return _opens(unit[0].text) and k > 0 and text[k - 1].text.endswith(UNIT_END)

    for i, ln in enumerate(text):
        opens = _opens(ln.text)
        broken = bool(parked) and (broken or ln.page_start)
        if opens:
            if cur and cut(cur) and any(i <= k < i + CUT_WITHIN for k in starts):
                parked.append(cur)
            elif cur:
                units.append(cur)
            cur = []
        elif ln.page_start and parked:
            if cur:
                parked.append(cur)  # the page's last open item is cut too
            cur = parked.pop(0)
        elif not cur and parked and broken:
            cur = parked.pop(0)
        cur.append(ln)
        if ln.text.endswith(UNIT_END):
            units.append(cur)
            cur = []
    units += ([cur] if cur else []) + parked
    return [ln for unit in sorted(units, key=lambda u: u[0].index) for ln in unit]


def _landmark(text: str) -> bool:
    """An annex title, a table title or a column header: a line the text path finds tables by, whole."""
    sq = squash(text)
    return V.is_table_title(text) or V.is_table_header(text) or any(p.match(sq) for p in patterns("annex_titles.tsv"))


def _annex_units(text: list[Line]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    cur: list[Line] = []
    for i, ln in enumerate(text):
        if cur and _landmark(ln.text):
            out.append((cur[0].index, _joined(cur)))
            cur = []
        cur.append(ln)
        if ln.text.endswith(UNIT_END) or i + 1 < len(text) and _opens(text[i + 1].text) \
                or not any(x.text.endswith(UNIT_END) for x in text[i + 1:i + 1 + ANNEX_RUN]):
            out.append((cur[0].index, _joined(cur)))
            cur = []
    if cur:
        out.append((cur[0].index, _joined(cur)))
    return out


def _joined(unit: list[Line]) -> str:
    joined = ""
    for ln in unit:
        joined = join_wrapped(joined, ln.text.strip())
    return joined


def corpus_files() -> Iterator[tuple[str, Path]]:
    return metamorphic_corpus_files(FILES)


def fixture_files() -> Iterator[tuple[str, Path]]:
    return metamorphic_fixture_files(FIXTURES)


def _facts(ef: ExtractedFile) -> Counter[tuple]:
    return facts(ef, [], lambda s: s)  # no origin: every line maps to None, so facts are keyed without lines


def measure(files: Iterator[tuple[str, Path]], layouts: tuple[Layout, ...] = LAYOUTS) -> dict[str, Kept]:
    """Facts kept and added, per layout, over all files."""
    results = {lay.name: Kept() for lay in layouts}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in files:
            base = _facts(extract_file(path))
            paras, indents = zip(*units(path), strict=True)
            indented = {k for k, flag in enumerate(indents) if flag}
            for k, lay in enumerate(layouts):
                pdf = make_flow_pdf(Path(tmp) / f"{name}_{k}.pdf", list(paras), lay, indented)
                got = _facts(extract_file(pdf))
                kept = results[lay.name]
                kept.count(name, base, got)
                for f, n in got.items():
                    kept.added.extend([(name, *f)] * max(0, n - base[f]))
    return results


def table(results: dict[str, Kept]) -> str:
    head = f"{'layout':12}" + "".join(f"{k:>11}" for k in KINDS) + f"{'kept':>8}{'added':>7}"
    rows = [head]
    for name, r in results.items():
        cells = "".join(f"{r.share(k):>6.3f} {r.total[k]:>4}" for k in KINDS)
        total = sum(r.total.values())
        rows.append(f"{name:12}{cells}{r.share():>8.3f}{len(r.added) / max(1, total):>7.3f}")
    return "\n".join(rows)


@pytest.fixture(scope="module")
def corpus_results() -> dict[str, Kept]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS} (CI provides ../shared/corpus)")
    return measure(corpus_files())


@pytest.fixture(scope="module")
def fixture_results() -> dict[str, Kept]:
    return measure(fixture_files())


def test_print_table(fixture_results: dict[str, Kept], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\nshare of facts kept / added, tests/fixtures/unseen laid out as PDFs\n" + table(fixture_results))
    assert all(sum(r.total.values()) > 150 for r in fixture_results.values())


@pytest.mark.parametrize("layout", [lay.name for lay in LAYOUTS])
def test_our_fixtures_as_pdfs_keep_their_facts(fixture_results: dict[str, Kept], layout: str) -> None:
    """Our documents of unseen layouts, laid out as PDFs at other page sizes, type sizes and margins, with page
    furniture, give the facts of their text (runs without the corpus)."""
    _check(fixture_results[layout])


@pytest.mark.parametrize("layout", [lay.name for lay in LAYOUTS])
def test_the_corpus_as_pdfs_keeps_its_facts(corpus_results: dict[str, Kept], layout: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The same for the corpus texts that carry the unit-end signal (000, 001, 002: five agencies' objectives
    and one annual plan)."""
    if layout == LAYOUTS[0].name:
        with capsys.disabled():
            print("\nshare of facts kept / added, corpus laid out as PDFs\n" + table(corpus_results))
    _check(corpus_results[layout])


def _check(r: Kept) -> None:
    total = sum(r.total.values())
    assert r.share("document") == 1.0, [f for f in r.lost if f[2] == "document"]
    assert r.share() >= KEPT, (r.share(), r.lost[:10])
    assert len(r.added) <= ADDED * total, (len(r.added), r.added[:10])
    for kind in KINDS:
        if r.total[kind] >= KIND_MIN:
            assert r.share(kind) >= KEPT_KIND, (kind, r.share(kind), [f for f in r.lost if f[2] == kind][:10])


if __name__ == "__main__":
    for label, files in (("tests/fixtures/unseen", fixture_files), ("corpus", corpus_files)):
        res = measure(files())
        print(f"share of facts kept / added, {label}\n{table(res)}\n")
        for name, r in res.items():
            for f in r.lost[:40]:
                print("lost ", name, *f, sep="\t")
            for f in r.added[:40]:
                print("added", name, *f, sep="\t")


# ------------------------------------------------------------------------------------ the fixes, one by one


def _lines(pdf: Path) -> list[str]:
    return [ln.text for ln in read_source(pdf).lines]


_SENTENCE = "沿岸の観測網から得られる記録を整理し、地域の防災計画に役立てるための資料を作成する。"


@pytest.mark.parametrize("folio", ["{n}", "- {n} -", "{n} / 9", "（{n}）"])
def test_running_header_and_page_numbers_are_dropped(tmp_path: Path, folio: str) -> None:
    """Page furniture is no text: a running header would land inside the sentence that runs over a page break,
    and a folio such as ``1 / 9`` would read as a numbered heading."""
    lay = Layout("small", page=(300.0, 260.0), font_size=10.0, left=30.0, right=30.0, top=40.0, bottom=40.0,
                 header="霧島沿岸研究所 業務資料", folio=folio)
    paras = [f"{n}．観測の記録" if n % 3 == 0 else _SENTENCE for n in range(1, 16)]
    pdf = make_flow_pdf(tmp_path / "f.pdf", paras, lay)
    src = read_source(pdf)
    assert src.pages and src.pages >= 3
    texts = [ln.text for ln in src.lines]
    assert not any("業務資料" in t for t in texts)
    assert not any(t.strip().startswith(folio.format(n=n).strip()[:2]) and "観測" not in t
                   for n in range(1, 10) for t in texts), texts
    # every page's first line is text, and the sentences read whole across the breaks
    assert all(ln.page_start == (ln.no == 1) for ln in src.lines)
    blocks = [b.text for b in logical_blocks(src.lines)]
    assert blocks == paras


def test_an_axis_item_parked_pages_ago_takes_no_later_page_start() -> None:
    """An item that ended without its trailing space (in a PDF, an item whose last line fills the line) is
    parked when a label follows it, as an item cut by a page end is. Only the page after the one it was parked
    on may go on with it: a new item cell at the top of a later page is a cell of its own."""
    table = ["海洋観測の高度化 ", "○ 沖合の観測網で得た記録を予測に役立てているか。", "【評価指標】 ", "・ 観測精度の状況 ",
             "・ 観測点の数 ", "・ 予測の利用件数 ", "沿岸防災の推進 ", "○ 防災情報が地域で活用されているか。 ",
             "【評価指標】 ", "・ 情報の利用状況 "]
    starts = {4, 6}  # page 2 opens with an item, page 3 with a new item cell
    lines = [Line(i, i + 1, t, page_start=i in starts) for i, t in enumerate(table)]
    rows, _ = rows_from_lines(lines)
    got = [([c.text for c in r.cells], [a.text for a in r.axes]) for r in rows if r.axes]
    assert got == [(["海洋観測の高度化"], ["沖合の観測網で得た記録を予測に役立てているか。"]),
                   (["沿岸防災の推進"], ["防災情報が地域で活用されているか。"])]


def test_space_after_a_paragraph_ends_it_even_when_its_last_line_is_full(tmp_path: Path) -> None:
    """A heading or item whose last line fills the line reaches the margin like a wrapped line; where paragraphs
    are spaced apart, the gap after it says it ended (here the heading is exactly one line long)."""
    lay = Layout("spaced", page=(300.0, 420.0), font_size=10.0, left=30.0, right=30.0, top=40.0, bottom=40.0,
                 after=0.5)
    heading = "１．" + "沿岸観測網の整備と記録の公開及び地域への提供に関する事項"[: lay.width_chars - 2]
    assert len(heading) == lay.width_chars  # full-width characters only: the line is exactly full
    paras = [heading, _SENTENCE, "２．観測の記録", _SENTENCE]
    src = read_source(make_flow_pdf(tmp_path / "g.pdf", paras, lay))
    assert src.lines[0].text == heading + " "
    assert [b.text for b in logical_blocks(src.lines)] == paras
    # without the space after paragraphs the full heading line carries no signal (the case no geometry settles)
    plain = read_source(make_flow_pdf(tmp_path / "p.pdf", paras, dataclasses.replace(lay, after=0.0)))
    assert plain.lines[0].text == heading


def test_an_axis_question_ended_without_its_signal_waits_for_no_page() -> None:
    """An axis question that ends its sentence (…か。) with its brackets closed has ended even without a trailing
    space (a PDF line it fills exactly): it is not parked as a unit cut by the page end, so after the real cut
    unit has its tail, the next page's item cell is not glued to it."""
    table = ["海洋観測の高度化 ", "○ 沖合の観測網で得た記録を予測に役立てているか。", "○ 観測の記録を公開し、地域の防災計画に役立てて",
             "いるか。 ", "沿岸防災の推進 ", "○ 防災情報が地域で活用されているか。 "]
    lines = [Line(i, i + 1, t, page_start=i == 3) for i, t in enumerate(table)]
    rows, _ = rows_from_lines(lines)
    got = [([c.text for c in r.cells], [a.text for a in r.axes]) for r in rows if r.axes]
    assert got == [(["海洋観測の高度化"], ["沖合の観測網で得た記録を予測に役立てているか。",
                                   "観測の記録を公開し、地域の防災計画に役立てているか。"]),
                   (["沿岸防災の推進"], ["防災情報が地域で活用されているか。"])]


def test_a_statutory_chapter_heading_that_fills_its_line_is_whole() -> None:
    """A heading whose title is a statutory chapter's, or whose number is compound, and that fills its PDF line
    exactly carries no unit-end signal; the full line after it opens the paragraph, not the heading's tail."""
    chapter = "Ⅲ．研究開発の成果の最大化その他の業務の質の向上に関する事項"
    other = "Ⅳ．沿岸観測網の整備と記録の公開及び地域への提供に関する計画の"  # no statutory title: may wrap on
    texts = ["Ⅱ．中長期目標の期間 ", "令和９年４月から５年間とする。 ", chapter, "評価に当たっては、別添に定める評価軸及び指標に基づいて評",
             "価する。 ", other, "策定と実施の方針", "について ", "１．観測網の整備 ", "観測点を増やす。 "]
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    got = [b.text for b in logical_blocks(lines)]
    assert got == ["Ⅱ．中長期目標の期間", "令和９年４月から５年間とする。", chapter,
                   "評価に当たっては、別添に定める評価軸及び指標に基づいて評価する。", other + "策定と実施の方針について",
                   "１．観測網の整備", "観測点を増やす。"]
    # a compound number numbers headings only: the same holds for any title
    section = "３．２ 沿岸観測網の整備と記録の公開及び地域への提供の推進"
    lines = [Line(i, i + 1, t) for i, t in enumerate([*texts[:2], section, *texts[3:5]])]
    assert [b.text for b in logical_blocks(lines)][2:] == [section, got[3]]


def test_an_annex_title_wrapped_over_two_lines_ends_the_axis_table() -> None:
    """A long annex title after an evaluation-axis table overflows its PDF line (…に係る政策体 / 系図）): the table
    ends there, and the diagram's bullets that follow are no axes."""
    texts = ["国立研究開発法人霧島沿岸研究所の評価に関する評価軸等 ", "項目 評価軸 関連する評価指標、モニタリング指標 ",
             "沿岸観測網の整備 ", "○ 観測網の整備が進んでいるか。 ", "《評価指標》 ", "・ 観測点の整備状況 ",
             "国立研究開発法人霧島沿岸研究所（霧島沿岸研究所）に係る政策体", "系図） ", "◆ 法人の使命 ",
             "○ 沿岸災害から暮らしを守る研究の推進 "]
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    assert [(a, b) for a, b, _ in table_ranges(lines, 0, len(lines))] == [(0, 6)]


def test_an_item_cell_after_items_that_filled_their_lines_starts_a_row() -> None:
    """Indicators whose last lines fill the PDF line carry no signal: the next item cell, which begins a heading's
    title, starts the next row instead of running on from them, and the row's qualifier cell （…） after it is not
    taken as the tail of an indicator parked before the page break."""
    titles = ["沿岸観測網の整備", "沿岸防災の推進"]
    table = ["沿岸観測網の整備 ", "○ 観測網の整備が進んでいるか。 ", "【評価指標】 ", "・ 観測点の整備と記録の公開の状況",
             "・ 観測記録の利用と地域への提供の状況", "【モニタリング指標】 ", "・ 観測点の数 ", "○ 観測網の運用を地域と",
             "共に進めているか。 ", "沿岸防災の推進 ", "（地域との協働） ", "○ 防災情報が地域で活用されているか。 "]
    lines = [Line(i, i + 1, t, page_start=i == 8) for i, t in enumerate(table)]
    rows, _ = rows_from_lines(lines, titles)
    got = [([c.text for c in r.cells], [a.text for a in r.axes], [i.text for i in r.indicators]) for r in rows]
    assert got[-1] == (["沿岸防災の推進", "（地域との協働）"], ["防災情報が地域で活用されているか。"], [])
    assert got[0][2] == ["観測点の整備と記録の公開の状況", "観測記録の利用と地域への提供の状況", "観測点の数"]


def test_an_indented_first_line_ends_the_unit_before_it(tmp_path: Path) -> None:
    """A heading that fills its PDF line carries no unit-end signal; the next paragraph's first-line indent says
    it ended. A hanging indent (an item's wrapped line set in) is no such signal."""
    lay = Layout("plain", page=(300.0, 420.0), font_size=10.0, left=30.0, right=30.0, top=40.0, bottom=40.0)
    heading = "（１）" + "沿岸観測網の整備と記録の公開及び地域への提供に関する事項"[: lay.width_chars - 3]
    item = "・ 観測点の整備状況と記録の公開の状況及び地域の防災計画への反映の状況"
    paras = [heading, _SENTENCE, item, "・ 観測点の数"]
    src = read_source(make_flow_pdf(tmp_path / "i.pdf", paras, lay, indented={1}))
    assert src.lines[0].text == heading + " "
    assert [b.text for b in logical_blocks(src.lines)] == paras
    # a hanging indent, drawn by hand: the item's wrapped line is set in under its text, the next item is not
    from pdfgen import _draw_line
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "h.pdf"), pagesize=lay.page, invariant=1)
    first = item[: lay.width_chars]
    top, width = lay.page[1] - lay.top, lay.width_chars * lay.font_size
    _draw_line(c, lay.left, top, first, lay.font_size, width)
    _draw_line(c, lay.left + 2 * lay.font_size, top - 16, item[lay.width_chars:], lay.font_size, None)
    _draw_line(c, lay.left, top - 32, "・ 観測点の数", lay.font_size, None)
    c.showPage()
    c.save()
    hanging = [ln.text for ln in read_source(tmp_path / "h.pdf").lines]
    assert hanging[0] == first and hanging[1].endswith(" "), hanging


def test_a_lone_marker_line_of_a_double_spaced_page_is_no_folio() -> None:
    """In double-spaced text every gap is wide: a page's first line （２） (a heading's marker on a line of its own)
    stands no further apart than the others, so it is text, while a folio far below the text block is not."""
    from keifu.extract.readers.furniture import furniture

    @dataclasses.dataclass
    class L:
        text: str
        top: float
        bottom: float
        size: float = 10.0

    page = [L("（２）", 80, 90), *[L(_SENTENCE, 80 + 25 * k, 90 + 25 * k) for k in range(1, 12)], L("- 2 -", 560, 568)]
    assert furniture([page]) == {(0, len(page) - 1)}
