"""The persistent trace index answers exactly what the live lineage index answers (rows, order, counts, names,
errors), pages by offset/limit, and refuses to answer for another build than the store's."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from lineage_fixtures import fixture_store

from keifu.graph.lineage import index_for, stored_digest, traced_classes
from keifu.graph.lineage.trace import AmbiguousName, NameNotFound, trace
from keifu.graph.lineage.trace_index import (
    INDEX_FILE,
    StaleIndex,
    TraceIndex,
    build_index,
    build_stamp,
    update_index,
)
from keifu.graph.store import Store
from keifu.graph.vocab import KF

INDICATOR = str(KF.Indicator)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, TraceIndex]:
    path = tmp_path_factory.mktemp("store") / "s"
    store = fixture_store(path=path)
    store.begin_build()
    store.end_build()
    build_index(store)
    return store, TraceIndex(path / INDEX_FILE)


def _queries(store: Store) -> list[str]:
    """Every plan by IRI and by each of its names, every agency by name, partial and unknown names."""
    idx = index_for(store)
    out = list(idx.plans())
    out += sorted({idx.labels.get(p, "") for p in idx.plans()} | {n for p in idx.plans() for n in idx.names[p]})
    out += sorted({lbl for _, lbl in idx.agency_of_doc.values()})
    out += ["計画", "架空", "基本計画", "第６期", "存在しない計画の名前", "機構"]
    return [q for q in out if q]


def _live(store: Store, q: str, goals: bool, everything: bool, evidence: bool, limit: int | None) -> object:
    classes = [INDICATOR, *(sorted(traced_classes() - {INDICATOR}) if goals else [])]
    try:
        res = trace(index_for(store), q, classes=classes, evidence=evidence, limit=limit, everything=everything)
    except AmbiguousName as e:
        return ("ambiguous", [c.as_dict() for c in e.candidates], e.message_en)
    except NameNotFound as e:
        return ("not-found", e.message_en, e.message_ja)
    return res.as_dict(), res.csv()


def _indexed(ti: TraceIndex, q: str, goals: bool, everything: bool, evidence: bool, limit: int | None) -> object:
    try:
        page = ti.page(q, goals, everything, evidence, 0, limit)
        csv_page = ti.page(q, goals, everything, evidence, 0, limit, fmt="csv")
    except AmbiguousName as e:
        return ("ambiguous", [c.as_dict() for c in e.candidates], e.message_en)
    except NameNotFound as e:
        return ("not-found", e.message_en, e.message_ja)
    assert page is not None and csv_page is not None, q
    return json.loads(page.head() + ", ".join(page.rows) + "]}"), ti.meta["csv_head"] + "".join(csv_page.rows)


@pytest.mark.parametrize("goals", [False, True])
@pytest.mark.parametrize("everything", [False, True])
def test_index_answers_as_the_live_trace(built: tuple[Store, TraceIndex], goals: bool, everything: bool) -> None:
    store, ti = built
    answered = 0
    for q in _queries(store):
        for evidence, limit in ((True, None), (False, None), (True, 1)):
            live = _live(store, q, goals, everything, evidence, limit)
            assert _indexed(ti, q, goals, everything, evidence, limit) == live, (q, evidence, limit)
            answered += isinstance(live, tuple) and isinstance(live[0], dict) and bool(live[0]["rows"])
    assert answered > 10  # the fixtures do trace: the comparison is not between empty answers


def test_pages_follow_the_answer_order(built: tuple[Store, TraceIndex]) -> None:
    store, ti = built
    idx = index_for(store)
    plan = max(idx.plans(), key=lambda p: len(trace(idx, p, everything=True).rows))
    full = [r.node for r in trace(idx, plan, everything=True).rows]
    assert len(full) >= 2
    paged = []
    for off in range(len(full)):
        page = ti.page(plan, everything=True, offset=off, limit=1)
        assert page is not None and page.total == len(full)
        paged += [json.loads(r)["iri"] for r in page.rows]
    assert paged == full
    assert ti.page(plan, everything=True, offset=len(full), limit=5).rows == []  # type: ignore[union-attr]


def test_csv_lines_parse_as_the_live_csv(built: tuple[Store, TraceIndex]) -> None:
    store, ti = built
    plan = index_for(store).plans()[0]
    page = ti.page(plan, everything=True, fmt="csv")
    assert page is not None
    rows = list(csv.DictReader(io.StringIO(ti.meta["csv_head"] + "".join(page.rows))))
    assert [r["indicator"] for r in rows] == [r.node for r in trace(index_for(store), plan, everything=True).rows]


def test_stamp_refuses_another_build(built: tuple[Store, TraceIndex], tmp_path: Path) -> None:
    store, ti = built
    ti.check(build_stamp(store.path), stored_digest(store))
    with pytest.raises(StaleIndex) as e:
        ti.check("2000-01-01T00:00:00+0000", stored_digest(store))
    assert e.value.message_ja and e.value.message_en
    with pytest.raises(StaleIndex):
        ti.check(build_stamp(store.path), "another digest")
    with pytest.raises(StaleIndex):
        TraceIndex(tmp_path / INDEX_FILE)  # none there


def test_update_rebuilds_after_a_change_and_restamps_otherwise(tmp_path: Path) -> None:
    from keifu.graph.lineage import materialise

    store = fixture_store("lineage_chain.ttl", path=tmp_path / "s")
    store.begin_build()
    rep = update_index(store)
    assert rep is not None and rep.rows > 0
    store.end_build()
    first = TraceIndex(tmp_path / "s" / INDEX_FILE)
    first.check(build_stamp(store.path), stored_digest(store))
    n_plans = len(index_for(store).plans())
    # a second build that rewrote nothing: the same rows, stamped with the new build
    store.begin_build()
    with pytest.raises(StaleIndex):
        TraceIndex(tmp_path / "s" / INDEX_FILE).check(build_stamp(store.path), stored_digest(store))
    assert update_index(store, changed=[]).rows == 0  # type: ignore[union-attr]
    store.end_build()
    TraceIndex(tmp_path / "s" / INDEX_FILE).check(build_stamp(store.path), stored_digest(store))
    # a build that adds a file: rebuilt, and the new plans are answered
    store.begin_build()
    fixture = Path(__file__).resolve().parent / "fixtures" / "lineage_names.ttl"
    import pyoxigraph as ox

    store.replace_triples("https://w3id.org/keifu/id/test/graph/names",
                          list(ox.parse(path=str(fixture), format=ox.RdfFormat.TURTLE)))
    materialise(store)
    rep = update_index(store)
    store.end_build()
    fresh = TraceIndex(tmp_path / "s" / INDEX_FILE)
    fresh.check(build_stamp(store.path), stored_digest(store))
    assert rep is not None and rep.rows > 0 and len(index_for(store).plans()) > n_plans
    assert fresh.conn.execute("SELECT COUNT(*) FROM subjects WHERE agency = 0").fetchone()[0] == len(
        index_for(store).plans())


def test_corpus_answers_unchanged(corpus: Path, tmp_path: Path) -> None:
    """On the real corpus: a build writes the index, and every plan's and agency's answer read from it (default,
    and goals with all) is the live trace's, rows, order, evidence and CSV alike."""
    from keifu.graph.build import build

    store = Store(tmp_path / "s")
    results = list(build([corpus], store, validate=False))  # the whole build, closing steps included
    assert results and all(r.error is None for r in results)
    ti = TraceIndex(tmp_path / "s" / INDEX_FILE)
    ti.check(build_stamp(store.path), stored_digest(store))
    idx = index_for(store)
    queries = idx.plans() + sorted({lbl for _, lbl in idx.agency_of_doc.values()})
    rows = 0
    for q in queries:
        for goals, everything in ((False, False), (True, True)):
            live = _live(store, q, goals, everything, True, None)
            assert _indexed(ti, q, goals, everything, True, None) == live, q
            rows += len(live[0]["rows"]) if isinstance(live[0], dict) else 0  # type: ignore[index]
    assert rows > 1000
