"""Where queries and writes go: the embedded store (worker pool) or a remote SPARQL 1.1 server.

Both answer the same calls, so the protocol layer and its tests do not care which one runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from keifu.graph.build import derive
from keifu.graph.remote import (
    JSON_RESULTS,
    NT,
    RemoteConfig,
    accept_for,
    insert_data,
    nt_bytes,
    parse_results,
)
from keifu.graph.store import BUILD_STATE, DEFAULT_GRAPH, Store, build_state
from keifu.graph.vocab import PREFIXES
from keifu.settings import setting

from .pool import SLOW_AFTER, SLOW_POLICY, QueryPool, timeout_reply
from .replies import Reply, error, syntax_error
from .worker import Job, render

PREFIX_MAP = {p: str(ns) for p, ns in PREFIXES.items()}
#: an empty store, only used to parse queries bound for a remote server (evaluation on it is instant)
_PARSER = ox.Store()
FORM = "application/x-www-form-urlencoded"
#: how often a server looks whether a build by another process has completed (seconds)
WATCH_SECONDS = 1.0
log = logging.getLogger("keifu.api.backend")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def release(st: Store | None) -> None:
    """Drop a read-only handle (Store.close flushes, which read-only RocksDB handles refuse)."""
    if st is not None and hasattr(st, "ox"):
        del st.ox


class Backend:
    """The calls the web service makes; subclasses run them locally or on a remote server."""

    timeout: float
    #: graph-name prefixes the server keeps for itself (left out of statistics)
    system_graphs: tuple[str, ...] = ()
    #: ASK whether graph ``{g}`` exists (servers without empty graphs: whether it holds a triple)
    ask_graph: str = "ASK {{ GRAPH {g} {{ ?s ?p ?o }} }}"

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def query(self, job: Job, timeout: float | None = None) -> Reply: raise NotImplementedError
    async def update(self, text: str, base: str | None = None) -> Reply: raise NotImplementedError
    # Graph Store writes; ``name`` None is the default graph
    async def put_graph(self, name: str | None, triples: list[ox.Triple]) -> Reply: raise NotImplementedError
    async def post_graph(self, name: str | None, triples: list[ox.Triple]) -> Reply: raise NotImplementedError
    async def delete_graph(self, name: str | None) -> Reply: raise NotImplementedError


class LocalBackend(Backend):
    """The embedded Oxigraph store: queries in killable worker processes, writes with the world stopped."""

    ask_graph = "ASK {{ GRAPH {g} {{ }} }}"  # empty named graphs exist too

    def __init__(self, path: Path | str, workers: int = 2, timeout: float = setting("query_timeout"),  # type: ignore[assignment]
                 memory: bool = False,
                 network: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise FileNotFoundError(f"store not found: {self.path} (run `keifu build` first)")
        self.timeout = timeout
        # one more worker kept for short queries while every other one runs a long query (issue 16 item 2)
        self.pool = QueryPool(str(self.path), workers, timeout, PREFIX_MAP, memory=memory, network=network,
                              reserve=setting("reserve_workers"), slow_after=SLOW_AFTER,  # type: ignore[arg-type]
                              slow_policy=SLOW_POLICY)
        self.reader: Store | None = None  # read-only handle for in-process readers (lineage API)
        self.on_reopen: Callable[[Store], None] | None = None  # told about the fresh read handle after a write

    async def start(self) -> None:
        self.reader = Store(self.path, read_only=True)
        self.writing = asyncio.Lock()  # one write (or reload) at a time
        await self.pool.start()
        self.watcher = asyncio.ensure_future(self._watch_builds())

    async def close(self) -> None:
        self.watcher.cancel()
        await self.pool.close()
        release(self.reader)

    async def query(self, job: Job, timeout: float | None = None) -> Reply:
        return await self.pool.run(job, timeout)

    async def _write(self, fn, graph: str | None = None, replaces: bool = True) -> Reply:  # type: ignore[no-untyped-def]
        """Run a write with the workers out of service (:meth:`QueryPool.exclusive`); fresh ones see it.

        ``graph``: the one graph the write touches (None: an update, which may touch any); ``replaces``: the write
        replaces or removes it (else it adds to it). A write that replaces or removes ``graph``, or removes any
        graph (an update), also takes back the shared
        facts those graphs stated when built (:meth:`Store.sync_shared`): the graph now holds what the writer
        gave, and a shared fact no other file states leaves. Then, in a store keifu built, links, lineage and the
        trace index are derived again (:func:`keifu.graph.build.derive`), as after a build: a trace never answers
        from graphs that changed. A store no build made (a plain SPARQL store) is left as the writer left it."""
        def run() -> Reply:
            st = Store(self.path)
            try:
                reply = fn(st)
                if reply.status < 300:
                    st.sync_shared(forget=[graph] if graph is not None and replaces else [])
                    if build_state(self.path):  # a store keifu built: what the build derives, derived again
                        derive(st, {graph: ""} if graph is not None else None)  # an update: any graph
                return reply
            finally:  # closed without a memtable flush (~0.25 s a write): the write-ahead log holds the write,
                release(st)  # and read-only handles (fresh workers, the reader) replay it when they open

        async with self.writing:
            reply = await self.pool.exclusive(run)
            self._reopen_reader()
        return reply

    async def _reload(self) -> None:
        await self.pool.refresh()
        self._reopen_reader()

    def _reopen_reader(self) -> None:
        release(self.reader)
        self.reader = Store(self.path, read_only=True)
        if self.on_reopen is not None:
            self.on_reopen(self.reader)

    async def _watch_builds(self) -> None:
        """Reload when another process (``keifu build``) has completed a build of this store: the build marks
        its end in the store's state file (:data:`keifu.graph.store.BUILD_STATE`)."""
        state = self.path / BUILD_STATE
        seen = _stamp(state)
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            stamp = _stamp(state)
            if stamp == seen or build_state(self.path).get("state") != "complete":
                continue
            seen = stamp
            log.warning("the store was rebuilt by another process: reloading / ストアが再構築されたため読み直します")
            try:
                async with self.writing:
                    await self._reload()
            except (OSError, EOFError) as e:  # the store is being written again: the next change retries
                log.warning("reload failed / 読み直しに失敗: %s", e)
                seen = None

    async def update(self, text: str, base: str | None = None) -> Reply:
        def do(st: Store) -> Reply:
            # the update's default graph is DEFAULT_GRAPH: moved into the store's default graph for the update
            # and back after it (each step a transaction; the next update moves back what a crash left)
            st.ox.update(f"ADD SILENT GRAPH {DEFAULT_GRAPH} TO DEFAULT ; DROP SILENT GRAPH {DEFAULT_GRAPH}")
            try:
                st.ox.update(text, base_iri=base)
            except SyntaxError as e:
                return syntax_error(e)
            except Exception as e:  # noqa: BLE001 - reported to the client
                return error(400, "update-failed", f"update failed: {e}", f"更新に失敗しました: {e}")
            finally:
                st.ox.update(f"ADD SILENT DEFAULT TO GRAPH {DEFAULT_GRAPH} ; CLEAR SILENT DEFAULT")
            return Reply(204, "text/plain", b"")
        return await self._write(do)

    async def put_graph(self, name: str | None, triples: list[ox.Triple]) -> Reply:
        g = ox.NamedNode(name) if name is not None else DEFAULT_GRAPH

        def do(st: Store) -> Reply:
            existed = st.ox.contains_named_graph(g)
            if triples:
                st.replace_triples(g.value, triples)
            elif existed:
                st.ox.remove_graph(g)
            st.ox.add_graph(g)  # an empty graph is a graph too
            return Reply(204 if existed or name is None else 201, "text/plain", b"")
        return await self._write(do, g.value)

    async def post_graph(self, name: str | None, triples: list[ox.Triple]) -> Reply:
        g = ox.NamedNode(name) if name is not None else DEFAULT_GRAPH

        def do(st: Store) -> Reply:
            existed = st.ox.contains_named_graph(g)
            st.ox.extend([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples])
            st.ox.add_graph(g)
            return Reply(204 if existed or name is None else 201, "text/plain", b"")
        return await self._write(do, g.value, replaces=False)

    async def delete_graph(self, name: str | None) -> Reply:
        g = ox.NamedNode(name) if name is not None else DEFAULT_GRAPH

        def do(st: Store) -> Reply:
            if name is not None and not st.ox.contains_named_graph(g):
                return error(404, "no-graph", f"no graph {name}", f"グラフ {name} はありません")
            if st.ox.contains_named_graph(g):
                st.ox.remove_graph(g)
            return Reply(204, "text/plain", b"")
        return await self._write(do, g.value)


class RemoteBackend(Backend):
    """Any SPARQL 1.1 server: answers are re-serialized here, so formats and limits match the local store."""

    def __init__(self, config: RemoteConfig, timeout: float = setting("query_timeout"),  # type: ignore[assignment]
                 concurrency: int = 8) -> None:
        self.config, self.timeout = config, timeout
        self.system_graphs = config.system_graphs
        self.client: httpx.AsyncClient | None = None
        self.slots = asyncio.Semaphore(concurrency)

    async def start(self) -> None:
        self.client = httpx.AsyncClient(auth=self.config.auth(), timeout=httpx.Timeout(self.timeout))

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def _send(self, method: str, url: str, limit: float, **kw: object) -> httpx.Response | Reply:
        assert self.client is not None
        try:
            async with self.slots:
                return await asyncio.wait_for(self.client.request(method, url, **kw), limit)  # type: ignore[arg-type]
        except TimeoutError:
            return timeout_reply(limit)
        except httpx.TimeoutException:
            return timeout_reply(limit)
        except httpx.HTTPError as e:
            return error(502, "upstream-unreachable", f"SPARQL server unreachable: {e}",
                         f"SPARQL サーバーに接続できません: {e}")

    def _upstream_error(self, r: httpx.Response) -> Reply:
        text = r.text[:1000]
        status = 400 if r.status_code == 400 else 502
        return error(status, "upstream-error", f"the SPARQL server answered {r.status_code}: {text}",
                     f"SPARQL サーバーの応答 {r.status_code}: {text}")

    async def query(self, job: Job, timeout: float | None = None) -> Reply:
        limit = self.timeout if timeout is None else timeout
        t0 = time.monotonic()
        try:  # parse here, so a malformed query gets the same 400 with line and column as locally
            _PARSER.query(job.query, base_iri=job.base)
        except SyntaxError as e:
            return syntax_error(e)
        params: list[tuple[str, str]] = [("query", with_base(job.query, job.base))]
        params += [("default-graph-uri", g) for g in job.default_graphs]
        params += [("named-graph-uri", g) for g in job.named_graphs]
        r = await self._send("POST", self.config.query_url, limit, content=urlencode(params).encode(),
                             headers={"Accept": accept_for(job.query), "Content-Type": FORM})
        if isinstance(r, Reply):
            return r
        if r.status_code >= 400:
            return self._upstream_error(r)
        try:
            res = parse_results(r.content, r.headers.get("content-type", JSON_RESULTS))
        except Exception as e:  # noqa: BLE001 - a server answering garbage is a gateway error
            return error(502, "upstream-garbage", f"unreadable answer from the SPARQL server: {e}",
                         f"SPARQL サーバーの応答を読めません: {e}")
        if time.monotonic() - t0 > limit:
            return timeout_reply(limit)
        if isinstance(res, tuple):
            res = _Solutions(*res)
        return await asyncio.to_thread(render, res, job, PREFIX_MAP)

    async def update(self, text: str, base: str | None = None) -> Reply:
        r = await self._send("POST", self.config.update_url or self.config.query_url, self.timeout,
                             content=urlencode({"update": with_base(text, base)}).encode(),
                             headers={"Content-Type": FORM})
        if isinstance(r, Reply):
            return r
        return self._upstream_error(r) if r.status_code >= 400 else Reply(204, "text/plain", b"")

    async def _gsp(self, method: str, name: str | None, body: bytes | None) -> Reply:
        target = f"GRAPH {ox.NamedNode(name)}" if name is not None else "DEFAULT"
        if not self.config.graph_store_url:
            if method == "DELETE":
                return await self.update(f"DROP {target}")
            return None  # type: ignore[return-value]
        r = await self._send(method, self.config.graph_store_url, self.timeout,
                             params={"graph": name} if name is not None else {"default": ""},
                             content=body, headers={"Content-Type": NT} if body is not None else {})
        if isinstance(r, Reply):
            return r
        if r.status_code == 404:
            return error(404, "no-graph", f"no graph {name}", f"グラフ {name} はありません")
        if r.status_code >= 400:
            return self._upstream_error(r)
        return Reply(r.status_code if r.status_code in (200, 201, 204) else 204, "text/plain", b"")

    async def put_graph(self, name: str | None, triples: list[ox.Triple]) -> Reply:
        if self.config.graph_store_url:
            return await self._gsp("PUT", name, nt_bytes(triples))
        if name is None:
            body = nt_bytes(triples).decode()
            return await self.update(f"CLEAR SILENT DEFAULT ;\nINSERT DATA {{\n{body}}}")
        return await self.update(insert_data(name, triples))

    async def post_graph(self, name: str | None, triples: list[ox.Triple]) -> Reply:
        if self.config.graph_store_url:
            return await self._gsp("POST", name, nt_bytes(triples))
        body = nt_bytes(triples).decode()
        if name is None:
            return await self.update(f"INSERT DATA {{\n{body}}}")
        return await self.update(f"INSERT DATA {{ GRAPH {ox.NamedNode(name)} {{\n{body}}} }}")

    async def delete_graph(self, name: str | None) -> Reply:
        return await self._gsp("DELETE", name, None)


def with_base(text: str, base: str | None) -> str:
    """``text`` with a BASE declaration in front (on its own line: the server's line numbers shift by one)."""
    return text if base is None else f"BASE {ox.NamedNode(base)}\n{text}"


class _Solutions:
    """Parsed remote SELECT rows posing as pyoxigraph QuerySolutions for :func:`render`."""

    def __init__(self, variables: list[str], rows: Iterable[tuple]) -> None:
        self.variables = [ox.Variable(v) for v in variables]
        self.rows = rows

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(islice(self.rows, None))
