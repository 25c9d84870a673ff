"""A store behind any SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, Oxigraph server …), same interface as Store.

Queries go to the query URL, writes to the update URL (SPARQL Update) or, when given, the Graph Store
Protocol URL (one PUT per file graph, so a replacement is atomic on servers that make PUT atomic). Results
come back as SPARQL JSON / N-Triples and are turned into pyoxigraph terms, so callers see what
:class:`~keifu.graph.store.Store` returns. ``keifu build --endpoint`` mirrors the remote graphs into an
in-memory store, builds there (cross-file linking sees everything) and pushes back the graphs that changed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from keifu.extract.errors import KeifuError
from keifu.settings import setting

from .sparql_text import names_dataset, query_form
from .store import Store, StoreError, graph_triples
from .vocab import PREFIXES

if TYPE_CHECKING:  # httpx is imported where a remote store is used: 30 ms that local builds never need
    import httpx

#: graphs a server keeps for itself (Virtuoso's system graphs); never listed, dumped or counted
SYSTEM_GRAPH_PREFIXES = (
    "http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
    "http://www.w3.org/2002/07/owl#", "http://www.openlinksw.com/",
)
JSON_RESULTS = "application/sparql-results+json"
NT = "application/n-triples"


@dataclass(slots=True)
class RemoteConfig:
    """Where the server answers; ``update_url``/``graph_store_url`` default to ``query_url``/none."""

    query_url: str
    update_url: str | None = None
    graph_store_url: str | None = None
    user: str | None = None
    password: str | None = None
    auth_scheme: str = "basic"  # or "digest" (Virtuoso's /sparql-auth)
    timeout: float = 60.0
    system_graphs: tuple[str, ...] = field(default=SYSTEM_GRAPH_PREFIXES)

    def auth(self) -> httpx.Auth | None:
        import httpx

        if self.user is None:
            return None
        if self.auth_scheme == "digest":
            return httpx.DigestAuth(self.user, self.password or "")
        return httpx.BasicAuth(self.user, self.password or "")

    def is_system(self, graph: str) -> bool:
        return graph.startswith(self.system_graphs)


def accept_for(query: str) -> str:
    """What to ask a server for: N-Triples for graph results (Virtuoso would send CONSTRUCT as JSON rows)."""
    return NT if query_form(query) in ("construct", "describe") else JSON_RESULTS


def parse_results(body: bytes, media: str) -> bool | tuple[list[str], list[tuple]] | list[ox.Triple]:
    """A server's answer → bool (ASK), (variables, rows of pyoxigraph terms) (SELECT) or triples.

    Virtuoso answers ASK in JSON as a one-column SELECT named ``__ASK_RETVAL``; that becomes a bool here.
    """
    media = media.split(";")[0].strip().lower()
    if media in (JSON_RESULTS, "application/json"):
        data = json.loads(body)
        if "boolean" in data:
            return bool(data["boolean"])
        variables = data["head"].get("vars", [])
        bindings = data["results"]["bindings"]
        if variables == ["__ASK_RETVAL"]:
            return bool(bindings) and bindings[0]["__ASK_RETVAL"]["value"] not in ("0", "false")
        return variables, [tuple(_term(b.get(v)) for v in variables) for b in bindings]
    fmt = ox.RdfFormat.from_media_type(media)
    if fmt is None:
        raise StoreError(f"unexpected answer type {media}", f"想定外の応答形式 {media}")
    return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(body, format=fmt)]


def _term(b: dict | None) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    if b is None:
        return None
    t, v = b["type"], str(b["value"])  # Virtuoso writes some numbers unquoted
    if t == "uri":
        return ox.NamedNode(v)
    if t == "bnode":
        return ox.BlankNode(v)
    if "xml:lang" in b:
        return ox.Literal(v, language=b["xml:lang"])
    if "datatype" in b:
        return ox.Literal(v, datatype=ox.NamedNode(b["datatype"]))
    return ox.Literal(v)


def nt_bytes(triples: Iterable[ox.Triple]) -> bytes:
    return ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)


def insert_data(name: str, triples: Iterable[ox.Triple]) -> str:
    """One SPARQL Update replacing graph ``name``; terms in N-Triples form (escaped by pyoxigraph)."""
    g = ox.NamedNode(name)
    body = nt_bytes(triples).decode()
    return f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body}}} }}"


class RemoteStore:
    """:class:`Store`'s interface over HTTP (sync; the web service has its own async client)."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self.path = config.query_url
        import httpx

        self.client = httpx.Client(timeout=config.timeout, auth=config.auth())

    def _post(self, url: str, **kw: object) -> httpx.Response:
        import httpx

        try:
            r = self.client.post(url, **kw)  # type: ignore[arg-type]
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server unreachable: {e}", f"SPARQL サーバーに接続できません: {e}", url) from e
        if r.status_code >= 400:
            raise StoreError(f"SPARQL server answered {r.status_code}: {r.text[:300]}",
                             f"SPARQL サーバーの応答 {r.status_code}: {r.text[:300]}", url)
        return r

    def query(self, sparql: str, union: bool = True) -> bool | Iterator[ox.QuerySolution] | list[ox.Triple]:
        """bool for ASK, triples for CONSTRUCT/DESCRIBE, dict-like rows for SELECT (see :meth:`select`).

        ``union`` as in :meth:`Store.query`: the default graph is the union of the named graphs. Servers differ
        in what their default graph is (Virtuoso: every graph; Fuseki, Oxigraph server: an empty graph unless
        configured), so the dataset is sent with the protocol's ``default-graph-uri`` / ``named-graph-uri``
        (every graph, in both roles, so ``GRAPH ?g`` still sees them all); a query naming its own dataset
        (``FROM``) keeps it. ``union=False`` sends the query alone: the server's own default graph.
        """
        data: dict[str, str | list[str]] = {"query": sparql}
        if union and not names_dataset(sparql):
            graphs = self.graphs()
            if graphs:
                data |= {"default-graph-uri": graphs, "named-graph-uri": graphs}
        r = self._post(self.config.query_url, data=data, headers={"Accept": accept_for(sparql)})
        res = parse_results(r.content, r.headers.get("content-type", JSON_RESULTS))
        if isinstance(res, tuple):
            variables, rows = res
            return iter([dict(zip(variables, row, strict=True)) for row in rows])  # type: ignore[list-item]
        return res

    def select(self, sparql: str, union: bool = True) -> Iterator[dict[str, str | None]]:
        """SELECT results as dicts of plain strings, like :meth:`Store.select`."""
        for row in self.query(sparql, union):  # type: ignore[union-attr]
            yield {k: (v.value if v is not None else None) for k, v in row.items()}  # type: ignore[union-attr]

    def update(self, sparql: str) -> None:
        self._post(self.config.update_url or self.config.query_url, data={"update": sparql})

    def graphs(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", union=False)
        return sorted(g for r in rows if (g := r["g"]) and not self.config.is_system(g))

    def graph(self, name: str) -> list[ox.Triple]:
        return self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {ox.NamedNode(name)} {{ ?s ?p ?o }} }}", union=False)  # type: ignore[return-value]

    def replace_graph(self, graph: Graph) -> int:
        return self.replace_triples(str(graph.identifier), graph_triples(graph))

    def replace_triples(self, name: str, triples: Iterable[ox.Triple]) -> int:
        """Replace graph ``name``: Graph Store PUT when configured, else one DROP + INSERT DATA update."""
        triples = list(triples)
        if self.config.graph_store_url:
            self._gsp("PUT", name, nt_bytes(triples))
        else:
            self.update(insert_data(name, triples))
        return len(triples)

    def _gsp(self, method: str, name: str, body: bytes | None = None) -> None:
        url = self.config.graph_store_url
        assert url
        import httpx

        try:
            r = self.client.request(method, url, params={"graph": name}, content=body,
                                    headers={"Content-Type": NT} if body is not None else {})
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server unreachable: {e}", f"SPARQL サーバーに接続できません: {e}", url) from e
        if r.status_code >= 400 and not (method == "DELETE" and r.status_code == 404):
            raise StoreError(f"Graph Store {method} answered {r.status_code}: {r.text[:300]}",
                             f"Graph Store {method} の応答 {r.status_code}: {r.text[:300]}", url)

    def drop(self, name: str) -> None:
        self.update(f"DROP SILENT GRAPH {ox.NamedNode(name)}")

    def __len__(self) -> int:
        excluded = ", ".join(str(ox.NamedNode(g)) for g in self._system_present())
        flt = f"FILTER(?g NOT IN ({excluded}))" if excluded else ""
        rows = list(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {flt} }}", union=False))
        return int(rows[0]["n"] or 0) if rows else 0

    def _system_present(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", union=False)
        return [g for r in rows if (g := r["g"]) and self.config.is_system(g)]

    def dump(self, out: Path, fmt: ox.RdfFormat) -> None:
        """Write every (non-system) graph: datasets keep graph names, triple formats get the union."""
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g in self.graphs() for t in self.graph(g)]
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        with open(out, "wb") as fh:
            if fmt.supports_datasets:
                ox.serialize(quads, fh, format=fmt, prefixes=prefixes)
            else:
                ox.serialize(sorted({q.triple for q in quads}, key=str), fh, format=fmt, prefixes=prefixes)

    def flush(self) -> None:
        """Nothing is buffered on this side."""

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- keifu build --endpoint ---------------------------------------------------------------------------


def _digest(store: Store, name: str) -> str:
    lines = sorted(str(q.triple) for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(name)))
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()


def mirror(remote: RemoteStore) -> tuple[Store, dict[str, str]]:
    """An in-memory copy of the remote graphs, and each graph's digest (to push only what changes)."""
    local = Store(share=False)  # which files stated a shared fact is not known here: each graph keeps its own
    for g in remote.graphs():
        name = ox.NamedNode(g)
        local.ox.extend([ox.Quad(t.subject, t.predicate, t.object, name) for t in remote.graph(g)])
    return local, {g: _digest(local, g) for g in local.graphs()}


def push_changes(local: Store, remote: RemoteStore, before: dict[str, str]) -> list[str]:
    """Send the graphs that differ from ``before`` (new, changed or removed); returns their names."""
    pushed = []
    now = set(local.graphs())
    for g in sorted(now):
        if before.get(g) != _digest(local, g):
            triples = [q.triple for q in local.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))]
            remote.replace_triples(g, triples)
            pushed.append(g)
    for g in sorted(set(before) - now):
        remote.drop(g)
        pushed.append(g)
    return pushed


#: the remote server's password is read from here (or asked for), never from the command line where ps shows it
PASSWORD_ENV = "KEIFU_ENDPOINT_PASSWORD"


def endpoint_password(user: str | None) -> str | None:
    """The password for ``user``: ``$KEIFU_ENDPOINT_PASSWORD``, else asked on the terminal, else None."""
    if not user:
        return None
    password = str(setting("endpoint_password")) or None
    if password is None and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"{user} のパスワード / password for {user}: ")
    return password


def open_remote(url: str, update_url: str | None = None, graph_store_url: str | None = None,
                user: str | None = None, password: str | None = None, auth_scheme: str = "basic") -> RemoteStore:
    """A RemoteStore, checked with one ASK so a wrong URL fails early with a clear message."""
    rs = RemoteStore(RemoteConfig(url, update_url, graph_store_url, user, password, auth_scheme))
    try:
        rs.query("ASK { ?s ?p ?o }", union=False)
    except (KeifuError, ValueError) as e:
        rs.close()
        raise StoreError(f"cannot use SPARQL endpoint {url}: {e}", f"SPARQL エンドポイント {url} を使えません: {e}", url) from e
    return rs
