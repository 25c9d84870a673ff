"""Lineage API over HTTP: /trace (JSON, CSV, candidates for ambiguous names), /lineage (JSON, GraphML, DOT,
SVG, the viewer page), /lineage/search and /report/coverage, on the invented lineage fixtures."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lineage_fixtures import fixture_store

from keifu.api import errors
from keifu.api.lineage import router

EX = "https://w3id.org/keifu/id/test/"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.store = fixture_store()
    return TestClient(app)


def test_trace_json_by_name(client: TestClient) -> None:
    r = client.get("/trace", params={"plan": "架空 データ活用推進計画"})
    assert r.status_code == 200
    data = r.json()
    assert data["plan"]["iri"] == EX + "P3" and data["count"] == 2
    rows = {x["iri"]: x for x in data["rows"]}
    i3 = rows[EX + "I3"]
    assert i3["kind"] == "measurement" and i3["objective_path"][-1] == "7-1-2 共有データの拡充"
    assert [e["edge"] for e in i3["evidence"]] == ["kf:hasIndicator", "kf:contributesTo", "kf:partOf", "kf:contributesTo"]
    assert all(e["file"] == "903_evaluation.txt" and e["line"] and e["quote"] for e in i3["evidence"])


def test_trace_by_iri_with_goals_and_targets(client: TestClient) -> None:
    data = client.get("/trace", params={"plan": EX + "P2", "goals": "true"}).json()
    iris = {x["iri"] for x in data["rows"]}
    assert {EX + "I1", EX + "O31", EX + "Q1"} <= iris and EX + "I2" not in iris
    i1 = [x for x in data["rows"] if x["iri"] == EX + "I1"][0]
    assert i1["targets"] == ["40か所（令和11年度）"] and i1["agency"] == "国立研究開発法人架空技術機構"
    assert i1["evidence"][-1]["line"] == 46 and "第６期架空海洋基本計画" in i1["evidence"][-1]["quote"]


def test_trace_csv_by_parameter_and_by_accept(client: TestClient) -> None:
    r = client.get("/trace", params={"plan": "架空データ活用推進計画", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {x["indicator"] for x in rows} == {EX + "I3", EX + "I4"}
    assert "904_slides.pdf:p.3:9" in [x for x in rows if x["indicator"] == EX + "I4"][0]["evidence"]
    r2 = client.get("/trace", params={"plan": "架空データ活用推進計画"}, headers={"Accept": "text/csv"})
    assert r2.text == r.text


def test_trace_ambiguous_and_unknown_names(client: TestClient) -> None:
    r = client.get("/trace", params={"plan": "架空宇宙"})
    assert r.status_code == 300
    body = r.json()
    assert {c["iri"] for c in body["candidates"]} == {EX + "S1", EX + "S2"}
    assert body["error"]["message_ja"] and body["error"]["message_en"]
    missing = client.get("/trace", params={"plan": "存在しない計画"})
    assert missing.status_code == 404 and "存在しない計画" in missing.json()["error"]["message_ja"]
    assert client.get("/trace").status_code == 422


def test_lineage_json_graphml_dot_svg(client: TestClient) -> None:
    params = {"node": "架空データ活用推進計画", "direction": "down", "depth": 5}
    data = client.get("/lineage", params={**params, "format": "json"}).json()
    ids = {n["id"] for n in data["nodes"]}
    assert {EX + "P3", EX + "G7", EX + "I3", EX + "B1", EX + "K1", EX + "I4"} <= ids
    assert all({"x", "y", "layer", "label", "class"} <= set(n) for n in data["nodes"])
    budget = [e for e in data["edges"] if e["source"] == EX + "B1"][0]
    assert budget["edge"] == "kf:contributesTo" and budget["evidence"]["line"] == 23
    g = nx.parse_graphml(client.get("/lineage", params={**params, "format": "graphml"}).text)
    assert set(g.nodes) == ids
    dot = client.get("/lineage", params={**params, "format": "dot"})
    assert dot.headers["content-type"].startswith("text/vnd.graphviz") and dot.text.count(" -> ") == len(data["edges"])
    svg = client.get("/lineage", params=params, headers={"Accept": "image/svg+xml"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.count('<g class="node"') == len(ids)
    up = client.get("/lineage", params={"node": EX + "I2", "direction": "up", "depth": 2}).json()
    assert {n["id"] for n in up["nodes"]} == {EX + "I2", EX + "O32", EX + "O3"}
    assert client.get("/lineage", params={"node": "架空宇宙"}).status_code == 300
    assert client.get("/lineage", params={"node": EX + "P3", "direction": "sideways"}).status_code == 422


def test_viewer_page_and_assets(client: TestClient) -> None:
    for r in (client.get("/lineage/view"), client.get("/lineage", headers={"Accept": "text/html"}),
              client.get("/lineage", params={"node": EX + "P3"}, headers={"Accept": "text/html,*/*"})):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "/lineage/assets/lineage.js" in r.text and "__BASE__" not in r.text
    js = client.get("/lineage/assets/lineage.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"] and "exportPNG" in js.text
    assert client.get("/lineage/assets/secret.py").status_code == 404
    page = client.get("/lineage/view").text + js.text  # no CDN: everything is served from our own files
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page


def test_search(client: TestClient) -> None:
    data = client.get("/lineage/search", params={"q": "海洋観測"}).json()
    assert {c["iri"] for c in data["candidates"]} == {EX + "O31", EX + "Q1"}
    data = client.get("/lineage/search", params={"q": "国立研究開発法人架空技術機構"}).json()
    assert data["candidates"][0]["iri"] == EX + "agencyA" and data["candidates"][0]["exact"]


def test_coverage_report(client: TestClient) -> None:
    rep = client.get("/report/coverage").json()
    assert rep["totals"]["orphan_indicators"] == 1
    assert {c["kind"] for c in rep["contradictions"]} == {"edition", "agency", "layer"}
    assert rep["plans"][0]["indicators"] >= rep["plans"][-1]["indicators"]


def test_store_from_path(tmp_path: Path) -> None:
    fixture_store("lineage_chain.ttl", path=tmp_path / "st").close()
    app = FastAPI()
    app.include_router(router)
    app.state.store = str(tmp_path / "st")
    c = TestClient(app)
    assert c.get("/trace", params={"plan": "架空イノベーション総合戦略"}).json()["count"] == 2
    app2 = FastAPI()
    app2.include_router(router)
    errors.install(app2)  # as create_app does
    app2.state.store = str(tmp_path / "nowhere")
    r = TestClient(app2).get("/trace", params={"plan": "x"})
    assert r.status_code == 503 and r.json()["error"]["message_ja"]
