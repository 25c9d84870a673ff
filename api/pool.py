"""A pool of query worker processes with a hard time limit.

Each worker holds a read-only handle on the store. A query that passes its deadline has its worker killed
(SIGKILL: the work really stops) and replaced, and the client gets 503; the other workers keep serving.
A write by the server stops the world (:meth:`QueryPool.exclusive`): the workers are taken out, the write runs,
fresh workers see it. A build by another process is followed by :meth:`QueryPool.refresh`: fresh workers start,
and the old ones answer from their snapshot until the fresh ones are ready.

The server talks to a worker over a socket pair driven by the event loop (an asyncio protocol, so it works
the same under uvloop): a request costs one write, one read and one timer, no thread and no task. Frames use
:class:`multiprocessing.connection.Connection`'s layout, so the worker reads and writes them with
``recv_bytes`` / ``send_bytes``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import pickle
import socket
import struct
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TypeVar

from keifu.settings import setting

from .replies import Reply, error
from .worker import Job, serve

T = TypeVar("T")
#: a job running this long (seconds) has its worker lowered until it answers: to nice NICE_SLOW (policy "nice"),
#: or to SCHED_IDLE (policy "idle", where the platform has it). The SPARQL pool takes its values from the
#: settings slow_query_after / slow_query_policy (SLOW_AFTER, SLOW_POLICY: 0.25 s, idle): with nice 10 after 1 s,
#: bench/bench_hostile.py measured a point query's p99 with 3 runaway clients at 4.3× its idle p99 (a fresh
#: runaway ran at full priority for a second, and nice 10 still takes ~10 % of a CPU). Other pools (draft
#: validation) keep nice 10 after 1 s.
SLOW_AFTER: float = setting("slow_query_after")  # type: ignore[assignment]
SLOW_POLICY: str = setting("slow_query_policy")  # type: ignore[assignment]
NICE_SLOW = 10
_IDLE = getattr(os, "SCHED_IDLE", None)
log = logging.getLogger("keifu.api.pool")
# The server process has threads (uvicorn): workers are not forked from it but from a fork server, a clean
# process with the worker's modules imported, so a worker replaced after a write or a stopped query starts in
# milliseconds instead of a fresh interpreter's ~0.1 s (spawn)
_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(["keifu.api.worker", "keifu.api.trace_jobs"])  # trace jobs: keifu.api.lineage
_LEN = struct.Struct("!i")  # Connection.send_bytes: 4-byte length, or -1 then an 8-byte one
_LONG = struct.Struct("!Q")


def frame(payload: bytes) -> bytes:
    """``payload`` framed as ``Connection.recv_bytes`` expects it."""
    n = len(payload)
    if n > 0x7FFFFFFF:
        return _LEN.pack(-1) + _LONG.pack(n) + payload
    return _LEN.pack(n) + payload


def _spent(msg: bytes) -> bool:
    """The last field of a worker's reply: it touched its memory cap (keifu.api.worker.answer_jobs)."""
    return bool(pickle.loads(msg)[4])


class _Link(asyncio.Protocol):
    """The server's end of a worker's socket: splits frames, hands a reply to the one request waiting."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()  # store opened
        self.waiter: asyncio.Future[bytes] | None = None
        self.unclaimed = False  # a reply came that nobody was waiting for any more (its request was dropped)
        self.late = b""  # that reply
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while len(buf) >= 4:
            (n,), start = _LEN.unpack_from(buf), 4
            if n == -1:
                if len(buf) < 12:
                    return
                (n,), start = _LONG.unpack_from(buf, 4), 12
            end = start + n
            if len(buf) < end:
                return
            msg = bytes(buf[start:end])
            del buf[:end]
            if not msg:  # the worker saying it is ready
                if not self.ready.done():
                    self.ready.set_result(None)
                continue
            waiter, self.waiter = self.waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result(msg)
            else:
                self.unclaimed, self.late = True, msg

    def connection_lost(self, _exc: Exception | None) -> None:
        self.lost = True
        if not self.ready.done():
            self.ready.set_exception(EOFError("query worker died while opening the store"))
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(EOFError("query worker gone"))


class _Worker:
    """One worker process running ``target(connection, *args)``: a loop that answers pickled jobs."""

    def __init__(self, target: Callable[..., None], args: tuple[object, ...], name: str) -> None:
        ours, theirs = socket.socketpair()
        child = Connection(theirs.detach())
        self.proc = _CTX.Process(target=target, args=(child, *args), daemon=True, name=name)
        self.proc.start()
        child.close()
        self.sock: socket.socket | None = ours
        self.link = _Link()
        self.niced = False
        self.idle = False  # lowered to SCHED_IDLE (else to nice NICE_SLOW)
        self.reserve = False  # kept for short queries: takes a job only while every other worker runs a long one
        self.busy = False  # running a job
        self.slow = False  # its job has run past SLOW_AFTER

    async def connect(self) -> None:
        """Attach the socket to the event loop and wait until the worker has opened the store."""
        sock, self.sock = self.sock, None
        assert sock is not None
        await asyncio.get_running_loop().connect_accepted_socket(lambda: self.link, sock=sock)
        await self.link.ready

    def send(self, job: Job, waiter: asyncio.Future[bytes]) -> None:
        if self.link.lost or self.link.transport is None or self.link.transport.is_closing():
            raise EOFError("query worker gone")
        self.link.waiter, self.link.unclaimed = waiter, False
        self.link.transport.write(frame(pickle.dumps(job, pickle.HIGHEST_PROTOCOL)))

    def lower_priority(self, policy: str = "nice") -> None:
        """Let a long query run only on CPU time short queries leave (``policy`` "idle": SCHED_IDLE), or at nice
        10: on few cores a runaway query otherwise takes the CPU that short queries need."""
        try:
            self.idle = policy == "idle" and _IDLE is not None
            if self.idle:
                os.sched_setscheduler(self.proc.pid, _IDLE, os.sched_param(0))
            else:
                os.setpriority(os.PRIO_PROCESS, self.proc.pid, NICE_SLOW)
            self.niced = True
        except (OSError, AttributeError):  # not on this platform, or the process is gone
            pass

    def restore_priority(self) -> bool:
        """Back to normal priority; False where only a privileged process may raise a priority."""
        try:
            if self.idle:
                os.sched_setscheduler(self.proc.pid, os.SCHED_OTHER, os.sched_param(0))
            else:
                os.setpriority(os.PRIO_PROCESS, self.proc.pid, 0)
        except (OSError, AttributeError):
            return False
        self.niced = False
        return True

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        if self.link.transport is not None:
            self.link.transport.abort()
        if self.sock is not None:
            self.sock.close()


def timeout_reply(limit: float) -> Reply:
    return error(503, "timeout", f"query stopped: it ran over the time limit of {limit:g} s",
                 f"時間制限 {limit:g} 秒を超えたためクエリを停止しました")


def _died() -> Reply:
    return error(500, "worker-died", "the query worker died (out of memory?)",
                 "クエリ実行プロセスが異常終了しました（メモリ不足?）")


def _expire(fut: asyncio.Future) -> None:  # type: ignore[type-arg]
    if not fut.done():
        fut.set_exception(TimeoutError())


class QueryPool:
    """``await pool.run(job)`` → Reply within ``timeout`` seconds (+ the kill), whatever the query does."""

    def __init__(self, store_path: str, workers: int = 2, timeout: float = setting("query_timeout"),  # type: ignore[assignment]
                 prefixes: dict[str, str] | None = None, memory: bool = False, network: bool = False,
                 reserve: int = 0, slow_after: float = 1.0, slow_policy: str = "nice") -> None:
        self.store_path, self.size, self.timeout = store_path, max(1, workers), timeout
        #: workers beyond ``size`` kept for short queries: one takes a job only while every other worker runs a
        #: query older than SLOW_AFTER, so runaways holding every worker do not make a point query wait for them
        self.reserve = reserve
        self.spare: deque[_Worker] = deque()  # idle reserve workers
        self.draining = False  # exclusive(): reserve workers are taken like the others
        self.slow_after, self.slow_policy = slow_after, slow_policy  # see SLOW_AFTER
        self.prefixes = prefixes or {}
        self.memory = memory  # each worker queries its own in-memory copy of the store
        self.network = network  # False: workers run without network (api.sandbox)
        self.free: deque[_Worker] = deque()  # idle workers
        self.waiting: deque[asyncio.Future[_Worker]] = deque()  # requests waiting for one, first come first served
        self.workers: set[_Worker] = set()
        self.started = False
        self.tasks: set[asyncio.Future[None]] = set()  # replacements being started, replies being drained
        self.killed = 0
        #: requests that may wait for a worker; past that a request is answered 503 at once
        self.queue = 16 * self.size
        self.retired: set[_Worker] = set()  # replaced by refresh(); stopped as soon as their query is answered
        #: a dropped request's worker is killed and replaced rather than left to finish (for long jobs)
        self.kill_dropped = False

    async def _add(self, reserve: bool = False) -> None:
        """Start a worker; it takes requests once it has opened the store (none is sent to it before)."""
        w = self._spawn()
        w.reserve = reserve
        self.workers.add(w)
        try:
            await w.connect()
        except BaseException:
            w.kill()
            self.workers.discard(w)
            raise
        self._release(w)

    def _spawn(self) -> _Worker:
        return _Worker(serve, (self.store_path, self.prefixes, self.memory, self.network), "keifu-sparql-worker")

    def _timeout(self, limit: float) -> Reply:
        return timeout_reply(limit)

    def _busy(self) -> Reply:
        r = error(503, "busy", "every query worker is busy and the queue is full; try again shortly",
                  "すべてのクエリ実行プロセスが使用中で、待ち行列も一杯です。しばらくしてから再度お試しください")
        r.headers["Retry-After"] = "2"
        return r

    def _died(self) -> Reply:
        return _died()

    async def _replenish(self, reserve: bool = False) -> None:
        """``_add`` in the background, retried while workers die opening the store (e.g. it is being rebuilt)."""
        while True:
            try:
                return await self._add(reserve)
            except (EOFError, OSError) as e:
                log.warning("query worker failed to start, retrying / クエリ実行プロセスの起動に失敗、再試行: %s", e)
                await asyncio.sleep(1.0)

    def _release(self, w: _Worker) -> None:
        """Hand ``w`` to the longest-waiting request, or keep it idle (a retired worker is stopped instead)."""
        w.busy = w.slow = False
        if w in self.retired:
            self._retire(w)
            return
        if w.reserve and not self.draining:
            if not (self._all_slow() and self._hand_over(w)):
                self.spare.append(w)
            return
        if not self._hand_over(w):
            self.free.append(w)

    def _hand_over(self, w: _Worker) -> bool:
        """Give ``w`` to the longest-waiting request, if any."""
        while self.waiting:
            f = self.waiting.popleft()
            if not f.done():
                w.busy = True
                f.set_result(w)
                return True
        return False

    def _all_slow(self) -> bool:
        """No worker is idle, and every busy one (the reserve apart) runs a query older than SLOW_AFTER."""
        return not self.free and not any(w.busy and not w.slow for w in self.workers if not w.reserve)

    def _went_slow(self, w: _Worker) -> None:
        """``w``'s query has run SLOW_AFTER: lower it; if every worker now runs a long one, a reserve worker
        takes the next waiting request."""
        w.lower_priority(self.slow_policy)
        w.slow = True
        while self.spare and self.waiting and self._all_slow():
            spare = self.spare.popleft()
            if not self._hand_over(spare):
                self.spare.appendleft(spare)
                return

    async def _acquire(self, deadline: float) -> _Worker:
        """An idle worker, waiting for one until ``deadline`` (TimeoutError)."""
        if self.free or (self.spare and (self.draining or self._all_slow())):
            w = self.free.popleft() if self.free else self.spare.popleft()
            w.busy = True
            return w
        loop = asyncio.get_running_loop()
        f: asyncio.Future[_Worker] = loop.create_future()
        self.waiting.append(f)
        timer = loop.call_at(deadline, _expire, f)
        try:
            return await f
        except asyncio.CancelledError:
            if f.done() and not f.cancelled() and f.exception() is None:  # handed over as we were dropped
                self._release(f.result())
            raise
        finally:
            timer.cancel()

    def _background(self, coro) -> None:  # type: ignore[no-untyped-def]
        t = asyncio.ensure_future(coro)
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)

    async def start(self) -> None:
        self.started = True
        for k in range(self.size + self.reserve):
            await self._add(reserve=k >= self.size)

    async def close(self) -> None:
        for t in list(self.tasks):
            t.cancel()
        for w in [*self.workers, *self.retired]:
            w.kill()
        self.workers.clear()
        self.retired.clear()

    async def run(self, job: object, timeout: float | None = None) -> Reply:
        """The job's reply. Its time limit starts when a worker takes it: the time it waited for one (at most
        as long again) does not count against it, so queries queued behind runaways are not cut short."""
        assert self.started, "pool not started"
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        if not self.free and not self.spare and len(self.waiting) >= self.queue:
            return self._busy()
        try:
            w = await self._acquire(loop.time() + limit)
        except TimeoutError:
            return self._busy()
        deadline = loop.time() + limit
        fut: asyncio.Future[bytes] = loop.create_future()
        timer = loop.call_at(deadline, _expire, fut)
        # a long query yields the CPU to short ones; a heavy client's (its last one ran long) from the start
        slow = loop.call_later(0.0 if getattr(job, "low_priority", False) else self.slow_after, self._went_slow, w)
        try:
            w.send(job, fut)
            msg = await fut
        except TimeoutError:
            self._replace(w)
            return self._timeout(limit)
        except (EOFError, OSError):
            self._replace(w)
            return self._died()
        except asyncio.CancelledError:  # the request was dropped: reuse the worker once it has answered
            if w.link.unclaimed or (fut.done() and not fut.cancelled() and fut.exception() is None):
                self._settle(w, _spent(w.link.late if w.link.unclaimed else fut.result()))  # the answer is in
            elif self.kill_dropped:  # or stop its work at once
                self._replace(w)
            else:
                late: asyncio.Future[bytes] = loop.create_future()
                w.link.waiter = late
                self._background(self._drain(w, late, deadline))
            raise
        finally:
            timer.cancel()
            slow.cancel()
        status, media, body, headers, spent = pickle.loads(msg)
        self._settle(w, spent)
        return Reply(status, media, body, headers)

    def _settle(self, w: _Worker, spent: bool) -> None:
        """Reuse ``w`` after its reply, unless it touched its memory cap (``spent``, the reply's last field) or
        was left at low priority: such a worker is replaced."""
        if spent or (w.niced and not w.restore_priority()):
            self._replace(w, stopped=False)
        else:
            self._release(w)

    async def _drain(self, w: _Worker, fut: asyncio.Future[bytes], deadline: float) -> None:
        """Wait for the reply nobody wants any more, then put the worker back (or replace it at the deadline)."""
        timer = asyncio.get_running_loop().call_at(deadline, _expire, fut)
        try:
            msg = await fut
        except (TimeoutError, EOFError, OSError):
            self._replace(w)
            return
        finally:
            timer.cancel()
        self._settle(w, _spent(msg))

    def _replace(self, w: _Worker, stopped: bool = True) -> None:
        """Kill ``w`` and start another; ``stopped``: counted in :attr:`killed` (its query was stopped)."""
        w.kill()
        self.workers.discard(w)
        self.killed += stopped
        if w in self.retired:  # its successor is already serving
            self.retired.discard(w)
            return
        self._background(self._replenish(w.reserve))

    def _retire(self, w: _Worker) -> None:
        w.kill()
        self.retired.discard(w)

    async def exclusive(self, fn: Callable[[], T], wait: float | None = None) -> T:
        """Run ``fn`` (a write, in a thread) with every worker out of service; fresh workers see the result.
        Queries meanwhile wait for the fresh workers (the wait does not count against their time limit).

        (Writing while workers keep read-only handles open was tried: a worker's first query after the write
        hung until its time limit on a loaded machine, once in a few runs. Until that is understood, the
        server's own writes stop the world; :meth:`refresh` serves builds made by another process.)"""
        deadline = asyncio.get_running_loop().time() + (wait or self.timeout + 5)
        taken: list[_Worker] = []
        self.draining = True  # reserve workers are taken too
        try:
            for _ in range(self.size + self.reserve):
                taken.append(await self._acquire(deadline))
        except BaseException:  # not all of them came back in time: nothing written, the pool as it was
            self.draining = False
            for w in taken:
                self._release(w)
            raise
        self.draining = False
        for w in taken:
            w.kill()
            self.workers.discard(w)
        try:
            return await asyncio.to_thread(fn)
        finally:
            for w in taken:
                self._background(self._replenish(w.reserve))

    async def refresh(self) -> None:
        """Replace every worker by a fresh one, which sees the store as it is now (after a write, or a build
        by another process). The old workers answer until the new ones are ready: no request waits for a
        reload, and none is refused. A busy old worker finishes its query first."""
        fresh = [self._spawn() for _ in range(self.size + self.reserve)]
        for w in fresh[self.size:]:
            w.reserve = True
        try:
            await asyncio.gather(*(w.connect() for w in fresh))
        except BaseException:
            for w in fresh:
                w.kill()
            raise
        old, self.workers = self.workers, set(fresh)
        idle = [w for w in [*self.free, *self.spare] if w in old]
        self.free = deque(w for w in self.free if w not in old)
        self.spare = deque(w for w in self.spare if w not in old)
        self.retired |= old - set(idle)  # stopped when they come back (see _release)
        for w in idle:
            w.kill()
        for w in fresh:
            self._release(w)

