"""The self-hosted endpoint's log: one JSON object per line, the request lines among them.

`mat-coach serve` writes every log record as one line of JSON (`JsonFormatter`), shaped like the
Lambda runtime's own JSON log lines - `timestamp`, `level`, `logger`, `message`, and
`correlationId` while a request is being answered - so the same queries read both doors'
logs. A traceback stays inside its line (`errorType`, `stackTrace`). Each request's own line
(`RequestLogSink`, logger `skill.requests`) carries the request's telemetry fields instead of a
message (`skill.telemetry.RequestFacts.line`); under any other formatter its message is that
same JSON object as text.
"""

from __future__ import annotations

import json
import logging
import time

from skill import telemetry
from skill.telemetry import RequestFacts

REQUEST_LOGGER = "skill.requests"
_LEVELS = {"INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


class RequestLogSink:
    """Each request's line, logged at its level (warnings for refusals, errors for faults)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.log = logger or logging.getLogger(REQUEST_LOGGER)

    def emit(self, facts: RequestFacts) -> None:
        line = facts.line()
        level = _LEVELS[line["level"]]
        if self.log.isEnabledFor(level):
            self.log.log(level, "%s", json.dumps(line, separators=(",", ":")),
                         extra={"request_line": line})


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON (UTC timestamps to the millisecond)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        timestamp = f"{stamp}.{int(record.msecs):03d}Z"
        line = getattr(record, "request_line", None)
        if isinstance(line, dict):
            document = {"timestamp": timestamp, **line, "logger": record.name}
        else:
            document = {"timestamp": timestamp, "level": record.levelname,
                        "message": record.getMessage(), "logger": record.name}
            facts = telemetry.current()
            if facts is not None:
                document["correlationId"] = facts.request_id
            if record.exc_info and record.exc_info[0] is not None:
                document["errorType"] = record.exc_info[0].__name__
                document["stackTrace"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str, separators=(",", ":"))


def use_json(root: logging.Logger | None = None) -> None:
    """Write every record of `root` (the root logger) as JSON: its handlers' formatters."""
    root = root or logging.getLogger()
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
