"""A pool of query worker processes with a hard time limit.

Each worker holds a read-only handle on the store. A query that passes its deadline has its worker killed
(SIGKILL: the work really stops) and replaced, and the client gets 503; the other workers keep serving.
Writes stop the world: every worker is taken out of service, the write runs, fresh workers see it.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from collections.abc import Callable
from typing import TypeVar

from .worker import Job, Reply, error, serve

T = TypeVar("T")
_CTX = mp.get_context("spawn")  # the server process has threads (uvicorn); spawn avoids forking them


class _Worker:
    def __init__(self, store_path: str, prefixes: dict[str, str]) -> None:
        self.conn, child = _CTX.Pipe()
        self.proc = _CTX.Process(target=serve, args=(child, store_path, prefixes), daemon=True,
                                 name="keifu-sparql-worker")
        self.proc.start()
        child.close()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def timeout_reply(limit: float) -> Reply:
    return error(503, "timeout", f"query stopped: it ran over the time limit of {limit:g} s",
                 f"時間制限 {limit:g} 秒を超えたためクエリを停止しました")


class QueryPool:
    """``await pool.run(job)`` → Reply within ``timeout`` seconds (+ the kill), whatever the query does."""

    def __init__(self, store_path: str, workers: int = 2, timeout: float = 30.0,
                 prefixes: dict[str, str] | None = None) -> None:
        self.store_path, self.size, self.timeout = store_path, max(1, workers), timeout
        self.prefixes = prefixes or {}
        self.idle: asyncio.Queue[_Worker] | None = None
        self.killed = 0

    async def start(self) -> None:
        self.idle = asyncio.Queue()
        for _ in range(self.size):
            self.idle.put_nowait(_Worker(self.store_path, self.prefixes))

    async def close(self) -> None:
        if self.idle is None:
            return
        while not self.idle.empty():
            self.idle.get_nowait().kill()

    async def run(self, job: Job, timeout: float | None = None) -> Reply:
        assert self.idle is not None, "pool not started"
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        try:
            w = await asyncio.wait_for(self.idle.get(), limit)
        except TimeoutError:
            return timeout_reply(limit)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[object] = loop.create_future()

        def readable() -> None:
            try:
                msg = w.conn.recv()
            except (EOFError, OSError) as e:
                loop.remove_reader(w.conn.fileno())
                if not fut.done():
                    fut.set_exception(e)
                return
            if msg != "ready" and not fut.done():
                loop.remove_reader(w.conn.fileno())
                fut.set_result(msg)

        try:
            w.conn.send(job)
            loop.add_reader(w.conn.fileno(), readable)
            status, media, body, headers = await asyncio.wait_for(fut, max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            self._replace(w, loop)
            return timeout_reply(limit)
        except (EOFError, OSError, BrokenPipeError):
            self._replace(w, loop)
            return error(500, "worker-died", "the query worker died (out of memory?)",
                         "クエリ実行プロセスが異常終了しました（メモリ不足?）")
        self.idle.put_nowait(w)
        return Reply(status, media, body, headers)

    def _replace(self, w: _Worker, loop: asyncio.AbstractEventLoop) -> None:
        try:
            loop.remove_reader(w.conn.fileno())
        except (OSError, ValueError):
            pass
        w.kill()
        self.killed += 1
        assert self.idle is not None
        self.idle.put_nowait(_Worker(self.store_path, self.prefixes))

    async def exclusive(self, fn: Callable[[], T], wait: float | None = None) -> T:
        """Run ``fn`` (a write, in a thread) with every worker out of service; fresh workers see the result."""
        assert self.idle is not None
        taken = []
        try:
            for _ in range(self.size):
                taken.append(await asyncio.wait_for(self.idle.get(), wait or self.timeout + 5))
            for w in taken:
                w.kill()
            return await asyncio.to_thread(fn)
        finally:
            for _ in taken:
                self.idle.put_nowait(_Worker(self.store_path, self.prefixes))
