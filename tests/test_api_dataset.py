"""The dataset a query or update runs on, through a live ``keifu serve``: the default graph is the merge of
all graphs (each triple once) and the same graph for reads and writes; a protocol dataset is exactly the
graphs listed; a query's FROM is honoured; relative IRIs resolve against the endpoint; Graph Store writes.

The store is two small fictional graphs sharing one statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pyoxigraph as ox
import pytest
from test_api_fixtures import TOKEN, serve

from keifu.graph.store import DEFAULT_GRAPH, Store

EX = "http://example.org/"
G1, G2 = f"{EX}g1", f"{EX}g2"
SHARED = ox.Triple(ox.NamedNode(f"{EX}agency"), ox.NamedNode(f"{EX}name"), ox.Literal("架空機構", language="ja"))
ONLY1 = ox.Triple(ox.NamedNode(f"{EX}plan1"), ox.NamedNode(f"{EX}budget"), ox.Literal("10", datatype=ox.NamedNode(
    "http://www.w3.org/2001/XMLSchema#integer")))
ONLY2 = ox.Triple(ox.NamedNode(f"{EX}plan2"), ox.NamedNode(f"{EX}budget"), ox.Literal("5", datatype=ox.NamedNode(
    "http://www.w3.org/2001/XMLSchema#integer")))
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}


def _graphs_update() -> str:
    """The two graphs in place of everything (one update: each test starts from them)."""
    graphs = "".join(f"GRAPH <{g}> {{ {' '.join(f'{t} .' for t in ts)} }} " for g, ts in
                     ((G1, [SHARED, ONLY1]), (G2, [SHARED, ONLY2])))
    return f"DROP ALL ; INSERT DATA {{ {graphs}}}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with Store(tmp_path_factory.mktemp("dataset") / "store") as st:
        path = st.path
    with serve("--store", str(path), "--write-token", TOKEN, "--workers", "1") as url:
        yield url


@pytest.fixture
def base(server: str) -> str:
    r = httpx.post(f"{server}/sparql", content=_graphs_update().encode(), headers=UPDATE)
    assert r.status_code == 204, r.text
    return server


def rows(base: str, query: str, **params: str | list[str]) -> list[dict[str, str]]:
    r = httpx.get(f"{base}/sparql", params={"query": query, **params}, headers=JSON)
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def count(base: str, query: str = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **params: str | list[str]) -> int:
    return int(rows(base, query, **params)[0]["n"])


def ask(base: str, query: str) -> bool:
    return httpx.get(f"{base}/sparql", params={"query": query}, headers=JSON).json()["boolean"]


def test_default_graph_is_the_merge_and_a_query_dataset_is_honoured(base: str) -> None:
    assert count(base) == 3  # the statement of both graphs counts once
    assert rows(base, "SELECT (SUM(?b) AS ?n) WHERE { ?p <http://example.org/budget> ?b }")[0]["n"] == "15"
    assert count(base, f"SELECT (COUNT(*) AS ?n) FROM <{G1}> WHERE {{ ?s ?p ?o }}") == 2
    named = rows(base, f"SELECT DISTINCT ?g FROM NAMED <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert named == [{"g": G2}]
    # "from" in a literal or a prefixed name is no dataset clause
    assert count(base, 'PREFIX from: <http://example.org/> SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "FROM <x>") }') == 3


def test_protocol_dataset_is_exactly_the_graphs_listed(base: str) -> None:
    assert count(base, **{"default-graph-uri": G1}) == 2
    assert count(base, **{"default-graph-uri": [G1, G2]}) >= 3
    only_named = {"named-graph-uri": G1}
    assert count(base, **only_named) == 0  # no default graph given: it is empty
    assert rows(base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **only_named) == [{"g": G1}]
    assert rows(base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"default-graph-uri": G1}) == []
    # the protocol's dataset wins over the query's FROM
    assert count(base, f"SELECT (COUNT(*) AS ?n) FROM <{G2}> WHERE {{ ?s ?p ?o }}", **{"default-graph-uri": G1}) == 2


def test_malformed_dataset_iri_is_400_and_the_worker_lives(base: str) -> None:
    for key in ("default-graph-uri", "named-graph-uri"):
        r = httpx.get(f"{base}/sparql", params={"query": "ASK {}", key: "not an iri"})
        err = r.json()["error"]
        assert r.status_code == 400 and err["code"] == "bad-graph-iri"
        assert "IRI" in err["message_en"] and "不正" in err["message_ja"]
    assert count(base) == 3


def test_relative_iris_resolve_against_the_endpoint(base: str) -> None:
    assert rows(base, "SELECT (<note> AS ?x) {}") == [{"x": urljoin(f"{base}/sparql", "note")}]
    r = httpx.post(f"{base}/sparql", content=f"INSERT DATA {{ GRAPH <{EX}g3> {{ <a> <b> <c> }} }}".encode(), headers=UPDATE)
    assert r.status_code == 204, r.text
    assert ask(base, f"ASK {{ GRAPH <{EX}g3> {{ <{urljoin(f'{base}/sparql', 'a')}> ?p ?o }} }}")


def test_default_graph_is_one_graph_for_reads_and_writes(base: str) -> None:
    new = "<http://example.org/memo> <http://example.org/says> \"追記\"@ja"
    assert httpx.post(f"{base}/sparql", content=f"INSERT DATA {{ {new} }}".encode(), headers=UPDATE).status_code == 204
    assert ask(base, f"ASK {{ {new} }}") and count(base) == 4
    assert ask(base, f"ASK {{ GRAPH <{DEFAULT_GRAPH.value}> {{ {new} }} }}")  # kept in a graph of its own
    # an update's default graph is that graph: it sees what was written there, and CLEAR DEFAULT empties it
    upd = f"INSERT {{ GRAPH <{EX}copy> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    assert httpx.post(f"{base}/sparql", content=upd.encode(), headers=UPDATE).status_code == 204
    assert count(base, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}copy> {{ ?s ?p ?o }} }}") == 1
    assert httpx.post(f"{base}/sparql", content=b"CLEAR DEFAULT", headers=UPDATE).status_code == 204
    assert not ask(base, f"ASK {{ GRAPH <{DEFAULT_GRAPH.value}> {{ ?s ?p ?o }} }}")
    assert count(base) == 4  # the source graphs and the copy stay
    # the Graph Store's ?default writes the same graph
    ttl = b'<http://example.org/x> <http://example.org/y> "z" .'
    r = httpx.put(f"{base}/store?default", content=ttl, headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code in (200, 201, 204), r.text
    assert ask(base, 'ASK { <http://example.org/x> <http://example.org/y> "z" }')
    got = httpx.get(f"{base}/store?default", headers={"Accept": "application/n-triples"})
    assert len(list(ox.parse(got.content, format=ox.RdfFormat.N_TRIPLES))) == 5
    assert httpx.delete(f"{base}/store?default", headers=AUTH).status_code == 204
    assert count(base) == 4


def test_using_graph_uri_sets_the_update_dataset(base: str) -> None:
    upd = f"INSERT {{ GRAPH <{EX}out> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    r = httpx.post(f"{base}/sparql", params={"using-graph-uri": G2}, content=upd.encode(), headers=UPDATE)
    assert r.status_code == 204, r.text
    got = {r["s"] for r in rows(base, f"SELECT ?s WHERE {{ GRAPH <{EX}out> {{ ?s ?p ?o }} }}")}
    assert got == {f"{EX}agency", f"{EX}plan2"}
    named = f"INSERT {{ GRAPH <{EX}out2> {{ ?s ?p ?g }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    r = httpx.post(f"{base}/sparql", data={"update": named, "using-named-graph-uri": G1}, headers=AUTH)
    assert r.status_code == 204, r.text
    assert {r["o"] for r in rows(base, f"SELECT ?o WHERE {{ GRAPH <{EX}out2> {{ ?s ?p ?o }} }}")} == {G1}
    r = httpx.post(f"{base}/sparql", params={"using-graph-uri": G1}, headers=UPDATE,
                   content=f"DELETE {{ ?s ?p ?o }} USING <{G2}> WHERE {{ ?s ?p ?o }}".encode())
    assert r.status_code == 400 and r.json()["error"]["code"] == "dataset-conflict"


def test_graph_store_empty_graph_new_graph_and_multipart(base: str) -> None:
    empty = f"{EX}empty"
    r = httpx.put(f"{base}/store", params={"graph": empty}, content=b"", headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 201, r.text
    r = httpx.get(f"{base}/store", params={"graph": empty}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.content.strip() == b""
    r = httpx.put(f"{base}/store", params={"graph": G1}, content=b"", headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 204 and count(base, **{"default-graph-uri": G1}) == 0  # emptied, still there
    assert httpx.get(f"{base}/store", params={"graph": G1}).status_code == 200

    r = httpx.post(f"{base}/store", content='<http://example.org/n> <http://example.org/v> "新" .'.encode(),
                   headers={"Content-Type": "application/n-triples", **AUTH})
    assert r.status_code == 201 and r.headers["location"], r.text
    got = httpx.get(f"{base}/store", params={"graph": r.headers["location"]}, headers={"Accept": "application/n-triples"})
    assert [t.object.value for t in ox.parse(got.content, format=ox.RdfFormat.N_TRIPLES)] == ["新"]

    boundary = "kf0b0undary"
    parts = [("text/turtle", '@prefix e: <http://example.org/> . e:m e:v "一" .'),
             ("application/n-triples", '<http://example.org/m> <http://example.org/v> "二" .')]
    body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"f{i}\"; filename=\"f{i}\"\r\n"
                   f"Content-Type: {ct}; charset=utf-8\r\n\r\n{text}\r\n" for i, (ct, text) in enumerate(parts))
    body += f"--{boundary}--\r\n"
    r = httpx.post(f"{base}/store", params={"graph": f"{EX}multi"}, content=body.encode(),
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH})
    assert r.status_code == 201, r.text
    assert {x["o"] for x in rows(base, f"SELECT ?o WHERE {{ GRAPH <{EX}multi> {{ ?s ?p ?o }} }}")} == {"一", "二"}


def test_non_utf8_bodies_are_refused(base: str) -> None:
    r = httpx.post(f"{base}/sparql", content="ASK {}".encode("utf-16"),
                   headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported-charset"
    r = httpx.post(f"{base}/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert r.status_code == 200
