"""Attribution: why an indicator or goal traces to a national plan, and whether it belongs in the default answer.

Every node that reaches a plan is attributed by the citation closest to it (kinds are concepts of
``kfc:attribution`` in ``ontology/lineage.ttl``, best first):

* ``direct``: the objective, an objective above it below the document level, or its evaluation axis cites the
  plan. Where the citing objective has no indicator of its own, the indicators of the nearest objective above it
  (or of the evaluation row covering it) count for it (``inherited``).
* ``series``: the plan cited is an edition (or the series) of the plan asked for (``dcterms:isVersionOf``).
* ``via-plan``: the plan cited is based on the plan asked for (``kf:basedOn`` between plans).
* ``document``: the citation applies to the whole document (the document itself, or the chapter whose
  ``kf:chapterRole`` is the position in the policy system). These are scored for relevance: the words of the
  policy fields the cited plan's name falls in (``kfc:policy-field`` in ``ontology/policy-fields.ttl``) against the
  item's title, the titles above it (objectives, the document, the agency's name) and its body text; words of the
  plan's name and of the citing sentence weigh double.

The default answer is the direct, series and via-plan items plus the relevant document-level ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.namespace import SKOS

from .validate import ontology_graph
from .vocab import CONCEPT_BASE, KF

if TYPE_CHECKING:
    from .lineage import LineageIndex

__all__ = ["KINDS", "RELEVANT", "Attribution", "attribute", "kind_properties", "plan_keywords", "relevance"]

#: attribution kinds, best first (the order of their skos:notation)
KINDS = ("direct", "series", "via-plan", "document")
RANK = {k: i for i, k in enumerate(KINDS)}
#: document-level attributions at or above this relevance are in the default answer
RELEVANT = 0.5
TITLE, ANCESTOR_TITLE = 1.0, 0.8
#: weighted keyword hits per 100 characters of body text that give a relevance of 1
FULL_DENSITY = 3.0
MIN_BODY = 20

INDICATOR = str(KF.Indicator)
AXIS = str(KF.EvaluationAxis)
_STRUCTURAL = ("partOf", "hasIndicator", "hasAxis")
_SENTENCE_END = re.compile(r"[。．]")


def concept_iri(kind: str) -> str:
    return f"{CONCEPT_BASE}attribution/{kind}"


@cache
def kind_properties() -> dict[str, str]:
    """Attribution kind → the sub-property of kf:attributedTo written for it (kf:attributionKind, in the ontology)."""
    g = ontology_graph()
    return {str(c).rsplit("/", 1)[-1]: str(p) for p, c in g.subject_objects(KF.attributionKind)}


@dataclass(frozen=True, slots=True)
class Attribution:
    """Why one node traces to one plan."""

    kind: str
    anchor: str  # the node holding the citation (objective, axis or document)
    cited: str  # the plan the anchor cites (the plan asked for, or a plan under it)
    relevance: float | None = None  # document level only; None when the plan's name falls in no policy field
    inherited: str | None = None  # the objective above the anchor whose indicator this is

    @property
    def relevant(self) -> bool:
        """In the default answer."""
        return self.kind != "document" or self.relevance is None or self.relevance >= RELEVANT

    def as_dict(self) -> dict[str, object]:
        return {"attribution": self.kind, "relevance": self.relevance, "default": self.relevant,
                "anchor": self.anchor, "cited": self.cited, "inherited_from": self.inherited}


def norm(text: str) -> str:
    """Width- and spacing-insensitive form for keyword matching."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@cache
def policy_fields() -> dict[str, frozenset[str]]:
    """Policy field concept → its keywords (skos:hiddenLabel), from the ontology."""
    g = ontology_graph()
    scheme = URIRef(f"{CONCEPT_BASE}policy-field")
    out: dict[str, frozenset[str]] = {}
    for c in g.subjects(SKOS.inScheme, scheme):
        out[str(c)] = frozenset(norm(str(k)) for k in g.objects(c, SKOS.hiddenLabel))
    return out


def plan_keywords(names: list[str]) -> frozenset[str]:
    """The keywords of every policy field one of the plan's names falls in (empty: a plan of no one field)."""
    text = "".join(norm(n) for n in names)
    return frozenset(k for kws in policy_fields().values() if any(k in text for k in kws) for k in kws)


# --------------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------------


def is_document_level(idx: LineageIndex, node: str) -> bool:
    """A document, or the position chapter (kf:chapterRole) or anything below it."""
    if idx.is_document(node):
        return True
    for x in idx.ancestors(node):
        if x in idx.position:
            return True
    return False


def below(idx: LineageIndex, anchor: str) -> set[str]:
    """The anchor and every node under it (reverse lineage edges, never through a plan)."""
    hit = idx._below.get(anchor)
    if hit is not None:
        return hit
    if anchor not in idx.graph:
        return {anchor}
    targets = idx.target_set()
    seen = {anchor}
    stack = [anchor]
    while stack:
        x = stack.pop()
        for lo in idx.graph.predecessors(x):
            if lo not in seen and lo not in targets:
                seen.add(lo)
                stack.append(lo)
    idx._below[anchor] = seen
    return seen


def own_indicators(idx: LineageIndex, node: str) -> set[str]:
    """Indicators hung on an objective directly, through its axes, or on an evaluation row covering it."""
    out = set(idx.row_members.get(node, ()))
    if node not in idx.graph:
        return out
    for lo in idx.graph.predecessors(node):
        prop = idx.graph.edges[lo, node]["prop"]
        if prop == "hasIndicator" and INDICATOR in idx.types.get(lo, ()):
            out.add(lo)
        elif prop == "hasAxis":
            out |= {i for i in idx.graph.predecessors(lo) if INDICATOR in idx.types.get(i, ())}
    return out


def plan_hops(idx: LineageIndex, plan: str) -> dict[str, str]:
    """Plans whose citations count for ``plan``: itself ("self"), its editions or series ("series"), plans based on
    it ("via-plan")."""
    targets = idx.target_set()
    hops = {plan: "self"}
    queue = deque([plan])
    while queue:
        x = queue.popleft()
        for q in sorted(idx.graph.predecessors(x)):
            if q in targets and q not in hops:
                series = idx.graph.edges[q, x]["prop"] == "dcterms:isVersionOf" and hops[x] in ("self", "series")
                hops[q] = "series" if series else "via-plan"
                queue.append(q)
    return hops


def _window(idx: LineageIndex, edition: str, series: str) -> tuple[str | None, str | None]:
    """The period an edition is in force: from its decision to the next edition's (ISO dates; None: open)."""
    start = idx.decided.get(edition)
    later = [idx.decided[e] for e in idx.graph.predecessors(series) if e != edition and e in idx.decided
             and idx.graph.edges[e, series]["prop"] == "dcterms:isVersionOf" and start and idx.decided[e] > start]
    return start, min(later, default=None)


def _overlaps(idx: LineageIndex, node: str, window: tuple[str | None, str | None]) -> bool:
    """Whether the document of ``node`` may be in force during ``window`` (unknown dates never exclude)."""
    doc = node if idx.is_document(node) else idx.doc_of.get(node, node)
    start, end = idx.period.get(doc, (None, None))
    return not ((window[0] and end and end[:10] < window[0][:10]) or (window[1] and start and start[:10] >= window[1][:10]))


def series_anchors(idx: LineageIndex, plan: str) -> list[tuple[str, str]]:
    """(anchor, series) for citations of the series of an edition, from documents whose period overlaps the
    edition's."""
    targets = idx.target_set()
    out = []
    for s in sorted(idx.graph.successors(plan)):
        if s not in targets or idx.graph.edges[plan, s]["prop"] != "dcterms:isVersionOf":
            continue
        window = _window(idx, plan, s)
        out += [(a, s) for a in sorted(idx.graph.predecessors(s)) if a not in targets and _overlaps(idx, a, window)]
    return out


def attribute(idx: LineageIndex, plan: str) -> dict[str, Attribution]:
    """Every node that traces to ``plan``, with the best attribution it has (documents and plans excluded)."""
    cached = idx._attributions.get(plan)
    if cached is not None:
        return cached
    targets = idx.target_set()
    out: dict[str, Attribution] = {}
    if plan not in idx.graph:
        return out
    direct_anchors: list[Attribution] = []
    anchors = [(a, q, hop) for q, hop in plan_hops(idx, plan).items() for a in sorted(idx.graph.predecessors(q))
               if a not in targets]
    anchors += [(a, s, "series") for a, s in series_anchors(idx, plan)]
    for a, q, hop in anchors:
        kind = "document" if is_document_level(idx, a) else ("direct" if hop == "self" else hop)
        att = Attribution(kind, a, q)
        if kind != "document":
            direct_anchors.append(att)
        for n in below(idx, a):
            old = out.get(n)
            if old is None or RANK[kind] < RANK[old.kind]:
                out[n] = att
    for att in direct_anchors:  # indicators of the objective or row above count for a citing objective without any
        under = below(idx, att.anchor)
        if any(INDICATOR in idx.types.get(n, ()) for n in under) or att.anchor not in idx.doc_of:
            continue
        for up in idx.ancestors(att.anchor):
            if up in idx.position:
                break
            found = own_indicators(idx, up)
            if found:
                for i in found:
                    old = out.get(i)
                    if old is None or RANK[att.kind] < RANK[old.kind]:
                        out[i] = Attribution(att.kind, att.anchor, att.cited, inherited=up)
                break
    for n in [n for n, a in out.items() if idx.is_document(n) or n in targets]:
        del out[n]
    for n, a in out.items():
        if a.kind == "document":
            out[n] = Attribution(a.kind, a.anchor, a.cited, relevance(idx, n, a.cited, a.anchor), a.inherited)
    idx._attributions[plan] = out
    return out


# --------------------------------------------------------------------------------------------------
# Relevance of document-level attributions
# --------------------------------------------------------------------------------------------------


def _context(idx: LineageIndex, plan: str, anchor: str) -> str:
    """The plan's names and the sentences of the document that cite it at document level."""
    doc = anchor if idx.is_document(anchor) else idx.doc_of.get(anchor, anchor)
    key = (plan, doc)
    hit = idx._contexts.get(key)
    if hit is not None:
        return hit
    cits = sorted(set(idx.citations.get((doc, plan), ())) | set(idx.doc_citations.get((doc, plan), ())))
    prov = idx.provenance(cits)
    parts = [norm(idx.labels.get(plan, "")), *(norm(n) for n in idx.names.get(plan, ()))]
    for c in cits:
        quote = norm(str(prov[c].get("quote") or ""))
        parts.append(quote)
        owner = idx.citation_owner.get(c)
        body = idx.body(owner) if owner else ""
        at = body.find(quote) if quote else -1
        if at >= 0:
            start = max((m.end() for m in _SENTENCE_END.finditer(body, 0, at)), default=0)
            end = _SENTENCE_END.search(body, at)
            parts.append(body[start:end.end() if end else len(body)])
    text = "\n".join(parts)
    idx._contexts[key] = text
    return text


def _score(idx: LineageIndex, node: str, keywords: frozenset[str], emphasis: frozenset[str]) -> float:
    """Relevance of one objective (or an indicator's own label) to a set of field keywords."""
    title = _label(idx, node)
    if any(k in title for k in keywords):
        return TITLE
    best = 0.0
    if any(k in t for t in _titles_above(idx, node) for k in keywords):
        best = ANCESTOR_TITLE
    body = idx.body(node)
    if len(body) >= MIN_BODY:
        hits = sum(body.count(k) * (2 if k in emphasis else 1) for k in keywords)
        best = max(best, min(1.0, hits / (len(body) / 100) / FULL_DENSITY))
    return best


def _label(idx: LineageIndex, node: str) -> str:
    """The normalised label of a node (cached)."""
    key = ("label", node)
    hit = idx._memo.get(key)
    if hit is None:
        hit = idx._memo[key] = norm(idx.labels.get(node, ""))
    return hit  # type: ignore[return-value]


def _titles_above(idx: LineageIndex, node: str) -> list[str]:
    """The titles of the objectives above a node, of its document and the name of the agency it is set for: what
    an agency is for (its name says so) is what all its objectives are about."""
    doc = idx.doc_of.get(node)
    agency = idx.agency(node)
    out = [_label(idx, a) for a in idx.ancestors(node)] + ([_label(idx, doc)] if doc else [])
    if agency:
        out.append(_label(idx, agency[0]) or norm(agency[1]))
    return [t for t in out if t]


def _owners(idx: LineageIndex, node: str) -> list[str]:
    """The objectives an indicator hangs from (directly or through its axis); an objective is its own owner."""
    if INDICATOR not in idx.types.get(node, ()) or node not in idx.graph:
        return [node]
    out = []
    for hi in idx.graph.successors(node):
        prop = idx.graph.edges[node, hi]["prop"]
        if prop == "hasIndicator" and AXIS not in idx.types.get(hi, ()):
            out.append(hi)
        elif prop == "hasIndicator":
            out += [o for o in idx.graph.successors(hi) if idx.graph.edges[hi, o]["prop"] == "hasAxis"]
    return sorted(set(out))


def relevance(idx: LineageIndex, node: str, plan: str, anchor: str) -> float | None:
    """How much ``node`` is about the policy fields of ``plan`` (None: the plan's name names no field)."""
    keywords = idx._keywords.get(plan)
    if keywords is None:
        keywords = idx._keywords[plan] = plan_keywords([idx.labels.get(plan, ""), *sorted(idx.names.get(plan, ()))])
    if not keywords:
        return None
    doc = anchor if idx.is_document(anchor) else idx.doc_of.get(anchor, anchor)
    emphasis = idx._memo.get(("emphasis", plan, doc))
    if emphasis is None:
        context = _context(idx, plan, anchor)
        emphasis = idx._memo[("emphasis", plan, doc)] = frozenset(k for k in keywords if k in context)
    label = _label(idx, node) if INDICATOR in idx.types.get(node, ()) else ""
    score = TITLE if any(k in label for k in keywords) else 0.0
    for o in _owners(idx, node):
        key = (o, keywords, emphasis)
        s = idx._scores.get(key)
        if s is None:
            s = idx._scores[key] = _score(idx, o, keywords, emphasis)
        score = max(score, s)
    return round(score, 2)
