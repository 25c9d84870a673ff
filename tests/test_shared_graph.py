"""Facts about shared nodes (plans, laws, bodies, agencies …) are stored once, in the shared graph (issue 19).

Two objectives documents of fictional agencies cite the same fictional strategy; each file's graph keeps what it
says about its own nodes, the strategy's label and kind live once in the shared graph, and they leave it exactly
when no file states them any more.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from conftest import REPO

from keifu.graph.build import build
from keifu.graph.shared import SHARED_GRAPH, split_ntriples
from keifu.graph.store import Store
from keifu.graph.vocab import ID_BASE, mint

DRAFT = (REPO / "tests" / "fixtures" / "draft_midterm_good.txt").read_text(encoding="utf-8")
PLAN = "架空港湾振興戦略"
OTHER = "架空河川振興戦略"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def _write(folder: Path, name: str, agency: str, plan: str = PLAN) -> Path:
    p = folder / name
    p.write_text(DRAFT.replace("架空港湾交流機構", agency).replace(PLAN, plan), encoding="utf-8")
    return p


def _build(store: Store, *files: Path) -> None:
    results = list(build(files, store, validate=False, jobs=1))
    assert all(r.error is None for r in results), [r.error for r in results]


def _label_graphs(store: Store, plan: str) -> list[str]:
    """The graphs stating the plan's label, one entry per stored copy."""
    return sorted(q.graph_name.value for q in store.ox.quads_for_pattern(ox.NamedNode(str(mint("plan", plan))),
                                                                           LABEL, None))


def _triples(store: Store) -> set[str]:
    """Every distinct triple of the store, wherever stored, but the lineage digest (it hashes the layout)."""
    return {str(q.triple) for q in store.ox if "terms/identifier" not in q.predicate.value}


def test_a_plan_cited_by_two_files_is_described_once(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.txt", "架空港湾交流機構")
    b = _write(tmp_path, "b.txt", "架空河川交流機構")
    with Store(tmp_path / "shared") as store:
        _build(store, a, b)
        assert _label_graphs(store, PLAN) == [str(SHARED_GRAPH)]
        for g in store.graphs():  # no file graph states a fact the shared graph holds
            if g.startswith(f"{ID_BASE}source/"):
                own = {str(q.triple) for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))}
                shared = {str(q.triple) for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(
                    str(SHARED_GRAPH)))}
                assert not own & shared
        with_shared = _triples(store)
    with Store(tmp_path / "per-file", share=False) as old:  # the layout before: every file its own copy
        _build(old, a, b)
        assert len(_label_graphs(old, PLAN)) == 2
        assert _triples(old) == with_shared  # the same facts, each stored once


def test_a_fact_leaves_when_its_last_file_stops_stating_it(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.txt", "架空港湾交流機構")
    b = _write(tmp_path, "b.txt", "架空河川交流機構")
    with Store(tmp_path / "s") as store:
        _build(store, a, b)
        _build(store, _write(tmp_path, "b.txt", "架空河川交流機構", OTHER))  # b now cites another strategy
        assert _label_graphs(store, PLAN) == [str(SHARED_GRAPH)]  # a still cites it
        assert _label_graphs(store, OTHER) == [str(SHARED_GRAPH)]
        _build(store, _write(tmp_path, "a.txt", "架空港湾交流機構", OTHER))
        assert _label_graphs(store, PLAN) == []  # nobody cites it any more
        assert _label_graphs(store, OTHER) == [str(SHARED_GRAPH)]
    with Store(tmp_path / "s") as again:  # the record is kept beside the store, across opens
        again.ox.remove_graph(ox.NamedNode(f"{ID_BASE}source/a.txt"))
        again.sync_shared()
        assert _label_graphs(again, OTHER) == [str(SHARED_GRAPH)]  # b states it still
        again.sync_shared(forget=[f"{ID_BASE}source/b.txt"])  # b replaced by a writer: it states nothing shared
        assert _label_graphs(again, OTHER) == []


def test_rebuilding_gives_the_same_graph(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.txt", "架空港湾交流機構")
    b = _write(tmp_path, "b.txt", "架空河川交流機構")
    dumps = []
    for k in range(2):
        with Store(tmp_path / f"s{k}") as store:
            _build(store, *([a, b] if k == 0 else [b, a]))
            _build(store, a)  # a rebuild changes nothing
            dumps.append(sorted(str(q) for q in store.ox))
    assert dumps[0] == dumps[1]


def test_split_keeps_provenance_and_the_files_own_nodes() -> None:
    plan, doc = f"<{ID_BASE}plan/X>", f"<{ID_BASE}doc/f/1>"
    lines = [
        f'{plan} <http://www.w3.org/2000/01/rdf-schema#label> "X"@ja .\n',  # shared
        f"{plan} <https://w3id.org/keifu/ns#planKind> <https://w3id.org/keifu/ns/concept/plan-kind/strategy> .\n",
        f"{plan} <https://w3id.org/keifu/ns#basedOn> <{ID_BASE}law/Y> .\n",  # shared node to shared node
        f'{plan} <https://w3id.org/keifu/ns#line> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',  # provenance
        f"{plan} <https://w3id.org/keifu/ns#hasCitation> <{ID_BASE}doc/f/1/cite/1> .\n",  # the file's own node
        f"{plan} <https://w3id.org/keifu/ns#note> _:b0 .\n",  # a blank node is the file's
        f'{doc} <http://www.w3.org/2000/01/rdf-schema#label> "D"@ja .\n',
    ]
    own, shared = split_ntriples("".join(lines).encode())
    assert shared.decode() == "".join(lines[:3])
    assert own.decode() == "".join(lines[3:])
    assert split_ntriples(own) == (own, b"")


def test_writes_through_the_api_take_back_what_a_file_stated(tmp_path: Path) -> None:
    """Through a live server: deleting a file's graph, or replacing it, takes back its shared facts (a fact
    another file still states stays), and the lineage and /trace follow at once (they answered from the deleted
    file before)."""
    import httpx
    from test_api_fixtures import TOKEN, serve

    with Store(tmp_path / "s") as store:
        _build(store, _write(tmp_path, "a.txt", "架空港湾交流機構"), _write(tmp_path, "b.txt", "架空河川交流機構"))
    ask = f"ASK {{ <{mint('plan', PLAN)}> <{LABEL.value}> ?l }}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with serve("--store", str(tmp_path / "s"), "--write-token", TOKEN, "--workers", "1") as url:
        def stated() -> bool:
            r = httpx.get(f"{url}/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200, r.text
            return bool(r.json()["boolean"])

        def traced() -> tuple[int, set[str]]:
            """The trace's total, and the files its rows come from."""
            r = httpx.get(f"{url}/trace", params={"plan": PLAN, "limit": 100})
            assert r.status_code == 200, r.text
            files = {f for f in ("a.txt", "b.txt") if f in r.text}
            return r.json()["total"], files

        assert stated()
        total, files = traced()
        assert total > 0 and files == {"a.txt", "b.txt"}
        r = httpx.delete(f"{url}/store", params={"graph": f"{ID_BASE}source/a.txt"}, headers=auth)
        assert r.status_code == 204, r.text
        assert stated()  # b states it still
        after, files = traced()
        assert 0 < after < total and files == {"b.txt"}
        r = httpx.post(f"{url}/sparql", headers={"Content-Type": "application/sparql-update", **auth},
                       content=f"DROP GRAPH <{ID_BASE}source/b.txt>".encode())
        assert r.status_code == 204, r.text
        assert not stated()  # no file cites the strategy any more: /trace knows no such plan
        r = httpx.get(f"{url}/trace", params={"plan": PLAN, "limit": 100})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not-found"
