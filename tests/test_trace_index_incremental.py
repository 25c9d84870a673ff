"""A trace index brought up to date after a build (only the answers whose inputs changed recomputed) equals an
index written anew from the same store: after adding, replacing and removing a file, after a change that only a
quote shows, after a cross-file change with no file rewritten, and a rewrite with the same content recomputes
nothing."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pyoxigraph as ox
from lineage_fixtures import FIXTURES

from keifu.graph.attribution import attribute
from keifu.graph.build import graph_digest
from keifu.graph.lineage import LineageIndex, index_for, materialise, stored_digest
from keifu.graph.lineage.trace_index import _WBITS, INDEX_FILE, build_index, reuse_attributions, update_index
from keifu.graph.store import Store

BASE = "https://w3id.org/keifu/id/test/graph/"
_REUSED: list[tuple[int, int]] = []  # (plans whose attributions were reused, plans) of each step


def _answers(path: Path) -> dict[str, object]:
    """Everything a reader can get from an index file, independent of where rows and steps sit in it."""
    conn = sqlite3.connect(path)
    steps = dict(conn.execute("SELECT id, json FROM steps"))
    out: dict[str, object] = {}
    for key, iri, label, cls, kind, edition, agency, first, n, totals in conn.execute("SELECT * FROM subjects"):
        rows = [(node, ind, dflt, ag, zlib.decompress(head, _WBITS).decode(),
                 [steps[int(i)] for i in ev.split(",")] if ev else [])
                for node, ind, dflt, ag, head, ev in conn.execute(
                    "SELECT node, ind, dflt, agency, head, ev FROM rows WHERE id >= ? AND id < ? ORDER BY id",
                    (first, first + n))]
        out[key] = (iri, label, cls, kind, edition, agency, json.loads(totals), rows)
    out["names"] = sorted(conn.execute("SELECT * FROM names"))
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    out["meta"] = {k: v for k, v in meta.items() if k not in ("build", "answers_written", "plan_rows_computed")}
    conn.close()
    return out


def _written(path: Path, what: str = "answers_written") -> int:
    conn = sqlite3.connect(path)
    n = int(dict(conn.execute("SELECT key, value FROM meta"))[what])
    conn.close()
    return n


def _plan_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    n = conn.execute("SELECT COUNT(*) FROM rows WHERE id IN (SELECT id FROM rows r JOIN subjects s ON r.id >= s.first "
                     "AND r.id < s.first + s.rows AND s.agency = 0)").fetchone()[0]
    conn.close()
    return int(n)


def _triples(name: str, edit: tuple[str, str] | None = None) -> tuple[list[ox.Triple], str]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in text
        text = text.replace(*edit)
    triples = list(ox.parse(text, format=ox.RdfFormat.TURTLE))
    return triples, graph_digest(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def _put(store: Store, name: str, edit: tuple[str, str] | None = None) -> dict[str, str]:
    triples, digest = _triples(name, edit)
    store.replace_triples(BASE + name, triples)
    return {BASE + name: digest}


def _step(store: Store, written: dict[str, str], tmp: Path) -> int:
    """One build's closing steps: materialise, update the index; check it against a fresh one. The answers
    recomputed."""
    reused: list[int] = []
    materialise(store, reuse=lambda idx: reused.append(reuse_attributions(store, idx, written)))
    update_index(store, written)
    _REUSED.append((reused[0], len(index_for(store).plans())))
    # the attributions reused are those a fresh lineage index computes, and so are the lineage graph and digest
    idx, again = index_for(store), LineageIndex.load(store)
    assert {p: attribute(idx, p) for p in idx.plans()} == {p: attribute(again, p) for p in again.plans()}
    digest = stored_digest(store)
    assert not materialise(store).changed_nodes and stored_digest(store) == digest
    fresh = tmp / "fresh.sqlite"
    fresh.unlink(missing_ok=True)
    build_index(store, path=fresh)
    assert _answers(Path(store.path) / INDEX_FILE) == _answers(fresh)  # type: ignore[arg-type]
    return _written(Path(store.path) / INDEX_FILE)  # type: ignore[arg-type]


def test_incremental_equals_fresh(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    written = {**_put(store, "lineage_chain.ttl"), **_put(store, "lineage_attribution.ttl")}
    materialise(store)
    update_index(store, written)  # no index yet: written whole
    everything = _written(tmp_path / "s" / INDEX_FILE)
    assert everything > 3
    # the same content written again: nothing recomputed, every plan's attributions reused
    assert _step(store, _put(store, "lineage_chain.ttl"), tmp_path) == 0
    assert _REUSED[-1][0] == _REUSED[-1][1] > 0
    # a file added: its plans and agencies, and what they reach
    added = _step(store, _put(store, "lineage_names.ttl"), tmp_path)
    assert 0 < added and 0 < _REUSED[-1][0] < _REUSED[-1][1]
    # a file replaced by one where only a quote differs: the lineage index is the same, the rows are not
    quote = "架空技術機構が達成すべき業務運営に関する目標"
    changed = _step(store, _put(store, "lineage_chain.ttl", (quote, quote + "（改）")), tmp_path)
    assert 0 < changed < _written_total(tmp_path)
    # the answers recomputed keep the rows of nodes the change does not reach
    index = tmp_path / "s" / INDEX_FILE
    assert 0 < _written(index, "plan_rows_computed") < _plan_rows(index)
    # a file replaced with a new label for a plan
    assert _step(store, _put(store, "lineage_chain.ttl", ("架空データ活用推進計画", "架空データ利活用推進計画")),
                 tmp_path) > 0
    # a file removed (nothing written): its answers go (equal to a fresh index, which lacks them)
    before = _written_total(tmp_path)
    store.ox.remove_graph(ox.NamedNode(BASE + "lineage_names.ttl"))
    _step(store, {}, tmp_path)
    assert _written_total(tmp_path) < before
    # a cross-file change written by no file graph the build stored (as the closing links are): an edge
    store.ox.update(f"""DELETE WHERE {{ GRAPH <{BASE}lineage_attribution.ttl> {{
        ?s <https://w3id.org/keifu/ns#basedOn> ?o }} }}""")
    assert _step(store, {}, tmp_path) > 0


def _written_total(tmp: Path) -> int:
    conn = sqlite3.connect(tmp / "fresh.sqlite")
    n = conn.execute("SELECT COUNT(*) FROM subjects").fetchone()[0]
    conn.close()
    return int(n)


def test_a_graph_named_without_digest_counts_as_changed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    written = _put(store, "lineage_chain.ttl")
    materialise(store)
    update_index(store, written)
    assert _step(store, [BASE + "lineage_chain.ttl"], tmp_path) > 0  # type: ignore[arg-type]
    assert _step(store, [], tmp_path) == 0  # type: ignore[arg-type]


def test_corpus_rebuild_of_one_file(corpus: Path, tmp_path: Path) -> None:
    """On the real corpus: a rebuild of one unchanged file recomputes nothing, one edited file recomputes some
    answers, and the index equals a fresh one each time."""
    from keifu.graph.build import build

    src = tmp_path / "in"
    src.mkdir()
    files = sorted(p for p in corpus.iterdir() if p.suffix == ".txt")
    for f in files:
        (src / f.name).write_bytes(f.read_bytes())
    store = Store(tmp_path / "s")
    assert all(r.error is None for r in build([src], store, validate=False, jobs=1))
    one = src / files[0].name
    assert all(r.error is None for r in build([one], store, validate=False, jobs=1))
    assert _written(tmp_path / "s" / INDEX_FILE) == 0
    text = one.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, t in enumerate(text) if len(t.strip()) > 20 and i > len(text) // 2)
    text[line] = text[line].rstrip("\n").replace(text[line].strip()[:4], "架空変更", 1) + "\n"
    one.write_text("".join(text), encoding="utf-8")
    assert all(r.error is None for r in build([one], store, validate=False, jobs=1))
    fresh = tmp_path / "fresh.sqlite"
    build_index(store, path=fresh)
    assert _answers(tmp_path / "s" / INDEX_FILE) == _answers(fresh)
    idx, again = index_for(store), LineageIndex.load(store)
    assert {p: attribute(idx, p) for p in idx.plans()} == {p: attribute(again, p) for p in again.plans()}
