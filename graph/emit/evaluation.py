"""RDF for the evaluation framework: axis-table rows, axes, indicators, targets, importance markers;
and the graph-level step that links agency-plan items to the objectives they implement.

Plan links are made after all files are stored (:func:`link_plans`), because a plan and its
objectives document are usually different files: the store is read with SPARQL, the pure matcher
:func:`keifu.extract.plan_links.link_plan` decides, and ``kf:implements`` triples are written into the
plan's named graph (replacing the previous ones).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from keifu.extract.evaluation.axis_table import AXIS_TABLE, AxisTables
from keifu.extract.evaluation.body_indicators import BODY_INDICATORS, BodyIndicators, recurrence
from keifu.extract.pipeline import ExtractedDocument
from keifu.extract.plan_links import PlanItem, PlanLinks, link_plan

from ..store import Store
from ..vocab import KF, concept, decimal_literal, mint, sparql_prefixes
from . import Emitter, register_emitter

__all__ = ["PlanLinkReport", "emit_axis_tables", "emit_body_indicators", "link_plans"]

#: kf:uncertain texts written by link_plans start with this, so a rebuild can replace them.
LINK_NOTE = "kf:implements "


# --------------------------------------------------------------------------------------------------
# Targets (shared by table and body indicators)
# --------------------------------------------------------------------------------------------------


def _decimal(v: Any) -> Literal | None:
    if v is None:
        return None
    try:
        return decimal_literal(str(v))
    except (InvalidOperation, ValueError):
        return None


def emit_targets(em: Emitter, owner: URIRef, base: tuple[Any, ...], targets: list[Any], dnode: URIRef,
                 first: Any, lines: list[Any] | None = None) -> None:
    """``kf:Target`` nodes for parsed targets (``keifu.extract.targets.TargetValue``) of one indicator, each at
    the line of its own phrase (``lines[k]``, else ``first``). The deadline of a span (2026～2030年度) is its
    last year; a target set for every year carries kf:recurrence; the unit is normalised (％ → %)."""
    for k, t in enumerate(targets, start=1):
        node = mint(*base, "target", k)
        em.add(node, RDF.type, KF.Target)
        em.add(owner, KF.hasTarget, node)
        em.add(node, KF.inDocument, dnode)
        em.add(node, KF.expression, em.ja(t.expression))
        em.add(node, KF.targetValue, _decimal(getattr(t, "value", None)))
        unit = getattr(t, "unit_norm", None) or getattr(t, "unit", None)
        em.add(node, KF.unit, Literal(unit) if unit else None)
        year = getattr(t, "year_to", None) or getattr(t, "fiscal_year", None)
        if getattr(t, "fiscal_year", None) is not None or getattr(t, "calendar_year", None) is None:
            em.add(node, KF.targetFiscalYear, Literal(int(year)) if year else None)
        cal = getattr(t, "calendar_year", None)
        em.add(node, KF.targetCalendarYear, Literal(int(cal)) if cal else None)
        q = getattr(t, "qualifier", None)
        em.add(node, KF.targetQualifier, Literal(q) if q else None)
        rec = recurrence(t)
        em.add(node, KF.recurrence, Literal(rec) if rec else None)
        by = getattr(t, "base_year", None)
        em.add(node, KF.baseYear, Literal(int(by)) if by else None)
        hz = getattr(t, "horizon", None)
        em.add(node, KF.horizon, Literal(hz) if hz else None)
        kind = getattr(t, "kind", None)
        if kind:
            em.add(node, KF.targetKind, concept("target-kind", kind))
        line = lines[k - 1] if lines and k - 1 < len(lines) else first
        em.prov(node, line, t.expression)


# --------------------------------------------------------------------------------------------------
# Axis tables
# --------------------------------------------------------------------------------------------------


def emit_axis_tables(em: Emitter, doc: ExtractedDocument, res: AxisTables, dnode: URIRef,
                     onodes: list[URIRef]) -> None:
    if not res:
        return
    base = ("doc", em.fkey, doc.number)
    n_axis = n_ind = 0
    for r, row in enumerate(res.rows, start=1):
        rnode = mint(*base, "row", r)
        em.add(rnode, RDF.type, KF.EvaluationRow)
        em.add(rnode, RDFS.label, em.ja(row.label))
        em.add(rnode, KF.inDocument, dnode)
        em.add(rnode, KF.order, Literal(r))
        quote = "\n".join(c.text for c in row.cells if not c.carried) or row.label
        em.prov(rnode, row.first, quote, row.last)
        target = onodes[row.objective] if row.objective is not None else None
        em.add(rnode, KF.evaluates, target)
        for h in row.covers:
            em.add(rnode, KF.coversObjective, onodes[h])
        if row.link is not None and row.link.uncertain:
            em.add(rnode, KF.inferred, Literal(True))
            em.add(rnode, KF.uncertain, Literal(f"row linked to its objective by {row.link.describe()}"))
        for note in row.notes:
            em.add(rnode, KF.note, em.ja(note.text))
        axes: list[URIRef] = []
        for a in row.axes:
            n_axis += 1
            node = mint(*base, "axis", n_axis)
            axes.append(node)
            em.add(node, RDF.type, KF.EvaluationAxis)
            em.add(node, RDFS.label, em.ja(a.text))
            em.add(node, KF.inDocument, dnode)
            em.add(node, KF.inRow, rnode)
            em.add(node, KF.order, Literal(len(axes)))
            em.prov(node, a.first, a.quote, a.last)
            if target is not None:
                em.add(target, KF.hasAxis, node)
        inodes: list[URIRef] = []
        for i, ind in enumerate(row.indicators):
            n_ind += 1
            node = mint(*base, "indicator", n_ind)
            inodes.append(node)
            em.add(node, RDF.type, KF.Indicator)
            em.add(node, RDFS.label, em.ja(ind.text))
            em.add(node, KF.indicatorKind, concept("indicator-kind", ind.kind))
            em.add(node, KF.inDocument, dnode)
            em.add(node, KF.inRow, rnode)
            em.add(node, KF.order, Literal(i + 1))
            em.prov(node, ind.first, ind.quote, ind.last)
            if target is not None:
                em.add(target, KF.hasIndicator, node)
            if len(axes) == 1:
                em.add(axes[0], KF.hasIndicator, node)
            if ind.paired is not None and ind.paired < len(inodes):
                em.add(node, KF.monitoringFor, inodes[ind.paired])


# --------------------------------------------------------------------------------------------------
# Body indicators and importance markers
# --------------------------------------------------------------------------------------------------

_MARK_PROPS = {"重要度": (KF.importance, KF.importanceReason), "困難度": (KF.difficulty, KF.difficultyReason)}


def emit_body_indicators(em: Emitter, doc: ExtractedDocument, res: BodyIndicators, dnode: URIRef,
                         onodes: list[URIRef]) -> None:
    if not res:
        return
    base = ("doc", em.fkey, doc.number)
    for k, ind in enumerate(res.indicators, start=1):
        node = mint(*base, "body-indicator", k)
        em.add(node, RDF.type, KF.Indicator)
        em.add(node, RDFS.label, em.ja(ind.name or ind.text))
        em.add(node, KF.indicatorKind, concept("indicator-kind", ind.kind))
        em.add(node, KF.inDocument, dnode)
        em.prov(node, ind.lines[0], ind.quote, ind.lines[-1])
        for note in ind.notes:
            em.add(node, KF.note, em.ja(note))
        owner = onodes[ind.heading] if ind.heading is not None else dnode
        if ind.heading is not None:
            em.add(owner, KF.hasIndicator, node)
        emit_targets(em, node, (*base, "body-indicator", k), ind.targets, dnode, ind.lines[0],
                     getattr(ind, "target_line", None))
    for k, m in enumerate(res.marks, start=1):
        if m.heading is None:
            continue
        obj = onodes[m.heading]
        if m.dimension in _MARK_PROPS:
            level_p, reason_p = _MARK_PROPS[m.dimension]
            em.add(obj, level_p, Literal(m.level) if m.level else None)
            em.add(obj, reason_p, em.ja(m.reason))
            # the marker as printed, at its own line, so that a missing reason is reported there
            node = mint(*base, "mark", k)
            em.add(node, RDF.type, KF.ImportanceMark)
            em.add(node, KF.markedObjective, obj)
            em.add(node, level_p, Literal(m.level) if m.level else None)
            em.add(node, reason_p, em.ja(m.reason))
            em.prov(node, m.lines[0], m.quote, m.lines[-1])
        else:
            em.add(obj, KF.targetRationale, em.ja(m.reason))


register_emitter(AXIS_TABLE, emit_axis_tables)
register_emitter(BODY_INDICATORS, emit_body_indicators)


# --------------------------------------------------------------------------------------------------
# Plan → objective links, over the store
# --------------------------------------------------------------------------------------------------


@dataclass
class PlanLinkReport:
    """What :func:`link_plans` did: per plan document, the links by rule and the unmatched items."""

    plans: dict[str, PlanLinks] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # item IRI → "section title"
    pairs: dict[str, str] = field(default_factory=dict)  # plan document → objectives document

    def lines(self) -> list[str]:
        out = []
        for plan, res in sorted(self.plans.items()):
            rules = defaultdict(int)
            for lk in res.links:
                rules[lk.rule] += 1
            counts = ", ".join(f"{r} {n}" for r, n in sorted(rules.items()))
            out.append(f"計画→目標の対応 / plan links {_short(plan)} → {_short(self.pairs.get(plan, ''))}: {counts}; "
                       f"未対応 / unmatched {len(res.unmatched)}")
            for item, reason in res.unmatched:
                why = "法定の計画事項 / statutory item" if reason == "statutory" else "対応なし / no counterpart"
                out.append(f"  {self.labels.get(item, item)}: {why}")
        return out


_DOCS = """
SELECT ?plan ?obj ?g ?fy ?start ?end WHERE {
  GRAPH ?g { ?plan a kf:AgencyPlan ; kf:setFor ?ag . }
  ?obj a kf:ObjectivesDocument ; kf:setFor ?ag .
  OPTIONAL { ?plan kf:fiscalYear ?fy }
  OPTIONAL { ?obj kf:periodStart ?start }
  OPTIONAL { ?obj kf:periodEnd ?end }
}
"""
_ITEMS = """
SELECT ?o ?label ?parent ?line ?page WHERE {
  ?o kf:inDocument <%s> ; a kf:Objective ; rdfs:label ?label ; kf:line ?line .
  OPTIONAL { ?o kf:partOf ?parent }
  OPTIONAL { ?o kf:page ?page }
}
"""


def _items(store: Store, doc: str) -> tuple[list[PlanItem], dict[str, str]]:
    rows = list(store.select(sparql_prefixes() + _ITEMS % doc))
    rows.sort(key=lambda r: (int(r["page"] or 0), int(r["line"])))
    items = [PlanItem(r["o"], r["label"], r["parent"]) for r in rows]
    return items, {r["o"]: r["label"] for r in rows}


def _pick_objectives(cands: list[dict[str, str | None]]) -> str:
    """The objectives document for a plan: the one whose period holds the plan's fiscal year, else the latest."""
    def holds(c: dict[str, str | None]) -> bool:
        fy, s, e = c["fy"], c["start"], c["end"]
        return bool(fy and s and e and s[:4] <= fy <= e[:4])
    held = [c for c in cands if holds(c)]
    pool = held or cands
    return str(max(pool, key=lambda c: (c["start"] or "", c["obj"] or ""))["obj"])


def link_plans(store: Store) -> PlanLinkReport:
    """Write ``kf:implements`` from every agency-plan item to its objective (same agency), replacing old links."""
    report = PlanLinkReport()
    by_plan: dict[tuple[str, str], list[dict[str, str | None]]] = defaultdict(list)
    for r in store.select(sparql_prefixes() + _DOCS):
        by_plan[(str(r["plan"]), str(r["g"]))].append(r)
    for (plan, graph), cands in sorted(by_plan.items()):
        obj = _pick_objectives(cands)
        g = ox.NamedNode(graph)
        store.ox.update(sparql_prefixes() + f"""
            DELETE {{ GRAPH <{graph}> {{ ?s kf:implements ?o }} }}
            WHERE {{ GRAPH <{graph}> {{ ?s kf:implements ?o ; kf:inDocument <{plan}> }} }};
            DELETE {{ GRAPH <{graph}> {{ ?s kf:uncertain ?u }} }}
            WHERE {{ GRAPH <{graph}> {{ ?s kf:uncertain ?u ; kf:inDocument <{plan}> .
                     FILTER(STRSTARTS(STR(?u), "{LINK_NOTE}")) }} }}""")
        plan_items, plabels = _items(store, plan)
        obj_items, olabels = _items(store, obj)
        res = link_plan(plan_items, obj_items)
        quads = []
        for lk in res.links:
            s = ox.NamedNode(lk.plan)
            quads.append(ox.Quad(s, ox.NamedNode(str(KF.implements)), ox.NamedNode(lk.objective), g))
            if lk.uncertain:
                note = f"{LINK_NOTE}<{lk.objective}> by {lk.describe()}"
                quads.append(ox.Quad(s, ox.NamedNode(str(KF.uncertain)), ox.Literal(note), g))
        store.ox.extend(quads)
        report.plans[plan] = res
        report.pairs[plan] = obj
        report.labels.update(plabels)
        report.labels.update(olabels)
    return report


def _short(iri: str) -> str:
    """A document IRI as ``file/number`` for messages."""
    return iri.rsplit("/doc/", 1)[-1]
