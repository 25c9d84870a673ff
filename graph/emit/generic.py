"""Documents of no known kind (minutes, budget lists, a law's text): the budget programmes they name.

The document node and its citations come from :mod:`keifu.graph.emit` like any document's; this adds each
予算事業 the document names, as the same ``kf:BudgetProgram`` node a policy-evaluation table gives for that ID
(:func:`keifu.graph.emit.policy.budget_program`), placed in the document with provenance.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import URIRef
from rdflib.namespace import RDFS

from keifu.extract.budget_ids import BUDGET_PROGRAMMES
from keifu.extract.normalize import squash
from keifu.extract.pipeline import ExtractedDocument
from keifu.extract.policy.table import Programme

from ..vocab import KF
from . import Emitter, register_emitter
from .policy import budget_program


def emit_budget_programmes(em: Emitter, _doc: ExtractedDocument, programmes: Sequence[Programme], dnode: URIRef,
                           _onodes: list[URIRef]) -> None:
    for p in programmes or ():
        if not p.program_id:
            continue
        node = budget_program(em, p.program_id)
        em.add(node, RDFS.label, em.ja(squash(p.name) or None))
        em.add(node, KF.inDocument, dnode)
        em.prov(node, p.line, p.raw)


register_emitter(BUDGET_PROGRAMMES, emit_budget_programmes)
