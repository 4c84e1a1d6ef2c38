"""One access-log line per request, with secrets masked; JSON log lines with LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

import attrs
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest

from crm.availability import quiet_pool_retries

# A customer's tracking token is their password to the ticket: never in a log.
# The customer's page (/ui/track/<token>, linked from their e-mails) carries it in its path too.
_TRACKING_PATH = re.compile(r"^(/tickets/public/|/ui/track/)[^/]+")
_SECRET_QUERY = re.compile(r"token|password|secret|key|auth|code", re.IGNORECASE)
MASK = "***"


@attrs.define
class RequestFacts:
    """What the app learns about a request that the access log needs (shared with its clones)."""

    remote: str | None = None
    user_id: int | None = None


FACTS = web.RequestKey("facts", RequestFacts)


def note_user(request: web.Request, user_id: int) -> None:
    """Record who is calling, for the access log."""
    facts = request.get(FACTS)
    if facts is not None:
        facts.user_id = user_id


def masked_target(request: BaseRequest) -> str:
    """The path and query with tracking tokens and secret-looking query values masked."""
    path = _TRACKING_PATH.sub(lambda m: m.group(1) + MASK, request.rel_url.path)
    query = request.rel_url.query
    if not query:
        return path
    pairs = [f"{k}={MASK if _SECRET_QUERY.search(k) else v}" for k, v in query.items()]
    return path + "?" + "&".join(pairs)


class AccessLog(AbstractAccessLogger):
    """aiohttp calls this after every response, also for requests its parser refused."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        facts = request.get(FACTS)
        fields = {
            "method": request.method,
            "path": masked_target(request),
            "status": response.status,
            "duration_ms": round(time * 1000, 1),
            "request_id": response.headers.get("X-Request-Id"),
            "user_id": facts.user_id if facts else None,
            "remote": (facts.remote if facts else None) or request.remote,
        }
        self.logger.info(
            "%(method)s %(path)s %(status)s %(duration_ms)sms request=%(request_id)s "
            "user=%(user_id)s remote=%(remote)s",
            fields,
            extra={"http": fields},
        )


class TextFormatter(logging.Formatter):
    """Each record as `time level logger: message`, the time's text made once a second."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second = -1
        self._second_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # Every request logs a line; formatting the same second's local time again for each
        # was a measurable share of the line's cost. The text is Formatter's default one.
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
            self._second = second
        return f"{self._second_text},{int(record.msecs):03d}"


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object: time, level, logger, message, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            line.update(http)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str) -> None:
    """Log INFO and up to stderr, as text lines or (LOG_FORMAT=json) JSON lines."""
    handler = logging.StreamHandler()
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
