"""Safety rules of the service: write token, request-body limit, no federated SERVICE calls by default.

Every refusal is a JSON error with Japanese and English messages (see :func:`keifu.api.worker.error`).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from .lexer import blank
from .worker import Reply, error

_SERVICE = re.compile(r"\bSERVICE\b", re.I)


@dataclass(slots=True)
class Limits:
    """Knobs of ``keifu serve``: time limit (s), result rows, request bytes, write token, CORS origins."""

    timeout: float = 30.0
    max_rows: int = 100_000
    max_body: int = 10 * 1024 * 1024
    write_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    allow_service: bool = False


class Refused(Exception):
    """Raised by the checks below; carries the reply to send."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def require_write(request: Request, limits: Limits) -> None:
    """Writes need a server started with ``--write-token`` and ``Authorization: Bearer <that token>``."""
    if not limits.write_token:
        raise Refused(error(403, "read-only", "this endpoint is read-only (start keifu serve with --write-token)",
                            "このエンドポイントは読み取り専用です（--write-token を付けて起動してください）"))
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), limits.write_token.encode()):
        r = error(401, "unauthorized", "a valid 'Authorization: Bearer <token>' header is required to write",
                  "書き込みには正しい 'Authorization: Bearer <トークン>' ヘッダーが必要です")
        r.headers["WWW-Authenticate"] = 'Bearer realm="keifu"'
        raise Refused(r)


def check_query(text: str, limits: Limits) -> None:
    """Refuse SERVICE (the server would fetch any URL a client names) unless explicitly allowed."""
    # SPARQL keywords are ASCII in any case: without "service" anywhere in the text there is nothing to look
    # for, and the check costs a microsecond instead of two regex passes
    if not limits.allow_service and "service" in text.lower() and _SERVICE.search(blank(text)):
        raise Refused(error(400, "service-disabled", "federated SERVICE queries are disabled on this endpoint",
                            "このエンドポイントでは SERVICE による連合クエリは無効です"))


def too_large(limit: int) -> Refused:
    return Refused(error(413, "too-large", f"request body larger than {limit} bytes",
                         f"要求本文が上限 {limit} バイトを超えています"))


async def read_body(request: Request, limit: int,
                    refuse: Callable[[int], Exception] | None = None) -> bytes:
    """The request body, refused as soon as it passes ``limit`` (declared or streamed), so an oversized body is
    never held. ``refuse(size)`` builds the error (default: a 413 SPARQL-protocol refusal)."""
    refuse = refuse or (lambda _size: too_large(limit))
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise refuse(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refuse(size)
        chunks.append(chunk)
    return b"".join(chunks)
