"""The lineage view that reads (issue 18 item 3): one level first with a count of what is left out, expansion of
chosen nodes, filters by kind and agency, edges in words (JSON, SVG, DOT), agencies drawn by IRI or by a name
that also matches their documents; in the API, the CLI and the viewer."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lineage_fixtures import fixture_store

from keifu.api.lineage import router
from keifu.graph.lineage import index_for
from keifu.graph.lineage.render import EDGE_WORDS, resolve_node, subgraph, to_dot, to_json, to_svg
from keifu.graph.store import Store

EX = "https://w3id.org/keifu/id/test/"


@pytest.fixture(scope="module")
def idx():
    return index_for(fixture_store())


def test_one_level_then_expand(idx) -> None:
    one = to_json(subgraph(idx, EX + "P3", "down", 1))
    below = set(idx.graph.predecessors(EX + "P3"))
    assert {n["id"] for n in one["nodes"]} == {EX + "P3", *below}
    for n in one["nodes"]:  # what each node leaves out is counted
        assert n["more"] == sum(1 for m in idx.graph.predecessors(n["id"]) if m not in below | {EX + "P3"})
    grow = next(n for n in one["nodes"] if n["more"])
    two = to_json(subgraph(idx, EX + "P3", "down", 1, expand=[grow["id"]]))
    assert {n["id"] for n in two["nodes"]} == {n["id"] for n in one["nodes"]} | set(idx.graph.predecessors(grow["id"]))
    assert next(n for n in two["nodes"] if n["id"] == grow["id"])["more"] == 0


def test_filters_by_kind_and_agency(idx) -> None:
    full = to_json(subgraph(idx, EX + "P3", "down", 6))
    classes = {n["class"] for n in full["nodes"]}
    assert "Indicator" in classes
    no_ind = to_json(subgraph(idx, EX + "P3", "down", 6, hide=["Indicator"]))
    assert no_ind["nodes"] and all(n["class"] != "Indicator" for n in no_ind["nodes"])
    only = to_json(subgraph(idx, EX + "P3", "down", 6, kinds=["NationalPlan", "Indicator"]))
    assert {n["class"] for n in only["nodes"]} <= {"NationalPlan", "Indicator"}
    agencies = sorted({n["agency"] for n in full["nodes"] if n.get("agency")})
    assert agencies
    one = to_json(subgraph(idx, EX + "P3", "down", 6, agency=agencies[0]))
    assert {n.get("agency") for n in one["nodes"]} <= {agencies[0], None}


def test_edges_in_words(idx) -> None:
    view = subgraph(idx, EX + "P3", "down", 6)
    data = to_json(view)
    for e in data["edges"]:
        prop = e["edge"].removeprefix("kf:")
        assert (e["label"], e["label_en"]) == EDGE_WORDS[prop]
    assert any(e["label"] == "の指標" for e in data["edges"])
    up = subgraph(idx, EX + "agencyA", "up", 6)  # an agency's documents up to the plans they rest on
    assert any(e["label"] == "に基づく" for e in to_json(up)["edges"])
    svg, dot = to_svg(up), to_dot(up)
    assert svg.count('class="edge-label"') == up.graph.number_of_edges() and ">に基づく</text>" in svg
    assert 'label="に基づく"' in dot and 'label="kf:' not in dot


def test_agency_by_iri_in_the_api(idx) -> None:
    app = FastAPI()
    app.include_router(router)
    app.state.store = idx.store
    c = TestClient(app)
    r = c.get("/lineage", params={"node": EX + "agencyA", "format": "json", "direction": "up"})
    assert r.status_code == 200
    body = r.json()
    assert body["node"]["class"] == "Agency" and any(n["class"] == "Agency" for n in body["nodes"])
    hidden = c.get("/lineage", params={"node": EX + "P3", "format": "json", "direction": "down", "depth": 6,
                                       "hide": "Indicator"}).json()
    assert all(n["class"] != "Indicator" for n in hidden["nodes"])
    grown = c.get("/lineage", params=[("node", EX + "P3"), ("format", "json"), ("direction", "down"), ("depth", "1"),
                                      ("expand", EX + "G7")]).json()
    assert set(idx.graph.predecessors(EX + "G7")) <= {n["id"] for n in grown["nodes"]}


def test_agency_name_matching_its_documents_too(corpus, tmp_path) -> None:
    """「日本医療研究開発機構」 names the agency, its objectives and its founding law: the agency is drawn."""
    from keifu.graph.build import build

    with Store(tmp_path / "st") as st:
        list(build([corpus], st, validate=False))
        cand = resolve_node(index_for(st), "日本医療研究開発機構")
        assert cand.cls == "Agency" and cand.label.endswith("日本医療研究開発機構")
