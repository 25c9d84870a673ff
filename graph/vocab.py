"""Namespaces and IRI minting. IRIs are deterministic: the same inputs give the same graph."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from keifu.settings import setting

#: One URIRef object per IRI (bounded: cleared when full). Dict lookups of an identical key skip rdflib's
#: Python-level __eq__, which otherwise runs at every hit: about 200,000 times when validating the corpus.
_IRIS: dict[str, URIRef] = {}
_IRIS_MAX = 1 << 17


def iri(value: str) -> URIRef:
    """The shared URIRef for ``value``."""
    term = _IRIS.get(value)
    if term is None:
        if len(_IRIS) >= _IRIS_MAX:
            _IRIS.clear()
        term = _IRIS[value] = URIRef(value)
    return term


class CachedNamespace(Namespace):
    """A Namespace whose terms are made once: rdflib builds a new URIRef at every ``KF.line``, and emission
    asks for vocabulary terms about 40,000 times per corpus build."""

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):  # as rdflib: no terms for special names
            raise AttributeError(name)
        term = iri(str(self) + name)
        self.__dict__[name] = term  # found by ordinary lookup from now on, before __getattr__ is asked
        return term


KF = CachedNamespace("https://w3id.org/keifu/ns#")
ORG = CachedNamespace("http://www.w3.org/ns/org#")
QB = CachedNamespace("http://purl.org/linked-data/cube#")
TIME = CachedNamespace("http://www.w3.org/2006/time#")
CONCEPT_BASE = "https://w3id.org/keifu/ns/concept/"
#: Base of instance IRIs; configurable so deployments can mint their own.
ID_BASE = str(setting("id_base"))

PREFIXES = {
    "kf": KF, "org": ORG, "prov": PROV, "skos": SKOS, "dcterms": DCTERMS, "qb": QB, "time": TIME,
    "xsd": XSD, "rdfs": RDFS, "rdf": RDF, "owl": OWL,
}


def slug(text: str) -> str:
    """One IRI path segment: percent-encoded, so every SPARQL client and store accepts it."""
    return quote(text, safe="-_.~()")


def mint(*parts: str | int) -> URIRef:
    return iri(ID_BASE + "/".join(slug(str(p)) for p in parts))


def decimal_literal(value: Decimal | int | str) -> Literal:
    """An xsd:decimal in the lexical form the store keeps (no trailing zeros, no exponent: ``7.00`` is stored as
    ``7``), so the graph that is validated is the graph that is stored, term for term."""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return Literal(text, datatype=XSD.decimal)


def concept(scheme: str, code: str) -> URIRef:
    return iri(f"{CONCEPT_BASE}{scheme}/{code}")


def sparql_prefixes() -> str:
    """PREFIX lines for the vocabularies above (for queries and the query page)."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
