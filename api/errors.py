"""One JSON error format for the whole API: ``{"error": {"code", "message_ja", "message_en", …}}``.

SPARQL protocol errors, draft validation, lineage, trace and the pages all answer it; FastAPI's own errors
(a missing or malformed parameter, an unknown route) are rewritten into it by :func:`install`, so a client
reads every failure the same way.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from keifu.extract.errors import KeifuError


def error_response(status: int, code: str, en: str, ja: str, beside: dict[str, object] | None = None,
                   **extra: object) -> JSONResponse:
    """The error; ``extra`` goes inside it, ``beside`` next to it (e.g. the candidates of an ambiguous name)."""
    body = {"error": {"code": code, "message_ja": ja, "message_en": en, **extra}, **(beside or {})}
    return JSONResponse(body, status_code=status)


def keifu_error(status: int, code: str, e: KeifuError, beside: dict[str, object] | None = None) -> JSONResponse:
    """A :class:`KeifuError` (bilingual by construction) as the API's error."""
    return error_response(status, code, e.message_en, e.message_ja, beside)


class ApiError(StarletteHTTPException):
    """Raised by a route (or a dependency) to answer with the API's error (an HTTPException, so a router
    mounted without :func:`install` still answers with the status)."""

    def __init__(self, status: int, code: str, en: str, ja: str) -> None:
        super().__init__(status, {"code": code, "message_ja": ja, "message_en": en})
        self.code, self.en, self.ja = code, en, ja


_JA = {400: "要求が不正です", 404: "ありません", 405: "この方法は使えません", 422: "パラメーターが不正です"}


def install(app: FastAPI) -> None:
    """Answer FastAPI's and Starlette's own errors, and :class:`ApiError`, in the one format."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
        if isinstance(e, ApiError):
            return error_response(e.status_code, e.code, e.en, e.ja)
        phrase = HTTPStatus(e.status_code).phrase if e.status_code in HTTPStatus._value2member_map_ else "error"
        en = e.detail if isinstance(e.detail, str) else phrase
        return error_response(e.status_code, phrase.lower().replace(" ", "-"), en, _JA.get(e.status_code, en))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(x) for x in err.get('loc', ()))}: {err.get('msg')}" for err in e.errors())
        return error_response(422, "bad-parameter", f"invalid request: {problems}",
                              f"パラメーターが不正です: {problems}")
