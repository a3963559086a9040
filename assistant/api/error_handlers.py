"""The one error shape {"error": {"code", "message", "hint"}}: Vietnamese `message`, precise English `hint`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api import models as m
from assistant.errors import AssistantError

log = logging.getLogger(__name__)

# `message` is what the widget and the auditor page show a person, so it is Vietnamese only; the English detail an
# API client or an administrator needs goes to `hint`.
MESSAGES = {
    "bad_request": "Yêu cầu không hợp lệ.",
    "malformed_json": "Nội dung gửi lên không phải JSON hợp lệ.",
    "invalid_request": "Dữ liệu gửi lên không đúng mẫu của API.",
    "not_found": "Không tìm thấy địa chỉ này.",
    "method_not_allowed": "Địa chỉ này không nhận phương thức yêu cầu đó.",
    "request_timeout": "Nội dung yêu cầu đến quá chậm, máy chủ đã ngừng chờ.",
    "payload_too_large": "Nội dung gửi lên quá lớn.",
    "internal_error": "Máy chủ gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại.",
    "not_ready": "Hệ thống đang nạp chỉ mục tài liệu, vui lòng thử lại sau ít giây.",
    "upstream_error": "Mô hình ngôn ngữ không phản hồi. Vui lòng thử lại.",
    "index_missing": "Chưa có chỉ mục tài liệu.",
    "index_mismatch": "Chỉ mục tài liệu không khớp cấu hình hiện tại.",
    "model_error": "Không nạp được mô hình ngôn ngữ.",
    "corpus_error": "Không đọc được thư mục tài liệu.",
    "unreadable_file": "Không đọc được tệp tài liệu.",
}
GENERIC_MESSAGE = "Máy chủ không xử lý được yêu cầu."
# Codes this package raises itself, with a Vietnamese message written for the case; any other AssistantError comes
# from the library, whose messages are English (the CLI prints them), and is shown by its code.
OWN_CODES = {"bad_request", "not_found", "not_ready"}
STATUS_CODES = {400: "malformed_json", 404: "not_found", 405: "method_not_allowed", 408: "request_timeout",
                413: "payload_too_large"}
ERRORS: dict[int | str, dict[str, object]] = {
    s: {"model": m.ErrorResponse} for s in (400, 404, 405, 408, 413, 422, 500, 503)
}


def error_body(exc: AssistantError) -> m.ErrorBody:
    """The public form of an error: the API's own Vietnamese message, or the code's with the English detail."""
    if exc.code in OWN_CODES:
        return m.ErrorBody(code=exc.code, message=exc.message, hint=exc.hint)
    return m.ErrorBody(code=exc.code, message=MESSAGES.get(exc.code, GENERIC_MESSAGE), hint=str(exc))


def internal_error_body() -> m.ErrorBody:
    """An unexpected failure: no internals leave the server."""
    return m.ErrorBody(code="internal_error", message=MESSAGES["internal_error"],
                       hint="Internal server error; the server log has the details.")


def error_response(status: int, body: m.ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON error response in the one shape."""
    return JSONResponse(m.ErrorResponse(error=body).model_dump(), status_code=status, headers=headers)


def coded_error(status: int, code: str, hint: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error response whose message is the code's Vietnamese text."""
    return error_response(status, m.ErrorBody(code=code, message=MESSAGES[code], hint=hint), headers)


def _allow(header: str) -> str:
    """The Allow header of a 405, with HEAD wherever GET is (HEAD is answered as GET without the body)."""
    methods = {x.strip() for x in header.split(",") if x.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    """Every failure leaves in the one shape."""

    @app.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return error_response(exc.status, error_body(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return coded_error(400, "malformed_json", "Request body is not valid JSON; send a JSON object with "
                                                      "Content-Type: application/json.")
        parts = [f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]]
        return coded_error(422, "invalid_request", "; ".join(parts) + ". See /docs for the request schema.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette raises 400 only when it cannot parse the body (invalid UTF-8, broken form data).
        code = STATUS_CODES.get(exc.status_code, "bad_request" if exc.status_code < 500 else "internal_error")
        headers = dict(exc.headers or {})
        hint = f"{exc.detail}: {request.method} {request.url.path}"
        if exc.status_code == 405:
            headers["Allow"] = _allow(headers.get("Allow", ""))
            hint = f"Method not allowed on {request.url.path}; allowed: {headers['Allow']}."
        return coded_error(exc.status_code, code, hint, headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # An error in a middleware outside ContainErrors.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, internal_error_body())


class ContainErrors:
    """Answers an unexpected exception with the 500 error shape and keeps the connection.

    Starlette re-raises an unhandled error after its 500 is sent, and the server then drops the client's kept-alive
    connection; answering here keeps the connection and the server serving.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # half a response is out: only closing the connection tells the client
                raise
            await error_response(500, internal_error_body())(scope, receive, send)
