"""Connections that never finish their request headers are closed after a bounded time (issue 16 item 6).

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive``, but a connection that sends part of
a request line or headers (slowloris) or nothing at all stays open for ever: its first byte cancels that timer
and nothing arms another. :func:`guarded_protocol` wraps uvicorn's HTTP protocol (httptools or h11, as uvicorn
itself would pick) so that, from the moment a connection opens or its last answer is complete, a request's
headers must have arrived within ``seconds``; else the connection is closed. A request whose headers are in is
not affected, however long its body, its query or its answer takes.
"""

from __future__ import annotations

import asyncio
from typing import Any


def _auto_protocol() -> type[asyncio.Protocol]:
    """The protocol uvicorn's ``http="auto"`` picks: httptools when installed, else h11."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    return HttpToolsProtocol


def guarded_protocol(seconds: float, base: type[asyncio.Protocol] | None = None) -> type[asyncio.Protocol]:
    """``base`` (default: uvicorn's own choice) closing connections whose headers take over ``seconds``."""
    base = base or _auto_protocol()

    class HeaderDeadline(base):  # type: ignore[misc, valid-type]
        """uvicorn's protocol with a deadline on each request's headers (both protocols set ``self.cycle``
        when a request's headers are complete and call ``on_response_complete`` when its answer is sent)."""

        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_header_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_header_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            super().connection_lost(exc)

        def _arm_header_deadline(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._header_timer = self.loop.call_later(seconds, self._header_deadline, self.cycle)

        def _header_deadline(self, cycle_then: object) -> None:
            """No request has got its headers in since the deadline was armed, and none is being answered (a
            pipelined one may be): close the connection."""
            self._header_timer = None
            idle = cycle_then is None or getattr(cycle_then, "response_complete", True)
            if self.cycle is cycle_then and idle and not self.transport.is_closing():
                self.transport.close()

    return HeaderDeadline
