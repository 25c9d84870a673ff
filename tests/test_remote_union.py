"""RemoteStore.query's ``union`` against a server whose default graph is not the union (Oxigraph server,
Fuseki): a tiny SPARQL Protocol server over an in-memory pyoxigraph store, so the test runs anywhere."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest

from keifu.graph.remote import RemoteConfig, RemoteStore

EX = "http://example.org/fictional/"
GRAPH_A, GRAPH_B = ox.NamedNode(EX + "graph-a"), ox.NamedNode(EX + "graph-b")


class _Protocol(BaseHTTPRequestHandler):
    """SPARQL 1.1 Protocol, POST form only; no dataset parameters → the store's own (empty) default graph."""

    store: ox.Store
    seen: list[dict[str, list[str]]]

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.seen.append(form)
        kw: dict[str, object] = {}
        if "default-graph-uri" in form or "named-graph-uri" in form:
            kw = {"default_graph": [ox.NamedNode(g) for g in form.get("default-graph-uri", [])],
                  "named_graphs": [ox.NamedNode(g) for g in form.get("named-graph-uri", [])]}
        res = self.store.query(form["query"][0], **kw)
        if isinstance(res, ox.QueryTriples):
            body, media = res.serialize(format=ox.RdfFormat.N_TRIPLES), "application/n-triples"
        else:
            body, media = res.serialize(format=ox.QueryResultsFormat.JSON), "application/sparql-results+json"
        self.send_response(200)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[tuple[RemoteStore, list[dict[str, list[str]]]]]:
    store = ox.Store()
    store.extend([ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("一"), GRAPH_A),
                  ox.Quad(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"), ox.Literal("二"), GRAPH_B)])
    seen: list[dict[str, list[str]]] = []
    handler = type("Handler", (_Protocol,), {"store": store, "seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    rs = RemoteStore(RemoteConfig(f"http://127.0.0.1:{httpd.server_address[1]}/sparql"))
    try:
        yield rs, seen
    finally:
        rs.close()
        httpd.shutdown()
        httpd.server_close()


def _subjects(rs: RemoteStore, query: str, union: bool) -> list[str]:
    return sorted(str(r["s"]) for r in rs.select(query, union=union))


def test_union_sees_every_named_graph_and_no_union_only_the_default_graph(server) -> None:  # type: ignore[no-untyped-def]
    rs, _ = server
    q = f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }}"
    assert _subjects(rs, q, union=True) == [EX + "a", EX + "b"]
    assert _subjects(rs, q, union=False) == []  # this server's default graph is empty
    assert rs.query(f"ASK {{ <{EX}b> ?p ?o }}", union=True) is True
    assert rs.query(f"ASK {{ <{EX}b> ?p ?o }}", union=False) is False


def test_union_keeps_graph_patterns_and_a_query_s_own_dataset(server) -> None:  # type: ignore[no-untyped-def]
    rs, seen = server
    rows = list(rs.select(f"SELECT ?g ?s WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} ORDER BY ?g", union=True))
    assert [(r["g"], r["s"]) for r in rows] == [(GRAPH_A.value, EX + "a"), (GRAPH_B.value, EX + "b")]
    seen.clear()
    own = f"SELECT ?s FROM <{GRAPH_B.value}> WHERE {{ ?s <{EX}p> ?o }}"
    assert _subjects(rs, own, union=True) == [EX + "b"]  # FROM wins: the graphs are not sent
    assert all("default-graph-uri" not in form for form in seen)


def test_graph_listing_and_counts_ignore_union(server) -> None:  # type: ignore[no-untyped-def]
    rs, _ = server
    assert rs.graphs() == [GRAPH_A.value, GRAPH_B.value]
    assert len(rs) == 2
    assert [str(t.subject) for t in rs.graph(GRAPH_A.value)] == [f"<{EX}a>"]
