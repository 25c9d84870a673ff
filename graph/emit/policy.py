"""RDF for policy-evaluation tables (事前分析表) and briefing slides, with indicator series as Data Cubes.

Chain: kf:PolicyGoal ← kf:MeasureGoal ← kf:AchievementGoal (kf:partOf and kf:contributesTo) →
kf:Indicator (測定指標) → kf:Target / kf:Observation; kf:BudgetProgram kf:contributesTo the
achievement goal. Each indicator's values form one ``qb:DataSet`` per year basis and measure
(fiscal / calendar year; numeric value / grade) with a shared data structure definition: year
dimension, category dimension, measure, unit attribute. Placeholders (集計中, －) are
``kf:MissingValue`` nodes, never observations with a value. Cross-file links (ratings → the rated
agency's objective; an edition-less plan named in a one-year document → the edition then in force) are
made by :func:`link_across` after every file is stored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from keifu.extract.facts import agency_key
from keifu.extract.model import Line
from keifu.extract.normalize import match_key, squash
from keifu.extract.pipeline import ExtractedDocument
from keifu.extract.plans import base_name, plan_key
from keifu.extract.policy.table import POLICY_TABLE, PolicyIndicator, PolicyRow, PolicyTable, Programme
from keifu.extract.slides import SLIDES, SlideDeck, SlideKpi
from keifu.extract.targets import Observation, TargetValue

from ..store import Store, to_term
from ..vocab import KF, QB, concept, decimal_literal, mint, sparql_prefixes
from . import Emitter, register_emitter

__all__ = ["DSD_COMPONENTS", "emit_policy_table", "emit_slides", "link_across"]

#: data structure definitions: (year basis, measure) → (year dimension, measure property)
DSD_COMPONENTS = {
    ("fiscal", "value"): (KF.fiscalYear, KF.value),
    ("calendar", "value"): (KF.calendarYear, KF.value),
    ("fiscal", "rating"): (KF.fiscalYear, KF.rating),
    ("calendar", "rating"): (KF.calendarYear, KF.rating),
}
NO_CATEGORY = "全体"


def _dsd(em: Emitter, basis: str, measure: str) -> URIRef:
    dsd = mint("dsd", "indicator-series", basis, measure)
    year, meas = DSD_COMPONENTS[(basis, measure)]
    em.add(dsd, RDF.type, QB.DataStructureDefinition)
    em.add(dsd, RDFS.label, Literal(f"指標の系列（{'年度' if basis == 'fiscal' else '暦年'}・"
                                    f"{'数値' if measure == 'value' else '評定'}）", lang="ja"))
    for k, (kind, prop) in enumerate(((QB.dimension, year), (QB.dimension, KF.seriesCategory),
                                      (QB.measure, meas), (QB.attribute, KF.unit)), start=1):
        comp = mint("dsd", "indicator-series", basis, measure, "c", k)
        em.add(dsd, QB.component, comp)
        em.add(comp, RDF.type, QB.ComponentSpecification)
        em.add(comp, kind, prop)
        em.add(comp, QB.order, Literal(k))
        if kind == QB.attribute:
            em.add(comp, QB.componentRequired, Literal(False))
    return dsd


def emit_series(em: Emitter, ind: URIRef, obs: Iterable[Observation], dnode: URIRef,
                line_of: Callable[[Observation], Line]) -> int:
    """Observations of one indicator as Data Cube datasets; placeholders as kf:MissingValue."""
    seen: dict[tuple[str, str, int, str], int] = {}
    n = 0
    for k, o in enumerate(obs, start=1):
        line = line_of(o)
        if o.year is None:
            continue
        basis = "fiscal" if o.fiscal_year is not None else "calendar"
        if o.missing:
            node = URIRef(f"{ind}/missing/{k}")
            em.add(node, RDF.type, KF.MissingValue)
            em.add(ind, KF.hasMissingValue, node)
            em.add(node, KF.referenceYear, Literal(o.year))
            em.add(node, KF.yearIsFiscal, Literal(basis == "fiscal"))
            em.add(node, KF.rawValue, Literal(o.raw))
            em.add(node, KF.inDocument, dnode)
            em.prov(node, line, o.raw)
            continue
        measure = "value" if o.value is not None else "rating"
        if measure == "rating" and not o.rating:
            continue
        ds = URIRef(f"{ind}/dataset/{basis}-{measure}")
        if (basis, measure) not in {(b, m) for b, m, _, _ in seen}:
            em.add(ds, RDF.type, QB.DataSet)
            em.add(ds, QB.structure, _dsd(em, basis, measure))
            em.add(ds, KF.seriesOf, ind)
        cat = o.category or NO_CATEGORY
        key = (basis, measure, o.year, cat)
        seen[key] = seen.get(key, 0) + 1
        node = URIRef(f"{ind}/obs/{k}")
        em.add(node, RDF.type, KF.Observation)
        em.add(node, RDF.type, QB.Observation)
        em.add(node, QB.dataSet, ds)
        em.add(ind, KF.hasObservation, node)
        em.add(node, KF.fiscalYear if basis == "fiscal" else KF.calendarYear, Literal(o.year))
        if seen[key] > 1:  # the same cell printed twice: keep both, apart, and say so
            cat = f"{cat}#{seen[key]}"
            em.add(node, KF.uncertain, Literal(f"second value for {o.year} {o.category or ''} in the series"))
        em.add(node, KF.seriesCategory, Literal(cat))
        if measure == "value":
            em.add(node, KF.value, decimal_literal(o.value))
        else:
            em.add(node, KF.rating, Literal(o.rating))
        em.add(node, KF.unit, Literal(o.unit_norm) if o.unit else None)  # ％ and % are one unit; raw keeps it
        em.add(node, KF.valueQualifier, Literal(o.qualifier) if o.qualifier else None)
        if o.year_to is not None:
            em.add(node, KF.yearTo, Literal(o.year_to))
        em.add(node, KF.rawValue, Literal(o.raw))
        em.add(node, KF.inDocument, dnode)
        em.prov(node, line, o.raw)
        n += 1
    return n


def emit_target(em: Emitter, owner: URIRef, node: URIRef, t: TargetValue, line: Line, dnode: URIRef) -> None:
    em.add(node, RDF.type, KF.Target)
    em.add(owner, KF.hasTarget, node)
    em.add(node, KF.targetKind, concept("target-kind", t.kind))
    em.add(node, KF.expression, em.ja(t.expression or "-"))
    if t.value is not None:
        em.add(node, KF.targetValue, decimal_literal(t.value))
    em.add(node, KF.unit, Literal(t.unit_norm) if t.unit else None)
    # a target set for a span (累計300地点（2026～2030年度）) is due at the span's end
    if t.fiscal_year is not None:
        em.add(node, KF.targetFiscalYear, Literal(t.year_to or t.fiscal_year))
    if t.calendar_year is not None:
        em.add(node, KF.targetCalendarYear, Literal(t.year_to or t.calendar_year))
    if t.year_to is not None:
        em.add(node, KF.yearTo, Literal(t.year_to))
        first = t.fiscal_year if t.fiscal_year is not None else t.calendar_year
        em.add(node, KF.yearFrom, Literal(first) if first is not None else None)
    em.add(node, KF.targetQualifier, Literal(t.qualifier) if t.qualifier else None)
    em.add(node, KF.seriesCategory, Literal(t.category) if t.category else None)
    em.add(node, KF.rating, Literal(t.rating) if t.rating else None)
    if t.base_year is not None:
        em.add(node, KF.baseYear, Literal(t.base_year))
    em.add(node, KF.horizon, Literal(t.horizon) if t.horizon else None)
    em.add(node, KF.inDocument, dnode)
    em.prov(node, line, t.expression or "-")


# --- 事前分析表 -----------------------------------------------------------------------------------

def emit_policy_table(em: Emitter, doc: ExtractedDocument, table: PolicyTable, dnode: URIRef,
                      _onodes: list[URIRef]) -> None:
    if table is None:
        return
    base = ("doc", em.fkey, doc.number)
    goal_nodes: dict[str, URIRef] = {}
    owners: dict[int, URIRef] = {}  # citation index → the goal it is printed in

    def goal(level: str, code: str, row: PolicyRow) -> URIRef:
        if code in goal_nodes:
            return goal_nodes[code]
        node = mint(*base, "policy-goal" if level == "policy" else "measure-goal", code)
        goal_nodes[code] = node
        em.add(node, RDF.type, KF.PolicyGoal if level == "policy" else KF.MeasureGoal)
        em.add(node, RDF.type, KF.Goal)
        em.add(node, KF.sectionNumber, Literal(code))
        em.add(node, KF.inDocument, dnode)
        cell = table.cells.get(code)
        if cell is not None:
            em.add(node, RDFS.label, em.ja(squash(cell.title)))
            em.prov(node, cell.lines[0], "\n".join(ln.text.rstrip() for ln in cell.lines), cell.lines[-1])
        else:
            em.add(node, KF.uncertain, Literal(f"goal cell {code} is not printed; node made from row codes"))
            em.prov(node, row.first, row.indicators[0].quote if row.indicators else code)
        if level == "measure":
            parent = goal("policy", code.split("-")[0], row)
            em.add(node, KF.partOf, parent)
            em.add(node, KF.contributesTo, parent)
        return node

    for k, row in enumerate(table.rows, start=1):
        code = row.code or f"row{k}"
        node = mint(*base, "achievement-goal", code)
        em.add(node, RDF.type, KF.AchievementGoal)
        em.add(node, RDF.type, KF.Goal)
        em.add(node, KF.sectionNumber, Literal(code))
        em.add(node, KF.codeRule, Literal(row.code_rule or "none"))
        em.add(node, RDFS.label, em.ja(row.goal_text))
        em.add(node, KF.inDocument, dnode)
        em.add(node, KF.order, Literal(k))
        if row.code_inferred or not row.code:
            em.add(node, KF.inferred, Literal(True))
            em.add(node, KF.uncertain, Literal(
                f"code {code} inferred from the 施策目標 cell before the goal and row order (no code printed for this row)"))
        if row.measure_code:
            parent = goal("measure", row.measure_code, row)
            em.add(node, KF.partOf, parent)
            em.add(node, KF.contributesTo, parent)
        if row.goal_text is None:
            em.add(node, KF.uncertain, Literal("no achievement-goal text matched this row"))
        elif row.match_scores.get("goal", 0) < 0.15:
            em.add(node, KF.uncertain, Literal(f"goal text matched by weak content overlap ({row.match_scores['goal']})"))
        first = row.goal_lines[0] if row.goal_lines else row.first
        em.prov(node, first, "\n".join(ln.text.rstrip() for ln in row.goal_lines) or row.indicators[0].quote,
                row.goal_lines[-1] if row.goal_lines else None)
        em.add(node, KF.contributionText, em.ja(row.contribution))
        for ind in row.indicators:
            _indicator(em, node, ind, dnode)
        for p in row.programmes:
            _programme(em, node, p, dnode)
        owners.update((k, node) for k in row.citations)
    owners.update((k, goal_nodes[c.code]) for c in table.cells.values() if c.code in goal_nodes for k in c.citations)
    _own_citations(em, doc, dnode, owners)


def _own_citations(em: Emitter, doc: ExtractedDocument, dnode: URIRef, owners: dict[int, URIRef]) -> None:
    """Move citations printed in a row or goal cell from the document to that goal.

    The core emitter gives a document without headings every citation (and ``kf:basedOn``); in a 事前分析表
    a plan named in one row is the basis of that row only, so it would otherwise reach every indicator of the
    table. Lineage semantics: a citation inside a goal applies to the goal and its descendants."""
    moved: set[URIRef] = set()
    for k, owner in sorted(owners.items()):
        cnode = mint("doc", em.fkey, doc.number, "cite", k + 1)  # as numbered by Emitter.citations
        target = em.g.value(cnode, KF.cites)
        if target is None or (dnode, KF.hasCitation, cnode) not in em.g:
            continue
        em.g.remove((dnode, KF.hasCitation, cnode))
        em.add(owner, KF.hasCitation, cnode)
        em.add(owner, KF.basedOn, target)
        moved.add(target)
    for target in moved:
        if not any((c, KF.cites, target) in em.g for c in em.g.objects(dnode, KF.hasCitation)):
            em.g.remove((dnode, KF.basedOn, target))


def _indicator(em: Emitter, goal: URIRef, ind: PolicyIndicator, dnode: URIRef) -> None:
    node = URIRef(f"{goal}/indicator/{ind.number}")
    while (node, RDF.type, KF.Indicator) in em.g:  # two ① in one row (one per institution)
        node = URIRef(f"{node}b")
    em.add(node, RDF.type, KF.Indicator)
    em.add(node, KF.indicatorKind, concept("indicator-kind", "measurement"))
    em.add(node, RDFS.label, em.ja(ind.name))
    em.add(node, KF.marker, Literal("①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"[ind.number - 1] if 0 < ind.number <= 20 else "?"))
    em.add(node, KF.order, Literal(ind.number))
    em.add(node, KF.inDocument, dnode)
    em.add(goal, KF.hasIndicator, node)
    em.add(node, KF.figureSource, em.ja(ind.source))
    em.add(node, KF.actualText, em.ja(ind.series_text if ind.series_text and not ind.observations else None))
    for note in ind.notes:
        em.add(node, KF.note, em.ja(note))
    em.prov(node, ind.first, ind.quote, ind.lines[-1])
    for k, t in enumerate(ind.targets, start=1):
        emit_target(em, node, URIRef(f"{node}/target/{k}"), t, ind.first, dnode)
    series_lines = ind.series_lines or ind.lines

    def line_of(o: Observation) -> Line:
        if ind.series_starts and len(ind.series_starts) == len(series_lines):
            return series_lines[max(bisect_right(ind.series_starts, o.start) - 1, 0)]
        pos = ind.series_text.count("\n", 0, o.start)
        return series_lines[min(pos, len(series_lines) - 1)]

    emit_series(em, node, ind.observations, dnode, line_of)
    if ind.rated_area:
        em.add(node, KF.ratedArea, em.ja(ind.rated_area))
    if ind.rated_agency:
        em.add(node, KF.ratedAgency, mint("agency", agency_key(ind.rated_agency)))


def budget_program(em: Emitter, program_id: str) -> URIRef:
    """The kf:BudgetProgram of a 予算事業ID: one node per ID, wherever the ID is printed."""
    node = mint("budget", program_id)
    em.add(node, RDF.type, KF.BudgetProgram)
    em.add(node, KF.budgetProgramId, Literal(program_id))
    return node


def _programme(em: Emitter, goal: URIRef, p: Programme, dnode: URIRef) -> None:
    if p.program_id:
        node = budget_program(em, p.program_id)
    else:
        node = mint("means", squash(p.name) or squash(p.raw))
        em.add(node, RDF.type, KF.MeansItem)
    em.add(node, RDFS.label, em.ja(squash(p.name) or None))
    em.add(node, KF.contributesTo, goal)
    em.add(node, KF.inDocument, dnode)
    em.add(node, KF.reviewNumber, Literal(p.review_number) if p.review_number else None)
    em.add(node, KF.fundSheetNumber, Literal(p.fund_sheet) if p.fund_sheet else None)
    for f in p.flags:
        em.add(node, KF.idAnomaly, Literal(f))
    if p.agency_key:
        em.add(node, KF.grantFor, mint("agency", p.agency_key))
    em.prov(node, p.line, p.raw)


# --- slides ---------------------------------------------------------------------------------------

def _slide_goal(em: Emitter, node: URIRef, cls: URIRef, label: str, parent: URIRef, order: int, line: Line,
                dnode: URIRef) -> None:
    """A measure group or measure of a slide: a goal under its parent, in the order printed."""
    em.add(node, RDF.type, KF.Goal)
    em.add(node, RDF.type, cls)
    em.add(node, RDFS.label, em.ja(label))
    em.add(node, KF.partOf, parent)
    em.add(node, KF.contributesTo, parent)
    em.add(node, KF.inDocument, dnode)
    em.add(node, KF.order, Literal(order))
    em.prov(node, line, line.text.strip())


def emit_slides(em: Emitter, doc: ExtractedDocument, deck: SlideDeck, dnode: URIRef, _onodes: list[URIRef]) -> None:
    if deck is None or deck.plan_key is None or deck.plan_line is None:
        return
    base = ("doc", em.fkey, doc.number)
    plan = mint("plan", deck.plan_key)
    em.add(plan, RDF.type, KF.NationalPlan)
    em.add(plan, RDFS.label, em.ja(deck.plan_name))
    if deck.plan_edition is not None:
        em.add(plan, KF.edition, Literal(deck.plan_edition))
    root = mint(*base, "plan-outline")
    em.add(root, RDF.type, KF.Goal)
    em.add(root, RDFS.label, em.ja(deck.plan_name))
    em.add(root, KF.inDocument, dnode)
    em.add(root, KF.basedOn, plan)
    em.add(root, KF.contributesTo, plan)
    em.prov(root, deck.plan_line, deck.plan_line.text.strip())
    em.add(dnode, KF.basedOn, plan)
    for kpi_k, kpi in enumerate(deck.kpis, start=1):
        _kpi(em, root, URIRef(f"{root}/kpi/{kpi_k}"), kpi, dnode)
    for p in deck.pillars:
        pn = mint(*base, "pillar", p.number)
        em.add(pn, RDF.type, KF.Goal)
        em.add(pn, RDF.type, KF.Pillar)
        em.add(pn, RDFS.label, em.ja(p.title))
        em.add(pn, KF.sectionNumber, Literal(str(p.number)))
        em.add(pn, KF.partOf, root)
        em.add(pn, KF.contributesTo, plan)
        em.add(pn, KF.inDocument, dnode)
        em.prov(pn, p.line, p.line.text.strip())
        for h_line, h_text, same in p.heads:
            em.add(pn, KF.headingLine, Literal(h_line.no))
            if not same:
                em.add(pn, KF.uncertain, Literal(f"section head at line {h_line.no} worded differently: {h_text}"))
        for gk, g in enumerate(p.groups, start=1):
            gn = mint(*base, "pillar", p.number, "group", gk)
            _slide_goal(em, gn, KF.MeasureGroup, g.title, pn, gk, g.line, dnode)
            for mk, m in enumerate(g.measures, start=1):
                mn = mint(*base, "pillar", p.number, "group", gk, "measure", mk)
                _slide_goal(em, mn, KF.Measure, m.text, gn, mk, m.line, dnode)
            for kk, kpi in enumerate(g.kpis, start=1):
                _kpi(em, gn, URIRef(f"{gn}/kpi/{kk}"), kpi, dnode)


def _kpi(em: Emitter, owner: URIRef, node: URIRef, kpi: SlideKpi, dnode: URIRef) -> None:
    em.add(node, RDF.type, KF.Indicator)
    em.add(node, KF.indicatorKind, concept("indicator-kind", "kpi"))
    em.add(node, RDFS.label, em.ja(kpi.name))
    em.add(node, KF.inDocument, dnode)
    em.add(owner, KF.hasIndicator, node)
    em.prov(node, kpi.line, "\n".join(ln.text.rstrip() for ln in kpi.lines), kpi.lines[-1])
    target_line = kpi.lines[-1] if len(kpi.lines) > 1 and not kpi.current else kpi.lines[0]
    for k, t in enumerate(kpi.targets, start=1):
        emit_target(em, node, URIRef(f"{node}/target/{k}"), t, target_line, dnode)
    if kpi.current:
        cur_line = kpi.lines[-1]
        emit_series(em, node, kpi.current, dnode, lambda _o: cur_line)


register_emitter(POLICY_TABLE, emit_policy_table)
register_emitter(SLIDES, emit_slides)


# --- cross-document links -------------------------------------------------------------------------

_RATED = """
SELECT ?g ?ind ?area ?agency WHERE { GRAPH ?g { ?ind kf:ratedArea ?area ; kf:ratedAgency ?agency } }
"""
_OBJECTIVES = """
SELECT ?obj ?label ?agency WHERE { ?obj a kf:Objective ; rdfs:label ?label ; kf:inDocument ?d .
  ?d a kf:ObjectivesDocument ; kf:setFor ?agency }
"""


def link_across(store: Store) -> int:
    """Cross-file links, after every file is stored. Returns the number of links made.

    Ratings of an agency's research area → that agency's objective with the same title (``kf:assesses``,
    written into the indicator's graph); edition-less plans cited in one-year documents → the edition in
    force (:func:`resolve_editions`)."""
    return _link_ratings(store) + resolve_editions(store)


def _link_ratings(store: Store) -> int:
    objectives: dict[str, list[tuple[str, str]]] = {}
    for r in store.select(sparql_prefixes() + _OBJECTIVES):
        objectives.setdefault(str(r["agency"]), []).append((str(r["obj"]), match_key(str(r["label"]))))
    quads = []
    store.ox.update(sparql_prefixes() + """DELETE { GRAPH ?g { ?ind kf:assesses ?o } } WHERE {
        GRAPH ?g { ?ind kf:assesses ?o ; kf:ratedArea ?area ; kf:ratedAgency ?agency } }""")  # one update, not one a row
    for r in store.select(sparql_prefixes() + _RATED):
        g, ind, agency = str(r["g"]), str(r["ind"]), str(r["agency"])
        key = match_key(str(r["area"]))
        cands = objectives.get(agency, [])
        exact = [o for o, lbl in cands if lbl == key]
        near = [o for o, lbl in cands if key and (key in lbl or lbl in key) and len(lbl) >= 4]
        for o in (exact or near)[:1]:
            quads.append(ox.Quad(ox.NamedNode(ind), ox.NamedNode(str(KF.assesses)), ox.NamedNode(o),
                                 ox.NamedNode(g)))
    if quads:
        store.ox.extend(quads)
    return len(quads)


# --- editions -------------------------------------------------------------------------------------

#: one-year documents and the date by which an edition must have been decided to be the one they mean:
#: an annual document is written before its fiscal year starts; a 事前分析表 after its latest actual values
_REFERENCE_DATES = """
SELECT ?doc ?fy ?data WHERE {
  { ?doc kf:fiscalYear ?fy . VALUES ?cls { kf:ObjectivesDocument kf:AgencyPlan kf:PolicyEvaluation } ?doc a ?cls }
  UNION
  { SELECT ?doc (MAX(?y) AS ?data) WHERE { ?doc a kf:PolicyEvaluation . ?o a kf:Observation ; kf:inDocument ?doc .
      { ?o kf:fiscalYear ?y } UNION { ?o kf:calendarYear ?y } } GROUP BY ?doc }
}
"""
# Only the edition-less plans that have numbered editions (VALUES), each once: its type triple is repeated in every
# file graph citing it, and a join over the union default graph would multiply the rows by the citing files.
# Ordered, so the citation an owner's inferred edition copies (its first) does not depend on the join order.
_UNNUMBERED = """
SELECT DISTINCT ?g ?owner ?c ?plan ?doc ?line ?page ?quote ?src WHERE {
  VALUES ?plan { %s }
  FILTER EXISTS { ?plan a kf:NationalPlan } FILTER NOT EXISTS { ?plan kf:edition ?e }
  GRAPH ?g { ?c kf:cites ?plan . ?owner kf:hasCitation ?c . ?c kf:line ?line ; kf:quote ?quote ; prov:wasDerivedFrom ?src .
             OPTIONAL { ?c kf:page ?page } OPTIONAL { ?owner kf:inDocument ?d0 } }
  BIND(COALESCE(?d0, ?owner) AS ?doc)
} ORDER BY ?owner ?plan ?line ?c
"""
_EDITION_SUFFIX = "/edition"
_TYPE = ox.NamedNode(str(RDF.type))
_DROP_INFERRED = [
    f"""DELETE {{ GRAPH ?g {{ ?owner kf:basedOn ?plan }} }} WHERE {{ GRAPH ?g {{
      ?owner kf:hasCitation ?c . ?c kf:cites ?plan ; kf:inferred true . FILTER(STRENDS(STR(?c), "{_EDITION_SUFFIX}"))
      FILTER NOT EXISTS {{ ?owner kf:hasCitation ?c2 . ?c2 kf:cites ?plan . FILTER(?c2 != ?c) }} }} }}""",
    f"""DELETE {{ GRAPH ?g {{ ?owner kf:hasCitation ?c . ?c ?p ?o }} }} WHERE {{ GRAPH ?g {{
      ?owner kf:hasCitation ?c . ?c a kf:Citation ; kf:inferred true ; ?p ?o . FILTER(STRENDS(STR(?c), "{_EDITION_SUFFIX}")) }} }}""",
]


def _reference_dates(store: Store) -> dict[str, tuple[str, str]]:
    """document → (ISO date an edition must be decided by, why) for documents written for one year."""
    out: dict[str, tuple[str, str]] = {}
    for r in store.select(sparql_prefixes() + _REFERENCE_DATES):
        if r.get("fy"):
            out[r["doc"]] = (f"{int(r['fy']):04d}-03-31", f"decided before fiscal year {r['fy']} began")
        elif r.get("data") and r["doc"] not in out:
            y = int(r["data"])
            out[r["doc"]] = (f"{y + 1:04d}-03-31", f"decided by the end of {y}, the latest year of the table's actual values")
    return out


def _editions(store: Store) -> dict[str, list[tuple[int, str | None, str, str]]]:
    """edition-less plan IRI → [(edition, decision date or None, edition IRI, label)] from its numbered editions."""
    seen: dict[str, tuple[int, str | None, str, str]] = {}
    plan_type = ox.NamedNode(str(KF.NationalPlan))
    for plan, edition in sorted(store.pairs(str(KF.edition))):  # distinct facts, joined here (see Store.pairs)
        if not any(True for _ in store.ox.quads_for_pattern(ox.NamedNode(plan), _TYPE, plan_type)):
            continue
        dates = store.objects(plan, str(KF.decisionDate))
        decided = min(dates) if dates else None
        for label in sorted(store.objects(plan, str(RDFS.label))):
            base = base_name(label)
            if not base:
                continue
            old = seen.get(plan)  # one entry per plan: the first label giving a base name
            if old is None:
                seen[plan] = (int(edition), decided, str(mint("plan", plan_key(base))), label)
    out: dict[str, list[tuple[int, str | None, str, str]]] = {}
    for plan, (ed, decided, unnumbered, label) in seen.items():
        out.setdefault(unnumbered, []).append((ed, decided, plan, label))
    return out


def resolve_editions(store: Store) -> int:
    """An edition-less citation (科学技術・イノベーション基本計画, no 第N期) in a one-year document → the edition in force.

    The edition in force is the highest-numbered edition whose decision date, read from other citations in
    the store, is no later than the document's reference date (:data:`_REFERENCE_DATES`). The printed citation
    stays as it is; an inferred ``kf:Citation`` beside it (same line and quote, ``kf:inferred``, the rule in
    ``kf:uncertain``) cites the edition and carries the owner's ``kf:basedOn``. Editions known only without a
    decision date are never chosen (nothing shows they were in force) and are named in the note. Documents
    covering several years (中長期目標) are left alone: their period may span editions. Earlier results are
    removed first, so a rebuild with other files gives the current answer."""
    for q in _DROP_INFERRED:
        store.ox.update(sparql_prefixes() + q)
    refs = _reference_dates(store)
    editions = _editions(store)
    if not refs or not editions:
        return 0
    quads: list[ox.Quad] = []
    done: set[tuple[str, str]] = set()
    values = " ".join(f"<{p}>" for p in sorted(editions))
    for r in store.select(sparql_prefixes() + _UNNUMBERED % values):
        ref, cands = refs.get(r["doc"]), editions.get(r["plan"])
        if ref is None or not cands or (r["owner"], r["plan"]) in done:
            continue
        by, why = ref
        decided = [c for c in cands if c[1] and c[1] <= by]
        if not decided:
            continue
        ed, date, plan, label = max(decided)
        if any(True for _ in store.ox.quads_for_pattern(ox.NamedNode(r["owner"]), ox.NamedNode(str(KF.basedOn)),
                                                         ox.NamedNode(plan), None)):
            continue  # already based on that edition by a printed citation
        done.add((r["owner"], r["plan"]))
        undated = sorted(c[0] for c in cands if c[0] > ed and not c[1])
        later = "、".join(f"第{n}期" for n in undated)
        note = (f"版の推定：版の記載がないため、{by} までに決定された最新の版 {label}（{date} 決定）とみなした"
                + (f"（決定日不明の {later} は除外）" if undated else "")
                + f" / edition inferred: no edition printed; {label} is the latest edition {why} (decided {date})"
                + (f"; {later} known without a decision date" if undated else ""))
        c, owner, edition = URIRef(r["c"] + _EDITION_SUFFIX), URIRef(r["owner"]), URIRef(plan)
        triples = [
            (c, RDF.type, KF.Citation), (c, KF.cites, edition), (c, KF.name, Literal(label, lang="ja")),
            (c, KF.inferred, Literal(True)), (c, KF.uncertain, Literal(note)), (c, KF.line, Literal(int(r["line"]))),
            (c, KF.quote, Literal(r["quote"])), (c, PROV.wasDerivedFrom, URIRef(r["src"])),
            (owner, KF.hasCitation, c), (owner, KF.basedOn, edition),
        ]
        if r.get("page"):
            triples.append((c, KF.page, Literal(int(r["page"]))))
        g = ox.NamedNode(r["g"])
        quads += [ox.Quad(to_term(a), to_term(b), to_term(o), g) for a, b, o in triples]  # type: ignore[arg-type]
    if quads:
        store.ox.extend(quads)
    return len(done)
