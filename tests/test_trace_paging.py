"""/trace from the persistent trace index, in the server (no workers) and in the time-limited query workers: the
same answers as the live trace, pages by offset/limit, the whole answer streamed, a stale index never served."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lineage_fixtures import fixture_store

from keifu.api import errors
from keifu.api.app import create_app
from keifu.api.backend import LocalBackend
from keifu.api.lineage import router
from keifu.graph.lineage import index_for
from keifu.graph.lineage.trace import trace
from keifu.graph.lineage.trace_index import INDEX_FILE, build_index
from keifu.graph.store import Store

EX = "https://w3id.org/keifu/id/test/"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trace") / "store"
    store = fixture_store(path=path)
    store.begin_build()
    build_index(store)
    store.end_build()
    store.close()
    return path


@pytest.fixture(scope="module")
def live(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The same store without its index: /trace answers from the live lineage index."""
    copy = tmp_path_factory.mktemp("live") / "store"
    shutil.copytree(store_dir, copy)
    (copy / INDEX_FILE).unlink()
    app = FastAPI()
    app.include_router(router)
    app.state.store = Store(copy)
    return TestClient(app)


@pytest.fixture(scope="module")
def indexed(store_dir: Path) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    errors.install(app)
    app.state.store = Store(store_dir, read_only=True)
    return TestClient(app)


QUERIES = [EX + "P2", EX + "P3", "架空データ活用推進計画", "架空 データ活用推進計画", "国立研究開発法人架空技術機構", "架空宇宙",
           "存在しない計画"]


def _strip(body: dict) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in body.items() if k not in ("total", "offset", "next_offset")}


@pytest.mark.parametrize("params", [{}, {"goals": "true"}, {"all": "true"}, {"evidence": "false"}])
def test_streamed_answer_equals_the_live_one(indexed: TestClient, live: TestClient, params: dict) -> None:  # type: ignore[type-arg]
    seen = 0
    for q in QUERIES:
        a = indexed.get("/trace", params={"plan": q, **params})
        b = live.get("/trace", params={"plan": q, **params})
        assert a.status_code == b.status_code, q
        if a.status_code == 200:  # streamed from the index (no length known up front), the live one is not
            assert "content-length" not in a.headers and "content-length" in b.headers
        assert _strip(a.json()) == _strip(b.json()), q
        ca = indexed.get("/trace", params={"plan": q, "format": "csv", **params})
        assert ca.text == live.get("/trace", params={"plan": q, "format": "csv", **params}).text, q
        seen += a.status_code == 200 and bool(a.json()["rows"])
    assert seen >= 3


def test_streamed_in_parts_of_one_row(indexed: TestClient, live: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of one row: the stream is put together from many worker jobs; the live answer still comes whole."""
    import keifu.api.lineage as api

    monkeypatch.setattr(api, "FIRST_PART", 1)
    monkeypatch.setattr(api, "NEXT_PART", 1)
    for params in ({"plan": EX + "P2", "goals": "true", "all": "true"}, {"plan": "架空データ活用推進計画", "offset": 1}):
        a, b = indexed.get("/trace", params=params).json(), live.get("/trace", params=params).json()
        assert len(b["rows"]) >= 1 and _strip(a) == _strip(b), params
        ca = indexed.get("/trace", params={**params, "format": "csv"}).text
        assert ca == live.get("/trace", params={**params, "format": "csv"}).text


def test_pages_by_offset_and_limit(indexed: TestClient, store_dir: Path) -> None:
    store = Store(store_dir, read_only=True)
    plan = max(index_for(store).plans(), key=lambda p: len(trace(index_for(store), p, everything=True).rows))
    full = indexed.get("/trace", params={"plan": plan, "all": "true"}).json()
    assert full["total"] == full["count"] == len(full["rows"]) >= 2 and full["next_offset"] is None
    got, offset = [], 0
    while offset is not None:
        page = indexed.get("/trace", params={"plan": plan, "all": "true", "limit": 1, "offset": offset}).json()
        assert page["total"] == full["total"] and page["count"] == len(page["rows"]) == 1
        got += page["rows"]
        offset = page["next_offset"]
    assert got == full["rows"]
    lines = list(csv.reader(io.StringIO(indexed.get("/trace", params={
        "plan": plan, "all": "true", "limit": 1, "offset": 1, "format": "csv"}).text)))
    assert lines[0][0] == "indicator" and [r[0] for r in lines[1:]] == [full["rows"][1]["iri"]]
    bad = indexed.get("/trace", params={"plan": plan, "offset": -1})
    assert bad.status_code == 422


def test_stale_index_is_not_served(store_dir: Path, tmp_path: Path) -> None:
    """An index of another build: the answer comes from the live index (a row renamed since shows the new name)."""
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    store = Store(copy)
    plan = EX + "P3"
    row = trace(index_for(store), plan).rows[0]
    store.ox.update("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                    f'DELETE {{ GRAPH ?g {{ <{row.node}> rdfs:label ?l }} }} INSERT {{ GRAPH ?g {{ <{row.node}> '
                    f'rdfs:label "改名した指標" }} }} WHERE {{ GRAPH ?g {{ <{row.node}> rdfs:label ?l }} }}')
    from keifu.graph.lineage import materialise

    store.begin_build()  # another build: the old index no longer matches its stamp
    materialise(store)
    store.end_build()
    app = FastAPI()
    app.include_router(router)
    app.state.store = store
    body = TestClient(app).get("/trace", params={"plan": plan}).json()
    assert "改名した指標" in [r["label"] for r in body["rows"]]


def test_trace_runs_in_the_query_workers_with_their_time_limit(store_dir: Path, tmp_path: Path) -> None:
    with TestClient(create_app(LocalBackend(store_dir, workers=1))) as c:
        r = c.get("/trace", params={"plan": "架空データ活用推進計画"})
        assert r.status_code == 200 and {x["iri"] for x in r.json()["rows"]} == {EX + "I3", EX + "I4"}
        assert "content-length" not in r.headers  # streamed from the index
        assert c.get("/trace", params={"plan": "架空宇宙"}).status_code == 300
        assert c.get("/trace", params={"plan": "架空データ活用推進計画", "limit": 1}).json()["next_offset"] == 1
        lineage = c.get("/lineage", params={"node": EX + "P3", "format": "json"})
        assert lineage.status_code == 200 and lineage.json()["node"]["iri"] == EX + "P3"
        dot = c.get("/lineage", params={"node": EX + "P3"}, headers={"Accept": "text/vnd.graphviz"})
        assert dot.status_code == 200 and dot.text.startswith("digraph")
        assert c.get("/lineage/search", params={"q": "架空"}).json()["candidates"]
        assert "plans" in c.get("/report/coverage").json()
    # without its index the live lineage index answers, in the worker: a time limit it cannot meet stops it
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    (copy / INDEX_FILE).unlink()
    with TestClient(create_app(LocalBackend(copy, workers=1, timeout=0.001))) as c:
        r = c.get("/trace", params={"plan": "架空データ活用推進計画"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "timeout"
        assert r.json()["error"]["message_ja"]
        assert c.get("/report/coverage").status_code == 503  # the lineage index is loaded in the worker too
