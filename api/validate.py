"""Draft validation over HTTP: POST /validate (raw body or multipart upload) and GET /validate (the page).

POST takes the draft as the raw body (file name in ``?name=`` or ``X-Filename``), as multipart/form-data
(``file`` upload, or ``text`` pasted, optional ``name``) or as a urlencoded form (``text``, ``name``). It answers JSON ``{conforms, results: [{severity, message_ja, message_en, focus, path, line, page, quote, rule}],
…}``, or the standard sh:ValidationReport as Turtle when the request says ``Accept: text/turtle``. A draft that
cannot be validated (empty, unreadable, a PDF without text, not a policy document, too large, malformed RDF)
answers 4xx with ``{"error": {code, message_ja, message_en}}`` — never a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, unquote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response

from keifu.graph.draft import MAX_BYTES, DraftError

from .drafts import DraftJob, DraftPool, answer
from .replies import Reply
from .security import read_body
from .service import to_response

PAGE = Path(__file__).resolve().parent / "static" / "validate.html"
#: multipart framing on top of the largest draft
_SLACK = 1024 * 1024
TURTLE = "text/turtle"
#: how often a waiting validation checks that its client is still there (s)
DISCONNECT_POLL = 0.25

router = APIRouter(tags=["validate 目標案の検査"])


class _Upload:
    """The draft taken from a request: bytes, file name and declared media type."""

    def __init__(self, data: bytes, name: str | None, media_type: str | None) -> None:
        self.data, self.name, self.media_type = data, name, media_type


def _too_large(size: int) -> DraftError:
    mb, cap = size / 2**20, MAX_BYTES / 2**20
    return DraftError("too-large", f"the draft is too large (over {mb:.0f} MB; the limit is {cap:.0f} MB)",
                      f"案が大きすぎます（{mb:.0f} MB 超。上限は {cap:.0f} MB）")


def _multipart(content_type: str, body: bytes) -> _Upload:
    """The uploaded file (first part with a file name), else a pasted ``text`` field; ``name`` overrides."""
    msg = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        raise DraftError("empty", "the multipart form holds no parts", "フォームに内容がありません")
    upload: _Upload | None = None
    text: bytes | None = None
    override: str | None = None
    for part in msg.iter_parts():
        field = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None and upload is None:
            upload = _Upload(payload, filename, part.get_content_type())
        elif field == "text":
            text = payload
        elif field == "name":
            override = payload.decode("utf-8", "replace").strip() or None
    if upload is not None and (upload.data.strip() or text is None):
        if override:
            upload.name = override
        return upload
    if text is not None:
        return _Upload(text, override or "draft.txt", "text/plain")
    raise DraftError("empty", "the form holds no file and no text (fields: file, text)",
                     "フォームにファイルもテキストもありません（項目名：file、text）")


async def _upload(request: Request, name: str | None) -> _Upload:
    body = await read_body(request, MAX_BYTES + _SLACK, _too_large)
    ctype = request.headers.get("content-type", "")
    if ctype.lower().startswith("multipart/form-data"):
        up = _multipart(ctype, body)
        return up if not name else _Upload(up.data, name, up.media_type)
    if ctype.lower().startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        text = form.get("text", [""])[0]
        return _Upload(text.encode("utf-8"), name or form.get("name", ["draft.txt"])[0] or "draft.txt", "text/plain")
    header = request.headers.get("x-filename")
    return _Upload(body, name or (unquote(header) if header else None), ctype or None)


def _wants_turtle(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "turtle"
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip() == TURTLE for part in accept.split(","))


def _error(e: DraftError) -> JSONResponse:
    return JSONResponse(e.to_json(), status_code=e.status)


@router.post("/validate", summary="validate a draft of objectives / 目標案を検査する")
async def post_validate(
    request: Request,
    name: Annotated[str | None, Query(description="file name of a raw-body draft (else the X-Filename header)")] = None,
    format: Annotated[str | None, Query(pattern="^(json|turtle)$",
                                        description="json (default) or turtle; overrides Accept")] = None,
) -> Response:
    """Body: the draft itself (text, PDF, Turtle, JSON-LD), or multipart/form-data with ``file`` or ``text``."""
    pool: DraftPool | None = getattr(request.app.state, "drafts", None)
    if pool is not None and pool.started and (busy := pool.full()) is not None:
        return to_response(busy)
    try:
        up = await _upload(request, name)
    except DraftError as e:
        return _error(e)
    job = DraftJob(up.data, up.name, up.media_type, turtle=_wants_turtle(request, format))
    if pool is None or not pool.started:  # the router mounted alone, without the service's lifespan
        return to_response(await run_in_threadpool(answer, job))
    reply = await _unless_disconnected(request, pool.run(job))
    return to_response(reply) if reply is not None else Response(status_code=499)


async def _unless_disconnected(request: Request, work: Awaitable[Reply]) -> Reply | None:
    """``work``'s reply, or None when the client went away first (the work is then cancelled: its worker is
    killed, see :class:`~keifu.api.drafts.DraftPool`)."""
    task = asyncio.ensure_future(work)
    while True:
        done, _ = await asyncio.wait({task}, timeout=DISCONNECT_POLL)
        if done:
            return task.result()
        if await request.is_disconnected():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return None


@router.get("/validate", summary="the draft validation page / 目標案の検査ページ", response_class=FileResponse)
def get_validate_page() -> FileResponse:
    return FileResponse(PAGE, media_type="text/html; charset=utf-8")
