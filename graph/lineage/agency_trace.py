"""``keifu trace <agency>``: an agency's indicators, each with its lineage up to the plans it serves.

A name that is no plan but an agency (量子科学技術研究開発機構) resolves to the agency
(:func:`keifu.graph.lineage.trace.resolve`); its answer runs the other way round from a plan's: agency → documents →
objectives → indicators → plans, one row per indicator with the nearest plan it reaches and the evidence of
every step.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import LineageIndex
from .trace import Candidate, TraceResult, TraceRow, _targets, objective_chain

__all__ = ["agency_trace"]


def agency_trace(idx: LineageIndex, cand: Candidate, classes: Iterable[str], evidence: bool = True,
                 limit: int | None = None, reach: dict[str, dict[str, str]] | None = None,
                 members: Iterable[str] | None = None, offset: int = 0) -> TraceResult:
    """Nodes of ``classes`` in the agency's documents that trace to a plan, each with its shortest chain.
    ``reach`` (plan → :meth:`LineageIndex.traced_from`) and ``members`` (the agency's nodes) may be given by a
    caller that traces every agency, so that they are computed once, not once per agency."""
    wanted = set(classes)
    pool = idx.types if members is None else members
    nodes = sorted(n for n in pool if idx.types.get(n, set()) & wanted and (idx.agency(n) or ("", ""))[0] == cand.iri)
    reach = reach if reach is not None else {p: idx.traced_from(p) for p in idx.plans()}
    chosen: list[tuple[str, list[str]]] = []
    for n in nodes:
        paths = [idx.path(n, p, nxt) for p, nxt in sorted(reach.items()) if n in nxt]
        if paths:
            chosen.append((n, min(paths, key=len)))
    total = len(chosen)
    chosen = chosen[offset:None if limit is None else offset + limit]
    targets = _targets(idx, [n for n, _ in chosen])
    rows = []
    for n, path in chosen:
        goals, axis = objective_chain(idx, n)
        doc = idx.doc_of.get(n)
        rows.append(TraceRow(
            node=n, label=idx.labels.get(n, n), cls=idx.cls(n), kind=idx.indicator_kind.get(n), agency=cand.label,
            document=doc, document_label=idx.labels.get(doc) if doc else None, objective_path=goals, axis=axis,
            targets=targets.get(n, []), chain=[idx.display(p) for p in path],
            steps=idx.steps(path) if evidence else []))
    return TraceResult(cand, rows, total=total)
