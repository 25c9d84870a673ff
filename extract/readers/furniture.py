"""Page furniture of a PDF: running headers and page numbers printed in the margins of every page.

They are no part of the text: a running header printed between a page's last line and the next page's first
line lands inside the sentence that runs over the break, and a folio such as ``- 3 -`` or ``3 / 12`` reads as
a numbered heading. A line is furniture when it is the first or last line of its page, stands apart from the
text block (the gap to its neighbour is wider than a line and than the page's usual gap), and either recurs, digits aside, at the same height
on at least half of the pages, or is a folio by its form.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

#: a line recurring at the same height on at least this share of pages (and on two or more) is furniture
SHARE = 0.5
#: heights within this many points are the same position
SAME_HEIGHT = 2.0
#: a margin line is apart from the text block when the gap to its neighbour exceeds this many of its sizes
APART = 1.0
# A folio: a page number alone, maybe dashed, bracketed, with "p." or "/ total" (1, - 1 -, －1－, (1), p. 1, 1/12).
_FOLIO = re.compile(r"^[\s\-‐–—―－ー・(（]*(?:[pP][.．]?\s*)?[0-9０-９]{1,4}(?:\s*[/／]\s*[0-9０-９]{1,4})?[\s\-‐–—―－ー・)）]*$")
_DIGITS = re.compile(r"[0-9０-９]+")


class _Line(Protocol):
    text: str
    top: float
    bottom: float
    size: float


def _key(line: _Line) -> tuple[str, int]:
    text = _DIGITS.sub("#", "".join(line.text.split()))
    return text, round(line.top / SAME_HEIGHT)


def _margin_lines(lines: Sequence[_Line]) -> list[int]:
    """Indices of the page's first and last lines that stand apart from the rest of the page: the gap to the
    neighbour exceeds a line, and half again the page's usual gap (double-spaced text has wide gaps throughout)."""
    out = []
    if len(lines) >= 2:
        inner = sorted(b.top - a.bottom for a, b in zip(lines[1:-1], lines[2:-1], strict=False))  # not the edges'
        usual = 1.5 * inner[len(inner) // 2] if inner else 0.0

        def apart(a: _Line, b: _Line) -> bool:
            return b.top - a.bottom > max(APART * max(a.size, b.size), usual)

        if apart(lines[0], lines[1]):
            out.append(0)
        if apart(lines[-2], lines[-1]):
            out.append(len(lines) - 1)
    return out


def furniture(pages: Sequence[Sequence[_Line]]) -> set[tuple[int, int]]:
    """(page index, line index) of every furniture line; lines are in reading order, top to bottom."""
    candidates = [(p, i) for p, lines in enumerate(pages) for i in _margin_lines(lines)]
    seen = Counter(_key(pages[p][i]) for p, i in set(candidates))
    need = max(2, SHARE * len(pages))
    # lines recurring at the same height (near it: ±1 step) on enough pages
    def recurs(k: tuple[str, int]) -> bool:
        return sum(seen[(k[0], k[1] + d)] for d in (-1, 0, 1)) >= need

    return {(p, i) for p, i in candidates if recurs(_key(pages[p][i])) or _FOLIO.match(pages[p][i].text)}
