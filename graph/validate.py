"""SHACL validation of a file's graph, with every result pointed back to its file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SH

from keifu.resources import data_dir, turtle_files

from .indexed import IndexedGraph
from .sparql_mirror import mirrored, rdflib_term
from .vocab import KF


@dataclass(frozen=True, slots=True)
class ValidationResult:
    severity: str  # "Violation" | "Warning" | "Info"
    message_ja: str
    message_en: str
    focus: str
    path: str | None
    shape: str | None
    value: str | None
    file: str | None
    line: int | None
    page: int | None
    quote: str | None

    def describe(self) -> str:
        where = ":".join(str(x) for x in (self.file, f"p.{self.page}" if self.page else None, self.line) if x)
        return f"{where}: [{self.severity}] {self.message_ja} / {self.message_en}"


def _parse(g: Graph, path: Path) -> None:
    """Add a Turtle file to ``g``, parsed by oxigraph: about twenty times faster than rdflib's parser, which
    took 60-70 ms for the shapes at every start and as long again for the ontology. Blank node labels are
    unique per file, so files loaded into one graph stay apart."""
    for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        g.add((rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)))  # type: ignore[arg-type]


def _load(files: list[Path]) -> Graph:
    g = IndexedGraph()
    for f in files:
        _parse(g, f)
    return g


@cache
def ontology_graph() -> Graph:
    """The ontology (``ontology/*.ttl``); an error, never an empty graph, when it is not installed."""
    return _load(turtle_files("ontology"))


@cache
def shapes_graph(names: tuple[str, ...] | None = None) -> Graph:
    """The shapes in ``shapes/`` (all files, or only the named ones); an error when they are not installed:
    without shapes every draft would conform."""
    if names is None:
        return _load(turtle_files("shapes"))
    return _load([data_dir("shapes") / n for n in names])


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _messages(results: Graph, node: URIRef) -> tuple[str, str]:
    """(ja, en) messages; pyshacl drops language tags from SPARQL-based messages, so fall back on the script.

    A SPARQL constraint's result carries its own message and its shape's: the longer one (naming the value) is
    taken, so the choice does not depend on the report graph's order."""
    found: dict[str, list[str]] = {"ja": [], "en": []}
    for m in results.objects(node, SH.resultMessage):
        lang = m.language if isinstance(m, Literal) else None
        if lang is None:
            lang = "ja" if _JAPANESE.search(str(m)) else "en"
        if lang in found:
            found[lang].append(str(m))
    ja, en = (max(found[k], key=lambda t: (len(t), t), default="") for k in ("ja", "en"))
    return ja or en, en or ja


def _shacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",  # shapes name concrete classes, so no ontology mixing (and no data copy) is needed
        inplace=True,
        advanced=True,  # SHACL-AF: some shapes take SPARQL targets
        allow_warnings=True,
    )
    return bool(conforms), report


def validate_graph(data: Graph, shapes: Graph | None = None,
                   ntriples: bytes | None = None) -> tuple[bool, list[ValidationResult], Graph]:
    """Run SHACL on ``data``: (conforms, results located by file and line, the sh:ValidationReport graph).

    ``ntriples``, the graph's N-Triples if the caller has them, fills the SPARQL mirror without serialising
    the graph again."""
    shapes = shapes if shapes is not None else shapes_graph()
    if isinstance(data, IndexedGraph) and data.has_blank_nodes():  # pyshacl finds blank nodes through the store
        data, ntriples = Graph(identifier=data.identifier) + data, None
    with mirrored(data, ntriples):
        conforms, report = _shacl(data, shapes)
    out: list[ValidationResult] = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(r, SH.focusNode)
        sev = report.value(r, SH.resultSeverity)
        ja, en = _messages(report, r)
        src = data.value(focus, PROV.wasDerivedFrom) if focus is not None else None
        line = data.value(focus, KF.line) if focus is not None else None
        page = data.value(focus, KF.page) if focus is not None else None
        quote = data.value(focus, KF.quote) if focus is not None else None
        out.append(ValidationResult(
            severity=str(sev).rsplit("#", 1)[-1] if sev is not None else "Violation",
            message_ja=ja, message_en=en,
            focus=str(focus), path=_opt(report.value(r, SH.resultPath)), shape=_opt(report.value(r, SH.sourceShape)),
            value=_opt(report.value(r, SH.value)),
            file=str(data.value(src, URIRef("http://purl.org/dc/terms/title"))) if src is not None else None,
            line=_int(line), page=_int(page),
            quote=str(quote) if quote is not None else None,
        ))
    out.sort(key=lambda v: (v.file or "", v.page or 0, v.line or 0, v.severity, v.message_en))
    return conforms, out, report


def _int(v: object) -> int | None:
    """A line or page number, or None when the graph holds no number there (LineShape reports that)."""
    try:
        return int(str(v)) if v is not None else None
    except ValueError:
        return None


def _opt(v: object) -> str | None:
    return None if v is None else str(v)
