"""SPARQL 1.1 Protocol tests against a live ``keifu serve`` on 127.0.0.1, on both backends.

Backends: the embedded store (``--store``) and Virtuoso behind ``--endpoint`` (skipped when virtuoso-t is
absent). Clients are real: SPARQLWrapper, rdflib's SPARQLStore, httpx; every format is parsed back by a
real parser (rdflib, pyoxigraph) and compared with what the store itself answers.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from test_api_fixtures import TOKEN, sample_store, sample_store_path, serve  # noqa: F401 - fixtures
from test_remote_virtuoso import VIRTUOSO, load, virtuoso

from keifu.graph.remote import RemoteConfig, RemoteStore
from keifu.graph.store import Store
from keifu.graph.vocab import sparql_prefixes

SPARQLWrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper is a test extra (pip install -e '.[test]')")

P = sparql_prefixes()
Q_LABELS = P + "SELECT ?o ?l WHERE { ?o a kf:Objective ; rdfs:label ?l } ORDER BY ?o"
Q_CONSTRUCT = P + "CONSTRUCT { ?o rdfs:label ?l } WHERE { ?o a kf:Objective ; rdfs:label ?l }"
Q_ASK = P + "ASK { ?f a kf:SourceFile }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
TIMEOUT = 2.0
TEST_GRAPH = "http://example.org/test/written"


@pytest.fixture(scope="module")
def virtuoso_cfg(tmp_path_factory: pytest.TempPathFactory, sample_store: Store) -> Iterator[RemoteConfig]:  # noqa: F811
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t not installed (CI installs Debian virtuoso-opensource in .ci/run)")
    with virtuoso(tmp_path_factory.mktemp("virtuoso-protocol")) as cfg:
        with RemoteStore(cfg) as rs:
            load(rs, sample_store)
        yield cfg


@pytest.fixture(scope="module", params=["local", "virtuoso"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            sample_store_path: Path) -> tuple[str, list[str], list[str]]:  # noqa: F811
    """(name, read-only serve args, writable serve args); the writable local store is a copy."""
    if request.param == "local":
        copy = tmp_path_factory.mktemp("writable") / "store"
        shutil.copytree(sample_store_path, copy)
        return "local", ["--store", str(sample_store_path)], ["--store", str(copy)]
    cfg: RemoteConfig = request.getfixturevalue("virtuoso_cfg")
    os.environ["KEIFU_ENDPOINT_PASSWORD"] = str(cfg.password)  # the served process reads it: never on its command line
    args = ["--endpoint", cfg.query_url, "--update-endpoint", str(cfg.update_url), "--graph-store-endpoint",
            str(cfg.graph_store_url), "--user", str(cfg.user), "--auth-scheme", "digest"]
    return "virtuoso", args, args


@pytest.fixture(scope="module")
def ro(backend: tuple[str, list[str], list[str]]) -> Iterator[str]:
    with serve(*backend[1], "--timeout", str(TIMEOUT), "--max-body", "65536") as base:
        yield base


@pytest.fixture(scope="module")
def rw(backend: tuple[str, list[str], list[str]]) -> Iterator[str]:
    with serve(*backend[2], "--write-token", TOKEN) as base:
        yield base


def expected_labels(store: Store) -> list[tuple[str, str]]:
    return [(r["o"], r["l"]) for r in store.select(Q_LABELS)]  # type: ignore[misc]


# --- clients -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_sparqlwrapper_select_json_by_every_method(ro: str, sample_store: Store, method: str) -> None:  # noqa: F811
    from SPARQLWrapper import GET, JSON, POST, POSTDIRECTLY
    sw = SPARQLWrapper.SPARQLWrapper(f"{ro}/sparql")
    sw.setQuery(Q_LABELS)
    sw.setReturnFormat(JSON)
    sw.setMethod(GET if method == "GET" else POST)
    if method == "POSTDIRECTLY":
        sw.setRequestMethod(POSTDIRECTLY)  # body is application/sparql-query
    data = sw.query().convert()
    got = [(b["o"]["value"], b["l"]["value"]) for b in data["results"]["bindings"]]
    assert got == expected_labels(sample_store) and len(got) > 10
    assert all(b["l"].get("xml:lang") == "ja" for b in data["results"]["bindings"])


def test_sparqlwrapper_ask_and_construct(ro: str) -> None:
    from SPARQLWrapper import JSON, TURTLE, XML
    sw = SPARQLWrapper.SPARQLWrapper(f"{ro}/sparql")
    sw.setQuery(Q_ASK)
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setReturnFormat(XML)
    doc = sw.query().convert()  # minidom
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "true"
    sw.setQuery(Q_CONSTRUCT)
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) > 10


def test_rdflib_sparqlstore_queries_the_endpoint(ro: str, sample_store: Store) -> None:  # noqa: F811
    g = Graph(store=SPARQLStore(query_endpoint=f"{ro}/sparql"))
    rows = [(str(o), str(label)) for o, label in g.query(Q_LABELS)]
    assert rows == expected_labels(sample_store)
    assert bool(g.query(Q_ASK).askAnswer) is True
    kf = Namespace("https://w3id.org/keifu/ns#")
    files = set(g.subjects(URIRef(str(Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")["type"])), kf.SourceFile))
    assert len(files) == 2


# --- formats and negotiation --------------------------------------------------------------------------


@pytest.mark.parametrize("media,fmt", [("application/sparql-results+json", "json"),
                                       ("application/sparql-results+xml", "xml"), ("text/csv", "csv"),
                                       ("text/tab-separated-values", "tsv")])
def test_select_formats_parse_back(ro: str, sample_store: Store, media: str, fmt: str) -> None:  # noqa: F811
    r = httpx.get(f"{ro}/sparql", params={"query": Q_LABELS}, headers={"Accept": media})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    res = Result.parse(io.BytesIO(r.content), format=fmt)
    assert [(str(o), str(lab)) for o, lab in res] == expected_labels(sample_store)
    if fmt != "csv":  # CSV drops language tags by design; the others keep them
        assert all(lab.language == "ja" for _, lab in res)
        oxfmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}
        assert len(list(ox.parse_query_results(r.content, format=oxfmt[fmt]))) == len(res)


@pytest.mark.parametrize("media,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                       ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
                                       ("application/trig", "trig"), ("application/n-quads", "nquads")])
def test_construct_formats_parse_back(ro: str, sample_store: Store, media: str, fmt: str) -> None:  # noqa: F811
    r = httpx.post(f"{ro}/sparql", data={"query": Q_CONSTRUCT}, headers={"Accept": media})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    if fmt in ("trig", "nquads"):
        ds = Dataset()
        ds.parse(data=r.content, format=fmt)
        triples = {(str(s), str(o), o.language) for s, _, o, _ in ds.quads((None, None, None, None))}
    else:
        g = Graph().parse(data=r.content, format=fmt)
        triples = {(str(s), str(o), o.language) for s, _, o in g}
    assert triples == {(o, lab, "ja") for o, lab in expected_labels(sample_store)}


def test_describe_returns_the_resource(ro: str, sample_store: Store) -> None:  # noqa: F811
    obj = expected_labels(sample_store)[0][0]
    r = httpx.get(f"{ro}/sparql", params={"query": f"DESCRIBE <{obj}>"}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.content, format="turtle")
    assert (URIRef(obj), None, None) in g and len(g) >= 5


@pytest.mark.parametrize("accept,expected", [
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("text/*;q=0.8, application/sparql-results+json;q=0.2", "text/csv"),
    ("application/sparql-results+json;q=0, */*;q=0.5", "application/sparql-results+xml"),
    (None, "application/sparql-results+json"),
])
def test_q_values_choose_the_format(ro: str, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    r = httpx.get(f"{ro}/sparql", params={"query": Q_ASK.replace("ASK", "SELECT * WHERE", 1) + " LIMIT 1"},
                  headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == expected


def test_dataset_parameters(ro: str, sample_store: Store) -> None:  # noqa: F811
    g = next(n for n in sample_store.graphs() if "annual_plan" in n)
    q = P + "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a kf:SourceFile }"
    r = httpx.get(f"{ro}/sparql", params={"query": q, "default-graph-uri": g})
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "1"
    q2 = P + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?f a kf:SourceFile } }"
    r2 = httpx.post(f"{ro}/sparql", data={"query": q2, "named-graph-uri": g})
    assert [b["g"]["value"] for b in r2.json()["results"]["bindings"]] == [g]


# --- errors -------------------------------------------------------------------------------------------


def test_malformed_query_400_with_line_and_column(ro: str) -> None:
    r = httpx.post(f"{ro}/sparql", content="SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(\n}",
                   headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "malformed-query" and err["line"] == 4 and err["column"] >= 1
    assert "構文" in err["message_ja"] and "syntax" in err["message_en"]


def test_406_415_413_and_refusals(ro: str) -> None:
    assert httpx.get(f"{ro}/sparql", params={"query": Q_ASK}, headers={"Accept": "image/png"}).status_code == 406
    r = httpx.get(f"{ro}/sparql", params={"query": Q_CONSTRUCT}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 406 and "text/turtle" in r.json()["error"]["offered"]
    assert httpx.post(f"{ro}/sparql", content=Q_ASK, headers={"Content-Type": "text/plain"}).status_code == 415
    big = Q_ASK + "\n#" + "x" * 70_000
    assert httpx.post(f"{ro}/sparql", content=big, headers={"Content-Type": "application/sparql-query"}).status_code == 413
    r = httpx.post(f"{ro}/sparql", data={"query": Q_ASK, "update": "CLEAR ALL"})
    assert r.status_code == 400
    r = httpx.post(f"{ro}/sparql", data={"query": 'INSERT DATA { <http://e/a> <http://e/b> "SELECT" }'})
    assert r.status_code == 400 and r.json()["error"]["code"] == "update-as-query"
    r = httpx.get(f"{ro}/sparql", params={"query": 'SELECT * WHERE { ?s ?p "SERVICE <http://x>" }'})
    assert r.status_code == 200  # the word in a literal is no SERVICE call
    r = httpx.get(f"{ro}/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "service-disabled"


def test_update_refused_on_a_read_only_endpoint(ro: str) -> None:
    r = httpx.post(f"{ro}/sparql", data={"update": "CLEAR ALL"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "read-only"
    r = httpx.put(f"{ro}/store", params={"graph": TEST_GRAPH}, content=b"<http://a> <http://b> <http://c> .",
                  headers={"Content-Type": "application/n-triples"})
    assert r.status_code == 403
    assert httpx.get(f"{ro}/sparql", params={"query": Q_ASK}).json()["boolean"] is True


# --- time limit -------------------------------------------------------------------------------------


def test_runaway_query_stopped_while_another_client_is_served(ro: str) -> None:
    out: dict[str, object] = {}

    def runaway() -> None:
        t0 = time.monotonic()
        r = httpx.get(f"{ro}/sparql", params={"query": RUNAWAY}, timeout=60)
        out["status"], out["seconds"], out["end"] = r.status_code, time.monotonic() - t0, time.monotonic()
        out["body"] = r.json()

    th = threading.Thread(target=runaway)
    th.start()
    time.sleep(0.3)
    served = []
    with httpx.Client(timeout=10) as c:
        for _ in range(5):
            t0 = time.monotonic()
            r = c.get(f"{ro}/sparql", params={"query": Q_ASK})
            served.append((r.status_code, time.monotonic() - t0, time.monotonic()))
    th.join(30)
    assert out["status"] == 503 and out["body"]["error"]["code"] == "timeout"  # type: ignore[index]
    # bounds wide enough for a loaded 2-core CI machine; what matters is the order of the two answers
    assert TIMEOUT - 0.2 <= out["seconds"] <= TIMEOUT + 2.5, out  # type: ignore[operator]
    assert all(s == 200 for s, _, _ in served)
    assert served[0][2] < out["end"] and served[0][1] < TIMEOUT, served  # type: ignore[operator]
    assert httpx.get(f"{ro}/sparql", params={"query": Q_ASK}).json()["boolean"] is True  # still serving


# --- self-description, graph store reads, named queries ------------------------------------------------


def test_service_description_and_void(ro: str, sample_store: Store) -> None:  # noqa: F811
    r = httpx.get(f"{ro}/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    sd = Graph().parse(data=r.content, format="turtle")
    me = URIRef(f"{ro}/sparql")
    assert (me, SD.endpoint, me) in sd and (me, SD.supportedLanguage, SD.SPARQL11Query) in sd
    assert (me, SD.supportedLanguage, SD.SPARQL11Update) not in sd  # read-only
    names = {str(n) for n in sd.objects(None, SD.name)}
    assert set(sample_store.graphs()) <= names
    r = httpx.get(f"{ro}/.well-known/void", headers={"Accept": "application/ld+json"})
    void = Graph().parse(data=r.content, format="json-ld")
    ds = URIRef(f"{ro}/.well-known/void#keifu")
    assert void.value(ds, VOID.triples) == Literal(len(sample_store))
    classes = {str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))  # type: ignore[arg-type]
               for p in void.objects(ds, VOID.classPartition)}
    n_obj = len({o for o, _ in expected_labels(sample_store)})
    assert classes["https://w3id.org/keifu/ns#Objective"] == n_obj


def test_graph_store_get(ro: str, sample_store: Store) -> None:  # noqa: F811
    g = sample_store.graphs()[-1]
    r = httpx.get(f"{ro}/store", params={"graph": g}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    got = {str(t) for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)}
    assert got == {str(q.triple) for q in sample_store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))}
    assert httpx.head(f"{ro}/store", params={"graph": g}).status_code == 200
    assert httpx.get(f"{ro}/store", params={"graph": "http://example.org/none"}).status_code == 404
    assert httpx.get(f"{ro}/store").status_code == 400


def test_named_queries_bind_parameters_safely(ro: str) -> None:
    names = {q["name"]: q for q in httpx.get(f"{ro}/queries").json()}
    assert {"indicators-of-agency", "citations", "objectives-of-document", "documents-of-agency"} <= set(names)
    assert names["documents-of-agency"]["params"][0] == {"name": "agency", "type": "text", "required": True,
                                                         "description": names["documents-of-agency"]["params"][0]["description"]}
    r = httpx.get(f"{ro}/queries/documents-of-agency", params={"agency": "海洋"})
    rows = r.json()["results"]["bindings"]
    assert r.status_code == 200 and rows and all("海洋" in b["agencyName"]["value"] for b in rows)
    doc = rows[0]["document"]["value"]
    r = httpx.get(f"{ro}/queries/objectives-of-document", params={"document": doc}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and len(r.text.splitlines()) > 5
    evil = '海洋")) } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o FILTER(("'
    r = httpx.get(f"{ro}/queries/documents-of-agency", params={"agency": evil})
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []  # a value, not SPARQL
    r = httpx.get(f"{ro}/queries/objectives-of-document", params={"document": "http://x> } ; DROP ALL #"})
    assert r.status_code == 400
    assert httpx.get(f"{ro}/queries/documents-of-agency").status_code == 400  # required
    assert httpx.get(f"{ro}/queries/documents-of-agency", params={"agency": "a", "x": "1"}).status_code == 400
    assert httpx.get(f"{ro}/queries/nope").status_code == 404
    cites = httpx.get(f"{ro}/queries/citations").json()["results"]["bindings"]  # optional parameter left out
    assert cites and httpx.get(f"{ro}/sparql", params={"query": Q_ASK}).json()["boolean"] is True


# --- writes (server started with --write-token) -------------------------------------------------------------


def test_update_needs_the_bearer_token(rw: str) -> None:
    upd = f'INSERT DATA {{ GRAPH <{TEST_GRAPH}> {{ <http://example.org/a> <http://example.org/p> "書いた"@ja }} }}'
    assert httpx.post(f"{rw}/sparql", data={"update": upd}).status_code == 401
    r = httpx.post(f"{rw}/sparql", data={"update": upd}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    ask = f'ASK {{ GRAPH <{TEST_GRAPH}> {{ ?s ?p "書いた"@ja }} }}'
    assert httpx.get(f"{rw}/sparql", params={"query": ask}).json()["boolean"] is False
    r = httpx.post(f"{rw}/sparql", content=upd.encode(), headers={"Content-Type": "application/sparql-update",
                                                                  "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204, r.text
    assert httpx.get(f"{rw}/sparql", params={"query": ask}).json()["boolean"] is True
    r = httpx.get(f"{rw}/sparql", headers={"Accept": "text/turtle"})
    assert (URIRef(f"{rw}/sparql"), SD.supportedLanguage, SD.SPARQL11Update) in Graph().parse(data=r.content, format="turtle")


def test_graph_store_put_post_delete(rw: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    name = TEST_GRAPH + "/gsp"
    ttl = '@prefix e: <http://example.org/> . e:a e:p "一" , "二"@ja .'
    assert httpx.put(f"{rw}/store", params={"graph": name}, content=ttl.encode(),
                     headers={"Content-Type": "text/turtle"}).status_code == 401
    r = httpx.put(f"{rw}/store", params={"graph": name}, content=ttl.encode(),
                  headers={"Content-Type": "text/turtle", **auth})
    assert r.status_code in (200, 201, 204), r.text
    nt = '<http://example.org/b> <http://example.org/p> "三" .\n'
    r = httpx.post(f"{rw}/store", params={"graph": name}, content=nt.encode(),
                   headers={"Content-Type": "application/n-triples", **auth})
    assert r.status_code in (200, 201, 204), r.text
    r = httpx.get(f"{rw}/store", params={"graph": name}, headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.content, format="turtle")
    assert {str(o) for o in g.objects()} == {"一", "二", "三"}
    r = httpx.put(f"{rw}/store", params={"graph": name}, content=nt.encode(),
                  headers={"Content-Type": "application/n-triples", **auth})
    assert r.status_code in (200, 201, 204)
    r = httpx.get(f"{rw}/store", params={"graph": name}, headers={"Accept": "application/n-triples"})
    assert [t.object.value for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)] == ["三"]  # replaced
    bad = httpx.put(f"{rw}/store", params={"graph": name}, content=b"<a> <b> .",
                    headers={"Content-Type": "text/turtle", **auth})
    assert bad.status_code == 400
    assert httpx.put(f"{rw}/store", params={"graph": name}, content=b"x",
                     headers={"Content-Type": "image/png", **auth}).status_code == 415
    assert httpx.delete(f"{rw}/store", params={"graph": name}, headers=auth).status_code in (200, 204)
    assert httpx.get(f"{rw}/store", params={"graph": name}).status_code == 404


# --- limits that only concern the facade (embedded store) ----------------------------------------------------


def test_row_limit_cors_and_docs(sample_store_path: Path) -> None:  # noqa: F811
    with serve("--store", str(sample_store_path), "--max-rows", "5", "--cors", "https://example.org") as base:
        r = httpx.get(f"{base}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                      headers={"Origin": "https://example.org"})
        assert len(r.json()["results"]["bindings"]) == 5 and r.headers["x-sparql-maxrows"] == "5"
        assert r.headers["access-control-allow-origin"] == "https://example.org"
        pre = httpx.options(f"{base}/sparql", headers={"Origin": "https://example.org",
                                                       "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 200
        r = httpx.get(f"{base}/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/turtle"})
        assert len(Graph().parse(data=r.content, format="turtle")) == 5
        spec = httpx.get(f"{base}/openapi.json").json()
        assert {"/sparql", "/store", "/queries", "/queries/{name}", "/.well-known/void"} <= set(spec["paths"])
        assert httpx.get(f"{base}/docs").status_code == 200


def test_cors_off_by_default(ro: str) -> None:
    r = httpx.get(f"{ro}/sparql", params={"query": Q_ASK}, headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in r.headers
    assert json.loads(r.content)["boolean"] is True
