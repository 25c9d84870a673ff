"""HTML building blocks of the analyst's pages: the layout with its search box, escaped text, links to the page
of each node, readable IRIs and the yearly-values chart drawn as SVG on the server.

Plain strings rather than a template engine: the pages are small, and this keeps keifu free of another
dependency. Everything shown is escaped here (:func:`esc`); nothing is fetched from outside the server.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import quote, unquote

from keifu.graph.vocab import KF

#: node class (local name) → the page that shows it
PAGE_OF = {"NationalPlan": "plan", "Agency": "agency", "Indicator": "indicator",
           "ObjectivesDocument": "document", "AgencyPlan": "document", "PolicyEvaluation": "document",
           "Briefing": "document", "Document": "document"}
KF_NS = str(KF)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@lru_cache(maxsize=65536)
def readable(iri: str) -> str:
    """An IRI as people read it: percent-escapes of Japanese decoded (IRIs allow them)."""
    return unquote(iri)


@lru_cache(maxsize=65536)
def _q(text: str) -> str:
    return quote(text, safe="")


def href(page: str, iri: str, **extra: str) -> str:
    q = "&".join([f"iri={_q(iri)}", *(f"{k}={_q(v)}" for k, v in extra.items() if v)])
    return f"/{page}?{q}"


def link(iri: str | None, label: str | None = None, page: str = "node") -> str:
    """A link to the page of a node (``node`` finds the page from the node's class)."""
    if not iri:
        return esc(label or "")
    return f'<a href="{esc(href(page, iri))}" title="{esc(readable(iri))}">{esc(label or readable(iri))}</a>'


def page_for_class(cls: str | None) -> str:
    name = (cls or "").removeprefix(KF_NS)
    return PAGE_OF.get(name, "node")


def table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "", empty: str = "") -> str:
    """Rows of HTML cells (already escaped) under a header of plain text."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    if not body:
        return f'<p class="empty">{esc(empty or "なし / none")}</p>'
    return (f'<table class="{esc(cls)}"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in head)
            + f"</tr></thead><tbody>{body}</tbody></table>")


def facts(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list of (plain label, HTML value); empty values left out."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs if v not in (None, ""))
    return f'<dl class="facts">{items}</dl>'


def source_ref(file: str | None, page: object, line: object, last: object = None) -> str:
    """``file p.N l.M–K`` as printed in the source."""
    if not file and not line:
        return ""
    where = esc(file or "")
    if page not in (None, ""):
        where += f" p.{esc(page)}"
    if line not in (None, ""):
        where += f" l.{esc(line)}" + (f"–{esc(last)}" if last not in (None, "", line) else "")
    return where


NAV = [("/home", "ホーム", "Home"), ("/plans", "計画一覧", "Plans"), ("/search", "検索", "Search"),
       ("/lineage/view", "系譜", "Lineage"), ("/", "SPARQL", "Query"), ("/validate", "検証", "Validate"),
       ("/docs", "API", "API")]


def layout(title: str, body: str, q: str = "", subtitle: str = "") -> str:
    """A whole page: navigation, the search box (on every page), the title and the body."""
    nav = "".join(f'<a href="{u}">{esc(ja)} <span class="en">{esc(en)}</span></a>' for u, ja, en in NAV)
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} — keifu 系譜</title><link rel="stylesheet" href="/static/pages.css"></head>
<body><header><a class="brand" href="/home">keifu 系譜</a><nav>{nav}</nav>
<form class="search" action="/search" method="get" role="search"><input type="search" name="q" value="{esc(q)}"
 placeholder="計画・目標・指標を検索 / search plans, objectives, indicators" aria-label="search 検索">
<button type="submit">検索 <span class="en">Search</span></button></form></header>
<main><h1>{esc(title)}</h1>{f'<p class="subtitle">{subtitle}</p>' if subtitle else ''}{body}</main>
<footer>keifu 系譜 — 出典のページと行まで辿れる政策の系譜グラフ / a policy graph with provenance to the line</footer>
</body></html>"""


def _num(v: object) -> float | None:
    try:
        return float(str(v))
    except (TypeError, ValueError):
        return None


PALETTE = ["#1f6fb2", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#5c940d", "#0b7285", "#e67700"]


def chart(series: dict[str, list[tuple[int, float]]], targets: Sequence[tuple[int | None, float]] = (),
          unit: str = "", width: int = 640, height: int = 260) -> str:
    """A line chart of yearly values (one line per category), targets as dashed lines: inline SVG, no script."""
    points = [p for s in series.values() for p in s]
    if not points:
        return ""
    years = sorted({y for y, _ in points} | {y for y, _ in targets if y is not None})
    values = [v for _, v in points] + [v for _, v in targets]
    lo, hi = min(values + [0.0]), max(values)
    if hi == lo:
        hi = lo + 1
    left, right, top, bottom = 64, 16, 18, 40
    w, h = width - left - right, height - top - bottom

    def x(year: int) -> float:
        return left + (w / 2 if len(years) == 1 else w * (year - years[0]) / (years[-1] - years[0]))

    def y(v: float) -> float:
        return top + h - h * (v - lo) / (hi - lo)

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="年度別の値 / yearly values">']
    for i in range(5):  # horizontal grid with values
        v = lo + (hi - lo) * i / 4
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                   f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{esc(_short(v))}</text>')
    for yr in years:
        out.append(f'<text x="{x(yr):.1f}" y="{top + h + 18}" text-anchor="middle">{yr}</text>')
    if unit:
        out.append(f'<text x="{left + 4}" y="{top - 4 if top > 12 else top + 10}" class="unit">({esc(unit)})</text>')
    if targets:
        out.append(f'<text x="{left + w}" y="{top + h + 32}" text-anchor="end">'
                   '--- 目標 / target</text>')
    for v_year, v in targets:
        colour = "#868e96"
        if v_year is None:
            out.append(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="target"/>')
        else:
            out.append(f'<circle cx="{x(v_year):.1f}" cy="{y(v):.1f}" r="5" fill="none" stroke="{colour}" '
                       f'stroke-width="2"><title>目標 / target {v_year}: {esc(_short(v))}</title></circle>')
    for n, (name, pts) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        pts = sorted(pts)
        path = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for yr, v in pts:
            out.append(f'<circle cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}"><title>{esc(name)} '
                       f'{yr}: {esc(_short(v))}{esc(unit)}</title></circle>')
        if len(series) > 1:
            out.append(f'<text x="{left + 8}" y="{top + 14 + 14 * n}" fill="{colour}">{esc(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def _short(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.2f}".rstrip("0").rstrip(".")
