"""Unit tests of the SPARQL service's parts: negotiation, query-form lexing, parameter binding, the SERVICE
check, and the worker's two ways of writing SELECT results (oxigraph's writer, the row-by-row one)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_api_fixtures import sample_store_path  # noqa: F401 - fixture

from keifu.api.named_queries import NamedQuery, Param, bound_query, parse_query_file
from keifu.api.results import negotiate, parse_accept
from keifu.api.security import Limits, Refused, check_query
from keifu.api.worker import Job, execute, render, render_solutions
from keifu.graph.named_query import bind_values
from keifu.graph.sparql_text import query_form
from keifu.graph.vocab import sparql_prefixes


def test_negotiate_honours_q_values_and_specificity() -> None:
    offered = ["application/sparql-results+json", "text/csv"]
    assert negotiate(parse_accept("text/*;q=0.9, */*;q=0.1"), offered) == "text/csv"
    assert negotiate(parse_accept("text/csv;q=0, */*"), offered) == "application/sparql-results+json"
    assert negotiate(parse_accept("image/png"), offered) is None
    assert negotiate(parse_accept(None), offered) == offered[0]


@pytest.mark.parametrize("text,form", [
    ('PREFIX x: <http://e/select> # ASK in a comment\nCONSTRUCT { ?s ?p "SELECT" } WHERE { ?s ?p ?o }', "construct"),
    ("ask{}", "ask"),
    ('INSERT DATA { <http://e/a> <http://e/b> "SELECT" }', "update"),
    ("DESCRIBE <http://e/a>", "describe"),
])
def test_query_form_ignores_strings_iris_and_comments(text: str, form: str) -> None:
    assert query_form(text) == form


def test_bind_values_escapes_and_goes_into_the_where_group() -> None:
    evil = '"}) ; DROP ALL ; #\n\\'
    q = bind_values('SELECT ?x WHERE { ?x <http://e/p> ?v . FILTER(?v = "{")}', {"v": ox.Literal(evil)})
    st = ox.Store()
    st.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal(evil)))
    st.add(ox.Quad(ox.NamedNode("http://e/b"), ox.NamedNode("http://e/p"), ox.Literal("{")))
    assert [s["x"].value for s in st.query(q)] == []  # both constraints hold: the value is data, not syntax
    q2 = bind_values("SELECT ?x WHERE { ?x <http://e/p> ?v }", {"v": ox.Literal(evil)})
    assert [s["x"].value for s in st.query(q2)] == ["http://e/a"]
    with pytest.raises(ValueError):
        bind_values("SELECT * WHERE { ?s ?p ?o }", {"a b": ox.Literal("x")})


def test_named_query_header_and_typed_parameters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "by-year.rq"
    f.write_text("# title: 年度 / By year\n# param: year integer required 年度\n# param: d iri optional 文書\n"
                 "SELECT ?s WHERE { ?s <http://e/fy> ?year }\n", encoding="utf-8")
    nq = parse_query_file(f)
    assert nq.name == "by-year" and nq.title == "年度 / By year"
    assert [(p.name, p.type, p.required) for p in nq.params] == [("year", "integer", True), ("d", "iri", False)]
    assert 'VALUES (?year) { ("2025"^^<http://www.w3.org/2001/XMLSchema#integer>) }' in bound_query(nq, {"year": "2025"})
    for bad in ({"year": "二〇二五"}, {}, {"year": "1", "d": "not an iri"}, {"year": "1", "zz": "1"}):
        with pytest.raises(ValueError):
            bound_query(nq, bad)
    f.write_text("# param: year number required\nSELECT * {}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        parse_query_file(f)
    assert bound_query(NamedQuery("n", "SELECT * WHERE { ?s ?p ?o }", params=[Param("p", "ja", False, "")]),
                       {"p": "名"}).count('"名"@ja') == 1


@pytest.mark.parametrize("text,refused", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", True),
    ("select * where { sErViCe <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", True),
    ('SELECT * WHERE { ?s <http://e/p> "SERVICE" } # SERVICE <http://x>', False),
    ("SELECT * WHERE { ?s <http://e/service> ?o }", False),
    ("SELECT * WHERE { ?s ?p ?o }", False),
])
def test_service_refused_only_as_a_keyword(text: str, refused: bool) -> None:
    if refused:
        with pytest.raises(Refused):
            check_query(text, Limits())
    else:
        check_query(text, Limits())
    check_query(text, Limits(allow_service=True))  # allowed when the server says so


Q_LABELS = sparql_prefixes() + "SELECT ?o ?l ?none WHERE { ?o a kf:Objective ; rdfs:label ?l } ORDER BY ?o"
FORMATS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "text/tab-separated-values": ox.QueryResultsFormat.TSV, "text/csv": None}


def _rows(media: str, body: bytes) -> list[tuple[str, ...]]:
    """Result rows as text, through a real parser (oxigraph's; the csv module for CSV)."""
    fmt = FORMATS[media]
    if fmt is None:
        return [tuple(r) for r in csv.reader(io.StringIO(body.decode()))][1:]
    return [tuple("" if t is None else str(t) for t in s) for s in ox.parse_query_results(body, format=fmt)]


@pytest.mark.parametrize("media", list(FORMATS))
def test_select_written_by_oxigraph_reads_back_like_the_row_by_row_writer(sample_store_path: Path,  # noqa: F811
                                                                         media: str) -> None:
    store = ox.Store.read_only(str(sample_store_path))
    run = lambda: store.query(Q_LABELS, use_default_graph_as_union=True)  # noqa: E731
    n = len(list(run()))
    assert n > 10
    fast = render_solutions(run(), Job(Q_LABELS, [(media, 1.0)]))
    exact = render(run(), Job(Q_LABELS, [(media, 1.0)]), None)
    assert fast is not None and fast.status == exact.status == 200 and fast.media == exact.media == media
    assert _rows(media, fast.body) == _rows(media, exact.body) and len(_rows(media, fast.body)) == n
    assert fast.headers == {} and exact.headers == {}
    # near the row limit oxigraph's writer gives up (it counts an upper bound of the rows) and the result is
    # cut row by row: all n rows at a limit of n, n - 1 rows and the truncation headers at n - 1
    assert render_solutions(run(), Job(Q_LABELS, [(media, 1.0)], max_rows=n - 1)) is None
    whole = execute(store, Job(Q_LABELS, [(media, 1.0)], max_rows=n))
    assert _rows(media, whole.body) == _rows(media, exact.body) and "X-SPARQL-MaxRows" not in whole.headers
    cut = execute(store, Job(Q_LABELS, [(media, 1.0)], max_rows=n - 1))
    assert _rows(media, cut.body) == _rows(media, exact.body)[: n - 1] and cut.headers["X-SPARQL-MaxRows"] == str(n - 1)


def test_memory_auto_copies_small_stores_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--memory auto: a store up to MEMORY_MAX_QUADS is served from memory, a larger one from disk."""
    from keifu.api import cli as api_cli
    from keifu.graph.store import Store

    with Store(tmp_path / "st") as st:
        st.ox.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                          ox.Literal("o"), ox.NamedNode("http://example.org/g")))
    assert api_cli._use_memory("auto", tmp_path / "st") is True
    monkeypatch.setattr(api_cli, "MEMORY_MAX_QUADS", 0)
    assert api_cli._use_memory("auto", tmp_path / "st") is False
    assert api_cli._use_memory("on", tmp_path / "st") is True
    assert api_cli._use_memory("off", tmp_path / "st") is False
    assert api_cli._use_memory("auto", tmp_path / "missing") is False
