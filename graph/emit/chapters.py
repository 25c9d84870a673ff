"""RDF for chapter roles and the derived facts the draft rules check (shapes/rules.ttl).

``kf:chapterRole`` on each top-level chapter whose title names a statutory item, and ``kf:periodYears``
on each document with a period. :func:`derive` adds the same facts to a graph that arrived as RDF
(a draft sent as Turtle or JSON-LD), so the rules see one vocabulary whatever the input was.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from keifu.extract.chapters import CHAPTERS, Chapters, chapter_role
from keifu.extract.pipeline import ExtractedDocument

from ..vocab import KF, concept, decimal_literal
from . import Emitter, register_emitter

__all__ = ["derive", "emit_chapters", "period_years"]

_DOCUMENT_CLASSES = (KF.ObjectivesDocument, KF.AgencyPlan)


def period_years(start: dt.date, end: dt.date) -> Decimal:
    """Length of a period in years, end day included: 2025-04-01 … 2032-03-31 → 7.00.

    Counted in months (a month-precision end is already its month's last day, see emit.period_literal),
    plus the leftover days as a fraction of the month of the start month, so ranges compare exactly.
    """
    after = end + dt.timedelta(days=1)
    months = Decimal((after.year - start.year) * 12 + (after.month - start.month))
    days = after.day - start.day
    if days:
        ref = start.replace(day=1)
        length = ((ref.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - ref).days
        months += Decimal(days) / Decimal(length)
    return (months / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _date(v: object) -> dt.date | None:
    if isinstance(v, Literal) and v.datatype == XSD.date:
        py = v.toPython()
        return py if isinstance(py, dt.date) else None
    return None


def _add_period_years(g: Graph, doc: URIRef) -> None:
    if g.value(doc, KF.periodYears) is not None:
        return
    start, end = _date(g.value(doc, KF.periodStart)), _date(g.value(doc, KF.periodEnd))
    if start is not None and end is not None and start <= end:
        g.add((doc, KF.periodYears, decimal_literal(period_years(start, end))))


def emit_chapters(em: Emitter, _doc: ExtractedDocument, res: Chapters, dnode: URIRef, onodes: list[URIRef]) -> None:
    if res is not None:
        for ch in res.chapters:
            if ch.role is not None:
                em.add(onodes[ch.heading], KF.chapterRole, concept("chapter-role", ch.role))
    _add_period_years(em.g, dnode)


def derive(g: Graph) -> int:
    """Add chapter roles and period lengths missing from an RDF draft; returns the number of triples added."""
    before = len(g)
    docs = {d for cls in _DOCUMENT_CLASSES for d in g.subjects(RDF.type, cls) if isinstance(d, URIRef)}
    for d in docs:
        _add_period_years(g, d)
    for obj in list(g.subjects(RDF.type, KF.Objective)):
        if g.value(obj, KF.partOf) is not None or g.value(obj, KF.chapterRole) is not None:
            continue
        if g.value(obj, KF.inDocument) not in docs:
            continue
        label = g.value(obj, RDFS.label)
        found = chapter_role(str(label)) if label is not None else None
        if found is not None:
            g.add((obj, KF.chapterRole, concept("chapter-role", found[0])))
    return len(g) - before


register_emitter(CHAPTERS, emit_chapters)
