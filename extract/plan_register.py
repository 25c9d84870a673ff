"""The plan register: curated facts about national plans, read from ``ontology/plans.ttl``.

A plan is a series (科学技術・イノベーション基本計画) with editions (第6期, 第7期) tied to it by
``dcterms:isVersionOf``; each has a kind, aliases (every printed variant), and may carry a decision date, a
deciding body and the plans it is based on. The register answers one question for the extractors and the
lookup: which plan does this printed name mean? A name resolves through its identity key
(:func:`keifu.extract.plans.plan_key`, so width, spacing, 第六期/第6次 fold), through the labels and aliases of
the register, and, for an edition of a known series printed under an alias (第6期科学技術イノベーション基本計画),
through the series. The facts are data: a plan is added in Turtle, never in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from keifu.resources import data_dir

from .plans import base_name, plan_edition, plan_key


def register_file() -> Path:
    """``plans.ttl`` of the installed ontology folder (see :mod:`keifu.resources`)."""
    return data_dir("ontology") / "plans.ttl"


_KF = "https://w3id.org/keifu/ns#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_VERSION_OF = "http://purl.org/dc/terms/isVersionOf"
_PLAN_KIND = "https://w3id.org/keifu/ns/concept/plan-kind/"


@dataclass(slots=True)
class Entry:
    """One plan of the register: a series, an edition or a plan without editions."""

    ref: str  # its handle in the register file
    label: str
    key: str  # identity key: the node is mint("plan", key)
    alt: list[str] = field(default_factory=list)
    kind: str | None = None  # plan-kind code
    edition: int | None = None
    series: str | None = None  # ref of the series of an edition
    date: tuple[str, str] | None = None  # (lexical form, datatype IRI)
    body: str | None = None  # label of the deciding body
    based_on: list[str] = field(default_factory=list)  # refs
    line: int | None = None  # line of its skos:prefLabel in the register file: where a reader checks its facts


@dataclass
class Register:
    entries: dict[str, Entry]
    by_key: dict[str, Entry]  # identity keys of labels and aliases → entry

    def series(self, e: Entry) -> Entry | None:
        return self.entries.get(e.series) if e.series else None

    def editions(self, series: Entry) -> list[Entry]:
        return sorted((e for e in self.entries.values() if e.series == series.ref), key=lambda e: e.edition or 0)

    def kind(self, e: Entry) -> str | None:
        """An edition's kind is its series' kind unless it states its own."""
        s = self.series(e)
        return e.kind or (s.kind if s else None)

    def body(self, e: Entry) -> str | None:
        s = self.series(e)
        return e.body or (s.body if s else None)

    def resolve(self, name: str) -> Entry | None:
        """The entry a printed name means, or None. An edition of a known series printed under one of the
        series' aliases resolves to that edition when the register has it, else to None (the caller then keys
        it as 第N期 + the series' label, see :meth:`canonical_name`)."""
        key = plan_key(name)
        hit = self.by_key.get(key)
        if hit is not None:
            return hit
        ed, base = plan_edition(name), base_name(name)
        if ed is None or not base:
            return None
        series = self.by_key.get(plan_key(base))
        if series is None or series.edition is not None:
            return None
        return next((e for e in self.editions(series) if e.edition == ed), None)

    def canonical_name(self, name: str) -> str | None:
        """The register's form of a printed name (its label), when it knows the plan or its series; else None."""
        e = self.resolve(name)
        if e is not None:
            return e.label
        ed, base = plan_edition(name), base_name(name)
        series = self.by_key.get(plan_key(base)) if ed is not None and base else None
        if series is not None and series.edition is None:
            return f"第{ed}期{series.label}"
        return None


def _text(term: ox.Literal | ox.NamedNode | ox.BlankNode) -> str:
    return term.value


@cache
def load_register(path: Path | None = None) -> Register:
    """The register in ``path`` (default ``ontology/plans.ttl``, :func:`register_file`); empty when absent."""
    path = path or register_file()
    facts: dict[str, dict[str, list[ox.Literal | ox.NamedNode | ox.BlankNode]]] = {}
    if path.exists():
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            facts.setdefault(str(t.subject), {}).setdefault(t.predicate.value, []).append(t.object)
    labels = {s: _text(p[_RDFS_LABEL][0]) for s, p in facts.items() if _RDFS_LABEL in p}
    pref_lines: dict[str, int] = {}
    if path.exists():
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "skos:prefLabel" in text and '"' in text:
                pref_lines.setdefault(text.split('"')[1], n)
    entries: dict[str, Entry] = {}
    for s, p in facts.items():
        pref = p.get(_SKOS + "prefLabel")
        if not pref:
            continue
        e = Entry(ref=s, label=_text(pref[0]), key=plan_key(_text(pref[0])), line=pref_lines.get(_text(pref[0])))
        e.alt = [_text(a) for a in p.get(_SKOS + "altLabel", [])]
        kind = p.get(_KF + "planKind")
        e.kind = kind[0].value.removeprefix(_PLAN_KIND) if kind else None
        ed = p.get(_KF + "edition")
        e.edition = int(ed[0].value) if ed else None
        ser = p.get(_VERSION_OF)
        e.series = str(ser[0]) if ser else None
        date = p.get(_KF + "decisionDate")
        if date and isinstance(date[0], ox.Literal):
            e.date = (date[0].value, date[0].datatype.value)
        body = p.get(_KF + "decidedBy")
        e.body = labels.get(str(body[0])) if body else None
        e.based_on = [str(b) for b in p.get(_KF + "basedOn", [])]
        entries[s] = e
    by_key: dict[str, Entry] = {}
    for e in entries.values():
        by_key.setdefault(e.key, e)
    for e in entries.values():
        for a in e.alt:
            by_key.setdefault(plan_key(a), e)
    return Register(entries, by_key)
