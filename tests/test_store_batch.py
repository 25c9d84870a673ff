"""Store writes in batches (issue 19): several new graphs in one bulk load, per-graph outcome kept; distinct reads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from keifu.graph import store as store_mod
from keifu.graph.store import Store

EX = "http://example.org/"


def _nt(*rows: tuple[str, str, str]) -> bytes:
    return "".join(f'<{EX}{s}> <{EX}{p}> "{o}" .\n' for s, p, o in rows).encode()


def _quads(st: Store) -> list[str]:
    return sorted(str(q) for q in st.ox)


def test_new_graphs_are_loaded_together_each_in_its_graph(tmp_path: Path) -> None:
    batch = Store(tmp_path / "batch")
    one = Store(tmp_path / "one")
    graphs = [(f"{EX}g{k}", _nt((f"s{k}", "p", f"値 {k} ."), ("shared", "label", "共有"))) for k in range(5)]
    assert batch.store_many(graphs) == {}
    for name, data in graphs:
        one.replace_ntriples(name, data)
    assert _quads(batch) == _quads(one)  # the same quads as one graph at a time, literal ending " ." included
    assert batch.graphs() == sorted(n for n, _ in graphs)


def test_a_bad_graph_fails_alone_and_existing_graphs_are_replaced(tmp_path: Path) -> None:
    st = Store(tmp_path / "st")
    st.replace_ntriples(f"{EX}old", _nt(("s", "p", "before")))
    errors = st.store_many([
        (f"{EX}old", _nt(("s", "p", "after"))),
        (f"{EX}a", _nt(("a", "p", "A"))),
        (f"{EX}broken", _nt(("b", "p", "B")) + b"<broken\n"),
        (f"{EX}c", _nt(("c", "p", "C"))),
    ])
    assert set(errors) == {f"{EX}broken"}
    assert "broken" in errors[f"{EX}broken"].describe()
    assert st.graphs() == [f"{EX}a", f"{EX}c", f"{EX}old"]
    assert st.objects(f"{EX}s", f"{EX}p") == {"after"}
    assert not list(st.ox.quads_for_pattern(None, None, None, store_mod._LOADING))


def test_a_batch_cut_short_is_removed_at_the_next_open(tmp_path: Path) -> None:
    """What a crash during the batch's bulk load leaves (every graph listed as loading) is removed as a whole."""
    path = tmp_path / "st"
    st = Store(path)
    st.replace_ntriples(f"{EX}kept", _nt(("k", "p", "kept")))
    before = _quads(st)
    targets = [ox.NamedNode(f"{EX}new{k}") for k in range(3)]
    st.ox.extend([ox.Quad(t, store_mod._PARTIAL, t, store_mod._LOADING) for t in targets])
    st.ox.bulk_load(f'<{EX}s> <{EX}p> "half" <{targets[0].value}> .\n'.encode(), format=ox.RdfFormat.N_QUADS)
    st.close()
    st = Store(path)
    assert _quads(st) == before


def test_distinct_pairs_across_graphs(tmp_path: Path) -> None:
    """A fact stated in many graphs is read once (a join over the union default graph would repeat it)."""
    st = Store(tmp_path / "st")
    st.store_many([(f"{EX}g{k}", _nt(("plan", "date", "2021-03-26"), (f"x{k}", "date", "2020"))) for k in range(4)])
    assert st.pairs(f"{EX}date") == {(f"{EX}plan", "2021-03-26")} | {(f"{EX}x{k}", "2020") for k in range(4)}
    assert st.objects(f"{EX}plan", f"{EX}date") == {"2021-03-26"}


def test_a_graph_rewritten_almost_unchanged_is_written_as_its_difference(tmp_path: Path) -> None:
    """A rebuild that changes a few statements deletes and inserts only those, in one update; a failing update
    leaves the old graph; a larger change goes through the staging swap. Each way, the graph is exactly the new one."""
    st = Store(tmp_path / "st")
    g = f"{EX}file"
    rows = [(f"s{k}", "p", f"値 {k} ." if k % 7 else 'quote \\"x\\" \\\\ y') for k in range(40)]  # escapes kept
    st.replace_ntriples(g, _nt(*rows))
    updates: list[str] = []
    real = st.ox.update

    class Spy:  # pyoxigraph's Store does not take attributes: wrap it
        def __getattr__(self, name: str) -> object:
            return getattr(real.__self__, name)

        def update(self, text: str, **kw: object) -> None:
            updates.append(text)
            real(text, **kw)

    st.ox = Spy()  # type: ignore[assignment]
    edited = rows[:30] + [("s99", "p", "新しい値")] + rows[31:]
    st.replace_ntriples(g, _nt(*edited))
    assert len(updates) == 1 and "MOVE" not in updates[0] and "s0>" not in updates[0]  # only what differs
    assert _graph(st, g) == _graph_of(_nt(*edited))
    updates.clear()
    st.replace_ntriples(g, _nt(*edited))  # unchanged: nothing written at all
    assert updates == []
    changed = [(s, p, o + " 改") for s, p, o in edited]  # every statement differs: the staging swap
    st.replace_ntriples(g, _nt(*changed))
    assert any("MOVE" in u for u in updates) and _graph(st, g) == _graph_of(_nt(*changed))

    def fail(_text: str, **_kw: object) -> None:
        raise OSError("disk full")

    st.ox.update = fail  # type: ignore[method-assign]
    try:
        st.replace_ntriples(g, _nt(*edited))
    except store_mod.StoreError as e:
        assert "disk full" in str(e)
    else:
        raise AssertionError("the failed write was not reported")
    assert _graph(st, g) == _graph_of(_nt(*changed))  # the old graph, untouched


def _graph(st: Store, name: str) -> set[str]:
    return {str(q.triple) for q in st.ox.quads_for_pattern(None, None, None, ox.NamedNode(name))}


def _graph_of(data: bytes) -> set[str]:
    return {str(q.triple) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}
