"""Generate small Japanese test PDFs with reportlab's built-in CID fonts (no font files needed).

The layout imitates a word processor: paragraphs wrap at a fixed width, full lines are justified
to the right margin and a paragraph's last line stays short, so readers can be tested on the
trailing-space paragraph signal, page/line numbers and ruled tables.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from pdfbombs import write_pdf
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "HeiseiMin-W3"
LEFT = 72.0
TOP = 72.0
LEADING = 1.6  # line height as a multiple of the font size
INDENT = "\u3000"  # a paragraph's first-line indent: one full-width character


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def text_width(font_size: float, width_chars: int | None) -> float:
    """Width of the text block in points: ``width_chars`` full-width characters, or the A4 block."""
    if width_chars is not None:
        return width_chars * font_size
    return int((A4[0] - 2 * LEFT) / font_size) * font_size


def _width(s: str, font_size: float) -> float:
    return pdfmetrics.stringWidth(s, _font(), font_size)


#: characters a line may not start with, or end with (禁則処理, JIS X 4051): punctuation, closing brackets,
#: small kana and the prolonged sound mark stay with the line before; opening brackets with the line after
NO_LINE_START = "、。，．・：；？！）」』】〕》〉］｝ー々ゝゞぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.:;?!)]}"
NO_LINE_END = "（「『【〔《〈［｛([{"


def wrap_paragraph(text: str, font_size: float = 10.5, width_chars: int | None = None) -> list[str]:
    """Greedy word-processor wrap: break anywhere in Japanese, never inside an ASCII word, and never before a
    character that may not start a line or after one that may not end it (kinsoku).

    A break at a space drops the space, as word processors do.
    """
    limit = text_width(font_size, width_chars) + 1e-6
    lines: list[str] = []
    rest = text
    while rest:
        n = 0
        while n < len(rest) and _width(rest[: n + 1], font_size) <= limit:
            n += 1
        if n >= len(rest):
            lines.append(rest)
            break
        n = max(n, 1)
        cut = n
        if rest[cut].isascii() and rest[cut].isalnum() and rest[cut - 1].isascii() and rest[cut - 1].isalnum():
            start = cut
            while start > 0 and rest[start - 1].isascii() and rest[start - 1].isalnum():
                start -= 1
            if start > 0:
                cut = start
        while cut > 1 and (rest[cut] in NO_LINE_START or rest[cut - 1] in NO_LINE_END):
            cut -= 1  # kinsoku: the character before goes down with it (追い出し)
        line, rest = rest[:cut], rest[cut:]
        lines.append(line.rstrip(" "))
        rest = rest.lstrip(" ")
    return lines


def _draw_line(c: canvas.Canvas, x: float, y: float, s: str, font_size: float, justify_to: float | None) -> None:
    t = c.beginText(x, y)
    t.setFont(_font(), font_size)
    space = 0.0
    if justify_to is not None and len(s) > 1:
        space = max(0.0, (justify_to - _width(s, font_size)) / (len(s) - 1))
    t.setCharSpace(space)  # always set: the PDF text state (Tc) outlives the text object
    t.textOut(s)
    c.drawText(t)


def make_pdf(
    path: Path | str,
    pages: list[list[str]],
    font_size: float = 10.5,
    width_chars: int | None = None,
    **canvas_kw: object,
) -> Path:
    """Write one page per entry; each string is a paragraph ('' leaves an empty line).

    Full lines are justified to the margin; a paragraph's last line is not. Raises ValueError
    if a page does not fit, so tests always know which page a line lands on.
    """
    path = Path(path)
    width = text_width(font_size, width_chars)
    step = font_size * LEADING
    c = canvas.Canvas(str(path), pagesize=A4, **{"invariant": 1, **canvas_kw})  # type: ignore[arg-type]
    for n, paragraphs in enumerate(pages, 1):
        y = A4[1] - TOP - font_size
        for para in paragraphs:
            wrapped = wrap_paragraph(para, font_size, width_chars) if para else [""]
            for i, line in enumerate(wrapped):
                if y < TOP:
                    raise ValueError(f"page {n} overflows")
                if line:
                    _draw_line(c, LEFT, y, line, font_size, width if i < len(wrapped) - 1 else None)
                y -= step
        c.showPage()
    c.save()
    return path


@dataclass(frozen=True)
class Layout:
    """A page layout for :func:`make_flow_pdf`: page size, type size, margins and page furniture.

    ``header`` is printed at the top of every page and ``folio`` (``{n}`` = the page number) at the bottom,
    both in the margins and in a smaller type, as word processors print a running header and page numbers.
    """

    name: str
    page: tuple[float, float] = A4
    font_size: float = 10.5
    left: float = LEFT
    right: float = LEFT
    top: float = TOP
    bottom: float = TOP
    header: str | None = None
    folio: str | None = None
    #: extra space after a paragraph, in lines
    after: float = 0.0

    @property
    def width_chars(self) -> int:
        """Full-width characters per line: the block is a whole number of them, so full lines are justified."""
        return int((self.page[0] - self.left - self.right) / self.font_size)


def make_flow_pdf(path: Path | str, paragraphs: list[str], layout: Layout, indented: Collection[int] = ()) -> Path:
    """Flow paragraphs onto as many pages as they need (a paragraph may run onto the next page), with the
    layout's running header and page numbers; full lines are justified, a paragraph's last line is not. The
    first line of each paragraph numbered in ``indented`` is indented by one character, as body paragraphs are."""
    path = Path(path)
    fs, (pw, ph) = layout.font_size, layout.page
    width = text_width(fs, layout.width_chars)
    step = fs * LEADING
    small = max(6.0, fs * 0.8)
    c = canvas.Canvas(str(path), pagesize=layout.page, invariant=1)
    page = 0
    y = -1.0

    def new_page() -> float:
        nonlocal page
        if page:
            c.showPage()
        page += 1
        if layout.header:
            _draw_line(c, layout.left, ph - layout.top / 2, layout.header, small, None)
        if layout.folio:
            folio = layout.folio.format(n=page)
            _draw_line(c, (pw - _width(folio, small)) / 2, layout.bottom / 2, folio, small, None)
        return ph - layout.top - fs

    for n, para in enumerate(paragraphs):
        indent = n in indented
        wrapped = wrap_paragraph(INDENT + para if indent else para, fs, layout.width_chars)
        for i, line in enumerate(wrapped):
            if page == 0 or y < layout.bottom:
                y = new_page()
            x = layout.left
            if indent and i == 0:
                line, x = line[len(INDENT):], x + _width(INDENT, fs)  # an indent is a position, not a character
            _draw_line(c, x, y, line, fs, layout.left + width - x if i < len(wrapped) - 1 else None)
            y -= step
        y -= layout.after * step
    if page == 0:
        new_page()
    c.showPage()
    c.save()
    return path


def make_table_pdf(
    path: Path | str,
    pages: list[list[list[str]]],
    font_size: float = 10.0,
    captions: list[str] | None = None,
    col_chars: list[int] | None = None,
) -> Path:
    """Draw one ruled grid table per page (same columns on every page, so a table can continue
    across a page break). Cell text wraps inside its cell, and "\n" starts a new line in it (one item per
    line, as word processors print lists in cells); ``captions[i]`` is printed above page i's table.
    """
    path = Path(path)
    ncols = max(len(r) for page in pages for r in page)
    widths = [(w + 1) * font_size for w in (col_chars or [12] * ncols)]
    pad = font_size * 0.5
    step = font_size * 1.4
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)  # the same bytes every run: fuzzing repeats
    for n, rows in enumerate(pages):
        y = A4[1] - TOP
        if captions and n < len(captions) and captions[n]:
            _draw_line(c, LEFT, y - font_size, captions[n], font_size, None)
            y -= 3 * font_size
        c.setLineWidth(0.8)
        for row in rows:
            cells = [[ln for part in txt.split("\n") for ln in wrap_paragraph(part, font_size, int(w / font_size) - 1)]
                     if txt else [] for txt, w in zip(row, widths, strict=False)]
            height = max(1, max((len(x) for x in cells), default=1)) * step + 2 * pad
            x = LEFT
            for i, w in enumerate(widths):
                c.rect(x, y - height, w, height, stroke=1, fill=0)
                for k, line in enumerate(cells[i] if i < len(cells) else []):
                    _draw_line(c, x + pad, y - pad - font_size - k * step, line, font_size, None)
                x += w
            y -= height
            if y < TOP:
                raise ValueError(f"table page {n + 1} overflows")
        c.showPage()
    c.save()
    return path


def make_encrypted_pdf(path: Path | str, pages: list[list[str]], password: str = "himitsu") -> Path:
    """A PDF that needs a user password to open."""
    enc = StandardEncryption(userPassword=password, ownerPassword=password + "-owner", canPrint=0)
    return make_pdf(path, pages, encrypt=enc)


def make_image_only_pdf(path: Path | str, npages: int = 2) -> Path:
    """Pages with shapes and filled areas but no text layer (like a scan)."""
    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)  # the same bytes every run: fuzzing repeats
    for i in range(npages):
        c.setFillGray(0.3 + 0.1 * i)
        c.rect(100, 300, 300, 200, stroke=1, fill=1)
        c.circle(300, 650, 60, stroke=1, fill=0)
        c.line(80, 120, 500, 140)
        c.showPage()
    c.save()
    return path


def make_corrupt_pdf(path: Path | str, keep: float = 0.5) -> Path:
    """A valid PDF cut off after ``keep`` of its bytes (a broken download)."""
    path = Path(path)
    make_pdf(path, [["破損試験のための文章です。"] * 3, ["二頁目の文章です。"]])
    data = path.read_bytes()
    path.write_bytes(data[: max(8, int(len(data) * keep))])
    return path


def make_zero_page_pdf(path: Path | str) -> Path:
    """A syntactically valid PDF whose page tree is empty."""
    return write_pdf(path, [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
