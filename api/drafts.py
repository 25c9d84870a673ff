"""Draft validation in worker processes: bounded in time and memory, stopped when the client leaves.

Validation once ran in the server process: three concurrent hostile PDFs took it to 8.6 GB, their work went on
after the clients had gone, and SIGTERM did not stop it. Now a draft is validated by a worker process of its
own pool (:class:`~keifu.api.pool.QueryPool`'s machinery): a worker that passes the time limit, or whose client
disconnects, is killed and replaced; each worker may grow by ``memory`` bytes at most (``RLIMIT_AS``); the
readers' page and character caps (:mod:`keifu.extract.limits`) stop oversized documents early; a full queue is
answered at once with 503 and ``Retry-After``. Workers start warmed up (shapes parsed, extraction caches
filled), so a draft costs what it costs in process, plus one copy of its bytes each way.
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass
from multiprocessing.connection import Connection

from keifu.extract.limits import ReadLimits, cap_memory, read_limits, set_read_limits
from keifu.graph.draft import DraftError, unprocessable, validate_bytes, warm_up
from keifu.settings import setting

from .pool import QueryPool, _Worker
from .replies import Reply, error
from .sandbox import without_network
from .worker import answer_jobs

JSON = "application/json"
TURTLE = "text/turtle"
#: what one validation worker may add to its size (bytes): the setting ``KEIFU_VALIDATE_MEMORY`` (MiB)
MEMORY = int(setting("validate_memory_mib")) * 1024**2  # type: ignore[call-overload]


@dataclass(slots=True)
class DraftJob:
    data: bytes
    name: str | None
    media_type: str | None
    turtle: bool = False


def _json(status: int, body: object) -> Reply:
    return Reply(status, JSON, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def answer(job: DraftJob) -> Reply:
    """Validate one draft; every outcome is a reply (a report, or a 4xx with the reason)."""
    try:
        report = validate_bytes(job.data, job.name, job.media_type)
        if job.turtle:
            return Reply(200, TURTLE, report.turtle().encode("utf-8"))
        return _json(200, report.to_json())
    except DraftError as e:
        return _json(e.status, e.to_json())
    except Exception as e:  # noqa: BLE001 - MemoryError included: an odd draft must not end the worker
        err = unprocessable(job.name, e)
        return _json(err.status, err.to_json())


def too_big() -> Reply:
    """A worker that died validating (its memory cap, in native code)."""
    err = unprocessable(None, MemoryError())
    return _json(err.status, err.to_json())


def serve_drafts(conn: Connection, limits: ReadLimits, memory: int) -> None:
    """Worker main loop: leave the network, warm up, cap memory, then answer drafts until the socket closes."""
    without_network()
    set_read_limits(limits)
    warm_up()
    cap_memory(memory)
    gc.freeze()  # the warmed-up objects leave the collector's generations: less time per draft
    answer_jobs(conn, answer)


class DraftPool(QueryPool):
    """``await pool.run(DraftJob(...))`` → Reply; ``queue`` requests may wait, the next ones get 503."""

    def __init__(self, workers: int = 1, timeout: float = 60.0, memory: int = MEMORY,
                 queue: int | None = None, limits: ReadLimits | None = None) -> None:
        super().__init__("", workers, timeout)
        self.memory = memory
        self.read_limits = limits or read_limits()
        self.queue = 4 * self.size if queue is None else queue  # (QueryPool.run answers past it too)
        self.kill_dropped = True  # a draft nobody waits for is not worth finishing

    def _spawn(self) -> _Worker:
        return _Worker(serve_drafts, (self.read_limits, self.memory), "keifu-validate-worker")

    def _timeout(self, limit: float) -> Reply:
        return error(422, "timeout", f"validation stopped: the draft took longer than the limit of {limit:g} s",
                     f"検査に時間制限 {limit:g} 秒を超えたため停止しました")

    def _died(self) -> Reply:
        return too_big()

    def _busy(self) -> Reply:
        r = error(503, "busy", "the server is validating other drafts; try again shortly",
                  "ほかの案を検査中です。しばらくしてから再度お試しください")
        r.headers["Retry-After"] = "5"
        return r

    def full(self) -> Reply | None:
        """503 with ``Retry-After`` when every worker is busy and the queue is full (checked before the upload
        is read), else None."""
        return self._busy() if not self.free and len(self.waiting) >= self.queue else None
