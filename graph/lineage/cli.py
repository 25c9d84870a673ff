"""``keifu trace``, ``keifu lineage`` and ``keifu report coverage``.

``keifu trace`` lists the default answer (direct attributions and relevant document-level ones, each row saying
how it is attributed); ``--all`` adds the rest, flagged. Exit codes: 0 success; 1 the name matched nothing or
several nodes (candidates on stderr); 2 usage or store error. Messages are bilingual (ja / en).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from keifu.extract.errors import KeifuError

from ..store import Store
from ..tabulate import render
from ..vocab import KF
from . import LineageIndex, index_for, layer_of_class, traced_classes
from .coverage import coverage
from .render import View, resolve_node, subgraph, to_dot, to_graphml, to_json, to_svg
from .trace import AmbiguousName, NameNotFound, trace

DEFAULT_STORE = Path("store")
T = TypeVar("T")
WRITERS = {"svg": to_svg, "dot": to_dot, "graphml": to_graphml,
           "json": lambda v: json.dumps(to_json(v), ensure_ascii=False, indent=1) + "\n"}


def node_classes() -> set[str]:
    """Everything a lineage view can start from: the lineage node classes and agencies."""
    return set(layer_of_class()) | {str(KF.Agency)}


def _candidates(e: AmbiguousName) -> None:
    print(e.describe(), file=sys.stderr)
    for c in e.candidates[:30]:
        print(f"  {c.label}\t{c.cls}\t{c.agency or ''}\t{c.iri}", file=sys.stderr)


def _with_index(args: argparse.Namespace, fn: Callable[[LineageIndex], T]) -> tuple[int, T | None]:
    """Run ``fn`` on the store's lineage index; name and store errors become exit codes 1 and 2."""
    try:
        with Store.for_reading(args.store) as store:
            return 0, fn(index_for(store))
    except AmbiguousName as e:
        _candidates(e)
        return 1, None
    except NameNotFound as e:
        print(e.describe(), file=sys.stderr)
        return 1, None
    except KeifuError as e:
        print(e.describe(), file=sys.stderr)
        return 2, None


def cmd_trace(args: argparse.Namespace) -> int:
    classes = [str(KF.Indicator), *(sorted(traced_classes() - {str(KF.Indicator)}) if args.goals else [])]
    code, res = _with_index(args, lambda idx: trace(idx, args.plan, classes=classes, limit=args.limit,
                                                    everything=args.all))
    if res is None:
        return code
    if args.format == "json":
        print(json.dumps(res.as_dict(), ensure_ascii=False, indent=1))
    elif args.format == "csv":
        sys.stdout.write(res.csv())
    else:
        rows = [[r.label, r.kind or r.cls, r.agency or "", " > ".join(r.objective_path),
                 " / ".join(r.targets), r.how(), r.steps[-1].where() if r.steps else ""] for r in res.rows]
        print(f"{res.plan.label}  <{res.plan.iri}>")
        print(render(["indicator 指標", "kind 種別", "agency 法人", "objective path 目標の系統", "target 目標値",
                      "attribution 帰属", "evidence 根拠"], rows, max_width=44))
        default = [r for r in res.rows if r.default]
        agencies = len({r.agency for r in default if r.agency})
        print(f"({len(default)} 件 / rows; {agencies} 法人 / agencies"
              + (f"; 関連の低い文書レベルの帰属 / not relevant, document level: {len(res.rows) - len(default)} 件 [--all]"
                 if res.everything else "") + ")")
        if res.others:
            print("ほかに部分一致した計画 / also matching: " + "、".join(c.label for c in res.others))
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    def draw(idx: LineageIndex) -> tuple[View, str]:
        view = subgraph(idx, resolve_node(idx, args.node).iri, args.direction, args.depth,
                        max_nodes=args.max_nodes, kinds=args.kinds.split(",") if args.kinds else None,
                        agency=args.agency)
        return view, WRITERS[args.format](view)

    code, out = _with_index(args, draw)
    if out is None:
        return code
    view, text = out
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"{args.output}: {view.graph.number_of_nodes()} ノード / nodes, {view.graph.number_of_edges()} 辺 / edges"
              + ("（上限で打ち切り / truncated）" if view.truncated else ""), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    code, rep = _with_index(args, lambda idx: coverage(idx, orphan_limit=args.orphans))
    if rep is None:
        return code
    if args.format == "json":
        print(json.dumps(rep.as_dict(), ensure_ascii=False, indent=1))
        return 0
    t = rep.totals
    print("国の計画ごとの系譜 / national plans and what traces to them")
    print(render(["plan 計画", "agencies 法人", "documents 文書", "objectives 目標", "indicators 指標"],
                 [[p.label, p.agencies, p.documents, p.objectives, p.indicators] for p in rep.plans], max_width=50))
    print(f"\n孤立（どの計画にもたどり着かない）/ orphans: 目標 objectives {t['orphan_objectives']} / {t['objectives']}, "
          f"指標 indicators {t['orphan_indicators']} / {t['indicators']}")
    for o in rep.orphans:
        print(f"  [{o['class']}] {o['label']}  {o['where']}")
    print(f"循環 / cycles: {len(rep.cycles)}")
    for c in rep.cycles:
        print("  " + " → ".join(c))
    print(f"矛盾 / contradictions: {len(rep.contradictions)}")
    for c in rep.contradictions:
        print(f"  [{c['kind']}] {c['message_ja']} / {c['message_en']}  {c.get('where', '')}")
    return 0


def _report_parsers(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """The sub-commands of ``keifu report``, shared with other modules that add reports."""
    rep = sub.choices.get("report") or sub.add_parser("report", help="reports over the store / ストアの報告")
    for action in rep._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return rep.add_subparsers(dest="report", required=True)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register trace, lineage and report coverage on the top-level ``keifu`` parser (see keifu.cli)."""
    t = sub.add_parser("trace", help="indicators that trace to a national plan / 国の計画にたどり着く指標")
    t.add_argument("plan", help="plan IRI or name (partial, width- and spacing-insensitive) / 計画の IRI または名称")
    t.add_argument("--store", default=str(DEFAULT_STORE))
    t.add_argument("--format", choices=["table", "csv", "json"], default="table")
    t.add_argument("--goals", action="store_true", help="list goals and objectives too / 目標も含める")
    t.add_argument("--limit", type=int, default=None)
    t.add_argument("--all", action="store_true",
                   help="add document-level attributions judged not relevant, flagged / 関連の低い文書レベルの帰属も含める")
    t.set_defaults(func=cmd_trace)
    g = sub.add_parser("lineage", help="the lineage around a node as SVG, DOT, GraphML or JSON / 系譜図")
    g.add_argument("node", help="IRI or name of a plan, agency, objective or indicator / IRI または名称")
    g.add_argument("--store", default=str(DEFAULT_STORE))
    g.add_argument("--direction", choices=["up", "down", "both"], default="both")
    g.add_argument("--depth", type=int, default=4)
    g.add_argument("--format", choices=sorted(WRITERS), default="svg")
    g.add_argument("--max-nodes", type=int, default=400)
    g.add_argument("-o", "--output", default=None)
    g.add_argument("--kinds", help="only these classes, comma-separated (e.g. NationalPlan,Objective,Indicator) / 種類で絞る")
    g.add_argument("--agency", help="only nodes of this agency (its name) and of none / 法人で絞る")
    g.set_defaults(func=cmd_lineage)
    c = _report_parsers(sub).add_parser("coverage", help="national plans, orphans, cycles, contradictions / 網羅性")
    c.add_argument("--store", default=str(DEFAULT_STORE))
    c.add_argument("--format", choices=["table", "json"], default="table")
    c.add_argument("--orphans", type=int, default=50, help="orphans listed (all are counted) / 表示する孤立ノード数")
    c.set_defaults(func=cmd_coverage)
