"""SPARQL result formats: content negotiation with q-values and serializers that stop at a row limit.

Kept free of FastAPI and rdflib so query worker processes start fast. Oxigraph writes SELECT results itself
while they are clearly within the row limit (:func:`keifu.api.worker.render_solutions`); the writers here
(JSON, XML, CSV, TSV per the W3C result-format recommendations) serve ASK, results that must be cut at the
limit (a result can only be cut while it is being iterated) and rows parsed from a remote server.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: media type → short name, in server preference order (first = default)
RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
#: media type → RDF format for CONSTRUCT / DESCRIBE and the Graph Store Protocol
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/x-turtle": ox.RdfFormat.TURTLE,
}
#: ``?format=`` short names (links typed by hand, SPARQLWrapper's ``format=``) → media types; ``xml`` and
#: ``json`` mean the results format for SELECT/ASK and RDF/XML or JSON-LD for graph results
SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv",), "tsv": ("text/tab-separated-values",), "turtle": ("text/turtle",),
    "ttl": ("text/turtle",), "ntriples": ("application/n-triples",), "nt": ("application/n-triples",),
    "rdfxml": ("application/rdf+xml",), "jsonld": ("application/ld+json",), "json-ld": ("application/ld+json",),
    "trig": ("application/trig",), "nquads": ("application/n-quads",),
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` → [(media range, q)] (q-values honoured; a missing header accepts anything)."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def _quality(accept: list[tuple[str, float]], media: str) -> float:
    """q of the most specific range that matches ``media`` (0 when none does)."""
    best, spec = 0.0, -1
    major = media.split("/")[0]
    for rng, q in accept:
        s = 2 if rng == media else 1 if rng == f"{major}/*" else 0 if rng == "*/*" else -1
        if s > spec:
            best, spec = q, s
    return best if spec >= 0 else 0.0


def negotiate(accept: list[tuple[str, float]], offered: Iterable[str]) -> str | None:
    """The offered media type with the highest q (ties: server order); None when nothing is acceptable."""
    best, best_q = None, 0.0
    for m in offered:
        q = _quality(accept, m)
        if q > best_q:
            best, best_q = m, q
    return best


# --- SELECT / ASK -------------------------------------------------------------------------------------


def _json_term(t: object) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {"type": "literal", "value": str(t)}  # RDF-star triple: written as its N-Triples text


def _xml_term(t: object) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return f"<literal>{escape(str(t))}</literal>"


def _csv_term(t: object) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    return getattr(t, "value", str(t))


def _tsv_term(t: object) -> str:
    if t is None:
        return ""
    return str(t).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_solutions(fmt: str, variables: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """SELECT results in ``fmt`` (json, xml, csv, tsv); ``rows`` hold pyoxigraph terms or None."""
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, r, strict=True) if t is not None} for r in rows]
        return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>")
        for r in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, r, strict=True) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        w.writerows([_csv_term(t) for t in r] for r in rows)
        return buf.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(_tsv_term(t) for t in r) for r in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown result format {fmt}")


def write_boolean(fmt: str, value: bool) -> bytes:
    """ASK result in ``fmt``; CSV and TSV carry the bare ``true``/``false``."""
    text = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{text}</boolean></sparql>\n").encode()
    return f"{text}\n".encode()


def write_triples(fmt: ox.RdfFormat, triples: Sequence[ox.Triple], prefixes: dict[str, str] | None) -> bytes:
    """CONSTRUCT / DESCRIBE / graph results; dataset formats put the triples in the default graph."""
    pre = prefixes if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    if pre is not None:  # grouped by subject, so the Turtle / RDF/XML reads as one block per resource
        triples = sorted(triples, key=lambda t: str(t.subject))
    if fmt.supports_datasets:
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        return ox.serialize(quads, format=fmt, prefixes=pre)
    return ox.serialize(list(triples), format=fmt, prefixes=pre)
