"""Pages: the chat widget, the auditor page, and the API docs (Swagger UI at /docs, ReDoc at /redoc) served offline."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

WEB_DIR = Path(__file__).resolve().parent / "web"
# The page only ever loads its own script and style and talks to its own API; answers are rendered as text.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
SWAGGER_ASSETS = "/docs-assets"
REDOC_ASSETS = "/redoc"  # the bundle asks for its logo at <page path>/logo-mini.svg


def _static(name: str, media_type: str, headers: dict[str, str] | None = None) -> Callable[[], Awaitable[Response]]:
    async def serve() -> Response:
        return FileResponse(WEB_DIR / name, media_type=media_type,
                            headers={"Cache-Control": "no-cache", **(headers or {})})

    return serve


for _path, _name, _type, _headers in (
    ("/", "index.html", "text/html; charset=utf-8", {"Content-Security-Policy": PAGE_CSP}),
    ("/widget.js", "widget.js", "text/javascript; charset=utf-8", None),
    ("/widget.css", "widget.css", "text/css; charset=utf-8", None),
    ("/auditor", "auditor.html", "text/html; charset=utf-8", {"Content-Security-Policy": PAGE_CSP}),
    ("/auditor.js", "auditor.js", "text/javascript; charset=utf-8", None),
    ("/auditor.css", "auditor.css", "text/css; charset=utf-8", None),
):
    router.add_api_route(_path, _static(_name, _type, _headers), methods=["GET"], name=_name)


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)


def _swagger_dir() -> Path | None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return Path(swagger_ui_path)


def _redoc_dir() -> Path | None:
    try:
        import fastapi_standalone_docs
    except ImportError:
        return None
    return Path(fastapi_standalone_docs.__path__[0]) / "static" / "redoc"


def add_doc_pages(app: FastAPI) -> None:
    """/docs and /redoc with their scripts, styles and icons from installed packages: no request leaves the site.

    FastAPI's own pages load them from a CDN, which an air-gapped intranet cannot reach and a privacy policy may
    forbid; without the package a page is not served at all rather than served from a CDN.
    """
    swagger, redoc = _swagger_dir(), _redoc_dir()
    favicon = f"{SWAGGER_ASSETS}/favicon-32x32.png" if swagger else "/favicon.ico"
    if swagger is None:
        log.warning("swagger-ui-bundle-v2 is not installed: no /docs")
    else:
        app.mount(SWAGGER_ASSETS, StaticFiles(directory=swagger), name="docs-assets")

        @app.get("/docs", include_in_schema=False)
        async def docs(request: Request) -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} — API",
                                       swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
                                       swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                                       swagger_favicon_url=favicon)

    if redoc is None:
        log.warning("fastapi-standalone-docs is not installed: no /redoc")
    else:
        @app.get("/redoc", include_in_schema=False)
        async def redoc_page(request: Request) -> HTMLResponse:
            return get_redoc_html(openapi_url="/openapi.json", title=f"{request.app.title} — API",
                                  redoc_js_url=f"{REDOC_ASSETS}/redoc.standalone.js", redoc_favicon_url=favicon,
                                  with_google_fonts=False)

        app.mount(REDOC_ASSETS, StaticFiles(directory=redoc), name="redoc-assets")
