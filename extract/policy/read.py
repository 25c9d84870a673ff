"""Read the lines of a policy-evaluation table into typed pieces (docs/formats.md §7.1).

A piece is a header, a code, a goal cell, an indicator (with its target), a series, a source, a note,
a run of budget programmes or a prose block (an achievement goal or a contribution). Pieces keep
their lines, so every later node cites its source line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Line
from ..normalize import ascii_digits, nfkc, squash
from ..targets import parse_observations
from .lines import (
    CIRCLED,
    MEASURE_CELL,
    POLICY_CELL,
    Piece,
    circled,
    code_of,
    has_target_label,
    is_header,
    is_programme_line,
    is_repeat_marker,
    is_series_text,
    is_source_label,
    is_url,
)

_SOURCE_END = re.compile(r"(?:調べ|算出|作成|より|報告|結果|調査|データベース|評価|報告書|集計)[)）。]?$")
_TARGET_LINE = re.compile(r"^[(（]目標")
_INLINE_SERIES = re.compile(rf"\s+(?P<m>[{CIRCLED}])(?=\S)")


def blocks(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of non-blank lines; a page header is a block of its own."""
    out: list[list[Line]] = []
    cur: list[Line] = []
    for ln in lines:
        if ln.blank:
            if cur:
                out.append(cur)
                cur = []
            continue
        if is_header(ln):
            if cur:
                out.append(cur)
                cur = []
            out.append([ln])
            continue
        cur.append(ln)
    if cur:
        out.append(cur)
    return out


class Reader:
    """Turns blocks into pieces; state says whether we are inside an indicator's cells."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self.page = 1
        self.seen_header = False

    # -- helpers ---------------------------------------------------------------------------------

    def _new(self, kind: str, line: Line, **kw: object) -> Piece:
        p = Piece(kind, [line], self.page, **kw)  # type: ignore[arg-type]
        self.pieces.append(p)
        return p

    @property
    def last(self) -> Piece | None:
        return self.pieces[-1] if self.pieces else None

    def _in_indicator(self) -> bool:
        for p in reversed(self.pieces):
            if p.kind in ("indicator", "series", "source", "note"):
                return True
            if p.kind in ("header",):
                return False
            return False
        return False

    # -- reading ---------------------------------------------------------------------------------

    def read(self, lines: Sequence[Line]) -> list[Piece]:
        bl = blocks(lines)
        i = 0
        while i < len(bl):
            block = bl[i]
            if len(block) == 1 and is_header(block[0]):
                if self.seen_header:
                    self.page += 1
                self.seen_header = True
                self._new("header", block[0])
                i += 1
                continue
            first = ascii_digits(block[0].text)
            if POLICY_CELL.match(first) or MEASURE_CELL.match(first):
                cell = self._new("goalcell", block[0])
                cell.lines.extend(block[1:])
                # a cell broken by a blank line: a fragment no wider than the cell, with no marker, follows
                # (7-3．…推 / 進; 9-1．…基盤技 / 術の強化)
                if i + 1 < len(bl) and _cell_tail(cell, bl[i + 1]):
                    cell.lines.extend(bl[i + 1])
                    i += 1
                i += 1
                continue
            self._block(block)
            i += 1
        return self.pieces

    def _block(self, block: list[Line]) -> None:
        last = self.last
        if last is not None and last.kind == "goalcell" and _cell_tail(last, block):
            last.lines.extend(block)  # the cell began inside the previous block (a code line, a page start)
            return
        prose_block = _prose_like(block)
        for k, ln in enumerate(block):
            self._line(ln, block, k, prose_block)

    def _line(self, ln: Line, block: list[Line], k: int, prose_block: bool) -> None:  # noqa: C901
        text = ln.text.strip()
        last = self.last
        cell_text = ascii_digits(text)
        if k > 0 and (POLICY_CELL.match(cell_text) or MEASURE_CELL.match(cell_text)):
            self._new("goalcell", ln)  # a cell glued to the previous block at a page start
            return
        if last is not None and last.kind == "goalcell" and k > 0 and len(squash(text)) <= 12:
            last.lines.append(ln)
            return
        code = code_of(text)
        if code:
            self._new("code", ln, code=code[0])
            if code[1]:
                self._new("prose", ln, code=code[0])
            return
        if is_repeat_marker(text) and last is not None and last.kind == "programmes":
            last.lines.append(ln)
            return
        n = circled(text)
        if n is not None and not prose_block:
            rest = text[1:].strip()
            if n > 1 and self._has_indicator(n) and not rest.startswith(("・", "、")):
                self._new("series", ln, number=n)  # the same number again: its (narrative) actuals
                return
            if n == 1 and last is not None and last.kind in ("indicator", "note") and self._has_indicator(1) \
                    and _narrative_actual(block, k):
                self._new("series", ln, number=n)  # ① again, a dated account: the actuals of a qualitative ①
                return
            if rest.startswith(("・", "、")) or (rest and rest[0] in CIRCLED):
                self._prose(ln, k)
                return
            if not rest:
                self._new("series", ln, number=n)
                return
            if is_series_text(rest) and not _target_ahead(block, k):
                self._new("series", ln, number=n)
                return
            if k + 1 < len(block) and is_url(block[k + 1].text):
                self._new("source", ln)  # a numbered list of sources with their addresses
                return
            self._indicator(ln, n, text)
            return
        if is_programme_line(text) or _next_is_id_wrap(block, k):
            if last is not None and last.kind == "source" and (not _closed(last) or is_source_label(last.first.text)):
                last.lines.append(ln)
                return
            if last is not None and last.kind == "programmes" and k > 0:
                last.lines.append(ln)
            else:
                self._new("programmes", ln)
            return
        if last is not None and last.kind == "programmes" and k > 0 and (
                _id_tail(text) or not _closed(last)
                or (k + 1 < len(block) and is_programme_line(block[k + 1].text) and not text.endswith("。"))):
            last.lines.append(ln)
            return
        if last is not None and last.kind == "series" and k > 0 and _open_end(last):
            last.lines.append(ln)  # a series wrapped inside a value (16,356,657 / シーン（2021年度）…)
            return
        if k == 0 and _TARGET_LINE.match(squash(text)) and last is not None and last.kind == "indicator":
            last.lines.append(ln)  # （目標値：…） printed on its own after a blank line
            return
        if k == 0 and last is not None and last.kind in ("indicator", "note") and is_series_text(text):
            self._new("series", ln, number=self._last_number())
            return
        if text.startswith("※") and last is not None and last.kind in ("indicator", "series", "source", "note"):
            self._new("note", ln)
            return
        if last is not None and k > 0 and last.kind == "indicator" and not _target_closed(last):
            last.lines.append(ln)
            return
        if last is not None and last.kind == "series" and (k > 0 or last.text.strip() in CIRCLED) \
                and (_series_continues(text) or last.text.strip() in CIRCLED):
            last.lines.append(ln)
            return
        if last is not None and last.kind == "note" and k > 0 and not _series_continues(text):
            last.lines.append(ln)
            return
        if self._in_indicator() and not prose_block:
            if last is not None and last.kind == "source" and k > 0:
                last.lines.append(ln)
            elif last is not None and last.kind == "indicator" and k > 0:
                last.lines.append(ln)
            else:
                self._new("source", ln)
            return
        self._prose(ln, k)

    def _row_indicators(self) -> list[Piece]:
        out: list[Piece] = []
        for p in reversed(self.pieces):
            if p.kind == "indicator":
                out.append(p)
                if p.number == 1:
                    break
            elif p.kind not in ("series", "source", "note"):
                break
        return out

    def _has_indicator(self, n: int) -> bool:
        return any(p.number == n for p in self._row_indicators())

    def _last_number(self) -> int | None:
        ind = self._row_indicators()
        return ind[0].number if ind else None

    def _prose(self, ln: Line, k: int) -> None:
        last = self.last
        if last is not None and last.kind == "prose" and (k > 0 or last.code is not None and len(last.lines) == 1
                                                          and last.lines[0].index == ln.index - 1):
            last.lines.append(ln)
        else:
            self._new("prose", ln)

    def _indicator(self, ln: Line, n: int, text: str) -> None:
        """An indicator line, split where its series follows on the same line (②… ②368件（2020年度）…)."""
        for m in _INLINE_SERIES.finditer(text):
            rest = text[m.end():]
            if is_series_text(rest):
                p = self._new("indicator", ln, number=n)
                p.split = m.start()
                s = self._new("series", ln, number=CIRCLED.index(m.group("m")) + 1)
                s.offset = m.start("m")
                return
        self._new("indicator", ln, number=n)


def _prose_like(block: list[Line]) -> bool:
    """A paragraph of goal or contribution text: sentences ending in 。, not a source reference or note."""
    text = "".join(ln.text.strip() for ln in block)
    if not text.endswith(("。", "る", "す")) or _SOURCE_END.search(text) or text.startswith("※"):
        return False
    first = block[0].text.strip()
    if circled(first) is not None:
        rest = first[1:].lstrip()
        return rest.startswith(("・", "、")) or (bool(rest) and rest[0] in CIRCLED)
    return len(text) > 30 and "目標値" not in text


def _cell_tail(cell: Piece, block: list[Line]) -> bool:
    """A one-line block that ends a goal cell broken by a blank line: no wider than the cell's lines, no marker
    (circled number, code, goal cell), no sentence end."""
    text = block[0].text.strip()
    width = max(len(squash(ln.text)) for ln in cell.lines)
    if len(block) != 1 or not text or len(squash(text)) > max(3, width) or text.endswith("。"):
        return False
    folded = ascii_digits(text)
    return circled(text) is None and code_of(text) is None and not POLICY_CELL.match(folded) \
        and not MEASURE_CELL.match(folded) and not is_programme_line(text) and not is_url(text)


_DATED_END = re.compile(r"[(（](?:19|20)[0-9]{2}年度?[)）]$")


def _narrative_actual(block: list[Line], k: int) -> bool:
    """A paragraph opened by a circled number that ends with the year it reports (…に活用された。（2024年度））
    and carries no target label: the account of a qualitative indicator's actuals, not a new indicator."""
    text = nfkc("".join(ln.text.strip() for ln in block[k:]))
    return _DATED_END.search(text) is not None and not has_target_label(text)


def _target_ahead(block: list[Line], k: int) -> bool:
    """An indicator whose name starts with a number (②５年目外部評価…) looks like a series; its target label,
    on this line or a wrapped one before the next circled number, says otherwise."""
    text = block[k].text
    for ln in block[k + 1:]:
        if circled(ln.text.strip()) is not None:
            break
        text += ln.text.strip()
    return has_target_label(text)


def _closed(p: Piece) -> bool:
    s = squash(p.text)
    return s.count("(") <= s.count(")")


def _target_closed(p: Piece) -> bool:
    s = squash(p.text)
    if "目標" not in s:
        return not s or s.count("(") <= s.count(")")
    return s.count("(") <= s.count(")")


def _open_end(p: Piece) -> bool:
    """A series whose last line is cut inside a value: it ends with a number (its unit on the next line) or
    inside a paren （2022年 / 度）. A series that starts inside its indicator's line is read from there."""
    text = p.lines[-1].text.strip()[p.offset:] if len(p.lines) == 1 else p.lines[-1].text  # offset: stripped line
    t = squash(text)
    return bool(t) and text.strip()[-1] not in CIRCLED and (t[-1].isdigit() or t.count("(") > t.count(")"))


def _series_continues(text: str) -> bool:
    t = nfkc(text).strip()
    if re.match(r"^(?:[0-9]|令和|平成|\(|年?度\)|[SABCD]\()", t):
        return True
    obs = parse_observations(text)
    return bool(obs) and obs[0].start <= 6


def _next_is_id_wrap(block: list[Line], k: int) -> bool:
    return k + 1 < len(block) and _id_tail(block[k + 1].text) and not is_programme_line(block[k].text) \
        and "(" in squash(block[k].text) and not is_url(block[k].text)


def _id_tail(text: str) -> bool:
    """The rest of a programme ID wrapped to the next line (ID：001631）, ＩＤ printed full-width too)."""
    return bool(re.match(r"^\s*(?:業?ID[：:\s　]*)?[0-9０-９]{4,7}\s*[)）]", nfkc(text)))


def read_pieces(lines: Sequence[Line]) -> list[Piece]:
    return Reader().read(lines)


def source_label(text: str) -> str:
    """The source text with its label (出典：) removed."""
    s = text.strip()
    for w in ("出典：", "出典:", "【出典】", "実績値："):
        if s.startswith(w):
            return s[len(w):].strip()
    return s


__all__ = ["blocks", "is_source_label", "read_pieces", "source_label"]
