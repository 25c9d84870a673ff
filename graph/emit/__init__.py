"""Extracted records → one RDF graph per source file, against the keifu ontology.

Every extracted node gets provenance (source file, page, line, quote). Shared nodes
(agencies, government bodies, national plans, laws) have IRIs from their identity keys,
so mentions in different files meet in one node.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from importlib import import_module
from typing import Any, TypeVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from keifu.extract import kinds
from keifu.extract.dates import JDate
from keifu.extract.errors import KeifuError
from keifu.extract.model import Line
from keifu.extract.normalize import nfkc, squash
from keifu.extract.pipeline import ExtractedDocument, ExtractedFile
from keifu.extract.plan_names import plan_kind_of
from keifu.extract.plan_register import load_register
from keifu.extract.plans import plan_key
from keifu.extract.registry import Registered, load_plugins

from ..indexed import IndexedGraph
from ..vocab import KF, PREFIXES, concept, mint


def source_iri(name: str) -> URIRef:
    """The source file's node, also the name of its named graph."""
    return mint("source", name)


def file_key(name: str) -> str:
    return re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)


def doc_prefix(name: str) -> str:
    """IRI prefix of the documents of one source file (document n is ``prefix + n``)."""
    return str(mint("doc", file_key(name))) + "/"


def date_literal(d: JDate | None) -> Literal | None:
    if d is None or d.unknown or d.iso is None:
        return None
    if d.precision == "day":
        return Literal(d.iso, datatype=XSD.date)
    if d.precision == "month":
        return Literal(d.iso, datatype=XSD.gYearMonth)
    return Literal(d.iso, datatype=XSD.gYear)


def period_literal(d: JDate | None, end: bool) -> Literal | None:
    """Period bounds are xsd:date; a month-precision bound covers its whole month."""
    if d is None or d.unknown or d.year is None or d.month is None:
        return None
    day = d.day or (calendar.monthrange(d.year, d.month)[1] if end else 1)
    return Literal(f"{d.year:04d}-{d.month:02d}-{day:02d}", datatype=XSD.date)


@lru_cache(maxsize=1 << 14)
def int_literal(n: int) -> Literal:
    """Line and page numbers as literals, made once each (rdflib's Literal() checks and casts every time)."""
    return Literal(n)


class Emitter:
    """Accumulates the triples of one source file."""

    def __init__(self, ef: ExtractedFile) -> None:
        self.ef = ef
        self.src = source_iri(ef.source.name)
        self.g = IndexedGraph(identifier=self.src)
        for p, ns in PREFIXES.items():
            self.g.bind(p, ns)
        self.fkey = file_key(ef.source.name)
        self.plan_labels = _plan_labels(ef)
        self.plan_kinds = _plan_kinds(ef, self.plan_labels)

    # -- helpers ---------------------------------------------------------------------------------

    def add(self, s: URIRef | BNode, p: URIRef, o: URIRef | Literal | BNode | None) -> None:
        if o is not None:
            self.g.add((s, p, o))

    def prov(self, node: URIRef, first: Line, quote: str, last: Line | None = None) -> None:
        self.add(node, PROV.wasDerivedFrom, self.src)
        self.add(node, KF.line, int_literal(first.no))
        if first.page is not None:
            self.add(node, KF.page, int_literal(first.page))
        if last is not None and last.index != first.index:
            self.add(node, KF.lastLine, int_literal(last.no))
            if last.page is not None and last.page != first.page:  # a PDF span over a page break
                self.add(node, KF.lastPage, int_literal(last.page))
        self.add(node, KF.quote, Literal(quote))

    def ja(self, text: str | None) -> Literal | None:
        return Literal(text, lang="ja") if text else None

    # -- nodes -----------------------------------------------------------------------------------

    def source(self) -> None:
        s = self.ef.source
        self.add(self.src, RDF.type, KF.SourceFile)
        self.add(self.src, DCTERMS.title, Literal(s.name))
        self.add(self.src, KF.sha256, Literal(s.sha256))
        self.add(self.src, DCTERMS.format, Literal("application/pdf" if s.media == "pdf" else "text/plain"))

    def body(self, name: str, _line: Line, _inferred: bool = False, kind: str | None = None) -> URIRef:
        node = mint("body", squash(name))
        self.add(node, RDF.type, KF.GovernmentBody)
        self.add(node, RDFS.label, self.ja(squash(name)))
        if kind:
            self.add(node, KF.decidingBodyKind, concept("deciding-body-kind", kind))
        return node

    def document(self, doc: ExtractedDocument) -> URIRef:
        seg, f = doc.segment, doc.facts
        node = mint("doc", self.fkey, doc.number)
        self.add(node, RDF.type, KF[seg.doc_class])  # from the kinds table (kf:Document when no kind)
        self.add(node, KF.documentKind, concept("document-kind", seg.kind))
        label = seg.title or " ".join(x for x in (f.agency, kinds.label_ja(seg.kind)) if x) or self.ef.source.name
        self.add(node, RDFS.label, self.ja(label))
        lines = self.ef.source.lines
        first = seg.title_line or seg.preamble_line or lines[seg.body_start]
        self.prov(node, first, seg.title or seg.preamble or first.text.strip(), lines[max(seg.end - 1, 0)])
        if f.agency and f.agency_key:
            ag = mint("agency", f.agency_key)
            self.add(ag, RDF.type, KF.Agency)
            self.add(ag, RDFS.label, self.ja(f.agency))
            if f.agency_alias:
                self.add(ag, SKOS.altLabel, self.ja(f.agency_alias))
            if f.agency_kind:
                self.add(ag, KF.agencyKind, concept("agency-kind", f.agency_kind))
            if seg.doc_class in ("ObjectivesDocument", "AgencyPlan"):
                self.add(node, KF.setFor, ag)
                if seg.doc_class == "AgencyPlan":
                    self.add(node, KF.issuedBy, ag)
        for iss in f.issuers:
            b = self.body(iss.name, iss.line, iss.inferred, iss.kind)
            self.add(node, KF.issuedBy, b)
            if iss.inferred:
                self.add(node, KF.uncertain, Literal(f"issuer {iss.name} inferred from an abbreviation (line {iss.line.no})"))
        self.add(node, KF.periodStart, period_literal(f.period_start, end=False))
        self.add(node, KF.periodEnd, period_literal(f.period_end, end=True))
        if f.term is not None:
            self.add(node, KF["term"], Literal(f.term))
            if f.term_inferred and f.term_line is not None:
                self.add(node, KF.uncertain, Literal(f"term inferred from the highest 第N期 mentioned (line {f.term_line.no})"))
        if f.fiscal_year is not None:
            self.add(node, KF.fiscalYear, Literal(f.fiscal_year))
        self.add(node, KF.draft, Literal(bool(f.draft)))
        return node

    def objectives(self, doc: ExtractedDocument, dnode: URIRef) -> list[URIRef]:
        nodes: list[URIRef] = []
        used: dict[str, int] = {}
        siblings: dict[int | None, int] = {}
        for h in doc.headings:
            key = nfkc(h.section_number).replace(" ", "")
            used[key] = used.get(key, 0) + 1
            if used[key] > 1:
                key = f"{key}~{used[key]}"
            node = mint("doc", self.fkey, doc.number, "obj", key)
            nodes.append(node)
            self.add(node, RDF.type, KF.Objective)
            self.add(node, RDF.type, KF.Goal)  # stated, so `?x a kf:Goal` works without inference
            self.add(node, RDFS.label, self.ja(h.title))
            self.add(node, KF.sectionNumber, Literal(h.section_number))
            self.add(node, KF.marker, Literal(h.marker))
            self.add(node, KF.depth, Literal(h.depth))
            siblings[h.parent] = siblings.get(h.parent, 0) + 1
            self.add(node, KF.order, Literal(siblings[h.parent]))
            self.add(node, KF.inDocument, dnode)
            if h.parent is not None:
                self.add(node, KF.partOf, nodes[h.parent])
            body = "\n".join(b.text for b in h.body)
            self.add(node, KF.bodyText, self.ja(body))
            last = h.body[-1].last if h.body else h.block.last
            self.prov(node, h.block.first, h.block.quote, last)
        return nodes

    def citations(self, doc: ExtractedDocument, dnode: URIRef, onodes: list[URIRef]) -> None:
        anchor = doc.anchor_chapter
        made: list[tuple[URIRef | None, URIRef]] = []  # (cited work, citation node) per citation
        for k, rec in enumerate(doc.citations, start=1):
            m = rec.mention
            rejected = getattr(rec, "not_a_plan", None)  # a name the plan register does not take as a plan
            target = None if rejected else self.plan(m)
            cnode = mint("doc", self.fkey, doc.number, "cite", k)
            made.append((target, cnode))
            basis = getattr(rec, "based_on", None)  # 「Aに基づき策定されたB」: B kf:basedOn A, A's citation the evidence
            if target is not None and m.kind == "plan" and basis is not None and made[basis][0] is not None:
                self.add(target, KF.basedOn, made[basis][0])
                self.add(target, KF.hasCitation, made[basis][1])
            self.add(cnode, RDF.type, KF.Citation)
            self.add(cnode, KF.cites, target)
            if rejected:
                self.add(cnode, KF.rejectedAsPlan, concept("plan-name-rule", rejected))
            self.add(cnode, KF.name, self.ja(m.name))
            d = date_literal(m.date)
            self.add(cnode, KF.decisionDate, d)
            if m.date is not None:
                self.add(cnode, KF.dateText, Literal(m.date.raw))
                if m.date.unknown:
                    self.add(cnode, KF.dateUnknown, Literal(True))
            if m.body:
                self.add(cnode, KF.decidedBy, self.body(m.body, m.line, kind=m.body_kind))
            self.add(cnode, KF.decisionVerb, Literal(m.verb) if m.verb else None)
            self.add(cnode, KF.alias, self.ja(m.alias))
            self.add(cnode, KF.lawNumber, Literal(m.law_number) if m.law_number else None)
            self.prov(cnode, m.line, m.quote)
            owner = onodes[rec.owner] if rec.owner is not None else dnode
            self.add(owner, KF.hasCitation, cnode)
            if target is None:
                continue
            self.add(owner, KF.basedOn, target)
            if rec.owner is not None and rec.owner == anchor:
                self.add(dnode, KF.basedOn, target)

    def plan(self, m) -> URIRef:  # noqa: ANN001 - Mention
        is_law = m.kind == "law"
        key = m.key or plan_key(m.name)
        node = mint("law" if is_law else "plan", key)
        self.add(node, RDF.type, KF.Law if is_law else KF.NationalPlan)
        known = None if is_law else load_register().by_key.get(key)  # the register's label and kind win
        self.add(node, RDFS.label, self.ja(known.label if known else self.plan_labels.get(key) or display_name(m.name)))
        # from the key, so every mention of the plan gives the same kind
        kind = (load_register().kind(known) if known else None) or self.plan_kinds.get(key)
        if not is_law and kind:
            self.add(node, KF.planKind, concept("plan-kind", kind))
        if m.edition is not None:
            self.add(node, KF.edition, Literal(m.edition))
        if m.dated:
            self.add(node, KF.decisionDate, date_literal(m.date))
            if m.body:
                self.add(node, KF.decidedBy, mint("body", squash(m.body)))
        if m.law_number:
            self.add(node, KF.lawNumber, Literal(m.law_number))
        return node


_QUOTE_CHARS = re.compile(r"[「」『』]")


def display_name(name: str) -> str:
    """A plan's label: the printed name with wrapping whitespace and quotation brackets removed."""
    return _QUOTE_CHARS.sub("", squash(name))


def _plan_labels(ef: ExtractedFile) -> dict[str, str]:
    """One label per plan key in a file: the most frequent printed form (then the longest, then the first)."""
    forms: dict[str, Counter[str]] = {}
    for doc in ef.documents:
        for rec in doc.citations:
            forms.setdefault(rec.mention.key or plan_key(rec.mention.name), Counter())[display_name(rec.mention.name)] += 1
    return {k: min(c, key=lambda f: (-c[f], -len(f), f)) for k, c in forms.items()}


def _plan_kinds(ef: ExtractedFile, labels: dict[str, str]) -> dict[str, str]:
    """One plan kind per plan key in a file, so every mention of the plan gives the same kind: from the key, else
    from a deciding verb printed with it (日本食品標準成分表（…分科会報告）: a report; …（…局長通知）: a notice), else
    from its label (…について, whose key drops the noun)."""
    verbs: dict[str, set[str]] = {}
    for doc in ef.documents:
        for rec in doc.citations:
            if rec.mention.verb:
                verbs.setdefault(rec.mention.key or plan_key(rec.mention.name), set()).add(rec.mention.verb)
    out: dict[str, str] = {}
    for key, label in labels.items():
        kind = plan_kind_of(key) or next(
            (k for v in sorted(verbs.get(key, ())) if (k := plan_kind_of(v))), None) or plan_kind_of(label)
        if kind:
            out[key] = kind
    return out


T = TypeVar("T")
#: An emitter: fn(emitter, document, its parser's result, document node, objective nodes).
EmitFn = Callable[[Emitter, ExtractedDocument, T, URIRef, list[URIRef]], None]
#: Emitters for plug-in parser results, by parser name (the key of ``ExtractedDocument.extras``).
EMITTERS: dict[str, EmitFn[Any]] = {}
#: Modules of this package (keifu.graph.emit) that register emitters when imported.
EMITTER_PLUGINS: list[str] = ["evaluation", "chapters", "policy", "generic"]


class MissingEmitter(KeifuError):
    """A parser whose results no emitter turns into RDF: they would be dropped without a word."""


def register_emitter(parser: Registered[T], fn: EmitFn[T]) -> None:
    """Turn the results of ``parser`` (the key register_parser returned) into triples with ``fn``."""
    EMITTERS[parser.name] = fn


def _missing_emitter(name: str) -> MissingEmitter:
    return MissingEmitter(
        f"parser '{name}' has no emitter: register one with register_emitter(<its key>, fn) in a module of "
        "keifu.graph.emit.EMITTER_PLUGINS",
        f"パーサー '{name}' の結果を RDF にする emitter がありません。keifu.graph.emit.EMITTER_PLUGINS のモジュールで "
        "register_emitter(<パーサーのキー>, 関数) を登録してください")


_plugins_checked = False


def _load_plugins() -> None:
    """Import the emitter modules, then check (once, at start-up) that every registered parser has an emitter."""
    global _plugins_checked
    for mod in EMITTER_PLUGINS:
        import_module(f"{__name__}.{mod}")
    if not _plugins_checked:
        for name in sorted(load_plugins()):
            if name not in EMITTERS:
                raise _missing_emitter(name)
        _plugins_checked = True


def emit_file(ef: ExtractedFile) -> Graph:
    """The named graph of one source file."""
    _load_plugins()
    em = Emitter(ef)
    em.source()
    for doc in ef.documents:
        dnode = em.document(doc)
        em.add(dnode, PROV.wasDerivedFrom, em.src)
        onodes = em.objectives(doc, dnode)
        em.citations(doc, dnode, onodes)
        for name in sorted(doc.extras):
            fn = EMITTERS.get(name)
            if fn is None:  # a parser registered after start-up (a test, a plug-in) without its emitter
                raise _missing_emitter(name)
            fn(em, doc, doc.extras[name], dnode, onodes)
    return em.g
