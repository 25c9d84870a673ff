"""The API's replies and errors: a status, a media type and bytes; errors as JSON in Japanese and English.

Kept apart from the query worker (:mod:`keifu.api.worker`) because every part of the API answers with them:
the routes, the backends, the worker pools and the draft validator. Free of FastAPI so workers start fast.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_AT = re.compile(r"at (\d+):(\d+)")


@dataclass(slots=True)
class Reply:
    status: int
    media: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, en: str, ja: str, **extra: object) -> Reply:
    """A JSON error reply with Japanese and English messages."""
    body = {"error": {"code": code, "message_ja": ja, "message_en": en, **extra}}
    return Reply(status, "application/json", json.dumps(body, ensure_ascii=False).encode())


def syntax_error(e: Exception) -> Reply:
    """400 with the parser's line and column (pyoxigraph says ``error at L:C: …``)."""
    msg = str(e)
    m = _AT.search(msg)
    where = {"line": int(m.group(1)), "column": int(m.group(2))} if m else {}
    return error(400, "malformed-query", f"SPARQL syntax error: {msg}", f"SPARQL の構文エラー: {msg}", **where)


def not_acceptable(kind: str, offered: list[str]) -> Reply:
    return error(406, "not-acceptable", f"no acceptable format for a {kind} result; offered: {', '.join(offered)}",
                 f"{kind} の結果を要求された形式で返せません。対応形式: {', '.join(offered)}", offered=offered)


def bad_graph_iri(e: Exception) -> Reply:
    return error(400, "bad-graph-iri", f"bad graph IRI in the dataset: {e}", f"データセットのグラフ IRI が不正です: {e}")
