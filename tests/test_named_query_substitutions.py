"""Why named queries bind parameters with VALUES rather than pyoxigraph's ``substitutions=`` (SEP-0007):
pyoxigraph substitutes only a variable the pattern binds and a SELECT projects, and the shipped queries use
their parameters in FILTERs without returning them. If a pyoxigraph release lifts the rule, the second test
fails: switch the embedded store to ``substitutions=`` then (graph/named_query.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.namespace import RDFS
from test_api_fixtures import sample_store, sample_store_path  # noqa: F401 - fixtures

from keifu.graph.named_query import NamedQuery, Param, bound_query, load_queries, term
from keifu.graph.store import Store

REPO = Path(__file__).resolve().parents[1]
QUERIES = load_queries(REPO / "queries")


def _projected(text: str) -> set[str]:
    """The variables a SELECT returns (``SELECT *``: every variable), from the text before WHERE."""
    m = re.search(r"\bSELECT\b(.*?)\bWHERE\b", text, re.S | re.I)
    assert m, "the shipped named queries are SELECT queries"
    head = m.group(1)
    if "*" in head.split("(")[0]:
        return set(re.findall(r"\?(\w+)", text))
    return {v for v in re.findall(r"\?(\w+)", head) if not re.search(rf"AS\s+\?{v}\b", head, re.I)} | set(
        re.findall(r"AS\s+\?(\w+)", head, re.I))


def test_shipped_queries_filter_on_parameters_they_do_not_return() -> None:
    unprojected = {(name, p.name) for name, nq in QUERIES.items() for p in nq.params
                   if p.name not in _projected(nq.text)}
    assert unprojected, "every parameter is returned: substitutions= could bind them (see the module docstring)"
    assert {name for name, _ in unprojected} == {name for name, nq in QUERIES.items() if nq.params}


def test_pyoxigraph_refuses_to_substitute_a_filter_only_parameter(sample_store: Store) -> None:  # noqa: F811
    """The same query: VALUES binds the parameter and finds rows; substitutions= refuses it."""
    label = next(iter(sample_store.select(f"SELECT ?l WHERE {{ ?s <{RDFS.label}> ?l }} ORDER BY ?l LIMIT 1")))["l"]
    text = f"SELECT ?s WHERE {{ ?s <{RDFS.label}> ?l FILTER(CONTAINS(STR(?l), ?word)) }}"
    value = ox.Literal(label[:2])
    with pytest.raises(RuntimeError, match="projection"):
        sample_store.ox.query(text, use_default_graph_as_union=True, substitutions={ox.Variable("word"): value})
    projected = text.replace("SELECT ?s", "SELECT ?s ?word")
    substituted = {str(r["s"]) for r in sample_store.ox.query(projected, use_default_graph_as_union=True,
                                                               substitutions={ox.Variable("word"): value})}
    nq = NamedQuery("probe", text, params=[Param("word", "text", True, "")])
    valued = {str(r["s"]) for r in sample_store.query(bound_query(nq, {"word": label[:2]}))}
    assert valued and valued == substituted  # where pyoxigraph accepts it, the answers agree
    assert term(nq.params[0], label[:2]) == value
