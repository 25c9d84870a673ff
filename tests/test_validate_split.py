"""A split validation (shape groups in two processes, as drafts are validated) gives exactly the report of one
run over all shapes, including when the child process fails."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from keifu.extract.pipeline import extract_file
from keifu.graph import validate as V
from keifu.graph.emit import emit_file
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.skipif(not V._can_split(), reason="needs os.fork and two CPUs / fork と2コアが必要")


def _key(results: list[V.ValidationResult]) -> Counter:
    return Counter((r.focus, r.shape, r.path, r.value, r.message_ja, r.message_en, r.severity, r.line)
                   for r in results)


def _data(name: str) -> Graph:
    path = FIXTURES / name
    if path.suffix == ".ttl":
        return Graph().parse(path)
    return emit_file(extract_file(path))


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    """A split run waits for one run over all shapes in the process (see ``validate._warm``)."""
    V.validate_graph(_data("draft_rd_good.txt"))


def test_shape_groups_cover_every_shape_once() -> None:
    here, child = V._shape_groups()
    assert here and child and not set(here) & set(child)
    named = {str(s) for t in (SH.NodeShape, SH.PropertyShape) for s in V.shapes_graph().subjects(RDF.type, t)
             if str(s).startswith("https://w3id.org/keifu/shapes#")}
    assert named == set(here) | set(child)


@pytest.mark.parametrize("name", ["draft_rd_bad.txt", "lineage_defects.ttl", "draft_rd_good.txt"])
def test_split_report_equals_one_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(name)
    c1, r1, g1 = V.validate_graph(data)
    calls: list[int] = []
    split = V._shacl_split
    monkeypatch.setattr(V, "_shacl_split", lambda *a: calls.append(1) or split(*a))
    c2, r2, g2 = V.validate_graph(data, split=True)
    assert calls == [1]  # the split path ran
    assert (c1, _key(r1)) == (c2, _key(r2))
    assert isomorphic(g1, g2)
    reports = list(g2.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert set(g2.objects(reports[0], SH.conforms)) == {Literal(c1)}
    assert len(set(g2.objects(reports[0], SH.result))) == len(r1)


def test_violation_found_only_by_the_child_makes_the_report_fail() -> None:
    """The cycle shapes are integrity shapes, run in the child: their violations still decide sh:conforms."""
    data = _data("lineage_defects.ttl")
    conforms, results, _ = V.validate_graph(data, split=True)
    assert not conforms
    assert any(r.shape and r.shape.endswith("PartOfCycleShape") and r.severity == "Violation" for r in results)


def test_failed_child_falls_back_to_running_its_shapes_here(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoPickle:
        HIGHEST_PROTOCOL = 5

        @staticmethod
        def dumps(*_: object, **__: object) -> bytes:
            raise RuntimeError("the child cannot send its report")

        @staticmethod
        def loads(_: bytes) -> object:
            raise AssertionError("nothing to read from a failed child")

    data = _data("draft_rd_bad.txt")
    expected = V.validate_graph(data)
    monkeypatch.setattr(V, "pickle", NoPickle)
    conforms, results, report = V.validate_graph(data, split=True)
    assert (conforms, _key(results)) == (expected[0], _key(expected[1]))
    assert isomorphic(report, expected[2])


def test_child_past_its_time_is_killed_and_its_shapes_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data("draft_rd_bad.txt")
    expected = V.validate_graph(data)
    killed: list[int] = []
    kill = V.os.kill
    monkeypatch.setattr(V, "CHILD_SECONDS", 0.0)
    monkeypatch.setattr(V.os, "kill", lambda pid, sig: killed.append(pid) or kill(pid, sig))
    conforms, results, report = V.validate_graph(data, split=True)
    assert len(killed) == 1
    assert (conforms, _key(results)) == (expected[0], _key(expected[1]))
    assert isomorphic(report, expected[2])
