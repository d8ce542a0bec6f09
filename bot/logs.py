"""Logging: human-readable by default, JSON lines with STRIDECOACH_LOG_FORMAT=json.

Secrets never reach a log line. The token is in every Bot API URL (httpx logs those at
INFO, so httpx and httpcore are kept at WARNING) and the webhook secret is a parameter of
setWebhook (PTB logs call parameters at DEBUG). The formatters therefore mask every
registered secret in the *finished* line — message, exception traceback and stack alike —
not only in the message, which is where a traceback would slip through.

What a user typed is logged by PTB at DEBUG only; our own INFO lines hold ids and counts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import TextIO
from urllib.parse import quote

MASK = "<secret>"
QUIET = ("httpx", "httpcore", "apscheduler", "aiohttp.access")


class Redactor:
    """Replaces registered secrets (and their URL-encoded forms) with a mask."""

    def __init__(self) -> None:
        self._secrets: list[str] = []

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < 4:  # a one-letter "secret" would mask everything
            return
        for form in (secret, quote(secret, safe="")):
            if form not in self._secrets:
                self._secrets.append(form)
        self._secrets.sort(key=len, reverse=True)

    def clear(self) -> None:
        self._secrets.clear()

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


REDACT = Redactor()


def add_secret(secret: str | None) -> None:
    """Mask `secret` in every log line from now on (e.g. a webhook secret read later)."""
    REDACT.add(secret)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return REDACT(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and
    exception / stack when present."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": REDACT(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = REDACT(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = REDACT(record.exc_text)
        if record.stack_info:
            line["stack"] = REDACT(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)


def setup(
    level: str = "INFO", fmt: str = "text", token: str = "", stream: TextIO | None = None
) -> None:
    """Log to stderr (or `stream`) at `level` as `fmt` ("text" or "json"), masking `token`."""
    REDACT.clear()
    REDACT.add(token)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt.lower() == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings in the same format (JSON lines stay parseable)
