"""ASGI middleware: request bodies capped on the bytes received and the time taken, HEAD answered as GET."""

from __future__ import annotations

import time

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.error_handlers import coded_error


class BodyRejected(Exception):
    """Raised inside the app's `receive` when the body is too large or too slow; the middleware answers."""


class BodyLimit:
    """Caps a request body at `max_bytes` as it arrives and gives it `timeout_s` to arrive.

    A Content-Length check alone lets a chunked body (Transfer-Encoding: chunked, no length) of any size be read and
    parsed; here every received piece is counted, and beyond the limit the request is answered 413 without reading
    further. The connection is closed after a 413 or a 408, since the rest of the body was never read.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    def _rejection(self, reason: str) -> JSONResponse:
        close = {"Connection": "close"}
        if reason == "timeout":
            return coded_error(408, "request_timeout", f"The request body did not arrive within {self.timeout_s:g} s.",
                               close)
        return coded_error(413, "payload_too_large", f"Request body over {self.max_bytes} bytes.", close)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._rejection("too_large")(scope, receive, send)
            return
        received = 0
        body_done = False
        deadline: float | None = None
        rejected: str | None = None
        started = swallowing = False

        async def limited_receive() -> Message:
            nonlocal received, body_done, deadline, rejected
            if body_done:  # later calls wait for a disconnect while a response streams: no deadline then
                return await receive()
            if rejected is not None:
                raise BodyRejected(rejected)
            deadline = deadline or time.monotonic() + self.timeout_s
            with anyio.move_on_after(max(0.0, deadline - time.monotonic())):
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_bytes:
                        rejected = "too_large"
                        raise BodyRejected(rejected)
                    body_done = not message.get("more_body", False)
                else:
                    body_done = True
                return message
            rejected = "timeout"
            raise BodyRejected(rejected)

        async def guarded_send(message: Message) -> None:
            # After a rejection the app may still answer (FastAPI turns a failed body read into a 400): that
            # answer is dropped and the rejection sent instead.
            nonlocal started, swallowing
            if message["type"] == "http.response.start" and rejected is not None and not started:
                swallowing = True
            if swallowing:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyRejected:
            if started:
                raise
        if rejected is not None and not started:
            await self._rejection(rejected)(scope, receive, send)


class HeadAsGet:
    """HEAD on any GET route: the GET response's status and headers without its body.

    FastAPI routes accept only the methods they declare, so HEAD /healthz would be a 405.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
