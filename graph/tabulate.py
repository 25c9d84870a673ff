"""Plain-text tables that line up with Japanese text (wide characters count as two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def clip(s: str, n: int) -> str:
    if width(s) <= n:
        return s
    out, w = "", 0
    for c in s:
        cw = width(c)
        if w + cw > n - 1:
            break
        out, w = out + c, w + cw
    return out + "…"


_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], max_width: int = 40) -> str:
    """A plain-text table; control characters in a cell (a newline in a file name) are shown escaped, so each
    row stays one line."""
    cells = [[clip("" if v is None else str(v).translate(_CONTROL), max_width) for v in r] for r in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(vals: Sequence[str]) -> str:
        return "  ".join(v + " " * (widths[i] - width(v)) for i, v in enumerate(vals)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), sep, *(line(r) for r in cells)])
