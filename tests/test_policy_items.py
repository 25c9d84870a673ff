"""事前分析表 values (issue 13, item 7): an indicator covering several items (（A号機分）), annotations that are no
rows and no values, a span target due at its end, ％ and % as one unit, a value keeping its unit (10 億ドル).
Own fixture of a fictional ministry's table, then the real table 003 (skipped without the corpus)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import corpus_file
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from keifu.extract.normalize import nfkc
from keifu.extract.pipeline import extract_file
from keifu.extract.policy.lines import vocab
from keifu.extract.vocab import rows as rows_of
from keifu.graph.emit import emit_file
from keifu.graph.store import Store
from keifu.graph.table_export import COLUMNS, indicator_rows
from keifu.graph.validate import validate_graph
from keifu.graph.vocab import KF

ITEMS = Path(__file__).parent / "fixtures" / "policy_table_items.txt"


@pytest.fixture(scope="module")
def items_file():
    return extract_file(ITEMS)


@pytest.fixture(scope="module")
def rows(items_file):
    return {r.code: r for r in items_file.documents[0].extras["policy_table"].rows}


@pytest.fixture(scope="module")
def graph(items_file):
    return emit_file(items_file)


def _line(needle: str) -> int:
    return next(i for i, ln in enumerate(ITEMS.read_text(encoding="utf-8").split("\n"), 1) if needle in ln)


def _tuples(ind):
    return [(ind.number, o.category, o.fiscal_year, o.value, o.unit) for o in ind.observations]


def test_annotations_are_neither_rows_nor_values(rows):
    assert sorted(rows) == ["6-1-1", "6-1-2"]
    assert [i.number for i in rows["6-1-1"].indicators] == [1, 2, 3, 4]
    assert [i.number for i in rows["6-1-2"].indicators] == [1]
    names = [i.name for r in rows.values() for i in r.indicators]
    assert not [n for n in names if re.match(r"^[（(][^）)]*分[）)]", n)]
    for r in rows.values():
        for ind in r.indicators:
            assert all(o.unit != "分" for o in ind.observations)  # 号機分 is no value with unit 分
            assert ind.source is not None and "年度" not in ind.source  # no wrapped series tail read as a source


def test_values_of_two_items_go_to_their_item_and_year(rows):
    a = rows["6-1-1"].indicators[0]
    D = Decimal
    assert _tuples(a) == [
        (1, "A号機", 2021, D(3950), "件"), (1, "A号機", 2022, D(4080), "件"),
        (1, "A号機", 2023, D(4120), "件"),  # number and unit split over two lines
        (1, "B号機", 2022, D(5020), "件"), (1, "B号機", 2023, D(5870), None),  # printed without a unit
        (1, "B号機", 2024, D(6010), "件"),  # year paren split over two lines: still a fiscal year
    ]
    assert all(o.fiscal_year is not None and o.calendar_year is None for o in a.observations)
    assert [(t.category, t.value, t.unit, t.fiscal_year) for t in a.targets] == [
        ("A号機", D(4200), "件", 2026), ("B号機", D(6100), "件", 2026)]
    assert a.name.endswith("観測データの提供件数")
    # annotations on lines of their own, the values below them
    (c,) = rows["6-1-2"].indicators
    assert _tuples(c) == [(1, "北部船", 2023, D(410), "t"), (1, "北部船", 2024, D(455), "t"),
                          (1, "南部船", 2023, D(380), "t"), (1, "南部船", 2024, D(402), "t")]


def test_units_kept_and_normalised(rows, graph):
    _, _, rate, money = rows["6-1-1"].indicators
    assert [(o.fiscal_year, o.value, o.unit) for o in money.observations] == [
        (2023, Decimal(10), "億ドル"), (2024, Decimal(11), "億ドル")]
    assert [(t.value, t.unit, t.fiscal_year) for t in money.targets] == [(Decimal(12), "億ドル", 2027)]
    assert [o.unit for o in rate.observations] == ["％", "%", "％"]  # as printed in the extraction …
    node = _indicator_node(graph, "国際共同利用率")
    obs = list(graph.objects(node, KF.hasObservation))
    assert sorted(str(graph.value(o, KF.unit)) for o in obs) == ["%", "%", "%"]  # … one unit in the graph
    assert sorted(str(graph.value(o, KF.rawValue)) for o in obs) == ["61％", "64%", "68％"]
    (target,) = graph.objects(node, KF.hasTarget)
    assert str(graph.value(target, KF.unit)) == "%"


def test_span_target_due_at_its_end(rows, graph):
    span = rows["6-1-1"].indicators[1]
    assert [(t.value, t.unit, t.fiscal_year, t.year_to) for t in span.targets] == [(Decimal(300), "地点", 2026, 2030)]
    (target,) = graph.objects(_indicator_node(graph, "観測地点の累計数"), KF.hasTarget)
    assert graph.value(target, KF.targetFiscalYear).toPython() == 2030
    assert graph.value(target, KF.yearFrom).toPython() == 2026
    assert graph.value(target, KF.yearTo).toPython() == 2030


def test_graph_items_provenance_and_table(graph):
    node = _indicator_node(graph, "観測データの提供件数")
    by_item = {}
    for o in graph.objects(node, KF.hasObservation):
        by_item.setdefault(str(graph.value(o, KF.seriesCategory)), []).append(
            (graph.value(o, KF.fiscalYear).toPython(), str(graph.value(o, KF.rawValue)), graph.value(o, KF.line).toPython()))
    assert sorted(by_item) == ["A号機", "B号機"]  # no 全体, no #2 duplicates
    first_a, first_b = _line("①（A号機分）"), _line("①（B号機分）")
    assert sorted(by_item["A号機"]) == [(2021, "3,950件", first_a), (2022, "4,080件", first_a),
                                       (2023, "4,120件", first_a)]  # cites the line the value starts on
    assert sorted(by_item["B号機"]) == [(2022, "5,020件", first_b), (2023, "5,870", first_b),
                                       (2024, "6,010件", first_b)]
    targets = {str(graph.value(t, KF.seriesCategory)): graph.value(t, KF.targetValue).toPython()
               for t in graph.objects(node, KF.hasTarget)}
    assert targets == {"A号機": 4200, "B号機": 6100}
    _, results, _ = validate_graph(graph)
    assert not [r for r in results if r.severity == "Violation"], [r.describe() for r in results]
    # the spreadsheet: each item's value row shows its own item's target
    store = Store()
    store.replace_graph(graph)
    col = {c: k for k, c in enumerate(COLUMNS)}
    got = sorted((r[col["category"]], r[col["year"]], r[col["value"]], r[col["unit"]], r[col["target"]])
                 for r in indicator_rows(store) if r[col["indicator"]].endswith("観測データの提供件数"))
    assert got == [("A号機", "2021", "3950", "件", "4,200件（2026年度）"), ("A号機", "2022", "4080", "件", "4,200件（2026年度）"),
                   ("A号機", "2023", "4120", "件", "4,200件（2026年度）"), ("B号機", "2022", "5020", "件", "6,100件（2026年度）"),
                   ("B号機", "2023", "5870", "", "6,100件（2026年度）"), ("B号機", "2024", "6010", "件", "6,100件（2026年度）")]


def _indicator_node(g, ending: str) -> URIRef:
    return next(n for n in g.subjects(RDF.type, KF.Indicator) if str(g.value(n, RDFS.label)).endswith(ending))


# --- the real table ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return extract_file(corpus_file("003")).documents[0].extras["policy_table"]


def test_corpus_annotations_never_become_rows_or_values(real):
    rx = re.compile(vocab("item-annotation")[0])
    inds = [i for r in real.rows for i in r.indicators]
    assert not [i.name for i in inds if rx.match(i.name)]
    annotated = 0
    for ind in inds:
        marks = list(rx.finditer(ind.series_text))
        for o in ind.observations:
            assert not any(m.start() < o.end and o.start < m.end() for m in marks), (ind.name, o.raw)
        if len(marks) < 2:
            continue
        annotated += 1
        items = {m.group("item") for m in marks}
        cells = [(o.category, o.year) for o in ind.observations]
        assert {c for c, _ in cells} == items  # every value is given to one of the annotated items
        assert len(cells) == len(set(cells))  # each (item, year) once: nothing printed twice
        assert {t.category for t in ind.targets} <= items
    assert annotated >= 1  # the table does print an indicator covering several items


def test_corpus_values_keep_units(real):
    units = sorted({nfkc(r[1]) for r in rows_of("target_vocab.tsv") if r[0] == "unit"}, key=len, reverse=True)
    fiscal_paren = re.compile(r"^\s*[（(]\s*(?:19|20)[0-9]{2}\s*年\s*度")
    for r in real.rows:
        for ind in r.indicators:
            # a series cut inside a value is not read as a source: a source never opens with a unit and a year
            assert not re.match(r"^[^\d（(、]{1,6}[（(](?:19|20)\d\d年", ind.source or ""), ind.source
            for o in ind.observations:
                if o.value is None:
                    continue
                after = nfkc(ind.series_text[o.end:o.end + 8]).lstrip()
                printed = next((u for u in units if after.startswith(u)), None)
                assert printed is None or o.unit is not None, (ind.name, o.raw, after)
                # （2022年 / 度） cut over two lines is still a fiscal year
                assert not (o.calendar_year and fiscal_paren.match(ind.series_text[o.end:])), (ind.name, o.raw)
