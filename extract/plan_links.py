"""Agency-plan items → the objectives they carry out (kf:implements), as a pure function over records.

An agency plan follows its objectives document but not exactly (docs/formats.md §1.3, §9): chapters are offset
(plan Ⅰ ↔ objectives Ⅲ, because the objectives open with 位置付け and 期間), chapter titles swap
「…に関する事項」 for 「…に関する目標を達成するためとるべき措置」, some headings are renamed, plans subdivide
below the objectives' deepest level, and statutory plan items (予算, 短期借入金, 剰余金 …) have no
counterpart. The steps, top-down, each one only among items not yet linked:

1. ``title``: same title after removing numbers, whitespace and chapter boilerplate, under the expected
   parent (the counterpart of the plan item's parent) when there is one;
2. ``renamed``: among the unlinked children of the expected parent, the most similar title (difflib);
3. ``order``: between linked siblings, equal runs of unlinked siblings pair in order (chapter offsets);
4. ``role``: chapters still unpaired (a plan that prints 予算, 短期借入金, 剰余金 … as chapters of their own, so the
   runs differ in length) pair by statutory role (``data/chapter_roles.tsv``): the one plan chapter and the one
   objectives chapter of a role; a statutory chapter takes part only with the role ``data/plan_statutory_items.tsv``
   gives it (the budget carries out 財務内容の改善);
5. ``ancestor``: anything else links to the counterpart of its nearest linked ancestor.

Statutory items take part only in steps 3 and 4 at chapter level. Steps 2, 3 and 5 are flagged as uncertain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache

from .chapters import chapter_role
from .evaluation.axis_link import core_key
from .normalize import squash
from .vocab import rows

__all__ = ["PlanItem", "PlanLink", "PlanLinks", "link_plan"]

# A renamed heading needs at least this similarity with its counterpart (difflib ratio on title cores).
# Measured on the corpus's annual plan against its objectives: the two renamed pairs (a word replaced by a
# synonym; a title reworded around the same facility) score 0.78 and 0.86; the best wrong sibling of any
# unlinked plan item scores below 0.5.
RENAMED_MIN = 0.6
UNCERTAIN_RULES = ("renamed", "order", "ancestor")


@dataclass(frozen=True, slots=True)
class PlanItem:
    """A heading of a plan or objectives document: its id, title and parent id (document order)."""

    id: str
    title: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class PlanLink:
    plan: str
    objective: str
    rule: str  # title | renamed | order | role | ancestor
    score: float = 1.0

    @property
    def uncertain(self) -> bool:
        return self.rule in UNCERTAIN_RULES

    def describe(self) -> str:
        if self.rule == "renamed":
            return f"renamed heading (ratio {self.score:.2f})"
        return {"title": "same title", "order": "sibling order between linked items",
                "role": "same statutory chapter role", "ancestor": "nearest ancestor with a counterpart"}[self.rule]


@dataclass
class PlanLinks:
    links: list[PlanLink] = field(default_factory=list)
    #: (plan item id, reason): "statutory" or "no-counterpart"
    unmatched: list[tuple[str, str]] = field(default_factory=list)

    def by_plan(self) -> dict[str, PlanLink]:
        return {lk.plan: lk for lk in self.links}

    def count(self, rule: str) -> int:
        return sum(1 for lk in self.links if lk.rule == rule)


@cache
def _statutory() -> tuple[tuple[re.Pattern[str], str | None], ...]:
    return tuple((re.compile(r[0]), (r[1].strip() or None) if len(r) > 1 else None)
                 for r in rows("plan_statutory_items.tsv"))


def is_statutory(title: str) -> bool:
    sq = squash(title)
    return any(p.match(sq) for p, _ in _statutory())


def _role(title: str, statutory: bool) -> str | None:
    """The chapter role a plan or objectives chapter stands for; a statutory item only by its table role."""
    if statutory:
        sq = squash(title)
        return next((role for p, role in _statutory() if p.match(sq)), None)
    found = chapter_role(title)
    return found[0] if found else None


def _children(items: Sequence[PlanItem]) -> dict[str | None, list[PlanItem]]:
    out: dict[str | None, list[PlanItem]] = {}
    for it in items:
        out.setdefault(it.parent, []).append(it)
    return out


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, core_key(a), core_key(b), autojunk=False).ratio()


def link_plan(plan: Sequence[PlanItem], objectives: Sequence[PlanItem]) -> PlanLinks:
    """Link every plan item to an objective, or report why it has none."""
    ochildren = _children(objectives)
    pchildren = _children(plan)
    by_core: dict[str, list[PlanItem]] = {}
    for o in objectives:
        by_core.setdefault(core_key(o.title), []).append(o)
    oparent = {o.id: o.parent for o in objectives}

    def under(oid: str, anc: str) -> bool:
        p = oparent.get(oid)
        while p is not None:
            if p == anc:
                return True
            p = oparent.get(p)
        return False

    direct: dict[str, PlanLink] = {}
    used: set[str] = set()
    statutory = {p.id for p in plan if is_statutory(p.title)}

    def expected(p: PlanItem) -> str | None:
        lk = direct.get(p.parent) if p.parent is not None else None
        return lk.objective if lk else None

    # 1. titles, top-down (document order puts parents first)
    for p in plan:
        if p.id in statutory:
            continue
        cands = [o for o in by_core.get(core_key(p.title), []) if o.id not in used]
        exp = expected(p)
        if exp is not None:
            cands = [o for o in cands if under(o.id, exp)] or cands
        if cands:
            o = cands[0]
            direct[p.id] = PlanLink(p.id, o.id, "title")
            used.add(o.id)

    # 2 + 3. renamed and order, level by level, under linked parents (and at chapter level); 4. roles
    _renamed_and_order(pchildren, ochildren, direct, used, statutory)
    if _pair_by_role(pchildren.get(None, []), ochildren.get(None, []), direct, used, statutory):
        _renamed_and_order(pchildren, ochildren, direct, used, statutory)

    # 5. ancestors, and the report
    out = PlanLinks()
    pparent = {p.id: p.parent for p in plan}
    for p in plan:
        if p.id in direct:
            out.links.append(direct[p.id])
            continue
        if p.id in statutory:
            out.unmatched.append((p.id, "statutory"))
            continue
        anc = pparent.get(p.id)
        while anc is not None and anc not in direct:
            anc = pparent.get(anc)
        if anc is not None:
            out.links.append(PlanLink(p.id, direct[anc].objective, "ancestor"))
        else:
            out.unmatched.append((p.id, "no-counterpart"))
    return out


def _renamed_and_order(pchildren: dict[str | None, list[PlanItem]], ochildren: dict[str | None, list[PlanItem]],
                       direct: dict[str, PlanLink], used: set[str], statutory: set[str]) -> None:
    changed = True
    while changed:
        changed = False
        for parent_id, kids in pchildren.items():
            if parent_id is not None and parent_id not in direct:
                continue
            oparent_id = direct[parent_id].objective if parent_id is not None else None
            okids = ochildren.get(oparent_id, [])
            free_o = [o for o in okids if o.id not in used]
            free_p = [p for p in kids if p.id not in direct and (p.id not in statutory)]
            for p in free_p:  # renamed
                scored = sorted(((_ratio(p.title, o.title), o) for o in free_o if o.id not in used),
                                key=lambda s: -s[0])
                if scored and scored[0][0] >= RENAMED_MIN:
                    o = scored[0][1]
                    direct[p.id] = PlanLink(p.id, o.id, "renamed", round(scored[0][0], 2))
                    used.add(o.id)
                    changed = True
            changed |= _pair_by_order(kids, okids, direct, used, statutory if parent_id is not None else set())


def _pair_by_role(kids: list[PlanItem], okids: list[PlanItem], direct: dict[str, PlanLink], used: set[str],
                  statutory: set[str]) -> bool:
    """Unpaired chapters of the same statutory role, when the role names exactly one chapter on each side."""
    plan_roles: dict[str, list[PlanItem]] = {}
    for p in kids:
        if p.id not in direct:
            role = _role(p.title, p.id in statutory)
            if role is not None:
                plan_roles.setdefault(role, []).append(p)
    obj_roles: dict[str, list[PlanItem]] = {}
    for o in okids:
        if o.id not in used:
            found = chapter_role(o.title)
            if found is not None:
                obj_roles.setdefault(found[0], []).append(o)
    changed = False
    for role, ps in plan_roles.items():
        os_ = obj_roles.get(role, [])
        if len(ps) == 1 and len(os_) == 1:
            direct[ps[0].id] = PlanLink(ps[0].id, os_[0].id, "role")
            used.add(os_[0].id)
            changed = True
    return changed


def _pair_by_order(kids: list[PlanItem], okids: list[PlanItem], direct: dict[str, PlanLink], used: set[str],
                   statutory: set[str]) -> bool:
    """Between linked siblings, pair equal-length runs of unlinked plan and objective siblings in order."""
    changed = False
    opos = {o.id: i for i, o in enumerate(okids)}
    anchors = [(-1, -1)] + [(k, opos[direct[p.id].objective]) for k, p in enumerate(kids)
                            if p.id in direct and direct[p.id].objective in opos] + [(len(kids), len(okids))]
    for (pa, oa), (pb, ob) in zip(anchors, anchors[1:], strict=False):
        if ob <= oa:
            continue
        run_p = [p for p in kids[pa + 1:pb] if p.id not in direct]
        run_o = [o for o in okids[oa + 1:ob] if o.id not in used]
        if run_p and len(run_p) == len(run_o) and not any(p.id in statutory for p in run_p) \
                and (pa >= 0 or pb < len(kids)):
            for p, o in zip(run_p, run_o, strict=True):
                direct[p.id] = PlanLink(p.id, o.id, "order")
                used.add(o.id)
                changed = True
    return changed
