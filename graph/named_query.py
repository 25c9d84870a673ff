"""Named queries: ``queries/*.rq`` files whose header comment declares a title and parameters.

A file's header comment declares it::

    # title: 法人の指標 / Indicators of an agency
    # description: …
    # param: agency text required 法人名の一部 / part of the agency's name
    # example: agency=研究開発

Parameter types: ``text`` (plain literal), ``ja`` (literal @ja), ``iri``, ``integer``, ``decimal``, ``date``.
Values become RDF terms (pyoxigraph checks and escapes them) bound with VALUES at the top of the query's
WHERE group; nothing given is pasted into the query text. pyoxigraph's own ``substitutions=`` (SEP-0007) was
tried for the embedded store and is not used: it only substitutes a variable the pattern binds and a SELECT
projects, while these queries use their parameters in FILTERs without returning them (``?plan`` in
``CONTAINS(STR(?label), ?plan)``); VALUES binds those, and one text serves the embedded store and servers alike
(tests/test_named_query_substitutions.py shows both facts, so a pyoxigraph lifting the rule is noticed).
Used by ``keifu query @file.rq --param`` and by the service's ``/queries`` (keifu.api.named_queries re-exports
these names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from .sparql_text import FORM_KEYWORD, blank
from .vocab import sparql_prefixes

__all__ = ["NamedQuery", "Param", "ParamError", "TYPES", "bind_values", "bound_query", "load_queries", "parse_query_file",
           "parse_query_text", "term"]

XSD = "http://www.w3.org/2001/XMLSchema#"
TYPES = ("text", "ja", "iri", "integer", "decimal", "date")
_HEADER = re.compile(r"^#\s*(title|description|param|example)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+(\w+)\s+(required|optional)\s*(.*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(slots=True)
class Param:
    name: str
    type: str
    required: bool
    description: str


@dataclass(slots=True)
class NamedQuery:
    name: str
    text: str
    title: str = ""
    description: str = ""
    example: str = ""
    params: list[Param] = field(default_factory=list)

    def public(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "example": self.example, "url": f"/queries/{self.name}" + (f"?{self.example}" if self.example else ""),
                "params": [{"name": p.name, "type": p.type, "required": p.required, "description": p.description}
                           for p in self.params], "sparql": self.text}


def parse_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq``: header comments until the first other line; a bad ``param`` line is an error."""
    return parse_query_text(path.read_text(encoding="utf-8"), path.stem, str(path))


def parse_query_text(text: str, name: str = "query", where: str = "query") -> NamedQuery:
    """:func:`parse_query_file` for a query's text (``where`` names it in errors)."""
    nq = NamedQuery(name, text)
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            if line.strip() and not line.lstrip().startswith("#"):
                break
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            p = _PARAM.match(value)
            if not p or p.group(2) not in TYPES:
                raise ValueError(f"{where}: bad param line {value!r} (name type required|optional description; "
                                 f"types: {', '.join(TYPES)})")
            nq.params.append(Param(p.group(1), p.group(2), p.group(3) == "required", p.group(4)))
        else:
            setattr(nq, key, value)
    return nq


def load_queries(folder: Path | None) -> dict[str, NamedQuery]:
    if folder is None or not folder.is_dir():
        return {}
    return {q.name: q for q in map(parse_query_file, sorted(folder.glob("*.rq")))}


def term(p: Param, value: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term of its declared type (ValueError when it is not one)."""
    if p.type == "iri":
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
            raise ValueError("not an absolute IRI")
        return ox.NamedNode(value)
    if p.type == "ja":
        return ox.Literal(value, language="ja")
    if p.type == "integer":
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if p.type == "decimal":
        try:
            return ox.Literal(str(Decimal(value)), datatype=ox.NamedNode(XSD + "decimal"))
        except InvalidOperation as e:
            raise ValueError("not a decimal number") from e
    if p.type == "date":
        if not _DATE.match(value):
            raise ValueError("not a date YYYY-MM-DD")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    return ox.Literal(value)


class ParamError(ValueError):
    """A parameter that is unknown, missing or not of its type: ``str()`` in English, ``ja`` in Japanese."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.ja = ja


def bound_query(nq: NamedQuery, given: dict[str, str]) -> str:
    """The query text with the given parameters bound (raises :class:`ParamError`)."""
    known = {p.name: p for p in nq.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        expected = ", ".join(known) or "none"
        raise ParamError(f"unknown parameter(s) {', '.join(unknown)}; expected {expected}",
                         f"未知のパラメーター {', '.join(unknown)}（宣言されているもの: {', '.join(known) or 'なし'}）")
    bindings = {}
    for p in nq.params:
        if p.name not in given or given[p.name] == "":
            if p.required:
                raise ParamError(f"missing required parameter {p.name} ({p.type}: {p.description})",
                                 f"必須のパラメーター {p.name}（{p.type}: {p.description}）が指定されていません")
            continue
        try:
            bindings[p.name] = term(p, given[p.name])
        except ValueError as e:
            raise ParamError(f"parameter {p.name} is not a valid {p.type}: {e}",
                             f"パラメーター {p.name} は {p.type} として正しくありません: {e}") from e
    text = nq.text if "PREFIX kf:" in nq.text else sparql_prefixes() + nq.text
    return bind_values(text, bindings)


_WHERE = re.compile(r"\bWHERE\s*\{", re.I)
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bind_values(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """Add ``VALUES (?a ?b) { (t1 t2) }`` at the start of the query's outermost group pattern.

    The terms are pyoxigraph terms written in their N-Triples form, so quotes, backslashes and angle brackets
    in a value are escaped by the RDF library, never by string pasting; variable names are checked.
    """
    if not bindings:
        return text
    for v in bindings:
        if not _VAR.match(v):
            raise ValueError(f"bad variable name {v!r}")
    b = blank(text)
    m = _WHERE.search(b)
    if m:
        at = m.end()
    else:
        form = FORM_KEYWORD.search(b)
        at = b.find("{", form.end() if form else 0) + 1
        if at == 0:
            raise ValueError("no group pattern to bind parameters in")
    names = " ".join(f"?{v}" for v in bindings)
    terms = " ".join(str(t) for t in bindings.values())
    return f"{text[:at]} VALUES ({names}) {{ ({terms}) }} {text[at:]}"
