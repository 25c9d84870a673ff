"""Safety rules of the service: write token, request-body limit, no SERVICE calls or LOAD by default.

Every refusal is a JSON error with Japanese and English messages (see :func:`keifu.api.replies.error`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keifu.graph.sparql_text import blank
from keifu.settings import setting

from .outbound import UNVERIFIED, outbound_calls
from .replies import Reply, error


@dataclass(slots=True)
class Limits:
    """Knobs of ``keifu serve``: time limit (s), result rows, request bytes, write token, CORS origins."""

    timeout: float = setting("query_timeout")  # type: ignore[assignment]
    max_rows: int = setting("max_rows")  # type: ignore[assignment]
    max_body: int = setting("max_body")  # type: ignore[assignment]
    write_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    allow_service: bool = False
    #: draft validation (api.drafts): worker processes, time limit (s) and memory each worker may add (bytes)
    validate_workers: int = 1
    validate_timeout: float = 60.0
    validate_memory: int = int(setting("validate_memory_mib")) * 1024**2  # type: ignore[call-overload]


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
    be parsed is refused too. First, a request nested too deep for the parsers is refused (:func:`check_depth`).
    """
    check_depth(text)
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


#: deepest nesting of brackets a request may have: Oxigraph's recursive parser overflows its stack (and kills
#: the worker) near 3,000 levels; real queries nest a few dozen
MAX_DEPTH = 500
_OPENS = str.maketrans({"{": "(", "[": "("})


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse a request nested deeper than ``limit`` before any parser sees it.

    The depth is over-estimated, never under: every opening bracket counts, wherever it stands, while a
    closing one counts only outside strings, IRIs and comments (as lexed by :func:`blank`). So no text hidden
    from the lexer can lower the estimate; a real query pays only when a literal holds many unmatched "("."""
    if text.count("(") + text.count("{") + text.count("[") <= limit:  # no nesting can pass it: C-speed path
        return
    code = blank(text).translate(_OPENS)
    raw = text.translate(_OPENS)
    depth = deepest = 0
    for r, c in zip(raw, code, strict=True):
        if r == "(":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif c in ")}]":
            depth -= 1
    if deepest > limit:
        raise Refused(error(400, "too-deep", f"the request is nested more than {limit} levels deep",
                            f"要求の入れ子が {limit} 段を超えています"))


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


#: headers every response carries: no type sniffing, no framing, no referrer, and pages that load only from
#: this server (the query page's editor needs inline scripts and eval; nothing is fetched from elsewhere)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
     b"base-uri 'self'; form-action 'self'"),
]


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every response (a header the app set is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
