"""The W3C SPARQL 1.1 test suites, replayed through a live ``keifu serve`` over HTTP.

Query and update evaluation tests run twice: on pyoxigraph in-process (the engine's own baseline) and through
keifu; a test that passes in-process and not through keifu is keifu's failure. The protocol tests (34) and
the Graph Store Protocol tests (9, indirect identification) run through keifu only, and must all pass.

Test data reaches the server the way a client's would: the query tests' data files are in the store the
server starts on (each file a named graph named by its IRI; a test's dataset is then given with
``default-graph-uri`` / ``named-graph-uri``, or by the query's own FROM); each update test sends its data and
its update as one SPARQL Update request, so a test costs one write. The suites are read from
``../shared/w3c-rdf-tests`` (``KEIFU_W3C_TESTS`` overrides); the tests skip when they are absent.

``python tests/test_w3c_sparql.py`` prints the table of passes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin

import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import REPO  # noqa: E402
from test_api_fixtures import TOKEN, serve  # noqa: E402

from keifu.api.outbound import outbound_calls
from keifu.graph.sparql_text import blank, names_dataset  # noqa: E402
from keifu.graph.store import DEFAULT_GRAPH, Store  # noqa: E402

SUITES = Path(os.environ.get("KEIFU_W3C_TESTS") or REPO.parent / "shared" / "w3c-rdf-tests") / "sparql"
SPARQL11 = SUITES / "sparql11"
#: the evaluation folders of SPARQL 1.1 Query and Update the engine is meant to pass, and SPARQL 1.0's dataset
QUERY_DIRS = ["aggregates", "bind", "bindings", "cast", "construct", "exists", "functions", "grouping", "negation",
              "project-expression", "property-path", "subquery"]
UPDATE_DIRS = ["add", "basic-update", "clear", "copy", "delete-data", "delete-insert", "delete-where", "delete",
               "drop", "move", "update-silent"]
EXTRA_DIRS = [SUITES / "sparql10" / "dataset"]

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
STATUS = {"OK": {200}, "Created": {201}, "NoContent": {204}, "NotFound": {404}}
EMPTY_GRAPH = "urn:x-keifu-test:empty"  # a graph no test has: an empty default graph by the protocol
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON_RESULTS = ox.QueryResultsFormat.JSON
NT = ox.RdfFormat.N_TRIPLES


def _needed() -> None:
    if not (SPARQL11 / "manifest-all.ttl").is_file():
        pytest.skip(f"W3C SPARQL test suites not available at {SUITES} (CI provides ../shared/w3c-rdf-tests)")


# --- manifests ---------------------------------------------------------------------------------------------


@dataclass
class EvalTest:
    name: str
    kind: str  # "query" or "update"
    request: Path  # the query or update file
    data: list[Path] = field(default_factory=list)  # default graph
    graphs: list[tuple[str, Path]] = field(default_factory=list)  # named graphs (name, file)
    result: Path | None = None  # query: the results file
    result_data: list[Path] = field(default_factory=list)  # update: expected default graph
    result_graphs: list[tuple[str, Path]] = field(default_factory=list)


def _path(node: object) -> Path:
    return Path(unquote(str(node)).removeprefix("file://"))


def _manifest(folder: Path) -> Graph:
    path = folder / "manifest.ttl"
    return Graph().parse(path, format="turtle", publicID=path.as_uri())


def _entries(g: Graph) -> list[URIRef]:
    lst = next(g.objects(None, MF.entries))
    return list(Collection(g, lst))  # type: ignore[arg-type]


def _graph_data(g: Graph, node: object, prop: URIRef) -> list[tuple[str, Path]]:
    """Named graphs of an action or result: (name, file); query tests name a graph by its file."""
    out = []
    for gd in g.objects(node, prop):  # type: ignore[arg-type]
        if isinstance(gd, URIRef):
            out.append((str(gd), _path(gd)))
        else:
            out.append((str(g.value(gd, RDFS.label)), _path(g.value(gd, UT.graph))))
    return sorted(out)


@cache
def eval_tests() -> list[EvalTest]:
    tests = []
    folders = [SPARQL11 / d for d in QUERY_DIRS + UPDATE_DIRS] + EXTRA_DIRS
    for folder in folders:
        g = _manifest(folder)
        for t in _entries(g):
            kind = {MF.QueryEvaluationTest: "query", MF.UpdateEvaluationTest: "update"}.get(g.value(t, RDF.type))  # type: ignore[call-overload]
            if kind is None:
                continue
            action, result = g.value(t, MF.action), g.value(t, MF.result)
            name = f"{folder.name}/{str(t).rsplit('#', 1)[-1]}"
            if kind == "query":
                tests.append(EvalTest(name, kind, _path(g.value(action, QT.query)),
                                      sorted(_path(d) for d in g.objects(action, QT.data)),
                                      _graph_data(g, action, QT.graphData), _path(result)))
            else:
                tests.append(EvalTest(name, kind, _path(g.value(action, UT.request)),
                                      sorted(_path(d) for d in g.objects(action, UT.data)),
                                      _graph_data(g, action, UT.graphData), None,
                                      sorted(_path(d) for d in g.objects(result, UT.data)),
                                      _graph_data(g, result, UT.graphData)))
    return tests


_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?<([^>]*)>", re.I)


def from_files(t: EvalTest) -> list[Path]:
    """Local files a query names in FROM / FROM NAMED: a test runner loads them as graphs of those names."""
    text = t.request.read_text(encoding="utf-8")
    iris = [urljoin(t.request.as_uri(), m.group(1)) for m in _FROM.finditer(text)]
    return [p for i in iris if i.startswith("file:") and (p := _path(i)).is_file()]


def _format(path: Path) -> ox.RdfFormat:
    return {".rdf": ox.RdfFormat.RDF_XML, ".nt": NT}.get(path.suffix, ox.RdfFormat.TURTLE)


def triples_of(path: Path) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(path), format=_format(path), base_iri=path.as_uri())]


# --- comparing answers -----------------------------------------------------------------------------------------


_NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("integer", "decimal", "float", "double")}


def _key(term: object) -> str:
    """A term as compared: blank nodes all alike (their labels are the engine's own), numbers by value."""
    if isinstance(term, ox.BlankNode):
        return "_:"
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        try:
            return f"{Decimal(term.value).normalize()}^^{term.datatype.value}"
        except InvalidOperation:
            pass
    return str(term)


def _solutions(variables: list[str], rows: list[dict[str, object]]) -> Counter:
    return Counter(frozenset((v, _key(r[v])) for v in variables if r.get(v) is not None) for r in rows)


def _rdf_results(path: Path) -> bool | Counter:
    """Results written as RDF (the result-set vocabulary)."""
    g = Graph().parse(path, format="turtle" if path.suffix == ".ttl" else "xml", publicID=path.as_uri())
    rs = next(g.subjects(RDF.type, RS.ResultSet))
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return boolean.toPython() is True
    rows = []
    for sol in g.objects(rs, RS.solution):
        row = {}
        for b in g.objects(sol, RS.binding):
            value = g.value(b, RS.value)
            row[str(g.value(b, RS.variable))] = ox.BlankNode() if value.n3().startswith("_:") else _ox_term(value)
        rows.append(row)
    return _solutions(sorted({v for r in rows for v in r}), rows)


def _ox_term(t: object) -> object:
    return next(iter(ox.parse(f"<urn:s> <urn:p> {t.n3()} .", format=NT))).object  # type: ignore[attr-defined]


def expected_answer(t: EvalTest) -> bool | Counter | Graph | None:
    """The expected answer of a query test, or None when the file cannot be read (the test then fails both
    in-process and through keifu)."""
    path = t.result
    assert path is not None
    fmt = {".srx": ox.QueryResultsFormat.XML, ".srj": JSON_RESULTS, ".tsv": ox.QueryResultsFormat.TSV,
           ".csv": ox.QueryResultsFormat.CSV}.get(path.suffix)
    try:
        if fmt is not None:
            return answer_of(ox.parse_query_results(path=str(path), format=fmt))
        text = path.read_text(encoding="utf-8", errors="replace")
        if "result-set#" in text and "ResultSet" in text:
            return _rdf_results(path)
        return _rdflib_graph(triples_of(path))
    except (SyntaxError, ValueError, OSError, StopIteration):
        return None


def _rdflib_graph(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=NT).decode(), format="nt")


def answer_of(res: object) -> bool | Counter | Graph:
    if isinstance(res, ox.QueryBoolean | bool):
        return bool(res)
    if isinstance(res, ox.QuerySolutions):
        variables = [v.value for v in res.variables]
        return _solutions(variables, [{v: s[v] for v in variables} for s in res])
    return _rdflib_graph(list(res))  # type: ignore[call-overload]


def same(a: object, b: object) -> bool:
    if isinstance(a, Graph) and isinstance(b, Graph):
        return isomorphic(a, b)
    return a is not None and a == b


def _dataset_state(quads: list[ox.Quad]) -> dict[str, Graph]:
    """Graph name ('' the default graph) → graph; empty graphs left out, as the manifests cannot state them."""
    by: dict[str, list[ox.Triple]] = {}
    for q in quads:
        by.setdefault("" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value, []).append(q.triple)
    return {k: _rdflib_graph(v) for k, v in by.items()}


def expected_state(t: EvalTest) -> dict[str, Graph]:
    quads = [ox.Quad(tr.subject, tr.predicate, tr.object) for p in t.result_data for tr in triples_of(p)]
    quads += [ox.Quad(tr.subject, tr.predicate, tr.object, ox.NamedNode(n)) for n, p in t.result_graphs
              for tr in triples_of(p)]
    return _dataset_state(quads)


def same_state(a: dict[str, Graph], b: dict[str, Graph]) -> bool:
    return a.keys() == b.keys() and all(isomorphic(a[k], b[k]) for k in a)


# --- in-process baseline ------------------------------------------------------------------------------------------


def in_process(t: EvalTest) -> bool:
    store = ox.Store()
    try:
        for p in t.data:
            store.extend(ox.Quad(tr.subject, tr.predicate, tr.object) for tr in triples_of(p))
        for name, p in t.graphs + [(f.as_uri(), f) for f in from_files(t)]:
            g = ox.NamedNode(name)
            store.extend(ox.Quad(tr.subject, tr.predicate, tr.object, g) for tr in triples_of(p))
        text = t.request.read_text(encoding="utf-8")
        if t.kind == "query":
            return same(answer_of(store.query(text, base_iri=t.request.as_uri())), expected_answer(t))
        store.update(text, base_iri=t.request.as_uri())
        return same_state(_dataset_state(list(store)), expected_state(t))
    except Exception:  # noqa: BLE001 - an engine error is a failed test
        return False


# --- through keifu --------------------------------------------------------------------------------------------------


def build_query_store(path: Path, tests: list[EvalTest]) -> None:
    """Every data file of the query tests, each in the named graph of its IRI (a test picks its dataset)."""
    files = sorted({p for t in tests if t.kind == "query" for p in t.data + [f for _, f in t.graphs] + from_files(t)})
    with Store(path) as st:
        for f in files:
            g = ox.NamedNode(f.as_uri())
            try:
                st.ox.extend(ox.Quad(tr.subject, tr.predicate, tr.object, g) for tr in triples_of(f))
            except SyntaxError:
                continue  # the in-process run fails on it too


#: keifu refuses SERVICE and LOAD unless started with --allow-service (the server would fetch any URL a client
#: names): a deliberate refusal, answered 400 ``service-disabled``, that the runner checks as such
REFUSED = "refused"


def via_keifu(client: httpx.Client, t: EvalTest) -> bool | str:
    text = f"BASE <{t.request.as_uri()}>\n" + t.request.read_text(encoding="utf-8")
    if outbound_calls(text, update=t.kind == "update"):
        r = client.post("/sparql", content=text.encode(), headers={
            "Content-Type": f"application/sparql-{t.kind}", **AUTH})
        return REFUSED if r.status_code == 400 and r.json()["error"]["code"] == "service-disabled" else False
    try:
        if t.kind == "query":
            return same(_keifu_answer(client, t, text), expected_answer(t))
        return same_state(_keifu_update(client, t, text), expected_state(t))
    except (SyntaxError, ValueError, KeyError, httpx.HTTPError):
        return False


def _keifu_answer(client: httpx.Client, t: EvalTest, text: str) -> bool | Counter | Graph | None:
    params: list[tuple[str, str]] = []
    if not names_dataset(text):  # the test's dataset, given by the protocol
        params += [("default-graph-uri", p.as_uri()) for p in t.data] or [("default-graph-uri", EMPTY_GRAPH)]
        params += [("named-graph-uri", name) for name, _ in t.graphs]
    r = client.post("/sparql", params=params, content=text.encode(),
                    headers={"Content-Type": "application/sparql-query",
                             "Accept": "application/sparql-results+json, application/n-triples"})
    if r.status_code != 200:
        return None
    if r.headers["content-type"].startswith("application/n-triples"):
        return _rdflib_graph([q for q in ox.parse(r.content, format=NT)])  # type: ignore[misc]
    return answer_of(ox.parse_query_results(r.content, format=JSON_RESULTS))


def _insert_data(t: EvalTest) -> str:
    """The update putting the test's dataset in place of everything (the default graph's data as default)."""
    default = ox.serialize([tr for p in t.data for tr in triples_of(p)], format=NT).decode()
    named = "".join(f"GRAPH <{name}> {{\n{ox.serialize(triples_of(p), format=NT).decode()}}}\n" for name, p in t.graphs)
    return f"DROP ALL ;\nINSERT DATA {{\n{default}{named}}}"


_PROLOGUE = re.compile(r"(?:\s*(?:BASE|PREFIX\s+[\w.-]*:))*\s*", re.I)  # on blanked text: IRIs are spaces


def _keifu_update(client: httpx.Client, t: EvalTest, text: str) -> dict[str, Graph]:
    # one request (one write): the data's update after the prologue, as oxigraph takes no prologue after ";"
    end = _PROLOGUE.match(blank(text)).end()  # type: ignore[union-attr]
    update = f"{text[:end]}\n{_insert_data(t)} ;\n{text[end:]}"
    r = client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update", **AUTH})
    if r.status_code != 204:
        return {"failed": Graph()}
    r = client.post("/sparql", content=b"SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                    headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    quads = [ox.Quad(s["s"], s["p"], s["o"], ox.DefaultGraph() if s["g"] == DEFAULT_GRAPH else s["g"])
             for s in ox.parse_query_results(r.content, format=JSON_RESULTS)]  # type: ignore[union-attr]
    return _dataset_state(quads)


# --- protocol and Graph Store tests ------------------------------------------------------------------------------


def _status_ok(g: Graph, resp: object, status: int) -> bool:
    codes: set[int] = set()
    for s in g.objects(resp, MF.expectedStatus):  # type: ignore[arg-type]
        name = str(s).rsplit("#", 1)[-1]
        if name.startswith("StatusCode"):
            first = int(name[len("StatusCode")])
            codes |= set(range(first * 100, first * 100 + 100))
        else:
            codes |= STATUS[name]
    return status in codes


def _headers(g: Graph, node: object) -> dict[str, str]:
    lst = g.value(node, HT.headers)  # type: ignore[arg-type]
    if lst is None:
        return {}
    return {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue)) for h in Collection(g, lst)}


def _body(g: Graph, node: object) -> str | None:
    b = g.value(node, HT.body)  # type: ignore[arg-type]
    return None if b is None else str(g.value(b, CNT.chars))


def _response_ok(g: Graph, resp: object, r: httpx.Response) -> bool:
    if not _status_ok(g, resp, r.status_code):
        return False
    ctype = r.headers.get("content-type", "").split(";")[0]
    fmt = g.value(resp, MF.expectedFormat)  # type: ignore[arg-type]
    boolean = g.value(resp, MF.expectedBoolean)  # type: ignore[arg-type]
    if fmt is not None and str(fmt) == "RDF" and ox.RdfFormat.from_media_type(ctype) is None:
        return False
    if fmt is not None and str(fmt) in ("boolean", "tabular") and ox.QueryResultsFormat.from_media_type(ctype) is None:
        return False
    if boolean is not None:
        res = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.from_media_type(ctype))
        if bool(res) is not boolean.toPython():
            return False
    expected_body = _body(g, resp)
    if expected_body is not None:  # Graph Store: the graph answered is the one stated
        if ox.RdfFormat.from_media_type(ctype) is None:
            return False
        want = _headers(g, resp).get("content-type")
        if want and r.headers.get("content-type", "").replace(" ", "").lower() != want.replace(" ", "").lower():
            return False
        got = Graph().parse(data=r.content, format="turtle")
        return isomorphic(got, Graph().parse(data=expected_body, format="turtle"))
    return True


def run_http_test(client: httpx.Client, g: Graph, t: URIRef, prefix: str, path: str) -> bool:
    """Send a protocol / Graph Store test's requests in order; True when every response is as stated."""
    variables: dict[str, str] = {}
    for req in Collection(g, g.value(g.value(t, MF.action), HT.requests)):  # type: ignore[arg-type]
        target = str(g.value(req, HT.absolutePath))
        body = _body(g, req)
        for k, v in variables.items():
            target = target.replace(k, v)
            body = body.replace(k, v) if body is not None else None
        if target.startswith(prefix):  # the manifests' endpoint path → keifu's
            target = path + target[len(prefix):]
        headers = {**_headers(g, req), **AUTH}
        r = client.request(str(g.value(req, HT.methodName)), target, headers=headers,
                           content=body.encode() if body is not None else None)
        resp = g.value(req, HT.resp)
        if not _response_ok(g, resp, r):
            return False
        location = g.value(resp, MF.expectedLocation)
        if location is not None:
            if "location" not in r.headers:
                return False
            variables[str(location)] = r.headers["location"]
    return True


def _load_graph_data(client: httpx.Client, g: Graph, t: URIRef, folder: Path) -> None:
    """A protocol test's ut:graphData, put in place of everything (one update, one write)."""
    graphs = [(str(g.value(gd, RDFS.label)), _path(g.value(gd, UT.graph))) for gd in g.objects(t, UT.graphData)]
    if not graphs:  # the test needs no data (its own updates clear what they use)
        return
    update = _insert_data(EvalTest("", "update", folder, graphs=graphs))
    r = client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update", **AUTH})
    assert r.status_code == 204, r.text


def protocol_results(client: httpx.Client) -> dict[str, bool]:
    folder = SPARQL11 / "protocol"
    g = _manifest(folder)
    out = {}
    for t in _entries(g):
        _load_graph_data(client, g, t, folder)
        out[str(t).rsplit("#", 1)[-1]] = run_http_test(client, g, t, "/sparql/", "/sparql")
    return out


def graph_store_results(client: httpx.Client) -> dict[str, bool]:
    path = SPARQL11 / "graph-store-protocol" / "manifest-indirect.ttl"
    g = Graph().parse(path, format="turtle", publicID=path.as_uri())
    out = {}
    for t in _entries(g):
        r = client.post("/sparql", content=b"DROP ALL", headers={"Content-Type": "application/sparql-update", **AUTH})
        assert r.status_code == 204, r.text
        out[str(t).rsplit("#", 1)[-1]] = run_http_test(client, g, t, "/gsp", "/store")
    return out


# --- the run -------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    baseline: dict[str, bool]
    keifu: dict[str, bool | str]
    protocol: dict[str, bool]
    graph_store: dict[str, bool]

    def table(self) -> str:
        return "\n".join([
            "| | in-process Oxigraph | keifu over HTTP |", "|---|---|---|",
            f"| query + update evaluation: {len(self.baseline)} tests | {sum(self.baseline.values())} | "
            f"{sum(v is True for v in self.keifu.values())} (+ {sum(v == REFUSED for v in self.keifu.values())} "
            "LOAD refused deliberately) |",
            f"| protocol tests ({len(self.protocol)}) | — | {sum(self.protocol.values())} |",
            f"| Graph Store Protocol tests ({len(self.graph_store)}) | — | {sum(self.graph_store.values())} |"])


def run_all(tmp: Path) -> Run:
    tests = eval_tests()
    baseline = {t.name: in_process(t) for t in tests}
    store = tmp / "store"
    build_query_store(store, tests)
    # one query worker: each update test is a write, after which the workers are replaced; the store read from
    # disk, where a query's FROM must turn off the union of graphs (memory workers: tests/test_api_dataset.py)
    with serve("--store", str(store), "--write-token", TOKEN, "--workers", "1", "--memory", "off") as base, \
            httpx.Client(base_url=base, timeout=30) as client:
        keifu = {t.name: via_keifu(client, t) for t in tests if t.kind == "query"}
        keifu |= {t.name: via_keifu(client, t) for t in tests if t.kind == "update"}
        protocol = protocol_results(client)
        graph_store = graph_store_results(client)
    return Run(baseline, {t.name: keifu[t.name] for t in tests}, protocol, graph_store)


@pytest.fixture(scope="module")
def w3c_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    _needed()
    run = run_all(tmp_path_factory.mktemp("w3c"))
    print("\n" + run.table())
    yield run


def test_evaluation_tests_pass_through_keifu_as_in_process(w3c_run: Run) -> None:
    assert len(w3c_run.baseline) > 300 and sum(w3c_run.baseline.values()) > 290  # the suites were read
    lost = [n for n, ok in w3c_run.baseline.items() if ok and not w3c_run.keifu[n]]
    assert not lost, f"pass in-process, fail through keifu: {lost}"
    refused = sorted(n for n, ok in w3c_run.keifu.items() if ok == REFUSED)
    assert refused == ["update-silent/load-into-silent", "update-silent/load-silent"], refused


def test_protocol_tests_all_pass(w3c_run: Run) -> None:
    assert len(w3c_run.protocol) == 34
    assert [n for n, ok in w3c_run.protocol.items() if not ok] == []


def test_graph_store_tests_all_pass(w3c_run: Run) -> None:
    assert len(w3c_run.graph_store) == 9
    assert [n for n, ok in w3c_run.graph_store.items() if not ok] == []


if __name__ == "__main__":
    import tempfile
    import time

    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as d:
        run = run_all(Path(d))
    print(run.table())
    print(json.dumps({"keifu_lost": [n for n, ok in run.baseline.items() if ok and not run.keifu[n]],
                      "keifu_only": [n for n, ok in run.keifu.items() if ok and not run.baseline[n]],
                      "protocol_failed": [n for n, ok in run.protocol.items() if not ok],
                      "graph_store_failed": [n for n, ok in run.graph_store.items() if not ok],
                      "seconds": round(time.monotonic() - t0, 1)}, indent=1))
    shutil.rmtree(Path(d), ignore_errors=True)
