"""Coverage of the lineage graph (networkx): how much of the graph reaches each national plan, what reaches
none (orphans), and what cannot be right (cycles, contradictions).

Contradictions are kinds of evidence that disagree, never guessed away:
* ``edition``: one node cites (directly or at document level) two editions of the same plan (第6期 and 第7期 …);
* ``agency``: a plan item implements an objective set for another agency;
* ``layer``: a lineage edge that leads from a higher kind of node to a lower one (e.g. a plan under an indicator).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from keifu.extract.plans import base_name, plan_edition

from ..vocab import KF
from . import LineageIndex, curie, layer_of_class, traced_classes

__all__ = ["Coverage", "PlanCoverage", "coverage"]

INDICATOR = str(KF.Indicator)


@dataclass(slots=True)
class PlanCoverage:
    plan: str
    label: str
    agencies: int
    documents: int
    objectives: int
    indicators: int

    def as_dict(self) -> dict[str, object]:
        return {"plan": self.plan, "label": self.label, "agencies": self.agencies, "documents": self.documents,
                "objectives": self.objectives, "indicators": self.indicators}


@dataclass(slots=True)
class Coverage:
    plans: list[PlanCoverage] = field(default_factory=list)
    orphans: list[dict[str, object]] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    contradictions: list[dict[str, object]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"totals": self.totals, "plans": [p.as_dict() for p in self.plans], "orphans": self.orphans,
                "cycles": self.cycles, "contradictions": self.contradictions}


def _where(idx: LineageIndex, node: str) -> str:
    p = idx.provenance([node])[node]
    parts = [p.get("file"), f"p.{p['page']}" if p.get("page") else None, str(p["line"]) if p.get("line") else None]
    return ":".join(str(x) for x in parts if x)


def _orphan(idx: LineageIndex, node: str) -> dict[str, object]:
    ag = idx.agency(node)
    doc = idx.doc_of.get(node)
    return {"node": node, "label": idx.display(node), "class": idx.cls(node), "agency": ag[1] if ag else None,
            "document": idx.labels.get(doc) if doc else None, "where": _where(idx, node)}


def _editions(idx: LineageIndex, traces: dict[str, set[str]]) -> list[dict[str, object]]:
    """Nodes tracing to two numbered editions of one plan, grouped by document and plan."""
    series: dict[str, dict[int, str]] = defaultdict(dict)
    for p in traces:
        label = idx.labels.get(p, "")
        ed, base = plan_edition(label), base_name(label)
        if ed is not None and base:
            series[base][ed] = p
    out = []
    for base, eds in sorted(series.items()):
        if len(eds) < 2:
            continue
        by_node: dict[str, set[int]] = defaultdict(set)
        for ed, p in eds.items():
            atts = idx.attributions(p)
            for n in traces[p]:
                if atts[n].cited == p:  # a citation of the edition itself, not of its series or a plan under it
                    by_node[n].add(ed)
        groups: dict[tuple[str, tuple[int, ...]], list[str]] = defaultdict(list)
        for n, found in by_node.items():
            if len(found) > 1:
                groups[(idx.doc_of.get(n, n), tuple(sorted(found)))].append(n)
        for (doc, found), nodes in sorted(groups.items()):
            out.append({"kind": "edition", "plan": base, "editions": list(found),
                        "document": idx.labels.get(doc, doc), "nodes": len(nodes), "example": min(nodes),
                        "where": _where(idx, min(nodes)),
                        "message_ja": f"{base} の第{'期・第'.join(map(str, found))}期の両方にたどり着く",
                        "message_en": f"traces to editions {', '.join(map(str, found))} of {base}"})
    return out


def _agency_mismatch(idx: LineageIndex) -> list[dict[str, object]]:
    out = []
    for lo, hi, data in sorted(idx.graph.edges(data=True)):
        if data["prop"] != "implements":
            continue
        a, b = idx.agency(lo), idx.agency(hi)
        if a and b and a[0] != b[0]:
            out.append({"kind": "agency", "node": lo, "target": hi, "where": _where(idx, lo),
                        "message_ja": f"{a[1]} の計画の項目が {b[1]} の目標を実施するとされている",
                        "message_en": f"an item of a plan of {a[1]} implements an objective set for {b[1]}"})
    return out


def _layer_inversions(idx: LineageIndex) -> list[dict[str, object]]:
    layers = layer_of_class()
    out = []
    for lo, hi, data in sorted(idx.graph.edges(data=True)):
        llo = min((layers[c] for c in idx.types.get(lo, ()) if c in layers), default=None)
        lhi = min((layers[c] for c in idx.types.get(hi, ()) if c in layers), default=None)
        if llo is not None and lhi is not None and lhi > llo:
            out.append({"kind": "layer", "node": lo, "target": hi, "edge": curie(data['prop']),
                        "where": _where(idx, lo),
                        "message_ja": f"{idx.cls(lo)} が {curie(data['prop'])} で下位の {idx.cls(hi)} に上っている",
                        "message_en": f"a {idx.cls(lo)} goes up {curie(data['prop'])} to a lower {idx.cls(hi)}"})
    return out


def _cycles(idx: LineageIndex, limit: int = 50) -> list[list[str]]:
    out = []
    for comp in nx.strongly_connected_components(idx.graph):
        if len(comp) > 1:
            cyc = nx.find_cycle(idx.graph.subgraph(comp))
            out.append([u for u, _v in cyc])
        if len(out) >= limit:
            break
    return sorted(out)


def coverage(idx: LineageIndex, orphan_limit: int | None = None) -> Coverage:
    """The coverage report of one lineage index: per plan, the nodes of its default answer (the attribution rule
    of ``keifu trace``: direct, and relevant document-level, items), so the two agree."""
    traces = idx.traces()
    traced = traced_classes()
    rep = Coverage()
    for p, nodes in traces.items():
        inds = {n for n in nodes if INDICATOR in idx.types[n]}
        goals = nodes - inds
        agencies = {a[0] for n in nodes if (a := idx.agency(n))}
        docs = {idx.doc_of[n] for n in nodes if n in idx.doc_of}
        rep.plans.append(PlanCoverage(p, idx.labels.get(p, p), len(agencies), len(docs), len(goals), len(inds)))
    rep.plans.sort(key=lambda c: (-c.indicators, -c.objectives, c.label))
    reached = set().union(*traces.values()) if traces else set()
    orphans = sorted((n for n, t in idx.types.items() if t & traced and n not in reached),
                     key=lambda n: (INDICATOR in idx.types[n], idx.doc_of.get(n, ""), n))
    rep.totals = {
        "plans": len(traces), "plans_reached": sum(1 for v in traces.values() if v),
        "objectives": sum(1 for t in idx.types.values() if t & traced and INDICATOR not in t),
        "indicators": sum(1 for t in idx.types.values() if INDICATOR in t),
        "orphan_objectives": sum(1 for n in orphans if INDICATOR not in idx.types[n]),
        "orphan_indicators": sum(1 for n in orphans if INDICATOR in idx.types[n]),
        "edges": idx.graph.number_of_edges(),
    }
    rep.orphans = [_orphan(idx, n) for n in orphans[:orphan_limit]]
    rep.cycles = _cycles(idx)
    rep.contradictions = _editions(idx, traces) + _agency_mismatch(idx) + _layer_inversions(idx)
    return rep
