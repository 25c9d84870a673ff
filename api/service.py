"""The running service: backend, limits, named queries and the statistics cache, kept on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from .backend import Backend
from .security import Limits
from .worker import Reply


@dataclass
class Service:
    backend: Backend
    limits: Limits = field(default_factory=Limits)
    queries_dir: Path | None = None
    #: statistics (VoID, service description) keyed by what they describe; dropped on every write
    cache: dict[str, object] = field(default_factory=dict)

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
