"""The running service: backend, limits, named queries and the statistics cache, kept on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from .backend import Backend
from .replies import Reply
from .security import Limits

#: a query running longer than this (seconds) counts as expensive for the per-client limit
LONG_QUERY = 1.0
#: a client whose last query ran longer than LONG_QUERY is "heavy" for this long (seconds), or until a query of
#: its own ends sooner
HEAVY_FOR = 60.0


@dataclass
class Service:
    backend: Backend
    limits: Limits = field(default_factory=Limits)
    queries_dir: Path | None = None
    #: statistics (VoID, service description) keyed by what they describe; dropped on every write
    cache: dict[str, object] = field(default_factory=dict)
    #: queries in progress by client address: request number → when it started (loop time)
    running: dict[str, dict[int, float]] = field(default_factory=dict)
    #: how many long queries (running over LONG_QUERY s) one client may have at once; the others wait their
    #: turn behind them. One less than the workers, so one client's runaways never take every worker.
    long_per_client: int = 2
    #: heavy clients (whose last query ran long): when that query ended. Their queries together may hold at
    #: most ``long_per_client`` workers, so runaways re-sent by several clients (or by one, all at once right
    #: after the time limit ended them: too young to count as long) always leave a worker to short queries.
    heavy: dict[str, float] = field(default_factory=dict)
    _next: int = 0

    def long_running(self, client: str, now: float) -> int:
        return sum(1 for t in self.running.get(client, {}).values() if now - t > LONG_QUERY)

    def begin(self, client: str, now: float) -> int:
        self._next += 1
        self.running.setdefault(client, {})[self._next] = now
        return self._next

    def is_heavy(self, client: str, now: float) -> bool:
        t = self.heavy.get(client)
        return t is not None and now - t < HEAVY_FOR

    def heavy_running(self, now: float) -> int:
        """Queries in progress of heavy clients (see ``heavy``)."""
        return sum(len(qs) for c, qs in self.running.items() if self.is_heavy(c, now))

    def end(self, client: str, n: int, now: float | None = None) -> None:
        """The query ``n`` of ``client`` has ended (at ``now``: it marks the client heavy, or not)."""
        mine = self.running.get(client)
        if mine is not None:
            started = mine.pop(n, None)
            if not mine:
                del self.running[client]
            if started is not None and now is not None:
                if now - started > LONG_QUERY:
                    if len(self.heavy) > 10_000:  # many addresses: forget the expired ones
                        self.heavy = {c: t for c, t in self.heavy.items() if now - t < HEAVY_FOR}
                    self.heavy[client] = now
                else:
                    self.heavy.pop(client, None)

    def changed(self) -> None:
        """Forget everything computed from the data (after a write)."""
        self.cache.clear()


def service_of(request: Request) -> Service:
    return request.app.state.service


def to_response(reply: Reply) -> Response:
    """A backend Reply as an HTTP response (text and JSON types say UTF-8; results vary by Accept)."""
    media = reply.media
    if media.startswith("text/") or media.endswith("json"):
        media += "; charset=utf-8"
    headers = {"Vary": "Accept", **reply.headers}
    return Response(reply.body, reply.status, headers=headers, media_type=media)
