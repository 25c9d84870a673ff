"""Readers: any input file to :class:`~keifu.extract.model.SourceText` lines with provenance.

Dispatch is by content (``%PDF-`` magic), not by file extension, because downloaded government
files are often misnamed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from keifu.extract.errors import ReadError
from keifu.extract.limits import check_file_bytes
from keifu.extract.model import SourceText
from keifu.extract.readers.pages import mark_page_starts
from keifu.extract.readers.pdf import read_pdf
from keifu.extract.readers.text import read_text

__all__ = ["read_source", "mark_page_starts"]

PDF_MAGIC = b"%PDF-"


def read_source(path: Path | str, tables: bool = True, backend: str | None = None) -> SourceText:
    """Read a text or PDF file into lines; raise :class:`ReadError` (ja/en, naming the file) if unreadable.

    PDF only: ``tables=False`` skips ruled-table detection; ``backend`` "pdfium" (default, fast) or
    "pdfplumber" (pure pdfminer) -- both yield the same lines.
    """
    path = Path(path)
    try:
        check_file_bytes(path.stat().st_size, path)
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot open file ({e.strerror})", f"ファイルを開けません（{e.strerror}）", path=path) from e
    sha = hashlib.sha256(data).hexdigest()
    # The header may follow a little junk (readers tolerate up to 1024 bytes); a text file that merely
    # mentions the magic has no PDF objects.
    if data.lstrip().startswith(PDF_MAGIC) or (PDF_MAGIC in data[:1024] and b"endobj" in data):
        return read_pdf(path, data, sha, tables=tables, backend=backend)
    return read_text(path, data, sha)
