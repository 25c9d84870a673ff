"""The analyst's pages through FastAPI's TestClient on a store of invented documents: every page answers,
names link to their pages, IRIs are shown decoded, the trace table filters and downloads, the indicator's
yearly values are drawn as SVG, and nothing on a page points outside the server."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pages_fixtures import build_pages_store

from keifu.api import docs, pages
from keifu.api.lineage import router as lineage_router
from keifu.graph.store import Store
from keifu.graph.vocab import sparql_prefixes

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    st = Store(build_pages_store(tmp_path_factory.mktemp("pages")))
    yield st
    st.close()


@pytest.fixture(scope="module")
def client(store: Store) -> TestClient:
    app = FastAPI(docs_url=None, redoc_url=None)
    app.include_router(pages.router)
    app.include_router(lineage_router)
    docs.install(app)
    app.state.store = store
    return TestClient(app)


def _one(store: Store, q: str) -> dict[str, str]:
    rows = list(store.select(sparql_prefixes() + q))
    assert rows, q
    return rows[0]


def _links(html: str, page: str) -> list[str]:
    """The IRIs that links to ``/page?iri=`` carry (as stored)."""
    return [parse_qs(urlsplit(h.replace("&amp;", "&")).query)["iri"][0]
            for h in re.findall(rf'href="(/{page}\?iri=[^"]+)"', html)]


def _no_outside(html: str) -> None:
    """No src/href to another host (links in text, such as an IRI shown, are not fetched)."""
    for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not attr.startswith(("http:", "https:", "//")), attr


def test_home_counts_and_links(client: TestClient, store: Store) -> None:
    r = client.get("/home")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    n_ind = _one(store, "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a kf:Indicator }")["n"]
    assert re.search(rf"<dt>指標 / indicators</dt><dd>{n_ind}</dd>", r.text)
    agencies = {r["l"] for r in store.select(sparql_prefixes() + "SELECT DISTINCT ?l WHERE { ?a a kf:Agency ; rdfs:label ?l }")}
    for name in agencies:
        assert f">{name}</a>" in r.text  # every agency named, as a link
    assert _links(r.text, "document") and _links(r.text, "agency")
    assert 'action="/search"' in r.text  # the search box
    top = _one(store, """SELECT ?p WHERE { ?i a kf:Indicator ; kf:tracesTo ?p } GROUP BY ?p
                         ORDER BY DESC(COUNT(DISTINCT ?i)) ?p LIMIT 1""")["p"]
    assert _links(r.text.split("Plans most indicators trace to")[1], "plan")[0] == top
    _no_outside(r.text)


def test_plan_register_counts(client: TestClient, store: Store) -> None:
    r = client.get("/plans")
    assert r.status_code == 200
    plans = _links(r.text, "plan")
    n_plans = _one(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kf:NationalPlan ; rdfs:label ?l }")["n"]
    assert len(plans) == int(n_plans)
    # the first row is the plan most indicators trace to, and its count is the store's
    top = _one(store, """SELECT ?p (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a kf:Indicator ; kf:tracesTo ?p }
                         GROUP BY ?p ORDER BY DESC(?n) LIMIT 1""")
    row = r.text.split("<tbody>")[1].split("</tr>")[0]
    assert top["p"] in _links(row, "plan")
    assert row.endswith(f"<td>{top['n']}</td>")
    assert "https://w3id.org/keifu/id/plan/%" not in r.text.replace("href=", "")  # titles/IRIs shown decoded
    kinds = {k["k"].rsplit("/", 1)[-1] for k in store.select(sparql_prefixes() + "SELECT DISTINCT ?k WHERE { ?p kf:planKind ?k }")}
    assert "basic-plan" in kinds and "<td>基本計画 / basic plan</td>" in r.text  # kinds by their SKOS labels
    assert not any(f"<td>{k}</td>" in r.text for k in kinds)


def test_plan_page_trace_filters_and_downloads(client: TestClient, store: Store) -> None:
    plan = _one(store, """SELECT ?p (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a kf:Indicator ; kf:tracesTo ?p }
                          GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 1""")
    r = client.get("/plan", params={"iri": plan["p"]})
    assert r.status_code == 200
    assert unquote(plan["p"]) in r.text  # the IRI, readable
    inds = set(_links(r.text.split("Indicators that trace to it")[1], "indicator"))
    expected = {x["i"] for x in store.select(sparql_prefixes() + f"SELECT ?i WHERE {{ ?i a kf:Indicator ; kf:tracesTo <{plan['p']}> }}")}
    assert expected == inds
    assert "/lineage/view?node=" in r.text
    # filter by agency: every row left is of that agency
    agencies = re.findall(r'<option value="([^"]+)"', r.text.split('name="agency"')[1].split("</select>")[0])
    assert agencies
    f = client.get("/plan", params={"iri": plan["p"], "agency": agencies[0]})
    shown = f.text.split("<tbody>")[-1]
    assert shown.count("<tr>") >= 1 and all(agencies[0] in row for row in shown.split("</tr>")[:-1])
    # downloads: CSV with a BOM and XLSX, the same rows
    c = client.get("/plan/trace.csv", params={"iri": plan["p"]})
    assert c.content.startswith(b"\xef\xbb\xbf") and "attachment" in c.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == expected
    x = client.get("/plan/trace.xlsx", params={"iri": plan["p"]})
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert [c.value for c in ws[1]] == rows[0]
    assert {ws.cell(row=i, column=1).value for i in range(2, ws.max_row + 1)} == expected
    xf = client.get("/plan/trace.xlsx", params={"iri": plan["p"], "agency": agencies[0]})
    assert openpyxl.load_workbook(io.BytesIO(xf.content)).active.max_row <= ws.max_row


def test_indicator_page_chart_and_source(client: TestClient, store: Store) -> None:
    ind = _one(store, """SELECT ?i ?l (COUNT(?o) AS ?n) WHERE { ?i a kf:Indicator ; rdfs:label ?l ; kf:hasObservation ?o ;
                         kf:tracesTo ?p . ?o kf:value ?v } GROUP BY ?i ?l ORDER BY DESC(?n) ?i LIMIT 1""")
    r = client.get("/indicator", params={"iri": ind["i"]})
    assert r.status_code == 200 and f"<h1>{ind['l']}</h1>" in r.text
    svg = r.text.split('<svg class="chart"')[1].split("</svg>")[0]
    years = {x["y"] for x in store.select(sparql_prefixes() + f"""SELECT ?y WHERE {{ <{ind['i']}> kf:hasObservation ?o .
             ?o kf:value ?v . {{ ?o kf:fiscalYear ?y }} UNION {{ ?o kf:calendarYear ?y }} }}""")}
    assert svg.count('<circle cx="') >= len(years)  # one point a year (and target marks)
    for y in years:
        assert f">{y}</text>" in svg
    plans = {p["p"] for p in store.select(sparql_prefixes() + f"SELECT DISTINCT ?p WHERE {{ <{ind['i']}> kf:tracesTo ?p }}")}
    assert set(_links(r.text.split("Plans it serves")[1], "plan")) == plans
    # the source line: file and line, then the source page shows the quote at that line
    prov = _one(store, f"""PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?file ?line ?q WHERE {{
        <{ind['i']}> kf:line ?line ; kf:quote ?q ; prov:wasDerivedFrom/dcterms:title ?file }}""")
    assert f"{prov['file']}" in r.text and f"l.{prov['line']}" in r.text
    src = client.get("/source", params={"iri": ind["i"]})
    assert src.status_code == 200
    assert f"<dt>行 / line</dt><dd>{prov['line']}" in src.text
    assert 'id="here"' in src.text and prov["q"].split("\n")[0][:20] in src.text
    _no_outside(r.text)


def test_agency_and_document_pages(client: TestClient, store: Store) -> None:
    ag = _one(store, """SELECT ?a ?l (COUNT(DISTINCT ?o) AS ?n) WHERE { ?a a kf:Agency ; rdfs:label ?l . ?d kf:setFor ?a .
                        ?o kf:inDocument ?d ; a kf:Goal } GROUP BY ?a ?l ORDER BY DESC(?n) ?a LIMIT 1""")
    r = client.get("/agency", params={"iri": ag["a"]})
    assert r.status_code == 200 and ag["l"] in r.text
    docs_ = _links(r.text, "document")
    assert docs_ and "/lineage/view?node=" in r.text
    plans = {p["p"] for p in store.select(sparql_prefixes() + f"""SELECT DISTINCT ?p WHERE {{ ?d kf:setFor <{ag['a']}> .
             ?n kf:inDocument ?d ; kf:tracesTo ?p }}""")}
    assert set(_links(r.text.split("Plans it rests on")[1].split("<h2>")[0], "plan")) == plans
    d = client.get("/document", params={"iri": docs_[0]})
    assert d.status_code == 200
    goals = list(store.select(sparql_prefixes() + f"""SELECT ?o ?l ?line WHERE {{ ?o kf:inDocument <{docs_[0]}> ;
                  a kf:Goal ; rdfs:label ?l ; kf:line ?line }}"""))
    assert goals
    tree = d.text.split('<ul class="tree">')[1]
    for g in goals:  # every objective in the tree, with its line and a link to its source
        assert f">{g['l']}</a>" in tree
    assert tree.count('class="src"') == len({g["o"] for g in goals})


def test_search_html_json_and_fallback(client: TestClient) -> None:
    j = client.get("/search", params={"q": "見学プログラム", "format": "json"}).json()
    assert j["hits"] and "見学プログラム" in j["hits"][0]["label"]
    assert j["hits"][0]["kind"] == "indicator"
    assert client.get(j["hits"][0]["page"]).status_code == 200  # each hit names its page
    by_accept = client.get("/search", params={"q": "灯台"}, headers={"Accept": "application/json"}).json()
    assert by_accept["count"] >= 5 and all("灯台" in (h["label"] + h["snippet"]) for h in by_accept["hits"])
    html = client.get("/search", params={"q": "灯台"}).text
    assert html.count('<li class="hit ') == by_accept["count"]
    assert 'value="灯台"' in html  # the box keeps the query
    assert client.get("/search", params={"q": "存在しない語句です"}).text.count('<li class="hit ') == 0


def test_node_redirects_and_unknown(client: TestClient, store: Store) -> None:
    plan = _one(store, "SELECT ?p WHERE { ?p a kf:NationalPlan } LIMIT 1")["p"]
    r = client.get("/node", params={"iri": plan}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/plan?iri=")
    goal = _one(store, "SELECT ?o WHERE { ?o a kf:Objective } LIMIT 1")["o"]
    assert client.get("/node", params={"iri": goal}, follow_redirects=False).headers["location"].startswith("/objective?")
    assert client.get("/objective", params={"iri": goal}).status_code == 200
    body = _one(store, "SELECT ?b ?l WHERE { ?p kf:decidedBy ?b . ?b rdfs:label ?l } LIMIT 1")
    page = client.get("/node", params={"iri": body["b"]})  # no page of its own: its statements, linked
    assert page.status_code == 200 and f"<h1>{body['l']}</h1>" in page.text
    decided = {r["p"] for r in store.select(sparql_prefixes() + f"SELECT ?p WHERE {{ ?p kf:decidedBy <{body['b']}> }}")}
    assert decided <= set(_links(page.text, "node"))
    assert body["b"] in _links(client.get("/plans").text, "node")  # the register links deciding bodies
    for dl in ("/plan/trace.csv", "/plan/trace.xlsx"):
        r = client.get(dl, params={"iri": "https://example.org/none"})
        assert r.status_code == 404 and r.json()["error"]["message_ja"] and r.json()["error"]["message_en"]
    for page in ("plan", "agency", "document", "indicator", "source", "node"):
        assert client.get(f"/{page}", params={"iri": "https://example.org/none"}).status_code == 404
        assert client.get(f"/{page}", params={"iri": "bad>iri"}).status_code == 404


def test_docs_offline(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    if docs.swagger_dir() is None:
        assert "/plans" in r.text  # the fallback lists the routes
        return
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", r.text) + re.findall(r"url: '([^']+)'", r.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    for u in urls:
        assert client.get(u).status_code == 200, u
    assert "validatorUrl" in r.text


def test_pages_of_a_store_at_a_path(store: Store) -> None:
    """The pages open the store themselves when the app was given a path (as keifu serve with a remote backend)."""
    app = FastAPI()
    app.include_router(pages.router)
    app.state.store = str(store.path)
    r = TestClient(app).get("/plans")
    assert r.status_code == 200 and _links(r.text, "plan")


def test_other_editions_of_a_plan() -> None:
    import pyoxigraph as ox

    st = Store()
    kf, ex = "https://w3id.org/keifu/ns#", "https://w3id.org/keifu/id/plan/"
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    names = {"a": "第2期架空灯台保全計画", "b": "第３期架空灯台保全計画", "c": "架空灯台保全計画", "d": "第2期架空港湾計画"}
    st.ox.extend([q for k, n in names.items() for q in (
        ox.Quad(ox.NamedNode(ex + k), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(kf + "NationalPlan")),
        ox.Quad(ox.NamedNode(ex + k), label, ox.Literal(n)))])
    got = pages._editions(st, ex + "a", names["a"])
    assert [(r["l"], r["e"]) for r in got] == [("架空灯台保全計画", None), ("第３期架空灯台保全計画", "3")]
    assert pages._editions(st, ex + "d", names["d"]) == []


def test_register_follows_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers kept per store state are made again once the store changes (here: a document added)."""
    import shutil

    from conftest import SAMPLES
    from pages_fixtures import FIXTURES

    from keifu.graph.build import build

    monkeypatch.setattr(pages, "RECHECK", 0.0)
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    with Store(tmp_path / "st") as st:
        list(build([src], st, validate=False, jobs=1))
        app = FastAPI()
        app.include_router(pages.router)
        app.state.store = st
        c = TestClient(app)
        before = len(_links(c.get("/plans").text, "plan"))
        assert before == len(_links(c.get("/plans").text, "plan"))
        shutil.copy(FIXTURES / "slides_deck.txt", src / "slides_deck.txt")
        list(build([src / "slides_deck.txt"], st, validate=False, jobs=1))
        n = int(_one(st, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kf:NationalPlan ; rdfs:label ?l }")["n"])
        assert n > before and len(_links(c.get("/plans").text, "plan")) == n
