"""``keifu search QUERY``: keyword search over the plans, objectives and indicators of a store.

The same index and ranking as the service's ``/search`` (:mod:`keifu.graph.search_index`).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

from keifu.extract.errors import KeifuError

from .search_index import KIND_RANK, search
from .store import Store
from .tabulate import render

DEFAULT_STORE = "store"


def cmd_search(args: argparse.Namespace) -> int:
    kinds = set(args.kind) if args.kind else None
    try:
        with Store.for_reading(args.store) as store:
            hits = search(store, args.query, args.limit, kinds)
    except KeifuError as e:
        print(e.describe(), file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps({"query": args.query, "count": len(hits), "hits": [h.as_dict() for h in hits]},
                         ensure_ascii=False, indent=1))
    elif args.format == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["kind", "label", "agency", "document", "snippet", "iri"])
        w.writerows([h.kind, h.label, h.agency or "", h.document or "", h.snippet, h.iri] for h in hits)
    else:
        print(render(["種類 / kind", "名称 / label", "法人 / agency", "該当箇所 / snippet"],
                     [[h.kind, h.label, h.agency or "", h.snippet] for h in hits], max_width=50))
        print(f"({len(hits)} 件 / hits)")
    return 0 if hits else 1


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("search", help="keyword search over plans, objectives and indicators / キーワード検索")
    s.add_argument("query", help="words (all must occur; any length, Japanese or not) / 検索語（空白区切りですべてを含む）")
    s.add_argument("--store", default=DEFAULT_STORE, help="folder of the embedded store / ストアのフォルダ")
    s.add_argument("--kind", action="append", choices=sorted(KIND_RANK),
                   help="only these kinds (repeatable) / 種類で絞る（繰り返し可）")
    s.add_argument("--limit", type=int, default=20, help="hits shown / 表示件数")
    s.add_argument("--format", choices=["table", "json", "csv"], default="table", help="output format / 出力形式")
    s.set_defaults(func=cmd_search)
