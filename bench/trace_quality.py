"""Precision and recall of ``keifu trace`` for one plan on a built store, by agency and objective subtree.

An agency's "area" for the plan is the subtree of its objectives whose section titles contain one of the given
words (health: 健康, 医療, 医学, 生命); recall is the share of the area's indicators the default answer returns,
precision the share of the agency's returned indicators that lie in the area. For agencies given with ``--kinds``,
recall is over their indicators of those kinds instead (e.g. AMED's outcome and output indicators).

    keifu build ../shared/corpus --store S
    python bench/trace_quality.py --store S [--plan 健康・医療戦略]
"""

from __future__ import annotations

import argparse

from keifu.graph.lineage import index_for
from keifu.graph.lineage.trace import trace
from keifu.graph.store import Store
from keifu.graph.vocab import sparql_prefixes

AREA = """SELECT DISTINCT ?i ?t ?k WHERE {
  ?d a kf:ObjectivesDocument ; kf:setFor ?a . ?a rdfs:label ?al . FILTER(CONTAINS(STR(?al), "%s"))
  ?i a kf:Indicator ; kf:inDocument ?d . OPTIONAL { ?i kf:indicatorKind ?k }
  OPTIONAL { ?owner kf:hasIndicator ?i ; a kf:Objective . ?owner kf:partOf* ?o . ?o rdfs:label ?t } }"""


def population(store: Store, agency: str, words: tuple[str, ...]) -> tuple[set[str], set[str], dict[str, str]]:
    """(all indicators of the agency's objectives, those in the area, indicator → kind)."""
    every, area, kinds = set(), set(), {}
    for r in store.select(sparql_prefixes() + AREA % agency):
        every.add(r["i"])
        kinds[r["i"]] = (r["k"] or "").rsplit("/", 1)[-1]
        if r["t"] and any(w in r["t"] for w in words):
            area.add(r["i"])
    return every, area, kinds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default="store")
    ap.add_argument("--plan", default="健康・医療戦略")
    ap.add_argument("--words", nargs="*", default=["健康", "医療", "医学", "生命"])
    ap.add_argument("--agencies", nargs="*", default=["量子科学技術研究開発機構"])
    ap.add_argument("--kinds", nargs="*", default=["日本医療研究開発機構=outcome,output"])
    args = ap.parse_args()
    with Store.for_reading(args.store) as store:
        res = trace(index_for(store), args.plan)
        got = {r.node for r in res.rows}
        agencies = sorted({r.agency for r in res.rows if r.agency})
        print(f"{res.plan.label}: {len(res.rows)} indicators, {len(agencies)} agencies: {', '.join(agencies)}")
        for ag in args.agencies:
            every, area, _ = population(store, ag, tuple(args.words))
            mine = got & every
            print(f"{ag}: returned {len(mine)} / {len(every)}; area {len(area)}; "
                  f"recall {len(mine & area) / max(1, len(area)):.2f}; precision {len(mine & area) / max(1, len(mine)):.2f}")
        for spec in args.kinds:
            ag, kinds = spec.split("=")
            every, _, kind = population(store, ag, tuple(args.words))
            wanted = {i for i in every if kind[i] in kinds.split(",")}
            print(f"{ag} ({kinds}): returned {len(got & wanted)} / {len(wanted)}; "
                  f"recall {len(got & wanted) / max(1, len(wanted)):.2f}")


if __name__ == "__main__":
    main()
