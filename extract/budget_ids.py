"""Budget programmes a document of no known kind names by their 予算事業ID.

Council minutes, review lists and other papers that are neither objectives, plans, 事前分析表 nor briefings
still name 予算事業 — inline (「…事業（予算事業ID：0012345）」) or in a table whose header has a 予算事業ID
column. Each becomes a :class:`~keifu.extract.policy.table.Programme`, so the graph joins it to the
``kf:BudgetProgram`` of the same ID that a policy-evaluation table gives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .model import Line, SourceText
from .normalize import nfkc, squash
from .policy.table import Programme
from .registry import register_parser

#: 「予算事業ID：001611」 (NFKC, whitespace removed), possibly cut after the colon at a line end.
_INLINE = re.compile(r"予算事業(?:ID|番号)[:：]?(?P<id>[0-9]{4,8})?")
#: A table header naming the ID column.
_HEADER = re.compile(r"予算事業(?:ID|番号)")
_CUT = re.compile(r"予算事業(?:ID|番号)[:：]?$")
_ID_CELL = re.compile(r"^[0-9]{4,8}$")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_CELLS = re.compile(r"[ \t\u3000]+")


def budget_programmes(src: SourceText, doc: Any) -> list[Programme]:
    """Every budget programme ID named in the document, in order, once each (the first mention)."""
    seg = doc.segment
    lines = src.lines[seg.start:seg.end]
    out: dict[str, Programme] = {}
    in_table = False
    for k, line in enumerate(lines):
        if line.blank:
            continue
        s = squash(line.text)
        inline = [m for m in _INLINE.finditer(s) if m.group("id")]
        for m in inline:
            _add(out, m.group("id"), _name_before(s[:m.start()]), line, s)
        if inline:
            continue
        if _CUT.search(s):  # 「（予算事業ID：」 cut at the line end: the digits open the next line
            nxt = next((x for x in lines[k + 1:k + 3] if not x.blank), None)
            m = re.match(r"^([0-9]{4,8})", squash(nxt.text)) if nxt is not None else None
            if m:
                _add(out, m.group(1), _name_before(s), line, s + m.group(1))
            continue
        if _HEADER.search(s) and _is_header(line.text):
            in_table = True
            continue
        if not in_table:
            continue
        cells = [c for c in _CELLS.split(nfkc(line.text).strip()) if c]
        ids = [n for n, c in enumerate(cells) if _ID_CELL.match(c)]
        if ids:
            n = ids[0]
            name = next((c for c in cells[n + 1:] if _CJK.search(c)), "")
            _add(out, cells[n], name, line, line.text.strip())
    return list(out.values())


def _is_header(text: str) -> bool:
    """A header row: the ID column among other column names (事業名, 府省, 予算額 …), no ID value."""
    cells = [c for c in _CELLS.split(text.strip()) if c]
    return len(cells) >= 2 and not any(_ID_CELL.match(nfkc(c)) for c in cells)


def _name_before(s: str) -> str:
    """The programme's name printed before its ID paren: the last clause, brackets and bullets removed."""
    s = re.sub(r"[(（]予算事業.*$", "", s)
    s = re.split(r"[、。]", s)[-1]
    return s.strip("・ 　「」")


def _add(out: dict[str, Programme], pid: str, name: str, line: Line, raw: str) -> None:
    if pid not in out:
        p = Programme(name=name, program_id=pid, raw=raw, line=line)
        if not re.fullmatch(r"[0-9]{6}", pid):
            p.flags.append("id-length")
        out[pid] = p


def _programmes(src: SourceText, doc: Any) -> Sequence[Programme]:
    return budget_programmes(src, doc)


BUDGET_PROGRAMMES = register_parser("budget_programmes", _programmes)
