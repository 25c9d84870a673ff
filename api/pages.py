"""The analyst's pages, rendered on the server: home, the plan register, a plan with its trace table, an agency, a
document's objective tree, an indicator with its yearly values, the source lines of a node, and search.

Every page reads the store the lineage API reads (:func:`keifu.api.lineage.lineage_store`) with SPARQL, and the
trace answer from :func:`keifu.graph.lineage.trace.trace`. Every name links to its page (``/node?iri=`` finds the page
from the node's class); IRIs are shown decoded. No page loads anything from outside the server.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, TypeVar
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from keifu.extract.errors import KeifuError
from keifu.extract.normalize import squash
from keifu.extract.plans import base_name, plan_edition
from keifu.graph.lineage import index_for
from keifu.graph.lineage.render import edge_words
from keifu.graph.lineage.trace import trace
from keifu.graph.lineage.trace_index import CSV_HEAD_LINE
from keifu.graph.search_index import fingerprint
from keifu.graph.search_index import search as search_store
from keifu.graph.store import Store
from keifu.graph.vocab import KF, PREFIXES, sparql_prefixes
from keifu.graph.xlsx import xlsx_bytes
from keifu.resources import data_dir

from .errors import keifu_error
from .html import chart, esc, facts, href, layout, link, page_for_class, readable, source_ref, table
from .lineage import StoreDep
from .trace_jobs import indexed_rows

router = APIRouter(tags=["pages ページ"])
T = TypeVar("T")
DCT = "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
KF_CONCEPT = "https://w3id.org/keifu/ns/concept/"
KINDS_JA = {"plan": "計画", "objective": "目標", "indicator": "指標", "agency": "法人"}


_MEMO: weakref.WeakKeyDictionary[Store, tuple[str, float, dict[str, object]]] = weakref.WeakKeyDictionary()
#: seconds a fingerprint is trusted before it is computed again (it costs a few ms: the store's size)
RECHECK = 1.0


def _memo(store: Store, key: str, make: Callable[[], T]) -> T:
    """``make()`` once per state of the store: answers that read the whole store (the register, the agencies)
    are kept until the store's fingerprint (size, sha256 of every source file) changes; it is looked at again
    after :data:`RECHECK` seconds, so a change shows within a second."""
    held = _MEMO.get(store)
    now = time.monotonic()
    if held is None or now - held[1] > RECHECK:
        fp = fingerprint(store)
        held = _MEMO[store] = (fp, now, held[2] if held is not None and held[0] == fp else {})
    if key not in held[2]:
        held[2][key] = make()
    return held[2][key]  # type: ignore[return-value]


def _select(store: Store, q: str) -> list[dict[str, str | None]]:
    return list(store.select(sparql_prefixes() + DCT + q))


def _first(store: Store, query: Callable[[], str]) -> dict[str, str | None] | None:
    """The first row of a page's main query, or None when there is none or the IRI asked for is not one (the
    query is built here, so the IRI check of :func:`_iri` is caught with the rest)."""
    try:
        rows = _select(store, query())
    except ValueError:
        return None
    return rows[0] if rows else None


def _iri(value: str) -> str:
    """An IRI for a VALUES clause (pyoxigraph rejects what is not one: a 400 below, not an injection)."""
    if any(c in value for c in "<>\"{}|^`\\ \n"):
        raise ValueError(value)
    return f"<{value}>"


def _html(title: str, body: str, q: str = "", subtitle: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(layout(title, body, q, subtitle), status_code=status)


def _not_found(iri: str) -> HTMLResponse:
    return _html("見つかりません / Not found", f"<p>{esc(readable(iri))} はこのストアにありません / is not in this store.</p>",
                 status=404)


def _anchor(iri: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", iri.rsplit("/", 3)[-1] if "/obj/" not in iri else iri.split("/obj/")[-1])


@lru_cache(maxsize=1)
def _concept_labels() -> dict[str, str]:
    """SKOS concept IRI → 「日本語 / English」 from ontology/concepts.ttl (document, plan, indicator … kinds)."""
    store = ox.Store()
    store.load(path=str(data_dir("ontology") / "concepts.ttl"), format=ox.RdfFormat.TURTLE)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for q in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None):
        if isinstance(q.object, ox.Literal) and q.object.language:
            labels[q.subject.value][q.object.language] = q.object.value
    return {c: " / ".join(v for v in (ls.get("ja"), ls.get("en")) if v) for c, ls in labels.items()}


def _concept(iri: str | None) -> str:
    """A concept's labels (its last IRI segment when the ontology has none)."""
    if not iri:
        return ""
    return _concept_labels().get(iri) or iri.rsplit("/", 1)[-1]


def _classes(store: Store, iri: str) -> set[str]:
    return {r["c"] for r in _select(store, f"SELECT ?c WHERE {{ {_iri(iri)} a ?c }}") if r["c"]}


# --------------------------------------------------------------------------------------------------
# home, node dispatch
# --------------------------------------------------------------------------------------------------

DOC_CLASSES = "kf:ObjectivesDocument kf:AgencyPlan kf:PolicyEvaluation kf:Briefing"


@router.get("/home", response_class=HTMLResponse, summary="home: what is loaded / ホーム")
def home(store: StoreDep) -> HTMLResponse:
    return _html("読み込まれている文書 / What is loaded", _memo(store, "home", lambda: _home_body(store)))


def _home_body(store: Store) -> str:
    counts = {r["c"]: r["n"] for r in _select(store, """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {
        VALUES ?c { kf:NationalPlan kf:Agency kf:Objective kf:Goal kf:Indicator kf:SourceFile qb:Observation }
        ?s a ?c } GROUP BY ?c""")}
    docs = _select(store, f"""SELECT ?d ?l ?k ?a ?al ?file (COUNT(DISTINCT ?o) AS ?nobj) WHERE {{
        VALUES ?c {{ {DOC_CLASSES} }} ?d a ?c ; rdfs:label ?l .
        OPTIONAL {{ ?d kf:documentKind ?k }} OPTIONAL {{ ?d prov:wasDerivedFrom ?s . ?s dcterms:title ?file }}
        OPTIONAL {{ ?d kf:setFor ?a . ?a rdfs:label ?al }}
        OPTIONAL {{ ?o kf:inDocument ?d ; a kf:Goal }} }} GROUP BY ?d ?l ?k ?a ?al ?file ORDER BY ?file ?d""")
    agencies = _agencies(store)
    n = lambda c: counts.get(str(c), "0")  # noqa: E731
    summary = facts([("文書 / documents", esc(len(docs))), ("法人 / agencies", esc(n(KF.Agency))),
                     ("国の計画 / national plans", f'<a href="/plans">{esc(n(KF.NationalPlan))}</a>'),
                     ("目標 / objectives and goals", esc(n(KF.Goal))), ("指標 / indicators", esc(n(KF.Indicator))),
                     ("年度の値 / yearly values", esc(n("http://purl.org/linked-data/cube#Observation"))),
                     ("出典ファイル / source files", esc(n(KF.SourceFile)))])
    doc_rows = [[link(d["d"], d["l"], "document"), esc(_concept(d["k"])), link(d["a"], d["al"], "agency"),
                 esc(d["nobj"]), esc(d["file"])] for d in docs]
    ag_rows = [[link(a["a"], a["l"], "agency"), esc(a["docs"]), esc(a["ind"])] for a in agencies]
    body = (summary + "<h2>文書 / Documents</h2>"
            + table(["文書 / document", "種別 / kind", "法人 / agency", "目標 / goals", "ファイル / file"], doc_rows)
            + "<h2>法人 / Agencies</h2>" + table(["法人 / agency", "文書 / documents", "指標 / indicators"], ag_rows)
            + "<h2>指標の多い国の計画 / Plans most indicators trace to</h2>" + _top_plans(store)
            + '<p><a href="/plans">国の計画の一覧 / the plan register →</a></p>')
    return body


def _top_plans(store: Store, n: int = 10) -> str:
    counts = _plan_counts(store)
    top = sorted((p for p in counts if counts[p]["ind"]), key=lambda p: (-counts[p]["ind"], p))[:n]
    if not top:
        return '<p class="empty">なし / none</p>'
    labels = {r["p"]: r["l"] for r in _select(store, "SELECT ?p (SAMPLE(?x) AS ?l) WHERE { VALUES ?p { "
                                               + " ".join(_iri(p) for p in top) + " } ?p rdfs:label ?x } GROUP BY ?p")}
    return table(["計画 / plan", "法人 / agencies", "指標 / indicators"],
                 [[link(p, labels.get(p), "plan"), esc(counts[p]["ag"]), esc(counts[p]["ind"])] for p in top])


def _agencies(store: Store) -> list[dict[str, str | None]]:
    return _memo(store, "agencies", lambda: _select(store, """SELECT ?a ?l (COUNT(DISTINCT ?d) AS ?docs) (COUNT(DISTINCT ?i) AS ?ind) WHERE {
        ?a a kf:Agency ; rdfs:label ?l .
        OPTIONAL { { ?d kf:setFor ?a } UNION { ?d kf:issuedBy ?a } OPTIONAL { ?i kf:inDocument ?d ; a kf:Indicator } }
        } GROUP BY ?a ?l ORDER BY ?l"""))


@router.get("/node", summary="the page of any node / ノードのページへ")
def node(store: StoreDep, iri: str) -> Response:
    """Redirect to the page that shows the node's class; goals and objectives go to their own page."""
    try:
        classes = _classes(store, iri)
    except ValueError:
        return _not_found(iri)
    if not classes:
        return _not_found(iri)
    pages = {page_for_class(c) for c in classes} - {"node"}
    if pages:
        return RedirectResponse(href(sorted(pages)[0], iri), status_code=303)
    if str(KF.Goal) in classes or str(KF.Objective) in classes:
        return RedirectResponse(href("objective", iri), status_code=303)
    return _generic(store, iri)


def _generic(store: Store, iri: str) -> HTMLResponse:
    """A node of a class without a page of its own (a deciding body, a law, a target …): its statements both
    ways, every IRI linked to its page."""
    out = _select(store, f"""SELECT ?p ?o ?ol WHERE {{ {_iri(iri)} ?p ?o . OPTIONAL {{ ?o rdfs:label ?ol }} }}
        ORDER BY ?p ?o LIMIT 500""")
    into = _select(store, f"""SELECT ?s ?p ?sl WHERE {{ ?s ?p {_iri(iri)} . OPTIONAL {{ ?s rdfs:label ?sl }} }}
        ORDER BY ?p ?s LIMIT 500""")
    label = next((r["o"] for r in out if r["p"] == "http://www.w3.org/2000/01/rdf-schema#label"), None)

    def term(value: str | None, shown: str | None) -> str:
        if value and value.startswith(("http://", "https://")):
            if value.startswith("https://w3id.org/keifu/id/"):
                return link(value, shown)
            return esc(_concept(value) if "/concept/" in value else readable(value))
        return esc(value)

    has_source = any(r["p"] == str(KF.line) for r in out)
    body = (facts([("IRI", esc(readable(iri)))])
            + (f'<p><a class="src" href="{esc(href("source", iri))}">原文の行 / source line</a></p>' if has_source else "")
            + "<h2>このノードから / From this node</h2>"
            + table(["述語 / property", "値 / value"], [[esc(_curie(r["p"])), term(r["o"], r["ol"])] for r in out])
            + "<h2>このノードへ / To this node</h2>"
            + table(["主語 / subject", "述語 / property"], [[term(r["s"], r["sl"]), esc(_curie(r["p"]))] for r in into]))
    return _html(label or readable(iri), body, subtitle="ノード / node")


def _curie(iri: str | None) -> str:
    for prefix, ns in PREFIXES.items():
        if iri and iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri or ""


# --------------------------------------------------------------------------------------------------
# plans
# --------------------------------------------------------------------------------------------------


def _plan_counts(store: Store) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"ind": 0, "obj": 0, "ag": 0})
    for r in _select(store, """SELECT ?p (COUNT(DISTINCT ?i) AS ?ind) (COUNT(DISTINCT ?o) AS ?obj) WHERE {
            { ?i kf:tracesTo ?p ; a kf:Indicator } UNION { ?o kf:tracesTo ?p . FILTER NOT EXISTS { ?o a kf:Indicator } }
            } GROUP BY ?p"""):
        out[r["p"]]["ind"], out[r["p"]]["obj"] = int(r["ind"] or 0), int(r["obj"] or 0)
    for r in _select(store, """SELECT ?p (COUNT(DISTINCT ?a) AS ?ag) WHERE {
            ?n kf:tracesTo ?p ; kf:inDocument ?d . { ?d kf:setFor ?a } UNION { ?d kf:issuedBy ?a } ?a a kf:Agency
            } GROUP BY ?p"""):
        out[r["p"]]["ag"] = int(r["ag"] or 0)
    return out


@router.get("/plans", response_class=HTMLResponse, summary="the plan register / 国の計画の一覧")
def plans(store: StoreDep) -> HTMLResponse:
    n, body = _memo(store, "plans", lambda: _register(store))
    return _html("国の計画 / National plans", body, subtitle=f"{n} 件。指標の多い順 / {n} plans, most indicators first")


def _register(store: Store) -> tuple[int, str]:
    rows = _select(store, """SELECT ?p (SAMPLE(?l) AS ?label) (SAMPLE(?k) AS ?kind) (SAMPLE(?e) AS ?edition)
            (SAMPLE(?dt) AS ?date) (SAMPLE(?bl) AS ?body) (SAMPLE(?b) AS ?bodyNode) WHERE {
        ?p a kf:NationalPlan ; rdfs:label ?l . OPTIONAL { ?p kf:planKind ?k } OPTIONAL { ?p kf:edition ?e }
        OPTIONAL { ?p kf:decisionDate ?dt } OPTIONAL { ?p kf:decidedBy ?b . ?b rdfs:label ?bl } } GROUP BY ?p""")
    counts = _plan_counts(store)
    rows.sort(key=lambda r: (-counts[r["p"]]["ind"], -counts[r["p"]]["obj"], r["label"] or ""))
    cells = [[link(r["p"], r["label"], "plan"), esc(_concept(r["kind"])), esc(r["edition"]), esc(r["date"]),
              link(r["bodyNode"], r["body"]), esc(counts[r["p"]]["ag"]), esc(counts[r["p"]]["obj"]), esc(counts[r["p"]]["ind"])]
             for r in rows]
    head = ["計画 / plan", "種別 / kind", "期 / edition", "決定日 / decided", "決定主体 / deciding body",
            "法人 / agencies", "目標 / objectives", "指標 / indicators"]
    return len(rows), table(head, cells, "register")


def _trace_rows(store: Store, iri: str, agency: str = "", attribution: str = "",
                evidence: bool = False) -> list[dict[str, object]]:
    """The default trace answer's rows, from the trace index when it is current (else traced live), filtered."""
    texts = indexed_rows(store, iri, evidence)
    rows = ([json.loads(t) for t in texts] if texts is not None
            else [r.as_dict() for r in trace(index_for(store), iri, evidence=evidence).rows])
    return [r for r in rows if (not agency or r.get("agency") == agency)
            and (not attribution or str(r.get("attribution", "")) == attribution)]


KNOWN = ("iri", "label", "class", "kind", "agency", "document", "document_label", "objective_path", "axis",
         "targets", "chain", "evidence")


def _cell(v: object) -> str:
    if isinstance(v, list):
        return esc(" / ".join(str(x) for x in v))
    if isinstance(v, dict):
        return esc(", ".join(f"{k}: {x}" for k, x in v.items()))
    return esc(v)


@router.get("/plan", response_class=HTMLResponse, summary="a national plan and what traces to it / 国の計画のページ")
def plan(store: StoreDep, iri: str, agency: str = "", attribution: str = "") -> HTMLResponse:
    p = _first(store, lambda: f"""SELECT ?l ?k ?e ?dt ?b ?bl ?law WHERE {{ VALUES ?p {{ {_iri(iri)} }}
            ?p a kf:NationalPlan ; rdfs:label ?l . OPTIONAL {{ ?p kf:planKind ?k }} OPTIONAL {{ ?p kf:edition ?e }}
            OPTIONAL {{ ?p kf:decisionDate ?dt }} OPTIONAL {{ ?p kf:decidedBy ?b . ?b rdfs:label ?bl }}
            OPTIONAL {{ ?p kf:lawNumber ?law }} }} LIMIT 1""")
    if p is None:
        return _not_found(iri)
    alt = sorted({r["n"] for r in _select(store, f"""SELECT ?n WHERE {{ {{ ?c kf:cites {_iri(iri)} .
        {{ ?c kf:name ?n }} UNION {{ ?c kf:alias ?n }} }} UNION {{ {_iri(iri)} skos:altLabel ?n }} }}""")} - {p["l"]})
    under = _select(store, f"""SELECT DISTINCT ?q ?l WHERE {{ ?q kf:basedOn {_iri(iri)} ; a kf:NationalPlan ;
        rdfs:label ?l }} ORDER BY ?l""")
    above = _select(store, f"""SELECT DISTINCT ?q ?l WHERE {{ {_iri(iri)} kf:basedOn ?q . ?q a kf:NationalPlan ;
        rdfs:label ?l }} ORDER BY ?l""")
    citing = _select(store, f"""SELECT ?d (SAMPLE(?dl) AS ?label) (COUNT(DISTINCT ?c) AS ?n) WHERE {{
        ?c kf:cites {_iri(iri)} . ?o kf:hasCitation ?c . OPTIONAL {{ ?o kf:inDocument ?d0 }}
        BIND(COALESCE(?d0, ?o) AS ?d) ?d rdfs:label ?dl }} GROUP BY ?d ORDER BY ?label""")
    editions = _editions(store, iri, p["l"] or "")
    rows = _trace_rows(store, iri)
    agencies = sorted({str(r["agency"]) for r in rows if r.get("agency")})
    attributions = sorted({str(r["attribution"]) for r in rows if r.get("attribution") not in (None, "")})
    shown = [r for r in rows if (not agency or r.get("agency") == agency)
             and (not attribution or str(r.get("attribution", "")) == attribution)]
    extra = [k for k in (shown[0] if shown else {}) if k not in KNOWN]  # fields trace may add (attribution …)
    agency_iris = {r["l"]: r["a"] for r in _agencies(store)}
    cells = [[link(str(r["iri"]), str(r["label"]), "indicator"),
              esc(_concept(f"{KF_CONCEPT}indicator-kind/{r['kind']}") if r.get("kind") else ""),
              link(agency_iris.get(str(r.get("agency"))), str(r.get("agency") or ""), "agency"),
              link(str(r["document"]) if r.get("document") else None, str(r.get("document_label") or ""), "document"),
              _cell(r.get("objective_path")), _cell(r.get("targets")), *(_cell(r.get(k)) for k in extra),
              esc(" → ".join(map(str, (r.get("chain") or [])[1:-1])))] for r in shown]
    head = ["指標 / indicator", "種別 / kind", "法人 / agency", "文書 / document", "目標 / objective",
            "目標値 / targets", *extra, "経路（指標と計画の間）/ chain between"]
    opts = lambda vals, cur: "".join(  # noqa: E731
        f'<option value="{esc(v)}"{" selected" if v == cur else ""}>{esc(v)}</option>' for v in vals)
    filt = (f'<form class="filters" method="get" action="/plan"><input type="hidden" name="iri" value="{esc(iri)}">'
            f'<label>法人 / agency <select name="agency"><option value="">すべて / all</option>{opts(agencies, agency)}'
            "</select></label>"
            + (f'<label>帰属 / attribution <select name="attribution"><option value="">すべて / all</option>'
               f"{opts(attributions, attribution)}</select></label>" if attributions else "")
            + '<button type="submit">絞り込む / filter</button></form>')
    q = quote(iri, safe="")
    sel = "".join(f"&{k}={quote(v, safe='')}" for k, v in (("agency", agency), ("attribution", attribution)) if v)
    downloads = (f'<p class="downloads"><a id="dl-csv" href="/plan/trace.csv?iri={q}{sel}">CSV</a> '
                 f'<a id="dl-xlsx" href="/plan/trace.xlsx?iri={q}{sel}">Excel (.xlsx)</a> '
                 f'<a id="lineage" href="/lineage/view?node={q}&amp;direction=down">系譜を見る / lineage →</a></p>')
    body = (facts([("IRI", esc(readable(iri))), ("種別 / kind", esc(_concept(p["k"]))), ("期 / edition", esc(p["e"])),
                   ("決定日 / decided", esc(p["dt"])), ("決定主体 / deciding body", link(p["b"], p["bl"])),
                   ("告示等 / number", esc(p["law"])), ("別名 / also cited as", esc("、".join(alt)))])
            + (("<h2>ほかの期 / Other editions</h2><ul>" + "".join(
                f"<li>{link(r['p'], r['l'], 'plan')}{' (' + esc(r['e']) + ')' if r['e'] else ''}</li>" for r in editions)
                + "</ul>") if editions else "")
            + (("<h2>上位の計画 / Based on</h2><ul>" + "".join(f"<li>{link(r['q'], r['l'], 'plan')}</li>" for r in above)
                + "</ul>") if above else "")
            + (("<h2>この計画に基づく計画 / Plans under it</h2><ul>"
                + "".join(f"<li>{link(r['q'], r['l'], 'plan')}</li>" for r in under) + "</ul>") if under else "")
            + "<h2>引用している文書 / Documents citing it</h2>"
            + table(["文書 / document", "引用 / citations"], [[link(r["d"], r["label"], "document"), esc(r["n"])]
                                                           for r in citing])
            + f"<h2>この計画にたどり着く指標 / Indicators that trace to it ({len(shown)}/{len(rows)})</h2>"
            + filt + downloads + table(head, cells, "trace", "たどり着く指標はありません / no indicator traces here"))
    return _html(p["l"] or readable(iri), body, subtitle="国の計画 / national plan")


def _editions(store: Store, iri: str, label: str) -> list[dict[str, str | None]]:
    """Other plans of the same name and another edition (第5期X for 第6期X), oldest first."""
    base = base_name(label) or squash(label)
    rows = _memo(store, "plan names", lambda: _select(store, """SELECT ?p (SAMPLE(?l) AS ?label) (SAMPLE(?e) AS ?ed)
        WHERE { ?p a kf:NationalPlan ; rdfs:label ?l . OPTIONAL { ?p kf:edition ?e } } GROUP BY ?p"""))
    out = [{"p": r["p"], "l": r["label"], "e": r["ed"] or (str(plan_edition(r["label"] or "") or "") or None)}
           for r in rows if r["p"] != iri and r["label"] and (base_name(r["label"]) or squash(r["label"])) == base
           and (base_name(r["label"]) is not None or base_name(label) is not None)]
    return sorted(out, key=lambda r: (int(r["e"] or 0), r["l"] or ""))


def _trace_table(store: Store, iri: str, agency: str, attribution: str) -> tuple[list[str], list[list[str]]]:
    """The trace answer as the CSV of keifu.graph.lineage.trace has it (its columns follow trace), filtered."""
    return _memo(store, f"table {iri} {agency} {attribution}", lambda: _make_trace_table(store, iri, agency, attribution))


def _make_trace_table(store: Store, iri: str, agency: str, attribution: str) -> tuple[list[str], list[list[str]]]:
    keep = {str(r["iri"]) for r in _trace_rows(store, iri, agency, attribution, evidence=False)}
    lines = indexed_rows(store, iri, True, "csv")
    text = CSV_HEAD_LINE + "".join(lines) if lines is not None else trace(index_for(store), iri).csv()
    data = list(csv.reader(io.StringIO(text)))
    return data[0], [r for r in data[1:] if r and r[0] in keep]


def _no_plan(e: KeifuError) -> JSONResponse:
    return keifu_error(404, "not-found", e)


@router.get("/plan/trace.csv", summary="the trace table as CSV (UTF-8 with BOM) / 追跡表 CSV")
def plan_csv(store: StoreDep, iri: str, agency: str = "", attribution: str = "") -> Response:
    try:
        head, rows = _trace_table(store, iri, agency, attribution)
    except KeifuError as e:  # no such plan
        return _no_plan(e)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(head)
    w.writerows(rows)
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=\"trace.csv\""})


@router.get("/plan/trace.xlsx", summary="the trace table as Excel / 追跡表 Excel")
def plan_xlsx(store: StoreDep, iri: str, agency: str = "", attribution: str = "") -> Response:
    def make() -> bytes:
        head, rows = _trace_table(store, iri, agency, attribution)
        return xlsx_bytes(head, rows, sheet="trace")

    try:
        data = _memo(store, f"xlsx {iri} {agency} {attribution}", make)
    except KeifuError as e:
        return _no_plan(e)
    return Response(data,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=\"trace.xlsx\""})


# --------------------------------------------------------------------------------------------------
# agency, document, objective
# --------------------------------------------------------------------------------------------------


def _tree(store: Store, doc: str, with_source: bool = True) -> str:
    """The objectives and goals of a document as nested lists, each with its indicators and source line."""
    items = _select(store, f"""SELECT ?o (SAMPLE(?l) AS ?label) (SAMPLE(?s) AS ?sec) (SAMPLE(?par) AS ?parent)
            (SAMPLE(?ln) AS ?line) (SAMPLE(?pg) AS ?page) (SAMPLE(?q) AS ?quote) (MIN(?ord) AS ?order) WHERE {{
        ?o kf:inDocument {_iri(doc)} ; a kf:Goal ; rdfs:label ?l .
        OPTIONAL {{ ?o kf:sectionNumber ?s }} OPTIONAL {{ ?o kf:partOf ?par . ?par kf:inDocument {_iri(doc)} }}
        OPTIONAL {{ ?o kf:line ?ln }} OPTIONAL {{ ?o kf:page ?pg }} OPTIONAL {{ ?o kf:quote ?q }}
        OPTIONAL {{ ?o kf:order ?ord }} }} GROUP BY ?o""")
    inds: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for r in _select(store, f"""SELECT ?o ?i ?l ?ln WHERE {{ ?i kf:inDocument {_iri(doc)} ; a kf:Indicator ;
            rdfs:label ?l . ?o kf:hasIndicator ?i OPTIONAL {{ ?i kf:line ?ln }} }}"""):
        inds[r["o"]].append(r)
    known = {r["o"] for r in items}
    kids: dict[str | None, list[dict[str, str | None]]] = defaultdict(list)
    for r in items:
        kids[r["parent"] if r["parent"] in known else None].append(r)
    for v in kids.values():
        v.sort(key=lambda r: (int(r["line"] or 0), float(r["order"] or 0), r["o"]))

    def render(parent: str | None, depth: int) -> str:
        if depth > 12 or not kids.get(parent):
            return ""
        out = []
        for r in kids[parent]:
            src = (f' <a class="src" href="{esc(href("source", r["o"]))}">{source_ref(None, r["page"], r["line"])}</a>'
                   if with_source else "")
            quote_ = (f'<blockquote>{esc(r["quote"])}</blockquote>'
                      if with_source and r["quote"] and r["quote"] != r["label"] else "")
            ind = "".join(f'<li class="ind">指標 {link(i["i"], i["l"], "indicator")}</li>'
                          for i in sorted(inds.get(r["o"], []), key=lambda i: int(i["ln"] or 0)))
            out.append(f'<li id="o-{esc(_anchor(r["o"]))}">{esc(r["sec"] or "")} {link(r["o"], r["label"], "objective")}'
                       f'{src}{quote_}<ul>{ind}{render(r["o"], depth + 1)}</ul></li>')
        return "".join(out)

    return f'<ul class="tree">{render(None, 0)}</ul>' if items else '<p class="empty">目標なし / no objectives</p>'


@router.get("/agency", response_class=HTMLResponse, summary="an agency: documents, objectives, indicators, plans")
def agency(store: StoreDep, iri: str) -> HTMLResponse:
    a = _first(store, lambda: f"""SELECT ?l ?k WHERE {{ {_iri(iri)} a kf:Agency ; rdfs:label ?l .
            OPTIONAL {{ {_iri(iri)} kf:agencyKind ?k }} }} LIMIT 1""")
    if a is None:
        return _not_found(iri)
    docs = _select(store, f"""SELECT DISTINCT ?d ?l ?k ?file WHERE {{ {{ ?d kf:setFor {_iri(iri)} }} UNION
        {{ ?d kf:issuedBy {_iri(iri)} }} ?d rdfs:label ?l . OPTIONAL {{ ?d kf:documentKind ?k }}
        OPTIONAL {{ ?d prov:wasDerivedFrom ?s . ?s dcterms:title ?file }} }} ORDER BY ?l""")
    inds = _select(store, f"""SELECT ?i (SAMPLE(?l) AS ?label) (SAMPLE(?k) AS ?kind) (SAMPLE(?d) AS ?doc)
            (SAMPLE(?ol) AS ?obj) (SAMPLE(?o) AS ?objective) WHERE {{
        {{ ?d kf:setFor {_iri(iri)} }} UNION {{ ?d kf:issuedBy {_iri(iri)} }} UNION {{ ?i kf:ratedAgency {_iri(iri)} }}
        ?i a kf:Indicator ; kf:inDocument ?d ; rdfs:label ?l . OPTIONAL {{ ?i kf:indicatorKind ?k }}
        OPTIONAL {{ ?o kf:hasIndicator ?i ; rdfs:label ?ol }} }} GROUP BY ?i ORDER BY ?doc ?i""")
    plans_ = _select(store, f"""SELECT ?p (SAMPLE(?pl) AS ?label) (COUNT(DISTINCT ?n) AS ?nodes) WHERE {{
        {{ ?d kf:setFor {_iri(iri)} }} UNION {{ ?d kf:issuedBy {_iri(iri)} }}
        ?n kf:inDocument ?d ; kf:tracesTo ?p . ?p rdfs:label ?pl }} GROUP BY ?p ORDER BY DESC(?nodes) ?label""")
    doc_label = {d["d"]: d["l"] for d in docs}
    q = quote(iri, safe="")
    body = (facts([("IRI", esc(readable(iri))), ("種別 / kind", esc(_concept(a["k"])))])
            + f'<p><a id="lineage" href="/lineage/view?node={q}&amp;direction=up">この法人の系譜 / lineage of this agency →</a></p>'
            + "<h2>文書 / Documents</h2>"
            + table(["文書 / document", "種別 / kind", "ファイル / file"],
                    [[link(d["d"], d["l"], "document"), esc(_concept(d["k"])), esc(d["file"])] for d in docs])
            + "<h2>基づく国の計画 / Plans it rests on</h2>"
            + table(["計画 / plan", "たどり着く目標・指標 / objectives and indicators tracing there"],
                    [[link(p["p"], p["label"], "plan"), esc(p["nodes"])] for p in plans_])
            + f"<h2>指標 / Indicators ({len(inds)})</h2>"
            + table(["指標 / indicator", "種別 / kind", "目標 / objective", "文書 / document"],
                    [[link(i["i"], i["label"], "indicator"), esc(_concept(i["kind"])),
                      link(i["objective"], i["obj"], "objective"), link(i["doc"], doc_label.get(i["doc"] or ""), "document")]
                     for i in inds])
            + "<h2>目標の構成 / Objective tree</h2>"
            + "".join(f'<details><summary>{esc(d["l"])}</summary>{_tree(store, d["d"], with_source=False)}</details>'
                      for d in docs))
    return _html(a["l"] or readable(iri), body, subtitle="法人 / agency")


@router.get("/document", response_class=HTMLResponse, summary="a document's objective tree with sources")
def document(store: StoreDep, iri: str) -> HTMLResponse:
    d = _first(store, lambda: f"""SELECT ?l ?k ?a ?al ?file ?start ?end ?fy ?ib ?ibl WHERE {{ {_iri(iri)} rdfs:label ?l ;
            kf:documentKind ?k . OPTIONAL {{ {_iri(iri)} kf:setFor ?a . ?a rdfs:label ?al }}
            OPTIONAL {{ {_iri(iri)} prov:wasDerivedFrom ?s . ?s dcterms:title ?file }}
            OPTIONAL {{ {_iri(iri)} kf:periodStart ?start }} OPTIONAL {{ {_iri(iri)} kf:periodEnd ?end }}
            OPTIONAL {{ {_iri(iri)} kf:fiscalYear ?fy }}
            OPTIONAL {{ {_iri(iri)} kf:issuedBy ?ib . ?ib rdfs:label ?ibl }} }} LIMIT 1""")
    if d is None:
        return _not_found(iri)
    based = _select(store, f"""SELECT DISTINCT ?p ?l WHERE {{ {_iri(iri)} kf:basedOn ?p . ?p a kf:NationalPlan ;
        rdfs:label ?l }} ORDER BY ?l""")
    period = f"{d['start'] or ''} – {d['end'] or ''}" if d["start"] or d["end"] else ""
    body = (facts([("種別 / kind", esc(_concept(d["k"]))), ("法人 / agency", link(d["a"], d["al"], "agency")),
                   ("発出 / issued by", link(d["ib"], d["ibl"])), ("期間 / period", esc(period)),
                   ("年度 / fiscal year", esc(d["fy"])), ("ファイル / file", esc(d["file"])),
                   ("IRI", esc(readable(iri)))])
            + (("<h2>基づく国の計画 / Plans it rests on</h2><ul>"
                + "".join(f"<li>{link(r['p'], r['l'], 'plan')}</li>" for r in based) + "</ul>") if based else "")
            + "<h2>目標の構成 / Objective tree</h2>" + _tree(store, iri))
    return _html(d["l"] or readable(iri), body, subtitle="文書 / document")


@router.get("/objective", response_class=HTMLResponse, summary="an objective or goal / 目標のページ")
def objective(store: StoreDep, iri: str) -> HTMLResponse:
    o = _first(store, lambda: f"""SELECT ?l ?s ?d ?dl ?par ?parl ?q ?b WHERE {{ {_iri(iri)} a kf:Goal ; rdfs:label ?l .
            OPTIONAL {{ {_iri(iri)} kf:sectionNumber ?s }} OPTIONAL {{ {_iri(iri)} kf:inDocument ?d . ?d rdfs:label ?dl }}
            OPTIONAL {{ {_iri(iri)} kf:partOf ?par . ?par rdfs:label ?parl }} OPTIONAL {{ {_iri(iri)} kf:quote ?q }}
            OPTIONAL {{ {_iri(iri)} kf:bodyText ?b }} }} LIMIT 1""")
    if o is None:
        return _not_found(iri)
    kids = _select(store, f"""SELECT ?c ?l ?ln WHERE {{ ?c kf:partOf {_iri(iri)} ; rdfs:label ?l . OPTIONAL {{ ?c kf:line ?ln }}
        }} ORDER BY xsd:integer(?ln)""")
    inds = _select(store, f"""SELECT ?i ?l WHERE {{ {_iri(iri)} kf:hasIndicator ?i . ?i rdfs:label ?l }} ORDER BY ?i""")
    plans_ = _select(store, f"""SELECT ?p ?l WHERE {{ {_iri(iri)} kf:tracesTo ?p . ?p rdfs:label ?l }} ORDER BY ?l""")
    body = (facts([("番号 / section", esc(o["s"])), ("文書 / document", link(o["d"], o["dl"], "document")),
                   ("上位 / part of", link(o["par"], o["parl"], "objective")),
                   ("出典 / source", f'<a class="src" href="{esc(href("source", iri))}">原文の行 / source line</a>'),
                   ("IRI", esc(readable(iri)))])
            + (f"<blockquote>{esc(o['b'])}</blockquote>" if o["b"] else "")
            + "<h2>下位の目標 / Parts</h2><ul>" + "".join(f"<li>{link(k['c'], k['l'], 'objective')}</li>" for k in kids)
            + "</ul><h2>指標 / Indicators</h2><ul>" + "".join(f"<li>{link(i['i'], i['l'], 'indicator')}</li>" for i in inds)
            + "</ul><h2>たどり着く国の計画 / Plans it serves</h2><ul>"
            + "".join(f"<li>{link(p['p'], p['l'], 'plan')}</li>" for p in plans_) + "</ul>")
    return _html(o["l"], body, subtitle="目標 / objective")


# --------------------------------------------------------------------------------------------------
# indicator, source
# --------------------------------------------------------------------------------------------------


def _plans_served(store: Store, iri: str) -> list[tuple[str, list[str], list[str]]]:
    """(plan, chain of names, edges) for every plan the node traces to (kf:tracesTo, the materialised answer),
    the chain from one upward search of the lineage index (empty when the index has no path)."""
    plans_ = [r["p"] for r in _select(store, f"SELECT DISTINCT ?p WHERE {{ {_iri(iri)} kf:tracesTo ?p }}")]
    idx = index_for(store)
    prev: dict[str, str] = {}
    if iri in idx.graph:
        frontier, seen = [iri], {iri}
        while frontier:
            nxt = []
            for lo in frontier:
                for hi in sorted(idx.graph.successors(lo)):
                    if hi not in seen:
                        seen.add(hi)
                        prev[hi] = lo
                        nxt.append(hi)
            frontier = nxt
    out = []
    for p in sorted(plans_, key=lambda p: idx.labels.get(p, p)):
        path = [p]
        while path[-1] != iri and path[-1] in prev:
            path.append(prev[path[-1]])
        path.reverse()
        if path[0] != iri:  # no path in the index: the plan alone
            path = [p]
        edges = [idx.graph.edges[a, b]["prop"] for a, b in zip(path, path[1:], strict=False)]
        out.append((p, [idx.display(n) for n in path], edges))
    return out


@router.get("/indicator", response_class=HTMLResponse, summary="an indicator with its yearly values / 指標のページ")
def indicator(store: StoreDep, iri: str) -> HTMLResponse:
    i = _first(store, lambda: f"""SELECT ?l ?k ?q ?ln ?last ?pg ?file ?d ?dl ?o ?ol ?ax ?axl ?note ?src WHERE {{
            {_iri(iri)} a kf:Indicator ; rdfs:label ?l . OPTIONAL {{ {_iri(iri)} kf:indicatorKind ?k }}
            OPTIONAL {{ {_iri(iri)} kf:quote ?q }} OPTIONAL {{ {_iri(iri)} kf:line ?ln }}
            OPTIONAL {{ {_iri(iri)} kf:lastLine ?last }} OPTIONAL {{ {_iri(iri)} kf:page ?pg }}
            OPTIONAL {{ {_iri(iri)} prov:wasDerivedFrom ?s . ?s dcterms:title ?file }}
            OPTIONAL {{ {_iri(iri)} kf:inDocument ?d . ?d rdfs:label ?dl }}
            OPTIONAL {{ ?o kf:hasIndicator {_iri(iri)} ; a kf:Goal ; rdfs:label ?ol . FILTER NOT EXISTS {{ ?o a kf:EvaluationAxis }} }}
            OPTIONAL {{ ?ax kf:hasIndicator {_iri(iri)} ; a kf:EvaluationAxis ; rdfs:label ?axl }}
            OPTIONAL {{ {_iri(iri)} kf:note ?note }} OPTIONAL {{ {_iri(iri)} kf:figureSource ?src }} }} LIMIT 1""")
    if i is None:
        return _not_found(iri)
    targets = _select(store, f"""SELECT ?t ?e ?v ?u ?fy ?cy ?k WHERE {{ {_iri(iri)} kf:hasTarget ?t . ?t kf:expression ?e .
        OPTIONAL {{ ?t kf:targetValue ?v }} OPTIONAL {{ ?t kf:unit ?u }} OPTIONAL {{ ?t kf:targetFiscalYear ?fy }}
        OPTIONAL {{ ?t kf:targetCalendarYear ?cy }} OPTIONAL {{ ?t kf:targetKind ?k }} }} ORDER BY ?t""")
    obs = _select(store, f"""SELECT ?ob ?fy ?cy ?v ?u ?raw ?cat ?r ?ln WHERE {{ {_iri(iri)} kf:hasObservation ?ob .
        OPTIONAL {{ ?ob kf:fiscalYear ?fy }} OPTIONAL {{ ?ob kf:calendarYear ?cy }} OPTIONAL {{ ?ob kf:value ?v }}
        OPTIONAL {{ ?ob kf:unit ?u }} OPTIONAL {{ ?ob kf:rawValue ?raw }} OPTIONAL {{ ?ob kf:seriesCategory ?cat }}
        OPTIONAL {{ ?ob kf:rating ?r }} OPTIONAL {{ ?ob kf:line ?ln }} }}""")
    obs.sort(key=lambda r: (r["cat"] or "", int(r["fy"] or r["cy"] or 0)))
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in obs:
        year = r["fy"] or r["cy"]
        if year and r["v"] not in (None, ""):
            try:
                series[r["cat"] or ""].append((int(year), float(r["v"])))
            except ValueError:
                continue
    tpoints = []
    for t in targets:
        try:
            tpoints.append((int(t["fy"] or t["cy"]) if (t["fy"] or t["cy"]) else None, float(t["v"])))
        except (TypeError, ValueError):
            continue
    unit = next((r["u"] for r in obs if r["u"]), "")
    served = _plans_served(store, iri)
    body = (facts([("種別 / kind", esc(_concept(i["k"]))), ("目標 / objective", link(i["o"], i["ol"], "objective")),
                   ("評価軸 / evaluation axis", esc(i["axl"])), ("文書 / document", link(i["d"], i["dl"], "document")),
                   ("出典 / source", f'<a id="source-line" class="src" href="{esc(href("source", iri))}">'
                                     f'{source_ref(i["file"], i["pg"], i["ln"], i["last"])}</a>'),
                   ("数値の出典 / figures from", esc(i["src"])), ("注 / note", esc(i["note"])),
                   ("IRI", esc(readable(iri)))])
            + (f"<blockquote class=\"quote\">{esc(i['q'])}</blockquote>" if i["q"] else "")
            + "<h2>目標値 / Targets</h2>"
            + table(["目標 / target", "値 / value", "単位 / unit", "年度 / year", "種別 / kind"],
                    [[esc(t["e"]), esc(t["v"]), esc(t["u"]), esc(t["fy"] or t["cy"]), esc(_concept(t["k"]))]
                     for t in targets])
            + "<h2>年度ごとの値 / Yearly values</h2>" + chart(series, tpoints, unit or "")
            + table(["年 / year", "区分 / category", "値 / value", "単位 / unit", "原文 / as printed", "評定 / rating",
                     "行 / line"],
                    [[esc(r["fy"] or r["cy"]), esc(r["cat"]), esc(r["v"]), esc(r["u"]), esc(r["raw"]), esc(r["r"]),
                      esc(r["ln"])] for r in obs], empty="値なし / no values")
            + "<h2>たどり着く国の計画 / Plans it serves</h2>"
            + table(["計画 / plan", "経路 / chain"],
                    [[link(p, chain[-1], "plan"),
                      esc(" ".join(f"{a} —{edge_words(e)[0]}→" for a, e in zip(chain, edges, strict=False)) + " " + chain[-1])]
                     for p, chain, edges in served], empty="なし / none"))
    return _html(i["l"], body, subtitle="指標 / indicator")


@router.get("/source", response_class=HTMLResponse, summary="the source lines of a node / 原文の行")
def source(store: StoreDep, iri: str, around: Annotated[int, Query(ge=0, le=200)] = 15) -> HTMLResponse:
    """The node's quote at its file, page and line, among the other nodes read from the lines around it."""
    n = _first(store, lambda: f"""SELECT ?l ?q ?ln ?last ?pg ?s ?file WHERE {{ {_iri(iri)} kf:line ?ln ;
            prov:wasDerivedFrom ?s . ?s dcterms:title ?file . OPTIONAL {{ {_iri(iri)} rdfs:label ?l }}
            OPTIONAL {{ {_iri(iri)} kf:quote ?q }} OPTIONAL {{ {_iri(iri)} kf:lastLine ?last }}
            OPTIONAL {{ {_iri(iri)} kf:page ?pg }} }} LIMIT 1""")
    if n is None:
        return _not_found(iri)
    line = int(n["ln"] or 0)
    page_cond = f"?x kf:page {int(n['pg'])} ." if n["pg"] else "FILTER NOT EXISTS { ?x kf:page ?anypage }"
    near = _select(store, f"""SELECT ?x (SAMPLE(?c) AS ?cls) (SAMPLE(?xl) AS ?label) (SAMPLE(?xq) AS ?quote)
            (SAMPLE(?xln) AS ?line) WHERE {{ ?x prov:wasDerivedFrom <{n['s']}> ; kf:line ?xln ; a ?c . {page_cond}
        FILTER(?xln >= {line - around} && ?xln <= {line + around}) OPTIONAL {{ ?x rdfs:label ?xl }}
        OPTIONAL {{ ?x kf:quote ?xq }} }} GROUP BY ?x ORDER BY ?line ?x""")
    rows = []
    for r in near:
        own = r["x"] == iri
        cls = (r["cls"] or "").rsplit("#", 1)[-1]
        cells = [esc(r["line"]), link(r["x"], r["label"] or f"({cls})"), esc(cls),
                 esc((r["quote"] or "")[:300])]
        rows.append(cells if not own else [f'<strong id="here">{c}</strong>' for c in cells])
    body = (facts([("ファイル / file", esc(n["file"])), ("ページ / page", esc(n["pg"])),
                   ("行 / line", esc(n["ln"]) + (f"–{esc(n['last'])}" if n["last"] not in (None, n["ln"]) else "")),
                   ("ノード / node", link(iri, n["l"] or readable(iri)))])
            + f'<blockquote class="quote" id="source-quote">{esc(n["q"])}</blockquote>'
            + f"<h2>前後 {around} 行から読んだもの / Read from the {around} lines around it</h2>"
            + table(["行 / line", "ノード / node", "種類 / class", "原文 / quote"], rows, "source"))
    return _html(f"{n['file']} {source_ref(None, n['pg'], n['ln'])}", body, subtitle="原文の行 / source line")


# --------------------------------------------------------------------------------------------------
# search
# --------------------------------------------------------------------------------------------------


def _wants_json(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "json"
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@router.get("/search", summary="keyword search over plans, objectives, indicators / キーワード検索")
def search(request: Request, store: StoreDep, q: str = "", kind: str = "",
           limit: Annotated[int, Query(ge=1, le=500)] = 50,
           format: Annotated[str | None, Query(pattern="^(json|html)$")] = None) -> Response:
    kinds = {kind} if kind else None
    hits = search_store(store, q, limit, kinds) if q.strip() else []
    pages = {"plan": "plan", "indicator": "indicator", "objective": "objective", "agency": "agency"}
    if _wants_json(request, format):
        return JSONResponse({"query": q, "count": len(hits), "hits": [
            {**h.as_dict(), "page": href(pages.get(h.kind, "node"), h.iri)} for h in hits]})
    items = "".join(
        f'<li class="hit {esc(h.kind)}"><span class="kind">{esc(KINDS_JA.get(h.kind, h.kind))} {esc(h.kind)}</span> '
        f'{link(h.iri, h.label, pages.get(h.kind, "node"))}'
        + (f' <span class="agency">{esc(h.agency)}</span>' if h.agency else "")
        + (f'<div class="snippet">{esc(h.snippet)}</div>' if h.snippet and h.snippet != h.label else "") + "</li>"
        for h in hits)
    body = (f'<ol class="hits">{items}</ol>' if hits else
            ('<p class="empty">見つかりません / nothing found</p>' if q.strip() else
             "<p>計画・目標・指標の名称、原文、本文から探します（1文字から）/ searches names, quotes and body text.</p>"))
    return _html(f"検索 / Search: {q}" if q else "検索 / Search", body, q=q,
                 subtitle=f"{len(hits)} 件 / hits" if q.strip() else "")

