"""Lineage views: the subgraph around a node, a layered layout (networkx), and SVG, DOT, GraphML and JSON.

Plans are drawn at the top and indicators at the bottom: a node's layer is its longest distance
down from a node with nothing above it in the view (cycles are condensed first), and nodes within a
layer are ordered by the barycentre of their neighbours to keep edges from crossing. The SVG writer is
our own, so no graphviz binary is needed.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from keifu.extract import kinds

from ..vocab import KF
from . import LineageIndex, curie, layer_of_class
from .trace import AmbiguousName, Candidate, resolve

__all__ = ["EDGE_WORDS", "View", "resolve_node", "subgraph", "to_dot", "to_graphml", "to_json", "to_svg"]

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 184, 46, 22, 86, 24
MAX_ROW = 24
#: Fill colours by node class (unknown classes are grey); document classes' from the kinds table.
COLOURS = {
    "NationalPlan": "#c0392b", "Law": "#922b21", "Document": "#7f8c8d", "Agency": "#117a65", **kinds.class_colours(),
    "PolicyGoal": "#1a5276", "MeasureGoal": "#1f618d", "AchievementGoal": "#2471a3", "Objective": "#2e86c1",
    "Goal": "#2e86c1", "EvaluationAxis": "#7d3c98", "Indicator": "#1e8449", "BudgetProgram": "#ca6f1e",
}


#: edges in words, read from the lower node to the higher one (「指標 —の指標→ 目標」「文書 —に基づく→ 計画」)
EDGE_WORDS: dict[str, tuple[str, str]] = {
    "hasIndicator": ("の指標", "indicator of"), "hasAxis": ("の評価軸", "axis of"), "partOf": ("の一部", "part of"),
    "implements": ("を実施", "implements"), "contributesTo": ("に寄与", "contributes to"),
    "inDocument": ("の文書", "in document"), "basedOn": ("に基づく", "based on"), "setFor": ("の法人", "set for"),
    "dcterms:isVersionOf": ("の版", "version of"), "isVersionOf": ("の版", "version of"),
}


def edge_words(prop: object) -> tuple[str, str]:
    return EDGE_WORDS.get(str(prop), (str(prop), str(prop)))


def _agencies(idx: LineageIndex) -> dict[str, str]:
    return {ag: label for ag, label in idx.agency_of_doc.values()}


def resolve_node(idx: LineageIndex, name: str) -> Candidate:
    """The node to draw for a name or IRI. Agencies are no lineage nodes, so their IRIs are looked up here; a
    name matching an agency and also its documents or its founding law (「日本医療研究開発機構」) means the
    agency when exactly one agency is among the candidates."""
    agencies = _agencies(idx)
    if name in agencies:
        return Candidate(name, agencies[name], "Agency", True, agencies[name])
    classes = set(layer_of_class()) | {str(KF.Agency)}
    try:
        return resolve(idx, name, classes=classes)
    except AmbiguousName as e:
        picked = [c for c in e.candidates if c.cls == "Agency"]
        if len(picked) == 1:
            return picked[0]
        raise


@dataclass
class View:
    """A lineage subgraph ready to draw: nodes with positions, edges with evidence."""

    start: list[str]
    direction: str
    depth: int
    graph: nx.DiGraph
    truncated: bool = False
    width: int = 0
    height: int = 0
    meta: dict[str, dict[str, object]] = field(default_factory=dict)


def subgraph(idx: LineageIndex, start: str, direction: str = "both", depth: int = 4,
             max_nodes: int = 400, expand: Iterable[str] = (), kinds: Iterable[str] | None = None,
             agency: str | None = None, hide: Iterable[str] = ()) -> View:
    """Nodes within ``depth`` steps of ``start`` going up, down or both; an agency starts from its documents.

    ``expand``: nodes whose neighbours (one step, same direction) are added too — the viewer starts at depth 1
    and grows where the reader clicks. ``kinds`` (class local names) and ``agency`` (its label) hide the other
    nodes, ``hide`` the nodes of those classes (the start and the expanded nodes stay); nodes of no agency (plans, laws) always stay. Each node's
    ``more`` counts its neighbours left out of the view, so a reader sees where it can grow."""
    if direction not in ("up", "down", "both"):
        raise ValueError(direction)
    docs = sorted(d for d, (ag, _l) in idx.agency_of_doc.items() if ag == start)
    seeds = docs if start not in idx.graph and docs else [start]
    dist: dict[str, int] = {s: 0 for s in seeds if s in idx.graph}
    truncated = False
    steps = ([idx.graph.successors] if direction == "up" else [idx.graph.predecessors] if direction == "down"
             else [idx.graph.successors, idx.graph.predecessors])
    for nbrs in steps:
        seen = {s: 0 for s in dist}
        queue = deque(seen)
        while queue:
            n = queue.popleft()
            if seen[n] >= depth:
                continue
            for m in sorted(nbrs(n)):
                if m not in seen:
                    if len(dist) >= max_nodes and m not in dist:
                        truncated = True
                        continue
                    seen[m] = seen[n] + 1
                    dist.setdefault(m, seen[m])
                    queue.append(m)
    opened = [n for n in dict.fromkeys(expand) if n in idx.graph]
    for n in opened:
        dist.setdefault(n, depth + 1)
        for nbrs in steps:
            for m in sorted(nbrs(n)):
                if m not in dist:
                    if len(dist) >= max_nodes:
                        truncated = True
                        break
                    dist[m] = depth + 1
    keep = set(seeds) | set(opened)
    if kinds is not None:
        wanted = set(kinds)
        dist = {n: d for n, d in dist.items() if n in keep or idx.cls(n) in wanted}
    hidden = set(hide)
    if hidden:
        dist = {n: d for n, d in dist.items() if n in keep or idx.cls(n) not in hidden}
    if agency:
        dist = {n: d for n, d in dist.items() if n in keep or (idx.agency(n) or (None, None))[1] in (None, agency)}
    g = nx.DiGraph(idx.graph.subgraph(dist))
    for n in g:
        g.nodes[n]["more"] = sum(1 for nbrs in steps for m in nbrs(n) if m not in g)
    if docs and start not in idx.graph:
        ag_label = idx.agency_of_doc[docs[0]][1]
        for d in docs:
            if d in g:
                g.add_edge(d, start, prop="setFor", evidence="lower")
        g.nodes[start]["agency_label"] = ag_label
        g.nodes[start]["more"] = 0
    view = View(seeds if docs else [start], direction, depth, g, truncated)
    _describe(idx, view)
    _layout(view)
    return view


def _describe(idx: LineageIndex, view: View) -> None:
    g = view.graph
    prov = idx.provenance(n for n in g if n in idx.types)
    for n in g:
        if "agency_label" in g.nodes[n]:
            view.meta[n] = {"label": g.nodes[n]["agency_label"], "class": "Agency", "more": 0}
            continue
        p = prov.get(n, {})
        ag = idx.agency(n)
        view.meta[n] = {"label": idx.display(n), "class": idx.cls(n), "agency": ag[1] if ag else None,
                        "file": p.get("file"), "page": p.get("page"), "line": p.get("line"),
                        "last_line": p.get("last"), "quote": p.get("quote"), "kind": idx.indicator_kind.get(n),
                        "more": g.nodes[n].get("more", 0)}
    pairs = [(u, v) for u, v, d in g.edges(data=True) if d.get("prop") != "setFor"]
    for s in idx.edge_steps(pairs):
        g.edges[s.lower, s.higher]["step"] = s.as_dict()


def _layers(view: View) -> dict[str, int]:
    """Longest distance down from a node with nothing above it (plans at 0); a cycle shares one layer."""
    cond = nx.condensation(view.graph)
    layer: dict[int, int] = {}
    for c in reversed(list(nx.topological_sort(cond))):  # edges point up, so the top comes last
        succ = list(cond.successors(c))
        layer[c] = 1 + max(layer[s] for s in succ) if succ else 0
    mapping = cond.graph["mapping"]
    return {n: layer[mapping[n]] for n in view.graph}


def _layout(view: View) -> None:
    g = view.graph
    layer = _layers(view)
    hints = layer_of_class()
    rows: dict[int, list[str]] = {}
    for n, k in layer.items():
        rows.setdefault(k, []).append(n)
    for k in rows:
        rows[k].sort(key=lambda n: (hints.get("https://w3id.org/keifu/ns#" + str(view.meta[n]["class"]), 9),
                                    str(view.meta[n]["label"]), n))
    order = {n: i for k in rows for i, n in enumerate(rows[k])}
    for sweep in range(4):  # barycentre sweeps, downwards then upwards
        ks = sorted(rows) if sweep % 2 == 0 else sorted(rows, reverse=True)
        for k in ks:
            def bary(n: str, k: int = k) -> float:
                nb = [m for m in (*g.successors(n), *g.predecessors(n)) if layer[m] != k]
                return sum(order[m] for m in nb) / len(nb) if nb else order[n]
            rows[k].sort(key=lambda n: (bary(n), order[n]))
            order.update({n: i for i, n in enumerate(rows[k])})
    # a layer wider than MAX_ROW nodes wraps onto several rows, so a plan with hundreds of indicators stays legible
    widest = min(max((len(r) for r in rows.values()), default=1), MAX_ROW)
    total_w = widest * (NODE_W + GAP_X) - GAP_X
    y = MARGIN
    for k in sorted(rows):
        row = rows[k]
        for start in range(0, len(row), MAX_ROW):
            part = row[start:start + MAX_ROW]
            row_w = len(part) * (NODE_W + GAP_X) - GAP_X
            x0 = MARGIN + (total_w - row_w) / 2
            for i, n in enumerate(part):
                g.nodes[n].update(x=round(x0 + i * (NODE_W + GAP_X), 1), y=y, layer=k)
            y += NODE_H + (GAP_Y if start + MAX_ROW >= len(row) else GAP_X)
    view.width = int(total_w + 2 * MARGIN)
    view.height = int(y - GAP_Y + MARGIN)


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------


def to_json(view: View) -> dict[str, object]:
    g = view.graph
    nodes = [{"id": n, **view.meta[n], "layer": g.nodes[n]["layer"], "x": g.nodes[n]["x"], "y": g.nodes[n]["y"],
              "width": NODE_W, "height": NODE_H} for n in sorted(g, key=lambda n: (g.nodes[n]["layer"], g.nodes[n]["x"]))]
    edges = [{"source": u, "target": v, "edge": curie(str(d.get('prop'))), "label": edge_words(d.get("prop"))[0],
              "label_en": edge_words(d.get("prop"))[1], "evidence": d.get("step")}
             for u, v, d in sorted(g.edges(data=True))]
    return {"start": view.start, "direction": view.direction, "depth": view.depth, "truncated": view.truncated,
            "width": view.width, "height": view.height, "nodes": nodes, "edges": edges}


def _wrap(text: str, width: int = 13, lines: int = 2) -> list[str]:
    out = [text[i:i + width] for i in range(0, len(text), width)][:lines]
    if len(text) > width * lines:
        out[-1] = out[-1][:-1] + "…"
    return out


def to_svg(view: View) -> str:
    """A standalone SVG drawing (upward edges drawn from the lower node's top to the higher node's bottom)."""
    g = view.graph
    out = io.StringIO()
    out.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{view.width}" height="{view.height}" '
              f'viewBox="0 0 {view.width} {view.height}" font-family="Noto Sans CJK JP, IPAGothic, sans-serif" '
              'font-size="12">\n<rect width="100%" height="100%" fill="#ffffff"/>\n<g class="edges" fill="none">\n')
    for u, v, d in sorted(g.edges(data=True)):
        x1, y1 = g.nodes[u]["x"] + NODE_W / 2, g.nodes[u]["y"]
        x2, y2 = g.nodes[v]["x"] + NODE_W / 2, g.nodes[v]["y"] + NODE_H
        my = (y1 + y2) / 2
        colour = "#c0392b" if d.get("prop") == "basedOn" else "#95a5a6"
        ja, en = edge_words(d.get("prop"))
        tip = f"{ja} / {en} (kf:{d.get('prop')})"
        out.write(f'<path class="edge" data-source={quoteattr(u)} data-target={quoteattr(v)} '
                  f'd="M{x1},{y1} C{x1},{my} {x2},{my} {x2},{y2}" stroke="{colour}" stroke-width="1.4">'
                  f'<title>{escape(tip)}</title></path>'
                  f'<text class="edge-label" x="{(x1 + x2) / 2:.1f}" y="{my + 4:.1f}" text-anchor="middle" '
                  f'font-size="10" fill="#566573" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                  f'{escape(ja)}</text>\n')
    out.write('</g>\n<g class="nodes">\n')
    for n in sorted(g):
        m, x, y = view.meta[n], g.nodes[n]["x"], g.nodes[n]["y"]
        fill = COLOURS.get(str(m["class"]), "#7f8c8d")
        where = ":".join(str(v) for v in (m.get("file"), m.get("line")) if v)
        out.write(f'<g class="node" data-id={quoteattr(n)} data-class={quoteattr(str(m["class"]))} '
                  f'transform="translate({x},{y})"><title>{escape(str(m["label"]))}'
                  f'{escape(" — " + where) if where else ""}</title>'
                  f'<rect width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" stroke="#1b2631" stroke-width="0.6"/>')
        for i, line in enumerate(_wrap(str(m["label"]))):
            out.write(f'<text x="8" y="{18 + i * 16}" fill="#ffffff">{escape(line)}</text>')
        if m.get("more"):
            out.write(f'<text class="more" x="{NODE_W - 6}" y="{NODE_H - 5}" text-anchor="end" font-size="10" '
                      f'fill="#fdebd0">+{m["more"]}</text>')
        out.write("</g>\n")
    out.write("</g>\n</svg>\n")
    return out.getvalue()


def _dot_str(s: object) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(view: View) -> str:
    g = view.graph
    lines = ["digraph lineage {", "  rankdir=BT;", '  node [shape=box, style="rounded,filled", fontcolor=white];']
    for n in sorted(g):
        m = view.meta[n]
        lines.append(f"  {_dot_str(n)} [label={_dot_str(m['label'])}, fillcolor={_dot_str(COLOURS.get(str(m['class']), '#7f8c8d'))}, "
                     f"class={_dot_str(m['class'])}];")
    for u, v, d in sorted(g.edges(data=True)):
        ja, en = edge_words(d.get("prop"))
        lines.append(f"  {_dot_str(u)} -> {_dot_str(v)} [label={_dot_str(ja)}, tooltip={_dot_str(en + ' (kf:' + str(d.get('prop')) + ')')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_graphml(view: View) -> str:
    """GraphML through networkx; attributes are flattened to strings and numbers."""
    h = nx.DiGraph()
    for n in view.graph:
        m = view.meta[n]
        h.add_node(n, **{k: v for k, v in m.items() if v is not None and not isinstance(v, (list, dict))},
                   layer=view.graph.nodes[n]["layer"], x=view.graph.nodes[n]["x"], y=view.graph.nodes[n]["y"])
    for u, v, d in view.graph.edges(data=True):
        step = d.get("step") or {}
        attrs = {"edge": curie(str(d.get('prop')))}
        for k in ("quote", "file", "page", "line"):
            if step.get(k) is not None:
                attrs[k] = step[k]
        h.add_edge(u, v, **attrs)
    return "\n".join(nx.generate_graphml(h)) + "\n"
