"""Recover page starts in text converted from PDF.

Two sources (docs/formats.md §2.1):

* A form feed ``\\f`` (pdftotext) is an explicit page break: lines get page numbers and the
  ``\\f`` is removed from the text (``Line.no`` stays the file line).
* Without form feeds, spacing is the only evidence. Where text lines are separated by blank lines
  ("double-spaced"), a page's first line follows the previous page's last line with no blank between,
  and begins with a space. The regime is judged in a window around each line, because files mix
  double-spaced bodies with single-spaced parts. Page numbers are not guessed in this case.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import accumulate

from keifu.extract.model import UNIT_END, Line

FF = "\f"
#: half-width of the window (in lines) in which the spacing regime is judged
WINDOW = 20
#: share of non-empty lines followed by an empty line that makes a window double-spaced
DOUBLE_SPACED = 0.8
# A numbered heading. Word processors keep a heading with its next paragraph, so a heading directly
# followed by an indented paragraph is a layout choice, not a page break (docs/formats.md §2.1).
_NUMBERED_HEADING = re.compile(
    r"^\s*(?:[（(][0-9０-９]{1,3}[）)]"  # (1) （１）
    r"|[0-9０-９]{1,3}(?:[．.][0-9０-９]{1,3})*[．.)）]"  # 1. １．１． 1）
    r"|[0-9０-９]{1,3}(?:[．.][0-9０-９]{1,3})+\s"  # ３．１ title
    r"|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩＩ]+[．.]|第[0-9０-９一二三四五六七八九十]+|[①-⑳])"
)


def mark_page_starts(lines: list[Line]) -> list[Line]:
    """Return the lines with ``page_start`` (and, for form feeds, ``page``) set."""
    if any(FF in ln.text for ln in lines):
        return _form_feeds(lines)
    return _spacing(lines)


def _form_feeds(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    page = 1
    start_next = True  # the first line starts page 1
    last = len(lines) - 1
    for i, ln in enumerate(lines):
        head = len(ln.text) - len(ln.text.lstrip(FF))
        tail = ln.text.count(FF) - head
        text = ln.text.replace(FF, "")
        if head and i == last and not text:
            head = 0  # pdftotext ends the file with a form feed: no new page after it
        page += head
        out.append(replace(ln, text=text, page=page, page_start=start_next or head > 0))
        start_next = tail > 0
        page += tail
    return out


def _starts_page(prev: str, cur: str) -> bool:
    """Whether ``cur``, following ``prev`` with no blank between in a double-spaced part, opens a page."""
    if not cur[:1].isspace():
        return False  # single-spaced inserts: footnotes, headings followed by flush paragraphs
    unit_ended = prev.endswith(UNIT_END) and prev.strip() != ""
    if unit_ended and not prev.rstrip().endswith("。") and _NUMBERED_HEADING.match(prev):
        return False
    return True


def _spacing(lines: list[Line]) -> list[Line]:
    n = len(lines)
    filled = [ln.text != "" for ln in lines]
    # gap[i]: line i has text and the next line is empty -> the double-spaced pattern
    gap = [filled[i] and (i + 1 >= n or not filled[i + 1]) for i in range(n)]
    filled_sum = [0, *accumulate(filled)]
    gap_sum = [0, *accumulate(gap)]
    out = list(lines)
    for i in range(1, n):
        if not (filled[i] and filled[i - 1]):
            continue
        a, b = max(0, i - WINDOW), min(n, i + WINDOW)
        total = filled_sum[b] - filled_sum[a]
        if total and (gap_sum[b] - gap_sum[a]) / total >= DOUBLE_SPACED and _starts_page(lines[i - 1].text, lines[i].text):
            out[i] = replace(lines[i], page_start=True)
    return out
