"""SHACL validation of a file's graph, with every result pointed back to its file and line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import rdflib.plugin
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SH
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor, translateQuery
from rdflib.query import Processor

from keifu import ROOT

from .vocab import KF

ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"


# SPARQL parse cache. pyshacl sends the same query text for every focus node of a SPARQL constraint (and every
# validation sends the same targets) and rdflib re-parses it each time (~20-50 ms a query); caching the
# translated query, as rdflib's prepareQuery does, saves that for `keifu build` and draft validation alike.
# Registered here, where every validation passes, as rdflib's "sparql" processor plug-in.


@lru_cache(maxsize=1024)
def _prepared(text: str, base: str | None, ns: tuple[tuple[str, Any], ...]) -> Any:
    return translateQuery(parseQuery(text), base, dict(ns))


class CachingSPARQLProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor with parsed queries cached by text, base and namespaces."""

    def query(self, strOrQuery: Any, initBindings: Any = None, initNs: Any = None, base: str | None = None,  # noqa: N803
              DEBUG: bool = False) -> Mapping[str, Any]:  # noqa: N803
        if isinstance(strOrQuery, str):
            strOrQuery = _prepared(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return super().query(strOrQuery, initBindings, None, base, DEBUG)


rdflib.plugin.register("sparql", Processor, __name__, "CachingSPARQLProcessor")


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


def _load_dir(folder: Path) -> Graph:
    g = Graph()
    for f in sorted(folder.glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


@cache
def ontology_graph() -> Graph:
    return _load_dir(ONTOLOGY_DIR)


@cache
def shapes_graph(names: tuple[str, ...] | None = None) -> Graph:
    """The shapes in ``shapes/`` (all files, or only the named ones)."""
    if names is None:
        return _load_dir(SHAPES_DIR)
    g = Graph()
    for n in names:
        g.parse(SHAPES_DIR / n, format="turtle")
    return g


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _messages(results: Graph, node: URIRef) -> tuple[str, str]:
    """(ja, en) messages; pyshacl drops language tags from SPARQL-based messages, so fall back on the script."""
    ja = en = ""
    for m in results.objects(node, SH.resultMessage):
        lang = m.language if isinstance(m, Literal) else None
        if lang is None:
            lang = "ja" if _JAPANESE.search(str(m)) else "en"
        if lang == "ja":
            ja = str(m)
        elif lang == "en":
            en = str(m)
    return ja or en, en or ja


def validate_graph(data: Graph, shapes: Graph | None = None) -> tuple[bool, list[ValidationResult], Graph]:
    """Run SHACL on ``data``: (conforms, results located by file and line, the sh:ValidationReport graph)."""
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes if shapes is not None else shapes_graph(),
        inference="none",  # shapes name concrete classes, so no ontology mixing (and no data copy) is needed
        inplace=True,
        advanced=True,
        allow_warnings=True,
    )
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
            line=int(line) if line is not None else None,
            page=int(page) if page is not None else None,
            quote=str(quote) if quote is not None else None,
        ))
    out.sort(key=lambda v: (v.file or "", v.page or 0, v.line or 0, v.severity, v.message_en))
    return bool(conforms), out, report


def _opt(v: object) -> str | None:
    return None if v is None else str(v)
