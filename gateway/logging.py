"""Log configuration: today's text lines or one JSON object per line (`GATEWAY_LOG_FORMAT`).

Every line written while a request is served carries that request's id (and its trace id when
there is one), in both formats, so one request's lines can be found together. What the lines say
is decided where they are written: the request line (`gateway.observability.middleware`) holds
only the method, path, operation names, status and duration, never variables, bodies or upstream
payloads, which carry residents' and guests' personal data; upstream clients log at DEBUG
without bodies or query strings.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, TextIO

from gateway.observability.request import current_request
from gateway.settings import LogFormat

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(
    level: str, log_format: LogFormat = "text", stream: TextIO | None = None
) -> None:
    """Replaces the root logger's handlers with one writing to `stream` (stderr)."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(StampRequest())
    handler.addFilter(EscapeControlCharacters())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # What no line prints (both formats hold the time, level, logger, message and ids) is not
    # gathered for every record either: the switches of the logging HOWTO's "Optimization"
    # section. The caller's file and line (a walk up the stack) and the thread and process
    # names were a third of the request line's cost.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # the documented switch: no caller lookup per record
    # httpx logs every request URL at INFO; CareHQ URLs carry filter values (ids, search text).
    logging.getLogger("httpx").setLevel(logging.WARNING)


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`, ...)."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class EscapeControlCharacters(logging.Filter):
    """One record is one line: a client-chosen value (a path with `%0a` in it, an operation
    name) can never start a forged line. Applied to the formatted message, so it covers every
    value of every logger; tracebacks (`exc_info`) are formatted separately and keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # Kept formatted (escaped where needed): the formatter's `getMessage` need not redo it.
        record.msg = escape_controls(message) if _CONTROL.search(message) else message
        record.args = None
        return True


class StampRequest(logging.Filter):
    """Stamps `request_id` and `trace_id` (None outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = current_request()
        record.request_id = current.request_id if current else None
        record.trace_id = current.trace_id if current else None
        return True


class TextFormatter(logging.Formatter):
    """Today's text line, with ` request_id=...` appended inside a request."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} request_id={request_id}" if request_id else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `time` (UTC, ISO 8601), `level`, `logger`, `message`,
    `request_id` and `trace_id` inside a request, the structured `fields` a line was given
    (`extra={"fields": {...}}`), and `exception` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "trace_id"):
            if value := getattr(record, key, None):
                line[key] = value
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update({key: value for key, value in fields.items() if key not in line})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)
