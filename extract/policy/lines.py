"""Line-level reading of a policy-evaluation table (事前分析表): what each printed line is.

The PDF text of 事前分析表 comes column block by column block (docs/formats.md §7.1), so rows are rebuilt
later (:mod:`keifu.extract.policy.table`) from typed pieces read here: page headers, codes, goal cells,
indicator items with their series and sources, budget programmes, and prose (achievement goals or
contributions). Patterns and words are in ``extract/data/policy_vocab.tsv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from ..model import Line, LineSpan
from ..normalize import nfkc, squash
from ..targets import parse_observations
from ..vocab import rows

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
CODE = re.compile(r"^\s*(\d{1,2}-\d{1,2}-\d{1,2})(?:\s+(.*))?$")
POLICY_CELL = re.compile(r"^\s*(\d{1,2})．(.*)$")
MEASURE_CELL = re.compile(r"^\s*(\d{1,2}-\d{1,2})．(.*)$")
_ID_WRAP = re.compile(r"^\s*[（(]?\s*(\d{6,7})\s*[)）]")


@cache
def vocab(role: str) -> tuple[str, ...]:
    return tuple(r[1] for r in rows("policy_vocab.tsv") if r[0] == role)


@cache
def _rx(role: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in vocab(role)))


def is_header(line: Line) -> bool:
    s = squash(line.text)
    return sum(w in s for w in vocab("header")) >= 4


def circled(text: str) -> int | None:
    t = text.lstrip()
    return CIRCLED.index(t[0]) + 1 if t and t[0] in CIRCLED else None


def code_of(text: str) -> tuple[str, str] | None:
    m = CODE.match(nfkc(text))
    if not m:
        return None
    return m.group(1), (m.group(2) or "").strip()


def is_series_text(rest: str) -> bool:
    """Text after a circled number that is an actual series (592名（2020年度）…, 令和３年度：…, S（…）)."""
    r = nfkc(rest).strip()
    if not r:
        return False
    if re.match(r"^(?:[0-9]|令和|平成|R[0-9]|H[0-9]|\(|[SABCD](?:\(|$|、)|[-‐－―]$|[-‐－―]\()", r):
        return True
    if any(r.startswith(p) for p in vocab("placeholder-start")):
        return True
    obs = parse_observations(rest)
    return bool(obs) and obs[0].start <= 12 and any(o.year for o in obs)


def has_target_label(text: str) -> bool:
    """The text carries a target label （目標値：…）, which only indicators do, never their actual series."""
    return bool(vocab("target-label")) and bool(_rx("target-label").search(squash(text)))


def is_programme_line(text: str) -> bool:
    s = squash(text)
    return bool(_rx("programme").search(s)) or bool(_ID_WRAP.match(nfkc(text)))


def is_repeat_marker(text: str) -> bool:
    return bool(re.fullmatch(_rx("repeat"), squash(text)))


def is_source_label(text: str) -> bool:
    return any(squash(text).startswith(w) for w in vocab("source-label"))


def is_url(text: str) -> bool:
    t = text.strip()
    return t.startswith(("http://", "https://")) or bool(re.fullmatch(r"[\w./#?=&%-]{1,12}", t)) and "/" in t


@dataclass
class Piece(LineSpan):
    """A run of typed lines: the unit that row recovery moves around."""

    kind: str  # header code goalcell indicator series source note programmes prose
    lines: list[Line] = field(default_factory=list)
    page: int = 0
    number: int | None = None  # circled number of an indicator or series line
    code: str | None = None
    split: int | None = None  # an indicator line that also holds its series: where the series starts
    offset: int = 0  # a series that starts inside its line: where, in the line without its indentation

    @property
    def text(self) -> str:
        from ..normalize import join_wrapped

        out = ""
        for ln in self.lines:
            out = join_wrapped(out, ln.text.strip()) if out else ln.text.strip()
        return out
