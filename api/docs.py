"""``/docs`` offline: Swagger UI served by keifu from an installed package's files, never from a CDN.

FastAPI's default ``/docs`` loads Swagger UI's script and style from cdn.jsdelivr.net and its favicon from
fastapi.tiangolo.com, so on a machine without internet access it is a blank page (and every visit tells a
third party who reads the API). The files come from the PyPI package ``fastapi-offline`` (a dependency; only
its static folder is used: Swagger UI 5, which reads the OpenAPI 3.1 FastAPI writes; ``swagger-ui-bundle`` ships
Swagger UI 4, which refuses 3.1). Should it be missing, ``/docs`` is a plain HTML list of the routes, made from
the OpenAPI description. ReDoc (``/redoc``, also from a CDN, plus Google Fonts) is switched off.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .html import esc, layout

ASSETS = "/docs-assets"


def swagger_dir() -> Path | None:
    """The folder of Swagger UI's files in the installed ``fastapi-offline`` package (not imported: its module
    would pull in nothing we use)."""
    from importlib.util import find_spec

    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "static"
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def _routes_page(app: FastAPI) -> str:
    """The routes of the OpenAPI description as a table (the fallback without Swagger UI's files)."""
    rows = []
    for path, ops in sorted(app.openapi().get("paths", {}).items()):
        for method, op in ops.items():
            params = ", ".join(p.get("name", "") for p in op.get("parameters", []))
            rows.append(f"<tr><td>{esc(method.upper())}</td><td><code>{esc(path)}</code></td>"
                        f"<td>{esc(op.get('summary', ''))}</td><td>{esc(params)}</td></tr>")
    body = ("<p>Swagger UI のファイル（fastapi-offline）がないため、経路の一覧を表示しています / Swagger UI's files "
            '(package fastapi-offline) are not installed: the routes are listed instead. '
            '<a href="/openapi.json">openapi.json</a></p><table><thead><tr><th>method</th><th>path</th>'
            f"<th>summary 概要</th><th>parameters</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return layout("API", body)


def install(app: FastAPI) -> None:
    """Add ``/docs`` to an app created with ``docs_url=None, redoc_url=None``."""
    folder = swagger_dir()
    if folder is not None:
        app.mount(ASSETS, StaticFiles(directory=folder), name="docs-assets")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        if folder is None:
            return HTMLResponse(_routes_page(request.app))
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None})  # no badge fetched from validator.swagger.io
