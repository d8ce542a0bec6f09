"""Reading Bot API call parameters the way Telegram does, and the error a method raises.

Bot API clients send parameters as a query string, a urlencoded or multipart form (nested
objects such as ``reply_markup`` then arrive as JSON strings) or a JSON body. ``Params`` gives
every method one typed view of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status ``code`` and Telegram's ``description``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class Upload:
    """A file uploaded in a multipart request."""

    data: bytes
    file_name: str | None
    content_type: str | None


class Params:
    """The parameters of one call. Values are strings (form) or JSON values (JSON body)."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None):
        self.values = values
        self.uploads = uploads or {}

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, default: int | None = None, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            if required:
                raise bad_request(f"{name} is empty")
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def obj(self, name: str) -> Any:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_id(self, required: bool = True) -> int | None:
        """A chat id (an integer; the bot addresses chats by id only)."""
        value = self.values.get("chat_id")
        if value in (None, ""):
            if required:
                raise bad_request("chat_id is empty")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request("chat not found") from None

    def peek_chat_id(self) -> int | None:
        """The chat id if one is present and readable, for logging and fault decisions."""
        try:
            return self.chat_id(required=False)
        except ApiError:
            return None

    def file(self, name: str) -> Upload | str | None:
        """The file uploaded as ``name``, else the string given (a file_id or URL)."""
        return self.uploads.get(name) or self.text(name)
