"""PDF reader: physical lines with page/line numbers, the trailing-space paragraph signal, ruled tables.

Text files made by PDF-to-text tools end a paragraph (heading, item) with a trailing ASCII space and
leave hard-wrapped lines without one; the parsers rely on that. A PDF has no such character, so it is
synthesized from geometry: a line that stops clearly short of the text block's right margin ends a unit.

Two back-ends feed one line builder, so both give the same lines. The default reads characters with
pypdfium2 (C; ~10x faster than pdfminer) and asks pdfplumber for ruled tables only on pages that hold
vector paths, laid out without their text; ``backend="pdfplumber"`` does everything in pdfplumber.
``python bench/bench_pdf.py`` compares the reader with raw pypdfium2 text extraction.
"""

from __future__ import annotations

import ctypes
import io
import statistics
import unicodedata
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from keifu.extract.errors import ReadError
from keifu.extract.limits import check_chars, check_page_chars, check_pages
from keifu.extract.model import Line, SourceText, Table
from keifu.extract.readers.furniture import furniture

# Gap (in font sizes) above which a space is inserted between two glyphs that carry none.
GAP_WIDE = 0.5  # both sides full-width (kanji, kana): justified Japanese lines stay unspaced
GAP_NARROW = 0.2  # at least one side Latin/digit: word spaces drawn as positioning
# A line ending more than this many font sizes before the right margin ends a paragraph.
SHORT_BY = 1.5
# A line followed by a gap this many times the in-paragraph line pitch ends a paragraph (space after it), even
# when it reaches the margin: word processors space paragraphs apart, and a paragraph's last line may fill its line.
PARAGRAPH_GAP = 1.3
# A paragraph's first line set in by at least this many font sizes is indented (a first-line indent).
INDENT_BY = 0.5
# Glyph bands overlapping by this share of the smaller height sit on one line.
SAME_LINE = 0.5

Glyph = tuple[str, float, float, float, float, float]  # text, x0, x1, top, bottom, size


@dataclass(slots=True)
class _PLine:
    """A physical line before the trailing-space decision."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


_WIDE: dict[str, bool] = {}


def _wide(ch: str) -> bool:
    """Full-width (kanji, kana, full-width forms); a plain dict, as this is asked about every glyph pair."""
    w = _WIDE.get(ch)
    if w is None:
        w = _WIDE[ch] = unicodedata.east_asian_width(ch[0]) in ("W", "F")
    return w


UNMAPPED = "\ufffd"  # a glyph with no Unicode mapping (pdfminer prints "(cid:N)")
#: share of unmapped glyphs above which the text layer is unusable
UNMAPPED_LIMIT = 0.3


def _plumber_glyphs(page: object) -> list[Glyph]:
    """pdfplumber characters as glyph tuples; unmapped "(cid:N)" glyphs become U+FFFD."""
    return [
        (UNMAPPED if c["text"].startswith("(cid:") else c["text"], c["x0"], c["x1"], c["top"], c["bottom"], c["size"])
        for c in page.chars  # type: ignore[attr-defined]
    ]


def _join(glyphs: list[Glyph]) -> tuple[str, float]:
    """Join one line's glyphs left to right; return the text (right-stripped) and its right edge."""
    parts: list[str] = []
    append = parts.append
    wide = _WIDE
    pch, px0, px1, psize = glyphs[0][0], glyphs[0][1], glyphs[0][2], glyphs[0][5]
    append(pch)
    right = px1 if not pch.isspace() else px0
    pspace = pch.isspace()
    for g in glyphs[1:]:
        ch, x0, x1, _, _, size = g
        if ch == pch and abs(x0 - px0) < 0.1 * size:
            continue  # overprinted duplicate (fake bold)
        space = ch.isspace()
        if not space and not pspace:
            gap = x0 - px1
            big = size if size > psize else psize
            if gap > GAP_NARROW * big or big < 0:  # below the narrow limit no pair gets a space: skip the lookups
                w1, w2 = wide.get(ch), wide.get(pch)
                if w1 is None:
                    w1 = _wide(ch)
                if w2 is None:
                    w2 = _wide(pch)
                if gap > (GAP_WIDE if w1 and w2 else GAP_NARROW) * big:
                    append(" ")
        append(ch)
        if not space:
            right = x1
        pch, px0, px1, psize, pspace = ch, x0, x1, size, space
    return "".join(parts).rstrip(), right


def build_lines(glyphs: list[Glyph]) -> list[_PLine]:
    """Group glyphs into lines by vertical overlap, top to bottom, then left to right."""
    out: list[_PLine] = []
    band: list[Glyph] = []
    btop = bbot = 0.0
    for g in sorted(glyphs, key=itemgetter(3, 1)):
        top, bottom = g[3], g[4]
        if band:
            if top == btop and bottom == bbot and bottom >= top:  # the usual case: a glyph of the same run
                band.append(g)
                continue
            overlap = (bottom if bottom < bbot else bbot) - (top if top > btop else btop)
            shorter = bbot - btop
            if bottom - top < shorter:
                shorter = bottom - top
            if overlap >= SAME_LINE * shorter:
                band.append(g)
                continue
            _finish(band, out)
        band = [g]
        btop, bbot = top, bottom
    if band:
        _finish(band, out)
    return out


def _finish(band: list[Glyph], out: list[_PLine]) -> None:
    band.sort(key=_X0)
    text, right = _join(band)
    if text.strip():
        sizes = sorted(g[5] for g in band)
        n = len(sizes)
        # statistics.median, without its generic overhead (same arithmetic)
        size = sizes[n // 2] if n % 2 else (sizes[n // 2 - 1] + sizes[n // 2]) / 2
        out.append(_PLine(text, band[0][1], right, min(map(_TOP, band)), max(map(_BOTTOM, band)), size))


_X0, _TOP, _BOTTOM = itemgetter(1), itemgetter(3), itemgetter(4)


def right_margin(lines: list[_PLine], page_width: float) -> float | None:
    """The text block's right edge: the rightmost line end shared by enough lines.

    Lone outliers (a page number, a wide box) are skipped. When few lines agree (a page of short
    items), full lines are missing, so the edge mirrors the left margin instead (symmetric margins).
    """
    if not lines:
        return None
    ends = sorted((ln.x1 for ln in lines), reverse=True)
    tol = 0.5 * statistics.median(ln.size for ln in lines)
    need = max(2, len(ends) // 50)
    edge, support = ends[0], 0
    for i, v in enumerate(ends):
        j = i
        while j < len(ends) and v - ends[j] <= tol:
            j += 1
        if j - i >= need:
            edge, support = v, j - i
            break
    if support >= 0.1 * len(ends):
        return edge
    return max(edge, page_width - min(ln.x0 for ln in lines))


def line_pitch(pages: list[list[_PLine]]) -> float | None:
    """The distance from one line to the next within a paragraph, in font sizes: the low end of the pitches
    between successive lines (paragraphs may be spaced apart, so the most common pitch is not always it)."""
    ratios = sorted((b.top - a.top) / max(a.size, b.size) for pl in pages for a, b in zip(pl, pl[1:], strict=False)
                    if b.top - a.top > 0.5 * max(a.size, b.size))
    return ratios[len(ratios) // 5] if len(ratios) >= 5 else None


def _indent_follows(line: _PLine, nxt: _PLine, after: _PLine, margin: float | None) -> bool:
    """The next line is a paragraph's indented first line: it starts right of this line and of the line after
    it, and wraps (reaches the margin), so ``line`` ended a unit even if it filled its line. A hanging indent
    (an item's wrapped lines set in) does not qualify: its indented lines are followed by lines as far in, or
    end short."""
    step = INDENT_BY * nxt.size
    return margin is not None and nxt.x0 > line.x0 + step and nxt.x0 > after.x0 + step \
        and nxt.x1 >= margin - SHORT_BY * nxt.size


def _err(path: Path, en: str, ja: str, page: int | None = None) -> ReadError:
    return ReadError(en, ja, path=path, page=page)


def _page_ranges(pages: list[int]) -> str:
    spans: list[str] = []
    for p in pages:
        if spans and spans[-1].split("-")[-1] == str(p - 1):
            spans[-1] = f"{spans[-1].split('-')[0]}-{p}"
        else:
            spans.append(str(p))
    return ", ".join(spans)


def _is_password_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        name = type(e).__name__.lower()
        if "password" in name or "encrypt" in name or "password" in str(e).lower():
            return True
        stack.extend(x for x in (e.__cause__, e.__context__, *e.args) if isinstance(x, BaseException))
    return False


_Found = list[tuple[list[list[str | None]], tuple[float, float, float, float]]]
_Page = tuple[list[_PLine], _Found, float]  # lines, tables (rows, bbox), page width
#: a page needs at least this many vector paths (rules, boxes) before table detection is tried
MIN_PATHS = 4


def _open_error(path: Path, data: bytes, e: Exception) -> ReadError:
    # pdfium's last-error code is process-global and can be stale, so require the /Encrypt key too.
    if _is_password_error(e) and b"/Encrypt" in data:
        return _err(path, "PDF is encrypted (password required)", "暗号化されたPDFです（パスワードが必要）")
    return _err(path, f"PDF is corrupt ({type(e).__name__}: {e})", f"PDFが壊れています（{type(e).__name__}）")


def _find_tables(page: object, glyphs: list[Glyph]) -> _Found:
    """Ruled tables of a pdfplumber page; cell texts are built from our glyphs, so spacing rules match."""
    found: _Found = []
    for t in page.find_tables():  # type: ignore[attr-defined]
        x0, top, x1, bottom = t.bbox
        # every cell lies inside the table's box: test each cell against the table's glyphs, not the page's
        mine = [g for g in glyphs if x0 <= (g[1] + g[2]) / 2 <= x1 and top <= (g[3] + g[4]) / 2 <= bottom]
        rows = [[None if cell is None else _cell_text(mine, cell) for cell in row.cells] for row in t.rows]
        if len(rows) * max(len(r) for r in rows) > 1:  # a lone box (diagram, frame) is not a table
            found.append((rows, tuple(t.bbox)))
    return found


def _lay_out_rules_only(page: object) -> None:
    """Lay a pdfplumber page out without its text, for table finding alone (see ``pdf_rules``)."""
    from keifu.extract.readers.pdf_rules import lay_out_rules_only

    lay_out_rules_only(page)


def _cell_text(glyphs: list[Glyph], bbox: tuple[float, float, float, float]) -> str:
    x0, top, x1, bottom = bbox
    inside = [g for g in glyphs if x0 <= (g[1] + g[2]) / 2 <= x1 and top <= (g[3] + g[4]) / 2 <= bottom]
    return "\n".join(ln.text for ln in build_lines(inside))


def _pdfplumber_pages(path: Path, data: bytes, tables: bool) -> Iterator[_Page]:
    """Everything through pdfplumber/pdfminer (pure Python; about 10x slower than pdfium)."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        npages = len(pdf.pages)
    except Exception as e:  # pdfminer raises many unrelated types; none may escape raw
        raise _open_error(path, data, e) from e
    with pdf:
        if npages == 0:
            raise _err(path, "PDF has no pages", "PDFにページがありません")
        check_pages(npages, path)
        total = 0
        for n, page in enumerate(pdf.pages, 1):
            try:
                glyphs = _plumber_glyphs(page)
                check_page_chars(len(glyphs), path, n)
                total += len(glyphs)
                check_chars(total, path)
                found = _find_tables(page, glyphs) if tables else []
            except ReadError:
                raise
            except Exception as e:
                raise _page_error(path, n, e) from e
            yield build_lines(glyphs), found, float(page.width)


def _page_error(path: Path, n: int, e: Exception) -> ReadError:
    return _err(path, f"cannot read page ({type(e).__name__}: {e})", f"ページを読めません（{type(e).__name__}）", page=n)


def _pdfium_glyphs(raw: object, textpage: object, height: float) -> list[Glyph]:
    """Every real (not generated) character of a pdfium text page with its loose box (see ``pdfium_glyphs``)."""
    from keifu.extract.readers.pdfium_glyphs import pdfium_glyphs

    return pdfium_glyphs(raw, textpage, height)


def _scan_objects(raw: object, page: object) -> tuple[int, bool]:
    """Count vector paths (table rules) and spot empty-bounds text objects.

    pdfium drops a text object whose glyphs it cannot find (a non-embedded CJK font on a machine
    without one), e.g. a lone '。' line; such pages are re-read with pdfplumber so no text is lost.
    """
    r = raw
    paths, suspect = 0, False
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for i in range(r.FPDFPage_CountObjects(page)):  # type: ignore[attr-defined]
        obj = r.FPDFPage_GetObject(page, i)  # type: ignore[attr-defined]
        kind = r.FPDFPageObj_GetType(obj)  # type: ignore[attr-defined]
        if kind == r.FPDF_PAGEOBJ_PATH:  # type: ignore[attr-defined]
            paths += 1
        elif kind == r.FPDF_PAGEOBJ_TEXT and not suspect:  # type: ignore[attr-defined]
            r.FPDFPageObj_GetBounds(obj, left, bottom, right, top)  # type: ignore[attr-defined]
            suspect = right.value - left.value < 0.01
    return paths, suspect


def _pdfium_pages(path: Path, data: bytes, tables: bool) -> Iterator[_Page]:
    """Lines through pdfium (C, fast); pdfplumber only for pages with enough vector paths to hold a table."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        doc = pdfium.PdfDocument(data)
        npages = len(doc)
    except Exception as e:
        err = _open_error(path, data, e)
        if "encrypted" in err.message_en:
            raise err from e
        # pdfminer is more lenient with some damage and names the problem better (e.g. no pages).
        yield from _pdfplumber_pages(path, data, tables)
        return
    plumber = None
    try:
        if npages == 0:
            raise _err(path, "PDF has no pages", "PDFにページがありません")
        check_pages(npages, path)
        total = 0
        for n in range(1, npages + 1):
            try:
                page = doc[n - 1]
                width, height = page.get_size()
                tp = page.get_textpage()
                try:
                    count = tp.count_chars()
                    check_page_chars(count, path, n)
                    total += count
                    check_chars(total, path)
                    glyphs = _pdfium_glyphs(raw, tp.raw, height)
                    paths, suspect = _scan_objects(raw, page.raw)
                finally:
                    tp.close()
                    page.close()
                found: _Found = []
                if suspect or (tables and paths >= MIN_PATHS):
                    if plumber is None:
                        import pdfplumber

                        plumber = pdfplumber.open(io.BytesIO(data))
                    ppage = plumber.pages[n - 1]
                    if suspect:
                        again = _plumber_glyphs(ppage)
                        if not any(g[0] == UNMAPPED for g in again):  # else pdfium's text is the better one
                            glyphs = again
                    if tables and paths >= MIN_PATHS:
                        if not suspect:
                            _lay_out_rules_only(ppage)
                        found = _find_tables(ppage, glyphs)
            except ReadError:
                raise
            except Exception as e:
                raise _page_error(path, n, e) from e
            yield build_lines(glyphs), found, float(width)
    finally:
        if plumber is not None:
            with suppress(Exception):  # pdfplumber's close walks the page tree again: a damaged one raises there too
                plumber.close()
        doc.close()


def read_pdf(path: Path, data: bytes, sha256: str, tables: bool = True, backend: str | None = None) -> SourceText:
    """Read a PDF into lines (``no`` = line within its page) and, with ``tables``, ruled tables.

    ``backend`` "pdfium" (default) reads characters with pdfium and asks pdfplumber for ruled tables only
    on pages that hold vector paths; "pdfplumber" does everything in pdfplumber (same lines, ~10x slower).
    """
    backend = backend or "pdfium"
    if backend not in ("pdfplumber", "pdfium"):
        raise ValueError(f"unknown PDF backend {backend!r}")
    if b"%%EOF" not in data[-4096:]:
        raise _err(path, "PDF is truncated or corrupt (no %%EOF marker at the end)", "PDFが途中で切れているか壊れています（末尾に%%EOFがありません）")
    pages = _pdfplumber_pages(path, data, tables) if backend == "pdfplumber" else _pdfium_pages(path, data, tables)
    per_page: list[_Page] = list(pages)
    empty = [n for n, (pl, _, _) in enumerate(per_page, 1) if not pl]
    if len(empty) == len(per_page):
        raise _err(
            path,
            f"no text layer (image-only PDF?) on pages {_page_ranges(empty)}",
            f"テキスト層がありません（画像のみのPDF？）: {_page_ranges(empty)}ページ",
        )
    chars = sum(len(ln.text) for pl, _, _ in per_page for ln in pl)
    unmapped = sum(ln.text.count(UNMAPPED) for pl, _, _ in per_page for ln in pl)
    if unmapped > UNMAPPED_LIMIT * chars:
        raise _err(
            path,
            f"text layer cannot be mapped to Unicode ({unmapped} of {chars} characters); try the other backend or OCR",
            f"テキスト層を文字に変換できません（{chars}文字中{unmapped}文字）。別のバックエンドかOCRを使ってください",
        )
    drop = furniture([pl for pl, _, _ in per_page])
    if drop:
        per_page = [([ln for k, ln in enumerate(pl) if (n, k) not in drop], t, w) for n, (pl, t, w) in enumerate(per_page)]
    # One margin per page width, so landscape pages in a portrait document get their own.
    margins = {
        w: right_margin([ln for pl, _, pw in per_page if round(pw) == w for ln in pl], w)
        for w in {round(pw) for _, _, pw in per_page}
    }
    lines: list[Line] = []
    found: list[Table] = []
    pitch = line_pitch([pl for pl, _, _ in per_page])
    for n, (plines, ptables, pw) in enumerate(per_page, 1):
        first = len(lines)
        margin = margins[round(pw)]
        for k, pl in enumerate(plines, 1):
            short = margin is not None and pl.x1 < margin - SHORT_BY * pl.size
            if not short and pitch and k < len(plines):
                short = plines[k].top - pl.top > PARAGRAPH_GAP * pitch * max(pl.size, plines[k].size)
            if not short and k + 1 < len(plines):
                short = _indent_follows(pl, plines[k], plines[k + 1], margin)
            lines.append(Line(len(lines), k, pl.text + (" " if short else ""), page=n, page_start=k == 1))
        for rows, bbox in ptables:
            x0, top, x1, bottom = bbox
            inside = next(
                (first + i for i, pl in enumerate(plines) if top <= (pl.top + pl.bottom) / 2 <= bottom and pl.x0 < x1 and pl.x1 > x0),
                None,
            )
            found.append(Table(n, tuple(tuple(r) for r in rows), bbox, inside))
    return SourceText(path=path, sha256=sha256, media="pdf", lines=lines, encoding=None, pages=len(per_page), tables=found)
