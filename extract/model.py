"""Records shared by every extraction step.

Every later step cites its source through :class:`Line`, so readers produce lines first
and parsers only ever point back at them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: What a line ends with when it ends a unit (paragraph, heading, cell item; docs/formats.md §2.2): an ASCII
#: space, or a tab where a converter writes whitespace as tabs. For ``str.endswith``.
UNIT_END = (" ", "\t")


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line as the reader saw it.

    ``no`` is 1-based: the line of the file for text input, the line within its page for PDFs.
    ``index`` is the 0-based position in the whole source, so steps can slice ranges.
    """

    index: int
    no: int
    text: str
    page: int | None = None
    page_start: bool = False

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    def cite(self) -> str:
        return f"p.{self.page} l.{self.no}" if self.page is not None else f"l.{self.no}"


class LineSpan:
    """Mixin for records made of source lines: the first and last line cite them, the quote reproduces them."""

    __slots__ = ()
    lines: Sequence[Line]

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def last(self) -> Line:
        return self.lines[-1]

    @property
    def quote(self) -> str:
        return "\n".join(ln.text.rstrip() for ln in self.lines)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a ruled table read from a PDF."""

    row: int
    col: int
    text: str


@dataclass(frozen=True, slots=True)
class Table:
    """A ruled table as pdfplumber found it (rows of cell texts, None for merged/empty cells)."""

    page: int
    rows: tuple[tuple[str | None, ...], ...]
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    #: index into SourceText.lines of the first line on the page inside the table, if any
    first_line: int | None = None


@dataclass(slots=True)
class SourceText:
    """A whole input file as lines (and, for PDFs, ruled tables)."""

    path: Path
    sha256: str
    media: str  # "text" or "pdf"
    lines: list[Line]
    encoding: str | None = None
    pages: int | None = None
    tables: list[Table] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True)
class Block(LineSpan):
    """A logical unit (paragraph, heading, item) joined from one or more physical lines.

    ``offsets[i]`` is where ``lines[i]``'s contribution starts in ``text``; use
    :meth:`line_at` to cite the physical line of any character.
    """

    text: str
    lines: tuple[Line, ...]
    offsets: tuple[int, ...]

    def line_at(self, pos: int) -> Line:
        i = bisect_right(self.offsets, pos) - 1
        return self.lines[max(i, 0)]

    @property
    def quote(self) -> str:
        """The source text as printed (physical lines joined with newlines)."""
        return "\n".join(ln.text.rstrip() for ln in self.lines)
