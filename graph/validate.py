"""SHACL validation of a file's graph, with every result pointed back to its file and line."""

from __future__ import annotations

import gc
import os
import pickle
import re
import select
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.graph import _TripleType
from rdflib.namespace import PROV, RDF, SH

from keifu import ROOT, cpus

from .indexed import IndexedGraph
from .sparql_mirror import mirrored, rdflib_term
from .vocab import KF

ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"


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


def _load_dir(folder: Path) -> Graph:
    g = IndexedGraph()
    for f in sorted(folder.glob("*.ttl")):
        _parse(g, f)
    return g


@cache
def ontology_graph() -> Graph:
    return _load_dir(ONTOLOGY_DIR)


@cache
def shapes_graph(names: tuple[str, ...] | None = None) -> Graph:
    """The shapes in ``shapes/`` (all files, or only the named ones)."""
    if names is None:
        return _load_dir(SHAPES_DIR)
    g = IndexedGraph()
    for n in names:
        _parse(g, SHAPES_DIR / n)
    return g


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


#: Shapes files validated in a forked child when a validation is split in two (``split=True``); the other
#: files' shapes run in the calling process. On drafts the halves cost about the same (a real 中長期目標:
#: integrity 72 ms, evaluation + policy + rules 74 ms), so a split validation takes about half as long.
CHILD_SHAPES = ("integrity.ttl",)
#: How long a split validation waits for its child before killing it and running the child's shapes itself.
CHILD_SECONDS = 120.0


@cache
def _shape_groups() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(shapes run here, shapes run in the child): the named shapes of each shapes file."""
    here: list[str] = []
    child: list[str] = []
    for f in sorted(SHAPES_DIR.glob("*.ttl")):
        g = shapes_graph((f.name,))
        names = sorted({str(s) for t in (SH.NodeShape, SH.PropertyShape) for s in g.subjects(RDF.type, t)
                        if isinstance(s, URIRef)})
        (child if f.name in CHILD_SHAPES else here).extend(names)
    return tuple(here), tuple(child)


#: Set by the first run over all shapes in this process. Until then a split run would leave the shapes' SPARQL
#: queries to be parsed in every forked child, never in this process's cache (tens of ms per child).
_warm = False


def _can_split() -> bool:
    return hasattr(os, "fork") and cpus() > 1


def _shacl(data: Graph, shapes: Graph, use: Sequence[str] | None = None) -> tuple[bool, Graph]:
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",  # shapes name concrete classes, so no ontology mixing (and no data copy) is needed
        inplace=True,
        advanced=True,
        allow_warnings=True,
        use_shapes=list(use) if use is not None else None,
    )
    return bool(conforms), report


def _shacl_split(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """Both shape groups at once: one in a forked child, which inherits ``data`` and the parsed shapes (no
    copy, no parsing) and sends back its report's triples; the other here. Any failure of the child falls back
    to running its group here, so the result is always that of one run over all shapes."""
    here, child = _shape_groups()
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return _shacl(data, shapes)
    if pid == 0:  # the child: validate, write, leave without running the parent's clean-up
        code = 1
        try:
            gc.disable()  # short-lived: collecting would only copy the parent's pages
            os.close(r)
            conforms, report = _shacl(data, shapes, child)
            with os.fdopen(w, "wb") as out:
                out.write(pickle.dumps((conforms, list(report)), pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    try:
        conforms, report = _shacl(data, shapes, here)
    finally:
        payload, status = _collect(pid, r)
    if status == 0 and payload:
        conforms_child, triples = pickle.loads(payload)
    else:
        conforms_child, other = _shacl(data, shapes, child)
        triples = list(other)
    return conforms and conforms_child, _merge_reports(report, conforms and conforms_child, triples)


def _collect(pid: int, fd: int) -> tuple[bytes, int]:
    """The child's payload and exit status; a child still running after :data:`CHILD_SECONDS` is killed
    (status -1), so a stuck child costs one fallback run, never a hung request."""
    deadline = time.monotonic() + CHILD_SECONDS
    chunks: list[bytes] = []
    with os.fdopen(fd, "rb", buffering=0) as inp:
        while (left := deadline - time.monotonic()) > 0 and select.select([inp], [], [], left)[0]:
            chunk = inp.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return b"", -1
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks), status


def _merge_reports(report: Graph, conforms: bool, triples: list[_TripleType]) -> Graph:
    """``report`` with the results of another sh:ValidationReport (its triples) under its one report node."""
    node = next(iter(report.subjects(RDF.type, SH.ValidationReport)))
    others = {s for s, p, o in triples if p == RDF.type and o == SH.ValidationReport}
    for s, p, o in triples:
        if s not in others:
            report.add((s, p, o))
        elif p == SH.result:
            report.add((node, p, o))
    report.set((node, SH.conforms, Literal(conforms)))
    return report


def validate_graph(data: Graph, shapes: Graph | None = None, split: bool = False,
                   ntriples: bytes | None = None) -> tuple[bool, list[ValidationResult], Graph]:
    """Run SHACL on ``data``: (conforms, results located by file and line, the sh:ValidationReport graph).

    ``split`` runs the shapes in two processes at once (see :func:`_shacl_split`), for one interactive
    validation on an otherwise idle machine; builds leave it off, their workers already use every core.
    ``ntriples``, the graph's N-Triples if the caller has them, fills the SPARQL mirror sooner."""
    global _warm
    shapes = shapes if shapes is not None else shapes_graph()
    full = shapes is shapes_graph()
    if isinstance(data, IndexedGraph) and data.has_blank_nodes():  # pyshacl finds blank nodes through the store
        data, ntriples = Graph(identifier=data.identifier) + data, None
    with mirrored(data, ntriples):
        if split and full and _warm and _can_split():
            conforms, report = _shacl_split(data, shapes)
        else:
            conforms, report = _shacl(data, shapes)
            _warm = _warm or full
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
