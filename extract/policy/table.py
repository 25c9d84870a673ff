"""Rows of a policy-evaluation table (事前分析表) rebuilt by content (docs/formats.md §7).

Pieces (:mod:`keifu.extract.policy.read`) come column block by column block. Rows are rebuilt as:
indicator groups in printed order are the rows (a new group at every ① restart); achievement goals
and (programmes + contribution) pairs are matched to rows by shared vocabulary (tf-idf over character
bigrams) with a preference for the same page and direct adjacency; codes come from the goal they are
printed with, then from the page's list of bare codes in numeric order, else they are inferred from
the 施策目標 cell printed before the goal and flagged. 政策目標 / 施策目標 follow from the code prefix.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

from ..blocks import marker_rules
from ..facts import agency_key
from ..model import Line, LineSpan, SourceText
from ..normalize import ascii_digits, squash
from ..registry import register_parser
from ..targets import Observation, TargetValue, parse_observations, parse_targets
from .lines import CIRCLED, MEASURE_CELL, POLICY_CELL, Piece, vocab
from .read import read_pieces, source_label

__all__ = ["GoalCell", "PolicyIndicator", "PolicyRow", "PolicyTable", "Programme", "parse_policy_table"]


@dataclass
class PolicyIndicator(LineSpan):
    number: int
    name: str
    target_text: str | None
    targets: list[TargetValue]
    series_text: str
    observations: list[Observation]
    source: str | None
    notes: list[str]
    lines: list[Line]
    series_lines: list[Line]
    source_lines: list[Line] = field(default_factory=list)
    rated_area: str | None = None  # 「リモートセンシング」 for a rating of an agency's research area
    rated_agency: str | None = None
    #: offset in ``series_text`` where each of ``series_lines`` starts (lines wrapped inside a value are joined)
    series_starts: list[int] = field(default_factory=list)


@dataclass
class Programme:
    """One 達成手段: name and budget programme ID exactly as printed (digits only), with anomalies flagged."""

    name: str
    program_id: str | None
    raw: str
    line: Line
    review_number: str | None = None
    fund_sheet: str | None = None
    repeated: bool = False
    flags: list[str] = field(default_factory=list)
    agency: str | None = None  # the agency of an operating grant (運営費交付金)
    agency_key: str | None = None


@dataclass
class GoalCell:
    level: str  # "policy" (政策目標) or "measure" (施策目標)
    code: str
    title: str
    lines: list[Line]
    #: indices into the document's citations printed inside this cell (see :func:`place_citations`)
    citations: list[int] = field(default_factory=list)


@dataclass
class PolicyRow:
    code: str | None
    code_rule: str  # printed-with-goal, page-list, inferred
    goal_text: str | None
    goal_lines: list[Line]
    indicators: list[PolicyIndicator]
    programmes: list[Programme]
    contribution: str | None
    contribution_lines: list[Line]
    page: int
    match_scores: dict[str, float] = field(default_factory=dict)
    means_lines: list[Line] = field(default_factory=list)
    #: indices into the document's citations printed in one of the row's cells (goal, indicators, means,
    #: contribution): a plan named there is a basis of this 達成目標, not of the whole table
    citations: list[int] = field(default_factory=list)

    def line_indices(self) -> set[int]:
        """Every source line read into one of the row's cells."""
        lines = [*self.goal_lines, *self.contribution_lines, *self.means_lines, *(p.line for p in self.programmes)]
        for ind in self.indicators:
            lines += [*ind.lines, *ind.series_lines, *ind.source_lines]
        return {ln.index for ln in lines}

    @property
    def code_inferred(self) -> bool:
        return self.code_rule == "inferred"

    @property
    def measure_code(self) -> str | None:
        return self.code.rsplit("-", 1)[0] if self.code else None

    @property
    def policy_code(self) -> str | None:
        return self.code.split("-", 1)[0] if self.code else None

    @property
    def first(self) -> Line:
        return self.indicators[0].first if self.indicators else self.goal_lines[0]


@dataclass
class PolicyTable:
    rows: list[PolicyRow]
    cells: dict[str, GoalCell]
    pages: int
    unmatched_goals: list[Piece] = field(default_factory=list)
    unmatched_means: list[Piece] = field(default_factory=list)


# --- groups ---------------------------------------------------------------------------------------

@dataclass
class _Group:
    page: int
    pos: int  # index of its first piece
    indicators: list[dict] = field(default_factory=list)


def _institution(p: Piece) -> str | None:
    """A line that is only an agency's name, between indicators: the institution the indicators below it are
    for (a row may hold a second ① for another institution, docs/formats.md §7.4), not a source."""
    if p.kind not in ("source", "prose") or len(p.lines) != 1:
        return None
    m = _AGENCY.fullmatch(squash(p.text))
    return _agency_name(m.group(0)) if m else None


def _groups(pieces: list[Piece]) -> list[_Group]:
    groups: list[_Group] = []
    cur: _Group | None = None
    institution: str | None = None  # of the indicators read since the last institution heading of the row
    pending: str | None = None  # an institution heading just read: the ① after it continues the row
    for i, p in enumerate(pieces):
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if cur is not None and nxt is not None and nxt.kind == "indicator" and nxt.number == 1 \
                and nxt.first.index == p.lines[-1].index + 1 and (name := _institution(p)) is not None:
            pending = name  # the name on the line right above a ①: a heading (a source ends its block)
            continue
        if p.kind == "indicator":
            if cur is None or (p.number == 1 and pending is None):
                cur = _Group(p.page, i)
                groups.append(cur)
                institution = None
            if pending is not None:
                institution, pending = pending, None
            cur.indicators.append({"piece": p, "series": [], "source": [], "notes": [], "institution": institution})
        elif p.kind == "series" and cur is not None:
            ind = next((d for d in cur.indicators if d["piece"].number == p.number and not d["series"]), None)
            (ind or cur.indicators[-1])["series"].append(p)
        elif p.kind in ("source", "note") and cur is not None:
            key = "source" if p.kind == "source" else "notes"
            if key == "source":
                for d in cur.indicators:
                    if not d["source"] and (d["series"] or d is cur.indicators[-1]):
                        d["source"].append(p)
                if all(d["source"] for d in cur.indicators) and p not in cur.indicators[-1]["source"]:
                    cur.indicators[-1]["source"].append(p)
            else:
                cur.indicators[-1][key].append(p)
    return groups


_TARGET_RX = re.compile(r"[（(]目標(?:値(?:[（(][^）)]*[）)])?[：:]?|[：:])")  # not （目標毎に…）


def _indicator(d: dict) -> PolicyIndicator:
    p: Piece = d["piece"]
    text = p.text if p.split is None else p.lines[0].text.strip()[: p.split].strip() + "".join(
        ln.text.strip() for ln in p.lines[1:])
    body = text[1:] if text and text[0] in "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳" else text
    name, target_text, targets = _targets(body)
    series_lines = [ln for s in d["series"] for ln in s.lines]
    series_text, series_starts, tail_src = _series(d["series"])
    obs = _item_observations(series_text)
    obs = [o for o in obs if o.year is not None and not _is_reference(series_text, o)]
    source_pieces: list[Piece] = d["source"]
    source_text = "\n".join(source_label(s.text) for s in source_pieces) or None
    if tail_src and not source_text:
        source_text = tail_src
    area = re.search(vocab("rating-indicator")[0], squash(name)) if vocab("rating-indicator") else None
    agency = d.get("institution") or _agency_name(" ".join([name, target_text or "", source_text or "", series_text]))
    return PolicyIndicator(
        number=p.number or 0, name=squash(name) if len(name) < 400 else name, target_text=target_text,
        targets=targets, series_text=series_text, observations=obs, source=source_text,
        notes=[n.text for n in d["notes"]], lines=list(p.lines), series_lines=series_lines,
        source_lines=[ln for s in source_pieces for ln in s.lines],
        rated_area=area.group("area").strip("「」") if area else (name if agency and _is_rating(targets) else None),
        rated_agency=agency if (area or _is_rating(targets)) else None, series_starts=series_starts,
    )


def _targets(body: str) -> tuple[str, str | None, list[TargetValue]]:
    """(name, target text, targets) of an indicator cell. Each （目標値…：…） label is read, so an indicator that
    covers several items (（目標値（A号機分）：…）（目標値（B号機分）：…）) keeps one target per item, the item
    named by the label's annotation as the target's category."""
    labels: list[tuple[re.Match[str], int]] = []
    pos = 0
    while (m := _TARGET_RX.search(body, pos)) is not None:
        end = _outer_end(body, m.end())
        if not labels or _depth(body[pos:m.start()]) == 0:  # a label inside a note's paren is the note's
            labels.append((m, end))
        pos = max(end + 1, m.end())
    if not labels:
        # a target with no 目標値 label: （2025年までに理学系12.0％…） at the end
        tail = re.search(r"[（(]([^（(）)]*(?:までに|毎年度)[^（(]*?)[）)]\s*$", body)
        if tail:
            text = tail.group(1)
            return body[: tail.start()].strip(), text, parse_targets(text, cell=True)
        return body.strip(), None, []
    texts: list[str] = []
    targets: list[TargetValue] = []
    for m, end in labels:
        inner = body[m.end():end].strip()
        texts.append(inner)
        item = _item(m.group(0))
        targets += [t if item is None else replace(t, category=_with_item(item, t.category, t.unit))
                    for t in parse_targets(inner, cell=True)]
    return body[: labels[0][0].start()].strip(), "\n".join(texts), targets


def _depth(text: str) -> int:
    return sum(1 for c in text if c in "（(") - sum(1 for c in text if c in "）)")


def _outer_end(body: str, start: int) -> int:
    """Where the target phrase inside （目標値：…） ends: before the bracket that closes the label paren."""
    depth = 1
    for k in range(start, len(body)):
        if body[k] in "（(":
            depth += 1
        elif body[k] in "）)":
            depth -= 1
            if depth == 0:
                return k
    return len(body)


def _item(text: str) -> str | None:
    """The item an annotation names: （A号機分） → A号機 (vocabulary role ``item-annotation``)."""
    rx = vocab("item-annotation")
    m = re.search(rx[0], text) if rx else None
    return m.group("item").strip() if m else None


def _with_item(item: str, category: str | None, unit: str | None) -> str:
    return item if category is None or category == unit else f"{item}・{category}"


def _series(pieces: list[Piece]) -> tuple[str, list[int], str | None]:
    """The series text of an indicator, one line per printed line except where a line is cut inside a value
    (a number and its unit, a year paren): those are joined so the value keeps its unit and year. Returns the
    text, where each printed line starts in it, and a source printed after the series."""
    out, starts, srcs = "", [], []
    for p in pieces:
        for k, ln in enumerate(p.lines):
            raw = (ln.text.strip()[p.offset:] if k == 0 and p.offset else ln.text).strip()  # offset: of the stripped line
            part, src = _split_source(raw)
            if src:
                srcs.append(src)
            if out and not _cut(out):
                out += "\n"
            starts.append(len(out))
            out += part
    return out, starts, " ".join(srcs) or None


def _cut(text: str) -> bool:
    """The series so far ends inside a value: a number whose unit follows, or an open paren （2022年 / 度）."""
    raw = text[text.rfind("\n") + 1:].strip()
    line = squash(raw)
    return bool(line) and raw[-1] not in CIRCLED and (line[-1].isdigit() or line.count("(") > line.count(")"))


def _item_observations(series_text: str) -> list[Observation]:
    """Actual values with the item each is for: an annotation （A号機分） names the item of the values after it,
    up to the next annotation; the annotation itself is never read as a value (GOSAT-2分 is not 2分)."""
    rx = vocab("item-annotation")
    marks = list(re.finditer(rx[0], series_text)) if rx else []
    if not marks:
        return parse_observations(series_text)
    blanked = series_text
    for m in marks:
        blanked = blanked[: m.start()] + " " * (m.end() - m.start()) + blanked[m.end():]
    out = []
    for o in parse_observations(blanked):
        mark = next((m for m in reversed(marks) if m.end() <= o.start), None)
        if mark is not None:
            cat = _with_item(mark.group("item").strip(), o.category, o.unit)
            o = replace(o, category=cat, raw=series_text[o.start:o.end].strip() or o.raw)
        out.append(o)
    return out


def _is_rating(targets: list[TargetValue]) -> bool:
    return any(t.kind == "rating" for t in targets)


_AGENCY = re.compile(r"(?:国立研究開発法人|独立行政法人|\(国研\))[^\s、。「」()（）]+?(?:機構|研究所|センター|振興会|機関)")


def _agency_name(text: str) -> str | None:
    m = _AGENCY.search(squash(text))
    return m.group(0).replace("(国研)", "国立研究開発法人") if m else None


def _is_reference(text: str, o: Observation) -> bool:
    """Values of a reference line （国際平均値：…） are not actuals of the indicator."""
    line_start = text.rfind("\n", 0, o.start) + 1
    return text[line_start:o.start].lstrip().startswith(("（", "("))  and "平均" in text[line_start:o.start]


_TAIL_SOURCE = re.compile(r"(?<=[）)])[ \u3000]+(?=[^\s0-9０-９、,※])(?P<src>[^、]+)$")


def _split_source(line_text: str) -> tuple[str, str | None]:
    """(series, source) for each line: a source printed after the series (… 5450名（2024年度） JST調べ)."""
    out, srcs = [], []
    for ln in line_text.split("\n"):
        m = _TAIL_SOURCE.search(ln)
        if m and not any(o.year for o in parse_observations(m.group("src"))):
            out.append(ln[: m.start()].rstrip())
            srcs.append(m.group("src").strip())
        else:
            out.append(ln)
    return "\n".join(out), " ".join(srcs) or None


# --- matching -------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _bigrams(text: str) -> Mapping[str, int]:
    """Character bigrams of ``text`` with their counts, read-only (cached: the table's pieces are counted for
    document frequencies and again for their vectors)."""
    s = re.sub(r"[^\w]", "", squash(text))
    s = re.sub(r"[0-9]", "", s)
    return MappingProxyType(Counter(map(operator.add, s, s[1:])))


class _Sim:
    """tf-idf cosine over character bigrams of the pieces of one table."""

    def __init__(self, texts: list[str]) -> None:
        df: Counter[str] = Counter()
        for t in texts:
            df.update(set(_bigrams(t)))
        self.n = max(len(texts), 1)
        self.idf = {g: math.log(self.n / c) for g, c in df.items()}

    def vec(self, text: str) -> dict[str, float]:
        v = {g: c * self.idf.get(g, math.log(self.n)) for g, c in _bigrams(text).items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {g: x / norm for g, x in v.items()}

    @staticmethod
    def cos(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(x * b[g] for g, x in a.items() if g in b)  # same order as with zeros: the same float


def _assign(scores: list[tuple[float, int, int]]) -> dict[int, tuple[int, float]]:
    """Greedy one-to-one assignment, best score first: left index → (right index, score)."""
    out: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for sc, i, j in sorted(scores, reverse=True):
        if i in out or j in used or sc <= 0:
            continue
        out[i] = (j, sc)
        used.add(j)
    return out


def _locality(page_a: int, page_b: int) -> float:
    d = abs(page_a - page_b)
    return 1.0 if d == 0 else 0.3 if d == 1 else 0.0


# --- programmes -----------------------------------------------------------------------------------

_ITEM = re.compile(r"[（(]予算事業[:：]?(?:ID)?[:：]?(\d+)[）)]|[（(]予算事業[:：]?(?:ID)?[:：]?(\d+)$"
                   r"|[（(]レビュー番号[:：]?([0-9A-Za-z一-龥-]+)[）)]|[（(]基金シート番号(\d+)[）)]")


def _unbulleted(name: str) -> str:
    """A programme's name without the bullet an agency prints before it (・ ● ◆ －, the bullet rows of
    data/markers.tsv; in squashed text a dash before a non-digit), nor a stray one after it."""
    s = name.strip()
    if not s.startswith("※"):
        m = next((m for r in marker_rules("bullet") if (m := r.pattern.match(s))), None) or _DASH.match(s)
        if m:
            s = s[m.end():]
    return s.strip().rstrip("・").strip()


#: a dash used as a bullet, as squashing leaves it (－ → -), never a minus before a digit
_DASH = re.compile(r"^-(?=[^\d-])")


def programmes_of(piece: Piece) -> list[Programme]:
    """Programme items of a means cell: each ends with its ID (or review number) paren."""
    out: list[Programme] = []
    # squashed text per line with offsets, so an item cites the line where it starts
    parts: list[tuple[int, Line]] = []
    s = ""
    for ln in piece.lines:
        parts.append((len(s), ln))
        s += squash(ln.text)
    prev = 0
    for m in _ITEM.finditer(s):
        name = s[prev:m.start()]
        raw = s[prev:m.end()]
        rep = re.match(r"^(?:【[^】]*再掲】|[（(]再掲[）)]|【[^】]*】再掲)+", name)
        if rep and out:
            out[-1].repeated = True
            name = name[rep.end():]
        name = _unbulleted(name)
        line = next(ln for off, ln in reversed(parts) if off <= prev + (len(rep.group(0)) if rep else 0)) \
            if parts else piece.first
        pid = m.group(1) or m.group(2)
        out.append(Programme(name=name, program_id=pid, raw=raw, line=line, review_number=m.group(3),
                             fund_sheet=m.group(4)))
        prev = m.end()
        if pid is not None and not re.fullmatch(r"\d{6}", pid):
            out[-1].flags.append("id-length")
    tail = s[prev:]
    if out and re.search(r"再掲", tail):
        out[-1].repeated = True
    elif _unbulleted(tail) and not out:
        out.append(Programme(name=_unbulleted(tail), program_id=None, raw=tail, line=piece.first))
    for p in out:
        if p.review_number and not p.name:
            p.name = p.raw
        gm = re.search(vocab("agency-grant")[0], p.name) if vocab("agency-grant") else None
        if gm:
            p.agency = gm.group("agency")
            p.agency_key = agency_key(p.agency)
    return out


def flag_programmes(rows: list[PolicyRow]) -> None:
    """Flag one ID on several names and one name with several IDs (kept as printed, never fixed)."""
    names: dict[str, set[str]] = {}
    ids: dict[str, set[str]] = {}
    for r in rows:
        for p in r.programmes:
            if p.program_id:
                names.setdefault(p.program_id, set()).add(_name_key(p.name))
                ids.setdefault(_name_key(p.name), set()).add(p.program_id)
    for r in rows:
        for p in r.programmes:
            if p.program_id and len(names[p.program_id]) > 1 and "id-shared" not in p.flags:
                p.flags.append("id-shared")
            if p.program_id and len(ids[_name_key(p.name)]) > 1 and "name-several-ids" not in p.flags:
                p.flags.append("name-several-ids")


def _name_key(name: str) -> str:
    return re.sub(r"^・|[（(](?:平成|昭和|令和)[^）)]*年度[）)]", "", squash(name))


# --- the table ------------------------------------------------------------------------------------

def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(x) for x in code.split("-"))


def _cells(pieces: list[Piece]) -> dict[str, GoalCell]:
    cells: dict[str, GoalCell] = {}
    for p in pieces:
        if p.kind != "goalcell":
            continue
        text = ascii_digits(p.text)
        m = MEASURE_CELL.match(text)
        level = "measure"
        if not m:
            m = POLICY_CELL.match(text)
            level = "policy"
        if m and m.group(1) not in cells:
            cells[m.group(1)] = GoalCell(level, m.group(1), m.group(2).strip(), list(p.lines))
    return cells


def parse_policy_table(source: SourceText, doc: object) -> PolicyTable:
    seg = doc.segment  # type: ignore[attr-defined]
    pieces = read_pieces(source.lines[seg.body_start:seg.body_end])
    table = build_table(pieces)
    place_citations(table, [rec.mention.line for rec in getattr(doc, "citations", ())])
    return table


def place_citations(table: PolicyTable, lines: list[Line]) -> None:
    """Give each citation (by the line it starts on) to the row or goal cell it is printed in.

    A plan named in a row's cells (the 達成目標 text, an indicator, the means or their contribution) is a
    basis of that row, and one named in a 政策目標 / 施策目標 cell of that goal; citations found in neither
    stay with the document."""
    rows = [r.line_indices() for r in table.rows]
    cells = {code: {ln.index for ln in c.lines} for code, c in table.cells.items()}
    for k, line in enumerate(lines):
        ri = next((i for i, idx in enumerate(rows) if line.index in idx), None)
        if ri is not None:
            table.rows[ri].citations.append(k)
            continue
        code = next((c for c, idx in cells.items() if line.index in idx), None)
        if code is not None:
            table.cells[code].citations.append(k)


def build_table(pieces: list[Piece]) -> PolicyTable:  # noqa: C901 - one pass per column kind
    groups = _groups(pieces)
    cells = _cells(pieces)
    goals = [i for i, p in enumerate(pieces) if p.kind == "prose" and not _is_contribution(pieces, i)
             and _goal_like(p)]
    means = [i for i, p in enumerate(pieces) if p.kind == "programmes"]
    contrib = {i: c for i in means if (c := _contribution_after(pieces, i)) is not None}
    inds = [[_indicator(d) for d in g.indicators] for g in groups]
    row_text = [" ".join(f"{x.name} {x.source or ''}" for x in ind) for ind in inds]
    sim = _Sim([pieces[i].text for i in goals] + row_text + [pieces[i].text for i in means])
    rv = [sim.vec(t) for t in row_text]

    # (programmes + contribution) → rows first: contributions name what the indicators count
    scores: list[tuple[float, int, int]] = []
    for mi, pi in enumerate(means):
        text = pieces[pi].text + (" " + pieces[contrib[pi]].text if pi in contrib else "")
        mv = sim.vec(text)
        for ri, g in enumerate(groups):
            loc = _locality(pieces[pi].page, g.page)
            if loc:
                scores.append((sim.cos(mv, rv[ri]) * loc, mi, ri))
    m_assign = _assign(scores)
    row_means: dict[int, tuple[int, float]] = {ri: (means[mi], sc) for mi, (ri, sc) in m_assign.items()}

    # goals → rows: adjacency (a coded goal printed right before a ① group), then content of the
    # indicators plus the programmes and contribution already matched
    full = []
    for ri in range(len(groups)):
        extra = ""
        if ri in row_means:
            pi = row_means[ri][0]
            extra = pieces[pi].text + (" " + pieces[contrib[pi]].text if pi in contrib else "")
        full.append(sim.vec(row_text[ri] + " " + extra))
    scores = []
    for gi, pi in enumerate(goals):
        gv = sim.vec(pieces[pi].text)
        for ri, g in enumerate(groups):
            loc = _locality(pieces[pi].page, g.page)
            if loc == 0:
                continue
            sc = sim.cos(gv, full[ri]) * loc
            if _adjacent(pieces, pi, g.pos):
                sc += 10.0
            elif ri in row_means and _follows_goal(pieces, pi, row_means[ri][0]):
                sc += 0.2
            scores.append((sc, gi, ri))
    g_assign = _assign(scores)
    row_goal: dict[int, tuple[int, float]] = {ri: (goals[gi], sc) for gi, (ri, sc) in g_assign.items()}

    rows: list[PolicyRow] = []
    for ri, g in enumerate(groups):
        gp = pieces[row_goal[ri][0]] if ri in row_goal else None
        mp = pieces[row_means[ri][0]] if ri in row_means else None
        cp = pieces[contrib[row_means[ri][0]]] if ri in row_means and row_means[ri][0] in contrib else None
        goal_text = gp.text if gp else None
        if gp is not None and gp.code and goal_text and goal_text.startswith(gp.code):
            goal_text = goal_text[len(gp.code):].strip()
        rows.append(PolicyRow(
            code=gp.code if gp else None, code_rule="printed-with-goal" if gp and gp.code else "",
            goal_text=goal_text, goal_lines=list(gp.lines) if gp else [], indicators=inds[ri],
            programmes=programmes_of(mp) if mp else [], contribution=cp.text if cp else None,
            contribution_lines=list(cp.lines) if cp else [], page=g.page, means_lines=list(mp.lines) if mp else [],
            match_scores={"goal": round(row_goal[ri][1], 3) if ri in row_goal else 0.0,
                          "means": round(row_means[ri][1], 3) if ri in row_means else 0.0},
        ))
    used_g = {pi for pi, _ in row_goal.values()}
    goal_only = _goal_only_rows(pieces, groups, rows, row_goal, [i for i in goals if i not in used_g])
    _page_codes(pieces, groups, rows)
    _infer_codes(pieces, groups, rows, row_goal)
    for after, pi, row in goal_only:  # from the back, so the positions stay right
        rows.insert(after, row)
        used_g.add(pi)
    flag_programmes(rows)
    used_m = {pi for pi, _ in row_means.values()}
    return PolicyTable(rows, cells, max((p.page for p in pieces), default=0),
                       [pieces[i] for i in goals if i not in used_g], [pieces[i] for i in means if i not in used_m])


def _goal_only_rows(pieces: list[Piece], groups: list[_Group], rows: list[PolicyRow],
                    row_goal: dict[int, tuple[int, float]], orphans: list[int]) -> list[tuple[int, int, PolicyRow]]:
    """達成目標 printed with no 測定指標 (docs/formats.md §7.2): on a page whose code list has exactly one code more per
    unmatched goal than it has rows waiting for a code, the unmatched goals are rows of their own. The page's
    codes then go to its rows and these goals in the order their goals are printed, which is the only order
    that holds them all. Returns (index in ``rows`` to insert at, the goal's piece, row), last first."""
    out: list[tuple[int, int, PolicyRow]] = []
    taken = {r.code for r in rows if r.code}
    for page in sorted({g.page for g in groups}):
        todo = [ri for ri, g in enumerate(groups) if g.page == page and not rows[ri].code]
        alone = [pi for pi in orphans if pieces[pi].page == page and pieces[pi].code is None]
        bare = _bare_codes(pieces, page, taken)
        if not alone or not todo or len(bare) != len(todo) + len(alone) or any(ri not in row_goal for ri in todo):
            continue
        order = sorted([(row_goal[ri][0], ri) for ri in todo] + [(pi, None) for pi in alone])
        for code, (pi, ri) in zip(bare, order, strict=True):
            if ri is not None:
                rows[ri].code, rows[ri].code_rule = code, "page-list"
                continue
            goal = pieces[pi]
            before = [r for r in todo if row_goal[r][0] < pi]
            row = PolicyRow(code=code, code_rule="page-list", goal_text=goal.text, goal_lines=list(goal.lines),
                            indicators=[], programmes=[], contribution=None, contribution_lines=[], page=page,
                            match_scores={"goal": 1.0, "means": 0.0})
            out.append((max(before) + 1 if before else min(todo), pi, row))
    return sorted(out, key=lambda t: (-t[0], -t[1]))


def _is_contribution(pieces: list[Piece], i: int) -> bool:
    """The first prose after a programmes cell (bare code lists may sit in between)."""
    if pieces[i].kind != "prose" or pieces[i].code is not None:
        return False
    k = i - 1
    while k >= 0 and pieces[k].kind == "code":
        k -= 1
    return k >= 0 and pieces[k].kind == "programmes"


def _contribution_after(pieces: list[Piece], i: int) -> int | None:
    k = i + 1
    while k < len(pieces) and pieces[k].kind == "code":
        k += 1
    return k if k < len(pieces) and _is_contribution(pieces, k) else None


def _goal_like(p: Piece) -> bool:
    """Achievement goals are sentences; captions (科学技術分野の政策体系等) and URLs are not."""
    t = p.text
    return len(t) >= 20 and not t.startswith(("http", "・", "○", "〇", "①")) or p.code is not None


def _adjacent(pieces: list[Piece], goal: int, group_pos: int) -> bool:
    """A goal (with its code) printed directly before the group's first indicator."""
    return pieces[goal].code is not None and group_pos == goal + 1


def _follows_goal(pieces: list[Piece], goal: int, means: int) -> bool:
    """Programmes printed right after the goal (or after the goal's row of indicators)."""
    for k in range(goal + 1, means):
        if pieces[k].kind in ("prose", "programmes", "goalcell", "header", "code"):
            return False
    return means > goal


def _page_codes(pieces: list[Piece], groups: list[_Group], rows: list[PolicyRow]) -> None:
    """Bare codes of a page, sorted numerically, go to the page's rows without a code, in row order."""
    pages = sorted({g.page for g in groups})
    for page in pages:
        bare = _bare_codes(pieces, page, {r.code for r in rows if r.code})
        todo = [r for r, g in zip(rows, groups, strict=True) if g.page == page and not r.code]
        for r, c in zip(todo, bare, strict=False):
            r.code, r.code_rule = c, "page-list"


def _bare_codes(pieces: list[Piece], page: int, taken: set[str]) -> list[str]:
    """The codes a page prints on their own (not with a goal), not yet taken, sorted numerically."""
    return sorted({p.code for p in pieces if p.kind == "code" and p.page == page and p.code
                   and not _has_text(pieces, p)} - taken, key=_code_key)


def _has_text(pieces: list[Piece], p: Piece) -> bool:
    return any(q.kind == "prose" and q.code == p.code and q.first.index == p.first.index for q in pieces)


def _infer_codes(pieces: list[Piece], groups: list[_Group], rows: list[PolicyRow],
                 row_goal: dict[int, tuple[int, float]]) -> None:
    """Rows still without a code: 施策目標 from the cell printed before their goal (else the previous
    row's), ordinal after the highest code used under it. Flagged as inferred."""
    taken = {r.code for r in rows if r.code}
    prev_measure: str | None = None
    for ri, r in enumerate(rows):
        if r.code:
            prev_measure = r.measure_code
            continue
        measure = None
        anchor = row_goal[ri][0] if ri in row_goal else groups[ri].pos
        for k in range(anchor, -1, -1):
            p = pieces[k]
            if p.kind == "header":
                break
            if p.kind == "goalcell":
                m = MEASURE_CELL.match(ascii_digits(p.text))
                if m:
                    measure = m.group(1)
                    break
        measure = measure or prev_measure
        if measure is None:
            continue
        n = 1 + max([_code_key(c)[-1] for c in taken if c.rsplit("-", 1)[0] == measure] or [0])
        r.code, r.code_rule = f"{measure}-{n}", "inferred"
        taken.add(r.code)
        prev_measure = measure


POLICY_TABLE = register_parser("policy_table", parse_policy_table)
