"""Evaluation-axis tables (評価軸 / 評価指標 / モニタリング指標) in the annexes of an objectives document.

PDF-to-text prints such a table cell by cell (docs/formats.md §5): the item cells in fragments, then the
axes, then the indicator lists under their labels. Rows are rebuilt with a small state machine over the
lines of the annex:

* text that continues nothing opens an item cell; an axis or label starts the row those cells name;
* a cell printed once for several rows (a parent area, a catch-all) is carried forward;
* a row crossing a page prints the page-N part of every column, then the page-N+1 part (§5.3): an item
  still open when a marker arrives is parked, and after a page start continuation text goes to the
  earliest parked item in column order;
* 「等」 closes a list, ※ notes and 注） are not items, repeated headers and annex labels are dropped;
* a ○ after the indicators is a new axis where the evaluation indicators use ・, and another evaluation
  indicator where they use ○ themselves (JAXA, whose monitoring lists follow each evaluation indicator).

From PDFs with ruled tables (``SourceText.tables``) the cells are used directly (:func:`rows_from_cells`).
Rows are then linked to headings by title (:mod:`keifu.extract.evaluation.axis_link`); rows that match nothing
are reported as :class:`Problem` records, never dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..blocks import balanced, has_trailing_space_signal, match_marker
from ..headings import Heading
from ..model import UNIT_END, Line, LineSpan, SourceText, Table
from ..normalize import display_width, join_wrapped, squash
from ..registry import register_parser
from ..segment import BOX_HEADING
from ..vocab import patterns
from . import axis_vocab as V
from .axis_link import Link, TitleIndex, title_key

__all__ = ["AxisItem", "AxisRow", "AxisTables", "Cell", "Problem", "parse_axis_tables", "rows_from_cells",
           "rows_from_lines"]

# Column order for page-break recovery: item cells, axes, indicators (notes sit in their column).
_COL_CELL, _COL_AXIS, _COL_IND = 0, 1, 2
# A wrapped item may leave a tail of up to this many characters on a line of its own (docs/formats.md §4.5).
_FRAGMENT_MAX = 3
# Where no trailing space marks unit ends, a line shorter than this share of its column (and by more than a
# character and a half) ended its unit: a wrapped line of Japanese is full, or a character short where a mark
# may not start or end a line (kinsoku), and punctuation is packed to half its width by some typesetters and
# not by others. Widths are in columns (display_width), so Latin names count right.
_WRAPPED = 0.9


# A line begins a heading's title when it holds at least this many of its characters (fewer match by chance).
_TITLE_START = 5
_OPENERS = {"【": "】", "［": "］", "[": "]", "〔": "〕", "《": "》", "＜": "＞", "<": ">"}


def _short(n: int, width: int) -> bool:
    """A line ``n`` columns wide stops short of a column ``width`` wide (see _WRAPPED)."""
    return n < min(_WRAPPED * width, width - 3)


# A merged line holds several cells: split before " ○" and before " 《label》" / " 【label】" / " （label）".
_SPLIT = re.compile(r"[ \t\u3000]+(?=[○〇◯]|[・●◆◇■□▪•][ \t\u3000]|[《【（(＜<〔［][^《》【】（）()＜＞<>〔〕［］]{1,30}[》】）)＞>〕］])")


@dataclass
class AxisItem(LineSpan):
    """An axis, an indicator or a note, as printed (wrapped lines joined)."""

    kind: str  # "axis", "note" or an indicator-kind code (evaluation, monitoring, …)
    text: str
    lines: list[Line]
    #: for a monitoring indicator listed under one evaluation indicator (JAXA): that indicator's position
    #: in ``AxisRow.indicators``
    paired: int | None = None
    #: the bullet printed (circle ○〇, dot ・), so a ruled cell can tell ○ evaluation indicators as text does
    bullet: str | None = field(default=None, repr=False, compare=False)


@dataclass
class Cell(LineSpan):
    """An item cell (項目 / 研究領域等 column), with the heading it names once linked."""

    text: str
    lines: list[Line]
    links: list[Link] = field(default_factory=list)
    carried: bool = False  # printed for an earlier row and carried forward (merged cell)


@dataclass
class AxisRow:
    """One row of the table: item cells, axes, indicators, notes, and the objective it evaluates."""

    cells: list[Cell]
    axes: list[AxisItem] = field(default_factory=list)
    indicators: list[AxisItem] = field(default_factory=list)
    notes: list[AxisItem] = field(default_factory=list)
    #: sub-item cells that share this row's merged axis cells (RIKEN prints them after the indicators)
    extra: list[Cell] = field(default_factory=list)
    objective: int | None = None  # heading index
    covers: list[int] = field(default_factory=list)  # every heading the row's cells name
    link: Link | None = None

    @property
    def first(self) -> Line:
        cands = [c.first for c in self.cells if not c.carried] + [i.first for i in self.axes + self.indicators]
        return min(cands, key=lambda ln: ln.index) if cands else self.cells[0].first

    @property
    def last(self) -> Line:
        items = self.axes + self.indicators + self.notes
        cands = [i.last for i in items] + [c.lines[-1] for c in self.cells + self.extra if not c.carried]
        return max(cands, key=lambda ln: ln.index)

    @property
    def label(self) -> str:
        """The item as printed: the row's own cells (outermost first) joined with ' / '."""
        return " / ".join(c.text for c in self.cells) or "(項目なし)"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the parser could not place: reported with its line, never dropped silently."""

    kind: str  # unmatched-row | unmatched-cell | orphan-cells | fuzzy-link | content-link
    line: Line
    text: str
    message_ja: str
    message_en: str

    def describe(self) -> str:
        return f"{self.line.cite()}: {self.message_ja} / {self.message_en}: {self.text[:60]}"


@dataclass
class AxisTables:
    """The parser's result for one document (``ExtractedDocument.extras["axis_table"]``)."""

    rows: list[AxisRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    title_lines: list[Line] = field(default_factory=list)
    from_cells: bool = False


# --------------------------------------------------------------------------------------------------
# Finding the table
# --------------------------------------------------------------------------------------------------


def _other_annex_title(text: str) -> bool:
    sq = squash(text)
    return len(sq) <= 80 and not V.is_table_title(text) and any(p.match(sq) for p in patterns("annex_titles.tsv"))


def _wrapped_title(lines: Sequence[Line], j: int, end: int) -> bool:
    """Line j opens another annex's title that wraps onto the next line (it carries no unit-end signal): a long
    title overflows a PDF line (…に係る政策体 / 系図）)."""
    text = lines[j].text
    if not text.strip() or text.endswith(UNIT_END):
        return False
    k = j + 1
    while k < end and lines[k].blank:
        k += 1
    return k < end and _other_annex_title(join_wrapped(text.strip(), lines[k].text.strip()))


def table_ranges(lines: Sequence[Line], start: int, end: int) -> list[tuple[int, int, Line | None]]:
    """(first, end, title line) of each evaluation-axis table in ``lines[start:end]``; a table ends at
    another annex title, a closing 注）, or a diagram box heading such as （中期目標） printed after it."""
    out: list[tuple[int, int, Line | None]] = []
    i = start
    while i < end:
        ln = lines[i]
        if not ln.blank and (V.is_table_title(ln.text) or V.is_table_header(ln.text)):
            title = ln if V.is_table_title(ln.text) else None
            j = i + 1
            while j < end and not (_other_annex_title(lines[j].text) or V.is_table_end(lines[j].text)
                                   or BOX_HEADING.match(squash(lines[j].text)) or _wrapped_title(lines, j, end)):
                j += 1
            out.append((i, j, title))
            i = j + 1
        else:
            i += 1
    return out


# --------------------------------------------------------------------------------------------------
# Text layout: a state machine over pieces of lines
# --------------------------------------------------------------------------------------------------


@dataclass
class _Buf:
    """An open item or cell that may continue on the next line."""

    target: AxisItem | Cell
    col: int
    after_page: bool = False  # parked, and a page start has come since
    page: int = 0  # the page (counted in page starts) it was parked on
    width: int = 0  # columns of the unit's first line (its column's width when it wraps; display_width)
    lead: int = 0  # columns of the item's bullet: the lines after the first may be as much narrower (hanging)


#: a question: the form of an evaluation axis (…できているか。, …実施したか（該当事例があった場合のみ）。)
_QUESTION = re.compile(r"か(?:[（(][^（）()]*[）)])?。?$")


def _question(text: str) -> bool:
    return _QUESTION.search(squash(text)) is not None


def _dangling(text: str) -> bool:
    """A fragment that cannot start a cell: 1–3 characters, or more closing than opening brackets (a numbered
    marker's own bracket, as in １）, does not count)."""
    sq = squash(text)
    if len(sq) <= _FRAGMENT_MAX:
        return True
    marker = match_marker(text.lstrip(" \t\u3000"))
    if marker is not None and _excess_closers(squash(marker.raw)) > 0:
        sq = squash(marker.title)  # １）: the marker's own bracket closes nothing
    return _excess_closers(sq) > 0


def _excess_closers(sq: str) -> int:
    return sum(sq.count(c) for c in "）)」』】》") - sum(sq.count(c) for c in "（(「『【《")


def _pieces(line: Line) -> list[tuple[str, bool]]:
    """A raw line split into cells that share its baseline: (text, closed)."""
    raw = line.text
    ends_open = not raw.endswith(UNIT_END)
    text = raw.strip(" \t\u3000")
    if not text:
        return []
    cuts = [m.start() for m in _SPLIT.finditer(text) if m.start() > 0]
    parts, prev = [], 0
    for c in cuts:
        piece = text[prev:c].strip()
        rest = text[c:].strip()
        if rest[:1] in "《【（(＜<〔［" and V.indicator_label(rest.split()[0]) is None and not V.is_axis_label(rest.split()[0]):
            continue  # a bracket inside the text, not a label
        if piece:
            parts.append(piece)
        prev = c
    parts.append(text[prev:].strip())
    return [(p, i < len(parts) - 1 or not ends_open) for i, p in enumerate(parts) if p]


class _Machine:
    def __init__(self, widths: dict[int, int] | None = None,
                 title_start: Callable[[str], bool] = lambda _text: False) -> None:
        self.title_start = title_start
        #: where no trailing space marks unit ends: each item column's width (None: the signal is there)
        self.widths = widths
        self.first_lines: dict[int, Counter[int]] = {}  # lengths of the items' first lines, by column
        self.rows: list[AxisRow] = []
        self.row: AxisRow | None = None
        self.section: str | None = None  # "axis" or an indicator kind
        self.eval_bullet: str | None = None  # bullet of the evaluation indicators in this table
        self.open: _Buf | None = None
        self.pending: list[_Buf] = []
        self.cells: list[Cell] = []  # cells printed since the last row started
        self.since_label: int = 0  # evaluation indicators since the last label
        self.last: _Buf | None = None  # the item closed last (a dangling fragment may still belong to it)
        self._paired: int | None = None  # evaluation indicator the current monitoring list belongs to
        self.pages = 0  # page starts so far

    # -- buffers -------------------------------------------------------------------------------------

    def _park(self) -> None:
        if self._complete_unsignalled():
            self._close()
        if self.open is not None:
            if self.widths is not None:
                # no trailing spaces: of the units of one column parked on a page, only the last can be cut by
                # the page end; the one before it was followed by another unit of its column, so it ended
                col = self.open.col
                self.pending = [b for b in self.pending if b.col != col or b.after_page]
            self.open.page = self.pages
            self.pending.append(self.open)
            self.open = None

    def page_start(self) -> None:
        """A page starts: only units parked on the page that ended can go on here. One parked earlier that no text
        went on with after a page start was not cut by a page end: it ended without its trailing space (in a PDF,
        a unit whose last line fills the line), and must not take the text of a later page."""
        self.pending = [b for b in self.pending if b.page == self.pages]
        self.pages += 1

    def _continues(self, buf: _Buf, text: str, closed: bool) -> bool:
        """Whether ``text`` may carry on a unit cut by a page end. Without trailing spaces, an item goes on with a
        line as full as its first one, with the sentence end of an axis (…か。), or with any line when its own
        last line filled its column (then it was cut, not finished) — never with a piece that other pieces
        follow on its line (a cell left of the items) or with the first line of a heading's title."""
        if self.widths is None or isinstance(buf.target, Cell):
            return True
        if closed or self.title_start(text):
            return False
        s = squash(text)
        last = display_width(buf.target.lines[-1].text) if buf.target.lines else 0
        return s.endswith("。") or not _short(display_width(s), buf.width - buf.lead) \
            or not _short(last, self.widths.get(buf.col, 0))

    def _complete_unsignalled(self) -> bool:
        """Where no trailing space marks unit ends, whether what is open has ended when something else begins:
        a cell whose brackets all close, or a one-line item shorter than the item column (an item cut by a page
        end fills its line). What has not ended waits for the next page, as a cut unit does. Where trailing spaces
        mark them, an item that ends a sentence (…か。) with its brackets closed has ended all the same: its
        last line filled the line, so no space followed (a PDF's unit-end signal comes from the line's length)."""
        if self.open is None:
            return False
        if self.widths is None:
            t = self.open.target
            return isinstance(t, AxisItem) and squash(t.text).endswith("。") and balanced(t.text)
        t = self.open.target
        if isinstance(t, Cell):
            return balanced(t.text)
        return len(t.lines) == 1 and self._short_first(self.open)

    def _cell_begins(self, text: str) -> bool:
        """A line that begins a heading's title after an item still open starts the next item cell: without
        trailing spaces, and where an item's last line carries none because it filled the line (a PDF)."""
        return self.open is not None and isinstance(self.open.target, AxisItem) and self.title_start(text)

    def _bracketed(self) -> bool:
        """Without trailing spaces: the open cell is one bracketed label (【1.1 …】), complete in itself."""
        if self.widths is None or self.open is None or not isinstance(self.open.target, Cell):
            return False
        s = squash(self.open.target.text)
        return len(s) > 2 and s[0] in _OPENERS and s[-1] == _OPENERS[s[0]] and balanced(s[1:-1])

    def _short_first(self, buf: _Buf) -> bool:
        """The first line of an item stops short of its column: the item is one line (Japanese fills a line
        before it wraps)."""
        return self.widths is not None and _short(buf.width, self.widths.get(buf.col, 0))

    def _append(self, buf: _Buf, text: str, line: Line) -> None:
        t = buf.target
        t.text = join_wrapped(t.text, text)
        if line not in t.lines:
            t.lines.append(line)

    # -- rows ----------------------------------------------------------------------------------------

    def _start_row(self, carry: bool) -> AxisRow:
        if self.cells:
            cells = self.cells
        elif carry and self.row is not None:
            cells = [Cell(c.text, c.lines, carried=True) for c in self.row.cells]
        else:
            cells = []
        self.cells = []
        self.row = AxisRow(cells)
        self.rows.append(self.row)
        self.since_label = 0
        return self.row

    def _row_for_items(self) -> AxisRow:
        if self.row is None or self.cells:
            return self._start_row(carry=False)
        return self.row

    # -- events --------------------------------------------------------------------------------------

    def text(self, text: str, line: Line, closed: bool) -> None:
        if line.page_start:
            if self.widths is not None and self.pending and self.open is not None:
                self._park()  # before the page start marks what waits (_park keeps one unit per column)
            for b in self.pending:
                b.after_page = True
            if self.pending and self.open is not None:
                self._park()
                self.open = None
                for b in self.pending:
                    b.after_page = True
        ready = [b for b in self.pending if b.after_page and self._continues(b, text, closed)]
        if self.open is None and ready:
            buf = min(ready, key=lambda b: (b.col, -self.pending.index(b)))  # per column, the unit cut last
            self.pending.remove(buf)
            self.open = buf
            if buf.col == _COL_AXIS:
                self.section = "axis"
            elif buf.col == _COL_IND and isinstance(buf.target, AxisItem) and buf.target.kind != "note":
                self.section = buf.target.kind
        if self.open is None and self.last is not None and _dangling(text) and (
                not self.cells or self.last.target is self.cells[-1]):
            self.open = self.last  # '…打上げ計画の達成 ' + '状況 ': a wrapped tail despite the trailing space
        if self._outgrows(text) or self._bracketed() or self._cell_begins(text):
            self._close()
        if self.open is not None:
            self._append(self.open, text, line)
        else:
            if self.widths is None:
                # a new item cell starts the next row: the units parked in the row before are done (a unit cut by a
                # page end goes on before the next row begins; these ended without the signal, filling their lines)
                self.pending = []
            cell = Cell(text, [line])
            self.cells.append(cell)
            self.open = _Buf(cell, _COL_CELL, width=display_width(text))
        if closed or self._ends_unsignalled(text):
            self._close()

    def _outgrows(self, text: str) -> bool:
        """Where no trailing space marks unit ends: a line longer than the open unit's first line starts another
        one (a short line, then a fuller one: the short line was the whole unit)."""
        return self.widths is not None and self.open is not None and balanced(self.open.target.text) \
            and _short(self.open.width, display_width(text))

    def _ends_unsignalled(self, text: str) -> bool:
        """Where no trailing space marks unit ends, whether ``text`` ends what is open: a sentence end, or a line
        short of the unit's first line. Columns differ in width, but Japanese wraps at any character, so a
        wrapped line is as full as the first line of its unit."""
        if self.widths is None or self.open is None:
            return False
        return squash(text).endswith("。") and isinstance(self.open.target, AxisItem) \
            or len(self.open.target.lines) > 1 and _short(display_width(text), self.open.width - self.open.lead)

    def _close(self) -> None:
        if self.open is not None:
            self.last = self.open
        self.open = None

    def item(self, bullet: str, text: str, line: Line, closed: bool) -> None:
        self._park()
        self._question_to_axis()
        self.last = None
        body = V.strip_bullet(text)
        ind_section = self.section not in (None, "axis")
        if V.is_note(text):
            row = self._row_for_items()
            item = AxisItem("note", body, [line])
            row.notes.append(item)
            col = _COL_AXIS if self.section in (None, "axis") else _COL_IND
        elif ind_section and not self.cells and (
                bullet == "dot" or self.eval_bullet == "circle" or (self.section == "evaluation" and not self.since_label)):
            row = self._row_for_items()
            kind = self.section or "related"
            if bullet == "circle" and self.section != "evaluation":
                kind = self.section = "evaluation"  # JAXA: the next evaluation indicator after a monitoring list
                self.since_label = 0
            if kind == "evaluation":
                self.eval_bullet = self.eval_bullet or bullet
                self.since_label += 1
            item = AxisItem(kind, body, [line])
            if kind == "monitoring":
                item.paired = self._paired
            row.indicators.append(item)
            col = _COL_IND
        else:
            if self.cells or self.row is None:
                row = self._start_row(carry=False)
            elif ind_section:
                row = self._start_row(carry=True)  # a further axis block under a carried (catch-all) cell
            else:
                row = self.row
            self.section = "axis"
            item = AxisItem("axis", body, [line])
            row.axes.append(item)
            col = _COL_AXIS
        self.open = _Buf(item, col, width=display_width(text), lead=display_width(text) - display_width(body))
        self.first_lines.setdefault(col, Counter())[self.open.width] += 1
        if closed or self._ends_unsignalled(text) or self._short_first(self.open):
            self._close()

    def _question_to_axis(self) -> None:
        """The last indicator, now complete, reads as a question (…できているか。): it was an axis printed with
        the indicators' bullet (one bullet for both), so it opens the next axis block. Evaluation axes are
        questions by the guideline's form; no indicator of the corpus or of our fixtures is one."""
        row = self.row
        if row is None or not row.indicators or self.section in (None, "axis") or self.cells:
            return
        item = row.indicators[-1]
        if item.kind == "note" or not _question(item.text):
            return
        row.indicators.pop()
        item.kind, item.paired = "axis", None
        self._start_row(carry=True).axes.append(item)
        self.section = "axis"

    def label(self, kind: str, line: Line) -> None:
        self._park()
        self._question_to_axis()
        self.last = None
        row = self._row_for_items()
        if kind == "monitoring":
            evals = [i for i, x in enumerate(row.indicators) if x.kind == "evaluation"]
            self._paired = evals[-1] if evals and self.since_label == 1 and self.section == "evaluation" else None
        else:
            self._paired = None
        if kind == "evaluation":
            self.since_label = 0
        self.section = kind
        del line

    def close(self) -> None:
        self.open = self.last = None

    def finish(self) -> list[Cell]:
        """Rows, and the cells printed after the last row (sub-items of a merged cell, or orphans)."""
        leftover, self.cells = self.cells, []
        return leftover


def rows_from_lines(lines: Sequence[Line], titles: Sequence[str] = ()) -> tuple[list[AxisRow], list[Cell]]:
    """Rows of one table from its physical lines (title and header lines may be included). ``titles``: the
    document's heading titles, which tell a cell's first line from an item's last where no trailing space does."""
    widths = None if has_trailing_space_signal(lines) else {}
    m = _run(_Machine(widths, _title_start(titles)) if widths is None else _Machine(widths), lines)
    if widths is not None:
        # No trailing spaces: the first pass tells which column each item is in, the second closes items by
        # their column's width (_column_width).
        widths = {col: _column_width(c) for col, c in m.first_lines.items()}
        m = _run(_Machine(widths, _title_start(titles)), lines)
    return m.rows, m.finish()


def _title_start(titles: Sequence[str]) -> Callable[[str], bool]:
    """Whether a line is one of ``titles`` or begins one (with at least _TITLE_START characters): the first line
    of an item cell, which names an objective, rather than the last line of the item before it."""
    keys = sorted({title_key(t) for t in titles})

    def starts(text: str) -> bool:
        key = title_key(text)
        if len(key) < 2:
            return False
        at = bisect_left(keys, key)
        return at < len(keys) and (keys[at] == key or len(key) >= _TITLE_START and keys[at].startswith(key))
    return starts


def _column_width(firsts: Counter[int]) -> int:
    """A column's width from the widths of its items' first lines: the most common of the upper half (the
    items that wrap fill their first line; one-line items are shorter; a few lines run wider with Latin text
    or a merged cell), the widest on a tie."""
    flat = sorted(firsts.elements())
    upper = Counter(flat[len(flat) // 2:])
    return max(upper, key=lambda n: (upper[n], n)) if upper else 0


def _run(m: _Machine, lines: Sequence[Line]) -> _Machine:
    for ln in lines:
        if ln.blank or V.is_page_number(ln.text):
            continue
        if ln.page_start:
            m.page_start()
        for text, closed in _pieces(ln):
            if V.is_table_title(text) or V.is_table_header(text) or V.is_annex_label(text):
                continue
            if V.is_table_end(text):
                return m
            kind = V.indicator_label(text)
            if kind is not None:
                m.label(kind, ln)
            elif V.is_axis_label(text):
                m.section = "axis"
            elif V.is_list_end(text):
                m.close()
            elif (b := V.bullet_kind(text)) is not None or V.is_note(text):
                m.item(b or "dot", text, ln, closed)
            else:
                m.text(text, ln, closed)
    return m


# --------------------------------------------------------------------------------------------------
# PDF layout: ruled-table cells
# --------------------------------------------------------------------------------------------------


def _find_line(src: SourceText, table: Table, text: str) -> Line:
    """The physical line of a cell fragment (for provenance): same page, inside or after the table."""
    key = squash(text)[:8]
    start = table.first_line if table.first_line is not None else 0
    for ln in src.lines[start:]:
        if ln.page != table.page:
            if ln.page is not None and table.page is not None and ln.page > table.page:
                break
            continue
        if key and key in squash(ln.text):
            return ln
    return src.lines[start] if src.lines else Line(0, 1, text, table.page)


_CELL_SPLIT = re.compile(r"[ \t\u3000]+(?=[○〇◯・]|[《【（(＜<〔［][^《》【】（）()＜＞<>〔〕［］]{1,30}[》】）)＞>〕］])")


def _cell_lines(text: str | None) -> list[str]:
    """The pieces of a ruled-table cell: a wrapped line joins the one before unless it starts with a marker;
    items and labels that share a line (joined by a space) are split again."""
    joined: list[str] = []
    for t in (text or "").split("\n"):
        t = t.strip()
        if not t:
            continue
        starts = V.bullet_kind(t) is not None or V.is_note(t) or t[:1] in "《【（(＜<〔［" or V.is_list_end(t)
        if joined and not starts:
            joined[-1] = join_wrapped(joined[-1], t)
        else:
            joined.append(t)
    out: list[str] = []
    for j in joined:
        out.extend(p.strip() for p in _CELL_SPLIT.split(j) if p.strip())
    return out


def rows_from_cells(src: SourceText, tables: Sequence[Table]) -> list[AxisRow]:
    """Rows from ruled tables: item columns before the 評価軸 column, indicator columns after it.

    A table on the next page without a header row continues the previous one; its first row continues
    the previous row when its item cells are empty (a row split by the page break).
    """
    rows: list[AxisRow] = []
    item_cols: list[int] = []
    axis_col: int | None = None
    ind_cols: list[int] = []
    carried: list[Cell | None] = []
    for t in tables:
        for r, cells in enumerate(t.rows):
            texts = [c or "" for c in cells]
            joined = " ".join(squash(x) for x in texts)
            if any("評価軸" == squash(x) or squash(x).startswith("評価軸") for x in texts) and V.is_table_header(joined):
                axis_col = next(i for i, x in enumerate(texts) if squash(x).startswith("評価軸"))
                item_cols = list(range(axis_col))
                ind_cols = list(range(axis_col + 1, len(texts)))
                carried = [None] * len(item_cols)
                continue
            if axis_col is None:
                continue
            own = [texts[c] if c < len(texts) else "" for c in item_cols]
            continuation = r == 0 and rows and not any(s.strip() for s in own)
            if continuation:
                row = rows[-1]
            else:
                row_cells: list[Cell] = []
                for k, s in enumerate(own):
                    if s.strip():
                        ln = _find_line(src, t, _cell_lines(s)[0])
                        carried[k] = Cell(join_lines(_cell_lines(s)), [ln])
                        carried[k + 1:] = [None] * (len(carried) - k - 1)
                        row_cells.append(carried[k])  # type: ignore[arg-type]
                    elif carried[k] is not None:
                        c = carried[k]
                        assert c is not None
                        row_cells.append(Cell(c.text, c.lines, carried=True))
                row = AxisRow(row_cells)
                rows.append(row)
            _fill_axes(src, t, row, texts[axis_col] if axis_col < len(texts) else "", continuation)
            for c in ind_cols:
                _fill_indicators(src, t, row, texts[c] if c < len(texts) else "", continuation)
    return rows


def join_lines(parts: Sequence[str]) -> str:
    out = ""
    for p in parts:
        out = join_wrapped(out, p) if out else p.strip()
    return out


def _continue(item: AxisItem, part: str, ln: Line) -> None:
    """A wrapped cell line carries on the item above it."""
    item.text = join_wrapped(item.text, part)
    if ln not in item.lines:
        item.lines.append(ln)


def _fill_axes(src: SourceText, t: Table, row: AxisRow, text: str, continuation: bool) -> None:
    for k, part in enumerate(_cell_lines(text)):
        ln = _find_line(src, t, part)
        if V.bullet_kind(part) is None and not V.is_note(part) and (row.axes or row.notes) and (k > 0 or continuation):
            _continue(max(row.axes + row.notes, key=lambda x: x.last.index), part, ln)  # the item it wraps
        elif V.is_note(part):
            row.notes.append(AxisItem("note", V.strip_bullet(part), [ln]))
        else:
            row.axes.append(AxisItem("axis", V.strip_bullet(part), [ln]))


def _fill_indicators(src: SourceText, t: Table, row: AxisRow, text: str, continuation: bool) -> None:
    """Indicators of one cell, read as the text path reads them (:class:`_Reader`): a monitoring list right
    after a single evaluation indicator belongs to it (``paired``), and where evaluation indicators are ○ items,
    a ○ item after a monitoring list is the next evaluation indicator (JAXA)."""
    section = next((i.kind for i in reversed(row.indicators)), "related") if continuation else "related"
    inds = row.indicators
    evals = [i for i, x in enumerate(inds) if x.kind == "evaluation"]
    eval_bullet = next((x.bullet for x in inds if x.kind == "evaluation" and x.bullet), None)
    since = 0  # evaluation indicators since the last evaluation label
    while continuation and since < len(inds) and inds[len(inds) - 1 - since].kind == "evaluation":
        since += 1
    paired = inds[-1].paired if continuation and inds and inds[-1].kind == "monitoring" else None
    for k, part in enumerate(_cell_lines(text)):
        ln = _find_line(src, t, part)
        kind = V.indicator_label(part)
        if kind is not None:
            paired = evals[-1] if kind == "monitoring" and evals and since == 1 and section == "evaluation" else None
            if kind == "evaluation":
                since = 0
            section = kind
            continue
        if V.is_list_end(part):
            continue
        bullet = V.bullet_kind(part)
        if bullet is None and not V.is_note(part) and inds and (k > 0 or continuation):
            _continue(inds[-1], part, ln)
        elif V.is_note(part):
            row.notes.append(AxisItem("note", V.strip_bullet(part), [ln]))
        else:
            if bullet == "circle" and eval_bullet == "circle" and section != "evaluation":
                section, since, paired = "evaluation", 0, None
            item = AxisItem(section, V.strip_bullet(part), [ln], bullet=bullet)
            if section == "evaluation":
                eval_bullet = eval_bullet or bullet
                since += 1
                evals.append(len(inds))
            elif section == "monitoring":
                item.paired = paired
            inds.append(item)


# --------------------------------------------------------------------------------------------------
# Linking rows to headings
# --------------------------------------------------------------------------------------------------


def _split_cell(index: TitleIndex, cell: Cell) -> list[Cell]:
    """The cell, or the two cells it holds when it names no heading but its text is two titles run together
    (where no trailing space ended the first); each part keeps the lines its characters came from."""
    if index.link(cell.text, fuzzy=False) or (k := index.cut(cell.text)) is None:
        return [cell]
    head, tail, seen = [], [], 0
    for ln in cell.lines:
        n = len("".join(ln.text.split()))
        (head if seen < k else tail).append(ln)
        if seen < k < seen + n:
            tail.append(ln)  # a line holding the end of one title and the start of the next
        seen += n
    joined = "".join(cell.text.split())
    return [Cell(joined[:k], head, carried=cell.carried), Cell(joined[k:], tail or head[-1:], carried=cell.carried)]


def _link_cells(index: TitleIndex, cells: list[Cell], under: int | None) -> int | None:
    """Link each cell in order, each one under the previous link; returns the last heading linked."""
    for c in cells:
        c.links = index.link(c.text, under)
        if c.links:
            under = c.links[-1].heading
    return under


def _chain_start(index: TitleIndex, cells: list[Cell]) -> int:
    """Where the row's own cells start: the longest suffix in which each linked cell lies under the one
    before. Earlier cells name siblings of the previous row's items (merged cells, RIKEN)."""
    start = len(cells)
    below: int | None = None
    for k in range(len(cells) - 1, -1, -1):
        c = cells[k]
        if not c.links:
            if below is None:
                start = k
                continue
            break
        h = c.links[-1].heading
        if below is not None and not index.is_under(below, h) and below != h:
            break
        below = c.links[0].heading
        start = k
    return start


def link_rows(rows: list[AxisRow], leftover: list[Cell], headings: Sequence[Heading]) -> list[Problem]:
    """Set ``objective``/``covers``/``link`` on every row; returns the problems found."""
    index = TitleIndex(headings)
    problems: list[Problem] = []
    prev: AxisRow | None = None
    for row in rows:
        row.cells = [part for c in row.cells for part in _split_cell(index, c)]
        own = [c for c in row.cells if not c.carried]
        _link_cells(index, row.cells, None)
        if prev is not None and own:
            k = _chain_start(index, row.cells)
            if 0 < k < len(row.cells) and all(c.links for c in row.cells[:k]):
                prev.extra.extend(row.cells[:k])
                row.cells = row.cells[k:]
        prev = row
    if rows and leftover:
        _link_cells(index, leftover, None)
        rows[-1].extra.extend(c for c in leftover if c.links)
        for c in leftover:
            if not c.links:
                problems.append(Problem("orphan-cells", c.first, c.text, "評価軸のない項目セル", "item cell without axes"))
    for row in rows:
        _decide(index, row, problems)
    return problems


def _decide(index: TitleIndex, row: AxisRow, problems: list[Problem]) -> None:
    linked = [lk for c in row.cells for lk in c.links]
    extra = [c.links[-1] for c in row.extra if c.links]
    row.covers = sorted({lk.heading for c in row.cells + row.extra for lk in c.links})
    if linked:
        deepest = linked[-1]
        if extra:
            # The merged axes cover several sibling items: the row evaluates their common parent.
            sibs = [deepest.heading] + [e.heading for e in extra]
            parents = {index.headings[s].parent for s in sibs}
            parent = parents.pop() if len(parents) == 1 else None
            if parent is not None and any(lk.heading == parent for lk in linked):
                row.objective, row.link = parent, next(lk for lk in linked if lk.heading == parent)
            else:
                row.objective, row.link = deepest.heading, deepest
        else:
            row.objective, row.link = deepest.heading, deepest
        for c in row.cells + row.extra:
            for lk in c.links:
                if lk.rule == "fuzzy":
                    problems.append(Problem("fuzzy-link", c.first, c.text, "項目名のあいまい一致",
                                            f"fuzzy title link (ratio {lk.score:.2f}) to {index.headings[lk.heading].title}"))
        for c in row.cells:
            if not c.links and not c.carried:
                problems.append(Problem("unmatched-cell", c.first, c.text, "目標の項目と一致しない項目セル",
                                        "item cell matches no objective"))
        return
    text = " ".join(i.text for i in row.axes + row.indicators)
    lk = index.by_content(text)
    if lk is not None:
        row.objective, row.link = lk.heading, lk
        row.covers = sorted(set(row.covers) | {lk.heading})
        problems.append(Problem("content-link", row.first, row.label, "内容から対応付けた行",
                                f"row linked by content to {index.headings[lk.heading].title}"))
    else:
        problems.append(Problem("unmatched-row", row.first, row.label, "目標の項目と対応付けられない行",
                                "row matches no objective"))


# --------------------------------------------------------------------------------------------------
# Entry point (plug-in parser)
# --------------------------------------------------------------------------------------------------


def parse_axis_tables(src: SourceText, doc: object) -> AxisTables:
    """The evaluation-axis tables in the annexes of an objectives document, rows linked to headings."""
    seg = doc.segment  # type: ignore[attr-defined]
    headings: list[Heading] = doc.headings  # type: ignore[attr-defined]
    lines = src.lines
    out = AxisTables()
    ranges = table_ranges(lines, seg.body_end, seg.end)
    out.title_lines = [t for _, _, t in ranges if t is not None]
    if not ranges:
        return out
    leftover: list[Cell] = []
    if src.media == "pdf" and src.tables:
        pages = {lines[i].page for a, b, _ in ranges for i in range(a, b)}
        tables = [t for t in src.tables if t.page in pages]
        if tables:
            out.rows = rows_from_cells(src, tables)
            out.from_cells = bool(out.rows)
    if not out.from_cells:
        for a, b, _ in ranges:
            rows, left = rows_from_lines(lines[a:b], [h.title for h in headings])
            out.rows.extend(rows)
            leftover = left
    out.rows = [r for r in out.rows if r.axes or r.indicators]
    out.problems = link_rows(out.rows, leftover, headings)
    return out


AXIS_TABLE = register_parser("axis_table", parse_axis_tables)
