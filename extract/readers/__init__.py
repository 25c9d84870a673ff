"""Readers: any input file to :class:`~keifu.extract.model.SourceText` lines with provenance.

Dispatch is by content (``%PDF-`` magic), not by file extension, because downloaded government
files are often misnamed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from keifu.extract.errors import ReadError, TooLargeError
from keifu.extract.limits import check_file_bytes
from keifu.extract.model import SourceText
from keifu.extract.readers.pages import mark_page_starts
from keifu.extract.readers.pdf import read_pdf
from keifu.extract.readers.text import read_text

__all__ = ["read_source", "read_regular_file", "mark_page_starts"]

PDF_MAGIC = b"%PDF-"


_KINDS = [(stat.S_ISDIR, "a folder", "フォルダー"), (stat.S_ISFIFO, "a pipe (FIFO)", "パイプ（FIFO）"),
          (stat.S_ISCHR, "a device", "デバイス"), (stat.S_ISBLK, "a device", "デバイス"),
          (stat.S_ISSOCK, "a socket", "ソケット")]


def read_regular_file(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file. A folder, FIFO, device or socket is refused before anything is read (a
    FIFO or /dev/zero would block or never end); so is a file over the size cap (:mod:`keifu.extract.limits`)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO with no writer does not block the open
    except OSError as e:
        raise ReadError(f"cannot open file ({e.strerror})", f"ファイルを開けません（{e.strerror}）", path=path) from e
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        en, ja = next(((e, j) for test, e, j in _KINDS if test(st.st_mode)), ("not a file", "ファイルではありません"))
        raise ReadError(f"not a regular file but {en}", f"通常のファイルではありません（{ja}）", path=path)
    with os.fdopen(fd, "rb") as f:
        if max_bytes is not None and st.st_size > max_bytes:
            raise TooLargeError(f"file too large ({st.st_size:,} bytes; the limit is {max_bytes:,})",
                            f"ファイルが大きすぎます（{st.st_size:,} バイト。上限は {max_bytes:,}）", path=path)
        check_file_bytes(st.st_size, path)
        try:
            return f.read()
        except OSError as e:
            raise ReadError(f"cannot read file ({e.strerror})", f"ファイルを読めません（{e.strerror}）", path=path) from e


def read_source(path: Path | str, tables: bool = True, backend: str | None = None) -> SourceText:
    """Read a text or PDF file into lines; raise :class:`ReadError` (ja/en, naming the file) if unreadable.

    PDF only: ``tables=False`` skips ruled-table detection; ``backend`` "pdfium" (default, fast) or
    "pdfplumber" (pure pdfminer) -- both yield the same lines.
    """
    path = Path(path)
    data = read_regular_file(path)
    sha = hashlib.sha256(data).hexdigest()
    # The header may follow a little junk (readers tolerate up to 1024 bytes); a text file that merely
    # mentions the magic has no PDF objects.
    if data.lstrip().startswith(PDF_MAGIC) or (PDF_MAGIC in data[:1024] and b"endobj" in data):
        try:
            return read_pdf(path, data, sha, tables=tables, backend=backend)
        except ReadError:
            raise
        except Exception as e:  # noqa: BLE001 - a PDF library tripping on damage is a damaged PDF, not a crash
            raise ReadError(f"PDF is damaged and cannot be read ({type(e).__name__}: {e})",
                            f"PDFが壊れていて読めません（{type(e).__name__}）", path=path) from e
    return read_text(path, data, sha)
