"""Tabular export for spreadsheet users: one row per indicator × year (``keifu export --table indicators``).

Written as UTF-8 with a byte-order mark, so Excel opens Japanese text correctly. Missing values
(集計中, －) are rows with an empty value and the printed placeholder in ``raw``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .store import Store
from .vocab import sparql_prefixes

COLUMNS = ["document", "policy_goal", "measure_goal", "achievement_goal", "goal", "indicator", "agency",
           "target", "target_fiscal_year", "year_basis", "year", "category", "value", "unit", "raw", "missing",
           "source", "line"]

_QUERY = """
SELECT ?doc ?pcode ?mcode ?acode ?goal ?ind ?label ?agency ?target ?tfy ?basis ?year ?cat ?value ?unit ?raw
       ?missing ?source ?line WHERE {
  ?g kf:hasIndicator ?ind .
  ?ind rdfs:label ?label ; kf:inDocument ?d .
  ?d rdfs:label ?doc .
  OPTIONAL { ?g kf:sectionNumber ?acode }
  OPTIONAL { ?g rdfs:label ?goal }
  OPTIONAL { ?g kf:partOf ?m . ?m kf:sectionNumber ?mcode . OPTIONAL { ?m kf:partOf ?p . ?p kf:sectionNumber ?pcode } }
  OPTIONAL { ?ind kf:ratedAgency ?ra . ?ra rdfs:label ?ralabel }
  OPTIONAL { ?d kf:setFor ?sa . ?sa rdfs:label ?salabel }
  BIND(COALESCE(?ralabel, ?salabel, "") AS ?agency)
  OPTIONAL { ?ind kf:figureSource ?source }
  OPTIONAL { SELECT ?ind (SAMPLE(?e) AS ?target) (SAMPLE(?fy) AS ?tfy) WHERE {
      ?ind kf:hasTarget ?t . ?t kf:expression ?e . OPTIONAL { ?t kf:targetFiscalYear ?fy } } GROUP BY ?ind }
  {
    ?ind kf:hasObservation ?o .
    OPTIONAL { ?o kf:fiscalYear ?fyo } OPTIONAL { ?o kf:calendarYear ?cyo }
    BIND(IF(BOUND(?fyo), "fiscal", "calendar") AS ?basis)
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
ORDER BY ?doc ?acode ?ind ?year ?cat
"""


def indicator_rows(store: Store) -> list[list[str]]:
    """Rows of the indicators table (header not included), in document / code / year order."""
    keys = ["doc", "pcode", "mcode", "acode", "goal", "ind", "label", "agency", "target", "tfy", "basis", "year",
            "cat", "value", "unit", "raw", "missing", "source", "line"]
    out = []
    for r in store.select(sparql_prefixes() + _QUERY):
        row = ["" if r.get(k) is None else str(r[k]) for k in keys]
        del row[5]  # the indicator IRI orders rows; the label names them
        out.append(row)
    return out


def write_indicators_csv(store: Store, out: Path) -> int:
    rows = indicator_rows(store)
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(rows)
    return len(rows)


def export_table_command(args) -> int:  # noqa: ANN001 - argparse namespace
    """``keifu export --table indicators -o FILE.csv``: exit 0 on success, 2 on a store error."""
    import sys

    from keifu.extract.errors import KeifuError

    out = Path(args.output)
    try:
        with Store.for_reading(args.store) as store:
            n = write_indicators_csv(store, out)
    except KeifuError as e:
        print(e.describe(), file=sys.stderr)
        return 2
    print(f"{out} に {n} 行を書き出しました / {n} rows written (UTF-8 with BOM)")
    return 0
