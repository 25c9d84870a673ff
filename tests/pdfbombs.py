"""Hostile PDFs written by hand, small on disk and costly to read (issue 16): shared by the tests and
bench/bench_hostile.py.

- :func:`text_operator_bomb`: one page whose content stream holds very many text operators (``(A) Tj``);
  Flate-compressed, a few million operators fit in well under a megabyte.
- :func:`inflate_bomb`: one page whose content stream inflates to ``inflated`` bytes of zeros
  (zlib shrinks zeros about a thousandfold: 1 GiB fits in about 1 MB).
- :func:`many_pages`: ``n`` pages sharing one small content stream (3,000 pages in about 100 KB).
"""

from __future__ import annotations

import zlib
from pathlib import Path

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def write_pdf(path: Path | str, objects: list[bytes]) -> Path:
    """A PDF of ``objects`` (object 1 must be the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path = Path(path)
    path.write_bytes(bytes(out))
    return path


def _stream(data: bytes, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _one_page(path: Path | str, content: bytes) -> Path:
    """Catalog, pages, one page, its content stream (already a stream object), the font."""
    return write_pdf(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        content,
        _FONT,
    ])


def text_operator_bomb(path: Path | str, operators: int) -> Path:
    """One page, one content stream of ``operators`` one-glyph ``Tj`` operators (all drawn at one place)."""
    body = b"BT /F1 12 Tf 72 700 Td " + b"(A) Tj " * operators + b"ET"
    return _one_page(path, _stream(body))


def inflate_bomb(path: Path | str, inflated: int) -> Path:
    """One page whose Flate content stream is one short text line followed by ``inflated`` bytes of zeros
    (NUL is white space to a PDF content parser, so the page is valid, only huge)."""
    z = zlib.compressobj(9)
    parts = [z.compress(b"BT /F1 12 Tf 72 700 Td (Inflated page) Tj ET\n")]
    chunk = bytes(1 << 20)
    left = inflated
    while left > 0:
        parts.append(z.compress(chunk[:min(left, len(chunk))]))
        left -= len(chunk)
    parts.append(z.flush())
    data = b"".join(parts)
    return _one_page(path, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")


def many_pages(path: Path | str, n: int) -> Path:
    """``n`` pages, each drawing one short line from one shared content stream."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(n))
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>")
    return write_pdf(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
        _stream(b"BT /F1 12 Tf 72 700 Td (A page of many) Tj ET", compress=False),
        _FONT,
        *([page] * n),
    ])
