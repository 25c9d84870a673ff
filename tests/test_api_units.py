"""Unit tests of the SPARQL service's pure parts: negotiation, query-form lexing, parameter binding."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from keifu.api.lexer import bind_values, query_form
from keifu.api.named_queries import NamedQuery, Param, bound_query, parse_query_file
from keifu.api.results import negotiate, parse_accept


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
