"""Excel (.xlsx) output of tables, for analysts who open exports in a spreadsheet.

openpyxl writes the file: CSV with a BOM opens in Excel too, but loses column widths and types and is
misread by spreadsheets that guess the encoding; an .xlsx carries text as text and numbers as numbers.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from keifu.extract.errors import KeifuError

#: cells longer than this are cut (Excel's limit is 32,767 characters)
MAX_CELL = 32_000


def _value(v: object, numeric: bool) -> object:
    """Text as text (section numbers like 1.2 stay as printed); numbers in numeric columns as numbers."""
    if v is None or v == "":
        return None
    s = str(v)
    if numeric:
        try:
            return int(s)
        except ValueError:
            try:
                return float(s)
            except ValueError:
                pass
    return s[:MAX_CELL]


def xlsx_bytes(head: Sequence[str], rows: Iterable[Sequence[object]], sheet: str = "table",
               numeric: Collection[str] = ()) -> bytes:
    """One sheet: the header in bold and frozen, an autofilter, column widths from the content; the columns
    named in ``numeric`` hold numbers where the text is one."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as e:  # a dependency of keifu: only a broken install lacks it
        raise KeifuError("openpyxl is not installed (pip install openpyxl)",
                         "openpyxl がインストールされていません（pip install openpyxl）") from e
    widths = [len(str(h)) for h in head]
    nums = {i for i, h in enumerate(head) if h in numeric}
    rows = [[_value(v, i in nums) for i, v in enumerate(r)] for r in rows]
    for vals in rows:
        for i, v in enumerate(vals[: len(widths)]):
            widths[i] = max(widths[i], min(60, len(str(v)) if v is not None else 0))
    wb = Workbook(write_only=True)  # streamed: about twice as fast as building the cells in memory
    ws = wb.create_sheet(sheet[:31])
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, w * 1.6 if w < 40 else 60)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{len(rows) + 1}"
    bold = Font(bold=True)
    header = []
    for h in head:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = bold
        header.append(c)
    ws.append(header)
    for vals in rows:
        ws.append(vals)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(path: Path, head: Sequence[str], rows: Iterable[Sequence[object]], sheet: str = "table",
               numeric: Collection[str] = ()) -> None:
    path.write_bytes(xlsx_bytes(head, rows, sheet, numeric))
