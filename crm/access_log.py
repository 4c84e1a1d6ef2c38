"""One access-log line per request, with secrets masked; JSON log lines with LOG_FORMAT=json."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from contextvars import ContextVar
from typing import Any, cast

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest

from crm.availability import quiet_pool_retries

# A customer's tracking token is their password to the ticket: never in a log.
# The customer's page (/ui/track/<token>, linked from their e-mails) carries it in its path too.
_TRACKING_PREFIXES = ("/tickets/public/", "/ui/track/")
_MAY_DECODE = re.compile(r"[?%.]")
_TRACKING_PATH = re.compile(r"^(/tickets/public/|/ui/track/)[^/]+")
_SECRET_QUERY = re.compile(r"token|password|secret|key|auth|code", re.IGNORECASE)
MASK = "***"


# Who called, and from where when a trusted proxy says so: noted while the request is handled,
# read by its access line. aiohttp runs each request (its handler and its access line) in a task
# of its own, whose context a context variable lives in: no request of a connection sees the one
# before it, and noting costs a fraction of a request-dict entry (whose absence raised KeyError
# inside Mapping.get for every request without one).
_USER: ContextVar[int | None] = ContextVar("access_user", default=None)
_REMOTE: ContextVar[str | None] = ContextVar("access_remote", default=None)


def note_user(user_id: int) -> None:
    """Record who is calling, for the request's access line."""
    _USER.set(user_id)


def note_remote(remote: str | None) -> None:
    """Record the client's address a trusted proxy gave, for the request's access line."""
    _REMOTE.set(remote)


def masked_target(request: BaseRequest) -> str:
    """The path and query with tracking tokens and secret-looking query values masked."""
    raw = request.raw_path
    # Most lines have nothing to mask, and parsing the query costs. Without "%" or "." the path
    # decodes to itself, so a token's path is not missed by looking at the raw one.
    if not _MAY_DECODE.search(raw) and not raw.startswith(_TRACKING_PREFIXES):
        return request.path
    path = _TRACKING_PATH.sub(lambda m: m.group(1) + MASK, request.rel_url.path)
    query = request.rel_url.query
    if not query:
        return path
    pairs = [f"{k}={MASK if _SECRET_QUERY.search(k) else v}" for k, v in query.items()]
    return path + "?" + "&".join(pairs)


def access_message(fields: dict[str, Any], duration_text: str) -> str:
    """The access line's message of `fields`, the duration written as `duration_text`."""
    return access_text(
        fields["method"],
        fields["path"],
        fields["status"],
        duration_text,
        fields["request_id"],
        fields["user_id"],
        fields["remote"],
    )


def access_text(
    method: str,
    path: str,
    status: object,
    duration_text: str,
    request_id: object,
    user_id: object,
    remote: object,
) -> str:
    """The access line's message (access_message's, without a dict of fields). Made with an
    f-string: %-format's look-ups and the float's repr were a quarter of the line's cost."""
    return (
        f"{method} {path} {status} {duration_text}ms "
        f"request={request_id} user={user_id} remote={remote}"
    )


# The same message as a %-format of the fields, for a LogRecord; its fields also go to JSON lines
# as they are.
_NAMED = ("method", "path", "status", "request_id", "user_id", "remote")
ACCESS_MESSAGE = access_message({name: f"%({name})s" for name in _NAMED}, "%(duration_ms)s")


class AccessLog(AbstractAccessLogger):
    """aiohttp calls this after every response, also for requests its parser refused."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        tenths = round(time * 10_000)  # of a millisecond
        method, path, status = request.method, masked_target(request), response.status
        request_id = response.headers.get("X-Request-Id")
        user_id, remote = _USER.get(), _REMOTE.get() or request.remote
        duration = f"{tenths // 10}.{tenths % 10}"
        handler = _sole_handler(logger)
        if handler is not None and type(handler.formatter) is TextFormatter:
            # A text line shows the message alone: no dict of fields made for it (a third of
            # the line's cost).
            message = access_text(method, path, status, duration, request_id, user_id, remote)
            handler.write_info(logger.name, message, {})
            return
        fields = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": tenths / 10,
            "request_id": request_id,
            "user_id": user_id,
            "remote": remote,
        }
        if handler is None:
            logger.info(ACCESS_MESSAGE, fields, extra={"http": fields})
        else:
            handler.write_info(logger.name, access_message(fields, duration), fields)


def _sole_handler(logger: logging.Logger) -> LineHandler | None:
    """The LineHandler a record of `logger` would reach and nothing else would see or filter:
    then the access line can skip the LogRecord (about half of its cost). Else None."""
    if logger.filters:
        return None
    node: logging.Logger | None = logger
    while node is not None and node.parent is not None:
        if node.handlers or not node.propagate:
            return None
        node = node.parent
    handlers = logging.root.handlers
    if node is None or len(handlers) != 1:
        return None
    handler = handlers[0]
    if type(handler) is not LineHandler or handler.filters or handler.level > logging.INFO:
        return None
    return handler


# Access lines wait at most this long and are then written together: one write to stderr a
# moment instead of one a request (a write and its flush cost about 14 µs of a list request's
# 350), as nginx's `access_log ... flush=`. Any other record, a flush and the handler's close
# write them first, so the lines keep their order; a killed process loses this much of them.
ACCESS_FLUSH_SECONDS = 0.05


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging installs: lines to stderr, INFO lines also without a
    LogRecord (write_info), formatted as the record's would be and written a moment later."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: list[str] = []

    def write_info(self, name: str, message: str, http: dict[str, Any]) -> None:
        """Write one INFO line of logger `name`, as `self.handle` would write its record, within
        ACCESS_FLUSH_SECONDS (at once when no event loop runs here)."""
        # configure_logging sets one of ours (an isinstance of a union here cost 1k instructions)
        formatter = cast("TextFormatter | JsonFormatter", self.formatter)
        line = formatter.info_line(time.time(), name, message, http)
        with self.lock:  # type: ignore[union-attr]  # made in Handler.__init__
            self._pending.append(line)
            if len(self._pending) > 1:
                return  # a flush is already due
        try:
            asyncio.get_running_loop().call_later(ACCESS_FLUSH_SECONDS, self.flush)
        except RuntimeError:
            self.flush()

    def emit(self, record: logging.LogRecord) -> None:
        self._write_pending()
        super().emit(record)

    def flush(self) -> None:
        self._write_pending()
        super().flush()

    def _write_pending(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self._pending:
                return
            lines, self._pending = self._pending, []
            try:
                self.stream.write(self.terminator.join(lines) + self.terminator)
            except Exception:
                self.handleError(logging.makeLogRecord({"name": "crm.access", "msg": lines[0]}))


class TextFormatter(logging.Formatter):
    """Each record as `time level logger: message`, the time's text made once a second."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second = -1
        self._second_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return f"{self._second_text_of(int(record.created))},{int(record.msecs):03d}"

    def _second_text_of(self, second: int) -> str:
        # Every request logs a line; formatting the same second's local time again for each
        # was a measurable share of the line's cost. The text is Formatter's default one.
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
            self._second = second
        return self._second_text

    def info_line(self, created: float, name: str, message: str, http: dict[str, Any]) -> str:
        """What format() makes of an INFO record of logger `name` created at `created`."""
        second = int(created)
        msecs = int((created - second) * 1000)
        return f"{self._second_text_of(second)},{msecs:03d} INFO {name}: {message}"


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object: time, level, logger, message, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        http = getattr(record, "http", None)
        exception = self.formatException(record.exc_info) if record.exc_info else None
        return self._line(
            record.created,
            record.levelname,
            record.name,
            record.getMessage(),
            http if isinstance(http, dict) else None,
            exception,
        )

    def info_line(self, created: float, name: str, message: str, http: dict[str, Any]) -> str:
        """What format() makes of an INFO record of logger `name` created at `created`."""
        return self._line(created, "INFO", name, message, http, None)

    def _line(
        self,
        created: float,
        level: str,
        name: str,
        message: str,
        http: dict[str, Any] | None,
        exception: str | None,
    ) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(created)),
            "level": level,
            "logger": name,
            "message": message,
        }
        if http is not None:
            line.update(http)
        if exception is not None:
            line["exception"] = exception
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str) -> None:
    """Log INFO and up to stderr, as text lines or (LOG_FORMAT=json) JSON lines."""
    handler = LineHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # Every request logs a line: skip collecting what no line shows (the logging HOWTO's
    # "Optimization"): the calling file and line, the thread, the process.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    quiet_pool_retries()
