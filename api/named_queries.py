"""Named queries: ``queries/*.rq`` as REST (GET /queries, GET /queries/{name}?param=…).

A file's header comment declares it::

    # title: 法人の指標 / Indicators of an agency
    # description: …
    # param: agency text required 法人名の一部 / part of the agency's name
    # example: agency=研究開発

Parameter types: ``text`` (plain literal), ``ja`` (literal @ja), ``iri``, ``integer``, ``decimal``, ``date``.
Values become RDF terms (pyoxigraph checks and escapes them) bound with VALUES at the top of the query's
WHERE group; nothing the client sends is pasted into the query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from keifu.graph.vocab import sparql_prefixes

from .lexer import bind_values, names_dataset
from .service import service_of, to_response
from .sparql import accept_of
from .worker import Job, error

XSD = "http://www.w3.org/2001/XMLSchema#"
TYPES = ("text", "ja", "iri", "integer", "decimal", "date")
_HEADER = re.compile(r"^#\s*(title|description|param|example)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+(\w+)\s+(required|optional)\s*(.*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

router = APIRouter(tags=["named queries 保存クエリ"])


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
    text = path.read_text(encoding="utf-8")
    nq = NamedQuery(path.stem, text)
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
                raise ValueError(f"{path}: bad param line {value!r} (name type required|optional description; "
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


def bound_query(nq: NamedQuery, given: dict[str, str]) -> str:
    """The query text with the given parameters bound (raises ValueError with a bilingual-ready reason)."""
    known = {p.name: p for p in nq.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; expected {', '.join(known) or 'none'}")
    bindings = {}
    for p in nq.params:
        if p.name not in given or given[p.name] == "":
            if p.required:
                raise ValueError(f"missing required parameter {p.name} ({p.type})")
            continue
        try:
            bindings[p.name] = term(p, given[p.name])
        except ValueError as e:
            raise ValueError(f"parameter {p.name} is not a valid {p.type}: {e}") from e
    text = nq.text if "PREFIX kf:" in nq.text else sparql_prefixes() + nq.text
    return bind_values(text, bindings)


def _queries(request: Request) -> dict[str, NamedQuery]:
    svc = service_of(request)
    if "queries" not in svc.cache:
        svc.cache["queries"] = load_queries(svc.queries_dir)
    return svc.cache["queries"]  # type: ignore[return-value]


@router.get("/queries", summary="list the named queries / 保存クエリの一覧")
async def list_queries(request: Request) -> JSONResponse:
    out = []
    for q in _queries(request).values():
        d = q.public()
        try:  # the query with its example values bound, for the query page's example buttons
            d["example_sparql"] = bound_query(q, dict(parse_qsl(q.example)))
        except ValueError:
            d["example_sparql"] = None
        out.append(d)
    return JSONResponse(out)


@router.get("/queries/{name}", summary="run a named query / 保存クエリを実行",
            description="Parameters as declared by GET /queries; results negotiated like /sparql (JSON by default).")
async def run_named(name: str, request: Request) -> Response:
    svc = service_of(request)
    nq = _queries(request).get(name)
    if nq is None:
        return to_response(error(404, "no-query", f"no named query {name}", f"保存クエリ {name} はありません"))
    items = list(request.query_params.multi_items())
    given = {k: v for k, v in items if k != "format"}
    if len(given) != len([k for k, _ in items if k != "format"]):
        return to_response(error(400, "repeated-parameter", "a parameter is given more than once",
                                 "同じパラメーターが複数回指定されています"))
    try:
        text = bound_query(nq, given)
    except ValueError as e:
        return to_response(error(400, "bad-parameter", str(e), f"パラメーターの誤り: {e}"))
    return to_response(await svc.backend.query(Job(text, accept_of(request, items), max_rows=svc.limits.max_rows,
                                                     own_dataset=names_dataset(text))))
