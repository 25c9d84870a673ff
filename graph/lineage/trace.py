"""Trace queries: which indicators serve a national plan, with the chain and the evidence of every step.

A plan is given by IRI or by name. Names match partially and ignore width, spacing, ・ and 「の」 after 第N期
(:func:`keifu.graph.plan_lookup.name_keys`, so 第六期 = 第6期); 第N期の基本計画 is resolved against the plan register;
printed names and aliases of the citations count as names of the plan. One exact match wins; otherwise
several matches are an :class:`AmbiguousName` carrying the candidates.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import pyoxigraph as ox

from keifu.extract.errors import KeifuError
from keifu.extract.plan_register import Register, load_register, register_file
from keifu.extract.plans import plan_key

from ..attribution import Attribution
from ..plan_lookup import describe, expand_shorthand, kind_label, name_keys
from ..vocab import KF, sparql_prefixes
from . import LineageIndex, Step, target_classes

__all__ = ["AmbiguousName", "Candidate", "NameNotFound", "TraceResult", "TraceRow", "find_nodes", "resolve",
           "trace"]

INDICATOR = str(KF.Indicator)
AXIS = str(KF.EvaluationAxis)
GOAL_EDGES = ("hasIndicator", "hasAxis", "partOf", "contributesTo")


@dataclass(frozen=True, slots=True)
class Candidate:
    iri: str
    label: str
    cls: str
    exact: bool
    agency: str | None = None
    kind: str | None = None  # plan-kind code of a plan
    edition: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"iri": self.iri, "label": self.label, "class": self.cls, "exact": self.exact, "agency": self.agency,
                "kind": self.kind, "edition": self.edition}

    def shown(self, lang: str = "ja") -> str:
        """The label, with the kind and edition of a plan: …基本計画（基本計画、第7期） / …基本計画 (basic plan, edition 7)."""
        kind = kind_label(self.kind, lang) if self.kind else None
        if lang == "ja":
            extra = "、".join(x for x in (kind, f"第{self.edition}期" if self.edition is not None else None) if x)
            return f"{self.label}（{extra}）" if extra else self.label
        extra = ", ".join(x for x in (kind, f"edition {self.edition}" if self.edition is not None else None) if x)
        return f"{self.label} ({extra})" if extra else self.label


class AmbiguousName(KeifuError):
    """A name that matches several nodes equally well."""

    def __init__(self, name: str, candidates: list[Candidate]) -> None:
        shown = "、".join(c.shown("ja") for c in candidates[:8])
        shown_en = "; ".join(c.shown("en") for c in candidates[:8])
        super().__init__(f"'{name}' matches {len(candidates)} nodes; give one of them (or its IRI): {shown_en}",
                         f"「{name}」に当てはまるものが {len(candidates)} 件あります。どれか（または IRI）を指定してください: {shown}")
        self.name = name
        self.candidates = candidates


class NameNotFound(KeifuError):
    def __init__(self, name: str, what: str = "national plan") -> None:
        super().__init__(f"no {what} matches '{name}'", f"「{name}」に当てはまる{'国の計画' if what == 'national plan' else 'ノード'}がありません")
        self.name = name


def _keys(text: str) -> set[str]:
    return name_keys(text)  # width, spacing, ・, 「の」 after 第N期 (keifu.graph.plan_lookup)


def _names(idx: LineageIndex, classes: Iterable[str]) -> Iterable[tuple[str, str, str]]:
    """(node, shown label, a name it can be found by) for nodes of the given classes (and agencies)."""
    classes = set(classes)
    for node, kinds in idx.types.items():
        if kinds & classes:
            label = idx.display(node)
            for name in {idx.labels.get(node, ""), label, *idx.names.get(node, ())} - {""}:
                yield node, label, name
    if str(KF.Agency) in classes:
        for ag, lbl in set(idx.agency_of_doc.values()):
            yield ag, lbl, lbl


def query_keys(query: str, plan_labels: Iterable[str]) -> set[str]:
    """The keys a name query matches by: its own, or those of the full names a 第N期の<noun> shorthand may mean."""
    keys = _keys(query) - {""}
    if expanded := expand_shorthand(query, plan_labels):
        keys = set().union(*(_keys(e) for e in expanded))  # 第7期の基本計画 → the plan(s) it may mean
    return keys


def match_names(keys: set[str], entries: Iterable[tuple[str, str, str, set[str] | frozenset[str]]],
                facts: Callable[[str], tuple[str, str | None]], limit: int) -> list[Candidate]:
    """Candidates among (node, shown label, name, keys of the name) entries, exact matches first; ``facts`` gives
    a matched node's class and agency. Shared by the live index and the persistent trace index."""
    best: dict[str, Candidate] = {}
    for node, label, _name, nkeys in entries:
        exact = bool(keys & nkeys)
        if not exact and not any(k in nk for k in keys for nk in nkeys):
            continue
        old = best.get(node)
        if old is None or (exact and not old.exact):
            cls, agency = facts(node)
            best[node] = Candidate(node, label, cls, exact, agency)
    out = sorted(best.values(), key=lambda c: (not c.exact, len(c.label), c.label, c.iri))
    return out[:limit]


def find_nodes(idx: LineageIndex, query: str, classes: Iterable[str] | None = None, limit: int = 50) -> list[Candidate]:
    """Nodes whose name contains ``query`` (width- and spacing-insensitive), exact matches first."""
    classes = set(classes) if classes is not None else target_classes()
    query = query.strip()
    if query.startswith(("http://", "https://")):
        return [Candidate(query, idx.display(query), idx.cls(query), True)] if query in idx.types else []
    keys = query_keys(query, (idx.labels.get(p, "") for p in idx.plans()))
    if not keys:
        return []
    return match_names(keys, ((n, label, name, _keys(name)) for n, label, name in _names(idx, classes)),
                       lambda n: node_facts(idx, n), limit)


def node_facts(idx: LineageIndex, node: str) -> tuple[str, str | None]:
    """(class, agency label) of a node as candidates show them (a node outside the lineage graph: an agency)."""
    ag = idx.agency(node)
    return ("Agency" if node not in idx.types else idx.cls(node)), (ag[1] if ag else None)


def resolve(idx: LineageIndex, query: str, classes: Iterable[str] | None = None) -> Candidate:
    """One node for a name or IRI: the single exact match, else the single partial match."""
    cands = find_nodes(idx, query, classes, limit=10_000)
    if not cands and classes is None and not query.startswith(("http://", "https://")):
        cands = find_nodes(idx, query, {str(KF.Agency)}, limit=10_000)  # an agency: its indicators and their plans
    if not cands:
        raise NameNotFound(query, "national plan" if classes is None else "node")
    exact = [c for c in cands if c.exact]
    pool = exact or cands
    if len(pool) > 1:
        facts = describe(idx.store, (c.iri for c in pool[:50]))
        raise AmbiguousName(query, [replace(c, kind=facts.get(c.iri, (None, None))[0],
                                            edition=facts.get(c.iri, (None, None))[1]) for c in pool])
    kind, edition = describe(idx.store, [pool[0].iri]).get(pool[0].iri, (None, None))
    return replace(pool[0], kind=kind, edition=edition)


# --------------------------------------------------------------------------------------------------
# Trace rows
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class TraceRow:
    node: str
    label: str
    cls: str
    kind: str | None
    agency: str | None
    document: str | None
    document_label: str | None
    objective_path: list[str]
    axis: str | None
    targets: list[str]
    chain: list[str]
    steps: list[Step] = field(default_factory=list)
    attribution: Attribution | None = None
    inherited_label: str | None = None

    @property
    def default(self) -> bool:
        """In the default answer (direct, or relevant at document level)."""
        return self.attribution is None or self.attribution.relevant

    def how(self) -> str:
        """The attribution as shown in tables: kind, relevance, and where it lies outside the default answer."""
        a = self.attribution
        if a is None:
            return ""
        text = a.kind + (f" {a.relevance:.2f}" if a.relevance is not None else "")
        if a.inherited:
            text += " (上位の指標 / parent's indicator)"
        return text + ("" if a.relevant else " [--all]")

    def as_dict(self, evidence: bool = True) -> dict[str, object]:
        """The row as answered; without ``evidence`` the same without its last key (the trace index stores the
        steps apart)."""
        a = self.attribution
        d = {"iri": self.node, "label": self.label, "class": self.cls, "kind": self.kind, "agency": self.agency,
                "document": self.document, "document_label": self.document_label,
                "objective_path": self.objective_path, "axis": self.axis, "targets": self.targets,
                "attribution": a.kind if a else None, "relevance": a.relevance if a else None,
                "default": self.default, "inherited_from": a.inherited if a else None,
                "inherited_from_label": self.inherited_label,
                "chain": self.chain}
        if evidence:
            d["evidence"] = [s.as_dict() for s in self.steps]
        return d


@dataclass(slots=True)
class TraceResult:
    plan: Candidate
    rows: list[TraceRow]
    others: list[Candidate] = field(default_factory=list)  # other plans the name also matched partially
    everything: bool = False  # rows outside the default answer included (flagged by "default": false)
    total: int | None = None  # rows of the whole answer, before offset and limit

    def as_dict(self) -> dict[str, object]:
        return {"plan": self.plan.as_dict(), "count": len(self.rows), "all": self.everything,
                "default_count": sum(1 for r in self.rows if r.default),
                "agencies": sorted({r.agency for r in self.rows if r.agency and r.default}),
                "also_matching": [c.as_dict() for c in self.others], "rows": [r.as_dict() for r in self.rows]}

    def csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(CSV_HEAD)
        for r in self.rows:
            w.writerow(csv_cells(r))
        return out.getvalue()


CSV_HEAD = ["indicator", "label", "kind", "agency", "document", "objective_path", "axis", "targets", "attribution",
            "relevance", "default", "chain", "evidence"]


def csv_cells(r: TraceRow) -> list[object]:
    """One row of the trace CSV (the evidence column empty when the row carries no steps)."""
    return csv_cells_of(r.as_dict())


def csv_cells_of(d: dict[str, Any]) -> list[object]:
    """One row of the trace CSV from a row as JSON has it (:meth:`TraceRow.as_dict`), so that the persistent trace
    index, which keeps rows as JSON, writes the same CSV."""
    def where(s: dict[str, Any]) -> str:
        return ":".join(p for p in (s["file"], f"p.{s['page']}" if s["page"] else None,
                                    str(s["line"]) if s["line"] else None) if p)

    ev = " | ".join(f"{s['edge']} {where(s)} {(s['quote'] or '').replace(chr(10), '')}"
                    + (f" [{s['note']}]" if s["note"] else "") for s in d["evidence"])
    return [d["iri"], d["label"], d["kind"] or "", d["agency"] or "", d["document_label"] or "",
            " > ".join(d["objective_path"]), d["axis"] or "", " / ".join(d["targets"]), d["attribution"] or "",
            "" if d["attribution"] is None or d["relevance"] is None else d["relevance"],
            "true" if d["default"] else "false", " → ".join(d["chain"]), ev]


def objective_chain(idx: LineageIndex, node: str) -> tuple[list[str], str | None]:
    """The goals above ``node`` inside its document (root first) and the evaluation axis it hangs from (kept in the
    index's memo: a node's rows under every plan it reaches share it)."""
    hit = idx._memo.get(("objective_chain", node))
    if hit is None:
        hit = idx._memo[("objective_chain", node)] = _objective_chain(idx, node)
    goals, axis = hit  # type: ignore[misc]
    return list(goals), axis


def _objective_chain(idx: LineageIndex, node: str) -> tuple[list[str], str | None]:
    goals: list[str] = []
    axis: str | None = None
    cur, seen = node, {node}
    while True:
        ups = sorted((hi for hi in idx.graph.successors(cur) if idx.graph.edges[cur, hi]["prop"] in GOAL_EDGES
                      and hi not in seen), key=lambda hi: (AXIS in idx.types.get(hi, ()), hi))
        if not ups:
            break
        cur = ups[0]
        seen.add(cur)
        if AXIS in idx.types.get(cur, ()):
            axis = axis or idx.display(cur)
        elif not idx.types.get(cur, set()) & target_classes():
            goals.append(idx.display(cur))
    return goals[::-1], axis


def read_all_targets(idx: LineageIndex) -> None:
    """The target expressions of every indicator at once, two scans (a caller that traces everything: the trace
    index written whole), kept in the index for :func:`_targets`. A node whose answer the query's own order
    decides (a target with two expressions, a blank-node target) is left to the query."""
    if idx.store is None:
        return
    ox_store = idx.store.ox
    exprs: dict[object, list[str]] = defaultdict(list)
    for q in ox_store.quads_for_pattern(None, ox.NamedNode(str(KF.expression)), None):
        exprs[q.subject].append(q.object.value)
    found: dict[str, set[object]] = defaultdict(set)
    for q in ox_store.quads_for_pattern(None, ox.NamedNode(str(KF.hasTarget)), None):
        found[q.subject.value].add(q.object)
    known: dict[str, list[str] | None] = {}
    for i, ts in found.items():
        if any(not isinstance(t, ox.NamedNode) or len(set(exprs.get(t, ()))) > 1 for t in ts):
            known[i] = None
            continue
        out: list[str] = []
        for t in sorted(ts, key=lambda t: t.value):  # type: ignore[attr-defined]
            for e in exprs.get(t, ()):
                if e not in out:
                    out.append(e)
        known[i] = out
    idx._memo[("targets",)] = known


def _targets(idx: LineageIndex, nodes: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {n: [] for n in nodes}
    if idx.store is None:
        return out
    known = idx._memo.get(("targets",))
    if isinstance(known, dict):
        for n in nodes:
            got = known.get(n, [])
            if got is not None:
                out[n] = list(got)
        nodes = [n for n in nodes if known.get(n, []) is None]
    for chunk in (nodes[i:i + 400] for i in range(0, len(nodes), 400)):
        values = " ".join(f"<{n}>" for n in chunk)
        q = f"SELECT ?i ?e WHERE {{ VALUES ?i {{ {values} }} ?i kf:hasTarget ?t . ?t kf:expression ?e }} ORDER BY ?i ?t"
        for r in idx.store.select(sparql_prefixes() + q):
            if r["e"] not in out[r["i"]]:
                out[r["i"]].append(r["e"])
    return out


def _up(idx: LineageIndex, src: str, dst: str) -> list[str]:
    """The shortest upward path from ``src`` to ``dst`` through items (never through a plan, nor a document unless
    ``dst`` is one); ties by IRI."""
    if src == dst:
        return [src]
    targets = idx.target_set()
    prev: dict[str, str] = {}
    seen, queue = {src}, deque([src])
    while queue:
        x = queue.popleft()
        for hi in sorted(idx.graph.successors(x)):
            if hi in seen or (hi != dst and (hi in targets or idx.is_document(hi))):
                continue
            seen.add(hi)
            prev[hi] = x
            if hi == dst:
                out = [dst]
                while out[-1] != src:
                    out.append(prev[out[-1]])
                return out[::-1]
            queue.append(hi)
    return []


def _plan_path(idx: LineageIndex, cited: str, plan: str) -> list[str]:
    """From the plan cited up to the plan asked for, through plans only (kf:basedOn, dcterms:isVersionOf)."""
    targets = idx.target_set()
    prev: dict[str, str] = {}
    seen, queue = {cited}, deque([cited])
    while queue and plan not in seen:
        x = queue.popleft()
        for hi in sorted(idx.graph.successors(x)):
            if hi in targets and hi not in seen:
                seen.add(hi)
                prev[hi] = x
                queue.append(hi)
    if plan not in seen:
        return [cited]
    out = [plan]
    while out[-1] != cited:
        out.append(prev[out[-1]])
    return out[::-1]


DOWN_NOTE = ("下向きに読む：上位の目標の指標を、計画を引用する下位の目標のものとして数える / read downwards: the indicators "
             "of the objective above count for the objective that cites the plan")


SERIES_NOTE = ("下向きに読む：シリーズの引用を、文書の期間に効力のある版のものとして数える / read downwards: a citation of "
               "the series counts for the edition in force over the document's period")


REGISTER_NOTE = ("計画登録簿の記載による / stated in keifu's plan register")
EDITION_NOTE = ("版の名前（第N期を除いた名前が系列）による / by the edition's name: without its 第N期 it names its series")


@cache
def _register() -> Register:
    return load_register()


@cache
def _register_name() -> str:
    """The register's file name, as evidence of plan-to-plan steps (finding it costs ~0.5 ms: once, not per step)."""
    return register_file().name


def _plan_steps(idx: LineageIndex, steps: list[Step]) -> list[Step]:
    """Steps between two plans that no document states get the register's evidence (its file and line) or, for
    an edition tied to its series by name, a note saying so: every step of an answer can be checked."""
    out = []
    for s in steps:
        if s.file is None and s.quote is None and s.note is None and s.lower in idx.target_set() \
                and s.higher in idx.target_set():
            reg = _register()
            lower, higher = (reg.by_key.get(plan_key(idx.labels.get(n, ""))) for n in (s.lower, s.higher))
            if lower is not None and higher is not None and higher.ref in (*lower.based_on, lower.series):
                s = replace(s, quote=f"{lower.label} → {higher.label}", file=_register_name(), line=lower.line,
                            note=REGISTER_NOTE)
            elif s.prop == "dcterms:isVersionOf":
                s = replace(s, quote=idx.labels.get(s.lower), note=EDITION_NOTE)
        out.append(s)
    return out


def attribution_path(idx: LineageIndex, node: str, plan: str, att: Attribution,
                     evidence: bool = True) -> tuple[list[str], list[Step]]:
    """The chain of nodes from ``node`` to ``plan`` that supports ``att`` and (with ``evidence``) its steps with the
    provenance of their evidence."""
    if att.inherited:
        # up from the indicator to where its objectives meet the citing objective's, then down to the latter
        line = [att.anchor, *idx.ancestors(att.anchor)]
        meet = next((a for a in idx.ancestors(node) if a in line), None)
        if meet is None:  # hung on the evaluation row only: step down from the row's objective
            up, down = [node], line[:line.index(att.inherited) + 1][::-1] if att.inherited in line else [att.anchor]
        else:
            up, down = _up(idx, node, meet), line[:line.index(meet)][::-1]
    else:
        up, down = _up(idx, node, att.anchor), []
    if not up:  # not reached through items: the shortest path of the graph
        nodes = idx.path(node, plan)
        return nodes, _plan_steps(idx, idx.steps(nodes)) if evidence else []
    hops = _plan_path(idx, att.cited, plan)
    series = hops[-1] != plan  # a citation of the series, counted for the edition in force over the document's period
    nodes = [*up, *down, *hops, *([plan] if series else [])]
    if not evidence:
        return nodes, []
    steps = idx.steps(up)
    prev = up[-1]
    prov = idx.provenance(down)
    for child in down:
        p = prov.get(child, {})
        steps.append(Step(prev, child, "partOf", child, p.get("quote"), p.get("file"), p.get("page"),  # type: ignore[arg-type]
                          p.get("line"), p.get("last"), DOWN_NOTE))  # type: ignore[arg-type]
        prev = child
    steps += idx.steps([prev, *hops])
    if series:
        steps.append(Step(hops[-1], plan, "dcterms:isVersionOf", plan, note=SERIES_NOTE))
    return nodes, _plan_steps(idx, steps)


def trace(idx: LineageIndex, plan: str, classes: Iterable[str] = (INDICATOR,), evidence: bool = True,
          limit: int | None = None, everything: bool = False, offset: int = 0) -> TraceResult:
    """Nodes of ``classes`` (default: indicators) that trace to ``plan``, each with why (its attribution), its chain
    and evidence: the default answer, or with ``everything`` also the document-level items judged not relevant.
    ``offset`` and ``limit`` cut a page of the answer (its order is stable); ``total`` counts the whole answer."""
    cand = resolve(idx, plan)
    if cand.cls == "Agency":
        from .agency_trace import agency_trace

        return agency_trace(idx, cand, classes, evidence, limit, offset=offset)
    others = [c for c in find_nodes(idx, plan) if c.iri != cand.iri] if not plan.startswith("http") else []
    nodes, atts = plan_nodes(idx, cand.iri, classes, everything)
    total = len(nodes)
    nodes = nodes[offset:None if limit is None else offset + limit]
    return TraceResult(cand, plan_rows(idx, cand.iri, nodes, atts, evidence), others[:20], everything, total)


def plan_nodes(idx: LineageIndex, plan: str, classes: Iterable[str] = (INDICATOR,),
               everything: bool = False) -> tuple[list[str], dict[str, Attribution]]:
    """The nodes of the answer to ``plan`` (an IRI), in the answer's order, and their attributions."""
    atts = idx.attributions(plan)
    wanted = set(classes)
    nodes = sorted((n for n, a in atts.items() if idx.types.get(n, set()) & wanted and (everything or a.relevant)),
                   key=lambda n: (not atts[n].relevant, (idx.agency(n) or ("", ""))[1], idx.doc_of.get(n, ""), n))
    return nodes, atts


def plan_rows(idx: LineageIndex, plan: str, nodes: list[str], atts: dict[str, Attribution],
              evidence: bool = True) -> list[TraceRow]:
    """The rows of ``nodes`` in the answer to ``plan`` (see :func:`plan_nodes`)."""
    targets = _targets(idx, nodes)
    rows = []
    for n in nodes:
        att = atts[n]
        path, steps = attribution_path(idx, n, plan, att, evidence)
        goals, axis = objective_chain(idx, n)
        ag = idx.agency(n)
        doc = idx.doc_of.get(n)
        rows.append(TraceRow(
            node=n, label=idx.labels.get(n, n), cls=idx.cls(n), kind=idx.indicator_kind.get(n),
            agency=ag[1] if ag else None, document=doc, document_label=idx.labels.get(doc) if doc else None,
            objective_path=goals, axis=axis, targets=targets.get(n, []), chain=[idx.display(p) for p in path],
            steps=steps, attribution=att, inherited_label=idx.display(att.inherited) if att.inherited else None))
    return rows
