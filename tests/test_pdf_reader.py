"""PDF reader on generated PDFs: round trip of lines, trailing-space signal, page/line numbers, tables, errors."""

from __future__ import annotations

from functools import reduce
from pathlib import Path

import pytest
from pdfgen import (
    FONT,
    _font,
    make_corrupt_pdf,
    make_encrypted_pdf,
    make_image_only_pdf,
    make_pdf,
    make_table_pdf,
    make_zero_page_pdf,
    text_width,
    wrap_paragraph,
)
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from keifu.extract.errors import ReadError
from keifu.extract.normalize import join_wrapped
from keifu.extract.readers import read_source

BACKENDS = ["pdfium", "pdfplumber"]

# Invented paragraphs (headings too) in the style of an objectives document.
PAGE1 = [
    "Ⅰ．架空研究機構の位置付け及び役割 ",
    "\u3000本機構は、沿岸域の観測と予測に関する研究開発を総合的に行う法人であり、得られた知見を防災と産業の両面で活用することを使命とする。",
    "（１）観測網の高度化",
    "\u3000既存の観測拠点を見直し、AI and remote sensing の技術を取り入れて、令和 8年度までに観測点を 120か所とする。",
]
PAGE2 = [
    "\u3000前頁から続く取組として、地域の大学や自治体と連携し、観測データを公開する基盤を整える。",
    "① 人材の育成",
    "\u3000若手研究者の挑戦を後押しする。",
]


def paragraphs_ok(paragraphs: list[str], font_size: float = 10.5) -> None:
    """Precondition of the fixtures: every paragraph's last line ends clearly short of the margin."""
    full = text_width(font_size, None)
    for p in paragraphs:
        last = wrap_paragraph(p, font_size)[-1]
        assert stringWidth(last, FONT, font_size) < full - 2 * font_size, p


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _font()
    paragraphs_ok(PAGE1 + PAGE2)
    return make_pdf(tmp_path_factory.mktemp("pdf") / "doc.pdf", [PAGE1, PAGE2])


@pytest.mark.parametrize("backend", BACKENDS)
def test_round_trip_lines_pages_and_paragraph_signal(doc: Path, backend: str) -> None:
    st = read_source(doc, backend=backend)
    assert st.media == "pdf" and st.pages == 2 and st.encoding is None
    for page, paragraphs in ((1, PAGE1), (2, PAGE2)):
        got = [ln for ln in st.lines if ln.page == page]
        expected = [(line, i == len(w) - 1) for p in paragraphs for w in [wrap_paragraph(p.rstrip())] for i, line in enumerate(w)]
        assert [ln.text.rstrip(" ") for ln in got] == [e for e, _ in expected]
        # trailing space exactly at paragraph ends, never on a line that reaches the margin
        assert [ln.text.endswith(" ") for ln in got] == [last for _, last in expected]
        assert [ln.no for ln in got] == list(range(1, len(got) + 1))
        assert [ln.page_start for ln in got] == [True] + [False] * (len(got) - 1)
    assert [ln.index for ln in st.lines] == list(range(len(st.lines)))
    assert st.lines[-1].cite().startswith("p.2 l.")


def test_wrapped_paragraph_joins_back(doc: Path) -> None:
    st = read_source(doc)
    para, buf = [], []
    for ln in st.lines:
        buf.append(ln.text)
        if ln.text.endswith(" "):
            para.append(reduce(join_wrapped, buf).rstrip())
            buf = []
    assert para == [p.rstrip() for p in PAGE1 + PAGE2]


def test_latin_spaces_kept_and_no_spaces_inside_justified_japanese(doc: Path) -> None:
    text = [ln.text.rstrip() for ln in read_source(doc).lines]
    stretched = wrap_paragraph(PAGE1[3])[0]  # shorter than the block, so justification spreads it
    assert stringWidth(stretched, FONT, 10.5) < text_width(10.5, None) - 5
    assert stretched in text
    assert "AI and remote sensing" in stretched
    expected = [w for p in PAGE1 + PAGE2 for w in wrap_paragraph(p.rstrip())]
    assert [t.count(" ") for t in text] == [w.count(" ") for w in expected]


def test_backends_give_identical_lines(doc: Path, tmp_path: Path) -> None:
    table = make_table_pdf(tmp_path / "t.pdf", TABLE_PAGES, captions=CAPTIONS)
    for path in (doc, table):
        a, b = read_source(path), read_source(path, backend="pdfplumber")
        assert [(ln.page, ln.no, ln.text) for ln in a.lines] == [(ln.page, ln.no, ln.text) for ln in b.lines]
        assert a.tables == b.tables


def test_letter_spaced_and_wide_gaps_become_spaces(tmp_path: Path) -> None:
    path = tmp_path / "spaced.pdf"
    c = canvas.Canvas(str(path))
    t = c.beginText(72, 700)
    t.setFont(_font(), 10.5)
    t.setCharSpace(10.5)  # one full character of extra space, as in 均等割り
    t.textOut("架空省")
    t.setCharSpace(0)
    c.drawText(t)
    c.setFont(_font(), 10.5)
    c.drawString(72, 680, "左の欄")
    c.drawString(250, 680, "右の欄")
    c.drawString(72, 660, "段落の最後となる十分に長い一行であり、右端まで届いている。")
    c.save()
    texts = [ln.text for ln in read_source(path).lines]
    assert texts[0].rstrip() == "架 空 省"
    assert texts[1].rstrip() == "左の欄 右の欄"


def test_scaled_text_matrix_keeps_sizes(tmp_path: Path) -> None:
    # "1 Tf" with the size in the text matrix (common outside word processors); the justified first
    # line carries extra character spacing that must not turn into spaces
    path = tmp_path / "scaled.pdf"
    c = canvas.Canvas(str(path))
    lines = ["拡大行列で描いた一行目であり、両端揃えのために少しだけ", "二行目も同じ文字数にそろえて、右端まで届くように描いた", "広げられている。", "短い行。"]
    assert len(lines[0]) == len(lines[1])
    for k, (s, cs) in enumerate(zip(lines, (0.1, 0.1, 0.0, 0.0), strict=True)):
        t = c.beginText()
        t.setTextTransform(10.5, 0, 0, 10.5, 72, 700 - 16 * k)
        t.setFont(_font(), 1)
        t.setCharSpace(cs)
        t.textOut(s)
        c.drawText(t)
    c.save()
    for backend in BACKENDS:
        assert [ln.text for ln in read_source(path, backend=backend).lines] == [lines[0], lines[1], lines[2] + " ", lines[3] + " "]


def test_page_of_short_items_all_end_units(tmp_path: Path) -> None:
    items = ["・観測点の数", "・公開したデータの件数", "・共同研究の件数"]
    st = read_source(make_pdf(tmp_path / "items.pdf", [items]))
    assert [ln.text for ln in st.lines] == [i + " " for i in items]


def test_lone_punctuation_line_is_not_lost(tmp_path: Path) -> None:
    # pdfium drops a one-glyph text object in a non-embedded CJK font; the page falls back to pdfplumber
    path = tmp_path / "dot.pdf"
    c = canvas.Canvas(str(path))
    c.setFont(_font(), 10.5)
    c.drawString(72, 700, "行末の句点だけが次の行に残った")
    c.drawString(72, 684, "。")
    c.save()
    for backend in BACKENDS:
        assert [ln.text.rstrip() for ln in read_source(path, backend=backend).lines] == ["行末の句点だけが次の行に残った", "。"]


# --- tables -------------------------------------------------------------------------------------

CAPTIONS = ["表１\u3000架空の評価軸", "（表１の続き）"]
TABLE_PAGES = [
    [
        ["項目", "評価軸", "指標"],
        ["観測研究", "観測網の整備が計画どおり進んでいるか。関係機関との連携を含む。", "観測点数"],
        ["人材育成", "若手研究者が育っているか。", "採用数"],
    ],
    [
        ["成果普及", "データの公開が進んでいるか。", "公開件数"],
        ["業務運営", "経費の効率化が図られているか。", "削減率"],
    ],
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_ruled_tables_across_a_page_break(tmp_path: Path, backend: str) -> None:
    st = read_source(make_table_pdf(tmp_path / "t.pdf", TABLE_PAGES, captions=CAPTIONS), backend=backend)
    assert [t.page for t in st.tables] == [1, 2]
    for table, rows in zip(st.tables, TABLE_PAGES, strict=True):
        expected = tuple(tuple("\n".join(wrap_paragraph(c, 10.0, 12)) for c in r) for r in rows)
        assert table.rows == expected
        x0, top, x1, bottom = table.bbox
        assert 0 < x0 < x1 and 0 < top < bottom
        first = st.lines[table.first_line]
        assert first.page == table.page
        assert first.text.startswith(rows[0][0])
    # table text is still emitted as lines (row by row), after the caption
    page1 = [ln.text for ln in st.lines if ln.page == 1]
    assert page1[0].rstrip() == CAPTIONS[0]
    assert page1[1].rstrip() == "項目 評価軸 指標"
    assert any("観測網の整備" in t for t in page1)


def test_tables_can_be_skipped(tmp_path: Path) -> None:
    path = make_table_pdf(tmp_path / "t.pdf", TABLE_PAGES)
    fast = read_source(path, tables=False)
    full = read_source(path)
    assert fast.tables == [] and len(full.tables) == 2
    assert [ln.text for ln in fast.lines] == [ln.text for ln in full.lines]


# --- errors -------------------------------------------------------------------------------------


def assert_read_error(path: Path, ja: str, en: str) -> ReadError:
    for backend in BACKENDS:
        with pytest.raises(ReadError) as ei:
            read_source(path, backend=backend)
        msg = str(ei.value)
        assert path.name in msg and ja in msg and en in msg, msg
    return ei.value


def test_encrypted_pdf(tmp_path: Path) -> None:
    assert_read_error(make_encrypted_pdf(tmp_path / "locked.pdf", [["秘密の文章。"]]), "暗号化", "encrypted")


def test_owner_password_only_pdf_still_reads(tmp_path: Path) -> None:
    enc = StandardEncryption(userPassword="", ownerPassword="owner-only", canModify=0)
    path = make_pdf(tmp_path / "restricted.pdf", [["編集だけが制限された文書。"]], encrypt=enc)
    assert [ln.text for ln in read_source(path).lines] == ["編集だけが制限された文書。 "]
    # pdfminer cannot map this document's glyphs (it would print "(cid:N)"): an error, not garbage
    with pytest.raises(ReadError) as ei:
        read_source(path, backend="pdfplumber")
    assert "Unicode" in str(ei.value) and "文字に変換できません" in str(ei.value) and path.name in str(ei.value)


def test_truncated_pdf(tmp_path: Path) -> None:
    assert_read_error(make_corrupt_pdf(tmp_path / "cut.pdf"), "切れて", "truncated")


def test_garbage_pdf_with_end_marker(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    assert_read_error(path, "壊れて", "corrupt")


def test_image_only_pdf_names_pages(tmp_path: Path) -> None:
    err = assert_read_error(make_image_only_pdf(tmp_path / "scan.pdf", npages=3), "テキスト層がありません", "no text layer")
    assert "1-3" in str(err)


def test_zero_page_pdf(tmp_path: Path) -> None:
    assert_read_error(make_zero_page_pdf(tmp_path / "nopages.pdf"), "ページがありません", "no pages")


def test_zero_byte_pdf(tmp_path: Path) -> None:
    path = tmp_path / "zero.pdf"
    path.write_bytes(b"")
    assert_read_error(path, "空のファイル", "empty")


def test_pdf_detected_by_magic_not_name(doc: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "download.txt"
    renamed.write_bytes(doc.read_bytes())
    st = read_source(renamed)
    assert st.media == "pdf" and st.pages == 2


def test_mixed_sizes_and_tables_read_alike_on_both_backends(tmp_path: Path) -> None:
    """The bench's plan-like pages (14 pt chapter heading, body, 9 pt ruled 評価軸 table, 8 pt footnotes, page
    number): pdfium (sizes asked once per text object) and pdfplumber (size per character) agree on every line,
    its page and paragraph signal, and on the tables; footnotes stay lines of their own, page numbers (furniture)
    are dropped."""
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("bench_pdf", REPO / "bench" / "bench_pdf.py")
    bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    path = bench.make_realistic(tmp_path / "plan.pdf", 3)
    a, b = read_source(path), read_source(path, backend="pdfplumber")
    assert [(ln.page, ln.no, ln.text) for ln in a.lines] == [(ln.page, ln.no, ln.text) for ln in b.lines]
    assert a.tables == b.tables and [t.page for t in a.tables] == [3]
    assert a.tables[0].rows[0] == ("評価軸", "評価指標", "モニタリング指標")
    for page in (1, 2, 3):
        texts = [ln.text for ln in a.lines if ln.page == page]
        assert texts[-2].startswith("※1") and texts[-2].endswith(" ") and texts[-1].startswith("※2")
    assert a.lines[0].text.startswith("第1章") and a.lines[0].text.endswith(" ")


def _pdfium() -> tuple:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    return pdfium, raw


def _reference_glyphs(path: Path) -> list[list[tuple]]:
    """Every character asked of pdfium one by one (unicode, generated?, loose box, size × matrix scale): what the
    reader's bulk text and once-per-object sizes must reproduce exactly."""
    import math

    pdfium, raw = _pdfium()
    doc = pdfium.PdfDocument(path)
    pages = []
    for page in doc:
        height = page.get_height()
        tp = page.get_textpage()
        out = []
        mat = raw.FS_MATRIX()
        for i in range(tp.count_chars()):
            code = raw.FPDFText_GetUnicode(tp.raw, i)
            if raw.FPDFText_IsGenerated(tp.raw, i) == 1 or code in (10, 13):
                continue
            left, bottom, right, top = tp.get_charbox(i, loose=True)
            raw.FPDFText_GetMatrix(tp.raw, i, mat)
            size = raw.FPDFText_GetFontSize(tp.raw, i) * math.sqrt(abs(mat.a * mat.d - mat.b * mat.c))
            out.append((chr(code), left, right, height - top, height - bottom, size))
        pages.append(out)
    return pages


def _glyph_pdfs(tmp_path: Path) -> list[Path]:
    """PDFs that reach every branch of the glyph reader: tables, text matrices scaled against ``Tf``, Latin words
    with spaces, letter spacing, several text objects (and sizes) on one line drawn right to left, a glyph
    printed twice (fake bold), a page without text and a page whose only line is one object."""
    paths = [make_table_pdf(tmp_path / "t.pdf", TABLE_PAGES, captions=CAPTIONS),
             make_pdf(tmp_path / "doc.pdf", [PAGE1, PAGE2])]
    scaled = tmp_path / "scaled.pdf"
    c = canvas.Canvas(str(scaled), invariant=1)
    _font()
    for k, size in enumerate((1, 10.5, 16)):  # ``size Tf`` under a matrix scaled by 1, 1/size … : sizes differ
        t = c.beginText()
        t.setTextTransform(12 / size, 0, 0, 12 / size, 72, 700 - 40 * k)
        t.setFont(FONT, size)
        t.textOut(f"縮尺{k}の文字 and text")
        c.drawText(t)
    c.save()
    mixed = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(mixed), invariant=1)
    for x, size, s in ((300, 9, "右端の注記"), (160, 14, "大きな見出し"), (72, 10.5, "左の語 word")):
        c.setFont(FONT, size)  # drawn right to left: pdfium's order is not the reading order
        c.drawString(x, 700, s)
    t = c.beginText(72, 660)
    t.setFont(FONT, 10.5)
    t.setCharSpace(10.5)
    t.textOut("均等割り")
    t.setCharSpace(0)
    t.setFont("Helvetica", 10.5)
    t.textOut(" and Latin  words")
    t.setTextOrigin(72, 640)
    t.setFont(FONT, 14)  # two sizes run together on one line: two text objects, no break between them
    t.textOut("大きな見出し")
    t.setFont(FONT, 9)
    t.textOut("小さな注記")
    c.drawText(t)
    for dx in (0, 0.3):  # fake bold: the same line printed twice, a hair apart
        c.setFont(FONT, 10.5)
        c.drawString(72 + dx, 620, "太字の行")
    c.showPage()
    c.showPage()  # a page without text
    c.setFont(FONT, 10.5)
    c.drawString(72, 700, "一行だけの頁")
    c.save()
    return [*paths, scaled, mixed]


def test_glyphs_match_pdfium_asked_per_character(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader's glyphs (boxes read in bulk, text objects found by bisection) equal pdfium's per-character
    answers on every page, and the bulk path is the one taken; the character-by-character path, forced, too."""
    from keifu.extract.readers import pdfium_glyphs as mod
    from keifu.extract.readers.pdf import _pdfium_glyphs

    pdfium, raw = _pdfium()
    one_by_one = mod._glyphs_one_by_one
    slow: list[int] = []

    def counted(*args: object) -> list[tuple]:
        slow.append(1)
        return one_by_one(*args)

    monkeypatch.setattr(mod, "_glyphs_one_by_one", counted)
    for pdf in _glyph_pdfs(tmp_path):
        want = _reference_glyphs(pdf)
        doc = pdfium.PdfDocument(pdf)
        for forced in (False, True):
            if forced:  # every page now counts as right-to-left: asked one character at a time
                monkeypatch.setattr(mod, "_RTL", __import__("re").compile("."))
            slow.clear()
            got = []
            for page in doc:
                tp = page.get_textpage()
                got.append(_pdfium_glyphs(raw, tp.raw, page.get_height()))
            assert got == want and sum(map(len, got)) > 20, pdf
            assert len(slow) == (sum(1 for g in got if g) if forced else 0), pdf
            monkeypatch.undo() if forced else None
            monkeypatch.setattr(mod, "_glyphs_one_by_one", counted)
