"""Ruled pages laid out without their text: text-only BT … ET blocks cut, every path (and table) unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from pdfgen import FONT, _font, make_table_pdf
from reportlab.pdfgen import canvas

from keifu.extract.readers import pdf_rules, read_source

STREAM = (
    b"q 1 0 0 1 0 0 cm\n"
    b"BT /F1 10 Tf 72 700 Td (a \\(x\\) \\\\ ET BT) Tj ET\n"  # a string that holds ET, BT and escapes: cut
    b"BT /F1 10 Tf 72 700 Td (a (nested) ET) Tj ET\n"  # nested parentheses: kept (not scanned)
    b"% BT a comment that looks like a text object ET\n"
    b"0.5 w 72 690 m 300 690 l S\n"
    b"BT/F1 10 Tf 1 0 0 RG 72 680 Td [(x) -120 <4142> (y)] TJ 0.5 g T* (z) ' ET\n"  # cut
    b"BT 72 660 Td (inside) Tj 72 650 200 10 re S ET\n"  # a path inside a text object (non-conforming): kept
    b"BT 2 0 0 2 0 0 cm (scaled) Tj ET\n"  # a CTM change inside a text object: kept
    b"BT /Span <</MCID 3>> BDC (tagged) Tj EMC ET\n"  # marked content: kept
    b"/BT 1 Tf 72 640 m 300 640 l S\nQ\n"  # a name spelled BT is no text object
)


def test_strip_text_cuts_only_text_only_blocks() -> None:
    lines = STREAM.split(b"\n")
    lines[1] = lines[5] = b" "
    assert pdf_rules.strip_text(STREAM) == b"\n".join(lines)


@pytest.mark.parametrize("stream", [
    b"BT (x) Tj ET BI /W 1 /H 1 ID \x00( EI",  # inline image data may hold anything
    b"BT (a (nested) string) Tj ET 72 640 m 300 640 l S",  # nothing that can be cut
    b"72 640 m 300 640 l S",  # no text object: nothing to do
])
def test_streams_not_scanned_with_certainty_are_left_whole(stream: bytes) -> None:
    assert pdf_rules.strip_text(stream) is None


def _rules_in_text_objects(path: Path) -> Path:
    """A ruled grid whose rules are drawn partly inside text objects, one of them under a ``cm`` given there,
    with coloured, tagged and plain text around them."""
    c = canvas.Canvas(str(path), invariant=1)
    _font()
    c.setLineWidth(0.8)
    top, rows, cols = 700.0, 4, 3
    for r in range(rows + 1):
        y = top - 24 * r
        if r % 2:
            t = c.beginText(380, y - 4)  # beside the grid
            t.setFont(FONT, 10)
            t.setFillColorRGB(0.8, 0, 0)
            t.textOut(f"行{r}")
            t._code.append(f"72 {y} m 372 {y} l S")  # a rule inside BT … ET
            c.drawText(t)
        else:
            c.line(72, y, 372, y)
    for k in range(cols + 1):
        x = 72 + 100 * k
        if k == 1:
            t = c.beginText(0, 0)
            t._code.append(f"q 1 0 0 1 {x} 0 cm 0 {top} m 0 {top - 24 * rows} l S Q")  # cm given inside BT … ET
            c.drawText(t)
        else:
            c.line(x, top, x, top - 24 * rows)
    for r in range(rows):
        for k in range(cols):
            c.setFont(FONT, 10)
            c.drawString(80 + 100 * k, top - 24 * r - 16, f"欄{r}{k}")
    c.save()
    return path


def _edges_and_tables(path: Path, strip: bool, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as m:
        if not strip:
            m.setattr(pdf_rules, "strip_text", lambda _data: None)
        with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
            out = []
            for page in pdf.pages:
                pdf_rules.lay_out_rules_only(page)
                edges = sorted((e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges)
                out.append((edges, [(t.bbox, [r.cells for r in t.rows]) for t in page.find_tables()]))
            return out


def test_rules_and_tables_unchanged_by_cutting_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_pdf_reader import CAPTIONS, TABLE_PAGES

    for path in (_rules_in_text_objects(tmp_path / "inside.pdf"),
                 make_table_pdf(tmp_path / "t.pdf", TABLE_PAGES, captions=CAPTIONS)):
        cut, whole = _edges_and_tables(path, True, monkeypatch), _edges_and_tables(path, False, monkeypatch)
        assert cut == whole and all(edges and tables for edges, tables in cut), path
    # the reader's tables (rules-only layout) match pdfplumber's full layout with text, cells included
    a, b = read_source(tmp_path / "inside.pdf"), read_source(tmp_path / "inside.pdf", backend="pdfplumber")
    assert a.tables == b.tables and len(a.tables) == 1 and len(a.tables[0].rows) == 4
    assert a.tables[0].rows[0] == ("欄00", "欄01", "欄02")


@pytest.mark.parametrize("stream", [
    b"BT " + b" " * 24 + b"x ET",  # a backtracking pattern would try 2^24 splits of the blanks
    b"BT " + b"12345 " * 12 + b"x ET",  # … or 5^12 splits of the numbers
    b"BT " + b"/F1 10 Tf (a) Tj " * 20000 + b"x ET",  # a long block that fails at its end
    b"BT /F1 1 Tf " * 20000 + b"ET",  # many blocks without an end
])
def test_a_failed_match_costs_linear_time(stream: bytes) -> None:
    import time

    start = time.process_time()
    pdf_rules.strip_text(stream)
    assert time.process_time() - start < 1.0
