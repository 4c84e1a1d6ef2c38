"""The HTTP server around the app: timeouts for slow clients, and parser errors as problems."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web
from aiohttp.http_parser import HttpRequestParserPy
from aiohttp.web_protocol import MAX_MSG_QUEUE_SIZE, RequestHandler, RequestPayloadError
from aiohttp.web_request import BaseRequest

from crm.access_log import AccessLog
from crm.errors import Problem
from crm.http.headers import secure

log = logging.getLogger("crm")
# Seconds a stopping server gives requests in flight before it closes their connections.
SHUTDOWN_TIMEOUT = 8.0
_TIMED_OUT = Problem(408, "The request headers did not arrive in time.")
# A whole request line at the start of a chunk. Linear in its length: the target is one run of
# bytes up to a space, so no input makes the matcher try every split of it.
_REQUEST_LINE = re.compile(rb"[A-Z]+ [^ \r\n]+ HTTP/1\.[01]\r?\n")


class CrmRequestHandler(RequestHandler):
    """aiohttp's connection handler, plus a header read timeout and problem+json parse errors."""

    def __init__(self, manager: web.Server, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._in_request = False
        self._auto_decompress = kwargs.get("auto_decompress", True)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._start_header_timer()  # a connection that never sends a full request is dropped

    def data_received(self, data: bytes) -> None:
        if not data.isascii() and (line := _REQUEST_LINE.match(data)) and not line[0].isascii():
            self._take_raw_utf8_targets()
        seen = self._request_count
        super().data_received(data)
        if self._request_count != seen:  # a request's headers are complete
            self._in_request = True
            self._stop_header_timer()
        elif not self._in_request and data:
            self._start_header_timer()

    def _take_raw_utf8_targets(self) -> None:
        """Parse this connection with aiohttp's Python parser, which takes raw UTF-8 in the
        request target.

        curl sends `?q=стиралка` as raw UTF-8 bytes, and the C parser (llhttp) refuses them;
        browsers and most clients percent-encode. The Python parser costs about 15 µs more a
        request, so only a connection whose request line carries such bytes pays it. The switch
        happens when a chunk starts with a whole request line, that is between requests, where
        the C parser holds nothing back. It still refuses control characters.
        """
        if isinstance(self._parser, HttpRequestParserPy):
            return
        self._parser = HttpRequestParserPy(
            self,
            self._loop,
            self._read_bufsize,
            max_line_size=self.max_line_size,
            max_field_size=self.max_field_size,
            max_headers=self.max_headers,
            payload_exception=RequestPayloadError,
            auto_decompress=self._auto_decompress,
            max_msg_queue_size=MAX_MSG_QUEUE_SIZE,
        )

    def connection_lost(self, exc: BaseException | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    async def _handle_request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super()._handle_request(*args, **kwargs)
        finally:
            self._in_request = False

    def _start_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self._loop.call_later(self._header_timeout, self._headers_late)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        """Answer 408 in raw bytes (no request exists to answer through) and hang up."""
        self._header_timer = None
        transport = self.transport
        if transport is None or transport.is_closing() or self._in_request:
            return
        response = _TIMED_OUT.response()
        secure(response.headers, html=False)
        head = [b"HTTP/1.1 408 Request Timeout"]
        head += [f"{name}: {value}".encode("latin-1") for name, value in response.headers.items()]
        body = response.body if isinstance(response.body, bytes) else b""
        head += [f"Content-Length: {len(body)}".encode(), b"Connection: close", b"", b""]
        transport.write(b"\r\n".join(head) + body)
        self.force_close()
        transport.close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """The parser's own errors (bad request lines, headers, framing) as problem+json."""
        if status >= 500:
            log.error("error outside the app's handlers", exc_info=exc)
            detail = "An unexpected error occurred."
        else:
            reason = (message or "").splitlines()[0][:200] if message else ""
            detail = f"The request could not be parsed: {reason}" if reason else "Bad request."
        response = Problem(status, detail).response()
        secure(response.headers, html=False)
        response.force_close()
        return response


class CrmServer(web.Server):
    """aiohttp's server, making connections with CrmRequestHandler."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout

    def __call__(self) -> RequestHandler:
        return CrmRequestHandler(
            self, loop=self._loop, header_timeout=self._header_timeout, **self._kwargs
        )


class CrmRunner(web.AppRunner):
    """An AppRunner whose server is CrmServer, with our access log and limits."""

    def __init__(self, app: web.Application, *, header_timeout: float) -> None:
        self._options: dict[str, Any] = {
            "access_log_class": AccessLog,
            "access_log": logging.getLogger("crm.access"),
            # A keep-alive connection idle this long is closed (aiohttp's default is an hour).
            "keepalive_timeout": 75.0,
        }
        self._header_timeout = header_timeout
        super().__init__(app, shutdown_timeout=SHUTDOWN_TIMEOUT, **self._options)

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()
        return CrmServer(
            made.request_handler,
            request_factory=made.request_factory,
            loop=asyncio.get_running_loop(),
            header_timeout=self._header_timeout,
            **self._options,
        )
