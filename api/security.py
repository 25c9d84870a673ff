"""Safety rules of the service: write token, request-body limit, no SERVICE calls or LOAD by default.

Every refusal is a JSON error with Japanese and English messages (see :func:`keifu.api.worker.error`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from .outbound import UNVERIFIED, outbound_calls
from .worker import Reply, error


@dataclass(slots=True)
class Limits:
    """Knobs of ``keifu serve``: time limit (s), result rows, request bytes, write token, CORS origins."""

    timeout: float = 30.0
    max_rows: int = 100_000
    max_body: int = 10 * 1024 * 1024
    write_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    allow_service: bool = False
    #: draft validation (api.drafts): worker processes, time limit (s) and memory each worker may add (bytes)
    validate_workers: int = 1
    validate_timeout: float = 60.0
    validate_memory: int = 2 * 1024**3


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


def check_query(text: str, limits: Limits, update: bool = False) -> None:
    """Refuse SERVICE and LOAD (the server would fetch any URL a client names) unless explicitly allowed.

    Decided on the parsed request (:mod:`keifu.api.outbound`); a request that names either word and cannot
    be parsed is refused too.
    """
    if limits.allow_service:
        return
    calls = outbound_calls(text, update)
    if not calls:
        return
    if calls == {UNVERIFIED}:
        raise Refused(error(400, "service-unverified",
                            "the request names SERVICE or LOAD and could not be parsed to show that it makes no "
                            "federated call; federated calls are disabled on this endpoint",
                            "要求に SERVICE または LOAD が含まれ、外部への接続をしないことを構文解析で確認できませんでした。"
                            "このエンドポイントでは外部への接続は無効です"))
    which = " / ".join(sorted(calls))
    raise Refused(error(400, "service-disabled",
                        f"{which}: fetching other servers' data (federated SERVICE queries, LOAD) is disabled on "
                        "this endpoint (start keifu serve with --allow-service)",
                        f"{which}: このエンドポイントでは他のサーバーからの取得（SERVICE による連合クエリ、LOAD）は無効です"
                        "（--allow-service を付けて起動してください）"))


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
