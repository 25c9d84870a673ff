"""Briefing slides (説明資料): a national plan's pillars, measure groups, measures and KPI targets.

Slide text is Markdown residue (docs/formats.md §8): bare title lines, ``- ・`` bullets, unbalanced
``**`` markers. The plan is the first edition-numbered plan named in a slide title; its pillars are
the first run of circled-number bullets (① … ⑥) after it; later slides reuse a pillar as a section
head (matched by number, wording checked by containment). Targets have the form ``KPI名：値（年度）``
with the current value after ``※``; ranks, ratios and horizons are targets too. Figures of the
present, thresholds, estimates and budgets are not targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Line, SourceText
from .normalize import match_key, squash
from .plan_register import load_register
from .plans import plan_edition, plan_key
from .registry import register_parser
from .targets import Observation, TargetValue, parse_observations, parse_targets

__all__ = ["Measure", "MeasureGroup", "Pillar", "SlideKpi", "SlideDeck", "parse_slides"]

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_BULLET = re.compile(r"^\s*-\s+(?:・\s*)?")
_PILLAR_ITEM = re.compile(rf"^\s*-\s+([{_CIRCLED}])\s*(.+)$")
_SECTION = re.compile(rf"^\s*([{_CIRCLED}])\s+(.+)$")
_PLAN_TITLE = re.compile(r"第\s*[0-9０-９一二三四五六七八九十]+\s*期\s*「?([^」]*?計画)」?")
_KPI = re.compile(r"^(?P<name>[^：:※]{2,40}?)\s*[：:]\s*(?P<value>.+)$")
#: words that mark a figure as something other than a target (an estimate, a budget, a deadline)
_NOT_TARGET = ("試算", "予算", "以内", "米中", "→")


@dataclass
class SlideKpi:
    name: str
    targets: list[TargetValue]
    current: list[Observation]
    line: Line
    lines: list[Line]
    text: str


@dataclass
class Measure:
    text: str
    line: Line


@dataclass
class MeasureGroup:
    title: str
    line: Line
    measures: list[Measure] = field(default_factory=list)
    kpis: list[SlideKpi] = field(default_factory=list)


@dataclass
class Pillar:
    number: int
    title: str
    line: Line
    heads: list[tuple[Line, str, bool]] = field(default_factory=list)  # (line, text, same wording)
    groups: list[MeasureGroup] = field(default_factory=list)


@dataclass
class SlideDeck:
    plan_name: str | None
    plan_key: str | None
    plan_edition: int | None
    plan_line: Line | None
    pillars: list[Pillar] = field(default_factory=list)
    kpis: list[SlideKpi] = field(default_factory=list)  # plan-level targets outside any pillar

    def all_kpis(self) -> list[SlideKpi]:
        return self.kpis + [k for p in self.pillars for g in p.groups for k in g.kpis]


def _clean(text: str) -> str:
    return text.replace("*", "").strip()


def parse_slides(source: SourceText, doc: object) -> SlideDeck:
    seg = doc.segment  # type: ignore[attr-defined]
    return read_deck(source.lines[seg.body_start:seg.body_end])


def read_deck(lines: list[Line]) -> SlideDeck:  # noqa: C901 - one pass over the deck
    body = [ln for ln in lines if not ln.blank]
    deck = SlideDeck(None, None, None, None)
    for ln in body:
        m = _PLAN_TITLE.search(_clean(ln.text))
        if m and not _BULLET.match(ln.text):
            name = squash(m.group(0)).replace("「", "").replace("」", "")
            deck.plan_name, deck.plan_key = name, plan_key(load_register().canonical_name(name) or name)
            deck.plan_edition, deck.plan_line = plan_edition(name), ln
            break
    if deck.plan_line is None:
        return deck
    start = body.index(deck.plan_line)
    # pillars: the first run of consecutive circled bullets starting at ①
    for i in range(start, len(body)):
        m = _PILLAR_ITEM.match(body[i].text)
        if m and m.group(1) == "①":
            run = []
            for ln in body[i:]:
                mm = _PILLAR_ITEM.match(ln.text)
                if not mm or _CIRCLED.index(mm.group(1)) != len(run):
                    break
                run.append(Pillar(len(run) + 1, _clean(mm.group(2)), ln))
            if len(run) >= 3:
                deck.pillars = run
                break
    pillars = {p.number: p for p in deck.pillars}
    cur: Pillar | None = None
    group: MeasureGroup | None = None
    pending_name: Line | None = None
    k = start
    while k < len(body):
        ln = body[k]
        text = _clean(ln.text)
        nxt = _clean(body[k + 1].text) if k + 1 < len(body) else ""
        sec = _SECTION.match(text)
        if sec and not _BULLET.match(ln.text) and (p := pillars.get(_CIRCLED.index(sec.group(1)) + 1)):
            same = match_key(p.title) in match_key(sec.group(2)) or match_key(sec.group(2)) in match_key(p.title)
            if same:
                p.heads.append((ln, sec.group(2), same))
                cur, group, pending_name = p, None, None
                k += 1
                continue
        if _leaves_plan(text):
            cur, group = None, None
        kpi = _kpi(text, nxt, ln, body[k + 1] if k + 1 < len(body) else None, in_section=group is not None)
        if kpi is not None and any(w in nxt for w in _NOT_TARGET):
            kpi = None  # the next line says the figure is an estimate or a budget
        if kpi is None and _rank_or_ratio(text) and not any(w in text + nxt for w in _NOT_TARGET):
            goal_label = re.match(r"^(\S*目標)\s", text)
            bullet = _BULLET.sub("", text)
            if goal_label:
                kpi = SlideKpi(goal_label.group(1), _rank_ratio(text), [], ln, [ln], text)
            elif _HORIZON.match(bullet):
                kpi = SlideKpi(bullet, _rank_ratio(bullet), [], ln, [ln], bullet)
            elif pending_name is not None and not _clean(pending_name.text).startswith(("（", "(")):
                kpi = SlideKpi(_clean(pending_name.text), _rank_ratio(text), [], pending_name, [pending_name, ln],
                               text)
        if kpi is not None:
            (group.kpis if group is not None else deck.kpis).append(kpi)
            k += len(kpi.lines) if kpi.lines[-1] is not ln else 1
            pending_name = None
            continue
        if _BULLET.match(ln.text):
            if group is not None and cur is not None:
                group.measures.append(Measure(_clean(_BULLET.sub("", ln.text)), ln))
        elif cur is not None and not text.startswith(("※", "<", "(", "（")) and len(text) <= 40 \
                and not text.endswith("。") and k + 1 < len(body) and _BULLET.match(body[k + 1].text):
            group = MeasureGroup(text, ln)
            cur.groups.append(group)
        elif _slide_title(text):
            cur, group = (None, None) if not _continues_plan(text, deck) else (cur, group)
        pending_name = ln if not _BULLET.match(ln.text) and len(text) <= 30 else None
        k += 1
    return deck


_HORIZON = re.compile(r"^[0-9０-９]+年後までに")


def _rank_ratio(text: str) -> list[TargetValue]:
    return [t for t in parse_targets(text) if t.kind in ("rank", "ratio")]


def _leaves_plan(text: str) -> bool:
    """A heading of another part of the deck: numbered chapters, excerpts, other documents."""
    return bool(re.match(r"^(?:[0-9０-９]+[.．]\S|第[0-9０-９]+章|\([0-9]+\)\s)", text)) or "(抜粋)" in text \
        or ("基本計画" in text and "具体的施策" not in text and len(text) <= 40)


def _slide_title(text: str) -> bool:
    return bool(re.search(r"(?:具体的施策|ポイント|の方向性|について|動向)", text)) and len(text) <= 40


def _continues_plan(text: str, deck: SlideDeck) -> bool:
    return deck.plan_key is not None and ("基本計画" in text or "具体的施策" in text)


def _rank_or_ratio(text: str) -> bool:
    return any(t.kind in ("rank", "ratio") for t in parse_targets(text))


def _kpi(text: str, nxt: str, line: Line, next_line: Line | None, in_section: bool = False) -> SlideKpi | None:
    """``KPI名：値（年度）`` with the current value after ``※`` (same line or the next)."""
    t = _BULLET.sub("", text)
    if any(w in t for w in _NOT_TARGET):
        return None
    main, _, cur = t.partition("※")
    m = _KPI.match(main.strip())
    if not m:
        return None
    targets = [x for x in parse_targets(m.group("value")) if x.value is not None or x.kind in ("rank", "ratio")]
    if not targets:
        return None
    lines = [line]
    current = parse_observations(cur) if cur.strip() else []
    has_target_word = "目標" in m.group("name")
    current = [o for o in current if o.year is not None]
    if not current and nxt.startswith("※") and next_line is not None:
        current = [o for o in parse_observations(nxt) if o.year is not None]
        if current:
            lines.append(next_line)
    if not (current or has_target_word or in_section):
        return None  # a figure of the present (博士号取得者数が横ばい：1.5万人…) outside the plan's measures
    return SlideKpi(squash(m.group("name")), targets, current, line, lines, t)


SLIDES = register_parser("slides", parse_slides)
