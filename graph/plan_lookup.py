"""Plan names as users type them: the keys a name is matched by, and the 第N期の基本計画 shorthand.

``keifu trace`` and ``/trace`` find a plan by name (:func:`keifu.graph.lineage.trace.find_nodes`). Users type names
the way they remember them: full- or half-width, with or without spaces, without the ・ of
科学技術・イノベーション基本計画, with 「の」 after 第N期 (第7期の科学技術・イノベーション基本計画), or only the
edition and the noun (第7期の基本計画). :func:`name_keys` gives every key a name is matched by, the same for the
query and for the names of the graph, so these variants meet; :func:`expand_shorthand` turns 第N期(の)基本計画
into the one plan of the register (``ontology/plans.ttl``, then the graph) whose edition N is printed with the same
counter (期 or 次) and whose name ends in that noun, or reports the candidates when there are several.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from keifu.extract.normalize import kanji_number, match_key, squash
from keifu.extract.plan_register import load_register
from keifu.extract.plans import document_noun, plan_key

__all__ = ["describe", "expand_shorthand", "kind_label", "name_keys", "shorthand"]

_NO_AFTER_ORDINAL = re.compile(r"(第[0-9０-９一二三四五六七八九十]+[期次])の")
_SHORTHAND = re.compile(r"^第(?P<n>[0-9０-９一二三四五六七八九十]+)(?P<u>[期次])の?(?P<noun>.+)$")
_DOTS = str.maketrans("", "", "・")


def name_keys(text: str) -> set[str]:
    """Keys of a name: width, spacing, quotes and case folded (match_key); editions written one way
    (plan_key: 第六期 = 第６次 = 第6期); each also without ・ and without the の after 第N期."""
    text = _NO_AFTER_ORDINAL.sub(r"\1", squash(text))
    keys = {match_key(text), plan_key(text)} - {""}
    return keys | {k.translate(_DOTS) for k in keys}


def shorthand(query: str) -> tuple[int, str, str] | None:
    """(edition, counter 期/次, noun) when the query is only an edition and a document noun (第7期の基本計画)."""
    m = _SHORTHAND.match(squash(query))
    if m is None or document_noun(m.group("noun")) != m.group("noun"):
        return None
    return kanji_number(m.group("n")), m.group("u"), m.group("noun")


def _printed_ordinal(label: str) -> tuple[int, str] | None:
    m = re.search(r"第([0-9０-９一二三四五六七八九十]+)([期次])", squash(label))
    return (kanji_number(m.group(1)), m.group(2)) if m else None


def expand_shorthand(query: str, labels: Iterable[str] = ()) -> list[str]:
    """The full names a 第N期の<noun> query may mean: the register's editions first, else the given labels
    (plans of the graph), each edition N printed with the same counter and ending in the noun. Empty when the
    query is no shorthand or nothing fits; several names when it is ambiguous."""
    sh = shorthand(query)
    if sh is None:
        return []
    n, unit, noun = sh

    def fits(label: str) -> bool:
        return _printed_ordinal(label) == (n, unit) and squash(label).endswith(noun) and len(squash(label)) > len(
            f"第{n}{unit}{noun}")

    reg = load_register()
    found = sorted({e.label for e in reg.entries.values() if e.edition == n and fits(e.label)})
    return found or sorted({squash(lbl) for lbl in labels if fits(lbl)})


def describe(store, iris: Iterable[str]) -> dict[str, tuple[str | None, int | None]]:  # noqa: ANN001 - Store
    """IRI → (plan-kind code, edition) of plans, for listing the candidates of an ambiguous name."""
    from .vocab import sparql_prefixes

    iris = sorted(set(iris))
    out: dict[str, tuple[str | None, int | None]] = {i: (None, None) for i in iris}
    if store is None or not iris:
        return out
    values = " ".join(f"<{i}>" for i in iris)
    q = f"""SELECT ?p (SAMPLE(?k) AS ?kind) (SAMPLE(?e) AS ?ed) WHERE {{ VALUES ?p {{ {values} }}
        OPTIONAL {{ ?p kf:planKind ?k }} OPTIONAL {{ ?p kf:edition ?e }} }} GROUP BY ?p"""
    for r in store.select(sparql_prefixes() + q):
        kind = r["kind"].rsplit("/", 1)[-1] if r.get("kind") else None
        out[r["p"]] = (kind, int(r["ed"]) if r.get("ed") else None)
    return out


def kind_label(code: str, lang: str) -> str:
    """The label of a plan-kind concept (ontology/concepts.ttl) in ``lang``; the code when it has none."""
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    from .validate import ontology_graph
    from .vocab import concept

    for lbl in ontology_graph().objects(URIRef(concept("plan-kind", code)), SKOS.prefLabel):
        if getattr(lbl, "language", None) == lang:
            return str(lbl)
    return code
