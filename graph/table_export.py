"""Tabular export for spreadsheet users: one row per indicator × year (``keifu export --table indicators``).

Every indicator is a row, whether or not yearly values were printed for it (an agency's evaluation and
monitoring indicators usually have none: they get one row with the value columns empty), with where it was
read (file, page, line) and the title of its document. ``-o FILE.csv`` is written as UTF-8 with a byte-order
mark, so Excel opens Japanese text correctly; ``-o FILE.xlsx`` as an Excel workbook (numbers as numbers).
Missing values (集計中, －) are rows with an empty value and the printed placeholder in ``raw``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .store import Store
from .vocab import sparql_prefixes

COLUMNS = ["document", "file", "agency", "policy_goal", "measure_goal", "achievement_goal", "goal", "indicator",
           "indicator_kind", "page", "line", "target", "target_fiscal_year", "year_basis", "year", "category",
           "value", "unit", "raw", "missing", "figure_source", "value_line", "iri"]
#: columns that hold numbers (the rest stays text in .xlsx: section numbers such as 1.2 are not decimals)
NUMERIC = ("page", "line", "target_fiscal_year", "year", "value", "value_line")

_INDICATORS = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?ind (SAMPLE(?label) AS ?l) (SAMPLE(?doc) AS ?dl) (SAMPLE(?file) AS ?f) (SAMPLE(?agency) AS ?a)
       (SAMPLE(?pcode) AS ?pc) (SAMPLE(?mcode) AS ?mc) (SAMPLE(?acode) AS ?ac) (SAMPLE(?goal) AS ?gl)
       (SAMPLE(?kind) AS ?k) (SAMPLE(?page) AS ?pg) (SAMPLE(?line) AS ?ln) (SAMPLE(?target) AS ?t)
       (SAMPLE(?tfy) AS ?ty) (SAMPLE(?source) AS ?src) WHERE {
  ?ind a kf:Indicator ; rdfs:label ?label .
  OPTIONAL { ?ind kf:inDocument ?d . ?d rdfs:label ?doc
             OPTIONAL { ?d kf:setFor ?sa . ?sa rdfs:label ?salabel }
             OPTIONAL { ?d kf:issuedBy ?ia . ?ia a kf:Agency ; rdfs:label ?ialabel } }
  OPTIONAL { ?ind prov:wasDerivedFrom ?s . ?s dcterms:title ?file }
  OPTIONAL { ?ind kf:ratedAgency ?ra . ?ra rdfs:label ?ralabel }
  BIND(COALESCE(?ralabel, ?salabel, ?ialabel, "") AS ?agency)
  OPTIONAL { ?g kf:hasIndicator ?ind .
             OPTIONAL { ?g kf:sectionNumber ?acode } OPTIONAL { ?g rdfs:label ?goal }
             OPTIONAL { ?g kf:partOf ?m . ?m kf:sectionNumber ?mcode . OPTIONAL { ?m kf:partOf ?p . ?p kf:sectionNumber ?pcode } } }
  OPTIONAL { ?ind kf:indicatorKind ?kc . BIND(REPLACE(STR(?kc), "^.*/", "") AS ?kind) }
  OPTIONAL { ?ind kf:page ?page } OPTIONAL { ?ind kf:line ?line }
  OPTIONAL { ?ind kf:figureSource ?source }
  OPTIONAL { ?ind kf:hasTarget ?tn . ?tn kf:expression ?target . OPTIONAL { ?tn kf:targetFiscalYear ?tfy } }
} GROUP BY ?ind
"""

_VALUES = """
SELECT ?ind ?basis ?year ?cat ?value ?unit ?raw ?missing ?line WHERE {
  {
    ?ind kf:hasObservation ?o .
    OPTIONAL { ?o kf:fiscalYear ?fyo } OPTIONAL { ?o kf:calendarYear ?cyo }
    BIND(IF(BOUND(?fyo), "fiscal", IF(BOUND(?cyo), "calendar", "")) AS ?basis)
    BIND(COALESCE(?fyo, ?cyo) AS ?year)
    OPTIONAL { ?o kf:seriesCategory ?cat } OPTIONAL { ?o kf:value ?v } OPTIONAL { ?o kf:rating ?r }
    BIND(COALESCE(STR(?v), ?r) AS ?value)
    OPTIONAL { ?o kf:unit ?unit } OPTIONAL { ?o kf:rawValue ?raw } OPTIONAL { ?o kf:line ?line }
    BIND(false AS ?missing)
  } UNION {
    ?ind kf:hasMissingValue ?o .
    ?o kf:referenceYear ?year ; kf:yearIsFiscal ?isf ; kf:rawValue ?raw .
    BIND(IF(?isf, "fiscal", "calendar") AS ?basis)
    OPTIONAL { ?o kf:line ?line }
    BIND(true AS ?missing)
  }
}
"""

#: targets set per item (（目標値（A号機分）：…）): a value row of that item shows its item's target
_ITEM_TARGETS = """
SELECT ?ind ?cat ?target ?tfy WHERE {
  ?ind kf:hasTarget ?tn . ?tn kf:seriesCategory ?cat ; kf:expression ?target .
  OPTIONAL { ?tn kf:targetFiscalYear ?tfy }
}
"""


def _s(v: str | None) -> str:
    return "" if v is None else v


def _int(v: str | None) -> int:
    try:
        return int(v or 0)
    except ValueError:
        return 0


def indicator_rows(store: Store) -> list[list[str]]:
    """Rows of the indicators table (header not included): every indicator, one row per year it has values for
    (one row with empty value columns when it has none), in document / code / line / year order."""
    values: dict[str, list[dict[str, str | None]]] = {}
    for r in store.select(sparql_prefixes() + _VALUES):
        values.setdefault(r["ind"], []).append(r)  # type: ignore[arg-type]
    item_targets: dict[tuple[str, str], tuple[str, str]] = {}
    for r in store.select(sparql_prefixes() + _ITEM_TARGETS):
        item_targets.setdefault((r["ind"], r["cat"]), (_s(r["target"]), _s(r["tfy"])))  # type: ignore[index]
    out = []
    facts = sorted(store.select(sparql_prefixes() + _INDICATORS),
                   key=lambda r: (_s(r["dl"]), _s(r["f"]), _s(r["ac"]), _int(r["pg"]), _int(r["ln"]), r["ind"]))
    for f in facts:
        head = [_s(f["dl"]), _s(f["f"]), _s(f["a"]), _s(f["pc"]), _s(f["mc"]), _s(f["ac"]), _s(f["gl"]), _s(f["l"]),
                _s(f["k"]), _s(f["pg"]), _s(f["ln"]), _s(f["t"]), _s(f["ty"])]
        vals = sorted(values.get(f["ind"], []), key=lambda v: (_int(v["year"]), _s(v["cat"]), _s(v["raw"])))
        for v in vals or [None]:
            if v is None:
                tail = [""] * 7 + [_s(f["src"]), ""]
            else:
                tail = [_s(v["basis"]), _s(v["year"]), _s(v["cat"]), _s(v["value"]), _s(v["unit"]), _s(v["raw"]),
                        _s(v["missing"]), _s(f["src"]), _s(v["line"])]
                item = item_targets.get((f["ind"], _s(v["cat"])))
                if item is not None:
                    out.append(head[:11] + list(item) + tail + [f["ind"]])
                    continue
            out.append(head + tail + [f["ind"]])
    return out


def write_indicators(store: Store, out: Path) -> int:
    """``out`` as .xlsx (Excel workbook) or anything else as CSV with a BOM; returns the number of rows."""
    rows = indicator_rows(store)
    if out.suffix.lower() == ".xlsx":
        from .xlsx import write_xlsx
        write_xlsx(out, COLUMNS, rows, sheet="indicators", numeric=NUMERIC)
        return len(rows)
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(rows)
    return len(rows)


def export_table_command(args) -> int:  # noqa: ANN001 - argparse namespace
    """``keifu export --table indicators -o FILE.csv|FILE.xlsx``: exit 0 on success, 2 on a store error."""
    import sys

    from keifu.extract.errors import KeifuError

    out = Path(args.output)
    try:
        with Store.for_reading(args.store) as store:
            n = write_indicators(store, out)
    except KeifuError as e:
        print(e.describe(), file=sys.stderr)
        return 2
    what = "Excel" if out.suffix.lower() == ".xlsx" else "UTF-8 with BOM"
    print(f"{out} に {n} 行を書き出しました / {n} rows written ({what})")
    return 0
